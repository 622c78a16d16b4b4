"""A small generated image folder in the layout the ``imagefolder`` dataset reads, for the conformance suite.

:func:`write_imagefolder_sample` (``DatasetSpec.sample``) writes ``ROOT/<class>/*.png``
for three classes (stripes, checks, a dot), so ``openzoo conformance`` checks the folder
scan, the image decoding and the seeded split without the user's images. Sizes vary and
one class is grayscale, as real folders mix them; pixel noise makes every image distinct.

:func:`write_malformed_imagefolder_samples` (``DatasetSpec.malformed_samples``) writes such a
folder once per case and breaks one thing in it, each with words of the error the loader must
raise: a PNG whose header chunk is cut short (PIL raises ``ValueError``), a PNG cut off in its
image data (``OSError``), a text file named ``.png`` (``UnidentifiedImageError``), an empty
class folder, and a split-folder layout whose ``validation`` folder lacks one of ``train``'s classes.

:func:`write_imagefolder_variants` (``DatasetSpec.sample_variants``) writes the split-folder layouts the
loader also reads, each of which must load: ``train``, ``val`` and ``test`` folders, and ``train`` with
``validation`` only (the test split is then drawn from ``train``).
"""

from __future__ import annotations

import random
import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_imagefolder_sample", "write_imagefolder_variants", "write_malformed_imagefolder_samples"]

_CLASSES = ("checks", "dot", "stripes")
_PER_CLASS = 10


def _pixel(kind: str, x: int, y: int, size: int, shift: int) -> int:
    if kind == "stripes":
        return 230 if (x + shift) % 4 < 2 else 20
    if kind == "checks":
        return 230 if ((x + shift) // 3 + y // 3) % 2 else 20
    centre = size // 2 + shift % 3 - 1
    return 230 if (x - centre) ** 2 + (y - centre) ** 2 <= (size // 4) ** 2 else 20


def write_imagefolder_sample(directory: Path, *, seed: int = 0, per_class: int = _PER_CLASS) -> dict[str, str]:
    """Write ``directory/<class>/<n>.png`` (three classes of ten images); return ``{"path": directory}``.

    Another ``seed`` draws other images (sizes, shifts and noise), so the folders of a split layout differ.
    """
    from PIL import Image

    rng = random.Random(seed)
    root = Path(directory)
    for kind in _CLASSES:
        (root / kind).mkdir(parents=True)
        for index in range(per_class):
            size = rng.choice((12, 16, 20))
            shift = rng.randrange(4)
            values = [_pixel(kind, x, y, size, shift) + rng.randrange(16) for y in range(size) for x in range(size)]
            gray = Image.new("L", (size, size))
            gray.putdata(values)
            image = gray if kind == "dot" else gray.convert("RGB")
            image.save(root / kind / f"{index:02d}.png")
    return {"path": str(root)}


def _cut_ihdr(png: bytes) -> bytes:
    """Return ``png`` with its IHDR chunk holding 12 of its 13 bytes (under a valid CRC): PIL raises ValueError."""
    if png[12:16] != b"IHDR" or struct.unpack(">I", png[8:12])[0] != 13:
        raise ValueError("expected a PNG whose first chunk is a 13-byte IHDR")
    data = png[16:28]
    chunk = struct.pack(">I", len(data)) + b"IHDR" + data + struct.pack(">I", zlib.crc32(b"IHDR" + data))
    return png[:8] + chunk + png[33:]


def write_malformed_imagefolder_samples(directory: Path) -> dict[str, tuple[dict[str, str], str]]:
    """Write one sample folder per case under ``directory``, each with one thing broken.

    Return ``{case: ({"path": folder}, words of the BadInputError)}``; the words name the broken file
    (or folder), so a refusal of some other file does not pass. The same bytes are written on every call.
    """
    root = Path(directory)
    cases: dict[str, tuple[dict[str, str], str]] = {}

    def folder(name: str) -> Path:
        case = root / name
        case.mkdir()
        write_imagefolder_sample(case)
        return case

    def image_case(name: str, title: str, break_png: Callable[[bytes], bytes]) -> None:
        case = folder(name)
        image = case / "dot" / "00.png"
        image.write_bytes(break_png(image.read_bytes()))
        cases[title] = ({"path": str(case)}, f"cannot read {str(image)!r} as an image")

    image_case("cut-header", "a PNG whose header chunk is cut short", _cut_ihdr)
    image_case("cut-data", "a PNG cut off mid-data", lambda png: png[: len(png) // 2])
    image_case("text", "a text file named .png", lambda png: b"not an image, only text named like one\n")
    case = folder("empty-class")
    empty = case / "empty"
    empty.mkdir()
    cases["an empty class folder"] = ({"path": str(case)}, f"class folder {str(empty)!r} is empty")
    missing = root / "no-such-folder"
    cases["a folder that does not exist"] = ({"path": str(missing)}, f"{str(missing)!r} does not exist")
    split = root / "split-missing-class"
    train = split / "train"
    validation = split / "validation"
    train.mkdir(parents=True)
    write_imagefolder_sample(train)
    # validation holds checks and dot only: its class list is a prefix of train's, so it also sorts
    # before train's (a comparison by order instead of equality would let it through).
    for kind in _CLASSES[:-1]:
        shutil.copytree(train / kind, validation / kind)
    cases["a validation folder without one of train's classes"] = (
        {"path": str(split)},
        f"the class folders of {str(validation)!r} ({', '.join(_CLASSES[:-1])}) differ from those of",
    )
    single = root / "one-image.png"
    single.write_bytes((root / "cut-data" / "dot" / "01.png").read_bytes())
    cases["an image file given as the folder"] = ({"path": str(single)}, f"{str(single)!r} is a file, not a folder")
    return cases


def write_imagefolder_variants(directory: Path) -> dict[str, dict[str, str]]:
    """Write well-formed split-folder layouts under ``directory``; return ``{variant: {"path": root}}``."""
    root = Path(directory)
    three = root / "three-splits"
    write_imagefolder_sample(three / "train", seed=1)
    write_imagefolder_sample(three / "val", seed=2, per_class=3)
    write_imagefolder_sample(three / "test", seed=3, per_class=3)
    two = root / "no-test-folder"
    write_imagefolder_sample(two / "train", seed=4)
    write_imagefolder_sample(two / "validation", seed=5, per_class=3)
    return {
        "train, val and test folders": {"path": str(three)},
        "train and validation folders (test drawn from train)": {"path": str(two)},
    }
