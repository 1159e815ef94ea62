"""Is the Hugging Face hub reachable? Asked before any hub call, so an offline user gets a clear
message at once instead of ~25 s of retries."""

from __future__ import annotations

import os
import socket
import time
from urllib.parse import urlparse

_CACHE: dict[str, tuple[float, bool]] = {}
_TTL_S = 60.0


def hub_host() -> tuple[str, int]:
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    parsed = urlparse(endpoint)
    return parsed.hostname or "huggingface.co", parsed.port or (443 if parsed.scheme != "http" else 80)


def hub_offline_by_setting() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}


def hub_reachable(timeout: float = 3.0) -> bool:
    """True if a TCP connection to the hub endpoint opens within `timeout` (cached a minute)."""
    if hub_offline_by_setting():
        return False
    host, port = hub_host()
    key = f"{host}:{port}"
    cached = _CACHE.get(key)
    now = time.monotonic()
    if cached and now - cached[0] < _TTL_S:
        return cached[1]
    try:
        with socket.create_connection((host, port), timeout=timeout):
            reachable = True
    except OSError:
        reachable = False
    _CACHE[key] = (now, reachable)
    return reachable
