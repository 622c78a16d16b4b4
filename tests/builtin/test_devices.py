"""The cpu, cuda and mps backends keep the DeviceBackend contract (GPU tests skip without the GPU)."""

from __future__ import annotations

import contextlib

import pytest
import torch

from openzoo.builtin.devices import CPUBackend, CUDABackend, MPSBackend
from openzoo.errors import BadInputError
from openzoo.protocols import DeviceBackend

BACKENDS = {"cpu": CPUBackend, "cuda": CUDABackend, "mps": MPSBackend}
EXPECTED = {  # name -> (distributed backend, precisions the backend may support)
    "cpu": ("gloo", {"fp32", "bf16"}),
    "cuda": ("nccl", {"fp32", "bf16", "fp16"}),
    "mps": ("gloo", {"fp32", "fp16"}),
}
needs_cuda = pytest.mark.skipif(not CUDABackend.is_available(), reason="needs a CUDA GPU")
needs_mps = pytest.mark.skipif(not MPSBackend.is_available(), reason="needs an Apple-silicon GPU (MPS)")


def available(name: str):
    backend = BACKENDS[name]
    if not backend.is_available():
        pytest.skip(f"{name} is not available in this process")
    return backend()


@pytest.mark.parametrize("name", BACKENDS)
def test_builtin_device_spec_resolves_to_the_backend_of_that_name(registry, name):
    backend = registry.resolve(registry.device(name))
    assert backend is BACKENDS[name]
    assert backend.name == name
    assert backend.distributed_backend == EXPECTED[name][0]
    assert isinstance(backend(), DeviceBackend)


@pytest.mark.parametrize("name", BACKENDS)
def test_supported_precisions_start_with_fp32_and_stay_within_the_documented_set(name):
    precisions = BACKENDS[name]().supported_precisions()
    assert precisions[0] == "fp32"
    assert set(precisions) <= EXPECTED[name][1]


@pytest.mark.parametrize("name", ["cuda", "mps"])
def test_is_available_is_false_instead_of_raising_when_torch_fails(monkeypatch, name):
    def broken() -> bool:
        raise RuntimeError("driver exploded")

    target = torch.cuda if name == "cuda" else torch.backends.mps
    monkeypatch.setattr(target, "is_available", broken)
    assert BACKENDS[name].is_available() is False
    assert BACKENDS[name].device_count() == 0


@pytest.mark.parametrize("name", ["cuda", "mps"])
def test_an_unavailable_backend_sees_no_device_and_refuses_to_place_tensors(name):
    backend = BACKENDS[name]
    if backend.is_available():
        pytest.skip(f"{name} is available here")
    assert backend.device_count() == 0
    with pytest.raises(BadInputError, match="not available"):
        backend().torch_device(0)


def test_cpu_is_always_available_as_one_device():
    assert CPUBackend.is_available() is True
    assert CPUBackend.device_count() == 1


@pytest.mark.parametrize("index", [0, 1, 3])
def test_every_local_rank_on_cpu_gets_the_cpu_device(index):
    assert CPUBackend().torch_device(index) == torch.device("cpu")


@pytest.mark.parametrize("index", [-1, 1.0, "0", True], ids=["negative", "float", "str", "bool"])
def test_a_device_index_that_is_not_a_non_negative_integer_is_bad_input(index):
    with pytest.raises(BadInputError, match="index"):
        CPUBackend().torch_device(index)


def test_cpu_supports_fp32_and_bf16():
    assert CPUBackend().supported_precisions() == ("fp32", "bf16")


@pytest.mark.parametrize("name", BACKENDS)
def test_fp32_autocast_is_a_null_context(name):
    assert isinstance(BACKENDS[name]().autocast("fp32"), contextlib.nullcontext)


def test_bf16_autocast_on_cpu_runs_matrix_products_in_bfloat16():
    layer = torch.nn.Linear(5, 3)
    with CPUBackend().autocast("bf16"):
        out = layer(torch.randn(2, 5))
    assert out.dtype == torch.bfloat16
    assert layer(torch.randn(2, 5)).dtype == torch.float32


@pytest.mark.parametrize("precision", ["fp16", "fp8", "float32"])
def test_unsupported_precision_is_bad_input_naming_the_device_and_what_it_supports(precision):
    with pytest.raises(BadInputError, match=rf"device 'cpu' does not support precision '{precision}'.*fp32, bf16"):
        CPUBackend().autocast(precision)
    with pytest.raises(BadInputError, match="does not support precision"):
        CPUBackend().grad_scaler(precision)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_cpu_never_scales_the_loss(precision):
    assert CPUBackend().grad_scaler(precision) is None


def test_seeding_makes_random_draws_repeat():
    backend = CPUBackend()
    backend.seed(1234)
    first = torch.rand(5)
    backend.seed(1234)
    assert torch.equal(torch.rand(5), first)
    backend.seed(4321)
    assert not torch.equal(torch.rand(5), first)


@pytest.mark.parametrize("seed", [-1, 1.5, "7", None], ids=["negative", "float", "str", "none"])
def test_a_seed_that_is_not_a_non_negative_integer_is_bad_input(seed):
    with pytest.raises(BadInputError, match="seed must be a non-negative integer"):
        CPUBackend().seed(seed)


def test_cpu_memory_stats_report_the_peak_resident_memory_in_bytes():
    stats = CPUBackend().memory_stats()
    assert set(stats) == {"allocated", "reserved", "peak"}
    assert stats["allocated"] == stats["reserved"] == 0
    assert stats["peak"] > 10 * 2**20  # a process with torch imported uses more than 10 MiB
    assert all(type(value) is int for value in stats.values())


def test_synchronize_on_cpu_returns():
    assert CPUBackend().synchronize() is None


# -- CUDA ---------------------------------------------------------------------


@needs_cuda
def test_cuda_places_tensors_on_the_indexed_gpu():
    backend = CUDABackend()
    assert backend.device_count() >= 1
    assert backend.torch_device(0) == torch.device("cuda", 0)
    with pytest.raises(BadInputError, match="not available"):
        backend.torch_device(backend.device_count())


@needs_cuda
def test_cuda_fp16_autocast_runs_in_half_precision_with_a_grad_scaler():
    backend = CUDABackend()
    layer = torch.nn.Linear(5, 3).cuda()
    with backend.autocast("fp16"):
        assert layer(torch.randn(2, 5, device="cuda")).dtype == torch.float16
    assert isinstance(backend.grad_scaler("fp16"), torch.amp.GradScaler)
    assert backend.grad_scaler("fp32") is None


@needs_cuda
def test_cuda_offers_bf16_exactly_when_the_gpu_supports_it():
    assert ("bf16" in CUDABackend().supported_precisions()) == torch.cuda.is_bf16_supported()
    if torch.cuda.is_bf16_supported():
        assert CUDABackend().grad_scaler("bf16") is None


@needs_cuda
def test_cuda_seeding_makes_gpu_draws_repeat():
    backend = CUDABackend()
    backend.seed(99)
    first = torch.rand(5, device="cuda")
    backend.seed(99)
    assert torch.equal(torch.rand(5, device="cuda"), first)


@needs_cuda
def test_cuda_memory_stats_count_allocated_tensors():
    backend = CUDABackend()
    before = backend.memory_stats()["allocated"]
    block = torch.empty(2**20, dtype=torch.float32, device="cuda")
    backend.synchronize()
    stats = backend.memory_stats()
    assert stats["allocated"] >= before + block.numel() * 4
    assert stats["reserved"] >= stats["allocated"]
    assert stats["peak"] >= stats["allocated"]


# -- MPS ----------------------------------------------------------------------


@needs_mps
def test_mps_fp16_autocast_runs_in_half_precision_without_a_scaler():
    backend = MPSBackend()
    layer = torch.nn.Linear(5, 3).to(backend.torch_device())
    with backend.autocast("fp16"):
        assert layer(torch.randn(2, 5, device="mps")).dtype == torch.float16
    assert backend.grad_scaler("fp16") is None


@needs_mps
def test_mps_seeding_and_memory_stats():
    backend = MPSBackend()
    backend.seed(5)
    first = torch.rand(3, device="mps")
    backend.seed(5)
    assert torch.equal(torch.rand(3, device="mps"), first)
    backend.synchronize()
    assert backend.memory_stats()["allocated"] > 0
