"""The openzoo conformance suite, every check, on this plugin's components.

The suite loads each dataset with its default options. ``text`` reads the files the
user names (``-o path=...``), so with defaults it can only raise the BadInputError that
tells the user what to do; its dataset checks are deselected here and the same
properties (splits load, schema, determinism, disjoint splits, pickling) are tested on
real files in test_datasets.py.
"""

from openzoo.conformance import parametrize_with_checks

NEED_USER_FILES = ["dataset:text::*"]


@parametrize_with_checks("openzoo-gpt", deselect=NEED_USER_FILES)
def test_conformance(conformance_check):
    conformance_check()
