"""Continue prompts with a GPT-2 module: whole texts for ``predict``, pieces for ``stream``.

Both run ``module.generate`` (transformers) on one prompt at a time with the KV
cache unless ``use_cache=False``, so a prompt's continuation never depends on the
other prompts of a call. A prompt must leave room for at least one new token in the
context; ``max_new_tokens`` is capped by the room that is left.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from transformers import (
    GenerationConfig,
    PreTrainedTokenizerBase,
    StoppingCriteria,
    StoppingCriteriaList,
    TextIteratorStreamer,
)

from openzoo import BadInputError
from openzoo_gpt.decoding import DecodingOptions, StopStringFilter, cut_at_stop

__all__ = ["encode_prompt", "generate_text", "greedy_ids", "stream_text"]


def encode_prompt(tokenizer: PreTrainedTokenizerBase, prompt: Any, context_length: int) -> list[int]:
    """Return the token ids of ``prompt`` (with the tokenizer's special tokens).

    :raises BadInputError: when ``prompt`` is not a string, or fills the whole context.
    """
    if not isinstance(prompt, str):
        raise BadInputError(f"a prompt must be a string; got {type(prompt).__name__} {prompt!r:.60}")
    ids = list(tokenizer(prompt)["input_ids"])
    if not ids:  # a tokenizer that adds no start token, and an empty prompt
        start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
        ids = [start]
    if len(ids) >= context_length:
        raise BadInputError(
            f"the prompt is {len(ids)} tokens long but the model's context holds {context_length} tokens "
            f"(prompt and continuation together); shorten the prompt to at most {context_length - 1} tokens"
        )
    return ids


def _generation_config(opts: DecodingOptions, tokenizer: PreTrainedTokenizerBase, room: int) -> GenerationConfig:
    settings: dict[str, Any] = {
        "max_new_tokens": min(opts.max_new_tokens, room),
        "do_sample": opts.do_sample,
        "repetition_penalty": opts.repetition_penalty,
        "use_cache": opts.use_cache,
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "bos_token_id": tokenizer.bos_token_id,
    }
    if opts.do_sample:
        settings.update(temperature=opts.temperature, top_k=opts.top_k, top_p=opts.top_p)
    return GenerationConfig(**settings)


class _StopInContinuation(StoppingCriteria):
    """Ends generation once a stop string occurs in the generated text, never counting the prompt.

    transformers' own ``stop_strings`` looks at the end of the whole sequence, so a stop
    string that straddles the prompt's end and the first new token ended generation after
    one token, though the continuation never held it. Only the last ``window`` new tokens
    are decoded at each step: enough for any stop string to end in the newest one (a
    token is at least one byte, a character at most four).
    """

    def __init__(self, tokenizer: PreTrainedTokenizerBase, stops: tuple[str, ...], prompt_length: int) -> None:
        self.tokenizer = tokenizer
        self.stops = stops
        self.prompt_length = prompt_length
        self.window = 4 * max(len(stop) for stop in stops) + 2

    def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
        found = [
            cut_at_stop(self.tokenizer.decode(row[self.prompt_length :][-self.window :].tolist()), self.stops)[1]
            for row in input_ids
        ]
        return torch.tensor(found, dtype=torch.bool, device=input_ids.device)


def _stopping(
    opts: DecodingOptions, tokenizer: PreTrainedTokenizerBase, prompt_length: int, *criteria: StoppingCriteria
) -> StoppingCriteriaList:
    stops = [_StopInContinuation(tokenizer, opts.stop, prompt_length)] if opts.stop else []
    return StoppingCriteriaList([*criteria, *stops])


@contextmanager
def _seeded(seed: int | None, device: torch.device) -> Iterator[None]:
    """Seed torch's generators for the block and restore their state afterwards."""
    if seed is None:
        yield
        return
    accelerator = device.type != "cpu"
    with torch.random.fork_rng(
        devices=[device] if accelerator else [], device_type=device.type if accelerator else "cuda"
    ):
        torch.manual_seed(seed)
        yield


@contextmanager
def _evaluating(module: torch.nn.Module) -> Iterator[None]:
    """Put ``module`` in evaluation mode for the block, then back in the mode it was in."""
    was_training = module.training
    module.eval()
    try:
        yield
    finally:
        module.train(was_training)


def _count_tokens(new_ids: list[int], eos_token_id: int | None) -> int:
    return len(new_ids) - (1 if new_ids and new_ids[-1] == eos_token_id else 0)


def generate_text(
    module: Any, tokenizer: PreTrainedTokenizerBase, prompt: str, opts: DecodingOptions
) -> dict[str, Any]:
    """Continue ``prompt``; return ``{"prompt", "text", "tokens"}``.

    ``text`` is the continuation (without the prompt and special tokens), cut before
    the first stop string; ``tokens`` counts the tokens generated, the end-of-text
    token excluded.
    """
    context = module.config.n_positions
    ids = encode_prompt(tokenizer, prompt, context)
    device = next(module.parameters()).device
    input_ids = torch.tensor([ids], dtype=torch.long, device=device)
    config = _generation_config(opts, tokenizer, context - len(ids))
    with _evaluating(module), _seeded(opts.seed, device), torch.no_grad():
        output = module.generate(
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            generation_config=config,
            stopping_criteria=_stopping(opts, tokenizer, len(ids)),
        )
    new_ids = output[0, len(ids) :].tolist()
    text, _ = cut_at_stop(tokenizer.decode(new_ids, skip_special_tokens=True), opts.stop)
    return {"prompt": prompt, "text": text, "tokens": _count_tokens(new_ids, tokenizer.eos_token_id)}


def greedy_ids(
    module: Any,
    tokenizer: PreTrainedTokenizerBase,
    prompt: str,
    *,
    max_new_tokens: int,
    eos_token_id: int | None = None,
    use_cache: bool = True,
) -> list[int]:
    """Continue ``prompt`` greedily; return the new token ids only.

    A plain loop over the module (not ``generate``), so nothing but the arguments
    decides when it stops: after ``max_new_tokens`` tokens, or right after
    ``eos_token_id`` (included) when one is given; ``None`` never stops early.
    """
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 1:
        raise BadInputError(f"max_new_tokens={max_new_tokens!r} must be an integer >= 1")
    context = module.config.n_positions
    ids = encode_prompt(tokenizer, prompt, context)
    device = next(module.parameters()).device
    sequence = torch.tensor([ids], dtype=torch.long, device=device)
    step_input, past, new_ids = sequence, None, []
    # transformers 5.x renamed the forward's ``past_key_values`` to ``cache`` (and the output field).
    cache_name = "cache" if "cache" in inspect.signature(module.forward).parameters else "past_key_values"
    with _evaluating(module), torch.no_grad():
        for _ in range(min(max_new_tokens, context - len(ids))):
            output = module(input_ids=step_input, use_cache=use_cache, **{cache_name: past})
            token = int(output.logits[0, -1].argmax())
            new_ids.append(token)
            if token == eos_token_id:
                break
            next_token = torch.tensor([[token]], dtype=torch.long, device=device)
            sequence = torch.cat([sequence, next_token], dim=1)
            if use_cache:
                step_input, past = next_token, output[cache_name]
            else:
                step_input = sequence
    return new_ids


class _Cancelled(StoppingCriteria):
    """Stops generation once the consumer of a stream has gone away."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device)


def stream_text(module: Any, tokenizer: PreTrainedTokenizerBase, prompt: str, opts: DecodingOptions) -> Iterator[str]:
    """Continue ``prompt`` and yield the continuation in pieces as they are generated.

    The prompt is checked before this returns; generation runs in a worker thread that
    feeds a :class:`transformers.TextIteratorStreamer`. The pieces join to the text
    :func:`generate_text` gives for the same options. Closing the iterator early stops
    the worker at its next step; an error in the worker is raised by the iterator.
    """
    context = module.config.n_positions
    ids = encode_prompt(tokenizer, prompt, context)
    device = next(module.parameters()).device
    input_ids = torch.tensor([ids], dtype=torch.long, device=device)
    config = _generation_config(opts, tokenizer, context - len(ids))
    streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
    cancel = threading.Event()
    failures: list[BaseException] = []

    def work() -> None:
        try:
            with _seeded(opts.seed, device), torch.no_grad():
                module.generate(
                    input_ids=input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    generation_config=config,
                    streamer=streamer,
                    stopping_criteria=_stopping(opts, tokenizer, len(ids), _Cancelled(cancel)),
                )
        except BaseException as exc:  # noqa: BLE001 -- handed to the consuming thread
            failures.append(exc)
            streamer.end()

    def pieces() -> Iterator[str]:
        stops = StopStringFilter(opts.stop)
        worker = threading.Thread(target=work, name="openzoo-gpt-stream", daemon=True)
        with _evaluating(module):
            worker.start()
            try:
                for piece in streamer:
                    text = stops.feed(piece)
                    if text:
                        yield text
                    if stops.stopped:
                        break
                rest = stops.flush()
                if rest:
                    yield rest
            finally:
                cancel.set()
                worker.join()
        if failures:
            raise failures[0]

    return pieces()
