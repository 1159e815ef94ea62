"""Forgetting: train on task A, then B, and watch what A loses, method by method."""

import streamlit as st

from workbench.ui.forgetting_page import show_page
from workbench.ui.frame import page_frame

page_frame("Forgetting", "🧠")
st.title("Forgetting")
st.markdown(
    "Fine-tune the sidebar's model on task A, then on task B, and see how much of A it loses. "
    "Compare naive fine-tuning with LoRA, training the last layers only, replay, EWC and "
    "multi-task training on the same tasks: each method runs in the background as its own run, "
    "and the charts below fill in as they finish."
)
show_page()
