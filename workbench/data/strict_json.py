"""JSON that refuses an object holding the same name twice: json.loads alone keeps the last value
silently, so an upload or a profile would lose data without a word.

    strict_json.loads('{"a": 1, "a": 2}')   # RepeatedName('a')
"""

from __future__ import annotations

import json
from typing import Any


class RepeatedName(ValueError):
    """One JSON object holds the same name twice; args[0] is the name."""


def unique_pairs(pairs: list[tuple[str, Any]]) -> dict:
    """json's object_pairs_hook that raises RepeatedName instead of keeping the last value."""
    record = dict(pairs)
    if len(record) < len(pairs):
        raise RepeatedName(next(name for name in record if sum(key == name for key, _ in pairs) > 1))
    return record


def loads(text: str) -> Any:
    """json.loads with unique names: also JSONDecodeError, and ValueError or RecursionError for
    numbers thousands of digits long or nesting thousands deep."""
    return json.loads(text, object_pairs_hook=unique_pairs)
