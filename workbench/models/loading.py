"""Turn a model name (registry entry, hub id or local folder) into a model and its tokenizer."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from workbench.errors import ModelUnavailableError, WorkbenchError
from workbench.hub import hub_reachable
from workbench.models.allocator import tune_allocator
from workbench.models.hardware import dtype_name, pick_device, pick_dtype
from workbench.models.quantization import bnb_config, check_quantization
from workbench.models.registry import DEFAULT_MODEL, ModelInfo, get_model_info, is_hub_id

Log = Callable[[str], None]


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    info: ModelInfo
    device: str
    dtype: str
    quantization: str
    load_seconds: float
    source: str  # the folder or hub id the weights came from
    notes: list[str] = field(default_factory=list)

    @property
    def parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def footprint_bytes(self) -> int:
        return int(self.model.get_memory_footprint())


def _offline_hint() -> str:
    return f"Offline, use the embedded default '{DEFAULT_MODEL}'."


def resolve_source(info: ModelInfo, log: Log) -> tuple[str, bool]:
    """(folder or hub id, local_files_only) for a model entry."""
    if info.prepare is not None:
        return str(info.prepare(log)), True
    if info.kind == "local":
        folder = Path(info.name).expanduser()
        if not (folder / "config.json").is_file():
            raise ModelUnavailableError(
                f"The folder '{info.name}' holds no transformers model (no config.json in it): "
                f"give a folder saved with save_pretrained, or a hub id. {_offline_hint()}"
            )
        return str(folder), True
    if not is_hub_id(info.name):
        raise ModelUnavailableError(
            f"'{info.name}' is neither a registered model, an existing folder, nor a valid "
            f"Hugging Face hub id (like 'gpt2' or 'meta-llama/Llama-2-7b-hf'). {_offline_hint()}"
        )
    return info.name, False


def _hub_cached(hub_id: str) -> bool:
    from transformers import AutoConfig

    try:
        AutoConfig.from_pretrained(hub_id, local_files_only=True)
        return True
    except (OSError, ValueError):
        return False


def _check_hub(hub_id: str) -> bool:
    """True: load from the local hub cache only. Raises when neither cache nor hub can serve it."""
    if _hub_cached(hub_id):
        return True
    if not hub_reachable():
        raise ModelUnavailableError(
            f"Could not reach the Hugging Face hub to download '{hub_id}', and it is not in the "
            f"local cache. {_offline_hint()}"
        )
    return False


def load_tokenizer(source: str, local_only: bool, trust_remote_code: bool = False):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(
        source, local_files_only=local_only, trust_remote_code=trust_remote_code
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"  # scoring reads the last position of every row
    return tokenizer


def _explain_load_error(name: str, error: Exception) -> str:
    text = str(error)
    if "gated" in text.lower() or "401" in text or "403" in text:
        return (
            f"'{name}' is gated on the Hugging Face hub: accept its license on its hub page and "
            f"log in (`hf auth login`). {_offline_hint()}"
        )
    if "trust_remote_code" in text:
        return f"'{name}' needs custom code from its repository, which the workbench does not run."
    if "not a valid model identifier" in text or "404" in text or "Repository Not Found" in text:
        return f"There is no model '{name}' on the Hugging Face hub. {_offline_hint()}"
    return f"Could not load '{name}': {text.splitlines()[0] if text else type(error).__name__}"


def _device_index(device: str) -> str | int:
    """Where bitsandbytes puts a quantized model: under a launcher each process has made its own
    GPU the current one (workbench.distributed.start)."""
    if device != "cuda":
        return device
    import torch

    return torch.cuda.current_device()


def load_model(
    name: str = DEFAULT_MODEL,
    device: str = "auto",
    dtype: str = "auto",
    quantization: str = "none",
    trust_remote_code: bool = False,
    log: Log = lambda _: None,
) -> LoadedModel:
    """Load a causal LM and its tokenizer, ready for scoring (eval mode, left padding)."""
    info = get_model_info(name)
    try:
        resolved_device = pick_device(device)
        torch_dtype = pick_dtype(resolved_device, dtype)
    except ValueError as error:
        raise ModelUnavailableError(str(error)) from None
    check_quantization(quantization, resolved_device)
    source, local_only = resolve_source(info, log)
    if not local_only:
        local_only = _check_hub(source)

    from transformers import AutoModelForCausalLM

    tune_allocator()
    started = time.perf_counter()
    kwargs: dict[str, Any] = {
        "dtype": torch_dtype,
        "local_files_only": local_only,
        "trust_remote_code": trust_remote_code,
    }
    quant = bnb_config(quantization, torch_dtype)
    if quant is not None:
        kwargs["quantization_config"] = quant
        kwargs["device_map"] = {"": _device_index(resolved_device)}
    try:
        tokenizer = load_tokenizer(source, local_only, trust_remote_code)
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    except WorkbenchError:
        raise
    except (OSError, ValueError, RuntimeError, ImportError) as error:
        raise ModelUnavailableError(_explain_load_error(name, error)) from error
    if quant is None:
        model.to(resolved_device)
    model.eval()
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    notes = [] if info.trained else ["untrained: random weights, answers are noise"]
    return LoadedModel(
        model=model,
        tokenizer=tokenizer,
        info=info,
        device=resolved_device,
        dtype=dtype_name(torch_dtype),
        quantization=quantization,
        load_seconds=time.perf_counter() - started,
        source=source,
        notes=notes,
    )


def generate_text(loaded: LoadedModel, prompt: str, max_new_tokens: int = 20) -> str:
    """Greedy continuation of a prompt (a quick check that the model is real)."""
    import torch

    tokenizer, model = loaded.tokenizer, loaded.model
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    with torch.inference_mode():
        output = model.generate(
            **inputs, max_new_tokens=max_new_tokens, do_sample=False,
            pad_token_id=tokenizer.pad_token_id,
        )
    return tokenizer.decode(output[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True)
