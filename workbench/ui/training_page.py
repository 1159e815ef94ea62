"""Training page: the form on the left; what the run will cost, the launch button and the live
panel of running runs on the right, where a click on Start shows its effect at once; then the
finished runs. The page file
only calls `show_page()`; the form is training_form.py, the estimate and launch
training_launch.py, the live panel and the runs training_monitor.py, "Try it" try_it_box.py.
"""

from __future__ import annotations

import streamlit as st

from workbench.ui.training_form import training_form
from workbench.ui.training_launch import launch_section
from workbench.ui.training_monitor import live_section, recent_section


def show_page() -> None:
    left, right = st.columns([11, 9], gap="large")
    with left:
        form = training_form()
    with right:
        launch_section(form)
        live_section()
    st.divider()
    recent_section()
