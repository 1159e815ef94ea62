"""A warning when prompts are longer than the model's context (a table with long text cells):
scoring keeps their last tokens, which the user should know before scoring."""

from __future__ import annotations

import streamlit as st


@st.cache_data(max_entries=8, show_spinner=False)
def cached_context(model_name: str) -> int | None:
    """The model's context in tokens, as scoring reads it, from its config alone."""
    from types import SimpleNamespace

    from workbench.scoring import max_positions
    from workbench.training.meta import base_config

    try:
        _, config = base_config(model_name)
    except Exception:  # noqa: BLE001 - no config here: no warning, scoring still truncates
        return None
    return max_positions(SimpleNamespace(config=config), None)


def context_warning(longest: int, model_name: str) -> None:
    limit = cached_context(model_name)
    if limit and longest > limit:
        st.warning(
            f"The longest prompts are {longest:,} tokens, more than the model's context of "
            f"{limit:,}: scoring keeps their last {limit:,} tokens (the question and the end of "
            "the row). Cut long columns in a Jinja template, e.g. {{ note[:2000] }}, or ignore "
            "them on the Data explorer.", icon="✂️")
