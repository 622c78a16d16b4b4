"""``openzoo.check_weight_files`` / ``check_loading_info``: the strict-loading checks plugins share.

The plugins' own suites (``plugins/*/tests/test_strict_loading.py``) and the engine's
(``tests/engine/test_strict_loading.py``) test them through real loading; these tests pin the
rules themselves, on tiny hand-made weight directories.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from safetensors.torch import save_file

import openzoo
from openzoo import BadInputError, check_loading_info, check_weight_files
from openzoo.conformance.tampering import replace_weights_with_pickle, truncate_weights
from openzoo.strict_loading import SIZE_ALLOWANCE


@pytest.fixture
def weights_dir(tmp_path):
    save_file({"a.weight": torch.zeros(3, 5), "b.bias": torch.zeros(7)}, str(tmp_path / "model.safetensors"))
    return tmp_path


def _info(missing=(), unexpected=(), mismatched=(), errors=()):
    return {
        "missing_keys": list(missing),
        "unexpected_keys": list(unexpected),
        "mismatched_keys": list(mismatched),
        "error_msgs": list(errors),
    }


def test_importing_openzoo_and_reading_the_checks_imports_no_torch_safetensors_or_transformers():
    code = (
        "import sys, openzoo; openzoo.check_weight_files, openzoo.strict_from_pretrained; "
        "print(sorted(m for m in ('torch', 'safetensors', 'transformers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def test_the_checks_are_public_names_of_openzoo():
    assert {"check_weight_files", "check_loading_info", "strict_from_pretrained"} <= set(openzoo.__all__)


def test_whole_files_return_every_key_with_its_shape(weights_dir):
    assert check_weight_files(weights_dir) == {weights_dir / "model.safetensors": {"a.weight": (3, 5), "b.bias": (7,)}}


def test_a_truncated_file_is_named_with_the_plugin_first(weights_dir):
    weights = truncate_weights(weights_dir, 8)
    with pytest.raises(BadInputError, match=rf"^vit: weight file {weights} is truncated or corrupt \("):
        check_weight_files(weights_dir, plugin="vit")


def test_a_directory_without_weights_passes_unless_they_are_required(tmp_path):
    assert check_weight_files(tmp_path) == {}
    with pytest.raises(BadInputError, match=r"holds no model.safetensors; save the model with save_pretrained"):
        check_weight_files(tmp_path, require=True)


def test_required_weights_found_only_as_a_pickle_name_the_pickle(weights_dir):
    replace_weights_with_pickle(weights_dir)
    with pytest.raises(BadInputError, match=r"holds no model.safetensors \(it has pytorch_model.bin: pickle files"):
        check_weight_files(weights_dir, require=True)


def test_the_network_is_sized_on_the_meta_device_and_refused_when_far_larger_than_the_files(weights_dir):
    built = []

    def network():
        layer = torch.nn.Linear(SIZE_ALLOWANCE, 2)  # 2**25 values: allocated only on the meta device
        built.append(layer.weight.device.type)
        return layer

    with pytest.raises(
        BadInputError, match=r"config.json describes a network of 33554434 values but its weights hold only 22"
    ):
        check_weight_files(weights_dir, network=network, plugin="bert")
    assert built == ["meta"]


def test_a_network_within_twice_the_files_plus_the_allowance_passes(weights_dir):
    check_weight_files(weights_dir, network=lambda: torch.nn.Linear(SIZE_ALLOWANCE // 2, 2))


def test_missing_unexpected_and_reshaped_keys_are_all_named_with_the_source():
    info = _info(missing=["b", "a"], unexpected=["c"], mismatched=[("d", (5,), (2,))])
    with pytest.raises(BadInputError) as error:
        check_loading_info(info, source="/runs/x/model", subject="the model its config.json describes", plugin="bert")
    assert str(error.value).startswith(
        "bert: the weights in /runs/x/model do not match the model its config.json describes: "
        "missing keys: a, b; unexpected keys: c; reshaped keys: d (file [5], model [2]). "
        "They belong to another model or were altered"
    )


def test_clean_loading_info_passes():
    check_loading_info(_info(), source="s", subject="m")


def test_keys_that_may_differ_are_forgiven_but_no_others():
    info = _info(missing=["classifier.bias", "encoder.w"], mismatched=[("classifier.weight", (5, 3), (2, 3))])
    with pytest.raises(BadInputError) as error:
        check_loading_info(info, source="s", subject="m", may_differ=lambda key: key.startswith("classifier."))
    assert "missing keys: encoder.w." in str(error.value)
    assert "classifier" not in str(error.value)


def test_unexpected_keys_are_forgiven_only_when_asked():
    check_loading_info(_info(unexpected=["other_head.weight"]), source="s", subject="m", unexpected_ok=True)
    with pytest.raises(BadInputError, match=r"unexpected keys: other_head.weight"):
        check_loading_info(_info(unexpected=["other_head.weight"]), source="s", subject="m")


def test_transformers_error_messages_are_reported_by_their_first_line():
    with pytest.raises(BadInputError, match=r"do not match m: size mismatch for w\. They"):
        check_loading_info(_info(errors=["size mismatch for w\n\tdetails"]), source="s", subject="m")


def test_long_key_lists_are_cut_after_eight_with_a_count():
    keys = [f"k{i:02d}" for i in range(11)]
    with pytest.raises(BadInputError, match=r"missing keys: k00, k01, k02, k03, k04, k05, k06, k07 and 3 more\."):
        check_loading_info(_info(missing=keys), source="s", subject="m")
