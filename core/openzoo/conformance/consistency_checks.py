"""Consistency checks: every preset builds and starts near chance, declared choices act, two views of one answer agree.

The suite trains and runs only test presets, on the default value of every option,
through one path of each computation. These checks close what that leaves open:

- a non-test preset that does not build (heads that do not divide the width) or that
  starts far from the chance loss of its task (an initialisation scale typed wrong:
  "verify loss @ init");
- a predict option with declared ``choices`` whose choices all give the same answer
  (the option never reaches the code that should read it);
- a recommender whose all-items ranking scores (``ranking_scores``, what ``predict``
  and the ranking metrics use) rank items differently from its pairwise ``scores``;
- a model option that takes a value of the wrong type (a text for a number) without
  the ``BadInputError`` the Python API promises;
- an image classifier that answers one image differently depending on how it is
  encoded (a 2-D array, ``H x W x 1``, ``H x W x 3``, opaque ``H x W x 4``, PIL modes),
  or, for an image with transparent pixels, depending on the mode that carries the alpha
  channel or on the colours hidden under it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

from openzoo.conformance.declaration import check, fail
from openzoo.conformance.model_runtime import collate, forward
from openzoo.conformance.option_checks import as_parsed, refusal_problem
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import raw_input, sample_examples
from openzoo.errors import BadInputError
from openzoo.tasks import IMAGE_CLASSIFICATION, RECOMMENDATION, TEXT_CLASSIFICATION, TEXT_GENERATION

__all__ = [
    "CHANCE_FACTOR",
    "OPTION_TYPES_PROBED",
    "REAL_BUILD_PARAMETERS",
    "chance_loss",
    "check_model_every_preset_builds_and_starts_near_chance",
    "check_model_image_encodings_give_the_same_prediction",
    "check_model_predict_option_choices_are_not_inert",
    "check_model_ranking_scores_agree_with_pair_scores",
    "check_model_refuses_option_values_outside_their_type",
    "check_model_sixteen_bit_image_agrees_with_eight_bit",
    "check_model_transparent_image_encodings_agree",
]

#: Presets up to this many parameters are built for real and run; larger ones are built on
#: torch's ``meta`` device only (their sizes and validation, no forward pass).
REAL_BUILD_PARAMETERS = 5_000_000
#: The loss at initialisation may be at most this many times the task's chance loss.
CHANCE_FACTOR = 3.0
#: Allowed difference between two encodings' scores of one image.
ENCODING_TOLERANCE = 1e-4
#: Scores closer than this are treated as a tie when comparing two rankings.
RANK_TOLERANCE = 1e-4


def chance_loss(task: str, outputs: Any, batch: Any, info: Any) -> float | None:
    """Return the loss a model that knows nothing has on ``batch``, or ``None`` when the task has none.

    Classification: ``ln(classes)``; generation: ``ln(vocabulary)`` (the width of the logits);
    recommendation: the larger of ``ln 2`` (a coin, for interaction losses) and the variance
    of the batch's ratings (the squared error of predicting their mean).
    """
    if task in (TEXT_CLASSIFICATION, IMAGE_CLASSIFICATION):
        return math.log(max(2, len(info.get("labels", ())) or 2))
    if task == TEXT_GENERATION and outputs.get("logits") is not None:
        return math.log(max(2, int(outputs["logits"].shape[-1])))
    if task == RECOMMENDATION and batch.get("ratings") is not None:
        ratings = batch["ratings"].double()
        return max(math.log(2), float(((ratings - ratings.mean()) ** 2).mean()))
    return None


def _meta_parameters(subject: ModelSubject, config: dict[str, Any]) -> int | None:
    """Build on the ``meta`` device and count parameters; ``None`` when the plugin cannot build there."""
    import torch

    factory = subject.resolve()
    try:
        with torch.device("meta"):
            model = factory.create(config=config, dataset=subject.dataset)
    except BadInputError:
        raise
    except Exception:  # noqa: BLE001 -- some plugins cannot build on meta; the real build then decides
        return None
    return sum(p.numel() for p in model.module.parameters())


@check(kind="model", applies_to="every model (all its presets)")
def check_model_every_preset_builds_and_starts_near_chance(subject: ModelSubject) -> None:
    """Every preset builds on the test dataset; small ones run the toy batch with a loss near chance.

    Each preset not marked ``requires_pretrained`` is built (presets over 5 M parameters on
    torch's ``meta`` device only); a preset of up to 5 M parameters runs a forward pass on
    five examples, and its loss at initialisation is finite and at most 3 times the task's
    chance loss (``ln(classes)``, ``ln(vocabulary)``, or the variance of the ratings). A preset
    marked ``requires_pretrained`` must be refused by ``create`` without ``pretrained`` (a
    :class:`openzoo.BadInputError`; a plain ``ValueError`` was accepted too in 1.10), as the
    contract says (from suite 1.10).

    Why: only test presets are built by the suite; a ``default`` or ``base`` preset whose
    heads do not divide its width, or whose initialisation scale is a hundred times too
    large (a loss at init far above chance, Karpathy's "verify loss @ init"), reaches the
    first user who picks it. Fix: correct the preset's ``config``, or mark a preset that
    only sets fine-tuning defaults with ``Preset(requires_pretrained=True)``.
    """
    import torch

    problems = []
    for preset in subject.spec.presets:
        if preset.requires_pretrained:
            build = partial(subject.resolve().create, config=dict(preset.config), dataset=subject.dataset)
            problem = refusal_problem(
                build, f"create of preset {preset.name!r} (requires_pretrained) without pretrained"
            )
            if problem is not None:
                problems.append(problem)
            continue
        config = dict(preset.config)
        try:
            parameters = _meta_parameters(subject, config)
        except Exception as exc:  # noqa: BLE001 -- reported as the preset's failure
            problems.append(f"preset {preset.name!r} does not build: {type(exc).__name__}: {exc}")
            continue
        if parameters is not None and parameters > REAL_BUILD_PARAMETERS:
            continue
        try:
            model = subject.build(preset.name)
        except Exception as exc:  # noqa: BLE001 -- reported as the preset's failure
            problems.append(f"preset {preset.name!r} does not build: {exc}")
            continue
        model.module.eval()
        examples = sample_examples(subject.spec.task, subject.dataset, 5)
        batch = collate(subject, model, examples)
        with torch.no_grad():
            outputs = forward(subject, model.module, batch)
        loss = outputs.get("loss")
        if loss is None:
            continue
        value = float(loss.detach().float())
        chance = chance_loss(subject.spec.task, outputs, batch, subject.dataset.info)
        if not math.isfinite(value):
            problems.append(f"preset {preset.name!r}: loss at initialisation is {value}")
        elif chance is not None and value > CHANCE_FACTOR * chance:
            problems.append(
                f"preset {preset.name!r}: loss at initialisation {value:.3g} is more than "
                f"{CHANCE_FACTOR:g} times the chance loss {chance:.3g}"
            )
    if problems:
        raise fail(
            subject,
            "every preset must build, and start near the chance loss of its task",
            "; ".join(problems),
            "fix the preset's config (sizes, initialisation scale), or mark it requires_pretrained=True",
        )


def _probe_inputs(subject: ModelSubject) -> list[Any]:
    from openzoo.conformance.input_checks import unusual_inputs

    examples = sample_examples(subject.spec.task, subject.dataset, 3)
    return [raw_input(subject.spec.task, e) for e in examples] + list(unusual_inputs(subject.spec.task).values())


def _answer(model: Any, value: Any, options: dict[str, Any]) -> str:
    """Return a comparable text of what ``predict([value], **options)`` gives (or the refusal)."""
    try:
        return repr(model.predict([value], **options))
    except BadInputError:
        return "BadInputError"


@check(kind="model", applies_to="test presets of models with predict options that declare choices")
def check_model_predict_option_choices_are_not_inert(subject: ModelSubject, *, preset: str) -> None:
    """For each predict option with ``choices``, some choice changes the answer on the probe inputs.

    The probe inputs are three examples of the test dataset and the task's unusual inputs
    (an unknown user, grayscale images, long texts); each choice may answer or refuse
    with ``BadInputError``, but if every choice answers every input the same way the
    option is inert.

    Why: a declared choice that never reaches the code that should read it (a comparison
    with the wrong string, a default that always wins) is invisible to every check run
    at the default value, and users who pick it get the default silently. Fix: pass the
    option through to the code that reads it, or stop declaring it.
    """
    model = subject.build(preset)
    model.module.eval()
    inputs = _probe_inputs(subject)
    extra = {"max_new_tokens": 2} if subject.spec.task == TEXT_GENERATION else {}
    inert = []
    for option in subject.spec.predict_options:
        if len(option.choices) < 2:
            continue
        answers = {
            choice: [_answer(model, value, {**extra, option.name: as_parsed(choice)}) for value in inputs]
            for choice in option.choices
        }
        if len({tuple(a) for a in answers.values()}) == 1:
            inert.append(f"{option.name} (choices {list(option.choices)})")
    if inert:
        raise fail(
            subject,
            "a predict option's choices must change the answer for some input",
            f"every choice gives the same answers for {', '.join(inert)}",
            "pass the option to the code that reads it, or stop declaring it",
        )


@check(kind="model", applies_to="test presets of recommendation models")
def check_model_ranking_scores_agree_with_pair_scores(subject: ModelSubject, *, preset: str) -> None:
    """In evaluation, ``ranking_scores[b, item]`` ranks a user's items as the pairwise ``scores`` do.

    For the most active user of the test dataset the model scores every catalogue item
    pairwise (``scores``, one row per item) and all at once (``ranking_scores``, what
    ``predict`` and the ranking metrics use); whenever the pairwise scores of two unseen
    items differ, the ranking scores must order them the same way (a monotone transform
    such as a sigmoid or a clip to the rating range is allowed).

    Why: the all-items path is a second implementation of the score (a matrix product
    instead of a row-wise one); a plus written as a times, a missing bias or a transposed
    table there passes every pairwise check while every recommendation is wrong. Fix:
    compute both from the same terms, or the all-items path from the pairwise one.
    """
    import torch

    model = subject.build(preset)
    model.module.eval()
    items = [str(i) for i in subject.dataset.info.get("items", [])]
    examples = sample_examples(subject.spec.task, subject.dataset, 64)
    if not items or not examples:
        return
    counts: dict[str, int] = {}
    for example in examples:
        counts[str(example["user"])] = counts.get(str(example["user"]), 0) + 1
    user = min(counts, key=lambda u: (-counts[u], u))
    batch = collate(subject, model, [{"user": user, "item": item} for item in items])
    with torch.no_grad():
        outputs = forward(subject, model.module, batch)
    pair, ranking = outputs.get("scores"), outputs.get("ranking_scores")
    if pair is None or ranking is None or "items" not in batch:
        return
    index = batch["items"].long()
    rows = torch.arange(len(items))
    ranked = ranking.detach().double()[rows, index]
    pair = pair.detach().double()
    unseen = torch.isfinite(ranked)
    pair, ranked = pair[unseen], ranked[unseen]
    higher = pair[:, None] > pair[None, :] + RANK_TOLERANCE
    wrong = higher & ~(ranked[:, None] > ranked[None, :])
    if bool(wrong.any()):
        a, b = (int(i) for i in wrong.nonzero()[0])
        raise fail(
            subject,
            "ranking_scores must order a user's items as the pairwise scores do",
            f"user {user!r}: pairwise scores {float(pair[a]):.5g} > {float(pair[b]):.5g} but ranking scores "
            f"{float(ranked[a]):.5g} <= {float(ranked[b]):.5g} ({int(wrong.sum())} pairs disagree)",
            "compute ranking_scores from the same terms as the pairwise score",
        )


def _encodings(image: Any) -> dict[str, dict[str, Any]]:
    """Return two groups of equivalent encodings: of a grayscale image and of a colour one."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    gray = np.asarray(image.convert("L"), dtype=np.uint8)
    opaque = np.concatenate([rgb, np.full((*rgb.shape[:2], 1), 255, dtype=np.uint8)], axis=-1)
    return {
        "grayscale": {
            "a PIL 'L' image": Image.fromarray(gray, mode="L"),
            "a 2-D uint8 array": gray,
            "an H x W x 1 uint8 array": gray[..., None],
            "an H x W x 3 uint8 array of equal channels": np.repeat(gray[..., None], 3, axis=-1),
        },
        "colour": {
            "a PIL 'RGB' image": Image.fromarray(rgb, mode="RGB"),
            "an H x W x 3 uint8 array": rgb,
            "an H x W x 4 uint8 array with opaque alpha": opaque,
            "a PIL 'RGBA' image with opaque alpha": Image.fromarray(opaque, mode="RGBA"),
        },
    }


def _label_and_score(model: Any, value: Any) -> tuple[Any, float] | str:
    try:
        record = model.predict([value])[0]
    except BadInputError as exc:
        return f"BadInputError: {exc}"
    except Exception as exc:  # noqa: BLE001 -- a crash on one encoding is reported with the others
        return f"{type(exc).__name__}: {exc}"
    return record.get("label"), float(record.get("score", float("nan")))


def _sample_image(subject: ModelSubject) -> Any:
    """Return the first image of the subject's test dataset as a PIL image."""
    image = sample_examples(subject.spec.task, subject.dataset, 1)[0]["image"]
    if not hasattr(image, "convert"):
        from PIL import Image

        image = Image.fromarray(image)
    return image


def _disagreements(model: Any, encodings: dict[str, Any], prefix: str = "") -> list[str]:
    """Predict every encoding of one image; name each that fails or answers otherwise than the first."""
    answers = {name: _label_and_score(model, value) for name, value in encodings.items()}
    reference_name, reference = next(iter(answers.items()))
    problems = []
    for name, answer in answers.items():
        if isinstance(answer, str):
            problems.append(f"{prefix}{name}: {answer[:160]}")
        elif isinstance(reference, tuple) and (
            answer[0] != reference[0] or not math.isclose(answer[1], reference[1], abs_tol=ENCODING_TOLERANCE)
        ):
            problems.append(f"{prefix}{name} gave {answer}, {prefix}{reference_name} {reference}")
    return problems


def _require_one_answer(
    subject: ModelSubject, preset: str, encodings: Callable[[Any], dict[str, Any]], requirement: str, hint: str
) -> None:
    """Fail unless every encoding ``encodings`` makes of the subject's test image gets the first one's answer."""
    model = subject.build(preset)
    model.module.eval()
    problems = _disagreements(model, encodings(_sample_image(subject)))
    if problems:
        raise fail(subject, requirement, "; ".join(problems), hint)


@check(kind="model", applies_to="test presets of image classification models")
def check_model_image_encodings_give_the_same_prediction(subject: ModelSubject, *, preset: str) -> None:
    """One image gives the same label and score whatever its encoding: PIL, 2-D, ``H x W x 1``, ``x 3``, opaque ``x 4``.

    The task's input is a PIL image (any mode) or a uint8 array ``[H, W]`` or ``[H, W, C]``
    (C = 1, 3 or 4). A grayscale image given as a PIL ``L`` image, a 2-D array, an
    ``H x W x 1`` array or three equal channels, and a colour image given as PIL ``RGB``,
    an ``H x W x 3`` array, or with an opaque alpha channel (array or PIL ``RGBA``), must
    each be answered, with the same label and score.

    Why: array and PIL inputs take different conversion paths; a channel test written
    ``ndim > 3`` or ``shape[-1] in (3, 3)``, or channels read in the wrong order, refuse
    or misread one encoding while the test images (one encoding) pass. Fix: convert
    every encoding to one RGB image before the processor.
    """
    model = subject.build(preset)
    model.module.eval()
    problems = []
    for group, encodings in _encodings(_sample_image(subject)).items():
        problems += _disagreements(model, encodings, f"{group} image as ")
    if problems:
        raise fail(
            subject,
            "every encoding of one image must give the same prediction",
            "; ".join(problems),
            "convert PIL images and uint8 arrays of 1, 3 or 4 channels to one RGB image before the processor",
        )


def transparent_encodings(image: Any) -> dict[str, Any]:
    """Return one image with transparent pixels in every encoding that carries alpha, hiding two sets of colours.

    The visible pixels are ``image`` in grayscale (so an ``LA`` image can hold it too); a
    diagonal third of the pixels is fully transparent (alpha 0), the rest fully opaque (alpha
    255), so compositing onto any background is exact. The colours under the transparent
    pixels are random in one group of encodings and their complement in another.
    """
    import numpy as np
    from PIL import Image

    gray = np.asarray(image.convert("L"), dtype=np.uint8)
    height, width = gray.shape
    opaque = (np.add.outer(np.arange(height), np.arange(width)) % 3 != 0)[..., None]
    alpha = np.where(opaque, 255, 0).astype(np.uint8)
    hidden = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    visible = np.repeat(gray[..., None], 3, axis=-1)

    def rgba(under: Any) -> Any:
        return np.concatenate([np.where(opaque, visible, under), alpha], axis=-1)

    first, second = rgba(hidden), rgba(255 - hidden)
    la = np.concatenate([np.where(opaque, gray[..., None], hidden[..., :1]), alpha], axis=-1)
    return {
        "a PIL 'RGBA' image": Image.fromarray(first, mode="RGBA"),
        "an H x W x 4 uint8 array": first,
        "a PIL 'LA' image": Image.fromarray(la, mode="LA"),
        "a PIL 'RGBA' image hiding other colours under its transparent pixels": Image.fromarray(second, mode="RGBA"),
        "an H x W x 4 uint8 array hiding other colours under its transparent pixels": second,
    }


@check(kind="model", level="recommended", applies_to="test presets of image classification models")
def check_model_transparent_image_encodings_agree(subject: ModelSubject, *, preset: str) -> None:
    """An image with transparent pixels gives one label and score in every alpha encoding, whatever colour is hidden.

    One image, a third of its pixels fully transparent and the rest opaque, is given as a PIL
    ``RGBA`` image, an ``H x W x 4`` uint8 array and a PIL ``LA`` image, and again as ``RGBA``
    (PIL and array) with other colours under the transparent pixels. Each must be answered, with
    the same label and score. The suite does not fix the background: black, white or any colour
    is fine, as long as it is the same for every encoding and no hidden colour shows through.

    Why: alpha is handled on a path of its own; converting with ``.convert("RGB")`` drops the
    alpha and shows whatever colour the transparent pixels happen to store, and a mode test
    written ``mode > "RGB"`` for ``mode == "RGB"`` sends ``RGBA`` images past the compositing
    to a processor that uses another background than the ``LA`` path. The opaque images of the
    other checks never reach that code. Fix: composite every mode with alpha (``RGBA``, ``LA``,
    ``PA``, palette transparency, 4-channel arrays) onto one background before the processor,
    as transformers' ``convert_to_rgb`` does.

    Recommended in suite 1.6: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    _require_one_answer(
        subject,
        preset,
        transparent_encodings,
        "an image with transparent pixels must give the same prediction in every encoding of its alpha",
        "composite RGBA, LA and 4-channel array images onto one background before the processor, so hidden "
        "colours never show",
    )


def sixteen_bit_encodings(image: Any) -> dict[str, Any]:
    """Return one grayscale image as an 8-bit PIL ``L`` image and as a 16-bit PIL ``I;16`` image of the same levels.

    The 16-bit image holds each 8-bit level ``v`` as ``v * 257`` (0 -> 0, 255 -> 65535), the
    same brightness on the full 16-bit scale, as a 16-bit PNG of the picture stores it.
    """
    import numpy as np
    from PIL import Image

    gray = np.asarray(image.convert("L"), dtype=np.uint8)
    return {
        "a PIL 'L' image": Image.fromarray(gray, mode="L"),
        "a PIL 'I;16' image of the same levels": Image.fromarray(gray.astype(np.uint16) * 257),
    }


@check(kind="model", level="recommended", applies_to="test presets of image classification models")
def check_model_sixteen_bit_image_agrees_with_eight_bit(subject: ModelSubject, *, preset: str) -> None:
    """A 16-bit grayscale image gives the label and score of the same picture in 8 bits.

    The test image's grayscale levels ``v`` are given once as a PIL ``L`` image and once as a PIL
    ``I;16`` image holding ``v * 257`` (what a 16-bit PNG of the same picture stores; Pillow opens
    such files in mode ``I;16``). Both must be answered, with the same label and score.

    Why: Pillow's ``convert("L")`` and ``convert("RGB")``, and transformers' ``convert_to_rgb``
    that calls them, clip 16-bit levels to 255 instead of scaling them, so every pixel brighter
    than 1/256 of full scale turns white and a 16-bit scan is classified as a blank page. Fix:
    scale 16-bit images to 8 bits (divide by 257) before converting, as openzoo-vit does.

    Recommended in suite 1.6: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    _require_one_answer(
        subject,
        preset,
        sixteen_bit_encodings,
        "a 16-bit grayscale image must give the prediction of the same picture in 8 bits",
        "scale 16-bit images (PIL mode I;16) to 8 bits by dividing by 257 before converting to RGB",
    )


#: A value of the wrong type for each option type (what a typo in a Python config gives).
_WRONG_TYPE = {"int": "twelve", "float": "one half", "bool": "maybe"}
#: The option types the option check probes.
OPTION_TYPES_PROBED = tuple(_WRONG_TYPE)


@check(kind="model", applies_to="test presets of models that declare int, float, bool or choice options")
def check_model_refuses_option_values_outside_their_type(subject: ModelSubject, *, preset: str) -> None:
    """``create`` refuses a declared option set to a value outside its type or choices with ``BadInputError``.

    For every model option of type ``int``, ``float`` or ``bool`` the suite passes a text
    (``"twelve"``), and for an option with ``choices`` a value outside them, on top of the
    test preset's config; ``create`` must raise :class:`openzoo.BadInputError`.

    Why: the command line converts ``-o`` values to the declared type, but Python callers
    and config files do not; a validation written with ``and`` for ``or`` or a comparison
    of a text with a number lets a wrong value through to a ``TypeError`` deep in the
    model, or builds a model that silently ignores it. Fix: validate every option's type
    and range in ``create`` and raise ``BadInputError`` naming the option.
    """
    factory = subject.resolve()
    base = dict(subject.preset(preset).config)
    problems = []
    for option in subject.spec.options:
        wrong = "not-a-choice" if option.choices else _WRONG_TYPE.get(option.type)
        if wrong is None:
            continue
        try:
            factory.create(config={**base, option.name: wrong}, dataset=subject.dataset)
        except BadInputError:
            continue
        except Exception as exc:  # noqa: BLE001 -- any other exception is the failure reported
            problems.append(f"{option.name}={wrong!r} raised {type(exc).__name__}: {str(exc)[:120]}")
            continue
        problems.append(f"{option.name}={wrong!r} built a model")
    if problems:
        raise fail(
            subject,
            "create must refuse an option value outside its declared type or choices with BadInputError",
            "; ".join(problems),
            "validate each option in create and raise openzoo.BadInputError naming it",
        )
