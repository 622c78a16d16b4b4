"""Declared samples beyond the one: malformed files a dataset must refuse, and well-formed variants it must load.

A loader's declared sample is well formed, so the branches that reject a broken file (a row with
more fields than the header, a split column without a training row) never run in the other
checks. A dataset may declare :attr:`openzoo.DatasetSpec.malformed_samples`: files it writes on
purpose, each with the words its ``BadInputError`` must contain. The other way round, a loader
that reads several formats (a CSV with a header, tab-separated lines without one) or takes a free
text option (``-o delimiter=tab``, ``-o labels=neg,pos``) has code only another well-formed file
reaches: :attr:`openzoo.DatasetSpec.sample_variants` declares such files, and each must load under
the dataset rules (suite 1.9).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openzoo.conformance.declaration import check, fail
from openzoo.conformance.subjects import DatasetSubject
from openzoo.errors import BadInputError, OpenzooError

__all__ = [
    "check_dataset_loads_its_sample_variants",
    "check_dataset_refuses_its_malformed_samples",
    "malformed_cases",
    "sample_variants",
]


def _write_declared(subject: DatasetSubject, attr: str, what: str, returns: str, directory: Path) -> Any:
    """Call the writer ``DatasetSpec.<attr>`` names on ``directory``; a failure to import or write fails the check."""
    try:
        writer = subject.registry.resolve(subject.spec, attr=attr)
    except OpenzooError as exc:
        raise fail(subject, f"the {attr} reference must import", str(exc), f"fix DatasetSpec.{attr}") from None
    try:
        return writer(directory)
    except Exception as exc:
        raise fail(
            subject,
            f"the declared {what} must be written",
            f"{type(exc).__name__}: {exc}",
            f"make {attr}(directory) write the files and return {returns}",
        ) from exc


def malformed_cases(subject: DatasetSubject, directory: Path) -> Mapping[str, Any]:
    """Write the dataset's declared malformed files into ``directory``; return ``{name: (options, words)}``."""
    cases = _write_declared(subject, "malformed_samples", "malformed samples", "{name: (options, words)}", directory)
    shaped = isinstance(cases, Mapping) and cases
    if not shaped or not all(
        isinstance(case, (tuple, list)) and len(case) == 2 and isinstance(case[0], Mapping) and str(case[1]).strip()
        for case in cases.values()
    ):
        raise fail(
            subject,
            "malformed_samples(directory) must return {name: (loader options, words of the error)}",
            repr(cases)[:160],
            "return a non-empty dict such as {'extra field': ({'path': ...}, 'fields but the header has')}",
        )
    return cases


@check(kind="dataset", level="recommended", applies_to="datasets that declare malformed_samples")
def check_dataset_refuses_its_malformed_samples(subject: DatasetSubject) -> None:
    """Each malformed sample the dataset declares is refused with a ``BadInputError`` containing its words.

    ``DatasetSpec.malformed_samples`` names a function ``(directory) -> {name: (options, words)}``
    that writes broken files (a row with more fields than the header, a split column that never
    says ``train``) and returns, for each, the loader options that read it and words the error
    must contain. The suite calls the loader with each case's options: it must raise
    :class:`openzoo.BadInputError` whose message contains the words, not load the file, and not
    fail with another exception.

    Why: a loader's rejections are its least exercised code; a test turned the wrong way
    (``<`` for ``>``) or a check dropped lets a broken file load shifted columns as labels, or
    fail later with a message that names nothing the user can fix. Fix: check each row as it is
    read and raise ``BadInputError`` naming the file, the line and the problem.

    Recommended in suite 1.4: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    loader = subject.resolve()
    problems = []
    with tempfile.TemporaryDirectory(prefix=f"openzoo-malformed-{subject.name}-") as directory:
        for name, (options, words) in malformed_cases(subject, Path(directory)).items():
            try:
                source = loader(**options)
                for split in subject.spec.splits:
                    len(source.load(split))
            except BadInputError as exc:
                if str(words) not in str(exc):
                    problems.append(f"{name}: refused with {str(exc)[:160]!r}, without {words!r}")
            except Exception as exc:  # noqa: BLE001 -- any other exception is the failure reported
                problems.append(f"{name}: {type(exc).__name__}: {str(exc)[:160]}")
            else:
                problems.append(f"{name}: loaded")
    if problems:
        raise fail(
            subject,
            "each declared malformed sample must be refused with a BadInputError naming its problem",
            "; ".join(problems),
            "check every row as it is read and raise openzoo.BadInputError naming the file, the line and the problem",
        )


def sample_variants(subject: DatasetSubject, directory: Path) -> Mapping[str, Mapping[str, Any]]:
    """Write the dataset's declared sample variants into ``directory``; return ``{name: loader options}``."""
    variants = _write_declared(subject, "sample_variants", "sample variants", "{name: loader options}", directory)
    if not (isinstance(variants, Mapping) and variants and all(isinstance(v, Mapping) for v in variants.values())):
        raise fail(
            subject,
            "sample_variants(directory) must return {name: loader options}",
            repr(variants)[:160],
            "return a non-empty dict such as {'a CSV with a header': {'path': ..., 'format': 'csv'}}",
        )
    return variants


@check(kind="dataset", level="recommended", applies_to="datasets that declare sample_variants")
def check_dataset_loads_its_sample_variants(subject: DatasetSubject) -> None:
    """Each well-formed sample variant the dataset declares loads and keeps the dataset rules.

    ``DatasetSpec.sample_variants`` names a function ``(directory) -> {name: options}`` that
    writes further well-formed files -- the formats and option settings the one declared sample
    does not hold -- and returns the loader options that read each. Each load must give every
    declared split non-empty, examples of the task's schema, labels inside ``info["labels"]``,
    no training example in another split, and the same examples when loaded again. A refusal
    of any kind fails: the variants are files the loader says it reads. With a behaviour
    record (``openzoo conformance record``), what each variant loads is recorded too, so a
    change to it under the same version fails the record check.

    Why: the declared sample reaches one path through a loader; the header sniffing of a second
    format, integer labels sorted as numbers, or an option spelled ``tab`` run first on a
    user's file. A test turned the wrong way there refuses good files or reads them shifted.
    Fix: make each variant load, or stop declaring what the loader does not read.

    Recommended in suite 1.9: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    from openzoo.conformance.dataset_option_checks import sample_variant_view

    problems = []
    with tempfile.TemporaryDirectory(prefix=f"openzoo-variants-{subject.name}-") as directory:
        for name, options in sample_variants(subject, Path(directory)).items():
            view = sample_variant_view(subject, name, dict(options))
            try:
                view.load_source()
            except Exception as exc:  # noqa: BLE001 -- a refusal of a declared good file is the failure
                problems.append(f"{name}: {type(exc).__name__}: {str(exc)[:160]}")
                continue
            view.hold_to_rules()
    if problems:
        raise fail(
            subject,
            "each declared sample variant must load",
            "; ".join(problems),
            "make the loader read each variant, or stop declaring what it does not read",
        )
