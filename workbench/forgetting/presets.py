"""The forgetting comparisons the example specs define (assets/specs/forgetting-*.yaml): the
Forgetting page's presets and the CLI's examples are the same files."""

from __future__ import annotations

from pathlib import Path

from workbench.specs import EXAMPLE_SPECS, ForgettingSpec, SpecError, load_spec

PATTERN = "forgetting-*.yaml"
DEFAULT_FILE = "forgetting-default.yaml"


def preset_files() -> list[Path]:
    """The default first, then the others by name."""
    files = sorted(EXAMPLE_SPECS.glob(PATTERN))
    return sorted(files, key=lambda path: path.name != DEFAULT_FILE)


def _presets() -> dict[str, tuple[Path, ForgettingSpec]]:
    """{title: (file, spec)}; the title is the spec's name (or its file name)."""
    presets = {}
    for path in preset_files():
        try:
            spec = load_spec(path)
        except SpecError:
            continue
        if isinstance(spec, ForgettingSpec):
            presets[spec.name or path.stem] = (path, spec)
    return presets


def forgetting_presets() -> dict[str, ForgettingSpec]:
    return {title: spec for title, (_, spec) in _presets().items()}


def preset_description(title: str) -> str | None:
    """What a preset shows, in its file's own words: the comment block at the top of the file
    (None for an unknown title or a file without one)."""
    found = _presets().get(title)
    if found is None:
        return None
    lines = []
    for line in found[0].read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines) or None


def preset_file(title: str) -> str | None:
    """The preset's file as the README writes it (assets/specs/...), None for an unknown title."""
    found = _presets().get(title)
    return f"assets/specs/{found[0].name}" if found else None
