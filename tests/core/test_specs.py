"""Specs validate themselves where they are declared, with messages that say how to fix them."""

from __future__ import annotations

import math

import pytest

from openzoo import DatasetSpec, DeviceSpec, MetricSpec, ModelSpec, Option, Preset, TaskSpec
from openzoo.errors import UnknownNameError

TINY = (Preset("tiny", "for tests", test=True),)


def model(**overrides):
    fields = {"name": "vit", "task": "image-classification", "description": "A model.", "factory": "pkg.mod:Cls"}
    fields.setdefault("presets", TINY)
    return ModelSpec(**{**fields, **overrides})


@pytest.mark.parametrize("name", ["ViT", "1vit", "vit model", "vit.tiny", "", "x" * 65, "vit:x"], ids=repr)
def test_invalid_component_names_are_rejected_with_the_rule(name):
    with pytest.raises(ValueError, match=r"invalid model name .*use lower-case letters, digits, '-' and '_'"):
        model(name=name)


@pytest.mark.parametrize("name", ["vit", "gpt2", "toy-images", "f1_macro", "x" * 64])
def test_valid_component_names_are_accepted(name):
    assert model(name=name).name == name


@pytest.mark.parametrize(
    "reference", ["no_colon", "pkg.mod:", ":Cls", "pkg mod:Cls", "pkg..mod:Cls", "pkg.mod:Cls:x"], ids=repr
)
def test_a_reference_that_is_not_module_colon_attribute_is_rejected_with_an_example(reference):
    with pytest.raises(ValueError, match=r"is not a lazy reference; write it as 'package.module:attribute'"):
        model(factory=reference)


@pytest.mark.parametrize(
    ("spec_type", "fields"),
    [
        (DatasetSpec, {"name": "d", "task": "image-classification", "description": "D.", "loader": "no_colon"}),
        (MetricSpec, {"name": "m", "tasks": ("image-classification",), "description": "M.", "factory": "no_colon"}),
        (DeviceSpec, {"name": "dev", "description": "Dev.", "backend": "no_colon"}),
    ],
    ids=["dataset", "metric", "device"],
)
def test_every_spec_kind_validates_its_reference(spec_type, fields):
    with pytest.raises(ValueError, match="is not a lazy reference"):
        spec_type(**fields)


def test_a_dotted_attribute_in_a_reference_is_accepted():
    assert model(factory="pkg.mod:Outer.Inner").factory == "pkg.mod:Outer.Inner"


def test_an_empty_description_is_rejected():
    with pytest.raises(ValueError, match="description must be a non-empty sentence"):
        model(description="   ")


def test_a_model_needs_at_least_one_preset():
    with pytest.raises(ValueError, match="presets must be a non-empty tuple of Preset"):
        model(presets=())


def test_duplicate_preset_names_are_rejected():
    with pytest.raises(ValueError, match="duplicate preset names"):
        model(presets=(Preset("tiny", "a"), Preset("tiny", "b")))


def test_a_default_preset_must_exist():
    with pytest.raises(ValueError, match=r"default_preset 'huge' is not one of \['tiny'\]"):
        model(default_preset="huge")


def test_unknown_training_defaults_in_a_preset_are_rejected():
    with pytest.raises(ValueError, match=r"unknown training defaults \['learning_rate'\]"):
        Preset("tiny", "t", training={"learning_rate": 0.1})


def test_preset_configs_are_read_only():
    preset = Preset("tiny", "t", config={"width": 3})
    with pytest.raises(TypeError):
        preset.config["width"] = 4  # type: ignore[index]


def test_preset_lookup_defaults_to_the_default_preset_and_suggests_on_typos():
    spec = model(presets=(Preset("small", "s"), Preset("tiny", "t")), default_preset="tiny")
    assert spec.preset().name == "tiny"
    assert spec.preset("small").name == "small"
    with pytest.raises(UnknownNameError, match=r"Did you mean 'small'\?"):
        spec.preset("smal")


def test_test_presets_are_those_marked_test():
    spec = model(presets=(Preset("small", "s"), Preset("tiny", "t", test=True)))
    assert [p.name for p in spec.test_presets] == ["tiny"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "Width", "type": "int"}, "invalid option name 'Width'"),
        ({"name": "width", "type": "integer"}, "type must be one of"),
        ({"name": "width", "type": "int", "default": "3"}, "default '3' is not of type int"),
        ({"name": "flag", "type": "bool", "default": 1}, "default 1 is not of type bool"),
        ({"name": "mode", "type": "str", "default": "c", "choices": ("a", "b")}, "is not among choices"),
        ({"name": "depths", "type": "list[int]", "default": (1, "2")}, r"is not of type list\[int\]"),
        ({"name": "depths", "type": "list[int]", "default": 3}, r"default 3 is not of type list\[int\]"),
        ({"name": "width", "type": "int", "default": True}, "default True is not of type int"),
        (
            {"name": "p", "type": "float", "default": 1.0, "minimum": 0, "maximum": 1, "max_open": True},
            r"outside its range \[0, 1\)",
        ),
        ({"name": "mode", "type": "str", "minimum": 0}, "bounds apply to int and float options only"),
        ({"name": "width", "type": "int", "minimum": 0.5}, "minimum 0.5 must be a finite int"),
        ({"name": "p", "type": "float", "maximum": math.inf}, "maximum inf must be a finite float"),
        ({"name": "p", "type": "float", "minimum": 1, "maximum": 0}, r"the range \[1, 0\] holds no value"),
        ({"name": "p", "type": "float", "minimum": 1, "maximum": 1, "min_open": True}, "holds no value"),
        ({"name": "p", "type": "float", "min_open": True}, "min_open needs a minimum"),
        (
            {"name": "depths", "type": "list[int]", "default": (2, 0), "minimum": 1},
            r"\(2, 0\) is outside its range >= 1",
        ),
    ],
    ids=[
        "name",
        "type",
        "default-type",
        "bool-default",
        "choices",
        "list-item",
        "list-scalar",
        "bool-for-int",
        "default-out-of-range",
        "bounds-on-str",
        "float-bound-on-int",
        "infinite-bound",
        "empty-range",
        "empty-open-range",
        "open-without-bound",
        "list-element-out-of-range",
    ],
)
def test_invalid_options_are_rejected(fields, message):
    with pytest.raises(ValueError, match=message):
        Option(**fields)


@pytest.mark.parametrize(
    ("fields", "text", "inside", "outside"),
    [
        ({"minimum": 0, "maximum": 1, "max_open": True}, "[0, 1)", (0, 0.999), (-1e-9, 1.0)),
        ({"minimum": 0, "min_open": True}, "> 0", (1e-9, 1e9), (0, -1)),
        ({"minimum": 0, "maximum": 1, "min_open": True}, "(0, 1]", (1e-9, 1), (0, 1.0001)),
        ({"maximum": 2}, "<= 2", (2, -5), (2.0001,)),
        ({"maximum": 2, "max_open": True}, "< 2", (1.999,), (2,)),
    ],
    ids=["half-open", "positive", "open-closed", "at-most", "below"],
)
def test_an_option_range_reads_as_an_interval_and_holds_what_it_says(fields, text, inside, outside):
    option = Option("p", "float", **fields)
    assert option.range_text() == text
    assert all(option.in_range(value) for value in inside)
    assert not any(option.in_range(value) for value in outside)


def test_a_list_option_range_applies_to_each_element():
    option = Option("depths", "list[int]", (2, 2), minimum=1)
    assert option.in_range((1, 5))
    assert not option.in_range((1, 0))


def test_an_option_without_bounds_accepts_every_number():
    option = Option("seed", "int", 0)
    assert option.range_text() == ""
    assert option.in_range(-(10**9))


def test_an_int_default_is_accepted_for_a_float_option():
    assert Option("lr", "float", 1).default == 1


def test_a_list_option_keeps_its_default_as_a_tuple():
    assert Option("hidden_sizes", "list[int]", [8, 16]).default == (8, 16)
    assert Option("scales", "list[float]", (1, 0.5)).default == (1, 0.5)


def test_precisions_must_include_fp32_and_come_from_the_known_set():
    with pytest.raises(ValueError, match="precisions must include 'fp32'"):
        model(precisions=("bf16",))
    with pytest.raises(ValueError, match="precisions must include 'fp32'"):
        model(precisions=("fp32", "int8"))


def test_unknown_capabilities_are_rejected_with_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown capabilities \['telepathy'\]; known:"):
        model(capabilities={"telepathy"})


def test_expected_failures_need_a_reason():
    with pytest.raises(ValueError, match="expected failure 'check_x' needs a non-empty reason"):
        model(expected_failures={"check_x": " "})


def test_a_metric_range_must_be_ordered():
    fields = {"name": "m", "tasks": ("image-classification",), "description": "M.", "factory": "a:b"}
    with pytest.raises(ValueError, match="range must be"):
        MetricSpec(**fields, range=(1.0, 0.0))
    with pytest.raises(ValueError, match="range must be"):
        MetricSpec(**fields, range=(math.nan, 1.0))
    assert MetricSpec(**fields, range=(0.0, math.inf)).range == (0.0, math.inf)


def test_a_metric_names_at_least_one_task():
    with pytest.raises(ValueError, match="name at least one task"):
        MetricSpec("m", (), "M.", "a:b")


def test_a_dataset_declares_at_least_one_split():
    with pytest.raises(ValueError, match="declare at least one split"):
        DatasetSpec("d", "image-classification", "D.", "a:b", splits=())


def test_a_task_selection_metric_must_be_a_default_metric():
    with pytest.raises(ValueError, match="selection_metric must be one of default_metrics"):
        TaskSpec("t", "T.", {}, {}, {}, "in", "out", default_metrics=("a",), selection_metric="b")
