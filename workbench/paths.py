"""Where the workbench keeps what it fetches, converts and caches, and where its own code is."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_HOME = "~/.cache/llm-workbench"
PROJECT_ROOT = Path(__file__).resolve().parents[1]  # child processes run here, with it on PYTHONPATH


def workbench_home() -> Path:
    """The workbench home: `WORKBENCH_HOME`, or ~/.cache/llm-workbench."""
    home = Path(os.environ.get("WORKBENCH_HOME") or DEFAULT_HOME).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home


def subdir(name: str) -> Path:
    path = workbench_home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def assets_dir() -> Path:
    return subdir("assets")


def models_dir() -> Path:
    return subdir("models")


def data_cache_dir() -> Path:
    return subdir("data-cache")
