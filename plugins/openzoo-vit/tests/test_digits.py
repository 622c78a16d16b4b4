"""The digits dataset: scikit-learn's images, a fixed stratified 70/15/15 split."""

from __future__ import annotations

import pickle
from collections import Counter

import numpy as np
import pytest
from openzoo_vit.digits import load_digits
from openzoo_vit.splitting import stratified_split

from openzoo import BadInputError


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_the_default_split_has_the_documented_sizes(digits):
    assert digits.splits() == ("train", "validation", "test")
    assert [len(digits.load(s)) for s in digits.splits()] == [1259, 269, 269]


def test_splits_are_disjoint_and_cover_all_1797_images(digits):
    from sklearn.datasets import load_digits as sklearn_digits

    keys = [
        example["image"].tobytes() + bytes([example["label"]]) for s in digits.splits() for example in digits.load(s)
    ]
    bunch = sklearn_digits()
    expected = Counter(
        np.rint(image * 255 / 16).astype(np.uint8).tobytes() + bytes([int(label)])
        for image, label in zip(bunch.images, bunch.target)
    )
    assert Counter(keys) == expected


def test_every_split_keeps_the_class_proportions(digits):
    for split in digits.splits():
        counts = Counter(example["label"] for example in digits.load(split))
        assert sorted(counts) == list(range(10))
        share = np.array([counts[c] for c in range(10)]) / len(digits.load(split))
        assert np.all(np.abs(share - 0.1) < 0.02), (split, counts)


def test_images_are_8x8_uint8_rescaled_to_the_full_range(digits):
    images = np.stack([example["image"] for example in digits.load("train")])
    assert images.shape[1:] == (8, 8) and images.dtype == np.uint8
    assert images.min() == 0 and images.max() == 255


def test_labels_are_the_digit_names(digits):
    assert list(digits.info["labels"]) == [str(d) for d in range(10)]


def test_the_same_seed_gives_the_same_split_and_another_seed_another():
    first, again, other = load_digits(seed=0), load_digits(seed=0), load_digits(seed=1)
    as_bytes = lambda source: [e["image"].tobytes() for e in source.load("test")]  # noqa: E731
    assert as_bytes(first) == as_bytes(again)
    assert as_bytes(first) != as_bytes(other)


def test_the_source_pickles_for_dataloader_workers(digits):
    restored = pickle.loads(pickle.dumps(digits))
    assert len(restored.load("validation")) == 269
    assert (restored.load("validation")[0]["image"] == digits.load("validation")[0]["image"]).all()


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_an_invalid_seed_is_bad_input(seed):
    with pytest.raises(BadInputError, match="seed"):
        load_digits(seed=seed)


def test_a_class_too_small_to_share_stays_in_train():
    split = stratified_split([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], seed=3)
    assert {0, 1, 2} <= set(split["train"])
    assert len(split["validation"]) == len(split["test"]) == 2
