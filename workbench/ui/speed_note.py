"""Before this machine's speed is known for a model and method: measure it in the background
(workbench.training.speed_probe, once per machine), say so next to the first-guess time, and
redraw the page when the measurement is in."""

from __future__ import annotations

from typing import Sequence

import streamlit as st

from workbench.specs import FinetuneSpec
from workbench.store import ACTIVE_STATUSES
from workbench.supervisor import run_device, run_device_of
from workbench.training.speed_probe import probe_state, probing_devices, start_probe
from workbench.ui.state import current_store


def device_is_free(spec: FinetuneSpec) -> bool:
    """No run is queued or running on the spec's device (a probe beside it would measure
    neither)."""
    device = run_device(spec)
    return not any(run_device_of(record) == device for record in current_store().list()
                   if record.status in ACTIVE_STATUSES)


def measure_speeds_note(unmeasured: Sequence[FinetuneSpec]) -> None:
    """Measure the specs' speeds, one probe at a time; a caption says what the time rests on."""
    states = [probe_state(spec) for spec in unmeasured]
    failed = [state.removeprefix("failed: ") for state in states if state and state.startswith("failed")]
    if failed:
        st.caption(f"⏱️ Measuring this machine's speed did not work ({failed[0]}); the time "
                   "is a first guess from another machine.")
    waiting = [spec for spec, state in zip(unmeasured, states) if state is None]
    if "running" not in states and waiting:
        if not device_is_free(waiting[0]):
            st.caption("⏱️ This machine's speed will be measured once the run in progress "
                       "ends; until then the time is a first guess from another machine.")
            return
        start_probe(waiting[0])  # False while another page's probe measures this device
    if "running" not in states and not waiting:
        return

    @st.fragment(run_every=1.0)
    def measuring() -> None:
        now = [probe_state(spec) for spec in unmeasured]
        if "running" not in now and (None not in now or probing_devices().isdisjoint(
                {run_device(spec) for spec in unmeasured})):
            st.rerun()  # the estimate reads the new measurement (or starts the next probe)
        st.caption("⏱️ Measuring this machine's speed for this model and method, once: a few "
                   "training steps and scoring batches in the background (under a minute on "
                   "most laptops). Until then the time is a first guess from another machine.")

    measuring()
