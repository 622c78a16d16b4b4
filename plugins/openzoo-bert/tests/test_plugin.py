"""The entry point: declarations only, discoverable, and cheap to import."""

from __future__ import annotations

import json
import subprocess
import sys

from openzoo.plugins import load_registry

from openzoo_bert.plugin import openzoo_datasets, openzoo_models


def test_listing_the_plugin_imports_neither_torch_nor_transformers():
    code = (
        "import json, sys\n"
        "from openzoo.plugins import load_registry\n"
        "registry = load_registry()\n"
        "print(json.dumps({'bert': registry.model('bert').origin.dist, "
        "'heavy': sorted(m for m in ('torch', 'transformers', 'tokenizers') if m in sys.modules)}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["bert"] == "openzoo-bert"
    assert report["heavy"] == []


def test_registry_finds_the_model_and_datasets_of_this_distribution():
    registry = load_registry()
    assert registry.model("bert").origin.dist == "openzoo-bert"
    for name in ("movie-reviews", "csv", "jsonl"):
        assert registry.dataset(name).origin.dist == "openzoo-bert"


def test_tiny_is_the_only_test_preset_and_mini_is_the_default():
    spec = openzoo_models()[0]
    assert [preset.name for preset in spec.test_presets] == ["tiny"]
    assert spec.preset().name == "mini"
    assert spec.hf_auto_class == "AutoModelForSequenceClassification"
    assert spec.capabilities == frozenset({"batch_invariance", "onnx", "pretrained", "torch_compile"})


def test_every_dataset_declares_the_text_classification_task_and_a_source():
    for spec in openzoo_datasets():
        assert spec.task == "text-classification"
        assert spec.source
