"""End to end through the engine: openzoo.train / evaluate / predict and the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import openzoo
from openzoo.cli import cli


@pytest.fixture(scope="module")
def mf_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "mf"
    return openzoo.train("mf.tiny", "toy-ratings", out=out, quiet=True, seed=0)


def test_training_writes_a_run_whose_model_directory_holds_the_three_checkpoint_files(mf_run):
    model_dir = mf_run.path / "model"
    assert sorted(p.name for p in model_dir.iterdir()) == ["config.json", "id_maps.json", "model.safetensors"]
    assert json.loads((model_dir / "config.json").read_text())["model_type"] == "mf"
    assert mf_run.best["metric"] == "rmse"
    assert set(mf_run.metrics) >= {"rmse", "mae", "hr", "ndcg"}


def test_evaluate_on_test_reports_rating_and_full_ranking_metrics(mf_run):
    metrics = openzoo.evaluate(mf_run, split="test", metrics=["rmse", "ndcg@5", "hr@5"])
    assert 0.0 < metrics["rmse"] < 4.0
    assert 0.0 <= metrics["ndcg@5"] <= metrics["hr@5"] <= 1.0


def test_predict_through_the_api_excludes_the_users_training_items(mf_run):
    source = openzoo.load(mf_run)
    [record] = openzoo.predict(mf_run, ["u3"], top_k=50)
    loaded = source.model
    table, user = loaded.module.seen, loaded.users.index("u3")
    seen = {loaded.items.id(int(i)) for i in table.indices[table.indptr[user] : table.indptr[user + 1]]}
    assert seen and not seen & {entry["item"] for entry in record["items"]}
    assert len(record["items"]) == min(50, len(loaded.items) - len(seen))


def test_cli_predict_prints_json_records_with_k_items(mf_run):
    result = CliRunner().invoke(cli, ["predict", str(mf_run.path), "u1", "u2", "-o", "top_k=3", "--json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [r["user"] for r in records] == ["u1", "u2"]
    assert all(len(r["items"]) == 3 for r in records)


def test_cli_predict_for_an_unknown_user_exits_2_and_mentions_the_fallback(mf_run):
    result = CliRunner().invoke(cli, ["predict", str(mf_run.path), "stranger"])
    assert result.exit_code == 2
    assert "unknown user 'stranger'" in result.stderr and "fallback=popular" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_predict_with_the_popular_fallback_answers_unknown_users(mf_run):
    result = CliRunner().invoke(cli, ["predict", str(mf_run.path), "stranger", "-o", "fallback=popular", "--json"])
    assert result.exit_code == 0, result.output
    scores = [entry["score"] for entry in json.loads(result.stdout)[0]["items"]]
    assert len(scores) == 10 and scores == sorted(scores, reverse=True)


def test_ncf_trains_on_a_ratings_file_through_the_engine(tmp_path, write_file):
    lines = ["user\titem\tstars"] + [
        f"p{u}\tt{(u * 7 + j) % 23}\t{1 + (u + j) % 5}" for u in range(15) for j in range(6)
    ]
    path = write_file("r.tsv", "\n".join(lines) + "\n")
    run = openzoo.train(
        "ncf.tiny",
        "ratings",
        out=tmp_path / "ncf",
        quiet=True,
        epochs=1,
        options={
            "dataset.path": str(path),
            "dataset.user_col": "user",
            "dataset.item_col": "item",
            "dataset.rating_col": "stars",
            "factors": 3,
        },
    )
    assert set(run.metrics) == {"hr", "ndcg"} and run.best["metric"] == "ndcg"
    assert json.loads((run.path / "model" / "config.json").read_text())["config"]["factors"] == 3


def test_cli_train_with_a_malformed_ratings_file_exits_2_naming_file_and_line(tmp_path, write_file):
    path = write_file("u.data", "1\t2\t3\t100\n1\t3\t4\n2\t2\n")
    result = CliRunner().invoke(
        cli, ["train", "mf.tiny", "--dataset", "ratings", "-o", f"dataset.path={path}", "--out", str(tmp_path / "run")]
    )
    assert result.exit_code == 2, result.output
    assert f"{path}:3: malformed line" in result.stderr
