"""From an openzoo model config (preset + ``-o`` options) to a ``ViTConfig`` and an image processor.

The keys a preset or the user may set are the ``ViTConfig`` fields in
:data:`ARCHITECTURE_KEYS`; anything else is rejected with the list of allowed
keys, and impossible combinations (a hidden size that the heads do not divide,
an image that patches do not tile) are rejected before any weight is built.

Images are always fed as RGB (``num_channels=3``): greyscale inputs are copied
to the three channels by :mod:`openzoo_vit.images`, so one checkpoint accepts
greyscale and colour images alike and pretrained RGB checkpoints load as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from openzoo import BadInputError

if TYPE_CHECKING:
    from transformers import ViTConfig, ViTImageProcessorPil

__all__ = ["ARCHITECTURE_KEYS", "architecture_options", "build_config", "build_processor"]

#: Config keys the model understands -> the Python type each must have.
ARCHITECTURE_KEYS: dict[str, type] = {
    "image_size": int,
    "patch_size": int,
    "hidden_size": int,
    "num_hidden_layers": int,
    "num_attention_heads": int,
    "intermediate_size": int,
    "hidden_dropout_prob": float,
    "attention_probs_dropout_prob": float,
}
#: Per-channel mean and standard deviation the processor normalises with (pixels scaled to [-1, 1]).
IMAGE_MEAN = (0.5, 0.5, 0.5)
IMAGE_STD = (0.5, 0.5, 0.5)


def architecture_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``config`` and return its architecture keys (``None`` values dropped).

    :raises BadInputError: for an unknown key, a value of the wrong type or range,
        or sizes that do not fit together.
    """
    unknown = sorted(set(config) - set(ARCHITECTURE_KEYS))
    if unknown:
        raise BadInputError(
            f"vit: unknown model option(s) {', '.join(unknown)}; allowed: {', '.join(ARCHITECTURE_KEYS)}"
        )
    options = {key: value for key, value in config.items() if value is not None}
    for key, value in options.items():
        expected = ARCHITECTURE_KEYS[key]
        if expected is int and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise BadInputError(f"vit: option {key} must be a positive integer; got {value!r}")
        if expected is float and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1):
            raise BadInputError(f"vit: option {key} must be a probability in [0, 1); got {value!r}")
    hidden, heads = options.get("hidden_size", 768), options.get("num_attention_heads", 12)
    if hidden % heads:
        raise BadInputError(
            f"vit: hidden_size {hidden} is not divisible by num_attention_heads {heads}; "
            "choose sizes where hidden_size = heads x head size"
        )
    image, patch = options.get("image_size", 224), options.get("patch_size", 16)
    if patch > image or image % patch:
        raise BadInputError(
            f"vit: image_size {image} is not a multiple of patch_size {patch}; the patches must tile the image"
        )
    return options


def build_config(config: Mapping[str, Any], labels: list[str]) -> ViTConfig:
    """Return the ``ViTConfig`` of a new model with one output per label."""
    from transformers import ViTConfig

    return ViTConfig(
        **architecture_options(config),
        num_channels=3,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: index for index, label in enumerate(labels)},
    )


def build_processor(image_size: int) -> ViTImageProcessorPil:
    """Return the image processor of a model fed ``image_size`` x ``image_size`` RGB images.

    It resizes (bilinear), rescales to [0, 1] and normalises to [-1, 1]. Saved next to the
    weights as ``preprocessor_config.json`` (``image_processor_type: ViTImageProcessor``), so
    ``AutoImageProcessor.from_pretrained`` gives the same preprocessing in plain transformers.
    """
    from transformers import ViTImageProcessorPil
    from transformers.image_utils import PILImageResampling

    return ViTImageProcessorPil(
        size={"height": image_size, "width": image_size},
        resample=PILImageResampling.BILINEAR,
        image_mean=list(IMAGE_MEAN),
        image_std=list(IMAGE_STD),
        do_convert_rgb=True,
    )
