"""Problems as messages on the page, never as a traceback box."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

import streamlit as st

from workbench.errors import WorkbenchError


@contextmanager
def problems_shown(what: str, show: Callable[[str], object] = st.error) -> Iterator[None]:
    """Run the block; a WorkbenchError shows its own message, anything else "what: Type: text".
    Code after the block runs either way: check what the block was to set."""
    try:
        yield
    except WorkbenchError as error:
        show(str(error))
    except Exception as error:  # noqa: BLE001 - the page must never show a traceback
        show(f"{what}: {type(error).__name__}: {error}")
