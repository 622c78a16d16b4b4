"""Turn any image input the task allows into one thing: an RGB ``PIL.Image``.

The image-classification task accepts a file path, a ``PIL.Image`` of any mode
or a ``uint8`` array (``[H, W]`` greyscale, ``[H, W, 1]``, ``[H, W, 3]`` RGB or
``[H, W, 4]`` RGBA). Every one of them becomes RGB here, the same way for
training, evaluation and prediction: greyscale is copied to the three channels,
palette images are expanded, and transparency is composited onto black (the
background the digits and most icon-style data sets use), so an image gives
the same pixels whatever mode it was stored in.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from openzoo import BadInputError

__all__ = ["IMAGE_SUFFIXES", "open_image", "to_rgb"]

#: File name endings recognised as images (lower case).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


def open_image(path: str | os.PathLike[str]) -> Image.Image:
    """Read the image file at ``path`` fully and return it as RGB.

    :raises BadInputError: naming the path when it is missing, not a file, not a readable image, or so large
        that PIL refuses to decode it (a decompression bomb: more than twice ``PIL.Image.MAX_IMAGE_PIXELS``).
    """
    path = Path(path)
    if not path.is_file():
        what = "is a directory, not an image file" if path.is_dir() else "does not exist"
        raise BadInputError(f"image {str(path)!r} {what}; pass the path of a PNG or JPEG file")
    try:
        with Image.open(path) as image:
            image.load()
            return _rgb_from_pil(image)
    except Image.DecompressionBombError as exc:
        raise BadInputError(
            f"refusing to decode {str(path)!r}: {exc} It may be a decompression bomb. Resize the image; "
            "if you trust the file, raise PIL.Image.MAX_IMAGE_PIXELS in your own code"
        ) from None
    except MemoryError:
        raise BadInputError(
            f"not enough memory to decode {str(path)!r}; resize the image to a few megapixels"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise BadInputError(
            f"cannot read {str(path)!r} as an image ({type(exc).__name__}: {exc}); "
            "remove the file or replace it with a valid PNG or JPEG"
        ) from exc


def to_rgb(image: Any) -> Image.Image:
    """Return ``image`` (path, PIL image or uint8 array) as an RGB ``PIL.Image``.

    :raises BadInputError: for a type or array shape that is not an image.
    """
    if isinstance(image, (str, os.PathLike)):
        return open_image(image)
    if isinstance(image, Image.Image):
        return _rgb_from_pil(image)
    if isinstance(image, np.ndarray) or hasattr(image, "__array__"):
        return _rgb_from_array(np.asarray(image))
    raise BadInputError(f"expected an image (a file path, a PIL.Image or a uint8 array); got {type(image).__name__}")


def _rgb_from_pil(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode in ("L", "RGB") and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode.startswith("I;16"):  # 16-bit greyscale (PNG): map 0-65535 onto 0-255
        values = np.asarray(image, dtype=np.float64) / 257.0
        return Image.fromarray(np.rint(values).astype(np.uint8), "L").convert("RGB")
    return image.convert("RGB")


def _rgb_from_array(array: np.ndarray) -> Image.Image:
    if array.dtype != np.uint8:
        raise BadInputError(
            f"image arrays must be uint8 (0-255); got dtype {array.dtype}. Convert with "
            "numpy.clip(a, 0, 255).astype('uint8') or pass a PIL.Image"
        )
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim == 2:
        return Image.fromarray(np.ascontiguousarray(array), "L").convert("RGB")
    if array.ndim == 3 and array.shape[-1] in (3, 4):
        mode = "RGB" if array.shape[-1] == 3 else "RGBA"
        return _rgb_from_pil(Image.fromarray(np.ascontiguousarray(array), mode))
    raise BadInputError(
        f"image arrays must have shape [H, W], [H, W, 1], [H, W, 3] or [H, W, 4]; got {list(array.shape)}"
    )
