"""Cache keys: content hashes of what a result depends on (the data and model fingerprints, the
split, the template text, the method's parameters), never display names or speed settings."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel

from workbench.specs.data import TABLE_FIELDS
from workbench.specs.forgetting import ForgettingSpec
from workbench.specs.yaml_io import spec_to_dict

SPEC_VERSION = 1

# Fields that label a run or tune speed without changing its result.
_NOT_IN_KEY = {"name", "batch_size"}


# Stood for by the data fingerprint (a table's is its file's content with the label choice,
# roles and descriptions), so never in a cache key themselves.
_DATA_NAMES = {"dataset", "train_file", "test_file", "file", *TABLE_FIELDS}


def content_hash(content: Any) -> str:
    """A short, stable hash of JSON-able content (dict keys in any order)."""
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def _keyed(spec: BaseModel) -> dict:
    return {k: v for k, v in spec_to_dict(spec).items() if k not in _NOT_IN_KEY}


def _without_data_names(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in _DATA_NAMES}


def _finish_key(content: dict, model_fingerprint: str | None) -> str:
    if model_fingerprint is not None:
        content["model"] = {k: v for k, v in content.get("model", {}).items() if k != "name"}
        content["model_fingerprint"] = model_fingerprint
    content["spec_version"] = SPEC_VERSION
    return content_hash(content)


def cache_key(spec: BaseModel, data_fingerprint: str, model_fingerprint: str | None) -> str:
    """Content hash: what the result depends on, never display names or speed settings."""
    content = _keyed(spec)
    content["data"] = _without_data_names(content["data"])
    content["data_fingerprint"] = data_fingerprint
    return _finish_key(content, model_fingerprint)


def forgetting_cache_key(
    spec: "ForgettingSpec", task_fingerprints: list[str], model_fingerprint: str
) -> str:
    """The content hash of a one-method forgetting run: its tasks' data by fingerprint."""
    content = _keyed(spec)
    for task in content["tasks"]:
        task["data"] = _without_data_names(task["data"])
    content["task_fingerprints"] = list(task_fingerprints)
    return _finish_key(content, model_fingerprint)

