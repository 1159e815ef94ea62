"""The example specs (assets/specs) and the split protocol each data set's example sets."""

from __future__ import annotations

import functools
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.specs.base import SpecError
from workbench.specs.forgetting import ForgettingSpec
from workbench.specs.yaml_io import load_spec

EXAMPLE_SPECS = Path(__file__).resolve().parents[2] / "assets" / "specs"
SPLIT_FIELDS = ("split_seed", "test_fraction", "stratify", "train_file", "test_file")


@functools.lru_cache(maxsize=None)
def _example_splits() -> dict[str, dict]:
    splits: dict[str, dict] = {}
    for path in sorted(EXAMPLE_SPECS.glob("*.yaml")):
        try:
            spec = load_spec(path)
        except SpecError:
            continue
        if isinstance(spec, ForgettingSpec):
            continue  # its tasks subsample for speed; the data sets' own specs set the protocol
        data = spec.data
        splits.setdefault(data.dataset, {
            name: getattr(data, name) for name in SPLIT_FIELDS if getattr(data, name) is not None
        })
    return splits


def example_split(dataset: str) -> dict:
    """A data set's split protocol: as its example spec (assets/specs) writes it, e.g. the seed
    notebook's unstratified 80/20 split for California, or as a kept table's record sets it
    (test fraction and seed, stratified by the label); {} (the DataSpec defaults) otherwise."""
    split = dict(_example_splits().get(dataset, {}))
    if dataset not in _example_splits():
        from workbench.data import get_info  # a kept table's protocol lives with its record

        try:
            split.update(get_info(dataset).split)
        except WorkbenchError:
            pass
    return split
