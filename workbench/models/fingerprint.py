"""A model's content fingerprint for cache keys: changes when the weights change, not the name."""

from __future__ import annotations

import hashlib
from pathlib import Path

from workbench.models import embedded
from workbench.models.registry import get_model_info

_HEAD_BYTES = 1 << 20


def folder_fingerprint(folder: Path) -> str:
    """config.json plus, for each weights file, its size and the hash of its first megabyte."""
    digest = hashlib.sha256()
    config = folder / "config.json"
    if config.is_file():
        digest.update(config.read_bytes())
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        digest.update(weights.name.encode())
        digest.update(str(weights.stat().st_size).encode())
        with open(weights, "rb") as handle:
            digest.update(handle.read(_HEAD_BYTES))
    return digest.hexdigest()[:16]


def model_fingerprint(name: str) -> str:
    info = get_model_info(name)
    if info.name == embedded.SMOLLM2_NAME:
        from workbench.assets import ASSETS

        sha = ASSETS[embedded.GGUF_PACKAGE].sha256[:16]
        return f"{info.name}:{sha}:v{embedded.CONVERSION_VERSION}"
    if info.name == embedded.TINY_NAME:
        return f"{info.name}:seed0:v{embedded.TINY_VERSION}"
    if info.kind == "local":
        return f"local:{folder_fingerprint(Path(name).expanduser())}"
    return f"hub:{name}"
