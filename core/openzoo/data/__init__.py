"""Data on request: the cache of declared downloads, and fetching them.

A :class:`~openzoo.DatasetSpec` may declare :class:`~openzoo.DataFile` downloads
(URL, size, SHA-256). ``openzoo data fetch NAME`` downloads them into the cache
(:mod:`openzoo.data.fetch`); loaders stay offline and find the files with
:func:`~openzoo.data.cache.downloaded_file`, which says what is missing and
where to put it.

- :mod:`~openzoo.data.cache`: where the cache is and what it holds (standard library only).
- :mod:`~openzoo.data.fetch`: resumable, verified HTTP downloads with a progress bar.
"""

from __future__ import annotations
