"""``-o key=value`` routing and conversion, metric names with ``@k``, and training settings."""

from __future__ import annotations

import pytest

from openzoo.engine.options import convert_option, parse_assignments, parse_metric_name, resolve_declared, route_options
from openzoo.engine.settings import resolve_training_settings, resume_conflicts
from openzoo.errors import BadInputError, UnknownNameError
from openzoo.specs import Option

MODEL_OPTIONS = (
    Option("dropout", "float", 0.1),
    Option("layers", "int", 2),
    Option("seed", "int"),
    Option("act", "str", "relu", choices=("relu", "tanh")),
)
DATASET_OPTIONS = (Option("seed", "int", 0), Option("lowercase", "bool", False), Option("path", "str"))


def route(values):
    return route_options(values, MODEL_OPTIONS, DATASET_OPTIONS, model_name="m", dataset_name="d")


def test_assignments_split_at_the_first_equals_sign():
    assert parse_assignments(["path=a=b", "layers=3"]) == {"path": "a=b", "layers": "3"}


@pytest.mark.parametrize("item", ["layers", "=3", ""], ids=["no-equals", "empty-key", "empty"])
def test_assignment_without_key_and_value_is_rejected(item):
    with pytest.raises(BadInputError, match="key=value"):
        parse_assignments([item])


def test_options_are_routed_to_the_component_that_declares_them_and_converted():
    routed = route({"dropout": "0.25", "layers": "4", "lowercase": "yes", "path": "/x"})
    assert routed.model == {"dropout": 0.25, "layers": 4}
    assert routed.dataset == {"lowercase": True, "path": "/x"}


def test_option_declared_by_both_needs_a_prefix():
    with pytest.raises(BadInputError, match=r"model\.seed=\.\.\. or -o dataset\.seed"):
        route({"seed": "1"})
    routed = route({"model.seed": "1", "dataset.seed": "2"})
    assert routed.model == {"seed": 1} and routed.dataset == {"seed": 2}


def test_unknown_option_suggests_the_closest_declared_one():
    with pytest.raises(UnknownNameError, match="Did you mean 'dropout'"):
        route({"dropuot": "0.1"})


def test_prefixed_option_of_the_wrong_component_is_unknown():
    with pytest.raises(UnknownNameError, match=r"dataset\.dropout"):
        route({"dataset.dropout": "0.1"})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("layers", "two", "takes an int"),
        ("layers", "2.5", "takes an int"),
        ("dropout", "high", "takes an float"),
        ("lowercase", "maybe", "takes a bool"),
        ("act", "gelu", "must be one of 'relu', 'tanh'"),
        ("layers", True, "takes an int"),
        ("layers", 2.5, "takes an int"),
        ("path", 3, "takes a str"),
    ],
    ids=[
        "int-text",
        "int-decimal",
        "float-text",
        "bool-text",
        "choice",
        "bool-for-int",
        "float-for-int",
        "int-for-str",
    ],
)
def test_option_of_the_wrong_type_names_the_option_and_type(key, value, message):
    with pytest.raises(BadInputError, match=message):
        route({key: value})


def test_python_values_are_accepted_when_they_have_the_declared_type():
    routed = route({"dropout": 1, "layers": 3.0, "lowercase": False})
    assert routed.model == {"dropout": 1.0, "layers": 3}
    assert isinstance(routed.model["dropout"], float) and isinstance(routed.model["layers"], int)


def test_predict_options_are_checked_against_one_component():
    options = (Option("top_k", "int", 5),)
    assert resolve_declared({"top_k": "3"}, options, "predict of model 'm'") == {"top_k": 3}
    with pytest.raises(UnknownNameError, match="Did you mean 'top_k'"):
        resolve_declared({"topk": "3"}, options, "predict of model 'm'")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("accuracy", ("accuracy", {})), ("ndcg@5", ("ndcg", {"k": "5"})), (" hr@10 ", ("hr", {"k": "10"}))],
    ids=["plain", "at-k", "spaces"],
)
def test_metric_names_may_carry_k(text, expected):
    assert parse_metric_name(text) == expected


@pytest.mark.parametrize("text", ["@5", "ndcg@", ""], ids=["no-name", "no-k", "empty"])
def test_malformed_metric_names_are_rejected(text):
    with pytest.raises(BadInputError, match="invalid metric"):
        parse_metric_name(text)


def test_flags_override_preset_training_defaults():
    settings = resolve_training_settings({"epochs": 5, "lr": 0.1, "batch_size": 16}, {"lr": 0.01}, device="cpu")
    assert (settings.epochs, settings.lr, settings.batch_size, settings.grad_accum) == (5, 0.01, 16, 1)


def test_epochs_flag_drops_the_presets_max_steps():
    settings = resolve_training_settings({"max_steps": 100}, {"epochs": 2}, device="cpu")
    assert settings.max_steps is None and settings.epochs == 2


def test_epochs_and_max_steps_together_are_rejected():
    with pytest.raises(BadInputError, match="either --epochs or --max-steps"):
        resolve_training_settings({}, {"epochs": 2, "max_steps": 3}, device="cpu")


@pytest.mark.parametrize(
    ("name", "value"),
    [("batch_size", 0), ("lr", -1.0), ("grad_accum", 0), ("warmup_ratio", 1.0), ("epochs", 1.5), ("seed", -1)],
    ids=["batch-size-0", "negative-lr", "grad-accum-0", "warmup-ratio-1", "fractional-epochs", "negative-seed"],
)
def test_out_of_range_settings_name_the_flag(name, value):
    with pytest.raises(BadInputError, match="--" + name.replace("_", "-")):
        resolve_training_settings({}, {name: value}, device="cpu")


def test_resume_conflicts_list_only_flags_that_differ():
    stored = {"lr": 0.01, "batch_size": 8, "device": "cpu"}
    assert resume_conflicts(stored, {"lr": 0.01, "batch_size": None, "device": "cuda"}) == []
    assert resume_conflicts(stored, {"lr": 0.1}) == ["--lr (the run has 0.01, given 0.1)"]


def test_a_list_option_takes_comma_separated_text_or_a_python_sequence_as_a_tuple():
    option = Option("depths", "list[int]", (2, 2), "residual blocks per stage")
    assert convert_option(option, "2, 3,4", "model 'm'") == (2, 3, 4)
    assert convert_option(option, "[5]", "model 'm'") == (5,)
    assert convert_option(option, [1, 2], "model 'm'") == (1, 2)
    names = Option("norms", "list[str]", None)
    assert convert_option(names, "layer,'batch'", "model 'm'") == ("layer", "batch")


def test_a_list_option_refuses_an_item_of_the_wrong_type_and_names_the_option():
    option = Option("depths", "list[int]", None)
    with pytest.raises(BadInputError, match=r"option 'depths' of model 'm' takes a list\[int\]"):
        convert_option(option, "2,x", "model 'm'")
    with pytest.raises(BadInputError, match=r"takes a list\[int\]"):
        convert_option(option, 3, "model 'm'")


def test_a_value_outside_the_declared_range_names_the_option_value_and_range():
    option = Option("dropout", "float", None, minimum=0, maximum=1, max_open=True)
    assert convert_option(option, "0.5", "model 'm'") == 0.5
    assert convert_option(option, 0, "model 'm'") == 0.0
    for value in ("1", 1.0, "-0.01"):
        with pytest.raises(BadInputError, match=r"option 'dropout' of model 'm' must be in the range \[0, 1\); got "):
            convert_option(option, value, "model 'm'")


def test_a_list_option_range_is_checked_element_by_element():
    option = Option("depths", "list[int]", (2, 2), minimum=1)
    assert convert_option(option, "1,3", "model 'm'") == (1, 3)
    with pytest.raises(BadInputError, match=r"option 'depths' of model 'm' must be in the range >= 1; got '0'"):
        convert_option(option, "2,0", "model 'm'")
