"""DataLoader reality: a dataset read by worker processes, shuffled, twice, gives the plain examples."""

from __future__ import annotations

import random
from collections import Counter

from openzoo.conformance.dataset_checks import _load
from openzoo.conformance.declaration import check, fail
from openzoo.conformance.fingerprints import fingerprint
from openzoo.conformance.subjects import DatasetSubject

__all__ = ["LOADER_EXAMPLES", "check_dataset_reads_the_same_through_dataloader_workers"]

#: Examples read through the DataLoader (a seeded sample of the first split).
LOADER_EXAMPLES = 24
#: Worker processes of the DataLoader.
WORKERS = 2


@check(kind="dataset", applies_to="every dataset")
def check_dataset_reads_the_same_through_dataloader_workers(subject: DatasetSubject) -> None:
    """Read by a ``DataLoader`` with 2 workers, shuffled, for two epochs, the split gives exactly its examples.

    Why: the engine reads data through worker processes; an example built with the
    global RNG (every worker has its own), a file handle or iterator opened in the main
    process, or state that depends on the reading order gives workers other examples
    than a plain ``load`` does, and the model trains on something else than what was
    checked. Fix: make ``__getitem__`` a pure function of the index; open files lazily
    per process; draw randomness from a generator seeded by the index.
    """
    import torch
    from torch.utils.data import DataLoader, Subset

    source = _load(subject)
    split = source.splits()[0]
    examples = source.load(split)
    count = len(examples)
    indices = sorted(random.Random(0).sample(range(count), min(count, LOADER_EXAMPLES)))
    plain = Counter(fingerprint(examples[i]) for i in indices)
    loader = DataLoader(
        Subset(examples, indices),
        batch_size=5,
        shuffle=True,
        num_workers=WORKERS,
        collate_fn=list,
        generator=torch.Generator().manual_seed(0),
    )
    for epoch in (1, 2):
        try:
            read = Counter(fingerprint(example) for batch in loader for example in batch)
        except Exception as exc:
            raise fail(
                subject,
                "the split must be readable by DataLoader workers",
                f"{type(exc).__name__}: {exc}",
                "keep examples and the source picklable and free of open handles",
            ) from exc
        if read != plain:
            differing = sum((plain - read).values())
            raise fail(
                subject,
                f"DataLoader workers must read the same examples as a plain load of {split!r}",
                f"{differing} of {len(indices)} examples differ in epoch {epoch}",
                "make __getitem__ a pure function of the index (no global RNG, no shared iterators)",
            )
