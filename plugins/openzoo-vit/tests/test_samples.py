"""The generated image folders the conformance suite checks the ``imagefolder`` dataset on: good and malformed."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from openzoo_vit.imagefolder import load_imagefolder
from openzoo_vit.samples import write_imagefolder_sample, write_malformed_imagefolder_samples
from PIL import Image

from openzoo import BadInputError


def test_the_sample_folder_has_three_classes_of_distinct_rgb_and_grayscale_images(tmp_path):
    source = load_imagefolder(**write_imagefolder_sample(tmp_path))
    assert source.info["labels"] == ["checks", "dot", "stripes"]
    images = [e["image"] for split in source.splits() for e in source.load(split)]
    assert len(images) == 30
    assert len({image.tobytes() for image in images}) == 30


def _malformed_case_names():
    with tempfile.TemporaryDirectory() as directory:
        return sorted(write_malformed_imagefolder_samples(Path(directory)))


@pytest.mark.parametrize("case", _malformed_case_names())
def test_each_malformed_sample_is_refused_with_its_words(tmp_path, case):
    options, words = write_malformed_imagefolder_samples(tmp_path)[case]
    with pytest.raises(BadInputError) as refused:
        source = load_imagefolder(**options)
        for split in source.splits():
            len(source.load(split))
    assert words in str(refused.value)


def test_the_malformed_samples_are_the_same_bytes_on_every_call(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    cases = {
        name: words.replace(str(first), "ROOT")
        for name, (_, words) in write_malformed_imagefolder_samples(first).items()
    }
    again = {
        name: words.replace(str(second), "ROOT")
        for name, (_, words) in write_malformed_imagefolder_samples(second).items()
    }
    assert cases == again
    assert _tree(first) == _tree(second)


def test_the_cut_header_png_still_makes_pil_raise_value_error(tmp_path):
    """The case exists to exercise open_image's mapping of ValueError: PIL must keep raising it there."""
    options, _ = write_malformed_imagefolder_samples(tmp_path)["a PNG whose header chunk is cut short"]
    with pytest.raises(ValueError, match="IHDR"), Image.open(Path(options["path"]) / "dot" / "00.png") as image:
        image.load()


def _tree(root):
    return {
        path.relative_to(root).as_posix(): path.read_bytes() if path.is_file() else None
        for path in sorted(root.rglob("*"))
    }
