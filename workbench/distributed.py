"""Runs started by a multi-process launcher: `torchrun --nproc_per_node=N -m workbench run ...`
or `accelerate launch -m workbench run ...`.

Both launchers start N copies of the same command and tell each its place in environment
variables (RANK, LOCAL_RANK, WORLD_SIZE). Every process trains (the Trainer wraps the model in
DDP, or FSDP/DeepSpeed from an accelerate config, and gives each process its share of every
batch); only the main process (rank 0) touches the run store, saves the weights and scores the
test rows. The others learn from rank 0 what to do (run, or answer from the store) and where the
run's folder is, so that checkpoints for early stopping live in one place.
"""

from __future__ import annotations

import os
from typing import Any


def _launcher_number(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def world_size() -> int:
    """How many processes the launcher started (1 when run directly)."""
    return max(1, _launcher_number("WORLD_SIZE", 1))


def rank() -> int:
    return _launcher_number("RANK", 0)


def local_rank() -> int:
    return _launcher_number("LOCAL_RANK", 0)


def is_launched() -> bool:
    return world_size() > 1


def is_main_process() -> bool:
    return rank() == 0


def start() -> None:
    """Join the launcher's process group (gloo on CPUs, NCCL on GPUs), as the Trainer would,
    and make "cuda" mean this process's own GPU."""
    import torch

    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank())
    from accelerate import PartialState

    PartialState()


def share_from_main(value: Any) -> Any:
    """Rank 0's `value` in every process (a picklable object; only among our own processes)."""
    if not is_launched():
        return value
    import torch.distributed as dist

    holder = [value if is_main_process() else None]
    dist.broadcast_object_list(holder, src=0)
    return holder[0]


def wait_for_all() -> None:
    if is_launched():
        import torch.distributed as dist

        if dist.is_initialized():
            dist.barrier()


def finish() -> None:
    """Leave the process group, so that the launcher sees every process end cleanly."""
    if is_launched():
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()
