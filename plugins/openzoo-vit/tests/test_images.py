"""Every image input the task allows becomes the same RGB image."""

from __future__ import annotations

import numpy as np
import pytest
from openzoo_vit.images import open_image, to_rgb
from PIL import Image

from openzoo import BadInputError

GREY = np.arange(30, dtype=np.uint8).reshape(5, 6) * 8


def test_greyscale_array_is_copied_to_three_channels():
    image = to_rgb(GREY)
    assert image.mode == "RGB" and image.size == (6, 5)
    pixels = np.asarray(image)
    assert (pixels[..., 0] == GREY).all() and (pixels[..., 1] == GREY).all() and (pixels[..., 2] == GREY).all()


def test_single_channel_array_equals_the_plain_greyscale_array():
    assert (np.asarray(to_rgb(GREY[:, :, None])) == np.asarray(to_rgb(GREY))).all()


def test_rgba_is_composited_onto_black():
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[0, 0, 3] = 255  # opaque red
    rgba[1, 1, 3] = 0  # fully transparent red
    pixels = np.asarray(to_rgb(rgba))
    assert tuple(pixels[0, 0]) == (200, 0, 0)
    assert tuple(pixels[1, 1]) == (0, 0, 0)


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "RGB", "LA", "I;16"])
def test_pil_images_of_every_common_mode_become_rgb(mode):
    base = Image.fromarray(GREY, "L")
    image = base.convert(mode) if mode != "I;16" else Image.fromarray(GREY.astype(np.uint16) * 257)
    converted = to_rgb(image)
    assert converted.mode == "RGB"
    assert (np.asarray(converted)[..., 1] == GREY).all()


def test_a_png_file_path_is_read(tmp_path):
    path = tmp_path / "grey.png"
    Image.fromarray(GREY, "L").save(path)
    assert (np.asarray(to_rgb(str(path)))[..., 2] == GREY).all()
    assert (np.asarray(to_rgb(path))[..., 0] == GREY).all()


def test_a_missing_file_is_bad_input_naming_the_path(tmp_path):
    with pytest.raises(BadInputError, match=r"missing\.png.*does not exist"):
        open_image(tmp_path / "missing.png")


def test_a_file_that_is_not_an_image_is_bad_input_naming_the_path(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    with pytest.raises(BadInputError, match=r"cannot read .*notes\.png.* as an image"):
        open_image(path)


def test_a_truncated_png_is_bad_input(tmp_path):
    path = tmp_path / "cut.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8), "L").save(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(BadInputError, match=r"cut\.png"):
        open_image(path)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(GREY.astype(np.float32), "must be uint8", id="float-array"),
        pytest.param(np.zeros((2, 2, 2), np.uint8), "must have shape", id="two-channels"),
        pytest.param(np.zeros(5, np.uint8), "must have shape", id="one-dimensional"),
        pytest.param(42, "expected an image", id="integer"),
    ],
)
def test_values_that_are_not_images_are_rejected(value, message):
    with pytest.raises(BadInputError, match=message):
        to_rgb(value)


def test_a_decompression_bomb_is_refused_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "bomb.png"
    Image.new("L", (64, 64)).save(path)  # PIL refuses more than twice MAX_IMAGE_PIXELS; 4096 > 2 x 1000
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(BadInputError, match=rf"refusing to decode '{path}': Image size \(4096 pixels\) exceeds"):
        open_image(path)
