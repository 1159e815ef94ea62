"""Prompt templates: how a row becomes a prompt. Edit a template and preview its prompts, score it
zero-shot or few-shot with the current model, and compare templates on the same test rows."""

import streamlit as st

from workbench.ui.frame import page_frame
from workbench.ui.template_page import show_page

page_frame("Prompt templates", "📝")
st.title("Prompt templates")
st.markdown(
    "A language model classifies a table row by reading it as text and answering a question; "
    "how the row is written changes the answer. Pick a data set and a template, edit it, check "
    "the prompts and their token counts, then score it with the sidebar's model or compare "
    "several templates on the same test rows."
)
show_page()
