"""What a run ran on, stored with its metrics so that its run card can say it: the hardware,
the number of processes, and the versions of the libraries that decide its numbers."""

from __future__ import annotations

import os
import platform
import sys
from functools import lru_cache
from importlib import metadata

LIBRARIES = ("torch", "transformers", "peft", "accelerate", "datasets", "scikit-learn",
             "xgboost", "xgboost-cpu", "numpy", "pandas", "bitsandbytes")


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def environment() -> dict:
    """{"hardware": {...}, "libraries": {...}} of this process, JSON-ready."""
    hardware = {"cpu": cpu_name(), "cpu_cores": os.cpu_count(), "platform": sys.platform}
    if "torch" in sys.modules:  # never import torch just to describe a baseline run
        import torch

        hardware["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            hardware["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    from workbench import distributed

    hardware["processes"] = distributed.world_size()
    return {"hardware": hardware, "libraries": library_versions()}
