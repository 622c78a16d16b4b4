"""The gpt model through the openzoo Model protocol: presets, tokenizer, batches, training, checkpoints."""

from __future__ import annotations

import json
import math

import pytest
import torch

from openzoo import BadInputError, SplitSource, UnknownNameError
from openzoo_gpt.model import GPTModel
from openzoo_gpt.plugin import openzoo_models
from openzoo_gpt.tokenizer import END_OF_TEXT, train_tokenizer

SPEC = openzoo_models()[0]


def _forward(model, batch):
    return model.module(**{key: value for key, value in batch.items() if key != "meta"})


# -- presets -------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["tiny", "small"])
def test_trainable_presets_build_with_their_sizes(preset, tiny_source):
    config = dict(SPEC.preset(preset).config)
    model = GPTModel.create(config=config, dataset=tiny_source)
    hf = model.module.config
    assert (hf.n_layer, hf.n_embd, hf.n_head, hf.n_positions) == tuple(
        config[k] for k in ("n_layer", "n_embd", "n_head", "n_positions")
    )
    assert 257 < len(model.tokenizer) <= config["vocab_size"]
    assert model.module.get_input_embeddings().num_embeddings == len(model.tokenizer)


def test_tiny_preset_is_under_one_million_parameters(tiny_source):
    model = GPTModel.create(config=dict(SPEC.preset("tiny").config), dataset=tiny_source)
    assert sum(p.numel() for p in model.module.parameters()) < 1_000_000
    assert SPEC.preset("tiny").test


def test_gpt2_preset_is_the_gpt2_124m_architecture():
    model = GPTModel.create(config=dict(SPEC.preset("gpt2").config))  # no data: the 257-token byte alphabet
    count = sum(p.numel() for p in model.module.parameters())
    # GPT-2 124M has 124,439,808 parameters with its 50,257-token vocabulary (tied output embedding).
    assert count == 124_439_808 - (50_257 - len(model.tokenizer)) * 768
    assert len(model.tokenizer) == 257


def test_an_unknown_config_option_is_rejected_with_a_suggestion(tiny_config):
    with pytest.raises(UnknownNameError, match="n_layer"):
        GPTModel.create(config={**tiny_config, "n_layers": 3})


@pytest.mark.parametrize(
    ("change", "words"),
    [({"n_head": 5}, "not divisible"), ({"vocab_size": 100}, ">= 257"), ({"dropout": 1.5}, r"\[0, 1\)")],
    ids=["heads", "vocab", "dropout"],
)
def test_inconsistent_sizes_are_rejected(tiny_config, change, words):
    with pytest.raises(BadInputError, match=words):
        GPTModel.create(config={**tiny_config, **change})


def test_an_empty_training_split_cannot_train_a_tokenizer(tiny_config):
    source = SplitSource({"train": [{"text": "  "}], "validation": [{"text": "x"}]})
    with pytest.raises(BadInputError, match="no text to train a tokenizer"):
        GPTModel.create(config=tiny_config, dataset=source)


# -- tokenizer -------------------------------------------------------------------


def test_tokenizer_round_trips_any_text_through_save_and_load(tmp_path, tiny_source):
    from transformers import AutoTokenizer

    texts = [e["text"] for e in tiny_source.load("train")]
    tokenizer = train_tokenizer(texts, vocab_size=300, context_length=64)
    tokenizer.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    sample = "The cat sees the moon.\n  Ünïcödé ✓ and emoji 🦜 survive\tbyte-level BPE."
    assert loaded(sample)["input_ids"] == tokenizer(sample)["input_ids"]
    assert loaded.decode(loaded(sample)["input_ids"], skip_special_tokens=True) == sample
    assert (loaded.bos_token, loaded.eos_token, loaded.pad_token) == (END_OF_TEXT,) * 3


def test_tokenizer_learns_merges_from_the_training_text(tiny_source):
    texts = [e["text"] for e in tiny_source.load("train")]
    tokenizer = train_tokenizer(texts, vocab_size=400, context_length=64)
    sample = texts[0]
    ids = tokenizer(sample, add_special_tokens=False)["input_ids"]
    assert len(ids) < len(sample.encode()) / 2  # merges compress the text it was trained on
    again = train_tokenizer(texts, vocab_size=400, context_length=64)
    assert again(sample, add_special_tokens=False)["input_ids"] == ids  # training is deterministic


def test_every_encoded_text_starts_with_the_end_of_text_token(tiny_model):
    ids = tiny_model.tokenizer("hello")["input_ids"]
    assert ids[0] == tiny_model.tokenizer.convert_tokens_to_ids(END_OF_TEXT)
    assert tiny_model.tokenizer("")["input_ids"] == ids[:1]


# -- batches -----------------------------------------------------------------------


def test_collate_pads_right_masks_labels_and_counts_characters(tiny_model):
    examples = [{"text": "The cat sees the moon."}, {"text": "A dog."}, {"text": "My friend finds a ship at night."}]
    batch = tiny_model.collate(examples)
    assert set(batch) == {"input_ids", "attention_mask", "labels", "meta"}
    lengths = batch["attention_mask"].sum(dim=1)
    assert batch["input_ids"].shape == batch["labels"].shape == (3, int(lengths.max()))
    assert bool((batch["labels"][batch["attention_mask"] == 0] == -100).all())
    assert bool(
        (batch["labels"][batch["attention_mask"] == 1] == batch["input_ids"][batch["attention_mask"] == 1]).all()
    )
    assert batch["meta"]["num_chars"].tolist() == [len(e["text"]) for e in examples]
    assert examples[1] == {"text": "A dog."}


def test_collate_truncates_long_text_to_the_context_and_counts_only_kept_characters(tiny_model):
    long_text = "".join(chr(ord("a") + (i * 7) % 26) for i in range(400))  # few merges: many tokens
    batch = tiny_model.collate([{"text": long_text}])
    assert batch["input_ids"].shape[1] == tiny_model.context_length
    kept = tiny_model.tokenizer.decode(batch["input_ids"][0], skip_special_tokens=True)
    assert batch["meta"]["num_chars"].item() == len(kept) < len(long_text)
    assert long_text.startswith(kept)


def test_forward_returns_logits_and_the_causal_loss(tiny_model):
    batch = tiny_model.collate([{"text": "The cat sees the moon."}, {"text": "A dog."}])
    output = _forward(tiny_model, batch)
    assert output["logits"].shape == (*batch["input_ids"].shape, len(tiny_model.tokenizer))
    logits, labels = output["logits"][:, :-1], batch["labels"][:, 1:]
    expected = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
    assert output["loss"].item() == pytest.approx(expected.item(), rel=1e-5)


def test_an_example_alone_gives_the_same_logits_as_in_a_padded_batch(tiny_model):
    tiny_model.module.eval()
    examples = [{"text": "A dog."}, {"text": "The old king fears the river by the sea."}]
    batch = tiny_model.collate(examples)
    together = _forward(tiny_model, batch)["logits"]
    alone = _forward(tiny_model, tiny_model.collate(examples[:1]))["logits"]
    length = alone.shape[1]
    assert torch.allclose(together[0, :length], alone[0], atol=1e-5)


def _validation_loss(model, source):
    model.module.eval()
    with torch.no_grad():
        total, tokens = 0.0, 0
        for start in range(0, len(source.load("validation")), 8):
            batch = model.collate(source.load("validation")[start : start + 8])
            output = _forward(model, batch)
            count = int((batch["labels"][:, 1:] != -100).sum())
            total += output["loss"].item() * count
            tokens += count
    return total / tokens


def test_a_short_training_run_lowers_validation_perplexity(tiny_model, tiny_source):
    torch.manual_seed(0)
    before = math.exp(_validation_loss(tiny_model, tiny_source))
    optimizer = torch.optim.AdamW(tiny_model.module.parameters(), lr=3e-3)
    examples = tiny_source.load("train")
    tiny_model.module.train()
    for step in range(60):
        batch = tiny_model.collate([examples[(step * 8 + i) % len(examples)] for i in range(8)])
        loss = _forward(tiny_model, batch)["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    after = math.exp(_validation_loss(tiny_model, tiny_source))
    assert after < before * 0.5, (before, after)


# -- checkpoints ----------------------------------------------------------------


def test_save_then_load_gives_the_same_logits_and_tokenizer(tmp_path, tiny_model):
    tiny_model.save(tmp_path)
    assert {"model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"} <= {
        p.name for p in tmp_path.iterdir()
    }
    assert not list(tmp_path.glob("*.bin")) and not list(tmp_path.glob("*.pt"))
    loaded = GPTModel.load(tmp_path)
    batch = tiny_model.collate([{"text": "The cat sees the moon."}])
    tiny_model.module.eval()
    loaded.module.eval()
    assert torch.equal(_forward(tiny_model, batch)["logits"], _forward(loaded, batch)["logits"])
    assert loaded.tokenizer("Moon ✓")["input_ids"] == tiny_model.tokenizer("Moon ✓")["input_ids"]


def test_a_saved_model_works_with_transformers_auto_classes_and_pipeline(tmp_path, tiny_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

    tiny_model.save(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["model_type"] == "gpt2"
    hf_model = AutoModelForCausalLM.from_pretrained(tmp_path)
    hf_tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    assert type(hf_model).__name__ == "GPT2LMHeadModel"
    prompt = "The cat"
    ours = tiny_model.predict([prompt], max_new_tokens=8)[0]["text"]
    generator = pipeline("text-generation", model=str(tmp_path))
    theirs = generator(prompt, max_new_tokens=8, do_sample=False, return_full_text=False)[0]["generated_text"]
    assert theirs == ours
    assert hf_tokenizer(prompt)["input_ids"] == tiny_model.tokenizer(prompt)["input_ids"]


def test_from_pretrained_starts_from_a_local_gpt2_directory(tmp_path, tiny_model, tiny_config):
    from transformers import GPT2LMHeadModel

    tiny_model.module.save_pretrained(tmp_path)
    tiny_model.tokenizer.save_pretrained(tmp_path)
    other = {**tiny_config, "n_layer": 5}  # architecture options do not apply to a checkpoint
    model = GPTModel.create(config=other, pretrained=str(tmp_path))
    assert isinstance(model.module, GPT2LMHeadModel)
    assert model.module.config.n_layer == tiny_config["n_layer"]
    reference = GPT2LMHeadModel.from_pretrained(tmp_path)
    for (name, ours), (_, theirs) in zip(model.module.state_dict().items(), reference.state_dict().items()):
        assert torch.equal(ours, theirs), name


def test_from_pretrained_explains_a_missing_directory_and_a_foreign_checkpoint(tmp_path, tiny_config):
    with pytest.raises(BadInputError, match="no such directory"):
        GPTModel.create(config=tiny_config, pretrained=str(tmp_path / "missing"))
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(BadInputError, match="'bert' model"):
        GPTModel.create(config=tiny_config, pretrained=str(tmp_path))
    with pytest.raises(BadInputError, match="hub id"):
        GPTModel.create(config=tiny_config, pretrained="openzoo-tests/no-such-model")


def test_from_pretrained_needs_the_tokenizer_next_to_the_weights(tmp_path, tiny_model, tiny_config):
    tiny_model.module.save_pretrained(tmp_path)
    with pytest.raises(BadInputError, match="tokenizer"):
        GPTModel.create(config=tiny_config, pretrained=str(tmp_path))
