"""The openzoo conformance suite, every check, on this plugin's components.

The suite loads each dataset with its default options. ``csv`` and ``jsonl`` read a
file the user names (``-o path=FILE``) and ``movie-reviews`` reads the user's own
download, so with defaults they can only raise the BadInputError that tells the user
what to do; their dataset checks are deselected here (movie-reviews only when it is
not downloaded) and the same properties are tested on real files in test_text_files.py
and test_movie_reviews.py.
"""

from openzoo import BadInputError
from openzoo.conformance import parametrize_with_checks

from openzoo_bert.movie_reviews import find_ground_truth

NEED_A_USER_FILE = ["dataset:csv::*", "dataset:jsonl::*"]
try:
    find_ground_truth(None)
except BadInputError:
    NEED_A_USER_FILE.append("dataset:movie-reviews::*")


@parametrize_with_checks("openzoo-bert", deselect=NEED_A_USER_FILE)
def test_conformance(conformance_check):
    conformance_check()
