"""Data sets: registry, loaders, splits and uploads.

    from workbench.data import load, list_datasets
    frame, info = load("california-housing")
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pandas as pd

from workbench.data.registry import DATASETS, DatasetInfo, Feature, get_info, register
from workbench.paths import data_cache_dir

# Importing the loader modules fills the registry, in the order pages list the data sets.
from workbench.data import tabular  # noqa: F401
from workbench.data import text  # noqa: F401
from workbench.data import recommendation  # noqa: F401
from workbench.data import tallrec  # noqa: F401
from workbench.data import tallrec_rows  # noqa: F401

# Bump when a loader changes what it returns, so cached parquet files are rebuilt.
LOADER_VERSION = 2

__all__ = [
    "DATASETS", "DatasetInfo", "Feature", "LoadedDataset", "get_info", "list_datasets", "load",
    "register", "summary",
]


@dataclass(frozen=True)
class LoadedDataset:
    frame: pd.DataFrame
    info: DatasetInfo
    fingerprint: str  # content hash of the frame: part of every cache key

    def __iter__(self):  # frame, info = load(...)
        return iter((self.frame, self.info))


def list_datasets() -> list[DatasetInfo]:
    """The registered data sets, then the tables the user kept (workbench.data.kept)."""
    from workbench.data.kept import kept_infos

    return list(DATASETS.values()) + kept_infos()


def frame_fingerprint(frame: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def _cache_paths(name: str) -> tuple:
    folder = data_cache_dir()
    stem = f"{name}-v{LOADER_VERSION}"
    return folder / f"{stem}.parquet", folder / f"{stem}.json"


def load(name: str, use_cache: bool = True) -> LoadedDataset:
    """Load a data set; the first load of a registered one is written to a parquet cache. A kept
    table is read from its stored file each time (its fingerprint is fixed by the file's hash)."""
    info = get_info(name)
    if info.fingerprint is not None:
        return LoadedDataset(info.loader(), info, info.fingerprint)
    parquet, meta = _cache_paths(name)
    if use_cache and parquet.is_file() and meta.is_file():
        try:
            frame = pd.read_parquet(parquet)
            fingerprint = json.loads(meta.read_text())["fingerprint"]
            return LoadedDataset(frame, info, fingerprint)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is rebuilt below
    frame = info.loader()
    fingerprint = frame_fingerprint(frame)
    if use_cache and info.offline:
        tmp = parquet.with_suffix(".parquet.tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(parquet)
        meta.write_text(json.dumps({"fingerprint": fingerprint, "rows": len(frame)}))
    return LoadedDataset(frame, info, fingerprint)


def summary(info: DatasetInfo, frame: pd.DataFrame | None = None) -> dict:
    """One JSON-able line for `python -m workbench datasets --json`."""
    rows = len(frame) if frame is not None else info.published_rows
    return {
        "name": info.name,
        "title": info.title,
        "kind": info.kind,
        "rows": rows,
        "source": info.source,
        "offline": info.offline,
        "needs_file": info.needs_file,
        "license": info.license,
        "label": info.label_column,
        "classes": list(info.classes),
        "description": info.description,
        "group": info.group,
        **({"details": dict(info.provenance)} if info.provenance else {}),
    }
