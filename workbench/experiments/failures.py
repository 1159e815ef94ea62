"""Why a run failed, in plain words with advice: the first paragraph of a failed run's error.

    explain_failure(torch.OutOfMemoryError("CUDA out of memory. ..."), spec)
    # "Out of memory on the GPU (CUDA): ... Try a smaller batch size (it was 16) ..."
"""

from __future__ import annotations

import re
from typing import Iterator

from workbench.errors import WorkbenchError
from workbench.store import is_disk_full

OUT_OF_MEMORY_MARKERS = (
    "out of memory",  # torch CUDA/MPS, and CUDA kernels (bitsandbytes) that report cudaErrorMemoryAllocation
    "can't allocate memory",  # torch's CPU allocator
    "cublas_status_alloc_failed",  # cuBLAS could not get its workspace
)
TARGET_MODULES_NOT_FOUND = re.compile(r"Target modules? (.+?) not found in the base model")


def explain_failure(error: BaseException, spec) -> str:
    """One paragraph: what went wrong and what to change."""
    if isinstance(error, WorkbenchError):  # data, spec and setup problems, divergence
        return str(error)
    if is_disk_full(error):
        return disk_full_reason(error)
    if is_out_of_memory(error):
        return out_of_memory_reason(error, spec)
    match = TARGET_MODULES_NOT_FOUND.search(str(error))
    if match:
        return target_modules_reason(match.group(1), spec)
    return f"Unexpected error: {type(error).__name__}: {error}"


def disk_full_reason(error: BaseException) -> str:
    return (f"Disk full: the run could not write its files ({type(error).__name__}: {error}). "
            "Free some space in the run store (or raise the file-size limit) and run it again.")


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and the ones it was raised from or during."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def is_out_of_memory(error: BaseException) -> bool:
    import torch

    for link in _chain(error):
        if isinstance(link, (torch.OutOfMemoryError, MemoryError)):
            return True
        if any(marker in str(link).lower() for marker in OUT_OF_MEMORY_MARKERS):
            return True
    return False


def _memory_place(error: BaseException, spec) -> str:
    text = " ".join(f"{type(link).__name__} {link}" for link in _chain(error)).lower()
    if "mps" in text:
        return "the Apple GPU (MPS)"
    if "cuda" in text or "cublas" in text or "outofmemoryerror" in text:
        return "the GPU (CUDA)"
    if "cpu" in text or "memoryerror" in text:
        return "the CPU (system memory)"
    model = getattr(spec, "model", None)
    return {"cuda": "the GPU (CUDA)", "mps": "the Apple GPU (MPS)"}.get(
        getattr(model, "device", None), "this machine")


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def out_of_memory_reason(error: BaseException, spec) -> str:
    training = getattr(spec, "training", None)
    tips = []
    if training is not None:
        tips.append(f"a smaller batch size (it was {training.batch_size}) with more gradient "
                    f"accumulation (it was {training.gradient_accumulation}) to keep the same "
                    "effective batch")
        tips.append(f"a shorter max_length (it was {training.max_length})")
        if training.method != "qlora":
            tips.append("QLoRA (4-bit base weights)")
    elif getattr(spec, "batch_size", None):
        tips.append(f"a smaller batch size (it was {spec.batch_size})")
        if getattr(getattr(spec, "model", None), "quantization", "none") == "none":
            tips.append("loading the model in 8 or 4 bits")
    if getattr(spec, "model", None) is not None:
        tips.append("a smaller model")
    else:
        tips.append("fewer training rows")
    return (f"Out of memory on {_memory_place(error, spec)}: the run needed more memory than was "
            f"free. Try {_or_list(tips)}.")


def target_modules_reason(modules: str, spec) -> str:
    from workbench.training.meta import target_module_choices

    model_name = spec.model.name
    asked = ", ".join(spec.training.target_modules or []) or modules
    try:
        names = ", ".join(target_module_choices(model_name)[0])
        available = f"Its linear layers are: {names}."
    except Exception:  # noqa: BLE001 - the advice must not fail on a model that cannot be described
        available = "Its linear layer names could not be read."
    return (f"Settings error: the target modules {asked} are not layers of {model_name}. "
            f"{available} Set target_modules to some of these, or leave it empty for the "
            "method's default.")
