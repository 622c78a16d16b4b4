"""The builtin device backends: ``cpu``, ``cuda`` and ``mps``.

Each backend is a small class implementing :class:`openzoo.protocols.DeviceBackend`:
where tensors go, which precisions autocast supports, whether fp16 needs loss
scaling, how to seed and synchronise the device and how much memory it uses.
The engine builds one with ``Backend()`` after checking ``Backend.is_available()``.

This module imports torch, so the plugin manager imports it only when a device
is used (the :class:`~openzoo.DeviceSpec` names these classes by lazy reference).
"""

from __future__ import annotations

import contextlib
import numbers
import sys
from contextlib import AbstractContextManager
from typing import Any, ClassVar, final

import torch

from openzoo.errors import BadInputError

__all__ = ["CPUBackend", "CUDABackend", "MPSBackend"]

#: The torch dtype autocast uses for each reduced precision.
_AUTOCAST_DTYPES: dict[str, torch.dtype] = {"bf16": torch.bfloat16, "fp16": torch.float16}


class TorchBackend:
    """Behaviour the three builtin backends share; subclasses set the device specifics.

    A backend holds no per-device state, so one instance serves every local device;
    :meth:`memory_stats` reports the process's current device.
    """

    __slots__ = ()

    #: The name users pass to ``--device`` (also the ``torch.device`` type).
    name: ClassVar[str]
    #: Name of the ``torch.distributed`` backend on this device.
    distributed_backend: ClassVar[str]

    @classmethod
    def is_available(cls) -> bool:
        """Return whether this process can use the device. Cheap, never raises."""
        raise NotImplementedError

    @classmethod
    def device_count(cls) -> int:
        """Return how many devices of this kind the process sees (0 when unavailable)."""
        raise NotImplementedError

    def torch_device(self, index: int = 0) -> torch.device:
        """Return the ``torch.device`` for local device ``index``.

        :raises BadInputError: when ``index`` is not a device this process sees.
        """
        count = self.device_count()
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not 0 <= index < count:
            raise BadInputError(
                f"device {self.name!r}: index {index!r} is not available; this process sees {count} "
                f"{self.name} device(s), use an index from 0 to {count - 1}"
                if count
                else f"device {self.name!r} is not available in this process; choose another --device (cpu always works)"
            )
        return torch.device(self.name, int(index))

    def supported_precisions(self) -> tuple[str, ...]:
        """Return the precisions autocast supports here, ``fp32`` first."""
        raise NotImplementedError

    def _check_precision(self, precision: str) -> None:
        supported = self.supported_precisions()
        if precision not in supported:
            absent = "" if self.is_available() else f" (no {self.name} device is available in this process)"
            raise BadInputError(
                f"device {self.name!r} does not support precision {precision!r}{absent}; "
                f"supported here: {', '.join(supported)}. Pass one of them with --precision"
            )

    def autocast(self, precision: str) -> AbstractContextManager[Any]:
        """Return a context manager running the forward pass in ``precision``.

        ``fp32`` gives a :func:`contextlib.nullcontext` (no autocast at all).

        :raises BadInputError: naming the device and its supported precisions.
        """
        self._check_precision(precision)
        if precision == "fp32":
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.name, dtype=_AUTOCAST_DTYPES[precision])

    def grad_scaler(self, precision: str) -> Any | None:
        """Return a ``torch.amp.GradScaler`` when ``precision`` needs loss scaling, else ``None``.

        Only fp16 on CUDA scales the loss; bf16 has fp32's exponent range and needs none.

        :raises BadInputError: for a precision the device does not support.
        """
        self._check_precision(precision)
        return None

    def seed(self, seed: int) -> None:
        """Seed torch's CPU generator and every generator of this device kind.

        Python's :mod:`random` and numpy are the engine's business, not the device's.

        :raises BadInputError: when ``seed`` is not a non-negative integer.
        """
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise BadInputError(f"seed must be a non-negative integer, got {seed!r}")
        torch.manual_seed(int(seed))

    def synchronize(self) -> None:
        """Wait until queued work on the device has finished (a no-op on the CPU)."""

    def memory_stats(self) -> dict[str, int]:
        """Return ``allocated``, ``reserved`` and ``peak`` bytes (zeros where unknown)."""
        return {"allocated": 0, "reserved": 0, "peak": 0}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


@final
class CPUBackend(TorchBackend):
    """The CPU: always available, one device, fp32 and bf16 autocast, gloo for ``torch.distributed``."""

    __slots__ = ()

    name: ClassVar[str] = "cpu"
    distributed_backend: ClassVar[str] = "gloo"

    @classmethod
    def is_available(cls) -> bool:
        """Return ``True``: every process has a CPU."""
        return True

    @classmethod
    def device_count(cls) -> int:
        """Return 1: torch sees all cores as one CPU device."""
        return 1

    def torch_device(self, index: int = 0) -> torch.device:
        """Return ``torch.device("cpu")`` for every non-negative ``index``.

        Several processes on one machine (``torchrun`` on CPU) pass their local rank
        as ``index``; they all share the one CPU device.

        :raises BadInputError: when ``index`` is not a non-negative integer.
        """
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) or index < 0:
            raise BadInputError(f"device 'cpu': index must be a non-negative integer, got {index!r}")
        return torch.device("cpu")

    def supported_precisions(self) -> tuple[str, ...]:
        """Return ``("fp32", "bf16")``: CPU autocast runs matrix products in bfloat16."""
        return ("fp32", "bf16")

    def memory_stats(self) -> dict[str, int]:
        """Return the process's peak resident memory as ``peak``, zeros for the rest.

        The CPU has no allocator statistics like CUDA's, so ``allocated`` and
        ``reserved`` are 0. ``peak`` is the peak resident set size of the whole
        process from :func:`resource.getrusage` (kilobytes on Linux, bytes on macOS,
        converted to bytes), or 0 where the :mod:`resource` module does not exist (Windows).
        """
        try:
            import resource
        except ImportError:
            return {"allocated": 0, "reserved": 0, "peak": 0}
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {"allocated": 0, "reserved": 0, "peak": int(peak if sys.platform == "darwin" else peak * 1024)}


@final
class CUDABackend(TorchBackend):
    """NVIDIA GPUs through CUDA: fp32, bf16 where the GPU supports it, fp16 with loss scaling; nccl."""

    __slots__ = ()

    name: ClassVar[str] = "cuda"
    distributed_backend: ClassVar[str] = "nccl"

    @classmethod
    def is_available(cls) -> bool:
        """Return whether torch was built with CUDA and sees at least one GPU; never raises."""
        try:
            return bool(torch.cuda.is_available())
        except Exception:  # noqa: BLE001 - a broken driver means "not available", never a crash
            return False

    @classmethod
    def device_count(cls) -> int:
        """Return the number of GPUs this process sees (``CUDA_VISIBLE_DEVICES`` applies)."""
        return torch.cuda.device_count() if cls.is_available() else 0

    def supported_precisions(self) -> tuple[str, ...]:
        """Return ``fp32``, ``bf16`` when the current GPU supports it (Ampere and later), and ``fp16``."""
        if not self.is_available():
            return ("fp32",)
        try:
            bf16 = bool(torch.cuda.is_bf16_supported())
        except Exception:  # noqa: BLE001 - treat an unanswerable question as "no"
            bf16 = False
        return ("fp32", "bf16", "fp16") if bf16 else ("fp32", "fp16")

    def grad_scaler(self, precision: str) -> Any | None:
        """Return a ``torch.amp.GradScaler("cuda")`` for fp16, ``None`` for fp32 and bf16."""
        self._check_precision(precision)
        return torch.amp.GradScaler("cuda") if precision == "fp16" else None

    def seed(self, seed: int) -> None:
        """Seed torch's CPU generator and the generator of every visible GPU."""
        super().seed(seed)
        if self.is_available():
            torch.cuda.manual_seed_all(int(seed))

    def synchronize(self) -> None:
        """Wait for every kernel queued on the current GPU."""
        if self.is_available():
            torch.cuda.synchronize()

    def memory_stats(self) -> dict[str, int]:
        """Return the caching allocator's allocated, reserved and peak allocated bytes on the current GPU."""
        if not self.is_available():
            return super().memory_stats()
        return {
            "allocated": int(torch.cuda.memory_allocated()),
            "reserved": int(torch.cuda.memory_reserved()),
            "peak": int(torch.cuda.max_memory_allocated()),
        }


@final
class MPSBackend(TorchBackend):
    """Apple-silicon GPUs through Metal Performance Shaders: fp32 and fp16; gloo for ``torch.distributed``.

    fp16 runs without loss scaling here (:meth:`grad_scaler` returns ``None``).
    """

    __slots__ = ()

    name: ClassVar[str] = "mps"
    distributed_backend: ClassVar[str] = "gloo"

    @classmethod
    def is_available(cls) -> bool:
        """Return whether torch was built with MPS and the machine supports it; never raises."""
        try:
            return bool(torch.backends.mps.is_available())
        except Exception:  # noqa: BLE001 - an old or odd build means "not available"
            return False

    @classmethod
    def device_count(cls) -> int:
        """Return 1 when MPS is available (a Mac has one GPU), else 0."""
        return 1 if cls.is_available() else 0

    def supported_precisions(self) -> tuple[str, ...]:
        """Return ``("fp32", "fp16")``."""
        return ("fp32", "fp16")

    def seed(self, seed: int) -> None:
        """Seed torch's CPU generator and the MPS generator."""
        super().seed(seed)
        if self.is_available():
            torch.mps.manual_seed(int(seed))

    def synchronize(self) -> None:
        """Wait for every command queued on the GPU."""
        if self.is_available():
            torch.mps.synchronize()

    def memory_stats(self) -> dict[str, int]:
        """Return tensor-allocated bytes, the Metal driver's allocated bytes as ``reserved``, and ``peak`` 0.

        MPS keeps no peak statistic, so ``peak`` is 0 (unknown).
        """
        if not self.is_available():
            return super().memory_stats()
        return {
            "allocated": int(torch.mps.current_allocated_memory()),
            "reserved": int(torch.mps.driver_allocated_memory()),
            "peak": 0,
        }
