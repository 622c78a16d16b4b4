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

__all__ = ["LONG_TEXT_WORDS", "check_model_predict_handles_unusual_inputs", "unusual_inputs"]

#: Words in the "very long text" input: far past any test preset's context.
LONG_TEXT_WORDS = 4000


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
