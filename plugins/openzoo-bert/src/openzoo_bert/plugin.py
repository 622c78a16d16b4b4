"""The openzoo entry point of openzoo-bert: declarations only.

This module is imported while listing what is installed, so it builds specs from
literals and imports nothing but :mod:`openzoo`. The model, tokenizer and dataset
code lives in the modules named by the lazy references and is imported on use.
"""

from __future__ import annotations

from openzoo import TEXT_CLASSIFICATION, DataFile, DatasetSpec, ModelSpec, Option, Preset, hookimpl

#: The vaderSentiment 3.3.2 source distribution on PyPI, which holds the movie-review ratings
#: (``openzoo data fetch movie-reviews`` downloads it into the cache).
VADER_SDIST = DataFile(
    name="vaderSentiment-3.3.2.tar.gz",
    url=(
        "https://files.pythonhosted.org/packages/77/8c/"
        "4a48c10a50f750ae565e341e697d74a38075a3e43ff0df6f1ab72e186902/vaderSentiment-3.3.2.tar.gz"
    ),
    size=2466783,
    sha256="5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9",
    license="vaderSentiment is MIT; the review sentences are third-party text for research use",
)

_MODEL_OPTIONS = (
    Option("vocab_size", "int", None, "size of the WordPiece vocabulary trained on the training split", minimum=50),
    Option(
        "max_length",
        "int",
        None,
        "longest input in tokens, [CLS] and [SEP] included; longer texts are truncated",
        minimum=3,
    ),
    Option("lowercase", "bool", None, "lower-case and strip accents before tokenizing (trained tokenizer only)"),
    Option(
        "dropout",
        "float",
        None,
        "dropout of the encoder and the classification head",
        minimum=0,
        maximum=1,
        max_open=True,
    ),
)

#: The ``mini`` preset's config (the default preset): also the default of every
#: :class:`openzoo_bert.settings.BertSettings` field a config leaves out (a model made from Python).
MINI_CONFIG = {
    "hidden_size": 128,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "intermediate_size": 512,
    "max_position_embeddings": 128,
    "vocab_size": 8000,
    "max_length": 64,
    "lowercase": True,
    "dropout": 0.1,
}

_PRESETS = (
    Preset(
        "tiny",
        "For tests and conformance: 2 layers, hidden 32, vocabulary up to 1,000 (under 0.1 M parameters).",
        config={
            "hidden_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "intermediate_size": 64,
            "max_position_embeddings": 128,
            "vocab_size": 1000,
            "max_length": 64,
            "lowercase": True,
            "dropout": 0.1,
        },
        training={"epochs": 3, "batch_size": 16, "lr": 2e-3, "warmup_ratio": 0.1, "weight_decay": 0.01},
        test=True,
    ),
    Preset(
        "mini",
        "Trains from scratch on a CPU in minutes: 4 layers, hidden 128, 4 heads, vocabulary 8,000 (about 1.9 M).",
        config=MINI_CONFIG,
        training={"epochs": 4, "batch_size": 32, "lr": 5e-4, "warmup_ratio": 0.1, "weight_decay": 0.01},
    ),
    Preset(
        "base",
        "The BERT-base architecture: 12 layers, hidden 768, 12 heads, vocabulary 30,522 (about 110 M).",
        config={
            "hidden_size": 768,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "intermediate_size": 3072,
            "max_position_embeddings": 512,
            "vocab_size": 30522,
            "max_length": 128,
            "lowercase": True,
            "dropout": 0.1,
        },
        training={"epochs": 3, "batch_size": 32, "lr": 1e-4, "warmup_ratio": 0.1, "weight_decay": 0.01},
    ),
    Preset(
        "finetune",
        "Fine-tuning defaults for --from-pretrained: the architecture and tokenizer come from the checkpoint.",
        config={"max_length": 128, "needs_pretrained": True},
        training={"epochs": 3, "batch_size": 32, "lr": 5e-5, "warmup_ratio": 0.1, "weight_decay": 0.01},
        requires_pretrained=True,
    ),
)

_SPLIT_OPTIONS = (
    Option("seed", "int", 0, "seed of the stratified train/validation/test split"),
    Option(
        "validation",
        "float",
        0.1,
        "fraction of each class held out for validation",
        minimum=0,
        maximum=0.5,
        max_open=True,
    ),
    Option("test", "float", 0.1, "fraction of each class held out for testing", minimum=0, maximum=0.5, max_open=True),
)

_FILE_OPTIONS = (
    Option("path", "str", None, "the file to read (required)"),
    Option("text_field", "str", "text", "column or field holding the text"),
    Option("label_field", "str", "label", "column or field holding the label (a name or an integer)"),
    Option(
        "labels",
        "str",
        None,
        "comma-separated label names fixing their order; integer labels then index into it. "
        "Default: the labels found, sorted (numerically when all are integers)",
    ),
    Option(
        "split_field",
        "str",
        None,
        "column or field naming each row's split (train, validation or test) instead of a seeded split",
    ),
    *_SPLIT_OPTIONS,
)


@hookimpl
def openzoo_models() -> list[ModelSpec]:
    return [
        ModelSpec(
            name="bert",
            task=TEXT_CLASSIFICATION,
            description=(
                "BERT text classifier (transformers BertForSequenceClassification): trains from scratch with a "
                "WordPiece tokenizer learnt on the training split, or fine-tunes a pretrained encoder."
            ),
            factory="openzoo_bert.model:BertClassifier",
            presets=_PRESETS,
            default_preset="mini",
            options=_MODEL_OPTIONS,
            predict_options=(
                Option(
                    "top_k", "int", None, "keep only the k most probable labels in 'scores' (default: all)", minimum=1
                ),
                Option("batch_size", "int", 32, "texts per forward pass", minimum=1),
            ),
            precisions=("fp32", "bf16", "fp16"),
            capabilities=frozenset({"batch_invariance", "onnx", "pretrained", "torch_compile"}),
            hf_auto_class="AutoModelForSequenceClassification",
            default_metrics=("accuracy", "f1_macro"),
            selection_metric="accuracy",
            expected_failures={
                "check_model_predict_option_acts(preset=tiny,option=batch_size)": (
                    "batch_size sets how many texts share a forward pass: it changes speed and memory, never an answer"
                ),
            },
        )
    ]


@hookimpl
def openzoo_datasets() -> list[DatasetSpec]:
    return [
        DatasetSpec(
            name="movie-reviews",
            task=TEXT_CLASSIFICATION,
            description=(
                "Rotten Tomatoes review sentences rated by people (Pang & Lee 2005; Hutto & Gilbert 2014), "
                "positive or negative: 10,566 sentences. Fetch once with: openzoo data fetch movie-reviews."
            ),
            loader="openzoo_bert.movie_reviews:load_movie_reviews",
            options=(
                Option(
                    "path",
                    "str",
                    None,
                    "the vaderSentiment-3.3.2.tar.gz sdist, hutto_ICWSM_2014.tar.gz, the extracted "
                    "movieReviewSnippets_GroundTruth.txt, or a directory holding one of them "
                    "(default: what 'openzoo data fetch movie-reviews' put in the cache, "
                    "$OPENZOO_CACHE/movie-reviews or ~/.cache/openzoo/movie-reviews)",
                ),
                *_SPLIT_OPTIONS,
            ),
            source=(
                "movieReviewSnippets_GroundTruth.txt in additional_resources/hutto_ICWSM_2014.tar.gz of the "
                "vaderSentiment 3.3.2 source distribution on PyPI (package MIT; the sentences are third-party review "
                "text for research use and are not shipped by openzoo). Get it once with: openzoo data fetch movie-reviews"
            ),
            sample="openzoo_bert.samples:write_movie_reviews_sample",
            malformed_samples="openzoo_bert.samples:write_malformed_movie_reviews_samples",
            downloads=(VADER_SDIST,),
        ),
        DatasetSpec(
            name="csv",
            task=TEXT_CLASSIFICATION,
            description="Your labelled texts from a CSV or TSV file with a header row.",
            loader="openzoo_bert.text_files:load_csv",
            options=(
                *_FILE_OPTIONS,
                Option("delimiter", "str", None, "field delimiter (default: tab for .tsv files, else comma)"),
            ),
            source="a file you provide",
            sample="openzoo_bert.samples:write_csv_sample",
            malformed_samples="openzoo_bert.samples:write_malformed_csv_samples",
            sample_variants="openzoo_bert.samples:write_csv_variants",
        ),
        DatasetSpec(
            name="jsonl",
            task=TEXT_CLASSIFICATION,
            description="Your labelled texts from a JSON Lines file: one object per line.",
            loader="openzoo_bert.text_files:load_jsonl",
            options=_FILE_OPTIONS,
            source="a file you provide",
            sample="openzoo_bert.samples:write_jsonl_sample",
            malformed_samples="openzoo_bert.samples:write_malformed_jsonl_samples",
            sample_variants="openzoo_bert.samples:write_jsonl_variants",
        ),
    ]
