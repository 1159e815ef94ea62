"""Few-shot examples: k training rows drawn class-balanced with a seed (TabLLM's protocol)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from workbench.prompts.errors import TemplateError


def select_shots(
    train: pd.DataFrame | None, label_column: str, classes: Sequence[str], shots: int, seed: int
) -> pd.DataFrame:
    """`shots` rows of `train`, as even across `classes` as the rows allow, in a shuffled order.

    Classes take turns (in a seeded order) until `shots` rows are picked; a class with too few
    rows gives what it has and the others fill in. The order is shuffled so that the examples
    do not alternate by class, a pattern a model could copy. Same train, seed and k: same rows.
    """
    if shots == 0:
        return train.iloc[:0] if train is not None else pd.DataFrame()
    if train is None:
        raise TemplateError(
            f"A prompt with {shots} few-shot examples needs the training rows to draw them from."
        )
    rng = np.random.default_rng(seed)
    labels = train[label_column].to_numpy()
    queues = [list(rng.permutation(np.flatnonzero(labels == name))) for name in classes]
    if not any(queues):
        raise TemplateError(
            f"No training row has a label among {', '.join(classes)}: no few-shot examples to draw."
        )
    picked: list[int] = []
    turns = rng.permutation(len(classes))
    while len(picked) < shots and any(queues):
        for index in turns:
            if queues[index] and len(picked) < shots:
                picked.append(queues[index].pop(0))
    return train.iloc[rng.permutation(picked)]
