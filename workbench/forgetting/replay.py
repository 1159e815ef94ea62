"""Replay: task B's training examples mixed with a sample of task A's, against forgetting A."""

from __future__ import annotations

import math
import random
from typing import Sequence, TypeVar

Example = TypeVar("Example")


def replay_count(fraction: float, n_task_b: int) -> int:
    """round(fraction * n_task_b), halves rounded up (Python's round would send 2.5 to 2)."""
    return math.floor(fraction * n_task_b + 0.5)


def mix_replay(
    task_b_examples: Sequence[Example], task_a_examples: Sequence[Example], fraction: float,
    seed: int,
) -> list[Example]:
    """B's examples plus round(fraction * len(B)) of A's drawn without replacement (all of A if it
    has fewer), in an order shuffled by `seed`: the same arguments give the same list."""
    if not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
        raise ValueError(f"The replay fraction must be between 0 and 1, got {fraction!r}.")
    rng = random.Random(seed)
    count = min(replay_count(fraction, len(task_b_examples)), len(task_a_examples))
    mixed = list(task_b_examples) + rng.sample(list(task_a_examples), count)
    rng.shuffle(mixed)
    return mixed
