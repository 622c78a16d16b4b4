"""A small generated image folder in the layout the ``imagefolder`` dataset reads, for the conformance suite.

:func:`write_imagefolder_sample` (``DatasetSpec.sample``) writes ``ROOT/<class>/*.png``
for three classes (stripes, checks, a dot), so ``openzoo conformance`` checks the folder
scan, the image decoding and the seeded split without the user's images. Sizes vary and
one class is grayscale, as real folders mix them; pixel noise makes every image distinct.
"""

from __future__ import annotations

import random
from pathlib import Path

__all__ = ["write_imagefolder_sample"]

_CLASSES = ("checks", "dot", "stripes")
_PER_CLASS = 10


def _pixel(kind: str, x: int, y: int, size: int, shift: int) -> int:
    if kind == "stripes":
        return 230 if (x + shift) % 4 < 2 else 20
    if kind == "checks":
        return 230 if ((x + shift) // 3 + y // 3) % 2 else 20
    centre = size // 2 + shift % 3 - 1
    return 230 if (x - centre) ** 2 + (y - centre) ** 2 <= (size // 4) ** 2 else 20


def write_imagefolder_sample(directory: Path) -> dict[str, str]:
    """Write ``directory/<class>/<n>.png`` (three classes of ten images); return ``{"path": directory}``."""
    from PIL import Image

    rng = random.Random(0)
    root = Path(directory)
    for kind in _CLASSES:
        (root / kind).mkdir()
        for index in range(_PER_CLASS):
            size = rng.choice((12, 16, 20))
            shift = rng.randrange(4)
            values = [_pixel(kind, x, y, size, shift) + rng.randrange(16) for y in range(size) for x in range(size)]
            gray = Image.new("L", (size, size))
            gray.putdata(values)
            image = gray if kind == "dot" else gray.convert("RGB")
            image.save(root / kind / f"{index:02d}.png")
    return {"path": str(root)}
