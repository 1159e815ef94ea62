"""Models: registry, embedded conversion, hub/local loading, device and quantization.

The names below load on first use: `python -m workbench assets fetch` (run by every `make run`)
reaches workbench.models.embedded through this package and should not pay for importing torch.
"""

from importlib import import_module

_HOMES = {
    "LoadedModel": "loading", "generate_text": "loading", "load_model": "loading",
    "DEFAULT_MODEL": "registry", "HUB_SUGGESTIONS": "registry", "MODELS": "registry",
    "ModelInfo": "registry", "get_model_info": "registry", "list_models": "registry",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"workbench.models.{_HOMES[name]}"), name)
