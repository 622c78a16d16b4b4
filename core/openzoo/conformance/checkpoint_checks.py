"""Checkpoint checks: save -> load round trips, file formats, Hugging Face Auto classes."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openzoo.conformance.declaration import Measurement, check, fail
from openzoo.conformance.model_checks import prepared
from openzoo.conformance.model_runtime import collate, create_on, forward, max_error
from openzoo.conformance.relabelled_data import PAST_SHARED_INTS, past_shared_ints
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import sample_examples
from openzoo.quiet import quiet_transformers
from openzoo.tasks import RECOMMENDATION

__all__ = [
    "PICKLE_SUFFIXES",
    "check_model_hf_auto_class_loads",
    "check_model_round_trips_past_256_classes_or_ids",
    "check_model_save_load_round_trip",
    "check_model_saves_safetensors_without_pickle",
    "pickle_kind",
    "unpickling_trapped",
]

#: File suffixes of pickle-based weights that a checkpoint must not contain.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".npy", ".npz")


def _save(subject: ModelSubject, model: Any, directory: Path) -> None:
    try:
        model.save(directory)
    except Exception as exc:
        raise fail(
            subject,
            "save(directory) must write the model",
            f"{type(exc).__name__}: {exc}",
            "write model.safetensors and config.json into the directory given",
        ) from exc


def _load(subject: ModelSubject, directory: Path) -> Any:
    try:
        return subject.resolve().load(directory)
    except Exception as exc:
        raise fail(
            subject,
            "load(directory) must read what save wrote",
            f"{type(exc).__name__}: {exc}",
            "make load() the inverse of save()",
        ) from exc


def _config(directory: Path) -> Any:
    path = directory / "config.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


@check(kind="model", applies_to="every test preset")
def check_model_save_load_round_trip(subject: ModelSubject, *, preset: str) -> Measurement:
    """``load(save(model))`` gives identical outputs, and saving the loaded model writes the same config.

    Why: a checkpoint that loses a buffer, a tokenizer or a config field gives a
    different model after ``openzoo train`` than during it; evaluation and
    ``predict`` then silently disagree with training. Fix: register every tensor that
    matters as a persistent buffer or parameter, and write every constructor argument
    to ``config.json``.
    """
    model, batch, _ = prepared(subject, preset)
    key = next(iter(subject.task.outputs))
    before = forward(subject, model.module, batch).get(key)
    with tempfile.TemporaryDirectory(prefix="openzoo-conformance-") as tmp:
        first, second = Path(tmp, "saved"), Path(tmp, "resaved")
        first.mkdir()
        _save(subject, model, first)
        loaded = _load(subject, first)
        loaded.module.eval()
        after = forward(subject, loaded.module, batch).get(key)
        second.mkdir()
        _save(subject, loaded, second)
        config_before, config_after = _config(first), _config(second)
    error = max_error(after, before)
    if error > 0:
        raise fail(
            subject,
            "outputs after save -> load must equal outputs before",
            f"a difference of {error:.3g} in {key!r}",
            "save every buffer that forward reads (persistent=True) and every config value",
        )
    if config_before != config_after:
        raise fail(
            subject,
            "the loaded model must save the same config.json",
            "a config that changed across save -> load",
            "store every constructor argument in config.json and read it back in load()",
        )
    return Measurement(error=error, tolerance=0.0)


@check(
    kind="model",
    level="recommended",
    applies_to="test presets of classification and recommendation models",
)
def check_model_round_trips_past_256_classes_or_ids(subject: ModelSubject, *, preset: str) -> None:
    """Built on the test dataset widened past 256, the model saves, loads and gives the same outputs.

    The view of the test dataset has 257 classes (the new ones unused) for a classifier, or
    257 more users and items (one training rating each) for a recommender. The test preset
    built on it runs a batch of training examples (one with a new user and item for a
    recommender) forward, is saved, loaded with ``load``, and must give identical outputs;
    a classifier's outputs must have one column per class. A classifier that declares the
    ``pretrained`` capability must then fine-tune that checkpoint on the test dataset's own,
    fewer, classes (``create(pretrained=DIR)``) with one output column per class of it.

    Why: CPython shares the int objects from -5 to 256, so a count compared with ``is``
    (``meta["num_items"] is not len(ids)``) or kept in ``uint8`` agrees on every dataset the
    other checks build and fails the first real one: a checkpoint of MovieLens' 943 users
    then does not load. And fine-tuning checks elsewhere only add a class; a head re-sized
    only when the dataset has *more* classes than the checkpoint keeps 257 outputs for 2.
    Fix: compare counts with ``==``, keep them as Python ints, re-size on any difference.

    Recommended in suite 1.10: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    task = subject.spec.task
    recommender = task == RECOMMENDATION
    counted = "users and items" if recommender else "classes"
    view = past_shared_ints(subject.dataset, task)
    model = create_on(
        subject,
        preset,
        view,
        expected=f"create must accept a dataset of more than 256 {counted}",
        fix="size the model from the dataset, whatever the count",
    )
    model.module.eval()
    examples = sample_examples(task, view, 3)
    if recommender:
        examples.append(dict(view.load(view.splits()[0])[-1]))
    batch = collate(subject, model, examples)
    key = next(iter(subject.task.outputs))
    before = forward(subject, model.module, batch).get(key)
    if not recommender and (before is None or before.shape[-1] != PAST_SHARED_INTS):
        raise fail(
            subject,
            f"a model built on {PAST_SHARED_INTS} classes must give one {key!r} column per class",
            f"{key!r} of shape {None if before is None else tuple(before.shape)}",
            "size the head from len(dataset.info['labels'])",
        )
    with tempfile.TemporaryDirectory(prefix="openzoo-conformance-") as tmp:
        _save(subject, model, Path(tmp))
        loaded = _load(subject, Path(tmp))
        loaded.module.eval()
        after = forward(subject, loaded.module, collate(subject, loaded, examples)).get(key)
        if not recommender and "pretrained" in subject.spec.capabilities:
            _fine_tune_on_fewer_classes(subject, preset, Path(tmp), key)
    error = max_error(after, before)
    if error > 0:
        raise fail(
            subject,
            f"outputs after save -> load of a model past 256 {'ids' if recommender else 'classes'} "
            "must equal outputs before",
            f"a difference of {error:.3g} in {key!r}",
            "save every count and id as it is, and compare counts with ==",
        )


def _fine_tune_on_fewer_classes(subject: ModelSubject, preset: str, directory: Path, key: str) -> None:
    """``create(pretrained=)`` of the 257-class checkpoint on the test dataset gives one column per class of it."""
    labels = list(subject.dataset.info["labels"])
    model = create_on(
        subject,
        preset,
        subject.dataset,
        pretrained=str(directory),
        expected=f"a model that declares 'pretrained' must fine-tune its {PAST_SHARED_INTS}-class checkpoint "
        f"on the test dataset's {len(labels)} classes",
        fix="re-size the head to len(dataset.info['labels']) when the checkpoint has other classes",
    )
    model.module.eval()
    examples = sample_examples(subject.spec.task, subject.dataset, 3)
    outputs = forward(subject, model.module, collate(subject, model, examples)).get(key)
    if outputs is None or outputs.shape[-1] != len(labels):
        raise fail(
            subject,
            f"fine-tuned from a {PAST_SHARED_INTS}-class checkpoint on {len(labels)} classes, the model must give "
            f"one {key!r} column per class of the dataset",
            f"{key!r} of shape {None if outputs is None else tuple(outputs.shape)}",
            "compare the checkpoint's labels with the dataset's (any difference in number or names) and re-size the head",
        )


def pickle_kind(path: Path) -> str | None:
    """Return what pickle container ``path`` is (``torch.save zip``, ``pickle protocol N``), judged by its first bytes."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive (torch.save's format)"
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return f"a pickle (protocol {head[1]})"
    return None


@contextlib.contextmanager
def unpickling_trapped() -> Iterator[list[str]]:
    """Record every ``pickle.load``/``pickle.loads`` and ``torch.load`` without ``weights_only=True`` while active."""
    import pickle

    import torch

    calls: list[str] = []
    saved = {
        (pickle, "load"): pickle.load,
        (pickle, "loads"): pickle.loads,
        (torch, "load"): torch.load,
        (torch.serialization, "load"): torch.serialization.load,
    }

    def trap(owner: Any, name: str, original: Any) -> Any:
        def trapped(*args: Any, **kwargs: Any) -> Any:
            if not (owner is not pickle and kwargs.get("weights_only") is True):
                where = f"({args[0]!r})" if args and isinstance(args[0], (str, Path)) else "()"
                calls.append(f"{owner.__name__}.{name}{where}")
            return original(*args, **kwargs)

        return trapped

    for (owner, name), original in saved.items():
        setattr(owner, name, trap(owner, name, original))
    try:
        yield calls
    finally:
        for (owner, name), original in saved.items():
            setattr(owner, name, original)


@check(kind="model", applies_to="every test preset")
def check_model_saves_safetensors_without_pickle(subject: ModelSubject, *, preset: str) -> None:
    """``save`` writes ``model.safetensors`` and ``config.json`` and no pickle, and ``load`` unpickles nothing.

    Pickles are found by content, whatever the file is called: a zip archive (what
    ``torch.save`` writes) or a pickle protocol header. ``load`` then runs with
    ``pickle.load``, ``pickle.loads`` and ``torch.load`` (without ``weights_only=True``)
    trapped. Why: loading a pickle runs arbitrary code, so openzoo never loads one a user
    did not create; safetensors loads fast and safely and every framework reads it. Fix:
    save weights with ``safetensors.torch.save_file`` (or ``save_pretrained``, which uses it
    by default) and keep tokenizers, vocabularies and processors in JSON.
    """
    model = subject.build(preset)
    with tempfile.TemporaryDirectory(prefix="openzoo-conformance-") as tmp:
        directory = Path(tmp)
        _save(subject, model, directory)
        files = sorted(p for p in directory.rglob("*") if p.is_file())
        names = [str(p.relative_to(directory)) for p in files]
        pickles = [f"{name} ({kind})" for name, path in zip(names, files) if (kind := pickle_kind(path))]
        pickles += [
            n for n in names if n.endswith(PICKLE_SUFFIXES) and not any(p.startswith(n + " (") for p in pickles)
        ]
        with unpickling_trapped() as unpickled:
            _load(subject, directory)
    problems = []
    if not any(n.endswith(".safetensors") for n in names):
        problems.append("no model.safetensors")
    if "config.json" not in names:
        problems.append("no config.json")
    if pickles:
        problems.append("pickle-based files " + ", ".join(pickles))
    if unpickled:
        problems.append("load() unpickled with " + ", ".join(dict.fromkeys(unpickled)))
    if problems:
        raise fail(
            subject,
            "checkpoints must be safetensors plus JSON, loaded without unpickling",
            f"{'; '.join(problems)} (files: {', '.join(names) or 'none'})",
            "save weights with safetensors and configs and vocabularies as JSON; never torch.load or pickle.load",
        )


@check(kind="model", applies_to="test presets of models that set hf_auto_class")
def check_model_hf_auto_class_loads(subject: ModelSubject, *, preset: str) -> Measurement:
    """The saved directory loads with plain ``transformers.<hf_auto_class>.from_pretrained`` and gives the same outputs.

    Why: a Hugging Face based plugin promises that its checkpoints work without
    openzoo (on the hub, in other tools). Fix: save with ``save_pretrained`` of the
    inner ``PreTrainedModel`` (config, weights and tokenizer files in the same
    directory) and keep the module's forward the Auto class's forward.
    """
    import transformers

    name = subject.spec.hf_auto_class
    auto = getattr(transformers, name, None)
    if auto is None:
        raise fail(
            subject,
            "hf_auto_class must name a transformers Auto class",
            repr(name),
            "use a name such as AutoModelForSequenceClassification",
        )
    model, batch, _ = prepared(subject, preset)
    key = next(iter(subject.task.outputs))
    expected = forward(subject, model.module, batch).get(key)
    with tempfile.TemporaryDirectory(prefix="openzoo-conformance-") as tmp:
        _save(subject, model, Path(tmp))
        try:
            with quiet_transformers():  # keep transformers' "Loading weights" bar out of the report
                hf_model = auto.from_pretrained(tmp)
        except Exception as exc:
            raise fail(
                subject,
                f"transformers.{name}.from_pretrained must load the saved directory",
                f"{type(exc).__name__}: {exc}",
                "save with save_pretrained of the inner model",
            ) from exc
    hf_model.eval()
    actual = forward(subject, hf_model, batch).get(key)
    if actual is None:
        raise fail(
            subject,
            f"the {name} model must return {key!r}",
            "no such output",
            "keep the plugin's forward the Auto class's forward",
        )
    error = max_error(actual, expected)
    if error > 1e-5:
        raise fail(
            subject,
            f"{name} must give the outputs openzoo gives",
            f"a difference of {error:.3g}",
            "save the same weights the module uses",
        )
    return Measurement(error=error, tolerance=1e-5)
