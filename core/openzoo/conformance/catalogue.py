"""The catalogue: every check, in the order it runs, and the generators that select them.

A generator per component kind yields ``functools.partial`` objects (a check with
its variant keyword arguments) in a fixed order, cheap checks first. The
component's declarations (its task, capabilities, precisions, test presets)
select the checks; a plugin's name never does.

``python -m openzoo.conformance.catalogue --markdown`` prints the reference page
of every check (``docs/reference/conformance-checks.md``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from openzoo.conformance import (
    behaviour_checks,
    capability_checks,
    checkpoint_checks,
    consistency_checks,
    dataloader_checks,
    dataset_checks,
    dataset_option_checks,
    declared_range_checks,
    default_checks,
    device_checks,
    export_checks,
    finetune_checks,
    generation_checks,
    hygiene_checks,
    input_checks,
    invariance_checks,
    label_count_checks,
    malformed_sample_checks,
    metric_checks,
    metric_lifecycle_checks,
    model_checks,
    option_checks,
    option_effect_checks,
    packaging_checks,
    preset_checks,
    record_checks,
    robustness_checks,
    semantics_checks,
    stream_checks,
    waiver_checks,
)
from openzoo.conformance.declaration import DOCS_PAGE, CheckInfo, info_of
from openzoo.conformance.subjects import (
    DatasetSubject,
    DeviceSubject,
    MetricSubject,
    ModelSubject,
    PluginSubject,
    Subject,
)
from openzoo.conformance.task_inputs import METRIC_TASKS
from openzoo.tasks import IMAGE_CLASSIFICATION, RECOMMENDATION, TEXT_CLASSIFICATION, TEXT_GENERATION

__all__ = ["CHECKS", "check_id", "checks_for", "main", "markdown"]

#: Every check, in the order the suite runs them for one plugin.
CHECKS: tuple[Callable[..., Any], ...] = (
    packaging_checks.check_plugin_entry_point_resolves,
    packaging_checks.check_plugin_distribution_metadata,
    packaging_checks.check_plugin_requires_compatible_core,
    packaging_checks.check_plugin_import_skips_torch,
    packaging_checks.check_plugin_import_is_fast,
    packaging_checks.check_plugin_import_has_no_network_access,
    packaging_checks.check_plugin_names_valid_and_unique,
    packaging_checks.check_plugin_specs_described_and_tasks_exist,
    waiver_checks.check_plugin_expected_failures_are_valid,
    model_checks.check_model_builds,
    model_checks.check_model_tiny_preset_is_small,
    model_checks.check_model_forward_outputs,
    model_checks.check_model_loss_is_finite_scalar,
    model_checks.check_model_backward_reaches_every_parameter,
    model_checks.check_model_eval_is_deterministic,
    model_checks.check_model_seed_gives_same_weights,
    behaviour_checks.check_model_batch_invariance,
    behaviour_checks.check_model_predict_on_raw_inputs,
    behaviour_checks.check_model_does_not_mutate_inputs,
    robustness_checks.check_model_degenerate_inputs_stay_finite,
    robustness_checks.check_model_keeps_training_modes,
    checkpoint_checks.check_model_save_load_round_trip,
    checkpoint_checks.check_model_saves_safetensors_without_pickle,
    checkpoint_checks.check_model_hf_auto_class_loads,
    model_checks.check_model_can_learn_one_batch,
    # -- the mutation-score categories (issue 22); kept out of the slices the generators take
    hygiene_checks.check_plugin_leaves_process_state_unchanged,
    hygiene_checks.check_plugin_runs_hermetically,
    invariance_checks.check_model_runs_at_batch_sizes_one_and_odd,
    invariance_checks.check_model_loss_is_mean_over_copies,
    invariance_checks.check_model_loss_is_mean_over_examples,
    invariance_checks.check_model_seeds_give_different_weights,
    semantics_checks.check_model_predict_agrees_with_logits,
    semantics_checks.check_model_recommends_unseen_items,
    input_checks.check_model_predict_handles_unusual_inputs,
    option_checks.check_generation_sampling_follows_its_options,
    preset_checks.check_model_presets_declare_valid_training,
    preset_checks.check_model_sizes_head_from_dataset_labels,
    consistency_checks.check_model_predict_option_choices_are_not_inert,
    consistency_checks.check_model_ranking_scores_agree_with_pair_scores,
    consistency_checks.check_model_image_encodings_give_the_same_prediction,
    consistency_checks.check_model_refuses_option_values_outside_their_type,
    option_checks.check_model_refuses_option_values_outside_their_bounds,
    declared_range_checks.check_model_accepts_option_values_at_their_bounds,
    consistency_checks.check_model_every_preset_builds_and_starts_near_chance,
    # -- suite 1.4, from round 3's survivors (hmutA): checkpoints, label counts, options that must act
    finetune_checks.check_model_starts_from_a_saved_checkpoint,
    finetune_checks.check_model_fine_tunes_a_checkpoint_on_other_labels,
    finetune_checks.check_model_refuses_a_damaged_checkpoint,
    label_count_checks.check_model_trains_and_predicts_with_two_classes,
    option_effect_checks.check_model_predict_option_acts,
    option_effect_checks.check_model_option_acts,
    # -- suite 1.5, from round 4's survivors: streaming
    stream_checks.check_model_stream_joins_to_predicted_text,
    dataset_checks.check_dataset_training_split_holds_every_class,
    # -- suite 1.6, from round 5's survivors: transparency, split fractions
    consistency_checks.check_model_transparent_image_encodings_agree,
    consistency_checks.check_model_sixteen_bit_image_agrees_with_eight_bit,
    dataset_option_checks.check_dataset_split_fractions_move_their_split,
    # -- suite 1.7: a plugin's recorded behaviour, bound to its version
    record_checks.check_plugin_behaviour_matches_its_record,
    # -- suite 1.8: neutral sampling filters, inputs of another kind
    option_checks.check_generation_neutral_filters_change_nothing,
    input_checks.check_model_predict_refuses_inputs_of_another_kind,
    # -- suite 1.9: a batch over 256
    invariance_checks.check_model_runs_a_batch_over_256,
    malformed_sample_checks.check_dataset_loads_its_sample_variants,
    finetune_checks.check_model_handles_each_damaged_checkpoint_file,
    # -- suite 1.10: targets outside the label space, counts past 256
    semantics_checks.check_model_collate_refuses_targets_outside_its_label_space,
    checkpoint_checks.check_model_round_trips_past_256_classes_or_ids,
    robustness_checks.check_model_refuses_an_empty_training_split,
    generation_checks.check_generation_predict_uses_the_kv_cache,
    # -- suite 1.11: stop strings in the continuation only, and held back whole
    stream_checks.check_generation_stop_strings_cut_only_the_continuation,
    # -- suite 1.12: a checkpoint path as the user typed it
    finetune_checks.check_model_starts_from_a_checkpoint_path_as_typed,
    default_checks.check_model_predict_defaults_match_declared_options,
    default_checks.check_dataset_loader_defaults_match_declared_options,
    dataloader_checks.check_dataset_reads_the_same_through_dataloader_workers,
    dataset_option_checks.check_dataset_loads_under_every_option_value,
    dataset_option_checks.check_dataset_refuses_option_values_outside_their_bounds,
    dataset_option_checks.check_dataset_accepts_option_values_at_their_bounds,
    malformed_sample_checks.check_dataset_refuses_its_malformed_samples,
    metric_lifecycle_checks.check_metric_reset_forgets_everything,
    metric_lifecycle_checks.check_metric_merges_uneven_shards,
    generation_checks.check_generation_greedy_is_deterministic,
    generation_checks.check_generation_respects_max_new_tokens,
    generation_checks.check_generation_stops_at_eos,
    generation_checks.check_generation_kv_cache_gives_same_tokens,
    capability_checks.check_model_gradient_checkpointing,
    capability_checks.check_model_torch_compile,
    capability_checks.check_model_device_autocast,
    dataset_checks.check_dataset_reading_user_files_declares_a_sample,
    export_checks.check_model_onnx_export_round_trips,
    dataset_checks.check_dataset_loads_offline,
    dataset_checks.check_dataset_declared_splits_load,
    dataset_checks.check_dataset_examples_match_task_schema,
    dataset_checks.check_dataset_labels_within_declared_classes,
    dataset_checks.check_dataset_train_and_test_are_disjoint,
    dataset_checks.check_dataset_loads_deterministically,
    dataset_checks.check_dataset_is_picklable,
    metric_checks.check_metric_declares_direction_and_range,
    metric_checks.check_metric_empty_input_raises_clear_error,
    metric_checks.check_metric_known_values,
    metric_checks.check_metric_streaming_equals_one_shot,
    metric_checks.check_metric_order_invariant,
    metric_checks.check_metric_merged_states_equal_one_process,
    metric_checks.check_metric_dtype_invariant,
    metric_checks.check_metric_device_invariant,
    device_checks.check_device_is_available_answers,
    device_checks.check_device_tensor_round_trip_is_exact,
    device_checks.check_device_tensors_land_on_its_own_device_type,
    device_checks.check_device_matmul_matches_cpu,
    device_checks.check_device_seeding_is_deterministic,
    device_checks.check_device_autocast_dtypes_work,
    device_checks.check_device_memory_stats_keys,
    device_checks.check_device_distributed_group_initialises,
)

_TEXT_TASKS = (TEXT_CLASSIFICATION, TEXT_GENERATION)


def check_id(check: Callable[..., Any]) -> str:
    """Return the stable id of a check or a variant: ``name`` or ``name(key=value,...)``."""
    name = info_of(check).name
    keywords = getattr(check, "keywords", None) or {}
    if not keywords:
        return name
    return name + "(" + ",".join(f"{k}={v}" for k, v in keywords.items()) + ")"


def _plugin_checks(subject: PluginSubject) -> Iterator[Callable[..., Any]]:
    for function in CHECKS[:8]:
        if function is packaging_checks.check_plugin_requires_compatible_core and subject.record.builtin:
            continue
        yield function
    if not subject.record.builtin:
        yield hygiene_checks.check_plugin_leaves_process_state_unchanged
        yield hygiene_checks.check_plugin_runs_hermetically
        if record_checks.has_record(subject):
            yield record_checks.check_plugin_behaviour_matches_its_record


def _model_checks(subject: ModelSubject) -> Iterator[Callable[..., Any]]:
    spec = subject.spec
    capabilities = spec.capabilities
    for preset in spec.test_presets:
        p = {"preset": preset.name}
        for function in CHECKS[9:16]:
            yield partial(function, **p)
        if spec.task in _TEXT_TASKS or "batch_invariance" in capabilities:
            yield partial(behaviour_checks.check_model_batch_invariance, **p)
        yield partial(behaviour_checks.check_model_predict_on_raw_inputs, **p)
        yield partial(behaviour_checks.check_model_does_not_mutate_inputs, **p)
        yield partial(robustness_checks.check_model_degenerate_inputs_stay_finite, **p)
        yield partial(robustness_checks.check_model_keeps_training_modes, **p)
        yield partial(checkpoint_checks.check_model_save_load_round_trip, **p)
        yield partial(checkpoint_checks.check_model_saves_safetensors_without_pickle, **p)
        if spec.hf_auto_class:
            yield partial(checkpoint_checks.check_model_hf_auto_class_loads, **p)
        yield partial(model_checks.check_model_can_learn_one_batch, **p)
        yield from _mutation_score_model_checks(spec, p)
        if "generation" in capabilities:
            yield partial(generation_checks.check_generation_greedy_is_deterministic, **p)
            yield partial(generation_checks.check_generation_respects_max_new_tokens, **p)
            yield partial(generation_checks.check_generation_stops_at_eos, **p)
        if "kv_cache" in capabilities:
            yield partial(generation_checks.check_generation_kv_cache_gives_same_tokens, **p)
            yield partial(generation_checks.check_generation_predict_uses_the_kv_cache, **p)
        if "gradient_checkpointing" in capabilities:
            yield partial(capability_checks.check_model_gradient_checkpointing, **p)
        if "torch_compile" in capabilities:
            yield partial(capability_checks.check_model_torch_compile, **p)
        if "onnx" in capabilities:
            yield partial(export_checks.check_model_onnx_export_round_trips, **p)
        for precision in spec.precisions:
            yield partial(capability_checks.check_model_device_autocast, preset=preset.name, precision=precision)
    yield preset_checks.check_model_presets_declare_valid_training
    yield consistency_checks.check_model_every_preset_builds_and_starts_near_chance
    if spec.predict_options:
        yield default_checks.check_model_predict_defaults_match_declared_options


def _mutation_score_model_checks(spec: Any, p: dict[str, str]) -> Iterator[Callable[..., Any]]:
    yield partial(invariance_checks.check_model_runs_at_batch_sizes_one_and_odd, **p)
    yield partial(invariance_checks.check_model_loss_is_mean_over_copies, **p)
    if spec.task in invariance_checks.ONE_TARGET_TASKS:
        yield partial(invariance_checks.check_model_loss_is_mean_over_examples, **p)
    yield partial(invariance_checks.check_model_seeds_give_different_weights, **p)
    if spec.task in (TEXT_CLASSIFICATION, IMAGE_CLASSIFICATION):
        yield partial(semantics_checks.check_model_predict_agrees_with_logits, **p)
        yield partial(preset_checks.check_model_sizes_head_from_dataset_labels, **p)
    if spec.task == IMAGE_CLASSIFICATION:
        yield partial(consistency_checks.check_model_image_encodings_give_the_same_prediction, **p)
        yield partial(consistency_checks.check_model_transparent_image_encodings_agree, **p)
        yield partial(consistency_checks.check_model_sixteen_bit_image_agrees_with_eight_bit, **p)
    if spec.task == RECOMMENDATION:
        yield partial(semantics_checks.check_model_recommends_unseen_items, **p)
        yield partial(consistency_checks.check_model_ranking_scores_agree_with_pair_scores, **p)
    yield partial(input_checks.check_model_predict_handles_unusual_inputs, **p)
    if any(len(o.choices) > 1 for o in spec.predict_options):
        yield partial(consistency_checks.check_model_predict_option_choices_are_not_inert, **p)
    if any(o.choices or o.type in consistency_checks.OPTION_TYPES_PROBED for o in spec.options):
        yield partial(consistency_checks.check_model_refuses_option_values_outside_their_type, **p)
    if any(option_checks.outside_values(o) for o in (*spec.options, *spec.predict_options)):
        yield partial(option_checks.check_model_refuses_option_values_outside_their_bounds, **p)
    if any(declared_range_checks.at_bound_values(o) for o in (*spec.options, *spec.predict_options)):
        yield partial(declared_range_checks.check_model_accepts_option_values_at_their_bounds, **p)
    yield from _round_three_model_checks(spec, p)
    names = {o.name for o in spec.predict_options}
    if "generation" in spec.capabilities and {"do_sample", "seed"} <= names:
        yield partial(option_checks.check_generation_sampling_follows_its_options, **p)
        if option_checks.neutral_filters(spec):
            yield partial(option_checks.check_generation_neutral_filters_change_nothing, **p)
    yield partial(input_checks.check_model_predict_refuses_inputs_of_another_kind, **p)
    yield partial(invariance_checks.check_model_runs_a_batch_over_256, **p)
    if spec.task in semantics_checks.LABEL_SPACE_TASKS:
        yield partial(semantics_checks.check_model_collate_refuses_targets_outside_its_label_space, **p)
        yield partial(checkpoint_checks.check_model_round_trips_past_256_classes_or_ids, **p)
    yield partial(robustness_checks.check_model_refuses_an_empty_training_split, **p)


def _round_three_model_checks(spec: Any, p: dict[str, str]) -> Iterator[Callable[..., Any]]:
    """Suite 1.4: paths only a saved checkpoint reaches, label-count boundaries, options that must act."""
    yield partial(finetune_checks.check_model_starts_from_a_saved_checkpoint, **p)
    yield partial(finetune_checks.check_model_starts_from_a_checkpoint_path_as_typed, **p)
    if spec.task in finetune_checks.CLASSIFICATION_TASKS:
        yield partial(finetune_checks.check_model_fine_tunes_a_checkpoint_on_other_labels, **p)
    yield partial(finetune_checks.check_model_refuses_a_damaged_checkpoint, **p)
    yield partial(finetune_checks.check_model_handles_each_damaged_checkpoint_file, **p)
    if spec.task in finetune_checks.CLASSIFICATION_TASKS:
        yield partial(label_count_checks.check_model_trains_and_predicts_with_two_classes, **p)
    for option in spec.predict_options:
        if option_effect_checks.is_probed(option):
            yield partial(option_effect_checks.check_model_predict_option_acts, **p, option=option.name)
    for option in spec.options:
        if option_effect_checks.is_probed(option):
            yield partial(option_effect_checks.check_model_option_acts, **p, option=option.name)
    if spec.task == TEXT_GENERATION:
        yield partial(stream_checks.check_model_stream_joins_to_predicted_text, **p)
        if any(option.name == "stop" for option in spec.predict_options):
            yield partial(stream_checks.check_generation_stop_strings_cut_only_the_continuation, **p)


def _dataset_checks(subject: DatasetSubject) -> Iterator[Callable[..., Any]]:
    if any(option.name == "path" for option in subject.spec.options):
        yield dataset_checks.check_dataset_reading_user_files_declares_a_sample
    yield dataset_checks.check_dataset_loads_offline
    yield default_checks.check_dataset_loader_defaults_match_declared_options
    yield dataset_checks.check_dataset_declared_splits_load
    yield dataset_checks.check_dataset_examples_match_task_schema
    if "label" in subject.task.example:
        yield dataset_checks.check_dataset_labels_within_declared_classes
        yield dataset_checks.check_dataset_training_split_holds_every_class
    if len(subject.spec.splits) > 1:
        yield dataset_checks.check_dataset_train_and_test_are_disjoint
    yield dataset_checks.check_dataset_loads_deterministically
    yield dataset_checks.check_dataset_is_picklable
    yield dataloader_checks.check_dataset_reads_the_same_through_dataloader_workers
    if subject.spec.sample is not None:  # loads of a sample are cheap enough to repeat for every option value
        yield from _dataset_option_checks(subject.spec.options, subject.spec.splits)
    elif any(option_checks.outside_values(o) for o in subject.spec.options):
        # a refusal reads nothing, so every dataset is probed at its bounds (suite 1.9): a shipped or
        # downloaded dataset's option checks run no sample, and were skipped before
        yield dataset_option_checks.check_dataset_refuses_option_values_outside_their_bounds
    if subject.spec.malformed_samples is not None:
        yield malformed_sample_checks.check_dataset_refuses_its_malformed_samples
    if subject.spec.sample_variants is not None:
        yield malformed_sample_checks.check_dataset_loads_its_sample_variants


def _dataset_option_checks(options: tuple[Any, ...], split_names: tuple[str, ...]) -> Iterator[Callable[..., Any]]:
    if any(dataset_option_checks.option_values(o) for o in options):
        yield dataset_option_checks.check_dataset_loads_under_every_option_value
    if any(option_checks.outside_values(o) for o in options):
        yield dataset_option_checks.check_dataset_refuses_option_values_outside_their_bounds
    if any(declared_range_checks.at_bound_values(o) for o in options):
        yield dataset_option_checks.check_dataset_accepts_option_values_at_their_bounds
    if dataset_option_checks.split_fraction_options(split_names, options):
        yield dataset_option_checks.check_dataset_split_fractions_move_their_split


def _metric_checks(subject: MetricSubject) -> Iterator[Callable[..., Any]]:
    yield metric_checks.check_metric_declares_direction_and_range
    yield metric_checks.check_metric_empty_input_raises_clear_error
    if any(task in METRIC_TASKS for task in subject.spec.tasks):
        yield from (
            metric_checks.check_metric_known_values,
            metric_checks.check_metric_streaming_equals_one_shot,
            metric_checks.check_metric_order_invariant,
            metric_checks.check_metric_merged_states_equal_one_process,
            metric_checks.check_metric_dtype_invariant,
            metric_checks.check_metric_device_invariant,
            metric_lifecycle_checks.check_metric_reset_forgets_everything,
            metric_lifecycle_checks.check_metric_merges_uneven_shards,
        )


def _device_checks(subject: DeviceSubject) -> Iterator[Callable[..., Any]]:
    yield from (function for function in CHECKS if info_of(function).kind == "device")


_GENERATORS: dict[type, Callable[[Any], Iterator[Callable[..., Any]]]] = {
    PluginSubject: _plugin_checks,
    ModelSubject: _model_checks,
    DatasetSubject: _dataset_checks,
    MetricSubject: _metric_checks,
    DeviceSubject: _device_checks,
}


def checks_for(subject: Subject, *, with_waiver_check: bool = True) -> Iterator[Callable[..., Any]]:
    """Yield the checks that apply to ``subject``, in catalogue order.

    A component that declares expected failures gets ``check_plugin_expected_failures_are_valid`` first.
    """
    if with_waiver_check and subject.expected_failures:
        yield waiver_checks.check_plugin_expected_failures_are_valid
    yield from _GENERATORS[type(subject)](subject)


def catalogue() -> list[CheckInfo]:
    """Return the catalogue entries of every check, in run order."""
    return [info_of(function) for function in CHECKS]


def markdown() -> str:
    """Return the reference page of every check, generated from the catalogue."""
    from openzoo.conformance.version import SUITE_VERSION

    lines = [
        "# Conformance checks",
        "",
        f"<!-- Generated by `python -m openzoo.conformance.catalogue --markdown` (suite {SUITE_VERSION}); do not edit. -->",
        "",
        "Every check the conformance suite runs, in the order it runs them. A check's **id** is its",
        "name, followed by its variant arguments when it has some: `check_model_forward_outputs(preset=tiny)`.",
        "The id is the key of expected failures, the JUnit test name and the certificate entry.",
        "",
        "- **required** checks decide the verdict and cannot be waived; **recommended** ones can be",
        "  declared as expected failures (`expected_failures={id: reason}` on the spec). Expected",
        "  failures are strict: a waived check that passes fails the run.",
        "- **Runs on**: `cpu` runs on the CPU wherever the suite runs; `--device` runs on the device",
        "  chosen with `openzoo conformance --device D` and is skipped, with the reason, when that device",
        "  is absent; `the backend's device` runs on the device backend being checked.",
        "- The verdict is `passed` when no required check failed and at least one required check ran;",
        "  `incomplete` when none applied or every required check was skipped or unavailable; otherwise `failed`.",
        "- A check is *unavailable* when the component's optional data is not installed (the message gives",
        "  the install command). In certified mode (`--certify`) only a skip caused by an absent device is",
        "  accepted; any other skip, and an unavailable dataset, fails.",
        "",
        "## The generation API",
        "",
        "Models that declare the capability `generation` implement, besides `predict`:",
        "",
        "```python",
        "def generate_ids(self, prompt: str, *, max_new_tokens: int,",
        "                 eos_token_id: int | None = None, use_cache: bool = True) -> list[int]:",
        '    """Greedy decoding of `prompt`: the ids of the new tokens only, the eos token included',
        '    when generation stopped at it; no sampling, no randomness."""',
        "```",
        "",
        "`predict([prompt], max_new_tokens=..., do_sample=False)` stays the user-facing API; the",
        "generation checks compare `generate_ids` results exactly. `kv_cache` models honour `use_cache`.",
        "",
        "## Device backends",
        "",
        "A backend whose name is not a torch device type (`fix-npu` for `npu`) sets a class attribute",
        '`device_type = "npu"`; the round-trip check requires tensors to land on that type.',
        "",
    ]
    runs_on = {"any": "cpu", "selected": "`--device`", "component": "the backend's device"}
    titles = {
        "packaging": "Packaging",
        "model": "Models",
        "dataset": "Datasets",
        "metric": "Metrics",
        "device": "Device backends",
    }
    for kind, title in titles.items():
        entries = [i for i in catalogue() if i.kind == kind]
        lines += [f"## {title}", "", "| check | level | runs on | applies to |", "|---|---|---|---|"]
        lines += [f"| [`{i.name}`](#{i.anchor}) | {i.level} | {runs_on[i.devices]} | {i.applies_to} |" for i in entries]
        lines.append("")
        for info in entries:
            lines += [
                f"### {info.name}",
                "",
                f"*{info.level}; runs on {runs_on[info.devices]}; applies to {info.applies_to}.*",
                "",
                info.doc,
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m openzoo.conformance.catalogue [--markdown] [--output FILE]``."""
    parser = argparse.ArgumentParser(
        prog="python -m openzoo.conformance.catalogue", description="List the conformance checks."
    )
    parser.add_argument("--markdown", action="store_true", help="print the documentation page")
    parser.add_argument("--output", help=f"write the page to this file (for example {DOCS_PAGE})")
    args = parser.parse_args(argv)
    if args.markdown or args.output:
        text = markdown()
        if args.output:
            from openzoo.conformance.reports import write_text_atomic

            write_text_atomic(args.output, text)
        else:
            sys.stdout.write(text)
        return 0
    for info in catalogue():
        print(f"{info.name:55} {info.kind:9} {info.level}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
