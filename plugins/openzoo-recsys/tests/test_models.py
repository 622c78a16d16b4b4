"""The mf and ncf models through the openzoo Model protocol: batches, outputs, checkpoints, predict."""

from __future__ import annotations

import json

import pytest
import torch
from openzoo_recsys.idmap import IdMap, sorted_ids
from openzoo_recsys.model import MFModel, NCFModel

from openzoo import BadInputError

MODELS = [pytest.param("tiny_mf", id="mf"), pytest.param("tiny_ncf", id="ncf")]


@pytest.fixture(params=MODELS)
def model(request):
    return request.getfixturevalue(request.param)


def test_id_map_round_trips_ids_and_indices():
    ids = sorted_ids(["10", "9", "b", "a", "100", 9])
    assert ids == ["9", "10", "100", "a", "b"], "numbers numerically first, then text, without repeats"
    mapping = IdMap(ids, "user")
    assert [mapping.id(mapping.index(i)) for i in ids] == ids
    assert mapping.indices(["a", 10]) == [3, 1]
    assert IdMap(mapping.to_list(), "user") == mapping


def test_id_map_rejects_repeated_ids_and_names_unknown_ones():
    with pytest.raises(BadInputError, match="repeated: 7"):
        IdMap(["7", "8", "7"], "item")
    with pytest.raises(BadInputError, match="unknown item 'x'"):
        IdMap(["7"], "item").index("x")


def test_id_maps_survive_save_and_load(model, tmp_path):
    model.save(tmp_path)
    loaded = type(model).load(tmp_path)
    assert loaded.users == model.users and loaded.items == model.items
    assert json.loads((tmp_path / "id_maps.json").read_text())["users"] == list(model.users.ids)


def test_model_builds_its_id_maps_from_dataset_info(model, planted):
    assert list(model.users.ids) == planted.info["users"]
    assert list(model.items.ids) == planted.info["items"]


def test_collate_gives_user_and_item_indices_and_ratings(model, planted):
    examples = planted.load("train")[:5]
    batch = model.collate(examples)
    assert batch["users"].dtype == torch.long and batch["items"].dtype == torch.long
    assert batch["users"].tolist() == [model.users.index(e["user"]) for e in examples]
    assert batch["items"].tolist() == [model.items.index(e["item"]) for e in examples]
    assert batch["ratings"].tolist() == [e["rating"] for e in examples]
    unlabelled = model.collate([{"user": e["user"], "item": e["item"]} for e in examples])
    assert "ratings" not in unlabelled


def test_collate_names_an_unknown_user(model):
    with pytest.raises(BadInputError, match="unknown user 'nobody'"):
        model.collate([{"user": "nobody", "item": model.items.id(0), "rating": 3.0}])


def test_training_forward_returns_scores_and_a_differentiable_loss(model, planted):
    model.module.train()
    batch = model.collate(planted.load("train")[:7])
    outputs = model.module(**batch)
    assert outputs["scores"].shape == (7,)
    assert outputs["loss"].ndim == 0
    outputs["loss"].backward()
    assert all(p.grad is not None for p in model.module.parameters() if p.requires_grad)
    assert "ranking_scores" not in outputs


def test_evaluation_ranks_every_item_with_training_items_at_minus_infinity(model, planted):
    model.module.eval()
    examples = planted.load("test")[:5]
    with torch.no_grad():
        ranking = model.module(**model.collate(examples))["ranking_scores"]
    assert ranking.shape == (5, len(model.items))
    train = planted.load("train")
    for row, example in enumerate(examples):
        seen = {model.items.index(e["item"]) for e in train if e["user"] == example["user"]}
        minus_inf = set(torch.nonzero(torch.isinf(ranking[row])).flatten().tolist())
        assert minus_inf == seen
        assert model.items.index(example["item"]) not in minus_inf, "the held-out item is ranked"


def test_saved_model_loads_with_identical_outputs(model, planted, tmp_path):
    model.module.eval()
    batch = model.collate(planted.load("test"))
    with torch.no_grad():
        before = model.module(**batch)
    model.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "id_maps.json", "model.safetensors"]
    loaded = type(model).load(tmp_path)
    loaded.module.eval()
    with torch.no_grad():
        after = loaded.module(**batch)
    for key in ("scores", "ranking_scores", "loss"):
        assert torch.equal(before[key], after[key]), key


def test_config_json_records_the_model_type_and_hyperparameters(tiny_mf, tmp_path):
    tiny_mf.save(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["model_type"] == "mf" and config["library"] == "openzoo-recsys"
    assert config["config"] == {"factors": 3, "reg": 0.01, "init_std": 0.1}
    assert config["num_users"] == len(tiny_mf.users) and config["num_items"] == len(tiny_mf.items)


def test_loading_an_ncf_directory_as_mf_says_what_it_holds(tiny_ncf, tmp_path):
    tiny_ncf.save(tmp_path)
    with pytest.raises(BadInputError, match="holds a 'ncf' model, not 'mf'"):
        MFModel.load(tmp_path)


def test_loading_a_directory_without_a_checkpoint_is_bad_input(tmp_path):
    with pytest.raises(BadInputError, match=r"missing model\.safetensors, config\.json, id_maps\.json"):
        NCFModel.load(tmp_path)


def test_unknown_model_options_are_rejected(planted):
    with pytest.raises(BadInputError, match="unknown model option"):
        MFModel.create(config={"factors": 3, "layers": 2}, dataset=planted)
    with pytest.raises(BadInputError, match="mlp_layers='8,x'"):
        NCFModel.create(config={"mlp_layers": "8,x"}, dataset=planted)


def test_create_from_pretrained_directory_continues_from_saved_weights(tiny_mf, planted, tmp_path):
    tiny_mf.save(tmp_path)
    again = MFModel.create(config={}, dataset=planted, pretrained=str(tmp_path))
    assert torch.equal(again.module.user_factors.weight, tiny_mf.module.user_factors.weight)


def test_create_from_pretrained_and_load_expand_a_home_relative_path(tiny_mf, planted, tmp_path, monkeypatch):
    tiny_mf.save(tmp_path / "saved")
    monkeypatch.setenv("HOME", str(tmp_path))  # as a config file or --from-pretrained=~/... passes it
    again = MFModel.create(config={}, dataset=planted, pretrained="~/saved")
    assert torch.equal(again.module.user_factors.weight, tiny_mf.module.user_factors.weight)
    assert torch.equal(MFModel.load("~/saved").module.user_factors.weight, tiny_mf.module.user_factors.weight)


def test_mf_clips_evaluation_scores_to_the_rating_range(tiny_mf, planted):
    with torch.no_grad():
        tiny_mf.module.user_bias.weight.fill_(10.0)
    tiny_mf.module.eval()
    with torch.no_grad():
        scores = tiny_mf.module(**tiny_mf.collate(planted.load("test")))["scores"]
    assert float(scores.max()) == planted.info["rating_range"][1]


def test_ncf_evaluation_loss_is_the_same_on_every_call(tiny_ncf, planted):
    tiny_ncf.module.eval()
    batch = tiny_ncf.collate(planted.load("test"))
    with torch.no_grad():
        assert torch.equal(tiny_ncf.module(**batch)["loss"], tiny_ncf.module(**batch)["loss"])


def test_ncf_negatives_are_items_the_user_has_not_seen(tiny_ncf):
    seen = tiny_ncf.module.seen
    users = torch.arange(len(tiny_ncf.users)).repeat_interleave(50)
    negatives = seen.sample_unseen(users, 3, generator=torch.Generator().manual_seed(1))
    clashes = seen.contains(users.reshape(-1, 1).expand_as(negatives), negatives)
    assert not bool(clashes.any())
