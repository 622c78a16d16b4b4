"""The catalogue: stable unique ids, a documented entry per check, the generated docs page, the schema."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest

from openzoo.conformance.catalogue import CHECKS, catalogue, check_id, markdown
from openzoo.conformance.runner import plan

DOCS_PAGE = Path(__file__).parents[2] / "docs" / "reference" / "conformance-checks.md"

#: Every test id planned for the clean fixture plugin, sorted. Changing a check id breaks
#: users' expected_failures: update this snapshot only together with the suite version.
CLEAN_IDS_SNAPSHOT = sorted(
    [
        f"plugin:fixture-clean::{name}"
        for name in (
            "check_plugin_entry_point_resolves",
            "check_plugin_distribution_metadata",
            "check_plugin_requires_compatible_core",
            "check_plugin_import_skips_torch",
            "check_plugin_import_is_fast",
            "check_plugin_import_has_no_network_access",
            "check_plugin_names_valid_and_unique",
            "check_plugin_specs_described_and_tasks_exist",
        )
    ]
    + [
        f"model:fix-clf::{name}(preset=tiny)"
        for name in (
            "check_model_builds",
            "check_model_tiny_preset_is_small",
            "check_model_forward_outputs",
            "check_model_loss_is_finite_scalar",
            "check_model_backward_reaches_every_parameter",
            "check_model_eval_is_deterministic",
            "check_model_seed_gives_same_weights",
            "check_model_batch_invariance",
            "check_model_predict_on_raw_inputs",
            "check_model_does_not_mutate_inputs",
            "check_model_degenerate_inputs_stay_finite",
            "check_model_keeps_training_modes",
            "check_model_save_load_round_trip",
            "check_model_saves_safetensors_without_pickle",
            "check_model_can_learn_one_batch",
        )
    ]
    + [
        "model:fix-clf::check_model_device_autocast(preset=tiny,precision=fp32)",
        "model:fix-clf::check_model_device_autocast(preset=tiny,precision=bf16)",
    ]
    + [
        f"model:fix-lm::{name}(preset=tiny)"
        for name in (
            "check_model_builds",
            "check_model_tiny_preset_is_small",
            "check_model_forward_outputs",
            "check_model_loss_is_finite_scalar",
            "check_model_backward_reaches_every_parameter",
            "check_model_eval_is_deterministic",
            "check_model_seed_gives_same_weights",
            "check_model_batch_invariance",
            "check_model_predict_on_raw_inputs",
            "check_model_does_not_mutate_inputs",
            "check_model_degenerate_inputs_stay_finite",
            "check_model_keeps_training_modes",
            "check_model_save_load_round_trip",
            "check_model_saves_safetensors_without_pickle",
            "check_model_can_learn_one_batch",
            "check_generation_greedy_is_deterministic",
            "check_generation_respects_max_new_tokens",
            "check_generation_stops_at_eos",
            "check_generation_kv_cache_gives_same_tokens",
        )
    ]
    + ["model:fix-lm::check_model_device_autocast(preset=tiny,precision=fp32)"]
    + [
        f"dataset:fix-reviews::{name}"
        for name in (
            "check_dataset_loads_offline",
            "check_dataset_loader_defaults_match_declared_options",
            "check_dataset_declared_splits_load",
            "check_dataset_examples_match_task_schema",
            "check_dataset_labels_within_declared_classes",
            "check_dataset_train_and_test_are_disjoint",
            "check_dataset_loads_deterministically",
            "check_dataset_is_picklable",
        )
    ]
    + [
        f"dataset:fix-file::{name}"
        for name in (
            "check_dataset_reading_user_files_declares_a_sample",
            "check_dataset_loads_offline",
            "check_dataset_loader_defaults_match_declared_options",
            "check_dataset_declared_splits_load",
            "check_dataset_examples_match_task_schema",
            "check_dataset_labels_within_declared_classes",
            "check_dataset_train_and_test_are_disjoint",
            "check_dataset_loads_deterministically",
            "check_dataset_is_picklable",
            "check_dataset_reads_the_same_through_dataloader_workers",
        )
    ]
    + [
        f"metric:fix-accuracy::{name}"
        for name in (
            "check_metric_declares_direction_and_range",
            "check_metric_empty_input_raises_clear_error",
            "check_metric_known_values",
            "check_metric_streaming_equals_one_shot",
            "check_metric_order_invariant",
            "check_metric_merged_states_equal_one_process",
            "check_metric_dtype_invariant",
            "check_metric_device_invariant",
        )
    ]
    + [
        f"device:fix-cpu::{name}"
        for name in (
            "check_device_is_available_answers",
            "check_device_tensor_round_trip_is_exact",
            "check_device_tensors_land_on_its_own_device_type",
            "check_device_matmul_matches_cpu",
            "check_device_seeding_is_deterministic",
            "check_device_autocast_dtypes_work",
            "check_device_memory_stats_keys",
            "check_device_distributed_group_initialises",
        )
    ]
    # the mutation-score categories
    + [
        "plugin:fixture-clean::check_plugin_leaves_process_state_unchanged",
        "plugin:fixture-clean::check_plugin_runs_hermetically",
        "model:fix-clf::check_model_presets_declare_valid_training",
        "model:fix-lm::check_model_presets_declare_valid_training",
        "model:fix-clf::check_model_every_preset_builds_and_starts_near_chance",
        "model:fix-lm::check_model_every_preset_builds_and_starts_near_chance",
        "model:fix-lm::check_model_predict_defaults_match_declared_options",
        "dataset:fix-reviews::check_dataset_reads_the_same_through_dataloader_workers",
        "metric:fix-accuracy::check_metric_reset_forgets_everything",
        "metric:fix-accuracy::check_metric_merges_uneven_shards",
    ]
    + [
        f"model:fix-clf::{name}(preset=tiny)"
        for name in (
            "check_model_runs_at_batch_sizes_one_and_odd",
            "check_model_loss_is_mean_over_copies",
            "check_model_loss_is_mean_over_examples",
            "check_model_seeds_give_different_weights",
            "check_model_predict_agrees_with_logits",
            "check_model_sizes_head_from_dataset_labels",
            "check_model_predict_handles_unusual_inputs",
        )
    ]
    + [
        f"model:fix-lm::{name}(preset=tiny)"
        for name in (
            "check_model_runs_at_batch_sizes_one_and_odd",
            "check_model_loss_is_mean_over_copies",
            "check_model_seeds_give_different_weights",
            "check_model_predict_handles_unusual_inputs",
        )
    ]
    # suite 1.4, from round 3's survivors: checkpoints, label counts, options that must act
    + [
        f"model:fix-clf::{name}(preset=tiny)"
        for name in (
            "check_model_starts_from_a_saved_checkpoint",
            "check_model_fine_tunes_a_checkpoint_on_other_labels",
            "check_model_refuses_a_damaged_checkpoint",
            "check_model_trains_and_predicts_with_two_classes",
        )
    ]
    + [
        "model:fix-lm::check_model_starts_from_a_saved_checkpoint(preset=tiny)",
        "model:fix-lm::check_model_refuses_a_damaged_checkpoint(preset=tiny)",
        "model:fix-lm::check_model_predict_option_acts(preset=tiny,option=max_new_tokens)",
    ]
    # suite 1.5, from round 4's survivors: streaming
    + ["model:fix-lm::check_model_stream_joins_to_predicted_text(preset=tiny)"]
    # suite 1.8: inputs of another kind
    + [
        f"model:{name}::check_model_predict_refuses_inputs_of_another_kind(preset=tiny)"
        for name in ("fix-clf", "fix-lm")
    ]
    + [f"dataset:{name}::check_dataset_training_split_holds_every_class" for name in ("fix-reviews", "fix-file")]
    # suite 1.9: a batch over 256, each damaged file of a checkpoint
    + [
        f"model:{name}::{check}(preset=tiny)"
        for name in ("fix-clf", "fix-lm")
        for check in ("check_model_runs_a_batch_over_256", "check_model_handles_each_damaged_checkpoint_file")
    ]
    # suite 1.10: a target outside the label space
    + [
        f"model:fix-clf::{check}(preset=tiny)"
        for check in (
            "check_model_collate_refuses_targets_outside_its_label_space",
            "check_model_round_trips_past_256_classes_or_ids",
        )
    ]
    + [f"model:{name}::check_model_refuses_an_empty_training_split(preset=tiny)" for name in ("fix-clf", "fix-lm")]
    + ["model:fix-lm::check_generation_predict_uses_the_kv_cache(preset=tiny)"]
    # suite 1.12: a checkpoint path as the user typed it
    + [
        f"model:{name}::check_model_starts_from_a_checkpoint_path_as_typed(preset=tiny)"
        for name in ("fix-clf", "fix-lm")
    ]
)


def test_planned_ids_match_the_snapshot_and_are_unique(registry):
    ids = [p.test_id for p in plan("fixture-clean", registry=registry)]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == CLEAN_IDS_SNAPSHOT


def test_checks_run_cheap_packaging_checks_first_then_construction(registry):
    planned = plan("fixture-clean", registry=registry)
    kinds = [p.info.kind for p in planned]
    assert kinds[: kinds.index("model")] == ["packaging"] * 10
    assert planned[10].check_id == "check_model_builds(preset=tiny)"


def test_every_check_has_a_unique_name_a_level_and_a_doc_paragraph():
    entries = catalogue()
    names = [e.name for e in entries]
    assert len(names) == len(set(names)) == len(CHECKS)
    for entry in entries:
        assert entry.level in ("required", "recommended")
        assert "Why" in entry.doc and "Fix" in entry.doc, entry.name


def test_variant_ids_put_keyword_arguments_in_parentheses():
    from functools import partial

    from openzoo.conformance.capability_checks import check_model_device_autocast

    variant = partial(check_model_device_autocast, preset="tiny", precision="bf16")
    assert check_id(variant) == "check_model_device_autocast(preset=tiny,precision=bf16)"


def test_capabilities_and_precisions_select_checks_not_plugin_names(registry):
    import dataclasses

    spec = dataclasses.replace(
        registry.model("fix-clf"), name="renamed", capabilities=frozenset({"torch_compile"}), precisions=("fp32",)
    )
    ids = {p.check_id for p in plan([spec], registry=registry)}
    assert "check_model_torch_compile(preset=tiny)" in ids
    assert "check_model_device_autocast(preset=tiny,precision=bf16)" not in ids
    assert "check_generation_kv_cache_gives_same_tokens(preset=tiny)" not in ids


def test_the_docs_page_is_generated_from_the_catalogue():
    assert DOCS_PAGE.read_text(encoding="utf-8") == markdown(), (
        "regenerate it: python -m openzoo.conformance.catalogue --output docs/reference/conformance-checks.md"
    )


def test_the_docs_page_documents_every_check_and_the_generation_api():
    page = markdown()
    for entry in catalogue():
        assert f"### {entry.name}" in page
    assert "def generate_ids(self, prompt: str" in page


def test_certificate_schema_ships_in_the_package_and_is_valid_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(files("openzoo.conformance").joinpath("certificate.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
