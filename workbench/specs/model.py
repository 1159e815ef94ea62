"""Which language model a run uses, on which device, in which precision."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from workbench.specs.base import MAX_PATH_CHARS, _Strict

class ModelSpec(_Strict):
    name: str = Field("smollm2-135m-instruct", min_length=1, max_length=MAX_PATH_CHARS)
    device: Literal["auto", "cuda", "mps", "cpu"] = "auto"
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"
    quantization: Literal["none", "8bit", "4bit"] = "none"

