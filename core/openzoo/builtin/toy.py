"""The toy datasets: tiny, generated, deterministic data sets of the four core tasks.

Each loader takes ``seed`` and ``size`` (the number of examples in all splits
together), generates its examples with :func:`numpy.random.default_rng` and
returns a :class:`~openzoo.SplitSource` with the splits ``train``, ``validation``
and ``test``. The same ``(seed, size)`` always gives the same data, no example
occurs in two splits, and a simple learner does clearly better than chance, so
a model that learns can be told from one that does not. The default sizes
generate in milliseconds and keep the conformance suite fast.

No torch here: examples are plain Python values and numpy arrays.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from openzoo.errors import BadInputError
from openzoo.sources import SplitSource

__all__ = ["IMAGE_LABELS", "SENTIMENT_LABELS", "toy_images", "toy_ratings", "toy_sentiment", "toy_text"]

SPLITS = ("train", "validation", "test")
#: Class names of ``toy-images``, index = label.
IMAGE_LABELS = ("horizontal", "vertical", "diagonal", "cross")
#: Class names of ``toy-sentiment``, index = label.
SENTIMENT_LABELS = ("negative", "positive")


def _check_options(dataset: str, seed: int, size: int | None, default: int, minimum: int) -> int:
    """Validate ``seed`` and ``size``; return the size to generate."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise BadInputError(f"dataset {dataset!r}: seed must be a non-negative integer, got {seed!r}")
    if size is None:
        return default
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < minimum:
        raise BadInputError(f"dataset {dataset!r}: size must be an integer of at least {minimum}, got {size!r}")
    return int(size)


def _split_sizes(size: int) -> tuple[int, int, int]:
    """Return (train, validation, test) sizes: 60 %, 20 %, 20 % (at least one each)."""
    held_out = max(1, round(size * 0.2))
    return size - 2 * held_out, held_out, held_out


def _unique_balanced(
    rng: np.random.Generator,
    size: int,
    num_classes: int,
    make: Callable[[np.random.Generator, int], Any],
    key: Callable[[Any], Hashable],
    label_key: str,
    dataset: str,
) -> dict[str, list[dict[str, Any]]]:
    """Generate ``size`` distinct labelled examples, class-balanced within every split.

    ``make(rng, label)`` returns the input of one example; ``key`` maps it to a
    hashable identity. An input generated twice is drawn again, so no example is
    shared between splits.
    """
    seen: set[Hashable] = set()
    splits: dict[str, list[dict[str, Any]]] = {}
    for split, count in zip(SPLITS, _split_sizes(size)):
        labels = rng.permutation(np.arange(count) % num_classes)
        examples = []
        for label in labels.tolist():
            for _ in range(1000):
                value = make(rng, label)
                identity = key(value)
                if identity not in seen:
                    break
            else:
                raise BadInputError(f"dataset {dataset!r} cannot generate {size} distinct examples; use a smaller size")
            seen.add(identity)
            examples.append({label_key: value, "label": label})
        splits[split] = examples
    return splits


# -- toy-images ---------------------------------------------------------------


def _stroke_image(rng: np.random.Generator, label: int) -> np.ndarray:
    """Draw one 8x8 image of stroke pattern ``label`` on a noisy background."""
    image = rng.normal(24.0, 12.0, size=(8, 8))
    intensity = rng.uniform(150.0, 255.0)
    if label in (0, 3):  # a horizontal stroke in the middle rows, 6 to 8 pixels long
        row, start = rng.integers(2, 6), rng.integers(0, 3)
        image[row, start : start + rng.integers(6, 9)] += intensity
    if label in (1, 3):  # a vertical stroke in the middle columns
        col, start = rng.integers(2, 6), rng.integers(0, 3)
        image[start : start + rng.integers(6, 9), col] += intensity
    if label == 2:  # a diagonal, either direction, shifted by at most one pixel
        offset, rows = rng.integers(-1, 2), np.arange(8)
        cols = rows + offset
        keep = (cols >= 0) & (cols < 8)
        cols = cols[keep] if rng.random() < 0.5 else 7 - cols[keep]
        image[rows[keep], cols] += intensity
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def toy_images(*, seed: int = 0, size: int | None = None) -> SplitSource:
    """Return 8x8 greyscale uint8 images of 4 stroke patterns (horizontal, vertical, diagonal, cross).

    Examples are ``{"image": uint8 array [8, 8], "label": int}``; strokes vary in
    position, length and brightness over Gaussian background noise. Default size
    160 (96 / 32 / 32), class-balanced in every split.
    """
    size = _check_options("toy-images", seed, size, default=160, minimum=12)
    rng = np.random.default_rng(seed)
    splits = _unique_balanced(
        rng, size, len(IMAGE_LABELS), _stroke_image, lambda image: image.tobytes(), "image", "toy-images"
    )
    return SplitSource(splits, info={"labels": list(IMAGE_LABELS)})


# -- toy-sentiment ------------------------------------------------------------

_POSITIVE = ("great", "wonderful", "delightful", "excellent", "brilliant", "charming")
_NEGATIVE = ("awful", "terrible", "boring", "dreadful", "dull", "clumsy")
_SUBJECTS = ("the movie", "the plot", "the acting", "the music", "the ending", "this film", "the cast", "the script")
_VERBS = ("was", "is", "felt", "seemed")
_INTENSIFIERS = ("", "really ", "truly ", "quite ", "very ", "rather ")
_FILLERS = ("", " overall", " in the second half", " from start to finish", " on the big screen", " to me")


def _sentiment_clause(rng: np.random.Generator, positive: bool) -> str:
    """One clause with the given polarity; sometimes a negated word of the opposite polarity."""
    subject, verb = _SUBJECTS[rng.integers(len(_SUBJECTS))], _VERBS[rng.integers(len(_VERBS))]
    if rng.random() < 0.1:  # "the plot was not boring" is positive
        words = _NEGATIVE if positive else _POSITIVE
        return f"{subject} {verb} not {words[rng.integers(len(words))]}"
    words = _POSITIVE if positive else _NEGATIVE
    intensifier, filler = _INTENSIFIERS[rng.integers(len(_INTENSIFIERS))], _FILLERS[rng.integers(len(_FILLERS))]
    return f"{subject} {verb} {intensifier}{words[rng.integers(len(words))]}{filler}"


def _sentiment_text(rng: np.random.Generator, label: int) -> str:
    clauses = [_sentiment_clause(rng, bool(label)) for _ in range(rng.integers(1, 3))]
    return " and ".join(clauses) + "."


def toy_sentiment(*, seed: int = 0, size: int | None = None) -> SplitSource:
    """Return short generated review sentences labelled negative (0) or positive (1).

    Each text has one or two clauses built from positive or negative words with
    neutral subjects, intensifiers and filler; about one clause in ten negates a
    word of the opposite polarity ("the plot was not boring"). Default size 160
    (96 / 32 / 32), balanced in every split, no text repeated.
    """
    size = _check_options("toy-sentiment", seed, size, default=160, minimum=6)
    rng = np.random.default_rng(seed)
    splits = _unique_balanced(
        rng, size, len(SENTIMENT_LABELS), _sentiment_text, lambda text: text, "text", "toy-sentiment"
    )
    return SplitSource(splits, info={"labels": list(SENTIMENT_LABELS)})


# -- toy-text -----------------------------------------------------------------

#: The grammar's word classes, each word with a weight (frequent words first).
_WORDS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "det": (("the", "a", "every", "one", "this"), (8, 5, 1, 1, 2)),
    "adj": (("small", "old", "red", "quiet", "bright", "clever", "green", "heavy"), (5, 4, 3, 3, 2, 2, 1, 1)),
    "noun": (
        ("cat", "dog", "bird", "farmer", "river", "house", "child", "garden", "stone", "king", "boat", "tree"),
        (6, 6, 4, 4, 3, 3, 3, 2, 2, 2, 1, 1),
    ),
    "verb_t": (("sees", "finds", "follows", "likes", "carries", "watches", "builds"), (6, 4, 3, 3, 2, 2, 1)),
    "verb_i": (("sleeps", "runs", "sings", "waits", "laughs", "falls"), (5, 4, 3, 3, 2, 1)),
    "adverb": (("slowly", "quietly", "again", "today", "at night"), (3, 3, 2, 2, 1)),
    "prep": (("near", "under", "behind", "with", "beside"), (4, 3, 2, 2, 1)),
    "verb_s": (("says", "thinks", "knows"), (3, 2, 1)),
}


def _word(rng: np.random.Generator, kind: str) -> str:
    words, weights = _WORDS[kind]
    p = np.asarray(weights, dtype=float)
    return words[rng.choice(len(words), p=p / p.sum())]


def _noun_phrase(rng: np.random.Generator, depth: int) -> str:
    parts = [_word(rng, "det")]
    if rng.random() < 0.4:
        parts.append(_word(rng, "adj"))
    parts.append(_word(rng, "noun"))
    if parts[0] == "a" and parts[1][0] in "aeiou":
        parts[0] = "an"
    if depth < 2 and rng.random() < 0.2:
        parts += [_word(rng, "prep"), _noun_phrase(rng, depth + 1)]
    return " ".join(parts)


def _clause(rng: np.random.Generator, depth: int = 0) -> str:
    subject, roll = _noun_phrase(rng, depth), rng.random()
    if depth < 1 and roll < 0.1:
        return f"{subject} {_word(rng, 'verb_s')} that {_clause(rng, depth + 1)}"
    if roll < 0.6:
        return f"{subject} {_word(rng, 'verb_t')} {_noun_phrase(rng, depth)}"
    adverb = f" {_word(rng, 'adverb')}" if rng.random() < 0.5 else ""
    return f"{subject} {_word(rng, 'verb_i')}{adverb}"


def _sentence(rng: np.random.Generator) -> str:
    text = _clause(rng)
    if rng.random() < 0.25:
        text += f" {('and', 'but', 'while')[rng.integers(3)]} {_clause(rng)}"
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: np.random.Generator, _label: int = 0) -> str:
    target, sentences = int(rng.integers(200, 400)), []
    while sum(len(s) + 1 for s in sentences) < target:
        sentences.append(_sentence(rng))
    return " ".join(sentences)


def toy_text(*, seed: int = 0, size: int | None = None) -> SplitSource:
    """Return paragraphs of 200 to 400 characters of a small probabilistic English grammar.

    Examples are ``{"text": str}``. About 50 words with skewed frequencies,
    nested noun phrases and clauses: enough structure for a tokenizer to train on
    and for a small language model to beat a unigram model. Default size 80
    (48 / 16 / 16 paragraphs, about 14 KB of training text).
    """
    size = _check_options("toy-text", seed, size, default=80, minimum=3)
    rng = np.random.default_rng(seed)
    splits = _unique_balanced(rng, size, 1, _paragraph, lambda text: text, "text", "toy-text")
    texts = {split: [{"text": example["text"]} for example in examples] for split, examples in splits.items()}
    return SplitSource(texts, info={})


# -- toy-ratings --------------------------------------------------------------


def _ratings_per_user(rng: np.random.Generator, size: int, num_users: int, num_items: int) -> np.ndarray:
    """Split ``size`` ratings over users: at least 5 each, at most ``num_items``, skewed activity."""
    counts = np.full(num_users, 5)
    activity = rng.lognormal(0.0, 0.6, num_users)
    remaining = size - counts.sum()
    while remaining > 0:
        room = num_items - counts
        weights = np.where(room > 0, activity, 0.0)
        extra = np.minimum(rng.multinomial(remaining, weights / weights.sum()), room)
        counts += extra
        remaining = size - counts.sum()
    return counts


def toy_ratings(*, seed: int = 0, size: int | None = None) -> SplitSource:
    """Return explicit ratings from planted user and item factors, split leave-last-out per user.

    ``size`` ratings (default 480) by ``size // 12`` users (at least 2) of
    ``max(20, users)`` items. A rating is ``3.5 + user bias + item bias + <user
    factors, item factors> + noise`` (rank 3, noise sd 0.3), clipped to [1, 5] and
    rounded to a multiple of 0.5. Which items a user rates follows item popularity
    and the same factors, so ranking is learnable too. Every user has at least 5
    ratings at distinct timestamps: the last goes to ``test``, the second last to
    ``validation``, the rest to ``train``. Examples are ``{"user": "u3", "item":
    "i17", "rating": 4.5, "timestamp": int}``.
    """
    size = _check_options("toy-ratings", seed, size, default=480, minimum=10)
    rng = np.random.default_rng(seed)
    num_users = max(2, size // 12)
    num_items = max(20, num_users)
    rank = 3
    user_bias, item_bias = rng.normal(0.0, 0.4, num_users), rng.normal(0.0, 0.4, num_items)
    user_factors, item_factors = rng.normal(0.0, 0.6, (num_users, rank)), rng.normal(0.0, 0.6, (num_items, rank))
    popularity = rng.normal(0.0, 1.0, num_items)
    counts = _ratings_per_user(rng, size, num_users, num_items)
    splits: dict[str, list[dict[str, Any]]] = {split: [] for split in SPLITS}
    for user, count in enumerate(counts.tolist()):
        preference = popularity + 1.5 * (item_factors @ user_factors[user])
        p = np.exp(preference - preference.max())
        items = rng.permutation(rng.choice(num_items, size=count, replace=False, p=p / p.sum()))
        raw = 3.5 + user_bias[user] + item_bias[items] + item_factors[items] @ user_factors[user]
        ratings = np.clip(np.round((raw + rng.normal(0.0, 0.3, count)) * 2) / 2, 1.0, 5.0)
        times = 1_600_000_000 + rng.integers(0, 30 * 86_400) + np.cumsum(rng.integers(60, 3 * 86_400, count))
        rows = [
            {"user": f"u{user}", "item": f"i{item}", "rating": float(rating), "timestamp": int(time)}
            for item, rating, time in zip(items.tolist(), ratings.tolist(), times.tolist())
        ]
        splits["train"] += rows[:-2]
        splits["validation"].append(rows[-2])
        splits["test"].append(rows[-1])
    info = {
        "users": [f"u{u}" for u in range(num_users)],
        "items": [f"i{i}" for i in range(num_items)],
        "num_users": num_users,
        "num_items": num_items,
        "rating_range": [1.0, 5.0],
        "feedback": "explicit",
    }
    return SplitSource(splits, info=info)
