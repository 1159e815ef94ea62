"""Numbers as people read them: 2.4M parameters, 3.1 GB, 2 min 05 s."""

from __future__ import annotations


def count_text(count: int | float | None) -> str:
    """1234 -> "1.2k", 2_442_240 -> "2.44M", 1.3e9 -> "1.30B"."""
    if count is None:
        return "-"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(count) >= size:
            value = count / size
            digits = 2 if abs(value) < 10 else 1 if abs(value) < 100 else 0
            return f"{value:.{digits}f}{suffix}"
    return f"{count:,.0f}"


def bytes_text(size: int | float | None) -> str:
    """Decimal units, like the operating system's memory figures: 3.3 GB, 512 MB, 98.4 MB."""
    if size is None:
        return "-"
    for unit, suffix in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if size >= unit:
            value = size / unit
            return f"{value:.0f} {suffix}" if value >= 100 else f"{value:.1f} {suffix}"
    return f"{size:.0f} B"


def duration_text(seconds: float | None) -> str:
    """42 s, 3 min 05 s, 1 h 02 min."""
    if seconds is None:
        return "-"
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def short_duration_text(seconds: float | None) -> str:
    """For narrow places: 42 s, 2.4 min, 1.3 h."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min" if seconds < 3600 else f"{seconds / 3600:.1f} h"


def rough_duration_text(seconds: float) -> str:
    """An estimate's precision: "< 1 min", "4 min", "1 h 05 min"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "< 1 min"
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def number_text(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
