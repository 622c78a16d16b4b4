"""The ``vit`` model: transformers' ``ViTForImageClassification`` behind openzoo's Model protocol.

A saved model is a plain Hugging Face directory -- ``config.json`` (with
``id2label``), ``model.safetensors`` and ``preprocessor_config.json`` -- so
``AutoModelForImageClassification.from_pretrained(RUN/model)`` and
``AutoImageProcessor.from_pretrained(RUN/model)`` load it without openzoo.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from openzoo import BadInputError, DatasetSource, quiet_transformers
from openzoo_vit.architecture import architecture_options, build_config, build_processor
from openzoo_vit.images import to_rgb
from openzoo_vit.loading import from_pretrained_strict

if TYPE_CHECKING:
    from transformers import BaseImageProcessor, ViTForImageClassification

__all__ = ["ViTClassifier"]

#: Key prefix of the classifier head, which ``--from-pretrained`` replaces when the classes differ.
CLASSIFIER_HEAD = "classifier."
#: Images per forward pass in :meth:`ViTClassifier.predict`.
PREDICT_BATCH_SIZE = 64


class ViTClassifier:
    """A ViT image classifier and the image processor that prepares its inputs."""

    def __init__(self, module: ViTForImageClassification, processor: BaseImageProcessor) -> None:
        #: The ``ViTForImageClassification``; ``module(pixel_values=..., labels=...)`` gives loss and logits.
        self.module = module
        #: The image processor (resize, rescale, normalise), saved with the weights.
        self.processor = processor

    # ------------------------------------------------------------------ building

    @classmethod
    def create(
        cls,
        *,
        config: Mapping[str, Any],
        dataset: DatasetSource | None = None,
        pretrained: str | None = None,
    ) -> ViTClassifier:
        """Build a model with one output per class of ``dataset.info["labels"]``.

        :param config: architecture keys (see :data:`openzoo_vit.architecture.ARCHITECTURE_KEYS`).
        :param dataset: the training data; its ``info["labels"]`` sizes the classifier head.
        :param pretrained: a local directory or hub id of a ViT checkpoint. Its architecture is
            used (``config`` is only validated) and its classifier head is replaced when the
            dataset's classes differ from the checkpoint's.
        :raises BadInputError: for an invalid config, a dataset without labels, or a checkpoint
            that cannot be loaded.
        """
        options = architecture_options(config)
        labels = _dataset_labels(dataset)
        if pretrained is not None:
            # '~/model' is a local path (a hub id never starts with '~'): transformers would read it as a repo id
            return cls._from_pretrained(os.path.expanduser(str(pretrained)), labels)
        if labels is None:
            raise BadInputError(
                "vit: a new model needs the class names; pass a dataset whose info['labels'] lists them "
                "(for example --dataset digits) or start from a checkpoint with --from-pretrained"
            )
        from transformers import ViTForImageClassification

        module = ViTForImageClassification(build_config(options, labels))
        return cls(module, build_processor(module.config.image_size))

    @classmethod
    def _from_pretrained(cls, pretrained: str, labels: list[str] | None) -> ViTClassifier:
        from transformers import ViTForImageClassification

        head: dict[str, Any] = {}
        if labels is not None:
            head = {
                "num_labels": len(labels),
                "id2label": dict(enumerate(labels)),
                "label2id": {label: index for index, label in enumerate(labels)},
            }
        try:
            with quiet_transformers():
                module = from_pretrained_strict(
                    ViTForImageClassification, pretrained, head=CLASSIFIER_HEAD, config_overrides=head
                )
        except BadInputError:
            raise
        except (OSError, ValueError) as exc:
            raise BadInputError(
                f"vit: cannot load pretrained weights from {pretrained!r}: {exc}. Pass a directory written by "
                "save_pretrained (config.json + model.safetensors) or a hub id reachable from this machine"
            ) from exc
        return cls(module, _load_processor(pretrained, module.config.image_size))

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> ViTClassifier:
        """Load a model that :meth:`save` wrote (weights are safetensors; nothing is unpickled).

        Loading is strict: every weight the network has must be in the files with its shape, and
        nothing else may be (see :mod:`openzoo_vit.loading`).

        :raises BadInputError: when ``directory`` is not a saved model or its weights do not match its config.
        """
        path = Path(directory).expanduser()
        if not (path / "config.json").is_file():
            raise BadInputError(f"vit: {str(path)!r} is not a saved model directory (no config.json in it)")
        from transformers import ViTForImageClassification

        try:
            with quiet_transformers():
                module = from_pretrained_strict(ViTForImageClassification, str(path))
        except BadInputError:
            raise
        except (OSError, ValueError) as exc:
            raise BadInputError(f"vit: cannot load the saved model in {path}: {exc}") from None
        return cls(module, _load_processor(str(path), module.config.image_size))

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write ``config.json``, ``model.safetensors`` and ``preprocessor_config.json`` into ``directory``."""
        with quiet_transformers():
            self.module.save_pretrained(directory)
        self.processor.save_pretrained(directory)

    # ------------------------------------------------------------------ data

    @property
    def labels(self) -> list[str]:
        """Class names, index = class id (from the config's ``id2label``)."""
        id2label = self.module.config.id2label
        return [str(id2label[i]) for i in range(len(id2label))]

    def collate(self, examples: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Return ``{"pixel_values": float [B, 3, S, S], "labels": long [B]}`` (labels when all examples have one).

        :raises BadInputError: for an example without an image, an unreadable image, a label that
            is not a class index of the model (``0 <= label < num_labels``), or a batch where only
            some examples are labelled.
        """
        if not examples:
            raise BadInputError("vit: cannot collate an empty list of examples")
        images = []
        for position, example in enumerate(examples):
            if "image" not in example:
                raise BadInputError(f"vit: example {position} has no 'image' field; got keys {sorted(example)}")
            images.append(to_rgb(example["image"]))
        batch: dict[str, Any] = {"pixel_values": self._pixel_values(images)}
        labelled = ["label" in example and example["label"] is not None for example in examples]
        if all(labelled):
            count = self.module.config.num_labels
            batch["labels"] = torch.tensor(
                [_class_index(example["label"], position, count) for position, example in enumerate(examples)],
                dtype=torch.long,
            )
        elif any(labelled):
            raise BadInputError("vit: some examples of the batch have a 'label' and some do not; label all or none")
        return batch

    def _pixel_values(self, images: list[Any]) -> torch.Tensor:
        return self.processor(images=images, return_tensors="pt")["pixel_values"]

    # ------------------------------------------------------------------ inference

    def predict(self, inputs: Sequence[Any], top_k: int = 5, **options: Any) -> list[dict[str, Any]]:
        """Classify each image (a path, PIL image or uint8 array) and return its ``top_k`` classes.

        :returns: one ``{"label", "score", "top_k": [{"label", "score"}, ...]}`` per input, with
            softmax probabilities, best first.
        :raises BadInputError: for an unknown option, a ``top_k`` below 1, or an unreadable image.
        """
        if options:
            raise BadInputError(f"vit: unknown predict option(s) {', '.join(sorted(options))}; allowed: top_k")
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise BadInputError(f"vit: top_k must be a positive integer; got {top_k!r}")
        if isinstance(inputs, (str, os.PathLike)):
            inputs = [inputs]
        labels = self.labels
        k = min(top_k, len(labels))
        device = next(self.module.parameters()).device
        was_training = self.module.training
        self.module.eval()
        records: list[dict[str, Any]] = []
        try:
            for start in range(0, len(inputs), PREDICT_BATCH_SIZE):
                images = [to_rgb(item) for item in inputs[start : start + PREDICT_BATCH_SIZE]]
                pixel_values = self._pixel_values(images).to(device)
                with torch.no_grad():
                    probabilities = self.module(pixel_values=pixel_values).logits.float().softmax(dim=-1)
                scores, indices = probabilities.topk(k, dim=-1)
                for row_scores, row_indices in zip(scores.tolist(), indices.tolist()):
                    ranked = [{"label": labels[i], "score": s} for s, i in zip(row_scores, row_indices)]
                    records.append({"label": ranked[0]["label"], "score": ranked[0]["score"], "top_k": ranked})
        finally:
            self.module.train(was_training)
        return records


def _dataset_labels(dataset: DatasetSource | None) -> list[str] | None:
    if dataset is None:
        return None
    labels = dataset.info.get("labels")
    if not labels or isinstance(labels, str) or len(labels) < 2:
        raise BadInputError(f"vit: the dataset's info['labels'] must list at least two class names; got {labels!r}")
    return [str(label) for label in labels]


def _load_processor(source: str, image_size: int) -> BaseImageProcessor:
    """Load the checkpoint's image processor, or build the default one when it has none."""
    local = Path(source)
    if local.is_dir() and not (local / "preprocessor_config.json").is_file():
        return build_processor(image_size)
    from transformers import AutoImageProcessor

    try:
        return AutoImageProcessor.from_pretrained(source, backend="pil")
    except (OSError, ValueError):
        return build_processor(image_size)


def _class_index(label: Any, position: int, count: int) -> int:
    """Return ``label`` as a class index; refuse anything but an integer in ``[0, count)``.

    An index out of range would reach the loss: an ``IndexError`` on CPU, a device-side assert on CUDA.
    """
    if isinstance(label, bool) or not isinstance(label, numbers.Integral) or not 0 <= label < count:
        raise BadInputError(f"vit: example {position} has label {label!r}; labels are class indices 0..{count - 1}")
    return int(label)
