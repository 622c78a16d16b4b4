"""Plain rendering: aligned tables, key/value trees and strict JSON."""

from __future__ import annotations

import json
import math

from openzoo import Option, Preset
from openzoo.cli.render import dump_json, format_table, format_tree, to_jsonable


def test_table_columns_are_aligned_to_the_widest_cell_and_headers_upper_cased():
    lines = format_table(("name", "task"), [("vit", "image-classification"), ("bert-large", "text")])
    assert lines == ["NAME        TASK", "vit         image-classification", "bert-large  text"]


def test_table_clips_lines_to_the_given_width():
    lines = format_table(("name", "summary"), [("vit", "a very long summary indeed")], width=15)
    assert lines[1] == "vit   a very l…"
    assert all(len(line) <= 15 for line in lines)


def test_table_without_rows_prints_only_the_header():
    assert format_table(("name",), []) == ["NAME"]


def test_tree_nests_mappings_and_lists_and_skips_empty_values():
    lines = format_tree(
        {
            "name": "vit",
            "precisions": ("fp32", "bf16"),
            "empty": (),
            "config": {"width": 3, "deep": {"x": True}},
            "presets": [{"name": "tiny", "test": False}],
            "none": None,
        }
    )
    assert lines == [
        "name: vit",
        "precisions: fp32, bf16",
        "config:",
        "  width: 3",
        "  deep:",
        "    x: yes",
        "presets:",
        "  - name: tiny",
        "    test: no",
    ]


def test_tree_writes_infinity_readably():
    assert format_tree({"high": math.inf}) == ["high: inf"]


def test_json_converts_specs_mappings_sets_and_infinity():
    preset = Preset("tiny", "t", config={"w": 1})
    data = to_jsonable(
        {
            "preset": preset,
            "caps": frozenset({"b", "a"}),
            "range": (0.0, math.inf),
            "opt": Option("k", "int", 3, minimum=1),
        }
    )
    assert data == {
        "preset": {
            "name": "tiny",
            "description": "t",
            "config": {"w": 1},
            "training": {},
            "test": False,
            "requires_pretrained": False,
        },
        "caps": ["a", "b"],
        "range": [0.0, "inf"],
        "opt": {
            "name": "k",
            "type": "int",
            "default": 3,
            "help": "",
            "choices": [],
            "minimum": 1,
            "maximum": None,
            "min_open": False,
            "max_open": False,
        },
    }
    assert json.loads(dump_json({"range": (0.0, math.inf)})) == {"range": [0.0, "inf"]}
