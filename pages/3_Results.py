"""Results (being written)."""

import streamlit as st

from workbench.ui.frame import page_frame

page_frame("Results", "🏆")
st.title("Results")
