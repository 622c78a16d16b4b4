"""The test dataset under other labels: renamed classes, one class more, only two classes, past 256.

Classification checks build a model on these views of the model's test dataset to reach the
code a dataset with other labels takes (a head re-sized or re-initialised, a label-count
boundary). Every view keeps the source's splits and examples (the two-class view keeps only
the examples of the first two classes); nothing is copied until a split is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from openzoo.tasks import RECOMMENDATION

__all__ = [
    "PAST_SHARED_INTS",
    "RENAMED_PREFIX",
    "RelabelledDataset",
    "WidenedIds",
    "extra_class",
    "past_shared_ints",
    "renamed",
    "two_classes",
]

#: The count the widened views reach: CPython shares the int objects up to 256, so two counts compared
#: with ``is`` instead of ``==`` agree on every smaller dataset and disagree from here on.
PAST_SHARED_INTS = 257
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


class WidenedIds:
    """A view of a recommendation ``source`` with :data:`PAST_SHARED_INTS` more users and items.

    The training split gains one rating per new user, of a new item (a copy of a training example
    with ``user`` and ``item`` replaced); ``info``'s ``users`` and ``items`` lists and its
    ``num_users`` and ``num_items`` grow with them when the source declares them. Other splits are
    the source's.
    """

    def __init__(self, source: Any, count: int = PAST_SHARED_INTS) -> None:
        self._source = source
        self._count = count
        info = dict(source.info)
        for field in ("user", "item"):
            if isinstance(info.get(f"{field}s"), (list, tuple)):
                info[f"{field}s"] = [*map(str, info[f"{field}s"]), *self.new_ids(field)]
            if isinstance(info.get(f"num_{field}s"), int):
                info[f"num_{field}s"] = info[f"num_{field}s"] + count
        #: The source's info with the new ids.
        self.info: Mapping[str, Any] = info

    def new_ids(self, field: str) -> list[str]:
        """The ids added for ``field`` (``user`` or ``item``)."""
        return [f"openzoo-widened-{field}-{i}" for i in range(self._count)]

    def splits(self) -> Sequence[str]:
        return self._source.splits()

    def load(self, split: str) -> Sequence[Any]:
        examples = self._source.load(split)
        if split != self._source.splits()[0] or not len(examples):
            return examples
        added = [
            {**examples[i % len(examples)], "user": user, "item": item}
            for i, (user, item) in enumerate(zip(self.new_ids("user"), self.new_ids("item"), strict=True))
        ]
        return [*examples, *added]


def past_shared_ints(source: Any, task: str) -> Any:
    """``source`` widened past 256: :data:`PAST_SHARED_INTS` classes (the new ones unused), or more users and items."""
    if task == RECOMMENDATION:
        return WidenedIds(source)
    labels = [str(label) for label in source.info["labels"]]
    extra = [f"openzoo-widened-class-{i}" for i in range(PAST_SHARED_INTS - len(labels))]
    return RelabelledDataset(source, [*labels, *extra])
