"""Specs as YAML: reading (YAML 1.2 booleans, no alias bombs), loading a spec file, writing one.

    spec = load_spec("assets/specs/california-lora.yaml")
    text = spec_to_yaml(spec)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from workbench.specs.base import SpecError
from workbench.specs.data import TABLE_FIELDS
from workbench.specs.parse import parse_spec
from workbench.specs.runs import AnySpec, kinds_text

MAX_SPEC_BYTES = 1_000_000  # a spec file; the largest example is a few hundred bytes
MAX_YAML_ALIASES = 16  # `*name` references: enough to share a template, too few for a YAML bomb


class _Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. Under YAML 1.1 `yes`/`no` (class names and answer
    words here) would silently become booleans."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class _BoundedYamlLoader(_Yaml12Loader):
    """Refuses more than MAX_YAML_ALIASES `*name` references: each one can stand for a whole
    nested structure, so a few hundred bytes can expand to billions of items (a YAML bomb)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.alias_count = getattr(self, "alias_count", 0) + 1
            if self.alias_count > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None,
                    f"more than {MAX_YAML_ALIASES} aliases (*name); write the values out",
                    mark,
                )
        return super().compose_node(parent, index)


def yaml_problem(error: yaml.YAMLError) -> str:
    """" (line 3): expected ',' or ']'": where and what, on one line."""
    mark = getattr(error, "problem_mark", None)
    where = f" (line {mark.line + 1})" if mark is not None else ""
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{where}: {problem}"


def read_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_BoundedYamlLoader)  # noqa: S506 - a SafeLoader subclass


def load_spec(path: str | Path) -> AnySpec:
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError(
                f"The spec file {path} is {path.stat().st_size:,} bytes: a spec is a short YAML "
                f"file (at most {MAX_SPEC_BYTES:,} bytes).")
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecError(f"Cannot read the spec file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise SpecError(f"The spec file {path} is not a UTF-8 text (YAML) file.") from None
    if not text.strip():
        raise SpecError(
            f"The spec file {path} is empty: a spec is a YAML mapping with at least `kind:` "
            f"({kinds_text()}); see assets/specs/ for examples.")
    try:
        data = read_yaml(text)
    except yaml.YAMLError as error:
        raise SpecError(f"{path} is not valid YAML{yaml_problem(error)}") from None
    except RecursionError:
        raise SpecError(f"{path} nests its YAML too deeply to be a spec.") from None
    return parse_spec(data)


# Fields added after runs were stored: left out while they hold their default, so that the
# specs (and cache keys) of runs that never set them stay as they were.
LATER_FIELDS = {"training": {"val_rows": None}, "template": {"number_levels": False,
                                                              "levels_only": False}}
LATER_TASK_FIELDS = {"learning_rate_factor": 1.0}  # of each task of a forgetting spec


def without_later_task_fields(task: dict) -> dict:
    """A forgetting task's values less the later fields that hold their default."""
    return {name: value for name, value in task.items()
            if not (name in LATER_TASK_FIELDS and value == LATER_TASK_FIELDS[name])}


def spec_to_dict(spec: BaseModel) -> dict:
    """The spec as JSON-able values; a data section without a `file` leaves the table fields out,
    so specs of other data read as they did before tables by path existed."""
    values = spec.model_dump(mode="json")
    for data in [values.get("data"), *(task.get("data") for task in values.get("tasks") or [])]:
        if isinstance(data, dict) and data.get("file") is None:
            for name in ("file", *TABLE_FIELDS):
                data.pop(name, None)
    if isinstance(values.get("tasks"), list):
        values["tasks"] = [without_later_task_fields(task) if isinstance(task, dict) else task
                           for task in values["tasks"]]
    for section in [values, *(values.get("tasks") or [])]:
        for name, defaults in LATER_FIELDS.items():
            part = section.get(name) if isinstance(section, dict) else None
            if isinstance(part, dict):
                for field_name, default in defaults.items():
                    if field_name in part and part[field_name] == default:
                        del part[field_name]
    return values


def spec_to_yaml(spec: BaseModel) -> str:
    return yaml.safe_dump(spec_to_dict(spec), sort_keys=False, allow_unicode=True)

