"""accuracy and f1_macro agree with scikit-learn and reject malformed batches."""

from __future__ import annotations

import pytest
import torch
from sklearn.metrics import accuracy_score, f1_score

from openzoo.builtin import metrics
from openzoo.errors import BadInputError

LABELS = ["ant", "bee", "cat", "dog", "eel", "fox", "gnu"]


def random_batch(n: int, num_classes: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, num_classes, generator=g), torch.randint(0, num_classes, (n,), generator=g)


def value(factory, logits, labels, info=None):
    metric = factory(info if info is not None else {"labels": LABELS[: logits.shape[1]]})
    metric.update({"logits": logits}, {"labels": labels})
    return metric.compute()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_accuracy_equals_sklearn_accuracy_score(seed):
    logits, labels = random_batch(41, 7, seed)
    expected = accuracy_score(labels.numpy(), logits.argmax(1).numpy())
    assert value(metrics.accuracy, logits, labels) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_f1_macro_equals_sklearn_macro_f1(seed):
    logits, labels = random_batch(41, 7, seed)
    expected = f1_score(labels.numpy(), logits.argmax(1).numpy(), average="macro")
    assert value(metrics.f1_macro, logits, labels) == pytest.approx(expected, rel=1e-6)


def test_f1_macro_leaves_out_classes_never_seen_nor_predicted_like_sklearn():
    logits = torch.full((6, 5), -5.0)
    predicted = torch.tensor([0, 0, 1, 1, 1, 0])
    logits[torch.arange(6), predicted] = 5.0
    labels = torch.tensor([0, 1, 1, 1, 0, 0])  # classes 2, 3 and 4 never occur
    expected = f1_score(labels.numpy(), predicted.numpy(), average="macro")
    assert expected == pytest.approx(2 / 3)
    assert value(metrics.f1_macro, logits, labels) == pytest.approx(expected, rel=1e-6)


def test_f1_macro_scores_zero_for_a_class_that_is_never_predicted():
    logits = torch.tensor([[3.0, 0.0], [3.0, 0.0], [3.0, 0.0], [3.0, 0.0]])
    labels = torch.tensor([0, 0, 1, 1])
    expected = f1_score(labels.numpy(), [0, 0, 0, 0], average="macro", zero_division=0)
    assert value(metrics.f1_macro, logits, labels) == pytest.approx(expected, rel=1e-6)


def test_perfect_predictions_score_one():
    labels = torch.tensor([0, 3, 2, 1, 3])
    logits = torch.nn.functional.one_hot(labels, 4).float()
    assert value(metrics.accuracy, logits, labels) == 1.0
    assert value(metrics.f1_macro, logits, labels) == pytest.approx(1.0)


def test_number_of_classes_comes_from_the_logits_when_info_has_no_labels():
    logits, labels = random_batch(29, 4, 3)
    assert value(metrics.f1_macro, logits, labels, info={}) == pytest.approx(
        f1_score(labels.numpy(), logits.argmax(1).numpy(), average="macro"), rel=1e-6
    )


@pytest.mark.parametrize("factory", [metrics.accuracy, metrics.f1_macro], ids=["accuracy", "f1_macro"])
def test_logits_wider_than_the_dataset_labels_are_bad_input(factory):
    logits, labels = random_batch(5, 6, 0)
    with pytest.raises(BadInputError, match="6 columns but the dataset has 3 labels"):
        value(factory, logits, labels, info={"labels": ["a", "b", "c"]})


@pytest.mark.parametrize("factory", [metrics.accuracy, metrics.f1_macro], ids=["accuracy", "f1_macro"])
@pytest.mark.parametrize("bad", [-1, 7], ids=["negative", "too-large"])
def test_label_outside_the_classes_is_bad_input(factory, bad):
    logits, labels = random_batch(5, 7, 0)
    labels[2] = bad
    with pytest.raises(BadInputError, match=r"class indices in \[0, 7\)"):
        value(factory, logits, labels)


def test_logits_and_labels_of_different_batch_sizes_are_bad_input():
    logits, labels = random_batch(5, 7, 0)
    with pytest.raises(BadInputError, match=r"logits \(5, 7\) and labels \(4,\)"):
        value(metrics.accuracy, logits, labels[:4])


def test_float_labels_are_bad_input():
    logits, labels = random_batch(5, 7, 0)
    with pytest.raises(BadInputError, match="integer labels"):
        value(metrics.accuracy, logits, labels.float())


def test_empty_labels_list_in_info_is_bad_input():
    with pytest.raises(BadInputError, match="non-empty list of class names"):
        metrics.accuracy({"labels": []})


def test_gradients_do_not_flow_into_the_metric_state():
    logits, labels = random_batch(9, 7, 0)
    logits.requires_grad_(True)
    metric = metrics.accuracy({"labels": LABELS})
    metric.update({"logits": logits}, {"labels": labels})
    assert not metric.correct.requires_grad
