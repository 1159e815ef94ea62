"""`--set key=value` overrides: a dotted path or a short name, and a YAML scalar."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel

from workbench.specs.base import SpecError
from workbench.specs.parse import parse_spec
from workbench.specs.runs import AnySpec
from workbench.specs.yaml_io import read_yaml, spec_to_dict

# Short names accepted by `--set` (and the page forms) for the most used fields.
SET_ALIASES = {
    "n_train": "data.n_train",
    "n_test": "data.n_test",
    "dataset": "data.dataset",
    "split_seed": "data.split_seed",
    "train_file": "data.train_file",
    "test_file": "data.test_file",
    "file": "data.file",
    "shots": "template.shots",
    "serializer": "template.serializer",
    "model_name": "model.name",
    "method": "training.method",
    "epochs": "training.epochs",
    "learning_rate": "training.learning_rate",
    "max_steps": "training.max_steps",
}


def _parse_value(text: str) -> Any:
    """`--set` values are YAML scalars: 256, 0.5, true, null, [a, b], or plain text."""
    try:
        return read_yaml(text)
    except yaml.YAMLError:
        return text


def apply_overrides(spec: BaseModel, overrides: list[str]) -> AnySpec:
    """Apply `key=value` overrides (dotted paths or SET_ALIASES) and validate the result."""
    data = spec_to_dict(spec)
    for override in overrides:
        key, sep, value = override.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SpecError(f"--set takes key=value, not {override!r}")
        # A field of the spec itself wins over an alias (a baseline's own `method`).
        path = (key if key in data else SET_ALIASES.get(key, key)).split(".")
        if path[0] == "data" and isinstance(data.get("tasks"), list):
            # A forgetting spec: a data alias (n_train=64) sets it for every task.
            for index in range(len(data["tasks"])):
                _set_path(data, ["tasks", str(index), *path], _parse_value(value), key)
        else:
            _set_path(data, path, _parse_value(value), key)
    return parse_spec(data)


def _set_path(data: dict, path: list[str], value: Any, key: str) -> None:
    """data[path[0]][path[1]]... = value; a number indexes a list (tasks.1.data.n_train)."""
    node: Any = data
    for part in path[:-1]:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and isinstance(node.get(part), (dict, list)):
            node = node[part]
        elif isinstance(node, dict) and part in node and node[part] is None:
            node[part] = {}  # an optional section left out (a task's template): start it
            node = node[part]
        else:
            raise SpecError(f"--set {key}: {part!r} is not a section of a {data['kind']} spec")
    if isinstance(node, list):
        raise SpecError(f"--set {key}: give a list item's field, e.g. tasks.0.data.n_train")
    node[path[-1]] = value

