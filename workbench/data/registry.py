"""The data-set registry: names to loaders plus what pages and prompts need to know.

A loader returns one pandas DataFrame holding the feature columns and the label column, whose
values are the class names of `DatasetInfo.classes` (strings). Adding a data set is one loader
function and one `register(...)` call. The tables a user keeps (workbench.data.kept) are
reached through the same `get_info`, as DatasetInfos of the "Your data" group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

import pandas as pd

Kind = Literal["tabular", "text", "recommendation"]
FeatureType = Literal["numeric", "categorical", "text"]

BUILT_IN = "built-in"
YOUR_DATA = "Your data"  # the group of the tables a user keeps (workbench.data.kept)

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
    group: str = BUILT_IN  # pickers list YOUR_DATA apart from the built-in sets
    # Content-addressed data (kept tables): the data fingerprint, fixed by the file's sha256 and
    # the label and column choices. None: the hash of the loaded frame.
    fingerprint: str | None = None
    # Where the rows come from beyond `source`, for run cards: ((what, value), ...).
    provenance: tuple[tuple[str, str], ...] = ()
    # The split protocol this data set asks for, as DataSpec fields: (("split_seed", 7), ...).
    split: tuple[tuple[str, object], ...] = ()

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
    """A registered data set, else a table the user kept; DatasetUnavailableError otherwise."""
    if name in DATASETS:
        return DATASETS[name]
    from workbench.data import kept  # kept tables are read from the workbench home

    info = kept.kept_info_named(name)
    if info is not None:
        return info
    from workbench.errors import DatasetUnavailableError

    known = ", ".join(sorted(DATASETS))
    yours = ", ".join(record.id for record in kept.kept_tables())
    raise DatasetUnavailableError(
        f"Unknown data set {name!r}. Known: {known}"
        + (f"; your data: {yours}." if yours else ".")
        + (" A table you kept and removed is gone with its file: keep it again from the Data "
           "explorer or with `python -m workbench datasets add`." if kept.looks_kept(name) else "")
    )
