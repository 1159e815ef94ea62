"""Cell values as prompts show them.

- Floats are rounded to `rounding` decimals (None: as stored); a whole float prints as an integer
  (HouseAge 41.0 -> "41"), as it does in TabLLM's serializations.
- Integers stay integers; booleans print as "true" / "false".
- Missing values (None, NaN, NA, NaT) print as "unknown": a word the model can read, where "nan"
  would be a token it has no reason to understand.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import pandas as pd

MISSING = "unknown"
# Beyond this a whole float keeps its float form: int() of 1e300 would print 301 digits.
_LARGEST_WHOLE = 1e15


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays: not a single missing marker
        return False


def plain_value(value: Any, rounding: int | None) -> str | int | float | bool:
    """A cell as a plain Python value (no numpy or pandas types), rounded, missing -> "unknown"."""
    if is_missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return _plain_float(_as_float(value), rounding)
    return str(value)


def _as_float(value: numbers.Real) -> float:
    # float(np.float32(6.98)) is 6.980000019073486; its str is the shortest form, "6.98".
    if isinstance(value, np.floating) and not isinstance(value, float):
        return float(str(value))
    return float(value)


def _plain_float(value: float, rounding: int | None) -> int | float:
    if math.isinf(value):
        return value
    if rounding is not None:
        value = round(value, rounding)
    if value.is_integer() and abs(value) < _LARGEST_WHOLE:
        return int(value)
    return value


def format_value(value: Any, rounding: int | None) -> str:
    plain = plain_value(value, rounding)
    if isinstance(plain, bool):
        return "true" if plain else "false"
    return str(plain)
