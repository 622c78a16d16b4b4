"""Generation: predict, stream and generate_ids with every decoding option, and bad prompts."""

from __future__ import annotations

import pytest
import torch

from openzoo import BadInputError, UnknownNameError

PROMPT = "The cat sees"


@pytest.fixture
def trained(trained_model):
    """The shared trained tiny model, in evaluation mode."""
    trained_model.module.eval()
    return trained_model


def _text(model, **options):
    return model.predict([PROMPT], **options)[0]["text"]


def test_predict_returns_one_record_per_prompt(trained):
    records = trained.predict(["The cat", "A dog"], max_new_tokens=5)
    assert [r["prompt"] for r in records] == ["The cat", "A dog"]
    assert all(isinstance(r["text"], str) and 0 < r["tokens"] <= 5 for r in records)


def test_greedy_decoding_is_deterministic_whatever_the_global_seed(trained):
    torch.manual_seed(1)
    first = _text(trained, max_new_tokens=12)
    torch.manual_seed(2)
    assert _text(trained, max_new_tokens=12) == first


def test_greedy_predict_matches_the_greedy_token_loop(trained):
    record = trained.predict([PROMPT], max_new_tokens=10)[0]
    ids = trained.generate_ids(PROMPT, max_new_tokens=10, eos_token_id=trained.tokenizer.eos_token_id)
    assert trained.tokenizer.decode(ids, skip_special_tokens=True) == record["text"]


def test_sampling_with_a_seed_is_reproducible_and_seeds_differ(trained):
    first = _text(trained, max_new_tokens=20, do_sample=True, seed=11)
    assert _text(trained, max_new_tokens=20, do_sample=True, seed=11) == first
    others = {_text(trained, max_new_tokens=20, do_sample=True, seed=s) for s in range(12, 17)}
    assert others - {first}


def test_a_seed_does_not_change_the_global_random_state(trained):
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    _text(trained, max_new_tokens=4, do_sample=True, seed=99)
    assert torch.equal(torch.rand(3), expected)


def test_max_new_tokens_is_respected(trained):
    for limit in (1, 3, 9):
        record = trained.predict([PROMPT], max_new_tokens=limit, do_sample=True, seed=0)[0]
        assert record["tokens"] <= limit
    assert len(trained.generate_ids(PROMPT, max_new_tokens=7)) == 7


def test_generation_is_capped_by_the_context_length(trained):
    prompt_tokens = len(trained.tokenizer(PROMPT)["input_ids"])
    room = trained.context_length - prompt_tokens
    record = trained.predict([PROMPT], max_new_tokens=500, do_sample=True, seed=0, stop=None)[0]
    assert record["tokens"] <= room
    assert len(trained.generate_ids(PROMPT, max_new_tokens=500)) == room


def test_stop_strings_cut_the_text_before_their_first_occurrence(trained):
    full = _text(trained, max_new_tokens=30)
    stop = full.strip()[2:5]
    cut = full[: full.index(stop)]
    assert _text(trained, max_new_tokens=30, stop=stop) == cut
    assert _text(trained, max_new_tokens=30, stop=[stop, "zzzz"]) == cut
    assert "".join(trained.stream(PROMPT, max_new_tokens=30, stop=stop)) == cut


def test_a_stop_string_is_looked_for_in_the_continuation_only(trained):
    # transformers' stop_strings also matched across the prompt's end: generation ended after one token
    full = trained.predict([PROMPT], max_new_tokens=30)[0]
    candidates = [PROMPT[-k:] + full["text"][:j] for k in range(1, 5) for j in range(1, 4)]
    straddling = [stop for stop in candidates if stop not in full["text"]]
    assert straddling, candidates
    for stop in straddling:
        assert trained.predict([PROMPT], max_new_tokens=30, stop=stop)[0] == full
        assert "".join(trained.stream(PROMPT, max_new_tokens=30, stop=stop)) == full["text"]


def test_a_long_stop_string_ends_generation_where_it_first_occurs(trained):
    full = _text(trained, max_new_tokens=40)
    stop = full[4:30]
    cut = full[: full.index(stop)]
    assert _text(trained, max_new_tokens=40, stop=stop) == cut
    assert "".join(trained.stream(PROMPT, max_new_tokens=40, stop=stop)) == cut


def test_stop_strings_end_generation_early(trained):
    full = trained.predict([PROMPT], max_new_tokens=30)[0]
    stop = full["text"].strip()[:2]
    stopped = trained.predict([PROMPT], max_new_tokens=30, stop=stop)[0]
    assert stopped["tokens"] < full["tokens"]


def test_kv_cache_and_no_cache_give_the_same_text(trained):
    assert _text(trained, max_new_tokens=15, use_cache=False) == _text(trained, max_new_tokens=15, use_cache=True)
    assert trained.generate_ids(PROMPT, max_new_tokens=9, use_cache=False) == trained.generate_ids(
        PROMPT, max_new_tokens=9
    )


def test_generate_ids_stops_right_after_the_given_eos(trained):
    free = trained.generate_ids(PROMPT, max_new_tokens=8)
    eos = free[3]
    stopped = trained.generate_ids(PROMPT, max_new_tokens=8, eos_token_id=eos)
    assert stopped == free[: free.index(eos) + 1]


def test_top_k_of_one_and_a_tiny_top_p_sample_the_greedy_text(trained):
    greedy = _text(trained, max_new_tokens=15)
    assert _text(trained, max_new_tokens=15, top_k=1, seed=3) == greedy
    assert _text(trained, max_new_tokens=15, top_p=1e-6, seed=3) == greedy


def test_a_near_zero_temperature_samples_the_greedy_text_and_a_high_one_does_not(trained):
    greedy = _text(trained, max_new_tokens=15)
    assert _text(trained, max_new_tokens=15, temperature=1e-4, seed=3) == greedy
    hot = {_text(trained, max_new_tokens=15, temperature=5.0, seed=s) for s in range(4)}
    assert hot - {greedy}


def test_repetition_penalty_reduces_repeated_tokens(trained):
    def repeats(options):
        ids = trained.tokenizer(_text(trained, max_new_tokens=30, **options), add_special_tokens=False)["input_ids"]
        return len(ids) - len(set(ids))

    assert repeats({"repetition_penalty": 5.0}) < repeats({})


def test_stream_yields_pieces_that_join_to_the_predicted_text(trained):
    pieces = list(trained.stream(PROMPT, max_new_tokens=25))
    assert len(pieces) > 1
    assert "".join(pieces) == _text(trained, max_new_tokens=25)
    sampled = "".join(trained.stream(PROMPT, max_new_tokens=25, do_sample=True, seed=4))
    assert sampled == _text(trained, max_new_tokens=25, do_sample=True, seed=4)


def test_closing_a_stream_early_stops_the_worker_and_restores_the_mode(trained):
    trained.module.train()
    stream = trained.stream(PROMPT, max_new_tokens=40)
    first = next(stream)
    assert first and not trained.module.training
    stream.close()
    assert trained.module.training


def test_a_prompt_longer_than_the_context_is_a_clear_error(trained):
    prompt = "the moon " * 200
    with pytest.raises(BadInputError, match=f"context holds {trained.context_length} tokens"):
        trained.predict([prompt])
    with pytest.raises(BadInputError, match="shorten the prompt"):
        trained.stream(prompt)


def test_an_unknown_option_is_a_clear_error(trained):
    with pytest.raises(UnknownNameError, match="top_k"):
        trained.predict([PROMPT], topk=3)
    with pytest.raises(UnknownNameError, match="temperature"):
        trained.stream(PROMPT, temprature=0.5)


def test_a_prompt_must_be_a_string(trained):
    with pytest.raises(BadInputError, match="must be a string"):
        trained.predict([42])


def test_an_empty_prompt_starts_from_the_end_of_text_token(trained):
    record = trained.predict([""], max_new_tokens=5)[0]
    assert record["prompt"] == "" and record["tokens"] >= 1
