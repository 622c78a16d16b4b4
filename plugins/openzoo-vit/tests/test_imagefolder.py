"""The imagefolder dataset: both layouts, every mode, and a clear error naming the path for each mistake."""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

import pytest
from openzoo_vit.imagefolder import load_imagefolder

from openzoo import BadInputError


def _paths(source, split):
    return [path for path, _ in source.load(split).files]


def test_flat_layout_gives_sorted_class_names_and_a_stratified_split(image_tree):
    root = image_tree({"zebra": 20, "ant": 20, "moth": 40})
    source = load_imagefolder(str(root))
    assert source.info["labels"] == ["ant", "moth", "zebra"]
    assert source.splits() == ("train", "validation", "test")
    counts = {split: Counter(label for _, label in source.load(split).files) for split in source.splits()}
    assert counts["train"] == {0: 14, 1: 28, 2: 14}
    assert counts["validation"] == counts["test"] == {0: 3, 1: 6, 2: 3}


def test_flat_layout_splits_are_disjoint_and_cover_every_file(image_tree):
    root = image_tree({"a": 9, "b": 11})
    source = load_imagefolder(str(root))
    everything = [p for split in source.splits() for p in _paths(source, split)]
    assert len(everything) == len(set(everything)) == 20
    assert set(everything) == {str(p) for p in root.glob("*/*.png")}


def test_the_seed_decides_the_split_and_repeats_it(image_tree):
    root = image_tree({"a": 12, "b": 12})
    assert _paths(load_imagefolder(str(root), seed=4), "test") == _paths(load_imagefolder(str(root), seed=4), "test")
    assert _paths(load_imagefolder(str(root), seed=4), "test") != _paths(load_imagefolder(str(root), seed=5), "test")


def test_examples_are_rgb_images_with_their_class_index(image_tree):
    root = image_tree({"a": 5, "b": 5}, mode="L")
    source = load_imagefolder(str(root))
    example = source.load("train")[0]
    assert example["image"].mode == "RGB" and example["image"].size == (6, 5)
    assert example["label"] in (0, 1)
    assert [e["label"] for e in source.load("test")] == [label for _, label in source.load("test").files]


@pytest.mark.parametrize(("mode", "suffix"), [("L", ".png"), ("RGBA", ".png"), ("P", ".png"), ("RGB", ".jpg")])
def test_every_common_mode_and_format_is_read_as_rgb(image_tree, mode, suffix):
    source = load_imagefolder(str(image_tree({"a": 4, "b": 4}, mode=mode, suffix=suffix)))
    assert {example["image"].mode for example in source.load("train")} == {"RGB"}


def test_a_folder_mixing_modes_is_read_consistently(image_tree, make_image):
    root = image_tree({"a": 4, "b": 4}, mode="RGB")
    make_image(root / "a" / "grey.png", mode="L")
    make_image(root / "b" / "palette.png", mode="P")
    source = load_imagefolder(str(root))
    modes = {e["image"].mode for split in source.splits() for e in source.load(split)}
    assert modes == {"RGB"}


def test_split_layout_uses_the_given_folders(image_tree):
    root = image_tree({"train/a": 6, "train/b": 6, "validation/a": 2, "validation/b": 3, "test/a": 1, "test/b": 1})
    source = load_imagefolder(str(root))
    assert [len(source.load(s)) for s in source.splits()] == [12, 5, 2]
    assert all("/validation/" in p for p in _paths(source, "validation"))


def test_split_layout_accepts_val_for_validation(image_tree):
    root = image_tree({"train/a": 3, "train/b": 3, "val/a": 2, "val/b": 2, "test/a": 1, "test/b": 1})
    assert len(load_imagefolder(str(root)).load("validation")) == 4


def test_split_layout_without_validation_carves_it_from_train(image_tree):
    root = image_tree({"train/a": 20, "train/b": 20, "test/a": 2, "test/b": 2})
    source = load_imagefolder(str(root))
    train, validation = set(_paths(source, "train")), set(_paths(source, "validation"))
    assert len(validation) == 6 and not train & validation
    assert len(train) + len(validation) == 40
    assert all("/test/" in p for p in _paths(source, "test"))


def test_hidden_files_and_folders_are_ignored(image_tree):
    root = image_tree({"a": 4, "b": 4})
    (root / ".DS_Store").write_text("x")
    (root / "a" / ".DS_Store").write_text("x")
    (root / ".ipynb_checkpoints").mkdir()
    assert load_imagefolder(str(root)).info["labels"] == ["a", "b"]


def test_the_source_pickles_and_reads_images_after_unpickling(image_tree):
    source = load_imagefolder(str(image_tree({"a": 4, "b": 4})))
    restored = pickle.loads(pickle.dumps(source))
    assert restored.load("train")[0]["image"].tobytes() == source.load("train")[0]["image"].tobytes()


# --------------------------------------------------------------------------- bad input


def _fails(root: Path | str | None, message: str, **options) -> BadInputError:
    with pytest.raises(BadInputError, match=message) as info:
        load_imagefolder(None if root is None else str(root), **options)
    return info.value


def test_no_path_asks_for_the_path_option():
    _fails(None, r"-o path=ROOT")


def test_a_missing_folder_is_named(tmp_path):
    error = _fails(tmp_path / "nowhere", "does not exist")
    assert str(tmp_path / "nowhere") in str(error)


def test_a_file_given_as_root_is_named(tmp_path, make_image):
    _fails(make_image(tmp_path / "one.png"), "one.png' is a file, not a folder")


def test_a_folder_without_classes_says_so(tmp_path):
    (tmp_path / "root").mkdir()
    _fails(tmp_path / "root", "no class folders in .*root")


def test_a_single_class_is_rejected(image_tree):
    _fails(image_tree({"only": 5}), r"single class folder \(only\)")


def test_an_empty_class_folder_is_named(image_tree):
    root = image_tree({"a": 4, "b": 4})
    (root / "empty").mkdir()
    _fails(root, "class folder .*empty' is empty")


def test_a_non_image_file_in_a_class_folder_is_named(image_tree):
    root = image_tree({"a": 4, "b": 4})
    (root / "b" / "notes.txt").write_text("hello")
    _fails(root, "notes.txt' is not an image file")


def test_an_unreadable_image_file_is_named(image_tree):
    root = image_tree({"a": 4, "b": 4})
    (root / "a" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    _fails(root, "cannot read .*broken.png")


def test_a_nested_folder_in_a_class_is_named(image_tree):
    root = image_tree({"a": 4, "b": 4, "a/deeper": 1})
    _fails(root, "deeper' is a folder inside a class folder")


def test_an_image_outside_any_class_folder_is_named(image_tree, make_image):
    root = image_tree({"a": 4, "b": 4})
    make_image(root / "stray.png")
    _fails(root, "stray.png' is not inside a class folder")


def test_classes_differing_between_split_folders_are_named(image_tree):
    root = image_tree({"train/a": 3, "train/b": 3, "test/a": 1, "test/c": 1})
    error = _fails(root, "class folders of .*test' \\(a, c\\) differ from those of .*train' \\(a, b\\)")
    assert "same class folders" in str(error)


def test_split_layout_without_train_is_rejected(image_tree):
    _fails(image_tree({"validation/a": 2, "test/a": 2}), "no 'train' folder")


def test_a_class_folder_beside_split_folders_is_rejected(image_tree):
    _fails(image_tree({"train/a": 2, "train/b": 2, "cats": 2}), "cats' is neither a split folder")


def test_too_few_images_to_hold_out_splits_is_explained(image_tree):
    _fails(image_tree({"a": 2, "b": 3}), "too few images to hold out a validation and a test split")


def test_an_invalid_seed_is_bad_input(image_tree):
    _fails(image_tree({"a": 4, "b": 4}), "seed must be a non-negative integer", seed=-2)
