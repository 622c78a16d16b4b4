"""Every builtin metric keeps the Metric contract: streaming, merging, dtypes, devices, errors."""

from __future__ import annotations

import itertools
import warnings

import pytest
import torch
import torchmetrics
from hypothesis import given, settings
from hypothesis import strategies as st

from openzoo.builtin.metrics import display_name
from openzoo.errors import BadInputError
from openzoo.protocols import Metric

N = 23


def one_shot(new_metric, name, outputs, batch):
    metric = new_metric(name)
    metric.update(outputs, batch)
    return metric.compute()


def test_factory_returns_a_torchmetrics_metric_that_follows_the_protocol(new_metric, metric_name):
    metric = new_metric(metric_name)
    assert isinstance(metric, torchmetrics.Metric)
    assert isinstance(metric, Metric)


def test_compute_returns_a_python_float_inside_the_spec_range(registry, new_metric, metric_inputs, metric_name):
    value = one_shot(new_metric, metric_name, *metric_inputs(metric_name, N, 0))
    low, high = registry.metric(metric_name).range
    assert type(value) is float
    assert low <= value <= high


def test_metric_direction_matches_its_spec(registry, new_metric, metric_name):
    assert new_metric(metric_name).higher_is_better is registry.metric(metric_name).higher_is_better


@settings(max_examples=15, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=N), max_size=4), seed=st.integers(0, 2**16))
def test_streaming_in_chunks_equals_one_shot(new_metric, metric_inputs, rows, cuts, seed):
    for name in ("accuracy", "f1_macro", "perplexity", "bits_per_char", "rmse", "mae", "hr", "ndcg"):
        outputs, batch = metric_inputs(name, N, seed)
        bounds = [0, *sorted(cuts), N]
        streamed = new_metric(name)
        for start, stop in itertools.pairwise(bounds):
            streamed.update(rows(outputs, slice(start, stop)), rows(batch, slice(start, stop)))
        assert streamed.compute() == pytest.approx(one_shot(new_metric, name, outputs, batch), rel=1e-5), name


def test_value_does_not_depend_on_the_order_of_examples(new_metric, metric_inputs, rows, metric_name):
    outputs, batch = metric_inputs(metric_name, N, 1)
    order = torch.randperm(N, generator=torch.Generator().manual_seed(5))
    shuffled = one_shot(new_metric, metric_name, rows(outputs, order), rows(batch, order))
    assert shuffled == pytest.approx(one_shot(new_metric, metric_name, outputs, batch), rel=1e-5)


def test_merging_the_states_of_two_halves_equals_the_whole(new_metric, metric_inputs, rows, metric_name):
    outputs, batch = metric_inputs(metric_name, N, 2)
    first, second = new_metric(metric_name), new_metric(metric_name)
    first.update(rows(outputs, slice(0, 9)), rows(batch, slice(0, 9)))
    first.compute()  # a cached value must not survive the merge
    second.update(rows(outputs, slice(9, N)), rows(batch, slice(9, N)))
    first.merge_state(second)
    assert first.compute() == pytest.approx(one_shot(new_metric, metric_name, outputs, batch), rel=1e-5)


def test_compute_with_nothing_added_is_bad_input(new_metric, metric_name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torchmetrics warns about compute before update
        with pytest.raises(BadInputError, match="no examples were added"):
            new_metric(metric_name).compute()


def test_reset_forgets_every_added_example(new_metric, metric_inputs, metric_name):
    metric = new_metric(metric_name)
    metric.update(*metric_inputs(metric_name, N, 3))
    metric.compute()
    metric.reset()
    outputs, batch = metric_inputs(metric_name, N, 4)
    metric.update(outputs, batch)
    assert metric.compute() == pytest.approx(one_shot(new_metric, metric_name, outputs, batch), rel=1e-6)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["fp16", "bf16"])
def test_half_precision_outputs_give_the_fp32_value(new_metric, metric_inputs, cast, metric_name, dtype):
    outputs, batch = metric_inputs(metric_name, N, 6)
    half = one_shot(new_metric, metric_name, cast(outputs, dtype), batch)
    assert half == pytest.approx(one_shot(new_metric, metric_name, outputs, batch), rel=1e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="device invariance on cuda needs a CUDA GPU")
def test_metric_on_cuda_gives_the_cpu_value(new_metric, metric_inputs, cast, metric_name):
    outputs, batch = metric_inputs(metric_name, N, 7)
    metric = new_metric(metric_name).to("cuda")
    metric.update(cast(outputs, torch.float32, "cuda"), cast(batch, torch.float32, "cuda"))
    assert metric.compute() == pytest.approx(one_shot(new_metric, metric_name, outputs, batch), rel=1e-5)


def test_missing_output_key_is_bad_input_naming_the_key(new_metric, metric_inputs, metric_name):
    outputs, batch = metric_inputs(metric_name, N, 8)
    (key,) = outputs
    with pytest.raises(BadInputError, match=key):
        new_metric(metric_name).update({"other": outputs[key]}, batch)


def test_unknown_option_is_bad_input(new_metric, metric_name):
    with pytest.raises(BadInputError, match="unknown option"):
        new_metric(metric_name, colour="blue")


@pytest.mark.parametrize(
    ("name", "options", "shown"),
    [
        ("hr", {"k": 10}, "hr@10"),
        ("ndcg", {"k": 5}, "ndcg@5"),
        ("accuracy", {}, "accuracy"),
        ("accuracy", None, "accuracy"),
        ("recall", {"k": 3, "average": "macro"}, "recall@3(average=macro)"),
    ],
    ids=["hr-k10", "ndcg-k5", "no-options", "options-none", "k-and-other"],
)
def test_display_name_shows_k_after_an_at_sign(name, options, shown):
    assert display_name(name, options) == shown
