"""Models: registry, embedded conversion, hub/local loading, device and quantization."""

from workbench.models.loading import LoadedModel, generate_text, load_model
from workbench.models.registry import (
    DEFAULT_MODEL, HUB_SUGGESTIONS, MODELS, ModelInfo, get_model_info, list_models,
)

__all__ = [
    "DEFAULT_MODEL", "HUB_SUGGESTIONS", "MODELS", "LoadedModel", "ModelInfo", "generate_text",
    "get_model_info", "list_models", "load_model",
]
