"""The openzoo conformance suite, every check, on this plugin's components.

``text`` reads the user's files; it declares a generated sample corpus
(``openzoo_gpt.samples``) that the suite checks it on, so no dataset check is deselected.
"""

from openzoo.conformance import parametrize_with_checks


@parametrize_with_checks("openzoo-gpt")
def test_conformance(conformance_check):
    conformance_check()
