"""Dataset options: the rules of every load hold under each declared value, and declared ranges are kept.

The dataset checks of :mod:`openzoo.conformance.dataset_checks` load the dataset once, with its
declared sample (or its defaults). The code behind a non-default choice (``split=random``,
``format=csv``), a bool option or another fraction is never run there. The checks here load the
dataset once per such value, one option at a time with the others at their defaults, and hold each
load to the same rules; they probe each bounded option just outside its range (a refusal) and at
its bounds (an acceptance), as the model options are.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openzoo.conformance import dataset_checks
from openzoo.conformance.dataset_checks import _load, _split
from openzoo.conformance.declaration import check, fail
from openzoo.conformance.declared_range_checks import at_bound_values, inside_values, judge, names_option, try_value
from openzoo.conformance.fingerprints import fingerprint
from openzoo.conformance.option_checks import as_parsed, outside_values
from openzoo.conformance.subjects import DatasetSubject
from openzoo.specs import Option

__all__ = [
    "check_dataset_accepts_option_values_at_their_bounds",
    "check_dataset_loads_under_every_option_value",
    "check_dataset_refuses_option_values_outside_their_bounds",
    "check_dataset_split_fractions_move_their_split",
    "option_values",
    "sample_variant_view",
    "split_fraction_options",
]


def option_values(option: Option) -> list[Any]:
    """Return the values a load is tried with: other choices (as parsed strings), the other bool, a value or two inside a range."""
    if option.choices:
        return [as_parsed(choice) for choice in option.choices if choice != option.default]
    if option.type == "bool":
        return [value for value in (False, True) if value != option.default]
    return inside_values(option)


class _OptionedDataset:
    """The subject seen through one option value: loads with it set, and names it in every failure.

    The first load is kept, so the dataset rules of :mod:`~openzoo.conformance.dataset_checks`
    (which load the dataset each) read one load; :meth:`fresh_load` loads once more.
    """

    def __init__(self, subject: DatasetSubject, options: dict[str, Any]) -> None:
        self.subject = subject
        self.options = options
        self.source: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.subject, name)

    @property
    def label(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return f"{self.subject.label} (loaded with {settings})"

    def fresh_load(self) -> Any:
        loader = self.subject.resolve()
        return loader(**{**self.subject.sample_options, **self.options})

    def load_source(self) -> Any:
        if self.source is None:
            self.source = self.fresh_load()
        return self.source


def _rules(view: _OptionedDataset) -> None:
    """Hold one load to the dataset rules: splits provided and non-empty, schema, labels, disjoint, deterministic."""
    dataset_checks.check_dataset_declared_splits_load(view)  # type: ignore[arg-type]
    dataset_checks.check_dataset_examples_match_task_schema(view)  # type: ignore[arg-type]
    if "label" in view.task.example:
        dataset_checks.check_dataset_labels_within_declared_classes(view)  # type: ignore[arg-type]
    if len(view.spec.splits) > 1:
        dataset_checks.check_dataset_train_and_test_are_disjoint(view)  # type: ignore[arg-type]
    again = view.fresh_load()
    for split in view.spec.splits:
        first = [fingerprint(e) for e in _split(view, view.source, split)]  # type: ignore[arg-type]
        second = [fingerprint(e) for e in _split(view, again, split)]  # type: ignore[arg-type]
        if first != second:
            raise fail(
                view,
                "two loads with the same options must give the same examples",
                f"split {split!r} differs ({len(first)} vs {len(second)} examples)",
                "seed every shuffle from the seed option, under every value of every option",
            )


class _VariantDataset(_OptionedDataset):
    """The subject loaded from a declared sample variant: its options alone, named in every failure."""

    def __init__(self, subject: DatasetSubject, name: str, options: dict[str, Any]) -> None:
        super().__init__(subject, options)
        self.variant = name

    @property
    def label(self) -> str:
        return f"{self.subject.label} (sample variant {self.variant!r})"

    def fresh_load(self) -> Any:
        return self.subject.resolve()(**self.options)

    def hold_to_rules(self) -> None:
        _rules(self)


def sample_variant_view(subject: DatasetSubject, name: str, options: dict[str, Any]) -> _VariantDataset:
    """The subject as loaded by the declared sample variant ``name`` (``options`` replace the sample's)."""
    return _VariantDataset(subject, name, options)


def _probed(subject: DatasetSubject) -> list[tuple[Option, Any]]:
    return [(option, value) for option in subject.spec.options for value in option_values(option)]


@check(
    kind="dataset",
    level="recommended",
    applies_to="datasets that declare an option with choices, a bool option or a bounded number option",
)
def check_dataset_loads_under_every_option_value(subject: DatasetSubject) -> None:
    """Under every other choice of each option, both values of a bool, and a value or two inside each range, the
    dataset loads and keeps the dataset rules.

    One option at a time (the others at their defaults, on the declared sample), the dataset is
    loaded with each choice of an option with ``choices``, the other value of a ``bool`` option,
    and, for an ``int`` or ``float`` option with a declared range, the values half-way between its
    default and each bound. Each load must give every declared split non-empty, examples of the
    task's schema, labels inside ``info["labels"]``, no training example in another split, and
    the same examples when loaded again. A load may be refused with ``BadInputError`` (any
    ``ValueError``) whose message names the option (``format=csv`` on a file without a header).

    Why: the default load is the only one the other dataset checks read; the code behind
    ``split=random`` or ``duplicates=mean`` runs first on a user's data. Fix: make each declared
    value load correctly, refuse it naming the option when the data cannot take it, or stop
    declaring it.

    Recommended in suite 1.4: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    _load(subject)  # the default load: a dataset that cannot load is skipped or failed as the other checks do
    problems = []
    for option, value in _probed(subject):
        view = _OptionedDataset(subject, {option.name: value})
        try:
            view.load_source()
        except ValueError as exc:
            if not names_option(str(exc), option.name):
                problems.append(f"{option.name}={value!r} refused without naming the option: {str(exc)[:160]}")
            continue
        except Exception as exc:  # noqa: BLE001 -- any other exception is the failure reported
            problems.append(f"{option.name}={value!r} raised {type(exc).__name__}: {str(exc)[:160]}")
            continue
        _rules(view)
    if problems:
        raise fail(
            subject,
            "the dataset must load under every declared option value (or refuse it with BadInputError naming it)",
            "; ".join(problems),
            "make each declared value load, or raise openzoo.BadInputError naming the option",
        )


def _sample_directories(subject: DatasetSubject) -> list[Path]:
    """The directories holding the declared sample's files (where a careless loader writes a cache)."""
    found = []
    for value in subject.sample_options.values():
        if isinstance(value, (str, os.PathLike)) and str(value) and Path(value).exists():
            path = Path(value)
            found.append(path if path.is_dir() else path.parent)
    return found


def _tree(directories: list[Path]) -> dict[str, tuple[int, int]]:
    files = {}
    for directory in directories:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                stat = path.stat()
                files[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return files


@contextlib.contextmanager
def _in_empty_directory() -> Iterator[Path]:
    previous = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="openzoo-refusal-") as directory:
        os.chdir(directory)
        try:
            yield Path(directory)
        finally:
            os.chdir(previous)


@check(
    kind="dataset",
    level="recommended",
    applies_to="datasets that declare option bounds (minimum/maximum)",
)
def check_dataset_refuses_option_values_outside_their_bounds(subject: DatasetSubject) -> None:
    """The loader refuses a value just outside each declared bound of an option, naming it, and writes nothing.

    For every dataset option with a ``minimum`` or ``maximum`` the suite loads the declared sample
    (the other options at their defaults; from suite 1.9 a dataset without a sample too, with its
    defaults, since a refusal reads nothing) with the value just beyond each bound (the bound itself
    when it is open, the next integer or float when it is closed), from an empty working directory.
    Each load must raise :class:`openzoo.BadInputError` (a ``ValueError`` is accepted too) whose
    message names the option, and leave the working directory and the sample's directory as they were.

    Why: the command line refuses ``-o test_fraction=1.0`` from the declared range, but Python
    callers and config files reach the loader directly; a check written with ``<`` for ``<=``, or
    none, splits the data into nonsense (an empty training split, a fraction above one). Fix:
    validate each option against the range it declares, before reading or writing anything.

    Recommended in suite 1.4: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    _load(subject)
    loader = subject.resolve()
    directories = _sample_directories(subject)
    problems = []
    for option in subject.spec.options:
        for value in outside_values(option):
            label = f"{option.name}={value!r} ({option.range_text()})"
            before = _tree(directories)
            with _in_empty_directory() as here:
                try:
                    loader(**{**subject.sample_options, option.name: value})
                except ValueError as exc:
                    if not names_option(str(exc), option.name):
                        problems.append(f"{label} refused without naming the option: {str(exc)[:120]}")
                except Exception as exc:  # noqa: BLE001 -- any other exception is the failure reported
                    problems.append(f"{label} raised {type(exc).__name__}: {str(exc)[:120]}")
                else:
                    problems.append(f"{label} was accepted")
                written = sorted(p.name for p in here.rglob("*"))
            changed = sorted(set(_tree(directories).items()) ^ set(before.items()))
            if written or changed:
                problems.append(f"{label} wrote {written + sorted({name for name, _ in changed})}")
    if problems:
        raise fail(
            subject,
            "a value outside a dataset option's declared range must be refused with BadInputError naming it",
            "; ".join(problems),
            "validate each option against the range it declares and raise openzoo.BadInputError naming it",
        )


@check(
    kind="dataset",
    level="recommended",
    applies_to="datasets that declare option bounds (minimum/maximum)",
)
def check_dataset_accepts_option_values_at_their_bounds(subject: DatasetSubject) -> None:
    """The loader accepts the value at each declared bound of an option, and every declared split loads.

    For every dataset option with a ``minimum`` or ``maximum`` the suite loads the declared sample
    with the bound itself (when it is inclusive) or the nearest value inside it (when it is open:
    the next integer, or a float moved inside by a millionth of the bound, at least ``1e-6``) and
    reads every declared split (a split may be empty there: ``validation=0`` holds nothing out).
    A refusal that is a ``BadInputError`` naming *another* declared option (two fractions that
    leave no training data) is retried with that option at its bounds or default; when none suits,
    the value is left unjudged.

    Why: a range declared wider than the loader accepts turns a documented value into an error or
    a crash. Fix: accept the whole declared range, or declare the range the loader really accepts.

    Recommended in suite 1.4: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    _load(subject)
    loader = subject.resolve()

    def load_every_split(overrides: dict[str, Any]) -> None:
        source = loader(**{**subject.sample_options, **overrides})
        for split in subject.spec.splits:
            len(source.load(split))

    outcomes = [
        try_value(load_every_split, option, value, subject.spec.options, "load")
        for option in subject.spec.options
        for value in at_bound_values(option)
    ]
    judge(subject, outcomes, "a dataset option")


def split_fraction_options(splits: tuple[str, ...], options: tuple[Option, ...]) -> list[tuple[str, Option]]:
    """Return ``(split, option)`` for each float option that sets a held-out split's share of the data.

    The convention: a ``float`` option named after a split other than the first (training) one,
    or that name with ``_fraction`` (``test``, ``validation_fraction``), with a declared range.
    """
    found = []
    for option in options:
        if option.type != "float" or option.choices or not inside_values(option):
            continue
        for split in splits[1:]:
            if option.name in (split, f"{split}_fraction"):
                found.append((split, option))
    return found


def _sizes(view: _OptionedDataset, splits: tuple[str, ...]) -> dict[str, int]:
    source = view.load_source()
    return {split: len(_split(view, source, split)) for split in splits}  # type: ignore[arg-type]


@check(
    kind="dataset",
    level="recommended",
    applies_to="datasets with a sample that declare a split-fraction option (`test`, `validation_fraction`...)",
)
def check_dataset_split_fractions_move_their_split(subject: DatasetSubject) -> None:
    """Raising a split's fraction option never shrinks that split, nor grows the training split.

    A ``float`` option with a declared range named after a held-out split, or after it with
    ``_fraction`` (``test``, ``validation_fraction``), is that split's share of the data. The
    declared sample is loaded with the option at its default and at the values half-way to each
    bound (the others at their defaults); as the value rises, the split it names must not lose
    examples and the training split (the first declared) must not gain any. Equal sizes pass: a
    fraction that applies only under another option value (``split=random``) may not act here.
    A value the loader refuses is left to the option checks.

    Why: the sizes come from a boundary in the split code (``position < n_validation + n_test``);
    written the wrong way round it gives the held-out share to training and the rest to the test
    split, which still loads, is disjoint and non-empty, and scores a model on most of its data.
    Fix: cut each split at its own fraction of the (per-class) count, and test the sizes.

    Recommended in suite 1.6: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    _load(subject)
    splits = tuple(subject.spec.splits)
    training = splits[0]
    problems = []
    for split, option in split_fraction_options(splits, tuple(subject.spec.options)):
        values = sorted({*inside_values(option), *([option.default] if option.default is not None else [])})
        loads = []
        for value in values:
            view = _OptionedDataset(subject, {option.name: value})
            try:
                loads.append((value, _sizes(view, splits)))
            except ValueError:
                continue  # a refusal is judged by the option checks
        for (low, smaller), (high, larger) in itertools.pairwise(loads):
            if larger[split] < smaller[split] or larger[training] > smaller[training]:
                problems.append(
                    f"{option.name}={low:g} gives {split!r} {smaller[split]} and {training!r} {smaller[training]} "
                    f"examples, {option.name}={high:g} gives {larger[split]} and {larger[training]}"
                )
    if problems:
        raise fail(
            subject,
            "a larger split fraction must not shrink its split or grow the training split",
            "; ".join(problems),
            "hold out each split's own fraction of the examples; check the boundary comparisons of the split code",
        )
