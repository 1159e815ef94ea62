"""A model's tokenizer alone, without its weights: what previews and estimates count tokens with."""

from __future__ import annotations

from workbench.errors import ModelUnavailableError


def preview_tokenizer(model_name: str):
    """The model's tokenizer alone (no weights): the local copy when there is one, else the hub.

    A page keeps its own instance for previews: a fast tokenizer used from two threads at once
    (the preview and a background scoring job) can fail with "Already borrowed".
    """
    from workbench.hub import hub_reachable
    from workbench.models.loading import load_tokenizer, resolve_source
    from workbench.models.registry import get_model_info

    source, local_only = resolve_source(get_model_info(model_name), lambda _: None)
    try:
        return load_tokenizer(source, local_only=True)
    except (OSError, ValueError) as error:
        if local_only:
            raise _tokenizer_error(model_name, error) from None
    if not hub_reachable():
        raise ModelUnavailableError(
            f"The tokenizer of '{model_name}' is not in the local cache and the Hugging Face hub "
            "is not reachable."
        )
    try:
        return load_tokenizer(source, local_only=False)
    except (OSError, ValueError) as error:
        raise _tokenizer_error(model_name, error) from None


def _tokenizer_error(model_name: str, error: Exception) -> ModelUnavailableError:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return ModelUnavailableError(f"Could not load the tokenizer of '{model_name}': {first_line}")
