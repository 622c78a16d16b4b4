"""Paths only a saved checkpoint reaches: ``create(pretrained=DIR)`` and damaged checkpoint directories.

Every other check builds models from a preset. ``openzoo train --from-pretrained DIR``
takes another path through a plugin: ``create(config, dataset, pretrained=DIR)`` loads the
saved weights, and for a classifier re-sizes (or re-initialises) the head when the dataset's
classes are not the checkpoint's. A mistake there -- the checkpoint silently ignored and the
model randomly initialised, the checkpoint's labels kept for a dataset with other ones, a
re-initialised head drawn at the wrong scale, a foreign checkpoint refused for a buffer it
carries, a damaged directory that ends in a raw ``OSError`` -- passes every preset check.

The checks save the test preset with every parameter moved by :data:`NUDGE` (so no fresh
initialisation can equal it), then start from it. A model that cannot start from a
checkpoint refuses ``pretrained=`` with :class:`~openzoo.BadInputError`; the checks then
only verify that refusal -- unless it declares the ``pretrained`` capability (suite 1.9), which
makes the refusal a failure: a ``--from-pretrained`` that refuses every directory otherwise
passes as "not supported".
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

from openzoo.conformance.declaration import CheckSkipped, check, fail
from openzoo.conformance.model_runtime import collate, forward, state_dict_differences
from openzoo.conformance.relabelled_data import extra_class, renamed
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.tampering import WEIGHTS, rewrite_weights
from openzoo.conformance.task_inputs import raw_input, sample_examples
from openzoo.errors import BadInputError, ConformanceError, OpenzooError
from openzoo.tasks import IMAGE_CLASSIFICATION, TEXT_CLASSIFICATION, TEXT_GENERATION

__all__ = [
    "CLASSIFICATION_TASKS",
    "FOREIGN_KEY",
    "HEAD_SCALE_FACTOR",
    "NUDGE",
    "check_model_fine_tunes_a_checkpoint_on_other_labels",
    "check_model_handles_each_damaged_checkpoint_file",
    "check_model_refuses_a_damaged_checkpoint",
    "check_model_starts_from_a_checkpoint_path_as_typed",
    "check_model_starts_from_a_saved_checkpoint",
]

#: Added to every floating parameter before saving (exact in binary): a random initialisation never equals it.
NUDGE = 0.03125
#: A tensor no model uses, added to a Hugging Face checkpoint (hub checkpoints carry other heads and buffers).
FOREIGN_KEY = "openzoo_conformance_unused.weight"
#: A re-initialised head's root mean square may be this many times a fresh build's (plus :data:`HEAD_SCALE_SLACK`).
HEAD_SCALE_FACTOR = 3.0
#: Absolute slack of the head-scale comparison, for heads initialised at zero.
HEAD_SCALE_SLACK = 0.05
CLASSIFICATION_TASKS = (TEXT_CLASSIFICATION, IMAGE_CLASSIFICATION)


def _state(model: Any) -> dict[str, Any]:
    return {k: v.detach().clone() for k, v in model.module.state_dict().items()}


def _save_nudged(subject: ModelSubject, preset: str, directory: Path) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Build ``preset``, move every parameter by :data:`NUDGE`, save it: ``(model, fresh state, saved state)``."""
    import torch

    model = subject.build(preset)
    fresh = _state(model)
    with torch.no_grad():
        for parameter in model.module.parameters():
            if parameter.is_floating_point():
                parameter.add_(NUDGE)
    model.module.eval()
    try:
        model.save(directory)
    except Exception as exc:
        raise fail(
            subject, "save(directory) must write the model", f"{type(exc).__name__}: {exc}", "fix save()"
        ) from exc
    return model, fresh, _state(model)


def _start(
    subject: ModelSubject, preset: str, dataset: Any, directory: Path | str, *, what: str, optional: bool = False
) -> Any | None:
    """Return ``create(config, dataset, pretrained=directory)``; ``None`` when it refuses with ``BadInputError``.

    A model that declares the ``pretrained`` capability may not refuse (unless ``optional``):
    the refusal is then the failure.
    """
    config = dict(subject.preset(preset).config)
    try:
        return subject.resolve().create(config=config, dataset=dataset, pretrained=str(directory))
    except BadInputError as exc:
        if "pretrained" in subject.spec.capabilities and not optional:
            raise fail(
                subject,
                "a model that declares the 'pretrained' capability must start from a checkpoint its save() wrote "
                f"({what})",
                f"create(pretrained=DIR) refused it: {str(exc)[:200]}",
                "load the directory save() wrote when pretrained is given (a local path may start with '/', '.' "
                "or '~'), or drop 'pretrained' from the model's capabilities",
            ) from exc
        return None
    except Exception as exc:
        raise fail(
            subject,
            f"create(pretrained=DIR) must start from a checkpoint save() wrote ({what})",
            f"{type(exc).__name__}: {exc}",
            "load the directory's weights in create() when pretrained is given, or refuse it with BadInputError",
        ) from exc


def _answers(subject: ModelSubject, model: Any) -> str:
    import torch

    examples = sample_examples(subject.spec.task, subject.dataset, 3)
    extra = {"max_new_tokens": 3} if subject.spec.task == TEXT_GENERATION else {}
    model.module.eval()
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)  # a model that samples (or a dropout left on) answers alike from one seed
            return repr(model.predict([raw_input(subject.spec.task, e) for e in examples], **extra))
    except Exception as exc:  # noqa: BLE001 -- compared as an answer: both models must do the same
        return f"{type(exc).__name__}: {exc}"


def _same_weights(subject: ModelSubject, started: Any, saved: dict[str, Any], what: str) -> None:
    differing = state_dict_differences(_state(started), saved)
    if differing:
        shown = ", ".join(differing[:5]) + (f" and {len(differing) - 5} more" if len(differing) > 5 else "")
        raise fail(
            subject,
            f"create(pretrained=DIR) must give the saved weights ({what})",
            f"{shown} differ from the checkpoint's (a random initialisation, or tensors left out)",
            "load every saved tensor in create() when pretrained is given; do not re-initialise the model",
        )


@check(kind="model", level="recommended", applies_to="every test preset")
def check_model_starts_from_a_saved_checkpoint(subject: ModelSubject, *, preset: str) -> None:
    """``create(config, dataset, pretrained=DIR)`` on a directory ``save`` wrote gives the saved weights and answers.

    The test preset is built, every parameter moved by 1/32 and saved; ``create`` with
    ``pretrained`` on the test dataset, and with no dataset, must give exactly those
    tensors and the same ``predict`` answers. Hugging Face models (``hf_auto_class``) must
    also start from the directory when its weights carry one tensor the model does not
    use (hub checkpoints carry other heads and buffers). A model that cannot start from a
    checkpoint refuses ``pretrained`` with ``BadInputError``, and does not declare the
    ``pretrained`` capability: with it, the refusal fails the check (suite 1.9).

    Why: ``--from-pretrained`` is the path of every fine-tuning run, and no preset check
    reaches it; a checkpoint silently ignored (a model randomly initialised), tensors left
    out, or a foreign checkpoint refused for a buffer it carries all pass them. Fix: load
    the directory in ``create`` when ``pretrained`` is given (``from_pretrained`` with
    unexpected keys ignored), or refuse it with ``BadInputError``.
    """
    with tempfile.TemporaryDirectory(prefix="openzoo-pretrained-") as tmp:
        directory = Path(tmp) / "saved"
        directory.mkdir()
        model, _, saved = _save_nudged(subject, preset, directory)
        started = _start(subject, preset, subject.dataset, directory, what="on the test dataset")
        if started is None:
            return
        _same_weights(subject, started, saved, "on the dataset it was saved with")
        want = _answers(subject, model)
        got = _answers(subject, started)
        if got != want:
            raise fail(
                subject,
                "a model started from a checkpoint must answer as the saved model",
                f"predict gave {got[:200]} instead of {want[:200]}",
                "restore the tokenizer or processor and the labels saved with the weights",
            )
        alone = _start(subject, preset, None, directory, what="without a dataset", optional=True)
        if alone is not None:
            _same_weights(subject, alone, saved, "without a dataset: the checkpoint as it is")
        if subject.spec.hf_auto_class and (directory / WEIGHTS).is_file():
            _starts_from_a_foreign_checkpoint(subject, preset, directory, Path(tmp) / "foreign", saved)


#: How a user may type the checkpoint directory ``<parent>/saved``: (``pretrained``, working directory, ``HOME``).
_SPELLINGS = (("saved", "parent", None), ("./saved", "parent", None), ("~/saved", "elsewhere", "parent"))


@contextmanager
def _typed_from(cwd: Path, home: Path | None) -> Iterator[None]:
    """Run with ``cwd`` as the working directory and, when given, ``home`` as ``HOME``; restore both."""
    before = os.getcwd()
    os.chdir(cwd)
    try:
        with patch.dict(os.environ, {"HOME": str(home)} if home is not None else {}):
            yield
    finally:
        os.chdir(before)


def _seeded_start(subject: ModelSubject, preset: str, pretrained: Path | str, *, what: str) -> Any | None:
    """:func:`_start` from torch seed 0, so whatever it draws (a head it re-initialises) is the same on each call."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return _start(subject, preset, subject.dataset, pretrained, what=what)


@check(kind="model", level="recommended", applies_to="every test preset")
def check_model_starts_from_a_checkpoint_path_as_typed(subject: ModelSubject, *, preset: str) -> None:
    """``pretrained`` relative to the working directory, with ``./`` or under ``~`` starts as the absolute path does.

    The test preset is saved, nudged, in a directory ``saved`` and started from by its
    absolute path; then ``create`` gets it as ``saved`` and ``./saved`` from its parent, and
    as ``~/saved`` with ``HOME`` at the parent and another working directory. Each must give
    the weights and the answers of the absolute path's start (every start from torch seed 0).
    Skipped when the absolute path is refused or fails: check_model_starts_from_a_saved_checkpoint
    judges that, and whether the weights are the saved ones.

    Why: ``--from-pretrained`` and the ``from_pretrained`` key of a run's config file pass the
    path as the user typed it. Hugging Face's ``from_pretrained`` takes ``~/model`` for a hub id,
    and a plugin that tells a path from a hub id by its own rule may send ``~/model`` or
    ``model`` to the hub, or look for ``./model`` elsewhere. Fix: expand ``~``
    (``os.path.expanduser``) and take any existing directory as local before trying the hub.
    """
    with tempfile.TemporaryDirectory(prefix="openzoo-pretrained-") as tmp:
        places = {"parent": Path(tmp).resolve(), "elsewhere": Path(tmp).resolve() / "elsewhere"}
        places["elsewhere"].mkdir()
        directory = places["parent"] / "saved"
        directory.mkdir()
        _save_nudged(subject, preset, directory)
        try:
            absolute = _seeded_start(subject, preset, directory, what="as an absolute path")
        except ConformanceError:
            absolute = None
        if absolute is None:
            raise CheckSkipped(
                "create(pretrained=DIR) does not start from the absolute path; "
                "check_model_starts_from_a_saved_checkpoint judges that"
            )
        weights, want = _state(absolute), _answers(subject, absolute)
        for spelling, cwd, home in _SPELLINGS:
            what = f"given as {spelling!r} from {'HOME' if home else 'its parent directory'}"
            with _typed_from(places[cwd], places[home] if home else None):
                started = _seeded_start(subject, preset, spelling, what=what)
                if started is None:
                    raise fail(
                        subject,
                        "create(pretrained=...) must start from a directory however the user typed its path",
                        f"BadInputError for {spelling!r}, though the absolute path loads",
                        "expand '~' (os.path.expanduser) and take an existing directory as local before the hub",
                    )
            differing = state_dict_differences(_state(started), weights)
            got = _answers(subject, started)
            if differing or got != want:
                observed = (
                    f"{', '.join(differing[:5])} differ from the start by absolute path"
                    if differing
                    else f"predict gave {got[:200]} instead of {want[:200]}"
                )
                raise fail(
                    subject,
                    "create(pretrained=...) must start from the same checkpoint however its path is typed",
                    f"{observed} ({what})",
                    "resolve the path once (os.path.expanduser, then the working directory) and read every file "
                    "of the checkpoint from it",
                )


def _starts_from_a_foreign_checkpoint(
    subject: ModelSubject, preset: str, directory: Path, foreign: Path, saved: dict[str, Any]
) -> None:
    import torch

    shutil.copytree(directory, foreign)
    rewrite_weights(foreign, lambda tensors: tensors.__setitem__(FOREIGN_KEY, torch.zeros(2, 3)))
    started = _start(subject, preset, subject.dataset, foreign, what=f"weights with an unused tensor {FOREIGN_KEY}")
    if started is None:
        raise fail(
            subject,
            "create(pretrained=DIR) must start from a checkpoint that carries a tensor the model does not use",
            f"BadInputError for {FOREIGN_KEY} in {WEIGHTS}",
            "ignore unexpected keys when starting from a foreign checkpoint (a run's own model may stay strict)",
        )
    _same_weights(subject, started, saved, f"with the unused tensor {FOREIGN_KEY}")


def _rms(tensor: Any) -> float:
    return float(tensor.detach().double().pow(2).mean().sqrt()) if tensor.numel() else 0.0


def _head_problems(
    subject: ModelSubject, model: Any, labels: list[str], what: str, resized: set[str] | None = None
) -> list[str]:
    """What is wrong with a model started on a dataset whose classes are ``labels``."""
    model.module.eval()
    examples = sample_examples(subject.spec.task, subject.dataset, 3)
    logits = forward(subject, model.module, collate(subject, model, examples)).get("logits")
    problems = []
    if logits is None or logits.shape[-1] != len(labels):
        shape = None if logits is None else tuple(logits.shape)
        problems.append(f"{what}: logits of shape {shape} for {len(labels)} classes")
    id2label = getattr(getattr(model.module, "config", None), "id2label", None)
    if id2label:
        named = [str(id2label.get(i, id2label.get(str(i)))) for i in range(len(id2label))]
        if named != labels:
            problems.append(f"{what}: id2label {named} for the dataset's labels {labels}")
    try:
        records = model.predict([raw_input(subject.spec.task, e) for e in examples])
    except Exception as exc:  # noqa: BLE001 -- reported as the problem
        return [*problems, f"{what}: predict raised {type(exc).__name__}: {exc}"]
    named = {str(r.get("label")) for r in records} | {str(k) for r in records for k in (r.get("scores") or {})}
    if named - set(labels):
        problems.append(f"{what}: predict named {sorted(named - set(labels))}, not classes of {labels}")
    return problems


def _tensor_problems(
    started: dict[str, Any], fresh: dict[str, Any], saved: dict[str, Any], head: set[str], what: str
) -> list[str]:
    """Tensors outside ``head`` must be the saved ones; a head tensor that changed must be drawn at a fresh scale."""
    problems = []
    for key, tensor in started.items():
        before = saved.get(key)
        same = before is not None and before.shape == tensor.shape and bool((before == tensor).all())
        if same:
            continue
        if key not in head:
            problems.append(f"{what}: {key} is not the checkpoint's (only the head may change)")
        elif tensor.is_floating_point() and key in fresh:
            limit = HEAD_SCALE_FACTOR * _rms(fresh[key]) + HEAD_SCALE_SLACK
            if _rms(tensor) > limit:
                problems.append(
                    f"{what}: the new {key} has a root mean square of {_rms(tensor):.3g}; a fresh build's "
                    f"is {_rms(fresh[key]):.3g}"
                )
    return problems


@check(kind="model", level="recommended", applies_to="test presets of classification models")
def check_model_fine_tunes_a_checkpoint_on_other_labels(subject: ModelSubject, *, preset: str) -> None:
    """Started from a saved checkpoint on a dataset with other classes, the head follows the new labels.

    Two datasets are tried: the test dataset with one class more, and with every class
    renamed. On each, ``create(pretrained=DIR)`` must give one logit per new class, an
    ``id2label`` (Hugging Face models) and ``predict`` labels naming the new classes, the
    checkpoint's tensors everywhere but the head (the tensors whose shape follows the
    number of classes), and a re-initialised head drawn at the scale of a fresh build's.

    Why: fine-tuning a checkpoint on the user's own classes is what ``--from-pretrained``
    is for; a head kept with the checkpoint's classes, labels taken from the checkpoint
    instead of the dataset, a backbone re-initialised with the head, or a head reset at
    the wrong scale pass every check run from a preset. Fix: size the head with
    ``len(dataset.info['labels'])``, store those labels, load the other weights
    (``ignore_mismatched_sizes`` for the head), and initialise a new head as ``create`` does.
    """
    with tempfile.TemporaryDirectory(prefix="openzoo-pretrained-") as tmp:
        directory = Path(tmp)
        _, fresh, saved = _save_nudged(subject, preset, directory)
        wider = extra_class(subject.dataset)
        started = _start(subject, preset, wider, directory, what="on a dataset with one class more")
        if started is None:
            if _start(subject, preset, subject.dataset, directory, what="on the test dataset") is None:
                return  # the model does not start from checkpoints at all, and says so
            raise fail(
                subject,
                "create(pretrained=DIR) must accept a dataset with other classes than the checkpoint's",
                f"BadInputError for {len(wider.info['labels'])} classes",
                "re-size the head to len(dataset.info['labels']) when starting from a checkpoint",
            )
        state = _state(started)
        head = {k for k, v in state.items() if k in saved and saved[k].shape != v.shape}
        problems = _head_problems(subject, started, list(wider.info["labels"]), "one class more")
        problems += _tensor_problems(state, fresh, saved, head, "one class more")
        relabelled = renamed(subject.dataset)
        again = _start(subject, preset, relabelled, directory, what="on a dataset with renamed classes")
        if again is None:
            problems.append("renamed classes: create refused them with BadInputError")
        else:
            problems += _head_problems(subject, again, list(relabelled.info["labels"]), "renamed classes")
            problems += _tensor_problems(_state(again), fresh, saved, head, "renamed classes")
    if problems:
        raise fail(
            subject,
            "a checkpoint fine-tuned on other classes must keep its backbone and give a head for the new labels",
            "; ".join(problems),
            "size the head from dataset.info['labels'], store those labels, load every other saved tensor, "
            "and initialise a new head as create() does",
        )


def _cut_in_half(path: Path) -> None:
    """Keep the first half of the file's bytes (a copy or a write that stopped half-way)."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _load_calls(subject: ModelSubject, factory: Any, config: dict[str, Any], directory: Path) -> list[tuple[Any, str]]:
    """The two ways a saved directory is read: ``load(DIR)`` and ``create(pretrained=DIR)``, each with its label."""
    return [
        (lambda: factory.load(directory), "load"),
        (
            lambda: factory.create(config=config, dataset=subject.dataset, pretrained=str(directory)),
            "create(pretrained=)",
        ),
    ]


def _refusal(subject: ModelSubject, call: Any) -> str | None:
    """Run ``call``; return what was wrong (``None`` when it raised a clear error)."""
    try:
        call()
    except (OpenzooError, ValueError):
        return None
    except Exception as exc:  # noqa: BLE001 -- the wrong kind of error is the finding
        return f"{type(exc).__name__}: {str(exc)[:160]}"
    return "it loaded without an error"


@check(kind="model", level="recommended", applies_to="every test preset")
def check_model_refuses_a_damaged_checkpoint(subject: ModelSubject, *, preset: str) -> None:
    """``load(DIR)`` and ``create(pretrained=DIR)`` refuse a damaged directory with ``BadInputError``.

    Four damages are tried on a directory ``save`` wrote: ``config.json`` that is not JSON,
    the largest tensor of ``model.safetensors`` one row short (weights that do not fit
    the model's sizes), no ``model.safetensors`` at all (a half-copied directory; suite 1.6)
    and ``model.safetensors`` cut to half its bytes (suite 1.6). Each must raise ``BadInputError`` (any openzoo error, or a
    ``ValueError``), never load silently and never end in an ``OSError``, a
    ``RuntimeError`` or a ``KeyError``.

    Why: a half-copied run directory or a checkpoint of another size is the most common
    reason a load fails; transformers raises ``OSError`` for an unreadable config and
    torch a ``RuntimeError`` for a size mismatch, which the command line shows as an
    unexpected crash (exit code 1, "rerun with --debug") instead of what to fix. Fix: catch
    ``OSError`` and ``ValueError`` around the load and check tensor shapes before loading
    (``openzoo.check_weight_files``), raising ``BadInputError`` that names the directory.
    """
    import torch

    factory = subject.resolve()
    config = dict(subject.preset(preset).config)
    problems = []
    with tempfile.TemporaryDirectory(prefix="openzoo-damaged-") as tmp:
        clean = Path(tmp) / "saved"
        clean.mkdir()
        _save_nudged(subject, preset, clean)
        damages = []
        if (clean / "config.json").is_file():
            damages.append(("config.json that is not JSON", lambda d: (d / "config.json").write_text("{not json")))
        if (clean / WEIGHTS).is_file():

            def shorten(tensors: dict[str, Any]) -> None:
                key = max(
                    (k for k, v in tensors.items() if v.ndim >= 1 and v.shape[0] > 1), key=lambda k: tensors[k].numel()
                )
                tensors[key] = tensors[key][:-1].clone()

            damages.append(("its largest tensor one row short", lambda d: rewrite_weights(d, shorten)))
            damages.append((f"no {WEIGHTS} (a half-copied directory)", lambda d: (d / WEIGHTS).unlink()))

            damages.append((f"{WEIGHTS} cut to half its bytes", lambda d: _cut_in_half(d / WEIGHTS)))
        for number, (damage, apply) in enumerate(damages):
            directory = Path(tmp) / f"damaged-{number}"
            shutil.copytree(clean, directory)
            apply(directory)
            with torch.random.fork_rng(devices=[]):
                for call, label in _load_calls(subject, factory, config, directory):
                    wrong = _refusal(subject, call)
                    if wrong is not None:
                        problems.append(f"{label} of a directory with {damage}: {wrong}")
    if problems:
        raise fail(
            subject,
            "a damaged checkpoint must be refused with BadInputError",
            "; ".join(problems),
            "catch OSError and ValueError around the load, check tensor shapes first (openzoo.check_weight_files), "
            "and raise BadInputError naming the directory",
        )


def _load_outcome(subject: ModelSubject, call: Any, want: str) -> str | None:
    """Run ``call``; ``None`` when it refused clearly or gave a model that answers ``want``, else what happened."""
    try:
        loaded = call()
    except (OpenzooError, ValueError):
        return None
    except Exception as exc:  # noqa: BLE001 -- the wrong kind of error is the finding
        return f"{type(exc).__name__}: {str(exc)[:160]}"
    got = _answers(subject, loaded)
    if got != want:
        return f"it loaded, and predict gave {got[:160]} instead of {want[:160]}"
    return None


@check(kind="model", level="recommended", applies_to="every test preset whose save() writes more than the weights")
def check_model_handles_each_damaged_checkpoint_file(subject: ModelSubject, *, preset: str) -> None:
    """Every other file ``save`` writes, missing or cut to half its bytes, is refused or not needed.

    :func:`check_model_refuses_a_damaged_checkpoint` damages ``config.json`` and the weights.
    This check takes each other file ``save`` wrote (a tokenizer's files, an image processor's
    ``preprocessor_config.json``, a generation config, an id map) in turn, deletes it, then
    cuts it to half its bytes, and calls ``load(DIR)`` and ``create(pretrained=DIR)``. Each
    must raise ``BadInputError`` (any openzoo error, or a ``ValueError``), or load a model
    that answers exactly as the saved one (the file was optional, or a fallback rebuilds the
    same thing) -- never end in another exception, and never load a model that answers
    differently.

    Why: the files beside the weights are read by library code that raises ``OSError``,
    ``json.JSONDecodeError`` or ``KeyError`` on a half-copied file, and a fallback for a missing
    file (a default tokenizer, a default processor) silently changes every answer. Fix: catch
    ``OSError`` and ``ValueError`` around each read and raise ``BadInputError`` naming the file;
    fall back only to what gives the same answers.

    Recommended in suite 1.9: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    import torch

    factory = subject.resolve()
    config = dict(subject.preset(preset).config)
    problems = []
    with tempfile.TemporaryDirectory(prefix="openzoo-damaged-file-") as tmp:
        clean = Path(tmp) / "saved"
        clean.mkdir()
        model, _, _ = _save_nudged(subject, preset, clean)
        want = _answers(subject, model)
        others = sorted(
            path.relative_to(clean)
            for path in clean.rglob("*")
            if path.is_file() and path.relative_to(clean).as_posix() not in ("config.json", WEIGHTS)
        )
        if not others:
            raise CheckSkipped(
                f"save() writes only config.json and {WEIGHTS}; the damaged-checkpoint check covers them"
            )

        number = 0
        for relative in others:
            damages = [(f"no {relative}", Path.unlink)]
            if (clean / relative).stat().st_size > 1:
                damages.append((f"{relative} cut to half its bytes", _cut_in_half))
            for damage, apply in damages:
                directory = Path(tmp) / f"damaged-{number}"
                number += 1
                shutil.copytree(clean, directory)
                apply(directory / relative)
                with torch.random.fork_rng(devices=[]):
                    for call, label in _load_calls(subject, factory, config, directory):
                        wrong = _load_outcome(subject, call, want)
                        if wrong is not None:
                            problems.append(f"{label} of a directory with {damage}: {wrong}")
    if problems:
        raise fail(
            subject,
            "each damaged file of a checkpoint must be refused with BadInputError, or not change the answers",
            "; ".join(problems),
            "catch OSError and ValueError around each file's read and raise BadInputError naming the file; "
            "fall back only to what answers the same",
        )
