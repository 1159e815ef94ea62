"""The Results page's "Run baselines": one click runs each baseline at each training-set size
of the grid (workbench.experiments.baseline_grid) in the background, on the split the page's
language-model runs use."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from workbench import results
from workbench.data import kept
from workbench.experiments import baseline_grid
from workbench.jobs import ACTIVE, Job
from workbench.store import RunRecord, Store
from workbench.ui.dataset_names import dataset_title
from workbench.ui.jobs_panel import job_panel, job_queue


def _baselines_job(dataset: str) -> Job | None:
    """The latest "Run baselines" job for this data set: any session's while it is active,
    this session's own once it has ended."""
    title = f"Run baselines: {dataset_title(dataset)}"
    mine = st.session_state.get(f"results_baselines_job_{dataset}")
    for job in job_queue().jobs():
        if job.title == title and (job.status in ACTIVE or job.id == mine):
            return job
    return None


def baseline_controls(dataset: str, records: list[RunRecord], store: Store) -> None:
    """One click: logistic regression and XGBoost at each size of the grid, in the background."""
    if kept.kept_problem(dataset) or (kept.looks_kept(dataset) and kept.find_kept(dataset) is None):
        st.caption("**Run baselines** needs the data set's rows, which are gone (see above).")
        return
    data = results.baseline_split(records, dataset)
    specs = baseline_grid.baseline_specs(data, train_rows=baseline_grid.training_rows(data))
    job = _baselines_job(dataset)
    busy = job is not None and job.status in ACTIVE
    sizes = ", ".join(dict.fromkeys(
        "all" if s.data.n_train is None else f"{s.data.n_train:,}" for s in specs))
    left, right = st.columns([1, 3], vertical_alignment="center")
    clicked = left.button(
        "Run baselines", key=f"results_run_baselines_{dataset}", disabled=busy, icon="▶️",
        help="Runs already in the store are reused, so a second click is instant.",
    )
    methods = list(baseline_grid.baseline_labels(dataset).values())
    named = ", ".join(methods[:-1]) + f" and {methods[-1]}"
    if data.test_file:
        split = f"training file {Path(data.train_file or '').name}, test file {Path(data.test_file).name}"
    else:
        split = (f"seed {data.split_seed}, {data.test_fraction:.0%} test, "
                 f"{'stratified' if data.stratify else 'not stratified'}")
    right.caption(
        f"{named[:1].upper()}{named[1:]} on {sizes} training rows: {len(specs)} runs on the split "
        f"the language-model runs use ({split}), scored on the whole test split."
    )
    if clicked and not busy:
        root = store.root

        def work(progress, should_stop):
            return baseline_grid.run_baselines(specs, Store(root), progress, should_stop)

        job = job_queue().submit(f"Run baselines: {dataset_title(dataset)}", work)
        st.session_state[f"results_baselines_job_{dataset}"] = job.id
    if job is not None:
        job_panel(job, key=f"results-baselines-{dataset}")
        snapshot = job.snapshot()
        if snapshot["status"] == "done" and snapshot["result"]:
            st.success(baseline_grid.counts_sentence(snapshot["result"]) + ".")
