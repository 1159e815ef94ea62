"""The split a page's baselines run on: the one its language-model runs share."""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from workbench.results.runs import is_complete, is_language_model, run_data
from workbench.specs import SPLIT_FIELDS, DataSpec, example_split
from workbench.store import RunRecord


def baseline_split(records: Iterable[RunRecord], dataset: str) -> DataSpec:
    """The split baselines should use to sit next to the language-model runs on a page: the most
    common split of this data set's language-model runs, else the data set's example spec
    (assets/specs), else the defaults. Baselines train on the whole non-test part (no
    validation rows, like the seed notebook) and score the whole test split, which holds every
    sample of it: the page rescores them on the rows a language-model run used."""
    splits = Counter(
        tuple(run_data(r).get(name) for name in SPLIT_FIELDS)
        for r in records
        if r.dataset == dataset and is_language_model(r) and is_complete(r)
    )
    if splits:
        values = dict(zip(SPLIT_FIELDS, splits.most_common(1)[0][0]))
        values = {k: v for k, v in values.items() if v is not None}
    else:
        values = example_split(dataset)
    return DataSpec(dataset=dataset, val_fraction=0.0, n_train=None, n_test=None, **values)
