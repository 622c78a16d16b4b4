"""The generated image folder the conformance suite checks the ``imagefolder`` dataset on."""

from __future__ import annotations

from openzoo_vit.imagefolder import load_imagefolder
from openzoo_vit.samples import write_imagefolder_sample


def test_the_sample_folder_has_three_classes_of_distinct_rgb_and_grayscale_images(tmp_path):
    source = load_imagefolder(**write_imagefolder_sample(tmp_path))
    assert source.info["labels"] == ["checks", "dot", "stripes"]
    images = [e["image"] for split in source.splits() for e in source.load(split)]
    assert len(images) == 30
    assert len({image.tobytes() for image in images}) == 30
