"""run(spec): any spec to stored artifacts, answered from the store when it already ran.

    outcome = run(parse_spec({"kind": "baseline", "method": "xgboost"}))
    outcome.record.metrics["test"]["auc"]
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass

from workbench.errors import WorkbenchError
from workbench.experiments.common import Progress, RunCancelled, ShouldStop, never_stop, no_progress
from workbench.experiments.rows import PreparedRows, prepare_rows
from workbench.models.fingerprint import model_fingerprint
from workbench.specs import (
    AnySpec, BaselineSpec, EvaluateSpec, FinetuneSpec, cache_key, spec_to_dict, spec_to_yaml,
)
from workbench.store import RunRecord, Store

_PROGRESS_EVERY_S = 0.5


@dataclass(frozen=True)
class RunOutcome:
    record: RunRecord
    cached: bool  # True: answered from the store without running


def uses_model(spec: AnySpec) -> bool:
    return isinstance(spec, (EvaluateSpec, FinetuneSpec))


def spec_key(spec: AnySpec, rows: PreparedRows) -> str:
    model_fp = model_fingerprint(spec.model.name) if uses_model(spec) else None
    return cache_key(spec, rows.fingerprint, model_fp)


def method_of(spec: AnySpec) -> str:
    if isinstance(spec, BaselineSpec):
        return spec.method
    if isinstance(spec, FinetuneSpec):
        return spec.training.method
    return "zero-shot" if spec.template.shots == 0 else "few-shot"


def _stored_progress(store: Store, run_id: str, progress: Progress) -> Progress:
    """Forward progress to the caller at once and to the store at most twice a second."""
    last = [0.0]

    def report(stage: str, done: int, total: int) -> None:
        progress(stage, done, total)
        now = time.monotonic()
        if now - last[0] >= _PROGRESS_EVERY_S or done >= total:
            last[0] = now
            store.progress(run_id, stage=stage, done=done, total=total)

    return report


def _execute(spec, rows: PreparedRows, progress: Progress, should_stop: ShouldStop, loaded, run_dir):
    if isinstance(spec, FinetuneSpec):
        from workbench.experiments.finetune import finetune

        return finetune(spec, rows, progress, should_stop, run_dir=run_dir)
    if isinstance(spec, EvaluateSpec):
        from workbench.experiments.evaluate import evaluate

        return evaluate(spec, rows, progress, should_stop, loaded=loaded)
    from workbench.experiments.baseline import run_baseline

    return run_baseline(spec, rows, progress)


def run(
    spec: AnySpec,
    store: Store | None = None,
    force: bool = False,
    progress: Progress = no_progress,
    should_stop: ShouldStop = never_stop,
    loaded=None,
) -> RunOutcome:
    """Run a spec (or find it in the store) and return its record.

    Problems in the spec or the data raise a WorkbenchError before any run is stored; a failure
    while running is stored as a failed run with its reason and traceback.
    """
    store = store or Store()
    progress("loading data", 0, 1)
    rows = prepare_rows(spec.data)
    key = spec_key(spec, rows)
    if not force:
        existing = store.find_done(key)
        if existing is not None:
            return RunOutcome(existing, cached=True)
    record = store.create(
        kind=spec.kind, method=method_of(spec), dataset=spec.data.dataset,
        model=spec.model.name if uses_model(spec) else None,
        cache_key=key, spec=spec_to_dict(spec), spec_yaml=spec_to_yaml(spec), name=spec.name,
    )
    store.start(record.id)
    try:
        metrics, predictions = _execute(
            spec, rows, _stored_progress(store, record.id, progress), should_stop, loaded,
            record.folder,
        )
    except RunCancelled:
        store.fail(record.id, "Cancelled before it finished.", status="cancelled")
    except WorkbenchError as error:
        store.fail(record.id, str(error))
    except Exception as error:  # stored with its traceback; the caller gets the failed record
        store.fail(record.id, f"{type(error).__name__}: {error}\n\n{traceback.format_exc()}")
    else:
        status = "cancelled" if metrics.get("cancelled_early") else "done"
        store.finish(record.id, metrics, predictions, status=status)
    return RunOutcome(store.get(record.id), cached=False)
