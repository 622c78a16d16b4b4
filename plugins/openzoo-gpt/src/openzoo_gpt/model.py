"""The ``gpt`` model: transformers' ``GPT2LMHeadModel`` and its tokenizer behind the openzoo Model protocol.

- ``create`` trains a byte-level BPE tokenizer on the dataset's training split and
  builds a fresh GPT-2 sized by the config, or loads ``pretrained`` (a directory or hub id).
- ``collate`` tokenizes examples (``{"text": ...}``), truncating each to the context
  length: one example is one row. Rows are padded on the right; padded positions get
  label -100, and ``meta["num_chars"]`` counts the characters the kept tokens cover.
- ``save`` writes what ``AutoModelForCausalLM`` and ``AutoTokenizer`` load, so a run's
  model directory also works in ``transformers.pipeline("text-generation", model=dir)``.
- ``predict`` and ``stream`` continue prompts (see :mod:`openzoo_gpt.generation`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerBase

from openzoo import BadInputError, DatasetSource, quiet_transformers
from openzoo_gpt.checkpoint import load_gpt2
from openzoo_gpt.configuration import Architecture, parse_architecture
from openzoo_gpt.decoding import parse_decoding_options
from openzoo_gpt.generation import generate_text, greedy_ids, stream_text
from openzoo_gpt.tokenizer import ensure_padding, train_tokenizer

__all__ = ["GPTModel"]


def _training_texts(dataset: DatasetSource) -> list[str]:
    split = dataset.splits()[0]
    texts = [_text_of(example) for example in dataset.load(split)]
    if not any(text.strip() for text in texts):
        raise BadInputError(
            f"the {split!r} split has no text to train a tokenizer on; give the dataset some text, "
            "or start from a checkpoint with --from-pretrained"
        )
    return texts


def _text_of(example: Any) -> str:
    if isinstance(example, Mapping) and isinstance(example.get("text"), str):
        return example["text"]
    if isinstance(example, str):
        return example
    raise BadInputError(f"a text-generation example is a mapping with a 'text' string; got {example!r:.80}")


def _build_module(arch: Architecture, tokenizer: PreTrainedTokenizerBase) -> GPT2LMHeadModel:
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=arch.n_positions,
        n_embd=arch.n_embd,
        n_layer=arch.n_layer,
        n_head=arch.n_head,
        # GPT-2's tanh approximation of GELU, as one fused kernel: the same function as
        # "gelu_new", about a fifth faster to train on a CPU (five elementwise ops fewer).
        activation_function="gelu_pytorch_tanh",
        resid_pdrop=arch.dropout,
        embd_pdrop=arch.dropout,
        attn_pdrop=arch.dropout,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    module = GPT2LMHeadModel(config)
    module.generation_config.pad_token_id = tokenizer.pad_token_id
    return module


class GPTModel:
    """A GPT-2 language model with its tokenizer (see the module docstring)."""

    def __init__(self, module: GPT2LMHeadModel, tokenizer: PreTrainedTokenizerBase) -> None:
        #: The ``GPT2LMHeadModel``; ``module(**batch)`` returns ``loss`` and ``logits``.
        self.module = module
        #: The tokenizer the module was trained with.
        self.tokenizer = ensure_padding(tokenizer)

    @property
    def context_length(self) -> int:
        """Tokens the model attends over: prompt and continuation together."""
        return int(self.module.config.n_positions)

    # -- building and storing ------------------------------------------------

    @classmethod
    def create(
        cls, *, config: Mapping[str, Any], dataset: DatasetSource | None = None, pretrained: str | None = None
    ) -> GPTModel:
        """Build a model from ``config``, training its tokenizer on ``dataset``'s training split.

        With ``pretrained`` the architecture and tokenizer come from that checkpoint and
        the size options of ``config`` are ignored. Without a dataset the tokenizer is the
        bare byte alphabet (257 tokens).
        """
        arch = parse_architecture(config)
        if pretrained is not None:
            module, tokenizer = load_gpt2(pretrained)
            return cls(module, tokenizer)
        texts = _training_texts(dataset) if dataset is not None else []
        tokenizer = train_tokenizer(texts, vocab_size=arch.vocab_size, context_length=arch.n_positions)
        with quiet_transformers():  # also keeps transformers' loss_type message out of training
            module = _build_module(arch, tokenizer)
        return cls(module, tokenizer)

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> GPTModel:
        """Load what :meth:`save` wrote (or any GPT-2 directory with its tokenizer)."""
        if not Path(directory).is_dir():
            raise BadInputError(f"{os.fspath(directory)}: no such model directory")
        module, tokenizer = load_gpt2(directory, own_model=True)
        return cls(module, tokenizer)

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write ``model.safetensors``, ``config.json``, ``generation_config.json`` and the tokenizer files."""
        with quiet_transformers():
            self.module.save_pretrained(directory, safe_serialization=True)
        self.tokenizer.save_pretrained(directory)

    # -- batches ---------------------------------------------------------------

    def collate(self, examples: Sequence[Any]) -> dict[str, Any]:
        """Tokenize ``examples`` into ``input_ids``, ``attention_mask``, ``labels`` and ``meta["num_chars"]``."""
        if not examples:
            raise BadInputError("cannot collate an empty list of examples")
        texts = [_text_of(example) for example in examples]
        encoded = self.tokenizer(
            texts,
            truncation=True,
            max_length=self.context_length,
            padding="longest",
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        attention_mask = encoded["attention_mask"]
        labels = encoded["input_ids"].masked_fill(attention_mask == 0, -100)
        lengths = attention_mask.sum(dim=1)
        covered = encoded["offset_mapping"][..., 1].masked_fill(attention_mask == 0, 0).amax(dim=1)
        full = torch.tensor([len(text) for text in texts])
        truncated = lengths >= self.context_length
        num_chars = torch.where(truncated, covered, full)
        return {
            "input_ids": encoded["input_ids"],
            "attention_mask": attention_mask,
            "labels": labels,
            "meta": {"num_chars": num_chars.long()},
        }

    # -- inference -------------------------------------------------------------

    def predict(self, inputs: Sequence[Any], **options: Any) -> list[dict[str, Any]]:
        """Continue each prompt in ``inputs``; one ``{"prompt", "text", "tokens"}`` per prompt.

        Options (``None`` means unset): ``max_new_tokens`` (64), ``do_sample``,
        ``temperature``, ``top_k``, ``top_p``, ``repetition_penalty``, ``seed``, ``stop``
        (a string or a list of strings) and ``use_cache`` (True).
        """
        if isinstance(inputs, str):
            inputs = [inputs]
        opts = parse_decoding_options(options)
        return [generate_text(self.module, self.tokenizer, prompt, opts) for prompt in inputs]

    def stream(self, prompt: str, **options: Any) -> Iterator[str]:
        """Continue ``prompt``, yielding text pieces as they are produced (same options as :meth:`predict`)."""
        opts = parse_decoding_options(options)
        return stream_text(self.module, self.tokenizer, prompt, opts)

    def generate_ids(
        self, prompt: str, *, max_new_tokens: int, eos_token_id: int | None = None, use_cache: bool = True
    ) -> list[int]:
        """Greedy decoding of ``prompt``: the new token ids, ``eos_token_id`` included when reached.

        ``eos_token_id=None`` never stops early. Used by the conformance checks of the
        ``generation`` and ``kv_cache`` capabilities; :meth:`predict` is the user-facing API.
        """
        return greedy_ids(
            self.module,
            self.tokenizer,
            prompt,
            max_new_tokens=max_new_tokens,
            eos_token_id=eos_token_id,
            use_cache=use_cache,
        )
