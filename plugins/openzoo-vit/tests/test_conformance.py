"""The conformance suite, run on every component of this plugin (the same checks ``openzoo conformance vit`` runs)."""

from openzoo.conformance import parametrize_with_checks


@parametrize_with_checks("vit")
def test_conformance(conformance_check):
    conformance_check()
