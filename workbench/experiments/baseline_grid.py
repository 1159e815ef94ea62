""""Run baselines": each baseline of a data set at each training-set size of a grid, on one
split (workbench.results.baseline_split picks it), run in turn as a background job."""

from __future__ import annotations

import math
from typing import Callable, Mapping, Sequence

from workbench.baselines import METHOD_LABELS
from workbench.data import get_info
from workbench.data.splits import share_of_rest
from workbench.errors import WorkbenchError
from workbench.experiments import run
from workbench.experiments.baseline import baseline_methods
from workbench.specs import BaselineSpec, DataSpec

# "Run baselines": both baselines at these training-set sizes (None: the whole training part).
BASELINE_GRID: tuple[int | None, ...] = (16, 64, 256, 1024, None)


def baseline_labels(dataset: str) -> dict[str, str]:
    """The baselines of a data set, method -> label: logistic regression and XGBoost, or for
    recommendation questions popularity, item-based CF and XGBoost on their features."""
    try:
        return baseline_methods(get_info(dataset))
    except WorkbenchError:  # an upload or a data set no longer registered
        return dict(METHOD_LABELS)


def training_rows(data: DataSpec) -> int | None:
    """The training part's size under `data`'s split, from the data set's row count where it is
    known without loading it (kept tables); None otherwise."""
    try:
        rows = get_info(data.dataset).published_rows
    except WorkbenchError:
        return None
    if not rows or data.test_file or data.train_file:
        return None
    rest = rows - math.ceil(data.test_fraction * rows)
    return rest - (math.ceil(share_of_rest(data.test_fraction, data.val_fraction) * rest)
                   if data.val_fraction else 0)


def baseline_specs(
    data: DataSpec, grid: Sequence[int | None] | None = None, train_rows: int | None = None
) -> list[BaselineSpec]:
    """Each baseline of the data set at each training-set size of `grid` on `data`'s split;
    sizes of `train_rows` or more are left out (they would all train on the whole part)."""
    grid = BASELINE_GRID if grid is None else grid
    if train_rows is not None:
        grid = [n for n in grid if n is None or n < train_rows]
    return [
        BaselineSpec(method=method, data=data.model_copy(update={"n_train": n_train}))
        for method in baseline_labels(data.dataset)
        for n_train in grid
    ]


def run_baselines(
    specs: Sequence[BaselineSpec], store, progress: Callable[[str, int, int], None],
    should_stop: Callable[[], bool],
) -> dict:
    """Run (or find in the store) each spec in turn; a background job. Returns counts."""
    counts = {"ran": 0, "from the store": 0, "failed": 0}
    for position, spec in enumerate(specs):
        if should_stop():
            break
        rows = "all" if spec.data.n_train is None else f"{spec.data.n_train:,}"
        stage = f"{baseline_labels(spec.data.dataset).get(spec.method, spec.method)} on {rows} training rows"
        progress(stage, position, len(specs))
        outcome = run(spec, store=store, should_stop=should_stop)
        if outcome.record.status != "done":
            counts["failed"] += 1
        else:
            counts["from the store" if outcome.cached else "ran"] += 1
        progress(stage, position + 1, len(specs))
    return counts


def counts_sentence(counts: Mapping[str, int]) -> str:
    """"10 baseline runs: 8 ran, 2 from the store"."""
    total = sum(counts.values())
    parts = [f"{value} {name}" for name, value in counts.items() if value]
    return f"{total} baseline run{'s' if total != 1 else ''}: " + ", ".join(parts)
