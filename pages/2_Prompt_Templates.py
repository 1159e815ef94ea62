"""Prompt templates (being written)."""

import streamlit as st

from workbench.ui.frame import page_frame

page_frame("Prompt templates", "📝")
st.title("Prompt templates")
