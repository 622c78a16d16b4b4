"""The biased matrix factorisation network (Koren, Bell and Volinsky 2009).

``r_hat(u, i) = mean + b_u + b_i + p_u . q_i``, trained with the mean squared error
plus an L2 penalty on the factors and biases each batch touches (the SGD-style
regularisation of Funk SVD and Surprise's ``SVD``, which weight decay on the
whole embedding tables does not reproduce).
"""

from __future__ import annotations

import torch
from torch import nn

from openzoo_recsys.configs import MFConfig
from openzoo_recsys.seen import SeenItems

__all__ = ["MatrixFactorization"]


class MatrixFactorization(nn.Module):
    """Predicts ratings; in evaluation also scores every item for ranking.

    ``forward(users, items, ratings=None)`` returns ``scores`` [B] (predicted ratings,
    clipped to the rating range in evaluation), ``loss`` when ``ratings`` is given and,
    in evaluation, ``ranking_scores`` [B, num_items]: the predicted rating of every
    item for the row's user with the items seen in training set to ``-inf`` (a full
    ranking over all unseen items, not a sample of negatives).
    """

    global_mean: torch.Tensor
    rating_range: torch.Tensor

    def __init__(
        self,
        config: MFConfig,
        num_users: int,
        num_items: int,
        seen: SeenItems,
        global_mean: float = 0.0,
        rating_range: tuple[float, float] = (float("-inf"), float("inf")),
    ) -> None:
        super().__init__()
        self.config = config
        self.user_factors = nn.Embedding(num_users, config.factors)
        self.item_factors = nn.Embedding(num_items, config.factors)
        self.user_bias = nn.Embedding(num_users, 1)
        self.item_bias = nn.Embedding(num_items, 1)
        nn.init.normal_(self.user_factors.weight, std=config.init_std)
        nn.init.normal_(self.item_factors.weight, std=config.init_std)
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)
        self.register_buffer("global_mean", torch.tensor(float(global_mean)))
        self.register_buffer("rating_range", torch.tensor([float(r) for r in rating_range]))
        self.seen = seen

    def score_pairs(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Return the unclipped predicted rating of each ``(users[b], items[b])`` pair, [B]."""
        dot = (self.user_factors(users) * self.item_factors(items)).sum(-1)
        return self.global_mean + self.user_bias(users).squeeze(-1) + self.item_bias(items).squeeze(-1) + dot

    def score_all(self, users: torch.Tensor) -> torch.Tensor:
        """Return the unclipped predicted rating of every item for each user, [B, num_items]."""
        dots = self.user_factors(users) @ self.item_factors.weight.T
        return self.global_mean + self.user_bias(users) + self.item_bias.weight.T + dots

    def clip(self, scores: torch.Tensor) -> torch.Tensor:
        """Clip predicted ratings to the rating range of the training data."""
        return scores.clamp(min=self.rating_range[0], max=self.rating_range[1])

    def forward(
        self, users: torch.Tensor, items: torch.Tensor, ratings: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        predicted = self.score_pairs(users, items)
        outputs: dict[str, torch.Tensor] = {"scores": predicted if self.training else self.clip(predicted)}
        if ratings is not None:
            mse = nn.functional.mse_loss(predicted, ratings.to(predicted.dtype))
            penalty = (
                self.user_factors(users).pow(2).sum(-1)
                + self.item_factors(items).pow(2).sum(-1)
                + self.user_bias(users).pow(2).squeeze(-1)
                + self.item_bias(items).pow(2).squeeze(-1)
            ).mean()
            outputs["loss"] = mse + self.config.reg * penalty
        if not self.training:
            outputs["ranking_scores"] = self.seen.mask(self.score_all(users), users)
        return outputs
