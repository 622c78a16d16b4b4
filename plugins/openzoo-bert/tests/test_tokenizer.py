"""The WordPiece tokenizer trained on the training split, and the label mapping, survive a save."""

from __future__ import annotations

import json

import pytest
from openzoo import BadInputError
from transformers import AutoTokenizer

from openzoo_bert.tokenizer import SPECIAL_TOKENS, train_wordpiece

TEXTS = ["The plot was dreadful.", "A charming, moving film!", "Dull acting; superb music.", "Café au lait"] * 5


def test_trained_tokenizer_puts_the_bert_special_tokens_first():
    tokenizer = train_wordpiece(TEXTS, vocab_size=200, lowercase=True, max_length=128)
    vocab = tokenizer.get_vocab()
    assert [vocab[token] for token in SPECIAL_TOKENS] == [0, 1, 2, 3, 4]
    assert tokenizer.pad_token_id == 0
    ids = tokenizer("superb film")["input_ids"]
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id


def test_trained_tokenizer_is_the_same_for_the_same_texts():
    first = train_wordpiece(TEXTS, vocab_size=120, lowercase=True, max_length=128).get_vocab()
    second = train_wordpiece(TEXTS, vocab_size=120, lowercase=True, max_length=128).get_vocab()
    assert first == second


def test_lowercase_tokenizer_strips_case_and_accents_and_cased_keeps_them():
    uncased = train_wordpiece(TEXTS, vocab_size=200, lowercase=True, max_length=128)
    cased = train_wordpiece(TEXTS, vocab_size=200, lowercase=False, max_length=128)
    assert uncased.tokenize("CAFÉ") == uncased.tokenize("cafe")
    assert cased.tokenize("Café") != cased.tokenize("cafe")


def test_unseen_words_split_into_word_pieces_not_unknown_tokens():
    tokenizer = train_wordpiece(TEXTS, vocab_size=200, lowercase=True, max_length=128)
    pieces = tokenizer.tokenize("dreadfulness")
    assert pieces[0] == "dreadful" and all(piece.startswith("##") for piece in pieces[1:])
    assert "[UNK]" not in pieces


def test_vocabulary_too_small_for_the_alphabet_keeps_the_most_frequent_characters():
    many_characters = [*TEXTS, "xyzqj 0123456789 ñøß"]
    tokenizer = train_wordpiece(many_characters, vocab_size=50, lowercase=True, max_length=128)
    vocab = tokenizer.get_vocab()
    assert len(vocab) <= 50
    assert {"e", "##e", "t", "."} <= set(vocab) and not {"q", "##q", "7"} & set(vocab)
    assert tokenizer.tokenize("xyzqj") == ["[UNK]"]
    assert train_wordpiece(many_characters, vocab_size=50, lowercase=True, max_length=128).get_vocab() == vocab


def test_vocabulary_below_the_declared_minimum_is_refused():
    with pytest.raises(BadInputError, match="vocab_size=49 must be an integer of at least 50"):
        train_wordpiece(TEXTS, vocab_size=49, lowercase=True, max_length=128)


def test_saved_tokenizer_loads_with_auto_tokenizer_and_gives_the_same_ids(trained_model, saved_model_dir):
    loaded = AutoTokenizer.from_pretrained(saved_model_dir)
    texts = ["the plot was superb", "every scene was tedious and the cast knows it " * 10]
    assert loaded(texts, truncation=True)["input_ids"] == trained_model.tokenizer(texts, truncation=True)["input_ids"]
    assert loaded.model_max_length == trained_model.tokenizer.model_max_length == 64


def test_label_names_round_trip_through_the_saved_config(tester, saved_model_dir):
    config = json.loads((saved_model_dir / "config.json").read_text())
    assert config["id2label"] == {"0": "negative", "1": "positive"}
    assert config["label2id"] == {"negative": 0, "positive": 1}
    assert config["problem_type"] == "single_label_classification"
