"""Forgetting metrics over the accuracy matrix R, as the GEM paper and Avalanche define them.

R has shape (T + 1, T): row 0 is before any training, row i (1 <= i <= T) is after training on
the i-th task, and column j (0 <= j < T) is the j-th task. Task j is therefore learned in row
j + 1, and the last row R[T] is the model after all tasks.

- forgetting "max" (GEM, Chaudhry et al. 2018): R[k, j] - R[T, j], maximised over the rows
  k = j + 1 .. T - 1, from the row where task j was learned up to the row before the last. Row 0
  and the rows before task j was learned are left out: accuracy the model had before it learned
  the task is not knowledge it can forget.
- forgetting "avalanche": R[j + 1, j] - R[T, j], the accuracy just after learning task j minus the
  final accuracy.
- backward transfer: mean over j = 0 .. T - 2 of R[T, j] - R[j + 1, j] (the references' "mean over
  j < T of R[T][j] - R[j][j]" with 1-based task numbers). With these rows, BWT is minus the mean
  "avalanche" forgetting.

Forgetting is undefined for the last task (nothing was trained after it): its entry is NaN in both
definitions. Backward transfer needs at least two tasks; with one it is NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DEFINITIONS = ("max", "avalanche")


def check_matrix(R) -> np.ndarray:
    """R as a float array, or a ValueError saying what is wrong with it."""
    matrix = np.asarray(R, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] < 1 or matrix.shape[0] != matrix.shape[1] + 1:
        raise ValueError(
            f"The accuracy matrix must have shape (T + 1, T) for T tasks: a row before training "
            f"and one row after each task; got shape {matrix.shape}."
        )
    if not np.isfinite(matrix).all() or (matrix < 0).any() or (matrix > 1).any():
        raise ValueError("Accuracies in the matrix must be numbers between 0 and 1.")
    return matrix


def forgetting(R, definition: str = "max") -> np.ndarray:
    """Forgetting of each task after the last one (length T, NaN for the last task)."""
    if definition not in DEFINITIONS:
        raise ValueError(f"Unknown forgetting definition {definition!r}: use one of {DEFINITIONS}.")
    matrix = check_matrix(R)
    tasks = matrix.shape[1]
    final = matrix[tasks]
    result = np.full(tasks, np.nan)
    for j in range(tasks - 1):
        if definition == "max":
            reference = matrix[j + 1:tasks, j].max()
        else:
            reference = matrix[j + 1, j]
        result[j] = reference - final[j]
    return result


def backward_transfer(R) -> float:
    """Mean change of each earlier task's accuracy from just after learning it to the end."""
    matrix = check_matrix(R)
    tasks = matrix.shape[1]
    if tasks < 2:
        return float("nan")
    earlier = np.arange(tasks - 1)
    return float((matrix[tasks, earlier] - matrix[earlier + 1, earlier]).mean())


def average_accuracy(R) -> float:
    """Mean accuracy over all tasks after the last one (the last row)."""
    matrix = check_matrix(R)
    return float(matrix[-1].mean())


def matrix_frame(R, task_names: list[str]) -> pd.DataFrame:
    """R with rows "before training", "after <task>", ... and one column per task."""
    matrix = check_matrix(R)
    names = list(task_names)
    if len(names) != matrix.shape[1] or len(set(names)) != len(names):
        raise ValueError(
            f"Give one distinct name per task: the matrix has {matrix.shape[1]} tasks, "
            f"got names {names}."
        )
    index = ["before training"] + [f"after {name}" for name in names]
    return pd.DataFrame(matrix, index=index, columns=names)
