"""The shared frame every page draws first: page config, navigation, model and device."""

from __future__ import annotations

import streamlit as st

from workbench import assets
from workbench.models import DEFAULT_MODEL, HUB_SUGGESTIONS, MODELS, get_model_info
from workbench.models.embedded import smollm2_converted
from workbench.ui.pages_index import PAGES
from workbench.ui.run_state import run_supervisor
from workbench.ui.state import MODEL_KEY, cached_device, cached_hub_reachable, current_model_name

APP_TITLE = "LLM Fine-tuning Workbench"
OTHER_MODEL = "Other hub id or local folder…"
_PICKER_KEY = "_model_picker"
_CUSTOM_KEY = "_model_custom"


def page_frame(title: str, icon: str = "🧪") -> None:
    """Call first on every page, so a page opened by its own URL gets the full frame."""
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", page_icon=icon, layout="wide")
    _start_supervisor()
    with st.sidebar:
        st.markdown(f"### 🧪 {APP_TITLE}")
        for page in PAGES:
            st.page_link(page.path, label=page.label, icon=page.icon)
        st.divider()
        _model_picker()
        _device_line()
        _assets_warning()


def _start_supervisor() -> None:
    """The first page drawn by a new app marks the runs of a dead one `interrupted`."""
    try:
        run_supervisor()
    except Exception as error:  # noqa: BLE001 - every page still draws, and says why
        st.sidebar.error(f"The run store could not be opened: {type(error).__name__}: {error}")


def _model_choices() -> list[str]:
    return list(MODELS) + [hub_id for hub_id, _ in HUB_SUGGESTIONS] + [OTHER_MODEL]


def _on_pick() -> None:
    choice = st.session_state[_PICKER_KEY]
    if choice != OTHER_MODEL:
        st.session_state[MODEL_KEY] = choice


def _on_custom() -> None:
    typed = st.session_state[_CUSTOM_KEY].strip()
    st.session_state[MODEL_KEY] = typed or DEFAULT_MODEL


def _model_picker() -> None:
    current = current_model_name()
    choices = _model_choices()
    # Widgets are re-created on every page, so their value is seeded from the session's choice.
    if _PICKER_KEY not in st.session_state:
        st.session_state[_PICKER_KEY] = current if current in choices else OTHER_MODEL
    # persist_state keeps the choice when a page switch cleans up widget state.
    st.selectbox("Model", choices, key=_PICKER_KEY, on_change=_on_pick, persist_state="session")
    if st.session_state[_PICKER_KEY] == OTHER_MODEL:
        st.session_state.setdefault(_CUSTOM_KEY, "" if current in choices else current)
        st.text_input(
            "Hub id or folder", key=_CUSTOM_KEY, on_change=_on_custom, persist_state="session",
            placeholder="gpt2 or meta-llama/Llama-2-7b-hf or /path/to/model",
        )
    _model_status(current_model_name())


def _model_status(name: str) -> None:
    info = get_model_info(name)
    st.caption(f"Current model: **{info.title}**")
    if not info.trained:
        st.warning("Untrained test model: random weights, its answers are noise.", icon="⚠️")
    elif info.kind == "embedded" and not smollm2_converted():
        st.caption("Embedded; converted to safetensors on first use (about 20 s, once).")
    elif info.kind == "hub" and not cached_hub_reachable():
        st.warning(
            f"The Hugging Face hub is not reachable from here, so `{name}` loads only if it is "
            f"already in your hub cache. The embedded `{DEFAULT_MODEL}` always works.",
            icon="🌐",
        )


def _device_line() -> None:
    device = cached_device()
    st.caption(f"Device: **{device.device}** · {device.dtype} · {device.description}")


def _assets_warning() -> None:
    missing = [a.requirement for a in assets.ASSETS.values() if not assets.is_fetched(a)]
    if missing:
        st.error(
            "Embedded assets missing: " + ", ".join(missing)
            + ". Run `python -m workbench assets fetch` (or `make run`).",
            icon="📦",
        )
