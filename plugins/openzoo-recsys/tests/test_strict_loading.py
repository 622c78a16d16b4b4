"""A recommender loads exactly what it saved: tampered sizes, keys or files exit 2 with what is wrong, allocating nothing.

The commands run as a user runs them (``openzoo evaluate`` / ``predict`` in a fresh process) under a 4 GiB
address-space limit: a crafted ``config.json`` asking for ten billion users would need hundreds of
gigabytes if the model were built before its sizes were checked against the weights.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

import openzoo

#: Address space the CLI may use in these tests (torch itself needs about 1 GiB).
ADDRESS_SPACE = 4 * 2**30


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    return openzoo.train("mf.tiny", "toy-ratings", out=tmp_path_factory.mktemp("runs") / "mf", quiet=True, seed=0).path


@pytest.fixture
def run_dir(trained, tmp_path) -> Path:
    return Path(shutil.copytree(trained, tmp_path / "run"))


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def openzoo_cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = "from openzoo.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        preexec_fn=_limit_address_space,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _edit_config(run_dir: Path, change) -> None:
    path = run_dir / "model" / "config.json"
    config = json.loads(path.read_text())
    change(config)
    path.write_text(json.dumps(config))


def test_the_untampered_run_predicts_within_the_limit(run_dir):
    result = openzoo_cli("predict", str(run_dir), "u1", "--json")
    assert result.returncode == 0, result.stderr


def test_a_crafted_huge_number_of_users_is_refused_before_anything_is_built(run_dir):
    _edit_config(run_dir, lambda c: c.update(num_users=10**10))
    result = openzoo_cli("predict", str(run_dir), "u1")
    assert result.returncode == 2, result.stderr
    assert "config.json: num_users is 10000000000 but id_maps.json lists 40 ids" in result.stderr
    assert "Traceback" not in result.stderr


def test_crafted_huge_factors_are_refused_naming_the_tensors_and_both_shapes(run_dir):
    _edit_config(run_dir, lambda c: c["config"].update(factors=10**8))
    result = openzoo_cli("evaluate", str(run_dir))
    assert result.returncode == 2, result.stderr
    assert "model.safetensors does not match config.json" in result.stderr
    assert "user_factors.weight (weights [40, 4], config.json [40, 100000000])" in result.stderr


def test_swapped_weights_exit_2_naming_the_missing_and_unexpected_keys(run_dir):
    weights = run_dir / "model" / "model.safetensors"
    tensors = load_file(str(weights))
    tensors["item_embedding.weight"] = tensors.pop("item_factors.weight")
    save_file(tensors, str(weights))
    result = openzoo_cli("evaluate", str(run_dir))
    assert result.returncode == 2, result.stderr
    assert "missing keys: item_factors.weight; unexpected keys: item_embedding.weight" in result.stderr


def test_weights_of_another_model_type_are_refused(run_dir, tmp_path):
    ncf = openzoo.train("ncf.tiny", "toy-ratings", out=tmp_path / "ncf", quiet=True, seed=0, max_steps=1).path
    shutil.copy(ncf / "model" / "model.safetensors", run_dir / "model" / "model.safetensors")
    result = openzoo_cli("predict", str(run_dir), "u1")
    assert result.returncode == 2, result.stderr
    assert "missing keys: global_mean, item_bias.weight, item_factors.weight" in result.stderr
    assert "unexpected keys: gmf_items.weight, gmf_users.weight" in result.stderr


def test_seen_items_that_do_not_fit_the_id_maps_are_refused(run_dir):
    weights = run_dir / "model" / "model.safetensors"
    tensors = load_file(str(weights))
    tensors["seen.indptr"] = torch.cat([tensors["seen.indptr"], torch.tensor([10**12])])
    save_file(tensors, str(weights))
    result = openzoo_cli("predict", str(run_dir), "u1")
    assert result.returncode == 2, result.stderr
    assert "the seen-items tensors in model.safetensors do not describe 40 users and 40 items" in result.stderr


def test_a_truncated_weight_file_exits_2_naming_it(run_dir):
    weights = run_dir / "model" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-16])
    result = openzoo_cli("predict", str(run_dir), "u1")
    assert result.returncode == 2, result.stderr
    assert f"{weights} is truncated or corrupt" in result.stderr


def test_loading_the_directory_directly_checks_it_too(run_dir):
    from openzoo_recsys.model import MFModel

    weights = run_dir / "model" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-16])
    with pytest.raises(openzoo.BadInputError, match=r"model.safetensors: truncated or corrupt"):
        MFModel.load(run_dir / "model")
