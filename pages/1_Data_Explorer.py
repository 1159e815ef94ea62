"""Data explorer: a built-in data set or an upload, its schema, balance, features and rows."""

import streamlit as st

from workbench.ui.data_explorer_page import show_page
from workbench.ui.frame import page_frame

page_frame("Data explorer", "📊")
st.title("📊 Data explorer")
st.caption(
    "Look at a data set before you train on it: its columns, how balanced the label is, how each "
    "feature relates to the label, and example rows. Upload a table of your own and keep it: "
    "every page can then use it."
)
show_page()
