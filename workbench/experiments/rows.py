"""The rows a run uses: its data set, split, and the train/test subsets the spec asks for."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from workbench.data import DatasetInfo, load
from workbench.data.splits import make_splits
from workbench.errors import DataValidationError
from workbench.specs import DataSpec

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


def prepare_rows(spec: DataSpec) -> PreparedRows:
    loaded = load(spec.dataset)
    frame = loaded.frame.reset_index(drop=True)
    frame.insert(0, ROW_ID, np.arange(len(frame)))
    splits = make_splits(
        frame, loaded.info, seed=spec.split_seed, test_fraction=spec.test_fraction,
        val_fraction=spec.val_fraction, stratify=spec.stratify,
    )
    notes = list(splits.warnings)
    train = _subset(frame.iloc[splits.train], spec.n_train, spec.sample_seed, "training", notes)
    test = _subset(frame.iloc[splits.test], spec.n_test, spec.sample_seed, "test", notes)
    return PreparedRows(
        info=loaded.info, fingerprint=loaded.fingerprint, train=train,
        val=frame.iloc[splits.val], test=test, notes=tuple(notes),
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
