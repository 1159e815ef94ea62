"""run(spec): any spec to stored artifacts, answered from the store when it already ran.

    outcome = run(parse_spec({"kind": "baseline", "method": "xgboost"}))
    outcome.record.metrics["test"]["auc"]

A child process started by the app runs into the record the app already made:
`run(spec, store, run_id=record.id)`.
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass

from workbench.errors import WorkbenchError
from workbench.experiments.common import (
    Progress, RunCancelled, ShouldStop, never_stop, no_progress,
)
from workbench.experiments.failures import explain_failure
from workbench.experiments.kinds import RUNNERS, Rows, RunContext
from workbench.experiments.table_specs import resolve_tables
from workbench.specs import RUN_KINDS, AnySpec, spec_to_dict, spec_to_yaml
from workbench.store import RunRecord, Store

_PROGRESS_EVERY_S = 0.5


class RunNotQueuedError(WorkbenchError):
    """A run id was given to run into, but that run is not waiting to run."""


@dataclass(frozen=True)
class RunOutcome:
    record: RunRecord
    cached: bool  # True: answered from the store without running


def uses_model(spec: AnySpec) -> bool:
    return RUN_KINDS[spec.kind].uses_model


def prepare_inputs(spec: AnySpec) -> Rows:
    return RUNNERS[spec.kind].rows(spec)


def spec_key(spec: AnySpec, rows: Rows) -> str:
    return RUNNERS[spec.kind].key(spec, rows)


def method_of(spec: AnySpec) -> str:
    return RUNNERS[spec.kind].method(spec)


def dataset_of(spec: AnySpec) -> str:
    """The store's data-set column: a forgetting run's task sequence, "A -> B"."""
    return RUNNERS[spec.kind].dataset(spec)


def _stored_progress(store: Store, run_id: str, progress: Progress) -> Progress:
    """Write progress with its details to the store at most twice a second, but always a stage's
    last step and a new evaluation; then forward it to the caller."""
    last = {"at": 0.0, "evaluation": "{}"}

    def report(stage: str, done: int, total: int, **details) -> None:
        now = time.monotonic()
        # Compared as JSON text: a NaN validation AUC equals itself there.
        evaluation = json.dumps({k: v for k, v in details.items() if k.startswith("val_")},
                                sort_keys=True)
        if now - last["at"] >= _PROGRESS_EVERY_S or done >= total or evaluation != last["evaluation"]:
            last.update(at=now, evaluation=evaluation)
            store.progress(run_id, stage=stage, done=done, total=total, **details)
        progress(stage, done, total, **details)

    return report


def _execute(spec, rows: Rows, progress: Progress, should_stop: ShouldStop, loaded, store, run_id):
    context = RunContext(progress, should_stop, loaded, store.folder(run_id), store.root)
    return RUNNERS[spec.kind].run(spec, rows, context)


def create_record(spec: AnySpec, store: Store, key: str | None = None) -> RunRecord:
    """Store the spec as a `queued` run under its content key. Without a key the data are read
    to make it, so a data problem raises here, before anything is stored."""
    spec = resolve_tables(spec)
    key = key if key is not None else spec_key(spec, prepare_inputs(spec))
    return store.create(
        kind=spec.kind, method=method_of(spec), dataset=dataset_of(spec),
        model=spec.model.name if uses_model(spec) else None,
        cache_key=key, spec=spec_to_dict(spec), spec_yaml=spec_to_yaml(spec), name=spec.name,
    )


def _check_queued(store: Store, run_id: str) -> None:
    record = store.get(run_id)  # RunNotFoundError for an unknown id
    if record.status != "queued":
        raise RunNotQueuedError(
            f"Run {run_id} is {record.status}, not queued: a run record is run only once. "
            "Submit the spec again to run it anew."
        )


def run(
    spec: AnySpec,
    store: Store | None = None,
    force: bool = False,
    progress: Progress = no_progress,
    should_stop: ShouldStop = never_stop,
    loaded=None,
    run_id: str | None = None,
) -> RunOutcome:
    """Run a spec (or find it in the store) and return its record.

    Problems in the spec or the data raise a WorkbenchError before any run is stored; a failure
    while running is stored as a failed run: its reason in plain words, a blank line, then the
    traceback.

    With `run_id`, the spec runs into that existing `queued` record (made by the app, which then
    starts this process): no cache lookup, no new record, and data problems fail that record.
    """
    store = store or Store()
    spec = resolve_tables(spec)  # a table by path runs as the data set it is kept as
    rows = None
    if run_id is None:
        progress("loading data", 0, 1)
        rows = prepare_inputs(spec)
        key = spec_key(spec, rows)
        existing = None if force else store.find_done(key)
        if existing is not None:
            return RunOutcome(existing, cached=True)
        run_id = create_record(spec, store, key).id
    else:
        _check_queued(store, run_id)
    store.start(run_id)
    _run_into(spec, store, run_id, rows, _stored_progress(store, run_id, progress), should_stop,
              loaded)
    return RunOutcome(store.get(run_id), cached=False)


def _run_into(
    spec: AnySpec, store: Store, run_id: str, rows: Rows | None, progress: Progress,
    should_stop: ShouldStop, loaded,
) -> None:
    try:
        if rows is None:
            progress("loading data", 0, 1)
            rows = prepare_inputs(spec)
        metrics, predictions = _execute(spec, rows, progress, should_stop, loaded, store, run_id)
    except RunCancelled:
        _record_end(store, run_id, "Cancelled before it finished.", status="cancelled")
    except Exception as error:  # noqa: BLE001 - stored; the caller gets the failed record
        _record_end(store, run_id, f"{explain_failure(error, spec)}\n\n{traceback.format_exc()}")
    else:
        status = "cancelled" if metrics.get("cancelled_early") else "done"
        try:  # a run is done only with its files: one that cannot save them fails, in words
            store.finish(run_id, metrics, predictions, status=status)
        except Exception as error:  # noqa: BLE001 - stored as the run's failure, in words
            _record_end(store, run_id, f"{explain_failure(error, spec)}\n\n{traceback.format_exc()}")


def _record_end(store: Store, run_id: str, error: str, status: str = "failed") -> None:
    """Store how the run ended. When even that cannot be written (the disk is full), raise the
    reason as a WorkbenchError: the CLI prints it as its `error:` line, which the app's
    supervisor records instead."""
    try:
        store.fail(run_id, error, status=status)
    except Exception as problem:
        raise WorkbenchError(f"{error.split(chr(10) + chr(10))[0]} (and it could not be "
                             f"recorded in the run store: {problem})") from problem
