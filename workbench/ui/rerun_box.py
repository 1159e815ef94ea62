"""Run a stored run again from its spec: a button that queues a new run of the same spec (the old
one stays), and the spec with the commands that run it without the app."""

from __future__ import annotations

import streamlit as st

from workbench.errors import WorkbenchError
from workbench.store import RunRecord
from workbench.ui.reproduce_box import reproduce_box, stored_spec
from workbench.ui.run_state import run_supervisor

QUEUED = "rerun_queued"  # {stored run id: the new run's id}, for this session's message


def rerun_controls(record: RunRecord, key: str) -> None:
    spec = stored_spec(record)
    if spec is None:
        return
    queued = st.session_state.setdefault(QUEUED, {})
    if st.button("Run it again", key=f"{key}_rerun", icon="🔁",
                 help="Queue a new run of this exact spec; this run and its results stay."):
        try:
            queued[record.id] = run_supervisor().submit(spec).id
        except WorkbenchError as error:  # the data or model it needs cannot be read now
            st.error(f"It cannot run again now: {error}")
    if record.id in queued:
        st.success(f"Queued as run `{queued[record.id]}`: it runs in the background, one heavy run "
                   "at a time (the Training page shows its progress), and joins this page when it "
                   "is done.", icon="🔁")
    reproduce_box(spec, key=f"{key}_spec", run_id=record.id)
