"""The openzoo conformance suite, every check, on this plugin's models and datasets."""

from openzoo.conformance import parametrize_with_checks


@parametrize_with_checks("openzoo-recsys")
def test_conformance(conformance_check):
    conformance_check()
