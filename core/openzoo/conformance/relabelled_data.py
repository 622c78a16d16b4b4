"""The test dataset under other labels: renamed classes, one class more, only two classes.

Classification checks build a model on these views of the model's test dataset to reach the
code a dataset with other labels takes (a head re-sized or re-initialised, a label-count
boundary). Every view keeps the source's splits and examples (the two-class view keeps only
the examples of the first two classes); nothing is copied until a split is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["RENAMED_PREFIX", "RelabelledDataset", "extra_class", "renamed", "two_classes"]

#: The prefix of the class names in the renamed view (``openzoo-renamed-0``, ...).
RENAMED_PREFIX = "openzoo-renamed-"


class RelabelledDataset:
    """A view of ``source`` whose ``info['labels']`` is ``labels``; with ``keep``, only those label ids.

    :param keep: when set, examples whose label id is not in it are left out, and the kept ids are
        renumbered in order (``keep=(0, 1)`` keeps the first two classes as they are).
    """

    def __init__(self, source: Any, labels: Sequence[str], *, keep: Sequence[int] | None = None) -> None:
        self._source = source
        self._keep = None if keep is None else {old: new for new, old in enumerate(keep)}
        info = dict(source.info)
        info["labels"] = list(labels)
        #: The source's info with the new labels.
        self.info: Mapping[str, Any] = info

    def splits(self) -> Sequence[str]:
        return self._source.splits()

    def load(self, split: str) -> Sequence[Any]:
        examples = self._source.load(split)
        if self._keep is None:
            return examples
        kept = []
        for example in examples:
            if int(example["label"]) in self._keep:
                kept.append({**example, "label": self._keep[int(example["label"])]})
        return kept


def renamed(source: Any) -> RelabelledDataset:
    """As many classes as ``source``, every one renamed (``openzoo-renamed-0``, ...): same examples."""
    return RelabelledDataset(source, [f"{RENAMED_PREFIX}{i}" for i in range(len(source.info["labels"]))])


def extra_class(source: Any, name: str = "openzoo-extra-class") -> RelabelledDataset:
    """The classes of ``source`` and one more, ``name``, that no example uses."""
    return RelabelledDataset(source, [*map(str, source.info["labels"]), name])


def two_classes(source: Any) -> RelabelledDataset:
    """Only the first two classes of ``source`` and their examples."""
    return RelabelledDataset(source, [str(label) for label in source.info["labels"][:2]], keep=(0, 1))
