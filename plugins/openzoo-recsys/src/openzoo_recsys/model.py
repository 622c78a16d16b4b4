"""The openzoo models ``mf`` and ``ncf``: create, collate, predict, save and load.

Both follow :class:`openzoo.Model`. ``create`` builds the user and item id maps
from ``dataset.info["users"]`` / ``["items"]`` (falling back to the ids found in
the dataset's splits) and the seen-items table from the training split (the
first split). A batch is ``{"users", "items", "ratings"}``: ``items`` is both the
item the row scores and the held-out item ranking metrics look for.

``predict(["user", ...], top_k=10, fallback="none")`` returns, per user, the ``top_k`` best
items the user did not rate in training with their scores (``mf``: predicted rating;
``ncf``: logit, higher is more likely). An unknown user raises
:class:`~openzoo.BadInputError` unless ``fallback="popular"``, which recommends the
items rated most often in training, scored by that count.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import torch
from torch import nn

from openzoo import BadInputError, DatasetSource
from openzoo_recsys import checkpoint
from openzoo_recsys.configs import MFConfig, NCFConfig, parse_config
from openzoo_recsys.idmap import IdMap, sorted_ids
from openzoo_recsys.mf import MatrixFactorization
from openzoo_recsys.ncf import NeuralCF
from openzoo_recsys.seen import SeenItems

__all__ = ["MFModel", "NCFModel", "RecommenderModel"]

_FALLBACKS = ("none", "popular")


class RecommenderModel:
    """Shared behaviour of the recommenders; subclasses name their config and network."""

    #: ``model_type`` written to config.json.
    model_type: ClassVar[str]
    #: The hyperparameter dataclass.
    config_class: ClassVar[type[Any]]

    def __init__(self, module: nn.Module, users: IdMap, items: IdMap, meta: Mapping[str, Any]) -> None:
        #: The network (:class:`~openzoo_recsys.mf.MatrixFactorization` or :class:`~openzoo_recsys.ncf.NeuralCF`).
        self.module = module
        #: User ids <-> embedding rows.
        self.users = users
        #: Item ids <-> embedding rows.
        self.items = items
        #: What config.json holds besides the library fields: hyperparameters, sizes, rating range.
        self.meta = dict(meta)

    # -- building ------------------------------------------------------------------

    @classmethod
    def create(
        cls, *, config: Mapping[str, Any], dataset: DatasetSource | None = None, pretrained: str | None = None
    ) -> RecommenderModel:
        """Build a new model for ``dataset``; ``pretrained`` starts from a directory :meth:`save` wrote.

        :raises BadInputError: without a dataset, for bad options or an empty training split.
        """
        hyper = parse_config(cls.config_class, config)
        if pretrained is not None:
            return cls.load(pretrained)
        if dataset is None:
            raise BadInputError(f"model {cls.model_type!r} needs a dataset to size its user and item tables")
        splits = list(dataset.splits())
        train = dataset.load(splits[0])
        if len(train) == 0:
            raise BadInputError(f"the training split {splits[0]!r} of the dataset is empty")
        info = dict(dataset.info)
        users = IdMap(info.get("users") or _ids_in(dataset, splits, "user"), "user")
        items = IdMap(info.get("items") or _ids_in(dataset, splits, "item"), "item")
        pairs = [(users.index(_field(e, "user")), items.index(_field(e, "item"))) for e in train]
        seen = SeenItems.from_pairs(pairs, len(users), len(items))
        ratings = [_rating(e) for e in train if "rating" in e]
        if info.get("rating_range"):
            low, high = (float(v) for v in info["rating_range"])
        else:
            low, high = (min(ratings), max(ratings)) if ratings else (0.0, 1.0)
        meta = {
            "model_type": cls.model_type,
            "config": dataclasses.asdict(hyper),
            "num_users": len(users),
            "num_items": len(items),
            "rating_range": [low, high],
            "global_mean": sum(ratings) / len(ratings) if ratings else 0.0,
            "feedback": str(info.get("feedback", "explicit")),
        }
        return cls(cls.build_module(hyper, meta, seen), users, items, meta)

    @classmethod
    def build_module(cls, config: Any, meta: Mapping[str, Any], seen: SeenItems) -> nn.Module:
        """Return the network for ``config`` and the sizes in ``meta``."""
        raise NotImplementedError

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> RecommenderModel:
        """Load what :meth:`save` wrote (safetensors and JSON; nothing is unpickled)."""
        saved = checkpoint.read(directory)
        if saved.meta.get("model_type") != cls.model_type:
            raise BadInputError(
                f"{directory}: holds a {saved.meta.get('model_type')!r} model, not {cls.model_type!r}; "
                f"load it as model {saved.meta.get('model_type')!r}"
            )
        hyper = parse_config(cls.config_class, saved.meta.get("config", {}))
        users, items = IdMap(saved.users, "user"), IdMap(saved.items, "item")
        try:
            indptr, indices = saved.tensors["seen.indptr"], saved.tensors["seen.indices"]
        except KeyError:
            raise BadInputError(f"{directory}: model.safetensors lacks the seen-items tensors") from None
        _check_seen(indptr, indices, len(users), len(items), directory)
        seen = SeenItems(indptr, indices, len(items))
        _check_shapes(cls.expected_shapes(hyper, saved.meta, seen), saved.tensors, directory)
        module = cls.build_module(hyper, saved.meta, seen)
        module.load_state_dict(saved.tensors, strict=True)
        return cls(module, users, items, saved.meta)

    @classmethod
    def expected_shapes(cls, config: Any, meta: Mapping[str, Any], seen: SeenItems) -> dict[str, tuple[int, ...]]:
        """Return the shape of every tensor the network for ``config`` and ``meta`` holds, allocating nothing.

        The network is built on torch's ``meta`` device, so sizes read from a checkpoint's
        config.json are compared with its weights before any memory is spent on them.
        """
        try:
            with torch.device("meta"):
                skeleton = cls.build_module(config, meta, seen)
        except (TypeError, ValueError, KeyError, RuntimeError) as error:
            raise BadInputError(f"config.json describes no valid {cls.model_type!r} network: {error}") from None
        return {name: tuple(tensor.shape) for name, tensor in skeleton.state_dict().items()}

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write model.safetensors, config.json and id_maps.json into ``directory``."""
        checkpoint.write(directory, self.meta, self.users.to_list(), self.items.to_list(), self.module.state_dict())

    # -- batches ---------------------------------------------------------------------

    def collate(self, examples: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Return ``{"users", "items"}`` long tensors [B], plus ``"ratings"`` float [B] when examples have them."""
        users = [self.users.index(_field(e, "user")) for e in examples]
        items = [self.items.index(_field(e, "item")) for e in examples]
        batch: dict[str, Any] = {
            "users": torch.tensor(users, dtype=torch.long),
            "items": torch.tensor(items, dtype=torch.long),
        }
        rated = sum("rating" in e for e in examples)
        if rated == len(examples) and examples:
            batch["ratings"] = torch.tensor([_rating(e) for e in examples], dtype=torch.float32)
        elif rated:
            raise BadInputError(f"{rated} of {len(examples)} examples have a 'rating'; give it to all or none")
        return batch

    # -- prediction ------------------------------------------------------------------

    def predict(
        self, inputs: Sequence[Any], top_k: int = 10, fallback: str = "none", **options: Any
    ) -> list[dict[str, Any]]:
        """Return the ``top_k`` best unseen items of each user: ``{"user", "items": [{"item", "score"}, ...]}``.

        :param inputs: user ids as in the source data.
        :param top_k: how many items per user (fewer when the user has seen almost everything).
        :param fallback: ``"none"``: an unknown user is an error; ``"popular"``: an unknown user
            gets the items rated most often in training, scored by their training count.
        :raises BadInputError: for an unknown user (without fallback), a bad ``top_k`` or option.
        """
        if options:
            raise BadInputError(f"unknown predict option(s) {sorted(options)}; known: ['fallback', 'top_k']")
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k <= 0:
            raise BadInputError(f"predict option top_k={top_k!r} must be a positive integer")
        if fallback not in _FALLBACKS:
            raise BadInputError(f"predict option fallback={fallback!r} must be one of {list(_FALLBACKS)}")
        for value in inputs:
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise BadInputError(f"predict takes user ids (str); got {value!r}")
        known = [str(u) for u in inputs if str(u) in self.users]
        if fallback == "none":
            for value in inputs:
                if str(value) not in self.users:
                    raise BadInputError(
                        f"unknown user {str(value)!r}: the model knows {len(self.users)} users (for example "
                        f"{', '.join(repr(u) for u in self.users.ids[:5])}); use an id from the training data, "
                        "or pass -o fallback=popular to recommend the most popular items to unknown users"
                    )
        ranked = self._rank(known, top_k)
        popular = self._popular(top_k) if len(known) < len(inputs) else []
        return [{"user": str(u), "items": ranked[str(u)] if str(u) in ranked else popular} for u in inputs]

    def _rank(self, users: list[str], k: int) -> dict[str, list[dict[str, Any]]]:
        module, seen = self.module, self.module.seen
        device = next(module.parameters()).device
        was_training = module.training
        module.eval()
        results: dict[str, list[dict[str, Any]]] = {}
        try:
            with torch.no_grad():
                for start in range(0, len(users), 256):
                    block = users[start : start + 256]
                    index = torch.tensor(self.users.indices(block), dtype=torch.long, device=device)
                    scores = seen.mask(module.score_all(index), index)
                    top = torch.topk(scores, min(k, scores.shape[1]), dim=1)
                    shown = self.display_scores(top.values)
                    for row, user in enumerate(block):
                        results[user] = [
                            {"item": self.items.id(int(i)), "score": float(s)}
                            for i, s, raw in zip(top.indices[row], shown[row], top.values[row])
                            if not math.isinf(float(raw))
                        ]
        finally:
            module.train(was_training)
        return results

    def _popular(self, k: int) -> list[dict[str, Any]]:
        counts = self.module.seen.item_counts.detach().cpu()
        order = sorted(range(counts.numel()), key=lambda i: (-float(counts[i]), i))[:k]
        return [{"item": self.items.id(i), "score": float(counts[i])} for i in order]

    def display_scores(self, scores: torch.Tensor) -> torch.Tensor:
        """Return the scores ``predict`` reports for ranking scores ``scores``."""
        return scores


class MFModel(RecommenderModel):
    """Biased matrix factorisation for explicit ratings (``openzoo train mf``)."""

    model_type = "mf"
    config_class = MFConfig

    @classmethod
    def build_module(cls, config: MFConfig, meta: Mapping[str, Any], seen: SeenItems) -> MatrixFactorization:
        low, high = meta["rating_range"]
        return MatrixFactorization(
            config, meta["num_users"], meta["num_items"], seen, meta.get("global_mean", 0.0), (low, high)
        )

    def display_scores(self, scores: torch.Tensor) -> torch.Tensor:
        """Predicted ratings, clipped to the rating range of the training data."""
        return self.module.clip(scores)


class NCFModel(RecommenderModel):
    """Neural collaborative filtering for implicit feedback (``openzoo train ncf``)."""

    model_type = "ncf"
    config_class = NCFConfig

    @classmethod
    def build_module(cls, config: NCFConfig, meta: Mapping[str, Any], seen: SeenItems) -> NeuralCF:
        return NeuralCF(config, meta["num_users"], meta["num_items"], seen)


def _check_seen(
    indptr: torch.Tensor, indices: torch.Tensor, num_users: int, num_items: int, directory: str | os.PathLike[str]
) -> None:
    """Raise unless ``indptr``/``indices`` are a valid CSR table of ``num_users`` rows over ``num_items`` items."""
    valid = (
        indptr.ndim == 1
        and indices.ndim == 1
        and not indptr.is_floating_point()
        and not indices.is_floating_point()
        and indptr.numel() == num_users + 1
        and int(indptr[0]) == 0
        and int(indptr[-1]) == indices.numel()
        and not bool((indptr.diff() < 0).any())
        and (indices.numel() == 0 or (int(indices.min()) >= 0 and int(indices.max()) < num_items))
    )
    if not valid:
        raise BadInputError(
            f"{os.fspath(directory)}: the seen-items tensors in {checkpoint.WEIGHTS_FILE} do not describe "
            f"{num_users} users and {num_items} items (as {checkpoint.ID_MAPS_FILE} does); the files were altered. "
            "Restore them or train again"
        )


def _check_shapes(
    expected: Mapping[str, tuple[int, ...]], tensors: Mapping[str, torch.Tensor], directory: str | os.PathLike[str]
) -> None:
    """Raise when the weights in ``directory`` are not exactly the tensors config.json describes."""
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    reshaped = [
        f"{name} (weights {list(tensors[name].shape)}, config.json {list(shape)})"
        for name, shape in expected.items()
        if name in tensors and tuple(tensors[name].shape) != shape
    ]
    problems = [
        f"{label}: {', '.join(keys)}"
        for label, keys in (("missing keys", missing), ("unexpected keys", unexpected), ("reshaped keys", reshaped))
        if keys
    ]
    if problems:
        raise BadInputError(
            f"{os.fspath(directory)}: {checkpoint.WEIGHTS_FILE} does not match {checkpoint.CONFIG_FILE} "
            f"({'; '.join(problems)}); the files were altered or come from different models. Restore them or train again"
        )


def _ids_in(dataset: DatasetSource, splits: list[str], field: str) -> list[str]:
    return sorted_ids(_field(e, field) for split in splits for e in dataset.load(split))


def _field(example: Mapping[str, Any], name: str) -> Any:
    try:
        return example[name]
    except (KeyError, TypeError):
        raise BadInputError(
            f"a recommendation example needs a {name!r} field (user, item, rating); got {example!r}"
        ) from None


def _rating(example: Mapping[str, Any]) -> float:
    value = example["rating"]
    try:
        rating = float(value)
    except (TypeError, ValueError):
        raise BadInputError(f"rating {value!r} of example {example!r} is not a number") from None
    if not math.isfinite(rating):
        raise BadInputError(f"rating {value!r} of example {example!r} is not finite")
    return rating
