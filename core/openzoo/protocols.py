"""What the lazy references of specs must build: the runtime side of the contract.

These are :class:`typing.Protocol` classes: a plugin does not subclass them, it
implements the methods. The engine and the conformance suite only ever call
what is written here, so a component that follows this page works with
``openzoo train``, ``evaluate``, ``predict`` and ``conformance``.

Torch types are named for documentation only; importing this module never
imports torch.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    import torch

__all__ = ["DatasetSource", "DeviceBackend", "Metric", "Model", "RunLogger"]

#: One example of a task, a mapping with the fields of :attr:`openzoo.TaskSpec.example`.
Example = Mapping[str, Any]


@runtime_checkable
class DatasetSource(Protocol):
    """What a :class:`~openzoo.DatasetSpec` loader returns: the splits of one dataset.

    ``load(split)`` returns a map-style sequence of examples (``len`` and integer
    indexing) that is deterministic, picklable (DataLoader workers and DDP ranks
    get copies) and never touches the network.
    """

    #: Task metadata the model needs to size itself and metrics need to interpret outputs:
    #: ``labels`` (list of class names, index = class id) for classification tasks,
    #: ``num_users`` / ``num_items`` for recommendation. Plain JSON-serialisable values.
    info: Mapping[str, Any]

    def splits(self) -> Sequence[str]:
        """Return the split names this source provides, training split first."""
        ...

    def load(self, split: str) -> Sequence[Example]:
        """Return the examples of ``split``; raise :class:`~openzoo.BadInputError` for an unknown split."""
        ...


@runtime_checkable
class Model(Protocol):
    """What a :class:`~openzoo.ModelSpec` factory is: a class with these methods.

    The engine builds an instance with :meth:`create` (or :meth:`load`), trains
    :attr:`module` with batches from :meth:`collate`, and serves :meth:`predict`.
    """

    #: The trainable network. ``module(**batch)`` returns a mapping with the task's
    #: outputs (``logits`` or ``scores``) and, when the batch holds targets, a scalar ``loss``.
    module: torch.nn.Module

    @classmethod
    def create(
        cls,
        *,
        config: Mapping[str, Any],
        dataset: DatasetSource | None = None,
        pretrained: str | None = None,
    ) -> Model:
        """Build a new model.

        :param config: the preset's ``config`` updated with the user's ``-o`` options.
        :param dataset: the training data source; models size their heads from
            ``dataset.info`` and may train a tokenizer on ``dataset.load(train_split)``.
        :param pretrained: a local directory or hub id to start from (``--from-pretrained``).
        """
        ...

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> Model:
        """Load what :meth:`save` wrote. Never unpickles: weights are safetensors."""
        ...

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write weights (``model.safetensors``), ``config.json`` and processor or tokenizer files.

        The engine passes a fresh temporary directory and renames it into place, so
        implementations write plainly. Hugging Face based models write what
        ``from_pretrained`` of their Auto class loads.
        """
        ...

    def collate(self, examples: Sequence[Example]) -> dict[str, Any]:
        """Turn examples of the task into one batch of CPU tensors (targets included when present).

        The engine moves the batch to the device and calls ``module(**batch)`` with every
        key except ``"meta"``: an optional dict of tensors that only metrics read (for
        example ``meta["num_chars"]`` for bits per character). Examples without targets
        (raw inputs) give a batch without them.
        """
        ...

    def predict(self, inputs: Sequence[Any], **options: Any) -> list[dict[str, Any]]:
        """Return one record per raw input (see :attr:`openzoo.TaskSpec.predict_output`).

        Runs without gradients on the device :attr:`module` is on.
        Text generation models may also offer ``stream(prompt, **options) -> Iterator[str]``,
        which ``openzoo predict`` uses to print text as it is produced.
        """
        ...


@runtime_checkable
class Metric(Protocol):
    """What a :class:`~openzoo.MetricSpec` factory returns (usually a ``torchmetrics.Metric``).

    State accumulates over ``update`` calls; ``compute`` gives one float. Under DDP,
    ``compute`` reduces the state across ranks (torchmetrics does this), so every rank
    gets the value of the whole split.
    """

    def update(self, outputs: Mapping[str, torch.Tensor], batch: Mapping[str, Any]) -> None:
        """Add one batch: the model's outputs and the batch it was given (with targets)."""
        ...

    def compute(self) -> float | torch.Tensor:
        """Return the value over everything added since the last :meth:`reset`.

        Raise :class:`~openzoo.BadInputError` when nothing was added."""
        ...

    def reset(self) -> None:
        """Forget everything added."""
        ...


@runtime_checkable
class DeviceBackend(Protocol):
    """What a :class:`~openzoo.DeviceSpec` backend is: a class with these members."""

    #: The name users pass to ``--device``.
    name: ClassVar[str]
    #: Name of the ``torch.distributed`` backend on this device (``gloo``, ``nccl``).
    distributed_backend: ClassVar[str]

    @classmethod
    def is_available(cls) -> bool:
        """Return whether this process can use the device. Cheap, never raises."""
        ...

    @classmethod
    def device_count(cls) -> int:
        """Return how many devices of this kind the process sees (0 when unavailable)."""
        ...

    def torch_device(self, index: int = 0) -> torch.device:
        """Return the ``torch.device`` for local device ``index``."""
        ...

    def supported_precisions(self) -> tuple[str, ...]:
        """Return the precisions autocast supports here, ``fp32`` first."""
        ...

    def autocast(self, precision: str) -> AbstractContextManager[Any]:
        """Return a context manager running the forward pass in ``precision``."""
        ...

    def grad_scaler(self, precision: str) -> Any | None:
        """Return a ``torch.amp.GradScaler`` when ``precision`` needs loss scaling (fp16), else ``None``."""
        ...

    def seed(self, seed: int) -> None:
        """Seed the device's random generators."""
        ...

    def synchronize(self) -> None:
        """Wait until queued work on the device has finished (no-op on CPU)."""
        ...

    def memory_stats(self) -> dict[str, int]:
        """Return ``allocated``, ``reserved`` and ``peak`` bytes (zeros where unknown)."""
        ...


@runtime_checkable
class RunLogger(Protocol):
    """What a :class:`~openzoo.LoggerSpec` factory returns: an experiment tracker for one training session.

    The factory is called as ``factory(run_dir=Path, config=Mapping, resumed_at=int | None)``:
    the run directory, its ``config.json`` record (names, options, training settings) and, for
    ``--resume``, the step the run continues from (records past it were dropped from
    ``metrics.jsonl``; a logger that can, drops its own too). It runs on the main process only.
    """

    def log(self, record: Mapping[str, Any]) -> None:
        """Receive one ``metrics.jsonl`` record, as the engine writes it.

        A training record has ``step``, ``epoch``, ``loss``, ``lr`` and ``examples_per_s``;
        an evaluation record has ``step``, ``epoch``, ``split`` and ``metrics`` (name -> value).
        Called every ``--log-every`` steps and at each evaluation, never per step.
        """
        ...

    def close(self, status: str) -> None:
        """Flush and release everything; ``status`` is ``finished``, ``interrupted`` or ``failed``."""
        ...


#: A factory of metrics: ``(info, **options) -> Metric``.
MetricFactory = Callable[..., Metric]
#: A dataset loader: ``(**options) -> DatasetSource``.
DatasetLoader = Callable[..., DatasetSource]
#: A streaming text generator, offered by text generation models as ``stream``.
TextStream = Iterator[str]
