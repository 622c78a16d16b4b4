"""Neural collaborative filtering: NeuMF, the fusion of GMF and an MLP (He et al., WWW 2017).

Implicit feedback: every example is an observed interaction. The loss is the
binary cross-entropy of the observed pairs (label 1) against ``negatives``
items per pair sampled uniformly among the items the user did not see in
training (label 0). Negatives are drawn inside ``forward``: in training from
torch's global generator on the module's device (so the engine's seed fixes
them), in evaluation from a generator seeded with ``eval_seed`` (so the
validation loss is the same on every call).
"""

from __future__ import annotations

import itertools

import torch
from torch import nn

from openzoo_recsys.configs import NCFConfig
from openzoo_recsys.seen import SeenItems

__all__ = ["NeuralCF"]

#: Pairs scored at once when ranking every item (bounds memory: pairs x widest layer floats).
_CHUNK_PAIRS = 1 << 18


class NeuralCF(nn.Module):
    """Scores (user, item) pairs with a logit; in evaluation also scores every item for ranking.

    ``forward(users, items, ratings=None)`` returns ``scores`` [B] (the logit of each
    observed pair), ``loss`` when ``ratings`` is given (the batch has targets; their values
    are not used: every example counts as an interaction) and, in evaluation,
    ``ranking_scores`` [B, num_items]: the logit of every item for the row's user with the
    items seen in training set to ``-inf`` (a full ranking over all unseen items, not a
    sample of negatives).
    """

    def __init__(self, config: NCFConfig, num_users: int, num_items: int, seen: SeenItems) -> None:
        super().__init__()
        self.config = config
        widths = config.widths
        self.gmf_users = nn.Embedding(num_users, config.factors)
        self.gmf_items = nn.Embedding(num_items, config.factors)
        self.mlp_users = nn.Embedding(num_users, widths[0] // 2)
        self.mlp_items = nn.Embedding(num_items, widths[0] // 2)
        layers: list[nn.Module] = []
        for width_in, width_out in itertools.pairwise(widths):
            layers += [nn.Linear(width_in, width_out), nn.ReLU()]
            if config.dropout:
                layers.append(nn.Dropout(config.dropout))
        self.mlp = nn.Sequential(*layers)
        self.predict_layer = nn.Linear(config.factors + widths[-1], 1)
        for table in (self.gmf_users, self.gmf_items, self.mlp_users, self.mlp_items):
            nn.init.normal_(table.weight, std=config.init_std)
        for module in self.mlp:
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
        nn.init.kaiming_uniform_(self.predict_layer.weight, a=1, nonlinearity="sigmoid")
        nn.init.zeros_(self.predict_layer.bias)
        self.seen = seen

    def score_pairs(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Return the logit of each ``(users[j], items[j])`` pair (any matching shapes)."""
        gmf = self.gmf_users(users) * self.gmf_items(items)
        mlp = self.mlp(torch.cat([self.mlp_users(users), self.mlp_items(items)], dim=-1))
        return self.predict_layer(torch.cat([gmf, mlp], dim=-1)).squeeze(-1)

    def score_all(self, users: torch.Tensor) -> torch.Tensor:
        """Return the logit of every item for each user, [B, num_items], in memory-bounded chunks."""
        num_items = self.gmf_items.num_embeddings
        all_items = torch.arange(num_items, device=users.device)
        rows_per_chunk = max(1, _CHUNK_PAIRS // max(num_items, 1))
        chunks = []
        for start in range(0, users.numel(), rows_per_chunk):
            block = users[start : start + rows_per_chunk]
            grid_users = block.reshape(-1, 1).expand(-1, num_items)
            grid_items = all_items.reshape(1, -1).expand(block.numel(), -1)
            chunks.append(self.score_pairs(grid_users, grid_items))
        if not chunks:
            return torch.zeros((0, num_items), device=users.device)
        return torch.cat(chunks, dim=0)

    def _negatives(self, users: torch.Tensor) -> torch.Tensor:
        if self.training:
            return self.seen.sample_unseen(users, self.config.negatives)
        generator = torch.Generator(device=users.device).manual_seed(self.config.eval_seed)
        return self.seen.sample_unseen(users, self.config.negatives, generator=generator)

    def forward(
        self, users: torch.Tensor, items: torch.Tensor, ratings: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        positives = self.score_pairs(users, items)
        outputs: dict[str, torch.Tensor] = {"scores": positives}
        if ratings is not None:
            negative_items = self._negatives(users)
            negative_users = users.reshape(-1, 1).expand_as(negative_items)
            negatives = self.score_pairs(negative_users, negative_items).reshape(-1)
            logits = torch.cat([positives, negatives])
            labels = torch.cat([torch.ones_like(positives), torch.zeros_like(negatives)])
            loss = nn.functional.binary_cross_entropy_with_logits(logits, labels)
            if self.config.reg:
                penalty = sum(
                    table(index).pow(2).sum(-1).mean()
                    for table, index in (
                        (self.gmf_users, users),
                        (self.gmf_items, items),
                        (self.mlp_users, users),
                        (self.mlp_items, items),
                    )
                )
                loss = loss + self.config.reg * penalty
            outputs["loss"] = loss
        if not self.training:
            outputs["ranking_scores"] = self.seen.mask(self.score_all(users), users)
        return outputs
