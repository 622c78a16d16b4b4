"""Tolerances of numeric checks, keyed by (device type, precision).

A model run in a lower precision, or on another device, is compared with the
same model in fp32 on the CPU. The allowed absolute error grows with the
precision's machine epsilon (bf16 keeps 8 bits of mantissa, fp16 11, fp32 24),
and GPUs get a little more room than the CPU (TF32 matmuls, fused kernels),
after the table in Hugging Face's ``test_modeling_common.py``
(``_test_eager_matches_sdpa_inference``).
"""

from __future__ import annotations

__all__ = ["EXACT", "tolerance"]

#: Errors allowed when the same computation is repeated on the same device: none.
EXACT = 0.0

#: (device type, precision) -> absolute tolerance on outputs of a tiny model (values of order 1).
TOLERANCES: dict[tuple[str, str], float] = {
    ("cpu", "fp32"): 1e-5,
    ("cpu", "bf16"): 5e-2,
    ("cpu", "fp16"): 5e-3,
    ("cuda", "fp32"): 1e-4,  # TF32 may be on
    ("cuda", "bf16"): 5e-2,
    ("cuda", "fp16"): 5e-3,
    ("mps", "fp32"): 1e-4,
    ("mps", "bf16"): 5e-2,
    ("mps", "fp16"): 5e-3,
}
_BY_PRECISION = {"fp32": 1e-4, "bf16": 5e-2, "fp16": 5e-3}


def tolerance(device_type: str, precision: str) -> float:
    """Return the absolute tolerance for outputs computed on ``device_type`` in ``precision``.

    Devices not in the table get the loosest tolerance known for the precision.
    """
    if (device_type, precision) in TOLERANCES:
        return TOLERANCES[(device_type, precision)]
    if precision not in _BY_PRECISION:
        raise ValueError(f"unknown precision {precision!r}; expected one of {sorted(_BY_PRECISION)}")
    return _BY_PRECISION[precision]
