"""The ``digits`` dataset: scikit-learn's bundled 8x8 handwritten digits, split for training.

1,797 greyscale images of the digits 0-9 (174-183 per class), shipped inside
the scikit-learn wheel (BSD-3-Clause; originally the UCI "Optical Recognition
of Handwritten Digits" test set), so loading never touches the network.

The split is fixed and documented: per class, 70% train, 15% validation and
15% test, shuffled with ``numpy.random.default_rng(seed)`` (see
:func:`openzoo_vit.splitting.stratified_split`). With the default ``seed=0``
that is 1,259 / 269 / 269 images. Pixel values, 0-16 in scikit-learn, are
rescaled to 0-255 and given as ``uint8`` arrays of shape ``[8, 8]``.
"""

from __future__ import annotations

import numpy as np

from openzoo import BadInputError, SplitSource
from openzoo_vit.splitting import stratified_split

__all__ = ["load_digits"]

#: Class names: the digit each image shows, as text.
DIGIT_LABELS = [str(d) for d in range(10)]


def load_digits(seed: int = 0) -> SplitSource:
    """Load the digits as ``train`` / ``validation`` / ``test`` splits of ``{"image", "label"}`` examples.

    :param seed: seed of the stratified split; ``0`` gives the documented split.
    :raises BadInputError: when ``seed`` is not a non-negative integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise BadInputError(f"digits: seed must be a non-negative integer; got {seed!r}")
    from sklearn.datasets import load_digits as sklearn_load_digits

    bunch = sklearn_load_digits()
    images = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    labels = bunch.target.astype(np.int64)
    indices = stratified_split(labels.tolist(), seed=seed)
    splits = {
        name: [{"image": images[i], "label": int(labels[i])} for i in split_indices]
        for name, split_indices in indices.items()
    }
    return SplitSource(splits, info={"labels": DIGIT_LABELS, "image_size": [8, 8], "channels": 1})
