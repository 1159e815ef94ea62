"""The commands that run a spec again: as a plain CLI run, under torchrun and under accelerate
launch, the way the Training and Results pages show them beside a spec to download.

    commands = reproduce_commands("california-lora.yaml", processes=2)
    commands["torchrun"]  # 'torchrun --nproc_per_node=2 -m workbench run california-lora.yaml --force'
"""

from __future__ import annotations

import re
import shlex

from workbench.specs import AnySpec

ACCELERATE_CONFIG = "assets/accelerate/ddp.yaml"


def spec_file_name(spec: AnySpec, run_id: str | None = None) -> str:
    """A file name for the downloaded spec: the run's name in lower-case words, or its id."""
    words = re.findall(r"[a-z0-9]+", (spec.name or "").lower())
    stem = "-".join(words)[:60] or run_id or spec.kind
    return f"{stem}.yaml"


def reproduce_commands(spec_file: str, processes: int = 2, force: bool = True) -> dict[str, str]:
    """{"CLI", "torchrun", "accelerate"} -> a command line. `force`: run again even when the store
    already holds the spec's results (otherwise the store answers at once)."""
    tail = f"-m workbench run {shlex.quote(spec_file)}" + (" --force" if force else "")
    return {
        "CLI": f"python {tail}",
        "torchrun": f"torchrun --nproc_per_node={processes} {tail}",
        "accelerate": f"accelerate launch --config_file {ACCELERATE_CONFIG} "
                      f"--num_processes {processes} {tail}",
    }
