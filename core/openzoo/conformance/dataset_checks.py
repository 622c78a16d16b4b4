"""Dataset checks: splits load offline, are deterministic, follow the task schema and do not leak."""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from openzoo.conformance.declaration import CheckSkipped, DataUnavailable, check, fail
from openzoo.conformance.fingerprints import fingerprint
from openzoo.conformance.probe import block_network
from openzoo.conformance.subjects import DatasetSubject
from openzoo.errors import BadInputError, DataUnavailableError

__all__ = [
    "check_dataset_declared_splits_load",
    "check_dataset_examples_match_task_schema",
    "check_dataset_is_picklable",
    "check_dataset_labels_within_declared_classes",
    "check_dataset_loads_deterministically",
    "check_dataset_loads_offline",
    "check_dataset_reading_user_files_declares_a_sample",
    "check_dataset_train_and_test_are_disjoint",
    "network_blocked",
]

#: Examples per split the schema and label checks read (all of them for small splits).
SCHEMA_SAMPLE = 2000


@contextlib.contextmanager
def network_blocked() -> Iterator[list[str]]:
    """Make every connect, UDP send and DNS lookup in this process fail, yielding the attempts."""
    attempts: list[str] = []
    restore = block_network(attempts)
    try:
        yield attempts
    finally:
        restore()


def _load(subject: DatasetSubject) -> Any:
    try:
        return subject.load_source()
    except DataUnavailableError as exc:
        raise DataUnavailable(f"dataset {subject.name!r}: {exc}", install=exc.install) from exc
    except BadInputError as exc:
        if subject.spec.sample is not None:
            raise fail(
                subject,
                "the loader must build the dataset from its declared sample (with the other options at their defaults)",
                f"{type(exc).__name__}: {exc}",
                "make sample(directory) write files the loader reads, and the loader accept its declared defaults",
            ) from exc
        needs = [o.name for o in subject.spec.options if o.default is None]
        if not needs:
            raise fail(
                subject,
                "the loader must build the dataset with default options",
                f"{type(exc).__name__}: {exc}",
                "make the loader work offline with its defaults",
            ) from exc
        raise CheckSkipped(
            f"dataset {subject.name!r} reads the user's data (options without defaults: {', '.join(needs)}) and "
            f"declares no sample, so it cannot be loaded: {exc}"
        ) from exc
    except Exception as exc:
        raise fail(
            subject,
            "the loader must build the dataset with default options",
            f"{type(exc).__name__}: {exc}",
            "make the loader work offline with its defaults",
        ) from exc


def _split(subject: DatasetSubject, source: Any, split: str) -> Sequence[Any]:
    try:
        examples = source.load(split)
        len(examples)
    except Exception as exc:
        raise fail(
            subject,
            f"split {split!r} must load as a sequence",
            f"{type(exc).__name__}: {exc}",
            "return a list (or a map-style sequence) from load(split)",
        ) from exc
    return examples


@check(level="recommended", kind="dataset", applies_to="datasets with a 'path' option")
def check_dataset_reading_user_files_declares_a_sample(subject: DatasetSubject) -> None:
    """A dataset that reads the user's files (a ``path`` option) declares a sample the suite can load.

    Why: without one, conformance cannot load the dataset at all and every other dataset
    check is skipped: its parsing, splits and labels go unchecked until a user's file
    breaks them. Fix: set ``DatasetSpec.sample`` to ``"package.module:write_sample"``, a
    function ``(directory) -> options`` that writes a few rows in the format the loader
    reads (or returns the path of a sample shipped with the plugin) and returns the
    options that load it, such as ``{"path": str(directory / "sample.csv")}``.

    Recommended in suite 1.1 and required from 1.2: a new required check arrives as recommended for
    one minor release (GOVERNANCE.md).
    """
    if subject.spec.sample is None:
        raise fail(
            subject,
            "a dataset with a 'path' option must declare a sample",
            "DatasetSpec.sample is None, so the dataset checks cannot load it",
            "set DatasetSpec.sample to a 'module:function' writing a small sample and returning the options that read it",
        )
    options = subject.sample_options
    if not options:
        raise fail(
            subject,
            "the sample must return the options that load it",
            "{}",
            "return {'path': ...} pointing at the sample",
        )


@check(kind="dataset", applies_to="every dataset")
def check_dataset_loads_offline(subject: DatasetSubject) -> None:
    """The loader builds the dataset with sockets blocked, and its source has ``info``, ``splits`` and ``load``.

    Why: openzoo's machines reach no network; a dataset must come from an installed
    package or be generated. Fix: read the data from the user's installed copy (a
    package, a local path option) and raise a clear ``BadInputError`` saying how to
    get it when it is missing.
    """
    with network_blocked() as attempts:
        source = _load(subject)
        for split in subject.spec.splits:
            with contextlib.suppress(Exception):
                len(source.load(split))
    if attempts:
        raise fail(
            subject,
            "the dataset must load without the network",
            "network calls " + ", ".join(attempts),
            "read data from an installed package or a local path",
        )
    missing = [m for m in ("info", "splits", "load") if not hasattr(source, m)]
    if missing or not isinstance(source.info, Mapping):
        raise fail(
            subject,
            "the loader must return a DatasetSource",
            f"no {missing or ['info mapping']} on {type(source).__name__}",
            "return openzoo.SplitSource(splits, info=...)",
        )


@check(kind="dataset", applies_to="every dataset")
def check_dataset_declared_splits_load(subject: DatasetSubject) -> None:
    """Every split the spec declares is provided and loads non-empty.

    Why: the engine trains on the first split and evaluates on the others by name; a
    declared split that is missing or empty fails only at the end of training. Fix:
    provide every name in ``DatasetSpec.splits``, or declare only the splits you provide.
    """
    source = _load(subject)
    provided = list(source.splits())
    missing = [s for s in subject.spec.splits if s not in provided]
    if missing:
        raise fail(
            subject,
            "every declared split must be provided",
            f"splits() gives {provided}, missing {missing}",
            "provide the splits DatasetSpec.splits declares",
        )
    empty = [s for s in subject.spec.splits if len(_split(subject, source, s)) == 0]
    if empty:
        raise fail(
            subject, "every declared split must be non-empty", f"empty {empty}", "fill the split or stop declaring it"
        )


@check(kind="dataset", applies_to="every dataset")
def check_dataset_loads_deterministically(subject: DatasetSubject) -> None:
    """Two loads with the same options give the same examples in the same order.

    Why: results must be reproducible, and under DDP every rank loads the dataset
    itself: different orders on different ranks mean overlapping or missing
    examples. Fix: seed every shuffle and generator from the ``seed`` option.
    """
    first, second = _load(subject), _load(subject)
    for split in subject.spec.splits:
        a = [fingerprint(e) for e in _split(subject, first, split)]
        b = [fingerprint(e) for e in _split(subject, second, split)]
        if a != b:
            where = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            raise fail(
                subject,
                "two loads must give the same examples",
                f"split {split!r} differs first at example {where} ({len(a)} vs {len(b)} examples)",
                "seed every shuffle from the seed option",
            )


def _type_of(description: str) -> str:
    head = description.split(":", 1)[0].strip()
    if head in ("str", "int", "float"):
        return head
    if "PIL.Image" in description:
        return "image"
    return "any"


def _matches(kind: str, value: Any) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return (isinstance(value, int) and not isinstance(value, bool)) or type(value).__name__.startswith("int")
    if kind == "float":
        return (isinstance(value, (int, float)) and not isinstance(value, bool)) or type(value).__name__.startswith(
            "float"
        )
    if kind == "image":
        module = type(value).__module__
        if module.startswith("PIL"):
            return True
        return module.startswith("numpy") and str(value.dtype) == "uint8" and value.ndim in (2, 3)
    return True


@check(kind="dataset", applies_to="every dataset")
def check_dataset_examples_match_task_schema(subject: DatasetSubject) -> None:
    """Every example is a mapping with the task's fields, of the documented types.

    Why: models' ``collate`` and every metric read these fields by name; one dataset
    with ``"sentence"`` instead of ``"text"`` or labels as strings breaks every model of
    the task. Fix: yield ``dict``s with exactly the fields in ``openzoo info <task>``
    (class indices as ``int``, texts as ``str``).
    """
    source = _load(subject)
    fields = {name: _type_of(desc) for name, desc in subject.task.example.items()}
    optional = {name for name, desc in subject.task.example.items() if "absent" in desc}
    for split in subject.spec.splits:
        examples = _split(subject, source, split)
        for index in range(min(len(examples), SCHEMA_SAMPLE)):
            example = examples[index]
            if not isinstance(example, Mapping):
                raise fail(
                    subject, "examples must be mappings", f"{type(example).__name__} at {split}[{index}]", "yield dicts"
                )
            missing = [f for f in fields if f not in example and f not in optional]
            wrong = [
                f"{f}={type(example[f]).__name__} (want {k})"
                for f, k in fields.items()
                if f in example and not _matches(k, example[f])
            ]
            if missing or wrong:
                observed = "; ".join(filter(None, [f"missing {missing}" if missing else "", ", ".join(wrong)]))
                raise fail(
                    subject,
                    f"examples must follow the {subject.task.name!r} schema",
                    f"{observed} at {split}[{index}]",
                    f"yield {dict(subject.task.example)}",
                )


@check(kind="dataset", applies_to="datasets whose examples have a 'label' field")
def check_dataset_labels_within_declared_classes(subject: DatasetSubject) -> None:
    """``info["labels"]`` lists the class names, and every label indexes into it.

    Why: models size their heads from ``info["labels"]``; a label outside it crashes
    the loss (or worse, silently wraps on some devices). Fix: build ``labels`` from the
    full data, not one split, and map every class to its index.
    """
    source = _load(subject)
    names = source.info.get("labels")
    if not isinstance(names, (list, tuple)) or not names:
        raise fail(
            subject, "info['labels'] must list the class names", repr(names), "set info={'labels': [...]} on the source"
        )
    for split in subject.spec.splits:
        examples = _split(subject, source, split)
        for index in range(min(len(examples), SCHEMA_SAMPLE)):
            label = examples[index].get("label")
            if label is not None and not (0 <= int(label) < len(names)):
                raise fail(
                    subject,
                    f"labels must index into info['labels'] (0..{len(names) - 1})",
                    f"label {label} at {split}[{index}]",
                    "map every class to its index in info['labels']",
                )


@check(kind="dataset", level="recommended", applies_to="datasets whose examples have a 'label' field")
def check_dataset_training_split_holds_every_class(subject: DatasetSubject) -> None:
    """Every class in ``info["labels"]`` has an example in the training split.

    Why: a loader that reads the wrong column, compares a rating the wrong way or maps
    names to indices off by one often yields one class for every example, or never one of
    them; the data loads, the schema holds, and a model then learns nothing about the
    missing classes (or "reaches" 100 % on a one-class split). Fix: check the column and
    the mapping against the file; split each class apart (stratified) so that small
    classes reach training too.

    Recommended in suite 1.5: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    source = _load(subject)
    names = source.info.get("labels")
    if not isinstance(names, (list, tuple)) or len(names) < 2:
        return  # check_dataset_labels_within_declared_classes reports a missing list
    train = subject.spec.splits[0]
    counts = [0] * len(names)
    for example in _split(subject, source, train):
        label = example.get("label")
        if label is not None and 0 <= int(label) < len(names):
            counts[int(label)] += 1
    missing = [str(names[index]) for index, count in enumerate(counts) if count == 0]
    if missing:
        seen = ", ".join(f"{names[index]!s}: {count}" for index, count in enumerate(counts) if count)
        raise fail(
            subject,
            f"every class of info['labels'] must have an example in {train!r}",
            f"no example of {', '.join(repr(name) for name in missing)} (examples per class: {seen or 'none'})",
            "check the label column and its mapping to indices, and split each class apart",
        )


@check(kind="dataset", applies_to="datasets with a training split and an evaluation split")
def check_dataset_train_and_test_are_disjoint(subject: DatasetSubject) -> None:
    """No example of the training split appears in a validation or test split.

    Why: an example in both lets a model score by memorising; reported accuracy or
    perplexity is then not what users get. Fix: deduplicate before splitting, and
    split whole groups (documents, plays, users' histories) rather than rows.
    """
    source = _load(subject)
    train_split = subject.spec.splits[0]
    train = {fingerprint(e) for e in _split(subject, source, train_split)}
    for split in subject.spec.splits[1:]:
        shared = [i for i, e in enumerate(_split(subject, source, split)) if fingerprint(e) in train]
        if shared:
            raise fail(
                subject,
                f"no example may be in both {train_split!r} and {split!r}",
                f"{len(shared)} shared, first {split}[{shared[0]}]",
                "deduplicate before splitting",
            )


@check(kind="dataset", applies_to="every dataset")
def check_dataset_is_picklable(subject: DatasetSubject) -> None:
    """The source pickles and unpickles to the same examples.

    Why: DataLoader workers and DDP ranks receive copies of the dataset by pickling;
    open files, generators and lambdas do not pickle. Fix: keep plain data in the
    source (``openzoo.SplitSource``), or implement ``__getstate__``.
    """
    source = _load(subject)
    try:
        copy = pickle.loads(pickle.dumps(source))
    except Exception as exc:
        raise fail(
            subject, "the dataset source must pickle", f"{type(exc).__name__}: {exc}", "keep plain data in the source"
        ) from exc
    split = subject.spec.splits[0]
    if [fingerprint(e) for e in _split(subject, copy, split)] != [
        fingerprint(e) for e in _split(subject, source, split)
    ]:
        raise fail(
            subject,
            "the unpickled source must give the same examples",
            "different examples",
            "pickle the data itself, not a generator",
        )
