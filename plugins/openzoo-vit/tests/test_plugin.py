"""The plugin's declarations: discovered through the entry point, cheap to list, presets as documented."""

from __future__ import annotations

import subprocess
import sys

from openzoo.plugins import load_registry


def test_the_entry_point_registers_the_model_and_both_datasets():
    registry = load_registry()
    [record] = [r for r in registry.plugins if r.name == "vit"]
    assert record.status == "ok", record.problems
    assert record.dist == "openzoo-vit"
    assert record.provides == {"models": ["vit"], "datasets": ["digits", "imagefolder"]}


def test_listing_the_plugin_imports_neither_torch_nor_transformers_nor_the_model():
    code = (
        "import sys; from openzoo.plugins import load_registry; r = load_registry(); r.model('vit'); "
        "r.dataset('imagefolder'); "
        "print(sorted(m for m in ('torch', 'transformers', 'sklearn', 'openzoo_vit.model', 'PIL') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "[]"


def test_small_is_the_default_preset_and_tiny_is_the_conformance_preset():
    spec = load_registry().model("vit")
    assert spec.preset().name == "small"
    assert [p.name for p in spec.test_presets] == ["tiny"]
    assert spec.hf_auto_class == "AutoModelForImageClassification"
    assert [o.name for o in spec.predict_options] == ["top_k"]


def test_every_preset_config_key_is_a_declared_model_option():
    spec = load_registry().model("vit")
    declared = {option.name for option in spec.options}
    for preset in spec.presets:
        assert set(preset.config) <= declared, preset.name


def test_the_small_preset_trains_for_at_most_a_few_minutes_worth_of_steps():
    training = load_registry().model("vit").preset("small").training
    assert training["epochs"] * 1259 / training["batch_size"] < 2000  # optimizer steps on the digits train split
