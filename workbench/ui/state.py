"""Cached, shared resources for pages: loaded models, hub reachability, device summary."""

from __future__ import annotations

import streamlit as st

from workbench.hub import hub_reachable
from workbench.models import LoadedModel, load_model
from workbench.models.hardware import DeviceSummary, describe_device
from workbench.store import Store, default_root

MODEL_KEY = "current_model"


def current_model_name() -> str:
    from workbench.models import DEFAULT_MODEL

    return st.session_state.setdefault(MODEL_KEY, DEFAULT_MODEL)


@st.cache_resource(max_entries=2, show_spinner=False)
def cached_model(name: str, device: str = "auto", quantization: str = "none") -> LoadedModel:
    """One shared copy per (model, device, quantization): read-only, never trained in place."""
    return load_model(name, device=device, quantization=quantization)


@st.cache_resource(max_entries=4, show_spinner=False)
def cached_store(root: str) -> Store:
    return Store(root)


def current_store() -> Store:
    """The run store pages read and write ($WORKBENCH_RUNS or the default), opened once."""
    return cached_store(str(default_root()))


@st.cache_data(ttl=60, show_spinner=False)
def cached_hub_reachable() -> bool:
    return hub_reachable(timeout=2.0)


@st.cache_data(show_spinner=False)
def cached_device() -> DeviceSummary:
    return describe_device()
