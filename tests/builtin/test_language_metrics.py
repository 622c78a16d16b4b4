"""perplexity and bits_per_char follow the causal shift, ignore -100 and match closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from openzoo.builtin import metrics
from openzoo.errors import BadInputError


def reference_nll(logits: torch.Tensor, labels: torch.Tensor) -> tuple[float, int]:
    """Summed next-token cross-entropy (nats) and scored tokens, by a float64 loop."""
    x = logits.double().numpy()
    total, count = 0.0, 0
    for b in range(x.shape[0]):
        for t in range(x.shape[1] - 1):
            target = int(labels[b, t + 1])
            if target == -100:
                continue
            row = x[b, t]
            log_z = row.max() + math.log(np.exp(row - row.max()).sum())
            total += log_z - row[target]
            count += 1
    return total, count


def random_lm_batch(seed: int, batch: int = 3, seq: int = 9, vocab: int = 11, scale: float = 1.0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, seq, vocab, generator=g) * scale
    labels = torch.randint(0, vocab, (batch, seq), generator=g)
    labels[0, 4] = labels[2, 1] = -100
    return logits, labels


def update(metric, logits, labels, num_chars=None):
    batch = {"labels": labels}
    if num_chars is not None:
        batch["meta"] = {"num_chars": num_chars}
    metric.update({"logits": logits}, batch)
    return metric.compute()


@pytest.mark.parametrize("seed", [0, 1])
def test_perplexity_is_exp_of_the_mean_shifted_cross_entropy(seed):
    logits, labels = random_lm_batch(seed)
    total, count = reference_nll(logits, labels)
    assert update(metrics.perplexity(), logits, labels) == pytest.approx(math.exp(total / count), rel=1e-5)


def test_uniform_logits_have_perplexity_equal_to_the_vocabulary_size():
    logits, labels = random_lm_batch(0)
    assert update(metrics.perplexity(), torch.zeros_like(logits), labels) == pytest.approx(11.0, rel=1e-6)


def test_logits_at_position_t_are_scored_against_the_label_at_t_plus_one():
    labels = torch.tensor([[3, 1, 4, 1, 5, 2]])
    shifted = torch.full((1, 6, 7), -20.0)
    shifted[0, torch.arange(5), labels[0, 1:]] = 20.0  # confident and right under the causal shift
    unshifted = torch.full((1, 6, 7), -20.0)
    unshifted[0, torch.arange(6), labels[0]] = 20.0  # confident about the current token instead
    assert update(metrics.perplexity(), shifted, labels) == pytest.approx(1.0, abs=1e-6)
    assert update(metrics.perplexity(), unshifted, labels) > 1e6


def test_ignored_labels_do_not_change_the_value():
    logits, labels = random_lm_batch(3)
    masked = labels.clone()
    masked[:, 5:] = -100
    total, count = reference_nll(logits[:, :5], labels[:, :5])
    assert update(metrics.perplexity(), logits, masked) == pytest.approx(math.exp(total / count), rel=1e-5)


def test_confidently_wrong_logits_give_a_finite_perplexity_where_softmax_underflows():
    logits, labels = random_lm_batch(4, scale=60.0)
    assert torch.softmax(logits, -1).min() == 0  # a log of these probabilities would be -inf
    total, count = reference_nll(logits, labels)
    assert update(metrics.perplexity(), logits, labels) == pytest.approx(math.exp(total / count), rel=1e-4)


def test_perplexity_beyond_float_range_is_reported_as_infinity():
    logits, labels = random_lm_batch(4, scale=1e5)
    assert update(metrics.perplexity(), logits, labels) == math.inf


def test_bits_per_char_is_total_cross_entropy_in_bits_over_characters():
    logits, labels = random_lm_batch(5)
    num_chars = torch.tensor([17, 23, 9])
    total, _ = reference_nll(logits, labels)
    expected = total / math.log(2) / 49
    assert update(metrics.bits_per_char(), logits, labels, num_chars) == pytest.approx(expected, rel=1e-5)


def test_bits_per_char_without_num_chars_is_bad_input_naming_the_key():
    logits, labels = random_lm_batch(0)
    with pytest.raises(BadInputError, match=r"batch\['meta'\]\['num_chars'\]"):
        update(metrics.bits_per_char(), logits, labels)


def test_negative_character_counts_are_bad_input():
    logits, labels = random_lm_batch(0)
    with pytest.raises(BadInputError, match="non-negative integers"):
        update(metrics.bits_per_char(), logits, labels, torch.tensor([3, -1, 2]))


def test_token_id_outside_the_vocabulary_is_bad_input():
    logits, labels = random_lm_batch(0)
    labels[1, 3] = 11
    with pytest.raises(BadInputError, match=r"token ids in \[0, 11\) or -100"):
        update(metrics.perplexity(), logits, labels)


def test_labels_of_another_sequence_length_are_bad_input():
    logits, labels = random_lm_batch(0)
    with pytest.raises(BadInputError, match=r"logits \(3, 9, 11\) and labels \(3, 8\)"):
        update(metrics.perplexity(), logits, labels[:, :8])


def test_batches_where_every_label_is_ignored_count_as_empty():
    logits, labels = random_lm_batch(0)
    metric = metrics.perplexity()
    metric.update({"logits": logits}, {"labels": torch.full_like(labels, -100)})
    with pytest.raises(BadInputError, match="no examples were added"):
        metric.compute()
