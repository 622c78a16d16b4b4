"""The checks of the mutation-score categories: each ``ozmore`` fixture fails exactly its check; the clean one passes.

The fixtures live in ``fixtures/ozmore`` with their own distribution ``openzoo-fixtures-more``
(beside the ``ozfix`` one, whose base plugin provides the tasks and test datasets).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import FRESH_INTERPRETER_CHECKS

FIXTURES = Path(__file__).parent / "fixtures"

MORE = {
    line.split("=")[0].strip(): line.split("=")[1].strip()
    for line in (FIXTURES / "openzoo_fixtures_more-0.1.0.dist-info" / "entry_points.txt").read_text().splitlines()
    if "=" in line
}

#: plugin -> (the only failing test id, words the message must contain)
PLANTED = {
    "fixture-more-bad-float64": (
        "model:bad-float64::check_model_runs_at_batch_sizes_one_and_odd(preset=tiny)",
        "is torch.float64",
    ),
    "fixture-more-bad-summed-loss": (
        "model:bad-summed-loss::check_model_loss_is_mean_over_copies(preset=tiny)",
        "copies",
    ),
    "fixture-more-bad-class-weights": (
        "model:bad-class-weights::check_model_loss_is_mean_over_examples(preset=tiny)",
        "mean",
    ),
    "fixture-more-bad-fixed-init": (
        "model:bad-fixed-init::check_model_seeds_give_different_weights(preset=tiny)",
        "seeds 0 and 1 give identical weights",
    ),
    "fixture-more-bad-reseed": (
        "plugin:fixture-more-bad-reseed::check_plugin_leaves_process_state_unchanged",
        "python random",
    ),
    "fixture-more-bad-absolute-path": (
        "plugin:fixture-more-bad-absolute-path::check_plugin_runs_hermetically",
        "after moving it",
    ),
    "fixture-more-bad-label-order": (
        "model:bad-label-order::check_model_predict_agrees_with_logits(preset=tiny)",
        "the logits give",
    ),
    "fixture-more-bad-two-classes": (
        "model:bad-two-classes::check_model_sizes_head_from_dataset_labels(preset=tiny)",
        "for 3 classes",
    ),
    "fixture-more-bad-ascii": (
        "model:bad-ascii::check_model_predict_handles_unusual_inputs(preset=tiny)",
        "UnicodeEncodeError",
    ),
    "fixture-more-bad-seed-ignored": (
        "model:bad-seed-ignored::check_generation_sampling_follows_its_options(preset=tiny)",
        "the same seed must give the same sampled text",
    ),
    "fixture-more-bad-read-order": (
        "dataset:bad-read-order::check_dataset_reads_the_same_through_dataloader_workers",
        "examples differ",
    ),
    "fixture-more-bad-reset": ("metric:bad-reset::check_metric_reset_forgets_everything", "update; reset; update"),
    "fixture-more-bad-uneven-merge": ("metric:bad-uneven-merge::check_metric_merges_uneven_shards", "[3, 9]"),
    "fixture-more-bad-presets": (
        "model:bad-presets::check_model_presets_declare_valid_training",
        "preset 'large': lr=-0.001",
    ),
    "fixture-more-bad-inert-choice": (
        "model:bad-inert-choice::check_model_predict_option_choices_are_not_inert(preset=tiny)",
        "every choice gives the same answers for rounding",
    ),
    "fixture-more-bad-unchecked-option": (
        "model:bad-unchecked-option::check_model_refuses_option_values_outside_their_type(preset=tiny)",
        "hidden='twelve' raised ValueError",
    ),
    "fixture-more-bad-clamped-bound": (
        "model:bad-clamped-bound::check_model_refuses_option_values_outside_their_bounds(preset=tiny)",
        "create with hidden=0 (>= 1) was accepted",
    ),
    "fixture-more-bad-loud-init": (
        "model:bad-loud-init::check_model_every_preset_builds_and_starts_near_chance",
        "preset 'small': loss at initialisation",
    ),
    "fixture-more-bad-drifted-default": (
        "dataset:bad-drifted-default::check_dataset_loader_defaults_match_declared_options",
        "seed: declared 0, keyword default 1",
    ),
    "fixture-more-bad-drifted-predict": (
        "model:bad-drifted-predict::check_model_predict_defaults_match_declared_options",
        "rounding: declared 'exact', keyword default '2'",
    ),
    "fixture-more-bad-unreadable-sample": (
        "dataset:bad-unreadable-sample::check_dataset_loads_offline",
        "from its declared sample",
    ),
    "fixture-more-bad-stream-stop": (
        "model:bad-stream-stop::check_model_stream_joins_to_predicted_text(preset=tiny)",
        "with {'do_sample': False, 'stop':",
    ),
    "fixture-more-bad-one-class": (
        "dataset:bad-one-class::check_dataset_training_split_holds_every_class",
        "no example of 'negative' (examples per class: positive: ",
    ),
    # -- suite 1.4, from round 3's survivors (hmutA)
    "fixture-more-bad-pretrained-ignored": (
        "model:bad-pretrained-ignored::check_model_starts_from_a_saved_checkpoint(preset=tiny)",
        "differ from the checkpoint's (a random initialisation, or tensors left out)",
    ),
    "fixture-more-bad-checkpoint-labels": (
        "model:bad-checkpoint-labels::check_model_fine_tunes_a_checkpoint_on_other_labels(preset=tiny)",
        "one class more: logits of shape (3, 2) for 3 classes",
    ),
    "fixture-more-bad-raw-load-error": (
        "model:bad-raw-load-error::check_model_refuses_a_damaged_checkpoint(preset=tiny)",
        "load of a directory with its largest tensor one row short: RuntimeError",
    ),
    # -- suite 1.6: two more damages, a missing and a cut weights file
    "fixture-more-bad-raw-read-error": (
        "model:bad-raw-read-error::check_model_refuses_a_damaged_checkpoint(preset=tiny)",
        "load of a directory with no model.safetensors (a half-copied directory): FileNotFoundError",
    ),
    "fixture-more-bad-two-class-refused": (
        "model:bad-two-class-refused::check_model_trains_and_predicts_with_two_classes(preset=tiny)",
        "create must accept a dataset of exactly two classes; got BadInputError",
    ),
    "fixture-more-bad-inert-top-k": (
        "model:bad-inert-top-k::check_model_predict_option_acts(preset=tiny,option=top_k)",
        "the predict option top_k must change an answer",
    ),
    "fixture-more-bad-inert-width": (
        "model:bad-inert-width::check_model_option_acts(preset=tiny,option=hidden)",
        "the model option hidden must change the outputs or the loss",
    ),
    # -- suite 1.8: sampling filters at their neutral values, inputs of another kind
    "fixture-more-bad-neutral-refused": (
        "model:bad-neutral-refused::check_generation_neutral_filters_change_nothing(preset=tiny)",
        "do_sample=False with top_k=0 raised BadInputError: top_k only applies when sampling",
    ),
    "fixture-more-bad-hidden-top-k": (
        "model:bad-hidden-top-k::check_generation_neutral_filters_change_nothing(preset=tiny)",
        "do_sample=True, seed=1 with top_k=0 gave",
    ),
    "fixture-more-bad-stringified-input": (
        "model:bad-stringified-input::check_model_predict_refuses_inputs_of_another_kind(preset=tiny)",
        "None was answered: [{'label':",
    ),
    # -- suite 1.9: a batch over 256
    "fixture-more-bad-byte-count": (
        "model:bad-byte-count::check_model_runs_a_batch_over_256(preset=tiny)",
        "from its halves of 128 and 129",
    ),
    # -- suite 1.9: the pretrained capability makes a refused checkpoint a failure
    "fixture-more-bad-refused-pretrained": (
        "model:bad-refused-pretrained::check_model_starts_from_a_saved_checkpoint(preset=tiny)",
        "must start from a checkpoint its save() wrote (on the test dataset)",
    ),
    # -- suite 1.9: each file of a checkpoint, missing or cut
    "fixture-more-bad-fallback-vocabulary": (
        "model:bad-fallback-vocabulary::check_model_handles_each_damaged_checkpoint_file(preset=tiny)",
        "load of a directory with no vocab.json: it loaded, and predict gave",
    ),
    # -- suite 1.9: well-formed sample variants
    "fixture-more-bad-variant-refused": (
        "dataset:bad-variant-refused::check_dataset_loads_its_sample_variants",
        "tab-separated, -o delimiter=tab: BadInputError: delimiter='\\t' must be one character",
    ),
    # -- suite 1.10: values past the one next to a bound
    "fixture-more-bad-zero-only-bound": (
        "model:bad-zero-only-bound::check_model_refuses_option_values_outside_their_bounds(preset=tiny)",
        "create with hidden=-1 (>= 1) raised RuntimeError",
    ),
    # -- suite 1.10: a target outside the label space
    "fixture-more-bad-unchecked-label": (
        "model:bad-unchecked-label::check_model_collate_refuses_targets_outside_its_label_space(preset=tiny)",
        "label 2 (the dataset has 2 classes, 0..1): collate accepted it",
    ),
    # -- suite 1.10: a checkpoint past 256 classes
    "fixture-more-bad-identity-count": (
        "model:bad-identity-count::check_model_round_trips_past_256_classes_or_ids(preset=tiny)",
        "load(directory) must read what save wrote; got BadInputError",
    ),
    # -- suite 1.10: an empty training split
    "fixture-more-bad-empty-train": (
        "model:bad-empty-train::check_model_refuses_an_empty_training_split(preset=tiny)",
        "must refuse it with BadInputError; got ZeroDivisionError",
    ),
    # -- suite 1.10: predict uses the KV cache it declares
    "fixture-more-bad-uncached-predict": (
        "model:bad-uncached-predict::check_generation_predict_uses_the_kv_cache(preset=tiny)",
        "looked up [",
    ),
    # -- suite 1.10: a preset that requires a checkpoint is refused without one
    "fixture-more-bad-finetune-preset": (
        "model:bad-finetune-preset::check_model_every_preset_builds_and_starts_near_chance",
        "create of preset 'finetune' (requires_pretrained) without pretrained was accepted",
    ),
    # -- suite 1.11: stop strings are looked for in the continuation only, and held back whole in a stream
    "fixture-more-bad-prompt-stop": (
        "model:bad-prompt-stop::check_generation_stop_strings_cut_only_the_continuation(preset=tiny)",
        "predict gave 'film'",
    ),
    "fixture-more-bad-fixed-holdback": (
        "model:bad-fixed-holdback::check_generation_stop_strings_cut_only_the_continuation(preset=tiny)",
        "stop='film ': stream gave the pieces ['film', ' story'",
    ),
    # -- suite 1.11: a value outside the range refused with BadInputError, not a plain ValueError
    "fixture-more-bad-value-error-bound": (
        "model:bad-value-error-bound::check_model_refuses_option_values_outside_their_bounds(preset=tiny)",
        "raised ValueError, not BadInputError",
    ),
    # -- suite 1.11: declared choices are passed as the command line parses them (new string objects)
    "fixture-more-bad-hub-first": (
        "model:bad-hub-first::check_model_starts_from_a_checkpoint_path_as_typed(preset=tiny)",
        "(given as '~/saved' from HOME)",
    ),
    "fixture-more-bad-identity-choice": (
        "model:bad-identity-choice::check_model_predict_option_choices_are_not_inert(preset=tiny)",
        "rounding (choices ['exact', '2'])",
    ),
}

#: plugin -> further checks its defect rightly fails too (the ids are of the same plugin).
ALSO_FAILS = {
    # a stream that ignores stop strings also misses the ones made to straddle its pieces
    "fixture-more-bad-stream-stop": {
        "model:bad-stream-stop::check_generation_stop_strings_cut_only_the_continuation(preset=tiny)"
    },
    # no validation at all: the width -1 (suite 1.10 probes past the value next to the bound) fails in torch
    "fixture-more-bad-unchecked-option": {
        "model:bad-unchecked-option::check_model_refuses_option_values_outside_their_bounds(preset=tiny)"
    },
    # a head of two outputs whatever the dataset also has two, not 257, columns on the view past 256 classes
    "fixture-more-bad-two-classes": {
        "model:bad-two-classes::check_model_round_trips_past_256_classes_or_ids(preset=tiny)"
    },
    # a loss summed over tokens is also far above the chance loss ln(vocabulary) at initialisation
    "fixture-more-bad-summed-loss": {"model:bad-summed-loss::check_model_every_preset_builds_and_starts_near_chance"},
    # the drifted default rounds every score, so predict no longer gives the softmax probability
    "fixture-more-bad-drifted-predict": {
        "model:bad-drifted-predict::check_model_predict_agrees_with_logits(preset=tiny)"
    },
    # a model that ignores its checkpoint has none of the saved tensors when fine-tuned on other labels either
    # (and a damaged checkpoint "loads" without an error, since it is never read)
    "fixture-more-bad-pretrained-ignored": {
        "model:bad-pretrained-ignored::check_model_fine_tunes_a_checkpoint_on_other_labels(preset=tiny)",
        "model:bad-pretrained-ignored::check_model_refuses_a_damaged_checkpoint(preset=tiny)",
        # (and one without vocab.json "loads" a fresh model, which answers otherwise)
        "model:bad-pretrained-ignored::check_model_handles_each_damaged_checkpoint_file(preset=tiny)",
    },
    # load follows the absolute path to the original weights, so a damaged copy of the directory loads silently
    "fixture-more-bad-absolute-path": {
        "model:bad-absolute-path::check_model_refuses_a_damaged_checkpoint(preset=tiny)",
        # and its load reads the files raw: no weights-path.txt ends in FileNotFoundError
        "model:bad-absolute-path::check_model_handles_each_damaged_checkpoint_file(preset=tiny)",
    },
    # the refusal is the same on a dataset with one class more
    "fixture-more-bad-refused-pretrained": {
        "model:bad-refused-pretrained::check_model_fine_tunes_a_checkpoint_on_other_labels(preset=tiny)",
        # and on fewer classes, from the checkpoint of 257
        "model:bad-refused-pretrained::check_model_round_trips_past_256_classes_or_ids(preset=tiny)",
    },
    # a sample that does not load fails every check that reads the dataset (they used to be skipped)
    "fixture-more-bad-unreadable-sample": {
        f"dataset:bad-unreadable-sample::{name}"
        for name in (
            "check_dataset_declared_splits_load",
            "check_dataset_examples_match_task_schema",
            "check_dataset_labels_within_declared_classes",
            "check_dataset_training_split_holds_every_class",
            "check_dataset_train_and_test_are_disjoint",
            "check_dataset_loads_deterministically",
            "check_dataset_is_picklable",
            "check_dataset_reads_the_same_through_dataloader_workers",
        )
    },
}


#: The fixtures whose fresh-interpreter checks run (the other planted fixtures' defects are elsewhere).
PROCESS_CHECKED = ("fixture-more-clean", "fixture-more-bad-reseed", "fixture-more-bad-absolute-path")


@pytest.fixture(scope="module")
def more_reports(registry_beside_base) -> dict:
    from openzoo.conformance import run_conformance

    registry = registry_beside_base(MORE, "openzoo-fixtures-more")
    reports = run_conformance([n for n in MORE if n in PROCESS_CHECKED], registry=registry)
    reports += run_conformance(
        [n for n in MORE if n not in PROCESS_CHECKED], registry=registry, deselect=FRESH_INTERPRETER_CHECKS
    )
    return {report.plugin: report for report in reports}


def test_every_planted_fixture_is_declared_and_every_new_check_has_one():
    assert set(PLANTED) == set(MORE) - {"fixture-more-clean"}


def test_clean_fixture_passes_every_check_of_the_new_categories(more_reports):
    report = more_reports["fixture-more-clean"]
    not_passed = [(r.test_id, r.status, r.message) for r in report.records if r.status != "passed"]
    assert not_passed == []
    ran = {r.check.split("(")[0] for r in report.records}
    assert {
        "check_plugin_leaves_process_state_unchanged",
        "check_plugin_runs_hermetically",
        "check_model_runs_at_batch_sizes_one_and_odd",
        "check_model_loss_is_mean_over_copies",
        "check_model_loss_is_mean_over_examples",
        "check_model_seeds_give_different_weights",
        "check_model_predict_agrees_with_logits",
        "check_model_sizes_head_from_dataset_labels",
        "check_model_predict_handles_unusual_inputs",
        "check_generation_sampling_follows_its_options",
        "check_generation_neutral_filters_change_nothing",
        "check_model_predict_refuses_inputs_of_another_kind",
        "check_model_runs_a_batch_over_256",
        "check_model_presets_declare_valid_training",
        "check_dataset_reads_the_same_through_dataloader_workers",
        "check_metric_reset_forgets_everything",
        "check_metric_merges_uneven_shards",
        "check_model_predict_option_choices_are_not_inert",
        "check_model_refuses_option_values_outside_their_type",
        "check_model_refuses_option_values_outside_their_bounds",
        "check_model_every_preset_builds_and_starts_near_chance",
        "check_model_predict_defaults_match_declared_options",
        "check_dataset_loader_defaults_match_declared_options",
        "check_model_starts_from_a_saved_checkpoint",
        "check_model_fine_tunes_a_checkpoint_on_other_labels",
        "check_model_refuses_a_damaged_checkpoint",
        "check_model_handles_each_damaged_checkpoint_file",
        "check_model_trains_and_predicts_with_two_classes",
        "check_model_predict_option_acts",
        "check_model_option_acts",
        "check_model_stream_joins_to_predicted_text",
        "check_generation_stop_strings_cut_only_the_continuation",
        "check_model_starts_from_a_checkpoint_path_as_typed",
        "check_dataset_training_split_holds_every_class",
        "check_dataset_loads_its_sample_variants",
    } <= ran


@pytest.mark.parametrize("plugin", sorted(PLANTED), ids=str)
def test_planted_defect_fails_exactly_its_check_naming_the_cause(more_reports, plugin):
    expected_id, cause = PLANTED[plugin]
    report = more_reports[plugin]
    failed = {r.test_id: r for r in report.records if r.status in ("failed", "xpass")}
    assert set(failed) == {expected_id} | ALSO_FAILS.get(plugin, set()), {k: v.message for k, v in failed.items()}
    message = failed[expected_id].message
    assert cause in message
    assert message.startswith("openzoo-fixtures-more:")
