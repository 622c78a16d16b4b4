"""The openzoo-vit plugin: declarations only.

Registers the ``vit`` model and the ``digits`` and ``imagefolder`` datasets.
Everything here is a literal; torch, transformers and scikit-learn are imported
by the modules the lazy references name, when a component is used.
"""

from __future__ import annotations

from openzoo import IMAGE_CLASSIFICATION, DatasetSpec, ModelSpec, Option, Preset, hookimpl

__all__ = ["openzoo_datasets", "openzoo_models"]

_ARCHITECTURE_OPTIONS = (
    Option(
        "image_size", "int", None, "side of the square image the model sees, in pixels (inputs are resized)", minimum=1
    ),
    Option("patch_size", "int", None, "side of a square patch, in pixels; must divide image_size", minimum=1),
    Option("hidden_size", "int", None, "width of the transformer; a multiple of num_attention_heads", minimum=1),
    Option("num_hidden_layers", "int", None, "number of transformer blocks", minimum=1),
    Option("num_attention_heads", "int", None, "attention heads per block", minimum=1),
    Option("intermediate_size", "int", None, "width of the MLP inside each block", minimum=1),
    Option(
        "hidden_dropout_prob",
        "float",
        None,
        "dropout on embeddings, attention outputs and MLP outputs",
        minimum=0,
        maximum=1,
        max_open=True,
    ),
    Option(
        "attention_probs_dropout_prob",
        "float",
        None,
        "dropout on the attention weights",
        minimum=0,
        maximum=1,
        max_open=True,
    ),
)

_PRESETS = (
    Preset(
        "small",
        "The digits demo: images resized to 16x16 in 4x4 patches, 4 blocks of width 96 (about 0.3M "
        "parameters); over 97% test accuracy on digits in a few CPU minutes.",
        config={
            "image_size": 16,
            "patch_size": 4,
            "hidden_size": 96,
            "num_hidden_layers": 4,
            "num_attention_heads": 4,
            "intermediate_size": 192,
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.0,
        },
        training={"epochs": 40, "batch_size": 32, "lr": 1e-3, "warmup_ratio": 0.1, "weight_decay": 0.05},
    ),
    Preset(
        "tiny",
        "For tests and conformance: 8x8 images in 4x4 patches, 2 blocks of width 32 (about 26k parameters).",
        config={
            "image_size": 8,
            "patch_size": 4,
            "hidden_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "intermediate_size": 64,
            "hidden_dropout_prob": 0.0,
            "attention_probs_dropout_prob": 0.0,
        },
        training={"epochs": 2, "batch_size": 32, "lr": 1e-3, "warmup_ratio": 0.1, "weight_decay": 0.0},
        test=True,
    ),
    Preset(
        "base",
        "ViT-Base/16 at 224x224 (86M parameters, Dosovitskiy et al. 2021): fine-tune a pretrained "
        "checkpoint with --from-pretrained.",
        config={
            "image_size": 224,
            "patch_size": 16,
            "hidden_size": 768,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "intermediate_size": 3072,
            "hidden_dropout_prob": 0.0,
            "attention_probs_dropout_prob": 0.0,
        },
        training={"epochs": 3, "batch_size": 32, "lr": 5e-5, "warmup_ratio": 0.1, "weight_decay": 0.05},
    ),
)


@hookimpl
def openzoo_models() -> list[ModelSpec]:
    return [
        ModelSpec(
            name="vit",
            task=IMAGE_CLASSIFICATION,
            description=(
                "Vision Transformer (ViT) image classifier on Hugging Face transformers' "
                "ViTForImageClassification; saves directories that AutoModelForImageClassification loads."
            ),
            factory="openzoo_vit.model:ViTClassifier",
            presets=_PRESETS,
            default_preset="small",
            options=_ARCHITECTURE_OPTIONS,
            predict_options=(Option("top_k", "int", 5, "number of best classes to return for each image", minimum=1),),
            precisions=("fp32", "bf16"),
            capabilities=frozenset(
                {"gradient_checkpointing", "batch_invariance", "onnx", "pretrained", "torch_compile"}
            ),
            hf_auto_class="AutoModelForImageClassification",
            test_dataset="toy-images",
        )
    ]


@hookimpl
def openzoo_datasets() -> list[DatasetSpec]:
    seed = Option("seed", "int", 0, "seed of the stratified 70/15/15 train/validation/test split", minimum=0)
    return [
        DatasetSpec(
            name="digits",
            task=IMAGE_CLASSIFICATION,
            description=(
                "scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10 classes), "
                "split 70/15/15 per class with a fixed seed; no download."
            ),
            loader="openzoo_vit.digits:load_digits",
            options=(seed,),
            source=(
                "sklearn.datasets.load_digits (BSD-3-Clause), from the UCI Optical Recognition of "
                "Handwritten Digits data set; read from the installed scikit-learn"
            ),
        ),
        DatasetSpec(
            name="imagefolder",
            task=IMAGE_CLASSIFICATION,
            description=(
                "Your own images in ROOT/<class>/*.png|jpg (split 70/15/15 per class with a seed) "
                "or ROOT/{train,validation,test}/<class>/...; set -o path=ROOT."
            ),
            loader="openzoo_vit.imagefolder:load_imagefolder",
            options=(Option("path", "str", None, "root folder of the images (required)"), seed),
            source="the user's files",
            sample="openzoo_vit.samples:write_imagefolder_sample",
            malformed_samples="openzoo_vit.samples:write_malformed_imagefolder_samples",
            sample_variants="openzoo_vit.samples:write_imagefolder_variants",
        ),
    ]
