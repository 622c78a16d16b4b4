"""The openzoo conformance suite, every check, on this plugin's components.

``movie-reviews``, ``csv`` and ``jsonl`` read the user's files; each declares a generated
sample (``openzoo_bert.samples``) in that format, and the suite checks the dataset on it,
so no dataset check is deselected.
"""

from openzoo.conformance import parametrize_with_checks


@parametrize_with_checks("openzoo-bert")
def test_conformance(conformance_check):
    conformance_check()
