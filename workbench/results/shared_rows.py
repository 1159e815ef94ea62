"""Which runs can be compared on which test rows: the distinct test sets, and the runs scored on
more rows rescored on a set's rows from their stored probabilities."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

import numpy as np

from workbench.results.predictions import (
    PredictionSource, ResultsError, read_predictions, score_rows,
)


@dataclass(frozen=True, eq=False)
class TestSet:
    """One distinct set of test rows; `covering` runs scored all of them (and maybe more)."""

    key: str
    row_ids: np.ndarray  # sorted, unique
    exact: tuple[str, ...]  # runs scored on exactly these rows
    covering: tuple[str, ...]  # `exact` plus runs scored on a superset

    @property
    def size(self) -> int:
        return len(self.row_ids)

    @property
    def rescored(self) -> tuple[str, ...]:
        return tuple(run for run in self.covering if run not in self.exact)


def row_ids_by_run(
    source: PredictionSource, run_ids: Iterable[str]
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """({run id: its sorted test row ids}, {run id: why its predictions cannot be used})."""
    found, problems = {}, {}
    for run_id in run_ids:
        try:
            found[run_id] = np.unique(read_predictions(source, run_id)["row_id"].to_numpy(np.int64))
        except (ResultsError, ValueError, TypeError) as error:
            problems[run_id] = str(error) if isinstance(error, ResultsError) else (
                f"Run {run_id}: its row ids are not whole numbers ({error})."
            )
    return found, problems


def _rows_key(row_ids: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(row_ids, dtype=np.int64).tobytes()).hexdigest()[:12]


def test_sets(row_ids: Mapping[str, np.ndarray]) -> list[TestSet]:
    """Distinct test sets, the one most runs can be compared on first (then the larger)."""
    groups: dict[str, list[str]] = {}
    arrays: dict[str, np.ndarray] = {}
    for run_id, ids in row_ids.items():
        key = _rows_key(ids)
        groups.setdefault(key, []).append(run_id)
        arrays[key] = ids
    sets = []
    for key, exact in groups.items():
        ids = arrays[key]
        covering = [
            run_id
            for other, members in groups.items()
            if other == key or _contains(arrays[other], ids)
            for run_id in members
        ]
        sets.append(TestSet(key, ids, tuple(exact), tuple(covering)))
    return sorted(sets, key=lambda s: (-len(s.covering), -s.size, s.key))


def _contains(larger: np.ndarray, smaller: np.ndarray) -> bool:
    return len(larger) > len(smaller) and bool(np.isin(smaller, larger, assume_unique=True).all())


def scores_on(
    source: PredictionSource, test_set: TestSet,
    score: Callable[[str, np.ndarray], dict] | None = None,
) -> dict[str, dict]:
    """Test metrics on `test_set`'s rows of each run that scored more rows than those."""
    score = score or (lambda run_id, rows: score_rows(read_predictions(source, run_id), rows))
    return {run_id: score(run_id, test_set.row_ids) for run_id in test_set.rescored}
