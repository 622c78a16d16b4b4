"""Device backend checks: availability, tensor placement, numerics, seeding, autocast, memory, distributed."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

from openzoo.conformance.declaration import CheckSkipped, Measurement, check, fail
from openzoo.conformance.subjects import DeviceSubject
from openzoo.conformance.tolerances import tolerance

__all__ = [
    "check_device_autocast_dtypes_work",
    "check_device_distributed_group_initialises",
    "check_device_is_available_answers",
    "check_device_matmul_matches_cpu",
    "check_device_memory_stats_keys",
    "check_device_seeding_is_deterministic",
    "check_device_tensor_round_trip_is_exact",
    "check_device_tensors_land_on_its_own_device_type",
]

#: torch device types of accelerators: a backend named for one must not hand out CPU tensors.
ACCELERATOR_TYPES = frozenset(
    {"cuda", "mps", "xpu", "npu", "hpu", "xla", "mtia", "ipu", "maia", "musa", "mlu", "privateuseone", "vulkan"}
)

_DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}
#: Seconds the two ranks of the distributed check may take together.
DISTRIBUTED_TIMEOUT = 120.0


@check(kind="device", devices="component", applies_to="every device backend")
def check_device_is_available_answers(subject: DeviceSubject) -> None:
    """``is_available()`` answers a bool without raising, and ``device_count()`` agrees with it.

    Why: ``openzoo doctor``, ``--device`` validation and this suite ask every backend,
    on machines without the hardware too; a backend that raises there breaks them
    all. Fix: catch the driver's errors in ``is_available`` and return ``False``.
    """
    cls = subject.backend_class()
    try:
        available = cls.is_available()
        count = cls.device_count()
    except Exception as exc:
        raise fail(
            subject,
            "is_available() and device_count() must not raise",
            f"{type(exc).__name__}: {exc}",
            "catch driver errors and answer False / 0",
        ) from exc
    if not isinstance(available, bool):
        raise fail(subject, "is_available() must return a bool", type(available).__name__, "return bool(...)")
    if not isinstance(count, int) or count < 0 or (available and count < 1) or (not available and count != 0):
        raise fail(
            subject,
            "device_count() must be >= 1 when available and 0 when not",
            f"available={available}, device_count={count!r}",
            "make both answers agree",
        )


@check(kind="device", devices="component", applies_to="every device backend")
def check_device_tensor_round_trip_is_exact(subject: DeviceSubject) -> None:
    """A tensor moved to ``torch_device()`` lands on the backend's device type and comes back bit for bit.

    Why: a backend that silently falls back to the CPU makes every "GPU" run a CPU
    run, with no error anywhere. The expected device type is the backend's
    ``device_type`` attribute, or its name. Fix: return the real device from
    ``torch_device`` and report ``is_available() == False`` instead of falling back.
    """
    import torch

    backend = subject.available_backend()
    device = backend.torch_device()
    expected = subject.expected_device_type()
    if torch.device(device).type != expected:
        raise fail(
            subject,
            f"torch_device() must be a {expected!r} device",
            f"{device} (tensors silently stay on {torch.device(device).type})",
            "return the backend's own device, and answer is_available() False when it is missing",
        )
    for dtype in (torch.float32, torch.int64, torch.bool):
        original = (torch.arange(17) % 5).to(dtype)
        moved = original.to(device)
        if moved.device.type != expected:
            raise fail(subject, f"tensors must land on {expected}", str(moved.device), "fix torch_device()")
        if not torch.equal(moved.cpu(), original):
            raise fail(
                subject,
                "a round trip to the device must be exact",
                f"{dtype} values changed",
                "do not convert dtypes when moving",
            )


def _declares_cpu(subject: DeviceSubject, cls: type) -> bool:
    """True when a class of the plugin's own package sets ``device_type = "cpu"``."""
    package = subject.spec.backend.partition(":")[0].split(".")[0]
    return any(
        "device_type" in vars(klass) and klass.__module__.split(".")[0] == package
        for klass in cls.__mro__
        if getattr(klass, "device_type", None) == "cpu"
    )


@check(level="recommended", kind="device", devices="component", applies_to="every device backend")
def check_device_tensors_land_on_its_own_device_type(subject: DeviceSubject) -> None:
    """An available backend hands out its own device type at every index, for tensors and modules alike, never the CPU in disguise.

    Every index below ``device_count()`` gives a ``torch_device`` of the expected type, and
    a module moved there computes there. A backend whose tensors land on the CPU passes only
    if it declares itself a CPU backend (``device_type = "cpu"`` set by a class of its own
    package) and its name does not claim an accelerator (``acme-npu``, ``xpu``). Why: a
    backend that reports itself available and quietly computes on the CPU -- a fallback,
    or ``device_type = "cpu"`` left from the template -- turns every accelerator run into a
    CPU run with no error anywhere. Fix: return ``torch.device(self.device_type, index)``
    with your device's type, and answer ``is_available()`` with ``False`` when it is missing.

    Recommended in suite 1.1 and required from 1.2: a new required check arrives as recommended for
    one minor release (GOVERNANCE.md).
    """
    import torch

    backend = subject.available_backend()
    cls = type(backend)
    expected = subject.expected_device_type()
    devices = [torch.device(backend.torch_device(index)) for index in range(max(1, int(cls.device_count())))]
    if devices[0].type != expected:
        raise CheckSkipped(
            f"prerequisite check_device_tensor_round_trip_is_exact failed: torch_device() is {devices[0]}"
        )
    wrong = [f"torch_device({i}) is {d}" for i, d in enumerate(devices) if d.type != expected]
    module = torch.nn.Linear(3, 2).to(devices[0])
    output = module(torch.ones(1, 3, device=devices[0]))
    if {p.device.type for p in module.parameters()} != {expected} or output.device.type != expected:
        wrong.append(f"a module moved to {devices[0]} computes on {output.device.type}")
    if wrong:
        raise fail(
            subject,
            f"every device the backend hands out must be of type {expected!r}",
            "; ".join(wrong),
            "return torch.device(self.device_type, index) for every index below device_count()",
        )
    builtin = subject.spec.origin is not None and subject.spec.origin.builtin
    if expected == "cpu" and not builtin:
        claimed = sorted(set(re.split(r"[-_.]", subject.spec.name.lower())) & ACCELERATOR_TYPES)
        if claimed or not _declares_cpu(subject, cls):
            because = (
                f"it is named for {', '.join(claimed)}"
                if claimed
                else "no class of its package sets device_type = 'cpu'"
            )
            raise fail(
                subject,
                "a backend whose tensors land on the CPU must declare itself a CPU backend",
                f"tensors on cpu, but {because}",
                "set device_type to your device's torch type and return that device; keep 'cpu' only for a CPU backend",
            )


@check(kind="device", devices="component", applies_to="every device backend")
def check_device_matmul_matches_cpu(subject: DeviceSubject) -> Measurement:
    """A float32 matmul on the device matches the CPU within the (device, fp32) tolerance.

    Why: a backend with wrong numerics (a broken kernel, an unwanted reduced precision)
    trains worse for no visible reason. Fix: check the backend's default math mode
    (TF32, fast math) and turn it off for fp32.
    """
    import torch

    backend = subject.available_backend()
    device = backend.torch_device()
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(33, 17, generator=g), torch.randn(17, 9, generator=g)
    expected = a @ b
    actual = (a.to(device) @ b.to(device)).cpu()
    error = float((actual - expected).abs().max() / max(1.0, float(expected.abs().max())))
    bound = tolerance(torch.device(device).type, "fp32") * 10
    if error > bound:
        raise fail(
            subject,
            f"matmul on {device} must match the CPU within {bound:g}",
            f"{error:.3g}",
            "disable reduced-precision fp32 math",
        )
    return Measurement(error=error, tolerance=bound)


@check(kind="device", devices="component", applies_to="every device backend")
def check_device_seeding_is_deterministic(subject: DeviceSubject) -> None:
    """``seed(s)`` makes random numbers on the device repeat.

    Why: ``--seed`` must reproduce a run; a backend that seeds only the CPU generator
    leaves dropout on the device random. Fix: seed the device's generators in ``seed``
    (``torch.cuda.manual_seed_all``).
    """
    import torch

    backend = subject.available_backend()
    device = backend.torch_device()
    draws = []
    for _ in range(2):
        backend.seed(1234)
        draws.append(torch.rand(8, device=device).cpu())
    if not torch.equal(draws[0], draws[1]):
        raise fail(
            subject,
            "seed() must make device random numbers repeat",
            "two seeded draws differ",
            "seed the device generators in seed()",
        )


@check(kind="device", devices="component", applies_to="every device backend")
def check_device_autocast_dtypes_work(subject: DeviceSubject) -> None:
    """Every precision ``supported_precisions()`` lists really computes in that dtype under ``autocast``, and fp16 gets a grad scaler.

    Why: the engine trusts the list to offer ``--precision``; a precision that silently
    runs in fp32 wastes memory, one that errors kills the run. Fix: list only the
    precisions ``torch.autocast`` supports on the device; return a ``GradScaler`` for fp16.
    """
    import torch

    backend = subject.available_backend()
    device = backend.torch_device()
    precisions = tuple(backend.supported_precisions())
    if not precisions or precisions[0] != "fp32":
        raise fail(subject, "supported_precisions() must list fp32 first", repr(precisions), "return ('fp32', ...)")
    a = torch.randn(8, 8, device=device)
    for precision in precisions:
        want = getattr(torch, _DTYPES.get(precision, "float32"))
        try:
            with backend.autocast(precision):
                dtype = (a @ a).dtype
        except Exception as exc:
            raise fail(
                subject,
                f"autocast({precision!r}) must work",
                f"{type(exc).__name__}: {exc}",
                "remove the precision from supported_precisions()",
            ) from exc
        if dtype != want:
            raise fail(
                subject,
                f"autocast({precision!r}) must compute matmuls in {want}",
                str(dtype),
                "pass the matching dtype to torch.autocast",
            )
    if "fp16" in precisions and backend.grad_scaler("fp16") is None:
        raise fail(
            subject,
            "fp16 needs loss scaling",
            "grad_scaler('fp16') is None",
            "return torch.amp.GradScaler(device_type)",
        )


@check(level="recommended", kind="device", devices="component", applies_to="every device backend")
def check_device_memory_stats_keys(subject: DeviceSubject) -> None:
    """``memory_stats()`` returns non-negative integers for ``allocated``, ``reserved`` and ``peak``.

    Why: the engine logs memory per step and ``openzoo doctor`` shows it; a missing key
    crashes logging on that device only. Fix: return zeros where the device cannot tell.
    """
    backend = subject.available_backend()
    stats = backend.memory_stats()
    bad = [
        k
        for k in ("allocated", "reserved", "peak")
        if not isinstance(stats.get(k) if isinstance(stats, dict) else None, int) or stats[k] < 0
    ]
    if bad:
        raise fail(
            subject,
            "memory_stats() must give non-negative ints for allocated, reserved and peak",
            f"{stats!r}",
            "return zeros for what the device cannot tell",
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@check(kind="device", devices="component", applies_to="every device backend")
def check_device_distributed_group_initialises(subject: DeviceSubject) -> None:
    """Two processes form a ``torch.distributed`` group with the backend's ``distributed_backend`` and all-reduce on the device.

    Why: multi-GPU and multi-node training use DDP over this backend; a wrong backend
    name (``nccl`` on a CPU) fails only when a user launches ``torchrun``. Skipped, with
    the reason, when the backend is unavailable or has fewer devices than it needs.
    Fix: set ``distributed_backend`` to what ``torch.distributed`` supports on the device.
    """
    import torch

    backend = subject.available_backend()
    cls = type(backend)
    name = getattr(cls, "distributed_backend", None)
    if not isinstance(name, str) or not name:
        raise fail(
            subject,
            "the backend must name its torch.distributed backend",
            repr(name),
            "set distributed_backend = 'gloo' or 'nccl'",
        )
    if not torch.distributed.is_available():
        raise CheckSkipped("torch.distributed is not available in this build of torch", device=subject.spec.name)
    if name == "nccl" and cls.device_count() < 2:
        raise CheckSkipped(f"nccl needs 2 devices; {cls.device_count()} present", device=subject.spec.name)
    device = str(backend.torch_device())
    port = _free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    ranks = [
        subprocess.Popen(
            [sys.executable, "-m", "openzoo.conformance.distributed_probe", str(rank), "2", str(port), name, device],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for rank in range(2)
    ]
    results: list[tuple[int, str, str]] = []
    for process in ranks:
        try:
            out, err = process.communicate(timeout=DISTRIBUTED_TIMEOUT)
        except subprocess.TimeoutExpired:
            for other in ranks:
                other.kill()
            raise fail(
                subject,
                f"a 2-process {name} group must initialise",
                f"no answer in {DISTRIBUTED_TIMEOUT:.0f} s",
                "check the backend name and the device",
            ) from None
        results.append((process.returncode, out, err))
    for rank, (code, out, err) in enumerate(results):
        if code != 0 or "ok 6" not in out:
            tail = (err.strip().splitlines() or [out.strip() or "no output"])[-1]
            raise fail(
                subject,
                f"a 2-process {name} group must initialise and all-reduce on {device}",
                f"rank {rank}: {tail}",
                "set distributed_backend to one torch.distributed supports on this device",
            )
