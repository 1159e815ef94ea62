"""Results: every stored run of a data set in one leaderboard, with its charts."""

import streamlit as st

from workbench.ui.frame import page_frame
from workbench.ui.results_page import show_page

page_frame("Results", "🏆")
st.title("Results")
st.caption(
    "Every stored run of a data set side by side: zero-shot, few-shot and fine-tuned language "
    "models against logistic regression and XGBoost, on the same test rows and the same metrics."
)

show_page()
