"""The ``bert`` model: transformers' BertForSequenceClassification behind openzoo's Model protocol.

Two ways to build one:

* **from scratch** (``create(config=..., dataset=...)``): a WordPiece tokenizer is
  trained on the dataset's training split, and a randomly initialised BERT of the
  preset's size gets a classification head with one output per label;
* **from a checkpoint** (``pretrained=DIR_OR_HUB_ID``): the encoder and tokenizer
  are loaded with ``from_pretrained``; the head is sized to the dataset's labels
  (``ignore_mismatched_sizes``) and re-initialised when the checkpoint's labels
  mean something else.

Label names live in the config (``id2label``/``label2id``), so a saved directory
loads with ``AutoModelForSequenceClassification`` + ``AutoTokenizer`` and works
in ``transformers.pipeline("text-classification", model=directory)``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from openzoo import BadInputError, DatasetSource, quiet_transformers
from transformers import (
    AutoConfig,
    BertConfig,
    BertForSequenceClassification,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from openzoo_bert.loading import from_pretrained_strict
from openzoo_bert.predict import predict_texts
from openzoo_bert.settings import parse_settings
from openzoo_bert.tokenizer import load_pretrained_tokenizer, open_tokenizer, train_wordpiece

__all__ = ["BertClassifier"]

_DEFAULT_LABEL = re.compile(r"^LABEL_\d+$")


#: The file ``save`` writes beside the tokenizer's vocabulary: its settings and truncation length.
TOKENIZER_CONFIG = "tokenizer_config.json"


class BertClassifier:
    """A BERT text classifier: the Hugging Face module plus its tokenizer.

    :param module: a ``...ForSequenceClassification`` model whose config holds ``id2label``.
    :param tokenizer: the tokenizer it was trained with; ``model_max_length`` is the truncation length.
    """

    def __init__(self, module: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> None:
        #: The trainable network; ``module(**batch)`` returns ``logits`` and, with labels, ``loss``.
        self.module = module
        #: The tokenizer that turns texts into ``input_ids`` and ``attention_mask``.
        self.tokenizer = tokenizer

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        config: Mapping[str, Any],
        dataset: DatasetSource | None = None,
        pretrained: str | None = None,
    ) -> BertClassifier:
        """Build a classifier from scratch (needs ``dataset``) or from a pretrained checkpoint.

        :param config: the preset's config with the user's ``-o`` options (see :class:`~openzoo_bert.settings.BertSettings`).
        :param dataset: the training data: its ``info["labels"]`` sizes the head and its first split
            trains the tokenizer.
        :param pretrained: a local directory or hub id of a BERT-compatible checkpoint.
        """
        settings = parse_settings(config, pretrained=pretrained is not None)
        labels = _dataset_labels(dataset) if dataset is not None else None
        if pretrained is not None:
            return cls._from_pretrained(str(pretrained), labels, settings.max_length)
        if dataset is None or labels is None:
            raise BadInputError(
                "bert: building a model from scratch needs a dataset (its labels size the head and its training "
                "texts train the tokenizer); pass --dataset, or --from-pretrained to start from a checkpoint"
            )
        max_length = settings.max_length or settings.max_position_embeddings
        train_split = dataset.splits()[0]
        texts = [_text_of(example, index) for index, example in enumerate(dataset.load(train_split))]
        tokenizer = train_wordpiece(
            texts, vocab_size=settings.vocab_size, lowercase=settings.lowercase, max_length=max_length
        )
        bert_config = BertConfig(
            vocab_size=len(tokenizer),
            hidden_size=settings.hidden_size,
            num_hidden_layers=settings.num_hidden_layers,
            num_attention_heads=settings.num_attention_heads,
            intermediate_size=settings.intermediate_size,
            max_position_embeddings=settings.max_position_embeddings,
            hidden_dropout_prob=settings.dropout,
            attention_probs_dropout_prob=settings.dropout,
            pad_token_id=tokenizer.pad_token_id,
            problem_type="single_label_classification",
            **_label_config(labels),
        )
        return cls(BertForSequenceClassification(bert_config), tokenizer)

    @classmethod
    def _from_pretrained(cls, source: str, labels: list[str] | None, max_length: int | None) -> BertClassifier:
        looks_like_path = source.startswith(("/", ".", "~")) or source.count("/") > 1 or "\\" in source
        if looks_like_path and not Path(source).expanduser().is_dir():
            raise BadInputError(
                f"bert: --from-pretrained {source!r}: no such directory. Pass a directory holding config.json, "
                "the weights and the tokenizer files (as save_pretrained writes them), or a hub id such as "
                "'google-bert/bert-base-uncased'"
            )
        source = str(Path(source).expanduser()) if looks_like_path else source
        try:
            checkpoint_config = AutoConfig.from_pretrained(source)
        except (OSError, ValueError) as exc:
            raise BadInputError(
                f"bert: cannot load a pretrained model from {source!r}: {str(exc).rstrip('.')}. Pass a directory "
                "holding config.json, the weights and the tokenizer files, or a hub id"
            ) from None
        kwargs: dict[str, Any] = {}
        if labels is not None:
            kwargs = {**_label_config(labels), "problem_type": "single_label_classification"}
        try:
            with quiet_transformers():
                module = from_pretrained_strict(source, AutoConfig.from_pretrained(source, **kwargs), new_head=True)
        except BadInputError:
            raise
        except (OSError, ValueError) as exc:
            raise BadInputError(
                f"bert: cannot load {source!r} as a sequence classifier: {str(exc).rstrip('.')}. Use a BERT-compatible "
                "encoder checkpoint"
            ) from None
        if labels is not None and _head_means_other_labels(checkpoint_config, labels):
            _reset_head(module)
        max_positions = int(getattr(module.config, "max_position_embeddings", 512) or 512)
        tokenizer = load_pretrained_tokenizer(source, max_length=max_length, max_positions=max_positions)
        return cls(module, tokenizer)

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> BertClassifier:
        """Load what :meth:`save` wrote (safetensors weights only; nothing is unpickled).

        Loading is strict: every weight the network has must be in the files with its shape, and
        nothing else may be (see :mod:`openzoo_bert.loading`).
        """
        path = Path(directory)
        for name, holds in (("config.json", "the network's sizes"), (TOKENIZER_CONFIG, "the truncation length")):
            if not (path / name).is_file():
                raise BadInputError(
                    f"{path}: not a saved bert model (no {name}, which holds {holds}); pass the run's model directory"
                )
        try:
            with quiet_transformers():
                module = from_pretrained_strict(str(path), AutoConfig.from_pretrained(path), new_head=False)
            tokenizer = open_tokenizer(path)
        except BadInputError:
            raise
        except (OSError, ValueError) as exc:
            raise BadInputError(f"{path}: cannot load the saved model: {exc}") from None
        tokenizer.model_max_length = min(int(tokenizer.model_max_length), module.config.max_position_embeddings)
        return cls(module, tokenizer)

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write ``model.safetensors``, ``config.json`` and the tokenizer files into ``directory``."""
        with quiet_transformers():
            self.module.save_pretrained(directory, safe_serialization=True)
        self.tokenizer.save_pretrained(directory)

    # -- data and inference ---------------------------------------------------------------------

    @property
    def labels(self) -> list[str]:
        """The label names, index = class id."""
        id2label = self.module.config.id2label
        return [str(id2label[i]) for i in range(len(id2label))]

    def collate(self, examples: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Tokenize the texts of ``examples`` into one padded batch; ``labels`` when every example has one."""
        if not examples:
            raise BadInputError("bert: cannot collate an empty list of examples")
        texts = [_text_of(example, index) for index, example in enumerate(examples)]
        encoded = self.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.tokenizer.model_max_length,
            return_tensors="pt",
        )
        accepted = set(self.tokenizer.model_input_names)
        batch: dict[str, Any] = {key: value for key, value in encoded.items() if key in accepted}
        present = [example.get("label") is not None for example in examples]
        if all(present):
            batch["labels"] = self._label_tensor(examples)
        elif any(present):
            raise BadInputError("bert: some examples of the batch have a label and some do not; label all or none")
        return batch

    def _label_tensor(self, examples: Sequence[Mapping[str, Any]]) -> torch.Tensor:
        count = self.module.config.num_labels
        values = []
        for index, example in enumerate(examples):
            label = example["label"]
            if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < count:
                raise BadInputError(
                    f"bert: example {index} has label {label!r}; labels are class indices 0..{count - 1} "
                    f"into {self.labels}"
                )
            values.append(label)
        return torch.tensor(values, dtype=torch.long)

    def predict(
        self, inputs: Sequence[str], *, top_k: int | None = None, batch_size: int = 32, **options: Any
    ) -> list[dict[str, Any]]:
        """Classify raw texts: ``{"label", "score", "scores": {label: probability}}`` per text.

        :param inputs: the texts (a single string is one text).
        :param top_k: keep only the ``k`` most probable labels in ``scores`` (all when ``None``).
        :param batch_size: texts per forward pass.
        """
        if options:
            raise BadInputError(f"bert: unknown predict options {sorted(options)}; known: top_k, batch_size")
        return predict_texts(self, inputs, top_k=top_k, batch_size=batch_size)


def _text_of(example: Mapping[str, Any], index: int) -> str:
    text = example.get("text") if isinstance(example, Mapping) else None
    if not isinstance(text, str):
        raise BadInputError(f"bert: example {index} has no 'text' string (got {type(text).__name__})")
    return text


def _dataset_labels(dataset: DatasetSource) -> list[str]:
    labels = dataset.info.get("labels")
    if not isinstance(labels, (list, tuple)) or len(labels) < 2:
        raise BadInputError(f"bert: the dataset's info['labels'] must list at least two class names; got {labels!r}")
    names = [str(label) for label in labels]
    if len(set(names)) != len(names):
        raise BadInputError(f"bert: the dataset's labels must be distinct; got {names}")
    return names


def _label_config(labels: list[str]) -> dict[str, Any]:
    return {
        "num_labels": len(labels),
        "id2label": dict(enumerate(labels)),
        "label2id": {label: index for index, label in enumerate(labels)},
    }


def _head_means_other_labels(checkpoint_config: Any, labels: list[str]) -> bool:
    """True when the checkpoint's head has as many, but differently named, trained labels.

    A head of another size is re-initialised by ``ignore_mismatched_sizes``; generic names
    (``LABEL_0``...) mean the checkpoint has no trained head to keep or to distrust.
    """
    id2label = getattr(checkpoint_config, "id2label", None) or {}
    names = [str(id2label[i]) for i in sorted(id2label)]
    if len(names) != len(labels) or all(_DEFAULT_LABEL.match(name) for name in names):
        return False
    return [name.lower() for name in names] != [label.lower() for label in labels]


def _reset_head(module: PreTrainedModel) -> None:
    """Re-initialise every layer outside the encoder (the classification head)."""
    for name, child in module.named_children():
        if name == module.base_model_prefix:
            continue
        for layer in child.modules():
            if isinstance(layer, torch.nn.Linear):
                layer.weight.data.normal_(mean=0.0, std=getattr(module.config, "initializer_range", 0.02))
                if layer.bias is not None:
                    layer.bias.data.zero_()
