"""The data-set registry: names to loaders plus what pages and prompts need to know.

A loader returns one pandas DataFrame holding the feature columns and the label column, whose
values are the class names of `DatasetInfo.classes` (strings). Adding a data set is one loader
function and one `register(...)` call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

import pandas as pd

Kind = Literal["tabular", "text", "recommendation"]
FeatureType = Literal["numeric", "categorical", "text"]

KIND_LABELS = {
    "tabular": "tabular binary classification",
    "text": "text classification",
    "recommendation": "recommendation",
}


@dataclass(frozen=True)
class Feature:
    name: str
    type: FeatureType
    readable: str | None = None  # "median income" for MedInc; prompts use it

    @property
    def label(self) -> str:
        return self.readable or self.name


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    kind: Kind
    description: str
    source: str
    license: str
    label_column: str
    classes: tuple[str, ...]  # every label value, the positive class last for binary tasks
    features: tuple[Feature, ...]
    loader: Callable[[], pd.DataFrame] = field(repr=False, compare=False)
    offline: bool = True  # False: load(name) alone cannot build it (needs the hub or a file)
    needs_file: bool = False  # True: the user must choose a file (see the loader's module)
    positive_class: str | None = None
    published_rows: int | None = None  # rows as published, for sources we cannot count offline
    text_column: str | None = None  # text classification: the text
    user_column: str | None = None  # recommendation: who rated
    item_column: str | None = None  # recommendation: what was rated
    rating_column: str | None = None
    item_title_column: str | None = None
    group_split: bool = False  # splits keep each user_column value in one part
    # Data sets that come as files (needs_file): path or URL -> frame, checked
    file_loader: Callable[[str], pd.DataFrame] | None = field(default=None, repr=False, compare=False)
    label_rule: str = ""  # how the label was derived, e.g. "MedHouseVal > median (1.797)"

    @property
    def feature_names(self) -> list[str]:
        return [feature.name for feature in self.features]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def positive(self) -> str:
        return self.positive_class or self.classes[-1]


DATASETS: dict[str, DatasetInfo] = {}


def register(info: DatasetInfo) -> DatasetInfo:
    if info.name in DATASETS:
        raise ValueError(f"data set {info.name!r} is registered twice")
    DATASETS[info.name] = info
    return info


def get_info(name: str) -> DatasetInfo:
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        from workbench.errors import DatasetUnavailableError

        raise DatasetUnavailableError(f"Unknown data set {name!r}. Known: {known}.") from None
