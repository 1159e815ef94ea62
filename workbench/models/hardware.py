"""Which device and dtype a model runs with: auto picks cuda, then mps, then cpu, and bf16 where
the hardware runs it natively."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

import torch

DEVICES = ("auto", "cuda", "mps", "cpu")
DTYPES = {"auto": None, "bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


# Set to 1 to take the float32 path on a CPU that has bf16, as on most laptops (AVX2 only).
FLOAT32_ENV = "WORKBENCH_FLOAT32"


def float32_forced() -> bool:
    return os.environ.get(FLOAT32_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def cpu_supports_bf16() -> bool:
    """True on CPUs with native bf16 (AVX512-BF16 or AMX), where bf16 is faster than fp32, unless
    WORKBENCH_FLOAT32 asks for the float32 path."""
    if float32_forced():
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def pick_device(requested: str = "auto") -> str:
    if requested not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, not {requested!r}")
    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        return "mps" if _mps_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ValueError("CUDA was asked for but no CUDA GPU is visible to PyTorch.")
    if requested == "mps" and not _mps_available():
        raise ValueError("MPS was asked for but this PyTorch has no usable Apple GPU.")
    return requested


def bf16_supported(device: str) -> bool:
    if device == "cuda":
        return torch.cuda.is_bf16_supported()
    if device == "cpu":
        return cpu_supports_bf16()
    return False


def pick_dtype(device: str, requested: str = "auto") -> torch.dtype:
    if requested not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, not {requested!r}")
    if requested != "auto":
        return DTYPES[requested]
    if bf16_supported(device):
        return torch.bfloat16
    return torch.float16 if device in {"cuda", "mps"} else torch.float32


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


@dataclass(frozen=True)
class DeviceSummary:
    device: str
    dtype: str
    description: str  # "CPU (AVX512, 2 threads)" or "NVIDIA H100 80GB HBM3"


def describe_device(requested: str = "auto") -> DeviceSummary:
    device = pick_device(requested)
    dtype = dtype_name(pick_dtype(device))
    if device == "cuda":
        description = torch.cuda.get_device_name(0)
    elif device == "mps":
        description = "Apple GPU (MPS)"
    else:
        capability = torch.backends.cpu.get_cpu_capability()
        description = f"CPU {platform.machine()} ({capability}, {torch.get_num_threads()} threads)"
    return DeviceSummary(device, dtype, description)


def free_memory_bytes(device: str) -> int | None:
    """Memory a new run could still use on `device` (a resolved device, not "auto"): free GPU
    memory on CUDA, available RAM on the CPU; None where it cannot be known (MPS)."""
    if device == "cuda":
        free, _ = torch.cuda.mem_get_info()
        return int(free)
    if device == "cpu":
        import psutil

        return int(psutil.virtual_memory().available)
    return None
