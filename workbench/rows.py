"""The rows a run uses: its data set, split, and the train/test subsets the spec asks for.

    rows = prepare_rows(spec.data)         # PreparedRows: info, fingerprint, train, val, test
    rows.labels(rows.test)                 # class indices

Below the training code, which plans and measures runs with the same rows (the estimate and the
speed probe), and the experiments, which run them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.data import DATASETS, DatasetInfo, frame_fingerprint, get_info, load
from workbench.data.kept import find_kept, keep_path
from workbench.data.splits import make_splits
from workbench.data.tables import TableChoice
from workbench.errors import DataValidationError
from workbench.specs import TABLE_FIELDS, DataSpec, content_hash

ROW_ID = "row_id"


@dataclass(frozen=True)
class PreparedRows:
    info: DatasetInfo
    fingerprint: str
    train: pd.DataFrame  # each frame keeps `row_id`: the row's position in the full data set
    val: pd.DataFrame
    test: pd.DataFrame
    notes: tuple[str, ...] = ()

    def labels(self, frame: pd.DataFrame) -> np.ndarray:
        """Class indices (positions in info.classes) of a frame's label column."""
        index = {name: i for i, name in enumerate(self.info.classes)}
        values = frame[self.info.label_column].astype(str)
        unknown = sorted(set(values) - set(index))
        if unknown:
            raise DataValidationError(
                f"Label values {unknown[:5]} are not classes of {self.info.name} "
                f"({', '.join(self.info.classes)})."
            )
        return values.map(index).to_numpy(dtype=np.int64)


def _subset(frame: pd.DataFrame, n: int | None, seed: int, what: str, notes: list[str]) -> pd.DataFrame:
    if n is None:
        return frame
    if n > len(frame):
        notes.append(f"asked for {n} {what} rows, the split has {len(frame)}: using all of them")
        return frame
    positions = np.random.default_rng(seed).permutation(len(frame))[:n]
    return frame.iloc[np.sort(positions)]


def with_row_ids(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    frame.insert(0, ROW_ID, np.arange(len(frame)))
    return frame


def group_column(info: DatasetInfo) -> str | None:
    return info.user_column if info.group_split else None


def resolve_data(data: DataSpec) -> DataSpec:
    """A data section naming a table by `file` names the kept data set instead (the table is kept
    like the Data explorer keeps it: workbench.experiments.table_specs)."""
    if data.file is None:
        return data
    choice = TableChoice(data.label_column or "", data.positive_class, dict(data.roles),
                         dict(data.descriptions))
    # `dataset` beside `file` names the table, unless it is a placeholder or another data set's
    # name (a spec for California given `--set file=...`).
    taken = data.dataset.startswith("file:") or data.dataset in DATASETS or find_kept(data.dataset)
    named = None if taken else data.dataset
    record, _ = keep_path(data.file, choice, name=named)
    values = data.model_dump()
    for name in ("file", *TABLE_FIELDS):
        values.pop(name)
    return DataSpec.model_validate({**values, "dataset": record.id})


def prepare_rows(spec: DataSpec) -> PreparedRows:
    if spec.file:
        spec = resolve_data(spec)
    if spec.train_file or spec.test_file:
        return prepare_file_rows(spec)
    loaded = load(spec.dataset)
    frame = with_row_ids(loaded.frame)
    splits = make_splits(
        frame, loaded.info, seed=spec.split_seed, test_fraction=spec.test_fraction,
        val_fraction=spec.val_fraction, stratify=spec.stratify, group_column=group_column(loaded.info),
    )
    notes = list(splits.warnings)
    train = _subset(frame.iloc[splits.train], spec.n_train, spec.sample_seed, "training", notes)
    test = _subset(frame.iloc[splits.test], spec.n_test, spec.sample_seed, "test", notes)
    return PreparedRows(
        info=loaded.info, fingerprint=loaded.fingerprint, train=train,
        val=frame.iloc[splits.val], test=test, notes=tuple(notes),
    )


def read_data_file(info: DatasetInfo, source: str, role: str) -> pd.DataFrame:
    if info.file_loader is None:
        readers = ", ".join(name for name, other in DATASETS.items() if other.file_loader) or "none"
        raise DataValidationError(
            f"{info.name} is not read from files: leave train_file and test_file out, or choose "
            f"a data set that comes as files ({readers}).")
    frame = with_row_ids(info.file_loader(source))
    if frame[info.label_column].nunique() < 2 and role == "training":
        raise DataValidationError(
            f"Every row of the training file {Path(source).name} has the same label: a model "
            "needs both answers to learn from.")
    return frame


def prepare_file_rows(spec: DataSpec) -> PreparedRows:
    """Rows from files: the training file gives the training rows and, with val_fraction, the
    validation rows (a seeded share of it); the test file gives the test rows. Without a test
    file the training file is split like a data set. Row ids are positions in each file.

    TALLRec's recipe: train on K samples of its train.json, stop early on valid.json, report on
    test.json; here any of its files can play each role."""
    info = get_info(spec.dataset)
    if spec.train_file is None:
        return file_test_only(spec, info)
    train = read_data_file(info, spec.train_file, "training")
    if spec.test_file is None:
        splits = make_splits(train, info, seed=spec.split_seed, test_fraction=spec.test_fraction,
                             val_fraction=spec.val_fraction, stratify=spec.stratify)
        notes = list(splits.warnings)
        train_part, val, test = splits.frames(train)
        fingerprint = frame_fingerprint(train)
    else:
        test = read_data_file(info, spec.test_file, "test")
        notes = [f"training rows from {Path(spec.train_file).name}, test rows from "
                 f"{Path(spec.test_file).name}"]
        train_part, val = split_off_validation(train, info, spec, notes)
        fingerprint = content_hash([frame_fingerprint(train), frame_fingerprint(test)])
    return PreparedRows(
        info=info, fingerprint=fingerprint,
        train=_subset(train_part, spec.n_train, spec.sample_seed, "training", notes),
        val=val, test=_subset(test, spec.n_test, spec.sample_seed, "test", notes),
        notes=tuple(notes),
    )


def split_off_validation(
    train: pd.DataFrame, info: DatasetInfo, spec: DataSpec, notes: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if spec.val_fraction == 0:
        return train, train.iloc[:0]
    splits = make_splits(train, info, seed=spec.split_seed, test_fraction=spec.val_fraction,
                         val_fraction=0, stratify=spec.stratify)
    notes.extend(warning.replace("test split", "validation split") for warning in splits.warnings)
    return train.iloc[splits.train], train.iloc[splits.test]


def file_test_only(spec: DataSpec, info: DatasetInfo) -> PreparedRows:
    """Only a test file: enough for zero-shot scoring; training methods say they need rows."""
    test = read_data_file(info, spec.test_file, "test")
    notes = [f"test rows from {Path(spec.test_file).name}; no training file"]
    return PreparedRows(
        info=info, fingerprint=frame_fingerprint(test), train=test.iloc[:0], val=test.iloc[:0],
        test=_subset(test, spec.n_test, spec.sample_seed, "test", notes), notes=tuple(notes),
    )


def prepare_class_rows(spec: DataSpec, classes: list[str]) -> PreparedRows:
    """prepare_rows with only the rows of `classes` (in that order, the positive class last),
    n_train and n_test counting the rows kept."""
    everything = prepare_rows(spec.model_copy(update={"n_train": None, "n_test": None}))
    info = everything.info
    unknown = [name for name in classes if name not in info.classes]
    if unknown or len(set(classes)) != len(classes):
        raise DataValidationError(
            f"Classes {unknown or classes} are not distinct classes of {info.name} "
            f"({', '.join(info.classes)}).")
    notes = list(everything.notes)

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame[info.label_column].astype(str).isin(classes)]

    return PreparedRows(
        info=replace(info, classes=tuple(classes), positive_class=None),
        fingerprint=everything.fingerprint,
        train=_subset(keep(everything.train), spec.n_train, spec.sample_seed, "training", notes),
        val=keep(everything.val),
        test=_subset(keep(everything.test), spec.n_test, spec.sample_seed, "test", notes),
        notes=tuple(notes),
    )


def predictions_frame(rows: PreparedRows, frame: pd.DataFrame, probabilities: np.ndarray) -> pd.DataFrame:
    """The common predictions artifact: row_id, label, p_<class> for each class, predicted."""
    classes = list(rows.info.classes)
    out = pd.DataFrame({ROW_ID: frame[ROW_ID].to_numpy(), "label": frame[rows.info.label_column].astype(str).to_numpy()})
    for i, name in enumerate(classes):
        out[f"p_{name}"] = probabilities[:, i]
    out["predicted"] = [classes[i] for i in probabilities.argmax(axis=1)]
    return out
