"""Training: fine-tune the sidebar's model on a data set, watch it learn, try the result."""

import streamlit as st

from workbench.ui.frame import page_frame
from workbench.ui.training_page import show_page

page_frame("Training", "🏋️")
st.title("Training")
st.markdown(
    "Teach the sidebar's model to answer a data set's question: pick a preset, check what the run "
    "will cost, start it, and watch the training loss fall and the validation AUC rise. Runs go "
    "on in their own process when you leave the page; each one lands on the Results page."
)
show_page()
