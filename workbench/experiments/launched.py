"""One spec run by every process of a multi-process launcher (torchrun, accelerate launch).

    torchrun --nproc_per_node=2 -m workbench run assets/specs/california-lora.yaml

Rank 0 does what a plain run does: reads the data, answers from the store when the spec already
ran, or makes the run's record, and in the end saves the weights, scores the test rows and
stores the results. It tells the other processes its decision; they train alongside it (the
Trainer splits every batch among the processes) and then stop. A spec that does not train (a
zero-shot or baseline run) runs on rank 0 alone.
"""

from __future__ import annotations

from pathlib import Path

from workbench import distributed
from workbench.errors import WorkbenchError
from workbench.experiments import (
    RunOutcome, _run_into, _stored_progress, create_record, prepare_inputs, spec_key,
)
from workbench.experiments.common import Progress, never_stop, no_progress
from workbench.rows import PreparedRows
from workbench.specs import AnySpec, FinetuneSpec, ForgettingSpec
from workbench.store import Store


class LaunchError(WorkbenchError):
    """A spec or option that cannot run under a multi-process launcher."""


def _decide(spec: AnySpec, store: Store, force: bool) -> tuple[dict, PreparedRows | None]:
    """Rank 0's decision, to share: {"cached": run id}, {"run_id", "run_dir"} or {"error":
    message}; with the rows it read, when it will run."""
    try:
        rows = prepare_inputs(spec)
        key = spec_key(spec, rows)
        existing = None if force else store.find_done(key)
        if existing is not None:
            return {"cached": existing.id}, None
        record = create_record(spec, store, key)
        return {"run_id": record.id, "run_dir": str(store.folder(record.id))}, rows
    except WorkbenchError as error:
        return {"error": str(error)}, None


def run_launched(
    spec: AnySpec, store_root: str | None, force: bool = False, progress: Progress = no_progress,
) -> RunOutcome | None:
    """Rank 0: the run's outcome, as `run` gives it. Other ranks: None, once they have trained."""
    if isinstance(spec, ForgettingSpec):
        raise LaunchError("A forgetting spec trains several runs one after the other: run it "
                          "without torchrun or accelerate launch.")
    distributed.start()
    main = distributed.is_main_process()
    store = Store(store_root) if main else None
    decision, rows = _decide(spec, store, force) if main else (None, None)
    shared = distributed.share_from_main(decision)
    if "error" in shared:
        raise LaunchError(shared["error"])
    if "cached" in shared:
        return RunOutcome(store.get(shared["cached"]), cached=True) if main else None
    if main:
        run_id = shared["run_id"]
        store.start(run_id)
        _run_into(spec, store, run_id, rows, _stored_progress(store, run_id, progress),
                  never_stop, None)
        return RunOutcome(store.get(run_id), cached=False)
    if isinstance(spec, FinetuneSpec):
        from workbench.experiments.finetune import finetune

        finetune(spec, prepare_inputs(spec), no_progress, never_stop,
                 run_dir=Path(shared["run_dir"]))
    return None
