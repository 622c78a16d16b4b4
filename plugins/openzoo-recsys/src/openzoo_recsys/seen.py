"""The items each user interacted with in training, kept as tensors inside the model.

Ranking metrics and ``predict`` rank only the items a user has not seen, and
NCF samples its negatives among them. The interactions are stored in CSR form
(``indptr`` [num_users + 1], ``indices`` [nnz], sorted per user) as buffers of a
module, so they move with the model to its device and are saved in
``model.safetensors`` with the weights. Membership tests use the sorted keys
``user * num_items + item`` and :func:`torch.searchsorted`, so no dense
``users x items`` matrix is ever built.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

__all__ = ["SeenItems"]


class SeenItems(nn.Module):
    """Which items each user saw in training, and how often each item was seen.

    :param indptr: long tensor [num_users + 1]: user ``u``'s items are ``indices[indptr[u]:indptr[u + 1]]``.
    :param indices: long tensor [nnz]: item indices, sorted within each user, without repeats.
    :param num_items: number of items (the width of a ranking row).
    """

    indptr: torch.Tensor
    indices: torch.Tensor
    item_counts: torch.Tensor
    keys: torch.Tensor

    def __init__(self, indptr: torch.Tensor, indices: torch.Tensor, num_items: int) -> None:
        super().__init__()
        self.num_items = int(num_items)
        self.register_buffer("indptr", indptr.to(torch.long))
        self.register_buffer("indices", indices.to(torch.long))
        counts = torch.bincount(self.indices, minlength=self.num_items).to(torch.float32)
        self.register_buffer("item_counts", counts, persistent=False)
        rows = torch.repeat_interleave(torch.arange(self.num_users), self.indptr.diff())
        self.register_buffer("keys", rows * self.num_items + self.indices, persistent=False)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[int, int]], num_users: int, num_items: int) -> SeenItems:
        """Build from ``(user_index, item_index)`` pairs; repeats are kept once."""
        keys = sorted({u * num_items + i for u, i in pairs})
        flat = torch.tensor(keys, dtype=torch.long)
        users = flat // num_items if num_items else flat
        indices = flat - users * num_items
        indptr = torch.zeros(num_users + 1, dtype=torch.long)
        indptr[1:] = torch.cumsum(torch.bincount(users, minlength=num_users), 0)
        return cls(indptr, indices, num_items)

    @property
    def num_users(self) -> int:
        """Number of users (rows)."""
        return int(self.indptr.numel() - 1)

    def contains(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Return a bool tensor: whether each ``(users[j], items[j])`` pair was seen in training."""
        if self.keys.numel() == 0:
            return torch.zeros_like(users, dtype=torch.bool)
        query = users.to(torch.long) * self.num_items + items.to(torch.long)
        position = torch.searchsorted(self.keys, query).clamp(max=self.keys.numel() - 1)
        return self.keys[position] == query

    def mask(self, scores: torch.Tensor, users: torch.Tensor) -> torch.Tensor:
        """Return ``scores`` [B, num_items] with every item user ``users[b]`` saw set to ``-inf``."""
        users = users.to(torch.long)
        starts = self.indptr[users]
        lengths = self.indptr[users + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return scores
        rows = torch.repeat_interleave(torch.arange(users.numel(), device=users.device), lengths)
        # position of each entry inside its user's slice, then the global offset into indices
        offsets = torch.arange(total, device=users.device) - torch.repeat_interleave(
            torch.cumsum(lengths, 0) - lengths, lengths
        )
        cols = self.indices[torch.repeat_interleave(starts, lengths) + offsets]
        masked = scores.clone()
        masked[rows, cols] = float("-inf")
        return masked

    def sample_unseen(
        self, users: torch.Tensor, per_user: int, generator: torch.Generator | None = None, attempts: int = 10
    ) -> torch.Tensor:
        """Sample ``per_user`` items for each user uniformly among the items the user has not seen.

        Returns a long tensor [len(users), per_user]. Draws that hit a seen item are redrawn
        up to ``attempts`` times; a user who has seen (nearly) every item may keep a seen one.
        """
        shape = (users.numel(), per_user)
        device = users.device
        items = torch.randint(self.num_items, shape, device=device, generator=generator)
        expanded = users.reshape(-1, 1).expand(shape)
        for _ in range(attempts):
            clash = self.contains(expanded, items)
            count = int(clash.sum())
            if count == 0:
                break
            items[clash] = torch.randint(self.num_items, (count,), device=device, generator=generator)
        return items
