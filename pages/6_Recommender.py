"""Recommender: rate books, get recommendations from a zero-shot or fine-tuned model."""

import streamlit as st

from workbench.ui.frame import page_frame
from workbench.ui.recommender_page import show_page

page_frame("Recommender", "📚")
st.title("Recommender")
st.markdown(
    "Tell the model which books you like and dislike, then let it rank books you have not "
    "rated, TALLRec-style: each candidate becomes the question *will this user like this book?* "
    "and books are ranked by the model's probability of answering Yes. Use the sidebar's model "
    "zero-shot, or a model you fine-tuned on Book-Crossing questions."
)
show_page()
