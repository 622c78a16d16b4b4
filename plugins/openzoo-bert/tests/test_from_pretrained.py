"""--from-pretrained: any BERT-compatible directory, head sized to the dataset's labels."""

from __future__ import annotations

import pytest
import torch
from openzoo import BadInputError, SplitSource
from transformers import BertConfig, BertForSequenceClassification

from openzoo_bert.model import BertClassifier
from openzoo_bert.tokenizer import train_wordpiece

FINETUNE = {"max_length": 32, "needs_pretrained": True}


def write_checkpoint(directory, tester, labels: list[str]) -> BertForSequenceClassification:
    """Save a small BERT classifier and its tokenizer the way save_pretrained does."""
    texts = [example["text"] for example in tester.make_source().load("train")]
    tokenizer = train_wordpiece(texts, vocab_size=300, lowercase=True, max_length=96)
    torch.manual_seed(7)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=24,
        num_hidden_layers=1,
        num_attention_heads=3,
        intermediate_size=40,
        max_position_embeddings=96,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    module = BertForSequenceClassification(config)
    module.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return module


def test_head_is_resized_to_the_datasets_labels_and_the_encoder_is_kept(tmp_path, tester):
    original = write_checkpoint(tmp_path, tester, ["a", "b", "c"])
    model = BertClassifier.create(config=FINETUNE, dataset=tester.make_source(), pretrained=str(tmp_path))
    assert model.module.config.num_labels == 2
    assert model.labels == ["negative", "positive"]
    assert model.module.classifier.weight.shape == (2, 24)
    torch.testing.assert_close(
        model.module.bert.encoder.layer[0].output.dense.weight, original.bert.encoder.layer[0].output.dense.weight
    )
    assert (
        model.tokenizer.get_vocab()
        == train_wordpiece(
            [e["text"] for e in tester.make_source().load("train")], vocab_size=300, lowercase=True, max_length=128
        ).get_vocab()
    )


def test_max_length_option_sets_truncation_of_the_pretrained_tokenizer(tmp_path, tester):
    write_checkpoint(tmp_path, tester, ["a", "b"])
    model = BertClassifier.create(config=FINETUNE, dataset=tester.make_source(), pretrained=str(tmp_path))
    assert model.tokenizer.model_max_length == 32
    batch = model.collate([{"text": "the film was superb " * 40}])
    assert batch["input_ids"].shape == (1, 32)


def test_head_with_the_same_label_names_is_kept(tmp_path, tester):
    original = write_checkpoint(tmp_path, tester, ["negative", "positive"])
    model = BertClassifier.create(config=FINETUNE, dataset=tester.make_source(), pretrained=str(tmp_path))
    torch.testing.assert_close(model.module.classifier.weight, original.classifier.weight)


def test_head_trained_for_other_labels_of_the_same_count_is_reinitialised(tmp_path, tester):
    original = write_checkpoint(tmp_path, tester, ["spam", "ham"])
    model = BertClassifier.create(config=FINETUNE, dataset=tester.make_source(), pretrained=str(tmp_path))
    assert model.labels == ["negative", "positive"]
    assert not torch.equal(model.module.classifier.weight, original.classifier.weight)
    assert float(model.module.classifier.weight.detach().std()) < 0.1  # normal(0, initializer_range) again


def test_without_a_dataset_the_checkpoints_labels_are_kept(tmp_path, tester):
    write_checkpoint(tmp_path, tester, ["a", "b", "c"])
    model = BertClassifier.create(config=FINETUNE, pretrained=str(tmp_path))
    assert model.labels == ["a", "b", "c"]
    assert len(model.predict(["superb"])[0]["scores"]) == 3


def test_fine_tuned_model_saves_and_loads_with_its_new_labels(tmp_path, tester):
    write_checkpoint(tmp_path / "start", tester, ["a", "b", "c"])
    source = SplitSource({"train": [{"text": "fine", "label": 1}]}, info={"labels": ["no", "yes"]})
    model = BertClassifier.create(config=FINETUNE, dataset=source, pretrained=str(tmp_path / "start"))
    model.save(tmp_path / "tuned")
    assert BertClassifier.load(tmp_path / "tuned").labels == ["no", "yes"]


def test_missing_directory_is_bad_input_naming_it(tmp_path, tester):
    missing = tmp_path / "nowhere"
    with pytest.raises(BadInputError, match="no such directory"):
        BertClassifier.create(config=FINETUNE, dataset=tester.make_source(), pretrained=str(missing))


def test_directory_without_a_model_is_bad_input(tmp_path, tester):
    with pytest.raises(BadInputError, match="cannot load a pretrained model"):
        BertClassifier.create(config=FINETUNE, dataset=tester.make_source(), pretrained=str(tmp_path))


def test_loading_a_directory_that_is_not_a_saved_model_is_bad_input(tmp_path):
    with pytest.raises(BadInputError, match=r"no config\.json"):
        BertClassifier.load(tmp_path)
