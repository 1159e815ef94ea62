"""8-bit and 4-bit (NF4) loading through bitsandbytes, on CUDA and on CPU."""

from __future__ import annotations

import importlib.metadata
from typing import Literal

import torch

from workbench.errors import QuantizationUnavailableError

Quantization = Literal["none", "8bit", "4bit"]
QUANTIZATIONS = ("none", "8bit", "4bit")
MIN_BNB_FOR_CPU = (0, 48)  # bitsandbytes runs 4-bit and 8-bit on CPU from 0.48 on


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def check_quantization(quantization: str, device: str) -> None:
    """Raise a clear error if this machine cannot load a model in `quantization`."""
    if quantization not in QUANTIZATIONS:
        raise QuantizationUnavailableError(
            f"Quantization must be one of {', '.join(QUANTIZATIONS)}, not {quantization!r}."
        )
    if quantization == "none":
        return
    try:
        version = importlib.metadata.version("bitsandbytes")
    except importlib.metadata.PackageNotFoundError:
        raise QuantizationUnavailableError(
            f"{quantization} loading needs bitsandbytes, which is not installed: "
            "pip install bitsandbytes==0.50.2"
        ) from None
    if device == "mps":
        raise QuantizationUnavailableError(
            f"bitsandbytes {version} has no Apple-GPU (MPS) kernels: load in full precision, "
            "or pick the CPU device for 8-bit/4-bit."
        )
    if device == "cpu" and _version_tuple(version) < MIN_BNB_FOR_CPU:
        raise QuantizationUnavailableError(
            f"bitsandbytes {version} cannot quantize on the CPU (0.48 or newer can): "
            "pip install bitsandbytes==0.50.2, or use a CUDA GPU."
        )


def bnb_config(quantization: str, compute_dtype: torch.dtype):
    from transformers import BitsAndBytesConfig

    if quantization == "4bit":
        return BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute_dtype,
        )
    if quantization == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True)
    return None
