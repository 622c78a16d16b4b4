"""Valid but unusual inputs: non-Latin text, emoji, very long text, grayscale and RGBA images, unknown users.

Each input must give a well-formed record or a :class:`~openzoo.BadInputError`
(the documented error that ``openzoo predict`` turns into a message and exit
code 2); any other exception is a crash a user will meet.
"""

from __future__ import annotations

import math
from typing import Any

from openzoo.conformance.behaviour_checks import predict_keys
from openzoo.conformance.declaration import check, fail
from openzoo.conformance.subjects import ModelSubject
from openzoo.errors import BadInputError
from openzoo.tasks import IMAGE_CLASSIFICATION, RECOMMENDATION, TEXT_CLASSIFICATION, TEXT_GENERATION

__all__ = [
    "LONG_TEXT_WORDS",
    "WRONG_KIND_INPUTS",
    "check_model_predict_handles_unusual_inputs",
    "check_model_predict_refuses_inputs_of_another_kind",
    "option_variants",
    "unusual_inputs",
]

#: Words in the "very long text" input: far past any test preset's context.
LONG_TEXT_WORDS = 4000
#: Inputs of no task's kind: none is a text, an image or a user id (JSON's null, a number, an object).
WRONG_KIND_INPUTS: dict[str, Any] = {"None": None, "the float 3.5": 3.5, "a dict": {"unexpected": 1}}


def unusual_inputs(task: str) -> dict[str, Any]:
    """Return ``{description: raw input}`` of valid but unusual inputs for ``task``."""
    if task in (TEXT_CLASSIFICATION, TEXT_GENERATION):
        return {
            "Cyrillic text": "Привет, мир",
            "Japanese text": "東京は晴れです",
            "Arabic text": "مرحبا بالعالم",
            "emoji": "good 🙂🚀👍🏽",
            f"a text of {LONG_TEXT_WORDS} words": "word " * LONG_TEXT_WORDS,
        }
    if task == IMAGE_CLASSIFICATION:
        import numpy as np

        rng = np.random.default_rng(0)
        inputs: dict[str, Any] = {
            "a 2-D grayscale uint8 array": rng.integers(0, 256, (9, 11), dtype=np.uint8),
            "an RGBA uint8 array": rng.integers(0, 256, (9, 11, 4), dtype=np.uint8),
            "a one-channel H x W x 1 uint8 array": rng.integers(0, 256, (9, 11, 1), dtype=np.uint8),
        }
        try:
            from PIL import Image
        except ImportError:
            return inputs
        inputs["a grayscale PIL image"] = Image.fromarray(inputs["a 2-D grayscale uint8 array"], mode="L")
        inputs["an RGBA PIL image"] = Image.fromarray(inputs["an RGBA uint8 array"], mode="RGBA")
        return inputs
    if task == RECOMMENDATION:
        return {"an unknown user": "no-such-user-🙂"}
    return {}


def _check_long_training_example(subject: ModelSubject, model: Any) -> None:
    """A labelled example far past the context collates and runs forward (truncated), or raises BadInputError."""
    from openzoo.conformance.model_runtime import forward
    from openzoo.conformance.task_inputs import sample_examples

    example = dict(sample_examples(subject.spec.task, subject.dataset, 1)[0])
    example["text"] = " ".join([str(example["text"])] * 1 + ["word"] * LONG_TEXT_WORDS)
    try:
        batch = model.collate([example])
    except BadInputError:
        return
    except Exception as exc:
        raise fail(
            subject,
            f"collate must truncate an example of {LONG_TEXT_WORDS} words or raise BadInputError",
            f"{type(exc).__name__}: {str(exc)[:200]}",
            "truncate to the model's context in collate",
        ) from exc
    outputs = forward(subject, model.module, batch)
    loss = outputs.get("loss")
    if loss is not None and not bool(loss.isfinite()):
        raise fail(
            subject, "a truncated long example must give a finite loss", f"{float(loss)}", "truncate before the model"
        )


@check(kind="model", applies_to="every test preset")
def check_model_predict_handles_unusual_inputs(subject: ModelSubject, *, preset: str) -> None:
    """``predict`` answers non-Latin and emoji text, very long text, grayscale and RGBA images and unknown users.

    Why: real inputs are not the test set: a tokenizer that drops non-ASCII bytes, a
    position embedding indexed past the context, an image pipeline that assumes three
    channels or a user lookup that raises ``KeyError`` crash in production. Each input
    must give a record with the task's keys and finite scores, or raise
    :class:`openzoo.BadInputError` saying what to do (truncate long inputs, or document
    the limit). Fix: truncate to the context, convert images with ``.convert("RGB")``
    and turn unknown ids into ``BadInputError``.
    """
    model = subject.build(preset)
    model.module.eval()
    if subject.spec.task in (TEXT_CLASSIFICATION, TEXT_GENERATION):
        _check_long_training_example(subject, model)
    options = {"max_new_tokens": 2} if subject.spec.task == TEXT_GENERATION else {}
    wanted = predict_keys(subject.task.predict_output)
    for description, value in unusual_inputs(subject.spec.task).items():
        try:
            records = model.predict([value], **options)
        except BadInputError:
            continue
        except Exception as exc:
            raise fail(
                subject,
                f"predict must answer {description} or raise BadInputError",
                f"{type(exc).__name__}: {str(exc)[:200]}",
                "truncate to the context, convert images to RGB, and raise BadInputError for what you cannot handle",
            ) from exc
        record = records[0] if isinstance(records, list) and len(records) == 1 else None
        problems = []
        if not isinstance(record, dict):
            problems.append(f"{records!r:.120}")
        else:
            problems += [f"no {key!r}" for key in wanted if key not in record]
            score = record.get("score")
            if isinstance(score, float) and not math.isfinite(score):
                problems.append(f"score {score}")
        if problems:
            raise fail(
                subject,
                f"predict on {description} must give one well-formed record",
                "; ".join(problems),
                f"return {subject.task.predict_output}",
            )


def option_variants(subject: ModelSubject) -> list[dict[str, Any]]:
    """The default options, then each choice of each choice option and both values of each bool option, alone."""
    variants: list[dict[str, Any]] = [{}]
    for option in subject.spec.predict_options:
        values = option.choices or ((True, False) if option.type == "bool" else ())
        variants += [{option.name: value} for value in values if value != option.default]
    return variants


@check(kind="model", level="recommended", applies_to="every test preset")
def check_model_predict_refuses_inputs_of_another_kind(subject: ModelSubject, *, preset: str) -> None:
    """``predict`` refuses ``None``, a float and a dict as an input with ``BadInputError``, whatever its options.

    Each is given alone (``predict([None])``) with the default options and with each choice
    of each choice option and each value of each bool option.

    Why: JSON clients of ``openzoo serve`` send ``null``, numbers and objects, and Python
    callers pass what a parser gave them. A model that answers them (``str(None)`` looked
    up as a user called "None", recommended the popular items under a fallback option) gives
    an answer to a question nobody asked; one that fails with ``TypeError`` prints a traceback
    where the user needs a message. Fix: check each input's type at the top of ``predict``,
    before any option applies, and raise :class:`openzoo.BadInputError` naming what it expected.

    Recommended in suite 1.8: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    model = subject.build(preset)
    model.module.eval()
    short = {"max_new_tokens": 2} if subject.spec.task == TEXT_GENERATION else {}
    problems = []
    for options in option_variants(subject):
        given = f" (options {options})" if options else ""
        for description, value in WRONG_KIND_INPUTS.items():
            try:
                records = model.predict([value], **short, **options)
            except BadInputError:
                continue
            except Exception as exc:  # noqa: BLE001 -- reported: a crash instead of the documented error
                problems.append(f"{description}{given} raised {type(exc).__name__}: {str(exc)[:120]}")
            else:
                problems.append(f"{description}{given} was answered: {records!r:.120}")
    if problems:
        raise fail(
            subject,
            "an input that is not of the task's kind must be refused with BadInputError",
            "; ".join(problems[:6]) + (f"; and {len(problems) - 6} more" if len(problems) > 6 else ""),
            f"check at the top of predict that each input is {subject.task.predict_input}; raise BadInputError if not",
        )
