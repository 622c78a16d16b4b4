"""The toy datasets are deterministic, well-formed, disjoint across splits and learnable."""

from __future__ import annotations

import math
import pickle
from collections import Counter, defaultdict

import numpy as np
import pytest

from openzoo.errors import BadInputError
from openzoo.protocols import DatasetSource

DATASETS = ("toy-images", "toy-sentiment", "toy-text", "toy-ratings")
SPLITS = ("train", "validation", "test")


@pytest.fixture(scope="module")
def load(registry):
    """Return a function loading a toy dataset by name through the registry, as the engine does."""

    def run(name: str, **options):
        spec = registry.dataset(name)
        defaults = {option.name: option.default for option in spec.options}
        return registry.resolve(spec)(**{**defaults, **options})

    return run


def identity(example) -> tuple:
    """A hashable identity of an example (images by their bytes)."""
    return tuple(
        (key, value.tobytes() if isinstance(value, np.ndarray) else value) for key, value in sorted(example.items())
    )


def inputs_identity(name: str, example) -> tuple:
    """What makes two examples "the same" for leakage: the input, not the label."""
    if name == "toy-images":
        return (example["image"].tobytes(),)
    if name == "toy-ratings":
        return (example["user"], example["item"])
    return (example["text"],)


def all_identities(source) -> dict[str, list[tuple]]:
    return {split: [identity(example) for example in source.load(split)] for split in source.splits()}


@pytest.mark.parametrize("name", DATASETS)
def test_loading_twice_with_one_seed_gives_the_same_examples(load, name):
    assert all_identities(load(name)) == all_identities(load(name))


@pytest.mark.parametrize("name", DATASETS)
def test_another_seed_gives_other_examples(load, name):
    assert all_identities(load(name, seed=1))["train"] != all_identities(load(name, seed=0))["train"]


@pytest.mark.parametrize("name", DATASETS)
def test_source_provides_the_splits_its_spec_declares(registry, load, name):
    source = load(name)
    assert isinstance(source, DatasetSource)
    assert tuple(source.splits()) == registry.dataset(name).splits == SPLITS
    assert all(len(source.load(split)) > 0 for split in SPLITS)


@pytest.mark.parametrize("name", DATASETS)
def test_examples_carry_the_fields_of_their_task(registry, load, name):
    task = registry.task(registry.dataset(name).task)
    extra = {"timestamp"} if name == "toy-ratings" else set()
    for split in SPLITS:
        for example in load(name).load(split):
            assert set(example) == set(task.example) | extra


@pytest.mark.parametrize("name", DATASETS)
def test_no_input_occurs_in_two_splits(load, name):
    source = load(name)
    by_split = {split: [inputs_identity(name, e) for e in source.load(split)] for split in SPLITS}
    for split, ids in by_split.items():
        if name != "toy-ratings":
            assert len(set(ids)) == len(ids), f"duplicate inputs inside {split}"
    assert not set(by_split["train"]) & set(by_split["test"])
    assert not set(by_split["train"]) & set(by_split["validation"])
    assert not set(by_split["validation"]) & set(by_split["test"])


@pytest.mark.parametrize("name", DATASETS)
def test_source_survives_pickling(load, name):
    source = load(name)
    copy = pickle.loads(pickle.dumps(source))
    assert all_identities(copy) == all_identities(source)
    assert dict(copy.info) == dict(source.info)


@pytest.mark.parametrize("name", ["toy-images", "toy-sentiment", "toy-text"])
def test_size_option_sets_the_number_of_examples_in_all_splits(load, name):
    source = load(name, size=50)
    assert [len(source.load(split)) for split in SPLITS] == [30, 10, 10]


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("options", [{"size": 2}, {"size": 2.5}, {"seed": -1}, {"seed": "0"}], ids=str)
def test_unusable_size_or_seed_is_bad_input(load, name, options):
    with pytest.raises(BadInputError, match=f"dataset '{name}'"):
        load(name, **options)


@pytest.mark.parametrize("name", ["toy-images", "toy-sentiment"])
def test_labels_index_info_labels_and_every_class_is_balanced_in_every_split(load, name):
    source = load(name)
    num_classes = len(source.info["labels"])
    for split in SPLITS:
        counts = Counter(example["label"] for example in source.load(split))
        assert sorted(counts) == list(range(num_classes))
        assert max(counts.values()) - min(counts.values()) <= 1
        assert all(type(label) is int for label in counts)


def test_toy_images_are_8x8_uint8_greyscale_arrays(load):
    for example in load("toy-images").load("train"):
        assert example["image"].shape == (8, 8)
        assert example["image"].dtype == np.uint8


def test_toy_images_are_learnable_by_logistic_regression(load):
    from sklearn.linear_model import LogisticRegression

    source = load("toy-images", size=400)

    def xy(split):
        examples = source.load(split)
        return np.stack([e["image"].reshape(-1) / 255.0 for e in examples]), [e["label"] for e in examples]

    model = LogisticRegression(max_iter=2000).fit(*xy("train"))
    assert model.score(*xy("test")) >= 0.8  # chance is 0.25


def test_toy_sentiment_is_learnable_from_word_counts(load):
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    source = load("toy-sentiment", size=600)
    train, test = source.load("train"), source.load("test")
    vectorizer = CountVectorizer(ngram_range=(1, 2)).fit([e["text"] for e in train])
    model = LogisticRegression(max_iter=1000).fit(
        vectorizer.transform([e["text"] for e in train]), [e["label"] for e in train]
    )
    assert (
        model.score(vectorizer.transform([e["text"] for e in test]), [e["label"] for e in test]) >= 0.85
    )  # chance is 0.5


def test_toy_text_paragraphs_are_a_few_hundred_characters_and_train_holds_kilobytes(load):
    source = load("toy-text")
    lengths = [len(e["text"]) for split in SPLITS for e in source.load(split)]
    assert min(lengths) >= 200
    assert max(lengths) <= 600
    assert sum(len(e["text"]) for e in source.load("train")) >= 4000
    assert all(isinstance(e["text"], str) for e in source.load("train"))


def bits_per_char(model: dict, text: str, order: int, alphabet: int) -> float:
    """Add-one smoothed character n-gram cross-entropy of ``text`` in bits per character."""
    total = 0.0
    for i, char in enumerate(text):
        context = text[max(0, i - order + 1) : i] if order > 1 else ""
        counts = model[context]
        total -= math.log2((counts[char] + 1) / (sum(counts.values()) + alphabet))
    return total / len(text)


def test_toy_text_is_learnable_a_bigram_model_beats_a_unigram_model(load):
    source = load("toy-text")
    train = " ".join(e["text"] for e in source.load("train"))
    test = " ".join(e["text"] for e in source.load("test"))
    alphabet = len(set(train) | set(test))
    models = {}
    for order in (1, 3):
        model = defaultdict(Counter)
        for i, char in enumerate(train):
            model[train[max(0, i - order + 1) : i] if order > 1 else ""][char] += 1
        models[order] = bits_per_char(model, test, order, alphabet)
    assert models[3] < 0.7 * models[1]


def test_toy_ratings_have_the_documented_schema_and_info(load):
    source = load("toy-ratings")
    info = source.info
    assert info["rating_range"] == [1.0, 5.0]
    assert info["feedback"] == "explicit"
    assert len(info["users"]) == info["num_users"] and len(info["items"]) == info["num_items"]
    users, items = set(info["users"]), set(info["items"])
    for split in SPLITS:
        for e in source.load(split):
            assert e["user"] in users and e["item"] in items
            assert type(e["rating"]) is float and 1.0 <= e["rating"] <= 5.0 and (e["rating"] * 2).is_integer()
            assert type(e["timestamp"]) is int


def test_toy_ratings_hold_out_each_users_last_two_ratings_by_time(load):
    source = load("toy-ratings")
    history = defaultdict(list)
    for split in SPLITS:
        for e in source.load(split):
            history[e["user"]].append((e["timestamp"], split))
    assert set(history) == set(source.info["users"])
    for events in history.values():
        events.sort()
        assert len(events) >= 5
        assert len({time for time, _ in events}) == len(events)
        assert [split for _, split in events[-2:]] == ["validation", "test"]
        assert {split for _, split in events[:-2]} == {"train"}


def test_toy_ratings_size_is_the_number_of_ratings(load):
    source = load("toy-ratings", size=300)
    assert sum(len(source.load(split)) for split in SPLITS) == 300


def test_toy_ratings_are_learnable_biases_beat_the_global_mean(load):
    source = load("toy-ratings", size=3000)
    train, test = source.load("train"), source.load("test")
    mean = np.mean([e["rating"] for e in train])
    user_bias = defaultdict(list)
    for e in train:
        user_bias[e["user"]].append(e["rating"] - mean)
    user_offset = {u: sum(v) / (len(v) + 5) for u, v in user_bias.items()}
    item_bias = defaultdict(list)
    for e in train:
        item_bias[e["item"]].append(e["rating"] - mean - user_offset[e["user"]])
    item_offset = {i: sum(v) / (len(v) + 5) for i, v in item_bias.items()}

    def rmse(predict):
        return math.sqrt(np.mean([(predict(e) - e["rating"]) ** 2 for e in test]))

    baseline = rmse(lambda e: mean)
    biased = rmse(lambda e: mean + user_offset.get(e["user"], 0.0) + item_offset.get(e["item"], 0.0))
    assert biased < 0.85 * baseline


def test_toy_ratings_held_out_items_are_rankable_by_popularity(load):
    source = load("toy-ratings", size=3000)
    train, test = source.load("train"), source.load("test")
    popularity = Counter(e["item"] for e in train)
    seen = defaultdict(set)
    for e in train:
        seen[e["user"]].add(e["item"])
    hits, chance = 0, 0.0
    for e in test:
        candidates = [i for i in source.info["items"] if i not in seen[e["user"]]]
        top = sorted(candidates, key=lambda i: -popularity[i])[:10]
        hits += e["item"] in top
        chance += 10 / len(candidates)
    assert hits / len(test) > 1.5 * chance / len(test)
