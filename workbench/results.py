"""Results: leaderboards, curves and row-level comparisons, all as joins over stored runs.

Every run, whatever its method, leaves the same artifacts: metrics.json and predictions.parquet
(row_id, label, p_<class> per class, predicted). So nothing here knows how a run was made:

    records = store.list(dataset="california-housing")
    table = leaderboard(records)                       # one row per finished run, best AUC first
    sets = test_sets(row_ids_by_run(store, run_ids)[0])  # which runs scored which test rows
    rescored = scores_on(store, sets[0])               # runs with more rows, on the shared ones
    curve = shots_curve(records, rescored)             # AUC against the number of training rows
    diff = disagreements(store, run_a, run_b)          # rows where two runs predict differently

Numbers of two runs compare only on the same test rows. A run's rows are the row ids of its
predictions (positions in the full data set), so a run scored on a superset of another's rows (a
baseline on the whole test split, a language model on 200 rows of it) can be rescored on the
shared rows from its stored probabilities, without running anything again.

`source` arguments are anything with `.predictions(run_id) -> DataFrame`: a Store, or a page's
cached view of one.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Mapping, Protocol, Sequence

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.metrics import MetricsError, classification_metrics, interval_text, roc_curve_points
from workbench.specs import SPLIT_FIELDS, BaselineSpec, DataSpec, example_split
from workbench.store import ACTIVE_STATUSES, RunRecord

FAMILIES = ("zero-shot", "few-shot", "fine-tuned", "baseline")
BASELINE_LABELS = {"logreg": "logistic regression", "xgboost": "XGBoost"}
# "Run baselines": both baselines at these training-set sizes (None: the whole training part).
BASELINE_GRID: tuple[int | None, ...] = (16, 64, 256, 1024, None)

# REFERENCES.md: {data set: {series: {training rows: AUC}}}; None is the whole training part.
REFERENCE_AUC = {
    # The seed protocol's whole test split (4,128 rows); all = the 80 % training part.
    "california-housing": {
        "logistic regression": {16: 0.783, 64: 0.857, 256: 0.896, 1024: 0.904, None: 0.908},
        "XGBoost": {16: 0.676, 64: 0.819, 256: 0.894, 1024: 0.928, None: 0.965},
        # TabLLM (Hegselmann et al., 2023, supplement Table 12): T0-11B fine-tuned with T-Few,
        # Text serialization, mean of 5 seeds on its own 80/20 split.
        "TabLLM (T0-11B)": {0: 0.61, 4: 0.63, 8: 0.60, 16: 0.70, 32: 0.77, 64: 0.77, 128: 0.81,
                            256: 0.83, 512: 0.86, None: 0.95},
    },
    "adult-income": {  # TabLLM's supplement, Table 14
        "TabLLM (T0-11B)": {0: 0.84, 4: 0.84, 16: 0.84, 64: 0.84, 256: 0.87, None: 0.92},
        "XGBoost (TabLLM paper)": {4: 0.50, 16: 0.77, 64: 0.82, 256: 0.87, None: 0.93},
    },
    # TALLRec (Bao et al., 2023), LLaMA-7B + LoRA and sequential recommenders, K samples,
    # each on TALLRec's own test file.
    "tallrec-book": {
        "TALLRec (LLaMA-7B)": {16: 0.5636, 64: 0.6039, 256: 0.6438},
        "GRU4Rec": {16: 0.4895, 64: 0.4964, 256: 0.4986},
        "SASRec": {16: 0.4948, 64: 0.5006, 256: 0.5020},
    },
    "tallrec-movie": {
        "TALLRec (LLaMA-7B)": {16: 0.6724, 64: 0.6748, 256: 0.7198},
        "GRU4Rec": {16: 0.4907, 64: 0.4987, 256: 0.5289},
        "SASRec": {16: 0.5043, 64: 0.5048, 256: 0.5225},
    },
}
REFERENCE_ALL_ROWS = {"california-housing": 16_512, "adult-income": 39_073}
REFERENCE_NOTES = {
    "california-housing": "baselines scored on the whole test split of 4,128 rows; TabLLM as "
                          "its paper reports it, on its own 80/20 split",
    "adult-income": "TabLLM's paper, on its own 80/20 split",
    "tallrec-book": "TALLRec's paper, scored on its book test file (2,427 rows)",
    "tallrec-movie": "TALLRec's paper, scored on its movie test file (1,000 rows)",
}

LEADERBOARD_COLUMNS = [
    "label", "method", "AUC", "AUC (95% CI)", "accuracy", "F1", "Brier", "n train", "n test",
    "test rows", "model", "template", "family", "seconds", "trainable parameters", "created",
    "rescored", "AUC low", "AUC high", "run",
]
OTHER_RUN_COLUMNS = ["run", "status", "method", "model", "created", "reason"]
SHOTS_COLUMNS = [
    "series", "family", "n train", "all rows", "x", "AUC", "AUC low", "AUC high", "runs", "band",
    "run ids",
]


class ResultsError(WorkbenchError):
    """Stored runs that cannot be compared as asked (missing or damaged files, no shared rows)."""


class NoSharedRowsError(ResultsError):
    """Two runs were scored on different test rows: there is nothing to join."""


class PredictionSource(Protocol):
    def predictions(self, run_id: str) -> pd.DataFrame: ...


# --- describing one run --------------------------------------------------------------------------


def is_complete(record: RunRecord) -> bool:
    """Done, with test metrics: the runs a leaderboard can show."""
    return record.status == "done" and bool(record.metrics.get("test"))


def method_family(record: RunRecord) -> str:
    if record.kind == "baseline":
        return "baseline"
    if record.method in ("zero-shot", "few-shot"):
        return record.method
    return "fine-tuned"


def method_label(record: RunRecord) -> str:
    """The display label the run wrote ("few-shot (4)", "XGBoost"), else its method."""
    return record.metrics.get("method") or BASELINE_LABELS.get(record.method, record.method)


def is_language_model(record: RunRecord) -> bool:
    return record.kind != "baseline"


def template_summary(record: RunRecord) -> str:
    """"list", "list, 4 shots", "text, chat wrapper"; "-" for runs without a prompt."""
    template = record.spec.get("template")
    if not template:
        return "-"
    parts = [template.get("serializer", "?")]
    shots = template.get("shots") or 0
    if shots:
        parts.append(f"{shots} shot" + ("s" if shots > 1 else ""))
    if template.get("wrapper", "none") != "none":
        parts.append(f"{template['wrapper']} wrapper")
    return ", ".join(parts)


def _data(record: RunRecord) -> dict:
    return record.spec.get("data") or {}


def uses_all_training_rows(record: RunRecord) -> bool:
    """Trained on the whole training part (no n_train), as opposed to a sample of it."""
    return record.kind != "evaluate" and _data(record).get("n_train") is None


def train_rows(record: RunRecord) -> int:
    """Labelled rows the method learnt from: shots for prompting, training rows otherwise."""
    value = record.metrics.get("n_train")
    if value is None:
        value = (record.spec.get("template") or {}).get("shots", 0)
    return int(value)


def train_rows_label(record: RunRecord) -> str:
    count = train_rows(record)
    return f"all ({count:,})" if uses_all_training_rows(record) else f"{count:,}"


def test_rows_label(record: RunRecord) -> str:
    """Which test rows a run was scored on, from its spec: runs with the same label share rows."""
    data = _data(record)
    if data.get("test_file"):
        where = f"file {Path(data['test_file']).name}"
    else:
        where = f"seed {data.get('split_seed', '?')}, {data.get('test_fraction', 0):.0%} test"
        if data.get("stratify"):
            where += ", stratified"
    count = record.metrics.get("n_test") or record.metrics.get("test", {}).get("n")
    if data.get("n_test") is None:
        return f"{where}, all {count:,} rows" if count else f"{where}, all rows"
    return f"{where}, {count:,} rows (sample {data.get('sample_seed', 0)})"


def run_label(record: RunRecord) -> str:
    """A short, unique, stable name for charts and pickers."""
    parts = [method_label(record)]
    if record.model:
        parts.append(record.model)
    if record.kind == "baseline":
        parts.append(f"{train_rows_label(record)} rows")
    parts.append(f"#{record.id[-6:]}")
    return " · ".join(parts)


def label_parts(record: RunRecord) -> dict[str, str]:
    """What may tell a run from the others: method, its name or template, model, rows."""
    parts = {"method": method_label(record)}
    if record.name:
        parts["template"] = record.name
    elif is_language_model(record):
        parts["template"] = f"{template_summary(record)} template"
    if is_language_model(record) and record.model:
        parts["model"] = record.model
    if record.kind != "evaluate":
        parts["rows"] = f"{train_rows_label(record)} rows"
    return parts


def run_labels(records: Iterable[RunRecord]) -> dict[str, str]:
    """Run id -> a label naming what differs between these runs ("zero-shot · text template",
    "LoRA · 256 rows"); a run id's end is added only where two labels would still be equal."""
    parts = {record.id: label_parts(record) for record in records}
    names = {name for each in parts.values() for name in each}
    differing = {"method"} | {
        name for name in names
        if len({each[name] for each in parts.values() if name in each}) > 1
    }
    labels = {
        run_id: " · ".join(value for name, value in each.items() if name in differing)
        for run_id, each in parts.items()
    }
    repeated = Counter(labels.values())
    return {
        run_id: label if repeated[label] == 1 else f"{label} · #{run_id[-6:]}"
        for run_id, label in labels.items()
    }


def first_paragraph(text: str | None) -> str:
    """A failed run's reason without its traceback (stored after a blank line)."""
    return (text or "").strip().split("\n\n")[0]


def _created(record: RunRecord) -> datetime:
    return datetime.fromtimestamp(record.created_at)


# --- leaderboard ---------------------------------------------------------------------------------


def leaderboard(
    records: Iterable[RunRecord], rescored: Mapping[str, dict] | None = None
) -> pd.DataFrame:
    """One row per finished run, best AUC first (then accuracy).

    `rescored` maps run ids to test metrics computed on other rows than the stored ones (see
    `scores_on`); those runs show these numbers and `rescored` True.
    """
    rescored = rescored or {}
    complete = [record for record in records if is_complete(record)]
    labels = run_labels(complete)
    rows = [_leaderboard_row(r, labels[r.id], rescored.get(r.id)) for r in complete]
    table = pd.DataFrame(rows, columns=LEADERBOARD_COLUMNS)
    table["trainable parameters"] = table["trainable parameters"].astype("Int64")
    table = table.sort_values(["AUC", "accuracy"], ascending=False, na_position="last")
    return table.reset_index(drop=True)


def _leaderboard_row(record: RunRecord, label: str, rescored: dict | None) -> dict:
    test = rescored or record.metrics["test"]
    auc, ci = test.get("auc"), test.get("auc_ci")
    seconds = record.metrics.get("seconds")
    return {
        "label": label,
        "method": method_label(record),
        "family": method_family(record),
        "model": record.model or "-",
        "template": template_summary(record),
        "n train": train_rows_label(record),
        "test rows": test_rows_label(record),
        "n test": test.get("n"),
        "AUC": auc if auc is not None else np.nan,
        "AUC (95% CI)": interval_text(auc, ci),
        "AUC low": ci[0] if ci else np.nan,
        "AUC high": ci[1] if ci else np.nan,
        "accuracy": test.get("accuracy"),
        "F1": test.get("f1"),
        "Brier": test.get("brier"),
        "seconds": seconds if seconds is not None else record.seconds,
        "trainable parameters": record.metrics.get("trainable_parameters"),
        "created": _created(record),
        "rescored": rescored is not None,
        "run": record.id,
    }


def other_runs(records: Iterable[RunRecord]) -> pd.DataFrame:
    """Runs the leaderboard cannot show (failed, cancelled, interrupted, running, queued, or done
    without metrics), with the reason or the progress."""
    rows = [
        {
            "run": record.id,
            "status": record.status,
            "method": method_label(record),
            "model": record.model or "-",
            "created": _created(record),
            "reason": _reason(record),
        }
        for record in records
        if not is_complete(record)
    ]
    return pd.DataFrame(rows, columns=OTHER_RUN_COLUMNS)


def _reason(record: RunRecord) -> str:
    if record.status in ACTIVE_STATUSES:
        progress = record.progress
        if progress.get("total"):
            return f"{progress.get('stage', '')}: {progress.get('done', 0)}/{progress['total']}"
        return progress.get("stage") or record.status
    if record.status == "done":
        return "finished without test metrics"
    return first_paragraph(record.error) or record.status


def damaged_runs(store, records: Iterable[RunRecord]) -> dict[str, str]:
    """{run id: what is wrong with its folder} for runs whose files no longer back their record
    (folder or spec deleted, metrics or predictions damaged). The index still holds their
    numbers, so they stay listed; a page says which ones cannot be trusted row by row."""
    problems = {}
    for record in records:
        problem = store.artifact_problem(record)
        if problem:
            problems[record.id] = f"Run {record.id}: {problem[:1].lower()}{problem[1:]}"
    return problems


def best_runs(table: pd.DataFrame, by: str = "method", limit: int = 6) -> list[str]:
    """Run ids of the best (first) row of each `by` group of a sorted leaderboard."""
    return table.drop_duplicates(by)["run"].head(limit).tolist()


# --- predictions ---------------------------------------------------------------------------------


def read_predictions(source: PredictionSource, run_id: str) -> pd.DataFrame:
    """A run's predictions, checked: a missing or damaged file is a ResultsError that says so."""
    try:
        frame = source.predictions(run_id)
    except WorkbenchError as error:
        raise ResultsError(f"Run {run_id}: {error}") from None
    except Exception as error:  # noqa: BLE001 - a truncated or foreign file: pyarrow raises many kinds
        raise ResultsError(
            f"Run {run_id}: its predictions file cannot be read ({type(error).__name__}: "
            f"{str(error)[:200]}). It may be damaged; run the spec again (--force) to rewrite it."
        ) from None
    missing = [c for c in ("row_id", "label", "predicted") if c not in frame.columns]
    if missing or len(class_names_of(frame)) < 2:
        raise ResultsError(
            f"Run {run_id}: its predictions file lacks "
            + (", ".join(missing) if missing else "a probability column per class (p_<class>)")
            + "."
        )
    return frame


def class_names_of(predictions: pd.DataFrame) -> list[str]:
    """Class names in the order of the p_<class> columns (the data set's order)."""
    return [str(column)[2:] for column in predictions.columns if str(column).startswith("p_")]


def _labels_and_probabilities(
    frame: pd.DataFrame, classes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    index = {name: i for i, name in enumerate(classes)}
    labels = frame["label"].astype(str).map(index)
    if labels.isna().any():
        unknown = sorted(set(frame["label"].astype(str)) - set(index))[:5]
        raise ResultsError(f"Labels {unknown} are not among the classes {classes}.")
    probabilities = frame[[f"p_{name}" for name in classes]].to_numpy(dtype=np.float64)
    return labels.to_numpy(dtype=np.int64), probabilities


def score_rows(
    predictions: pd.DataFrame, row_ids: np.ndarray | None = None, n_bootstrap: int = 1000
) -> dict:
    """Test metrics of stored predictions, on `row_ids` only when given (the same bootstrap
    settings as a run's own metrics, so the numbers match when the rows do)."""
    frame = predictions if row_ids is None else predictions[predictions["row_id"].isin(row_ids)]
    classes = class_names_of(frame)
    labels, probabilities = _labels_and_probabilities(frame, classes)
    try:
        return classification_metrics(labels, probabilities, classes, n_bootstrap=n_bootstrap)
    except MetricsError as error:
        raise ResultsError(str(error)) from None


# --- test sets: which runs can be compared on which rows -----------------------------------------


@dataclass(frozen=True, eq=False)
class TestSet:
    """One distinct set of test rows; `covering` runs scored all of them (and maybe more)."""

    key: str
    row_ids: np.ndarray  # sorted, unique
    exact: tuple[str, ...]  # runs scored on exactly these rows
    covering: tuple[str, ...]  # `exact` plus runs scored on a superset

    @property
    def size(self) -> int:
        return len(self.row_ids)

    @property
    def rescored(self) -> tuple[str, ...]:
        return tuple(run for run in self.covering if run not in self.exact)


def row_ids_by_run(
    source: PredictionSource, run_ids: Iterable[str]
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """({run id: its sorted test row ids}, {run id: why its predictions cannot be used})."""
    found, problems = {}, {}
    for run_id in run_ids:
        try:
            found[run_id] = np.unique(read_predictions(source, run_id)["row_id"].to_numpy(np.int64))
        except (ResultsError, ValueError, TypeError) as error:
            problems[run_id] = str(error) if isinstance(error, ResultsError) else (
                f"Run {run_id}: its row ids are not whole numbers ({error})."
            )
    return found, problems


def _rows_key(row_ids: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(row_ids, dtype=np.int64).tobytes()).hexdigest()[:12]


def test_sets(row_ids: Mapping[str, np.ndarray]) -> list[TestSet]:
    """Distinct test sets, the one most runs can be compared on first (then the larger)."""
    groups: dict[str, list[str]] = {}
    arrays: dict[str, np.ndarray] = {}
    for run_id, ids in row_ids.items():
        key = _rows_key(ids)
        groups.setdefault(key, []).append(run_id)
        arrays[key] = ids
    sets = []
    for key, exact in groups.items():
        ids = arrays[key]
        covering = [
            run_id
            for other, members in groups.items()
            if other == key or _contains(arrays[other], ids)
            for run_id in members
        ]
        sets.append(TestSet(key, ids, tuple(exact), tuple(covering)))
    return sorted(sets, key=lambda s: (-len(s.covering), -s.size, s.key))


def _contains(larger: np.ndarray, smaller: np.ndarray) -> bool:
    return len(larger) > len(smaller) and bool(np.isin(smaller, larger, assume_unique=True).all())


def scores_on(
    source: PredictionSource, test_set: TestSet,
    score: Callable[[str, np.ndarray], dict] | None = None,
) -> dict[str, dict]:
    """Test metrics on `test_set`'s rows of each run that scored more rows than those."""
    score = score or (lambda run_id, rows: score_rows(read_predictions(source, run_id), rows))
    return {run_id: score(run_id, test_set.row_ids) for run_id in test_set.rescored}


# --- shots curve ---------------------------------------------------------------------------------


def series_name(record: RunRecord) -> str:
    """One line per way of using labelled rows: zero-shot and few-shot of one model and prompt
    are one line (the shots are its x), each baseline is one, each fine-tuning method one."""
    if record.kind == "baseline":
        return method_label(record)
    template = record.spec.get("template") or {}
    prompt = template.get("serializer", "?")
    if template.get("wrapper", "none") != "none":
        prompt += f", {template['wrapper']} wrapper"
    if record.kind == "evaluate":
        return f"{record.model} · prompting ({prompt})"
    return f"{record.model} · {record.method} ({prompt})"


def shots_curve(
    records: Iterable[RunRecord], rescored: Mapping[str, dict] | None = None
) -> pd.DataFrame:
    """AUC against labelled training rows: one point per (series, n train).

    A point of one run carries its 95% interval; a point of several runs (other shot seeds,
    say) is their mean AUC with the range of their AUCs ("band" says which).
    """
    rescored = rescored or {}
    rows = []
    for record in records:
        if not is_complete(record):
            continue
        test = rescored.get(record.id) or record.metrics["test"]
        if test.get("auc") is None:
            continue
        rows.append({
            "series": series_name(record), "family": method_family(record),
            "n train": train_rows(record), "all rows": uses_all_training_rows(record),
            "x": train_rows_label(record), "auc": test["auc"], "ci": test.get("auc_ci"),
            "run": record.id,
        })
    points = [_point(group) for _, group in _group(rows, ("series", "n train", "all rows"))]
    table = pd.DataFrame(points, columns=SHOTS_COLUMNS)
    return table.sort_values(["series", "all rows", "n train"]).reset_index(drop=True)


def _group(rows: list[dict], keys: tuple[str, ...]) -> list[tuple[tuple, list[dict]]]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return list(groups.items())


def _point(group: list[dict]) -> dict:
    first = group[0]
    aucs = [row["auc"] for row in group]
    if len(group) == 1:
        low, high = first["ci"] or (np.nan, np.nan)
        band = "95% CI" if first["ci"] else "none"
    else:
        low, high, band = min(aucs), max(aucs), f"range of {len(group)} runs"
    return {
        "series": first["series"], "family": first["family"], "n train": first["n train"],
        "all rows": first["all rows"], "x": first["x"], "AUC": float(np.mean(aucs)),
        "AUC low": low, "AUC high": high, "runs": len(group), "band": band,
        "run ids": [row["run"] for row in group],
    }


def reference_points(dataset: str) -> pd.DataFrame:
    """REFERENCES.md's baseline AUCs for this data set (empty for data sets it has none for)."""
    rows = []
    for series, points in REFERENCE_AUC.get(dataset, {}).items():
        for n_train, auc in points.items():
            every = n_train is None
            count = REFERENCE_ALL_ROWS[dataset] if every else n_train
            rows.append({
                "series": f"reference: {series}", "family": "reference", "n train": count,
                "all rows": every, "x": f"all ({count:,})" if every else f"{count:,}",
                "AUC": auc, "AUC low": np.nan, "AUC high": np.nan, "runs": 0,
                "band": "REFERENCES.md", "run ids": [],
            })
    return pd.DataFrame(rows, columns=SHOTS_COLUMNS)


def x_order(*tables: pd.DataFrame) -> list[str]:
    """Category order of the shots axis: 0, 4, 16, ... then "all (n)" (logarithmic-like spacing
    for the usual powers of 4, and 0 gets a place of its own)."""
    frames = [t[["x", "n train", "all rows"]] for t in tables if len(t)]
    if not frames:
        return []
    points = pd.concat(frames).drop_duplicates("x")
    return points.sort_values(["all rows", "n train"])["x"].tolist()


# --- ROC curves ----------------------------------------------------------------------------------


def roc_curves(
    source: PredictionSource, run_ids: Iterable[str], row_ids: np.ndarray | None = None
) -> dict[str, dict]:
    """{run id: {"fpr", "tpr", "auc"}}, on `row_ids` only when given. Multi-class runs give the
    micro-average one-vs-rest curve."""
    curves = {}
    for run_id in run_ids:
        frame = read_predictions(source, run_id)
        if row_ids is not None:
            frame = frame[frame["row_id"].isin(row_ids)]
        classes = class_names_of(frame)
        labels, probabilities = _labels_and_probabilities(frame, classes)
        try:
            points = roc_curve_points(labels, probabilities, classes)
            metrics = score_rows(frame, n_bootstrap=0)
        except MetricsError as error:
            raise ResultsError(f"Run {run_id}: {error}") from None
        curves[run_id] = {"fpr": points["fpr"], "tpr": points["tpr"], "auc": metrics["auc"]}
    return curves


# --- disagreements -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    run_a: str
    run_b: str
    shared: int  # test rows both runs scored
    rows: pd.DataFrame = field(repr=False)  # the shared rows where the predicted labels differ

    @property
    def count(self) -> int:
        return len(self.rows)

    def right(self, who: str) -> int:
        return int((self.rows["right"] == who).sum())

    def summary(self) -> str:
        text = (f"disagree on {self.count:,} of {self.shared:,} shared rows; A right on "
                f"{self.right('A'):,}, B right on {self.right('B'):,}")
        neither = self.right("neither")
        return text + (f", neither on {neither:,}" if neither else "")


def disagreements(source: PredictionSource, run_a: str, run_b: str) -> Disagreement:
    """The shared test rows where runs A and B predict different labels, with both probabilities
    and the true label, and which run was right."""
    a, b = read_predictions(source, run_a), read_predictions(source, run_b)
    classes = class_names_of(a)
    if class_names_of(b) != classes:
        raise ResultsError(
            f"Runs {run_a} and {run_b} predict different classes ({classes} and "
            f"{class_names_of(b)}): they are not the same task."
        )
    joined = a.merge(b, on="row_id", suffixes=(" A", " B"))
    if joined.empty:
        raise NoSharedRowsError(
            f"Runs {run_a} and {run_b} share no test rows: they were scored on different splits "
            "or samples. Pick two runs with the same 'test rows' in the leaderboard."
        )
    if (joined["label A"].astype(str) != joined["label B"].astype(str)).any():
        raise ResultsError(
            f"Runs {run_a} and {run_b} give different true labels to the same rows: they used "
            "different versions of the data set."
        )
    differ = joined[joined["predicted A"].astype(str) != joined["predicted B"].astype(str)]
    return Disagreement(run_a, run_b, len(joined), _disagreement_rows(differ, classes))


def most_different_pair(
    source: PredictionSource, run_ids: Sequence[str], candidates: int = 8
) -> tuple[str, str] | None:
    """Of the first `candidates` runs, the two whose predicted labels differ on the largest
    share of their shared test rows (the higher-ranked pair on a tie); None when no two of them
    can be compared row by row."""
    ranked = list(run_ids)[:candidates]
    best, best_share = None, -1.0
    for first_index, first in enumerate(ranked):
        for second in ranked[first_index + 1:]:
            try:
                found = disagreements(source, first, second)
            except WorkbenchError:
                continue
            share = found.count / found.shared if found.shared else 0.0
            if share > best_share:
                best, best_share = (first, second), share
    return best


def _disagreement_rows(joined: pd.DataFrame, classes: list[str]) -> pd.DataFrame:
    label = joined["label A"].astype(str)
    a_right = joined["predicted A"].astype(str) == label
    b_right = joined["predicted B"].astype(str) == label
    # Binary: the positive class's probability reads best; multi-class: the true label's.
    shown = [classes[-1]] if len(classes) == 2 else classes
    rows = pd.DataFrame({
        "row_id": joined["row_id"].to_numpy(),
        "label": label.to_numpy(),
        "A predicted": joined["predicted A"].to_numpy(),
        "B predicted": joined["predicted B"].to_numpy(),
    })
    for name in shown:
        rows[f"A p({name})"] = joined[f"p_{name} A"].to_numpy()
        rows[f"B p({name})"] = joined[f"p_{name} B"].to_numpy()
    rows["right"] = np.select([a_right.to_numpy(), b_right.to_numpy()], ["A", "B"], "neither")
    return rows.sort_values("row_id").reset_index(drop=True)


def with_features(
    rows: pd.DataFrame, frame: pd.DataFrame, label_column: str | None = None
) -> pd.DataFrame:
    """Disagreement rows with the data set's columns: row_id is the row's position in `frame`."""
    ids = rows["row_id"].to_numpy(dtype=np.int64)
    if len(ids) and (ids.min() < 0 or ids.max() >= len(frame)):
        raise ResultsError(
            f"Row ids up to {ids.max():,} do not fit the data set's {len(frame):,} rows: the runs "
            "used another version of it."
        )
    features = frame.iloc[ids].reset_index(drop=True)
    if label_column in features.columns:
        features = features.drop(columns=label_column)
    clashing = [c for c in features.columns if c in rows.columns]
    features = features.rename(columns={c: f"{c} (feature)" for c in clashing})
    return pd.concat([rows.reset_index(drop=True), features], axis=1)


# --- "Run baselines" -----------------------------------------------------------------------------

def baseline_split(records: Iterable[RunRecord], dataset: str) -> DataSpec:
    """The split baselines should use to sit next to the language-model runs on a page: the most
    common split of this data set's language-model runs, else the data set's example spec
    (assets/specs), else the defaults. Baselines train on the whole non-test part (no
    validation rows, like the seed notebook) and score the whole test split, which holds every
    sample of it: the page rescores them on the rows a language-model run used."""
    splits = Counter(
        tuple(_data(r).get(name) for name in SPLIT_FIELDS)
        for r in records
        if r.dataset == dataset and is_language_model(r) and is_complete(r)
    )
    if splits:
        values = dict(zip(SPLIT_FIELDS, splits.most_common(1)[0][0]))
        values = {k: v for k, v in values.items() if v is not None}
    else:
        values = example_split(dataset)
    return DataSpec(dataset=dataset, val_fraction=0.0, n_train=None, n_test=None, **values)


def baseline_labels(dataset: str) -> dict[str, str]:
    """The baselines of a data set, method -> label: logistic regression and XGBoost, or for
    recommendation questions popularity, item-based CF and XGBoost on their features."""
    from workbench.data import get_info
    from workbench.experiments.baseline import baseline_methods

    try:
        return baseline_methods(get_info(dataset))
    except WorkbenchError:  # an upload or a data set no longer registered
        return dict(BASELINE_LABELS)


def training_rows(data: DataSpec) -> int | None:
    """The training part's size under `data`'s split, from the data set's row count where it is
    known without loading it (kept tables); None otherwise."""
    from workbench.data import get_info
    from workbench.data.splits import share_of_rest

    try:
        rows = get_info(data.dataset).published_rows
    except WorkbenchError:
        return None
    if not rows or data.test_file or data.train_file:
        return None
    rest = rows - math.ceil(data.test_fraction * rows)
    return rest - (math.ceil(share_of_rest(data.test_fraction, data.val_fraction) * rest)
                   if data.val_fraction else 0)


def baseline_specs(
    data: DataSpec, grid: Sequence[int | None] | None = None, train_rows: int | None = None
) -> list[BaselineSpec]:
    """Each baseline of the data set at each training-set size of `grid` on `data`'s split;
    sizes of `train_rows` or more are left out (they would all train on the whole part)."""
    grid = BASELINE_GRID if grid is None else grid
    if train_rows is not None:
        grid = [n for n in grid if n is None or n < train_rows]
    return [
        BaselineSpec(method=method, data=data.model_copy(update={"n_train": n_train}))
        for method in baseline_labels(data.dataset)
        for n_train in grid
    ]


def run_baselines(
    specs: Sequence[BaselineSpec], store, progress: Callable[[str, int, int], None],
    should_stop: Callable[[], bool],
) -> dict:
    """Run (or find in the store) each spec in turn; a background job. Returns counts."""
    from workbench.experiments import run  # loads the model registry: only when running

    counts = {"ran": 0, "from the store": 0, "failed": 0}
    for position, spec in enumerate(specs):
        if should_stop():
            break
        rows = "all" if spec.data.n_train is None else f"{spec.data.n_train:,}"
        stage = f"{baseline_labels(spec.data.dataset).get(spec.method, spec.method)} on {rows} training rows"
        progress(stage, position, len(specs))
        outcome = run(spec, store=store, should_stop=should_stop)
        if outcome.record.status != "done":
            counts["failed"] += 1
        else:
            counts["from the store" if outcome.cached else "ran"] += 1
        progress(stage, position + 1, len(specs))
    return counts


def counts_sentence(counts: Mapping[str, int]) -> str:
    """"10 baseline runs: 8 ran, 2 from the store"."""
    total = sum(counts.values())
    parts = [f"{value} {name}" for name, value in counts.items() if value]
    return f"{total} baseline run{'s' if total != 1 else ''}: " + ", ".join(parts)
