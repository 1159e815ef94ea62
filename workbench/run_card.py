"""A run's card: the README.md an export writes beside the run's files. It says what the run is
(data set and split, template, model, method, hyper-parameters), how well it did (test metrics
with their 95 % intervals), what it ran on (time, hardware, library versions), which data and
model it saw (their fingerprints), and holds Python that reproduces its predictions without the
workbench.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from workbench.experiments.history import HISTORY_FILE
from workbench.metrics import interval_text
from workbench.store import RunRecord

# metrics.json `test` entries worth a row of the card, in this order
METRIC_ROWS = (("auc", "ROC AUC"), ("accuracy", "accuracy"), ("f1", "F1"), ("brier", "Brier score"),
               ("log_loss", "log loss"), ("positive_rate", "positive rate"))


@dataclass
class Replay:
    """What export recomputed from the spec to check and reproduce the run."""
    data_fingerprint: str | None = None
    model_fingerprint: str | None = None
    key_matches: bool | None = None  # do they give the run's stored cache key?
    example_prompt: str | None = None
    prompts_written: int = 0
    problem: str | None = None  # why the prompts could not be rebuilt
    answer_ids: list[list[int]] = field(default_factory=list)


def _when(timestamp: float | None) -> str:
    if not timestamp:
        return "-"
    return dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _seconds(value) -> str:
    return f"{value:.1f} s" if isinstance(value, (int, float)) else "-"


def _table(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _flat(section: dict | None, prefix: str = "") -> list[tuple[str, object]]:
    items = []
    for key, value in (section or {}).items():
        if isinstance(value, dict):
            items += _flat(value, f"{prefix}{key}.")
        else:
            items.append((f"{prefix}{key}", "-" if value is None else value))
    return items


def summary(record: RunRecord) -> list[str]:
    metrics, test = record.metrics, record.metrics.get("test", {})
    method = metrics.get("method") or record.method
    model = f" on {record.model}" if record.model else ""
    return [
        f"# Run {record.id}" + (f": {record.name}" if record.name else ""),
        "",
        f"{method}{model}, data set {record.dataset} ({metrics.get('n_train', '?')} training rows): "
        f"test AUC {interval_text(test.get('auc'), test.get('auc_ci'))} on {test.get('n', '?')} "
        f"test rows. Status: {record.status}.",
    ]


def data_section(record: RunRecord, replay: Replay) -> list[str]:
    data, metrics = record.spec.get("data", {}), record.metrics
    rows = [("data set", record.dataset), ("data fingerprint", replay.data_fingerprint or "-"),
            ("rows", f"{metrics.get('n_train', '?')} train, {metrics.get('n_val', 0)} validation, "
                     f"{metrics.get('n_test', '?')} test")]
    rows += [(name, value) for name, value in _flat(data) if name != "dataset"]
    rows += data_provenance(record.dataset)
    return ["", "## Data and split", "", *_table(("setting", "value"), rows)]


def data_provenance(dataset: str) -> list[tuple[str, str]]:
    """A kept table's file, sha256, label choice and column roles; [] for a registered data set,
    and a line saying so for a data set no longer kept."""
    from workbench.data import get_info
    from workbench.errors import WorkbenchError

    try:
        return [(name, _cell(value)) for name, value in get_info(dataset).provenance]
    except WorkbenchError:
        return [("data set", f"{dataset} is no longer kept here: its file, label choice and "
                              "roles were not found at export")]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def prompt_section(record: RunRecord, replay: Replay) -> list[str]:
    template = record.spec.get("template")
    if not template:
        return []
    lines = ["", "## Prompt template", "", *_table(("setting", "value"), _flat(template))]
    if replay.example_prompt:
        lines += ["", "The first test row's prompt:", "", "```text", replay.example_prompt, "```"]
    if record.metrics.get("answer_words"):
        lines += ["", f"Answer words (one per class): {record.metrics['answer_words']}, token ids "
                      f"{replay.answer_ids or '-'}."]
    return lines


def model_section(record: RunRecord, replay: Replay) -> list[str]:
    spec, metrics = record.spec, record.metrics
    rows = [("method", metrics.get("method") or record.method)]
    if record.model:
        rows += [("model", record.model), ("model fingerprint", replay.model_fingerprint or "-")]
        rows += [(f"model.{name}", value) for name, value in _flat(spec.get("model")) if name != "name"]
    if metrics.get("trainable_parameters"):
        rows.append(("trainable parameters", f"{metrics['trainable_parameters']:,} of "
                                             f"{metrics.get('total_parameters', 0):,}"))
    hyper = spec.get("training") or {k: v for k, v in spec.items() if k in ("params", "method")}
    rows += [(f"training.{name}", value) for name, value in _flat(hyper)]
    if replay.key_matches is not None:
        rows.append(("cache key", f"{record.cache_key} ("
                     + ("the data and model fingerprints above give it: the same data and model"
                        if replay.key_matches else
                        "the data or the model has CHANGED since the run: its key no longer matches")
                     + ")"))
    return ["", "## Model, method and hyper-parameters", "", *_table(("setting", "value"), rows)]


def metrics_section(record: RunRecord) -> list[str]:
    test = record.metrics.get("test", {})
    rows = [(label, interval_text(test.get(key), test.get(f"{key}_ci")))
            for key, label in METRIC_ROWS if key in test]
    lines = ["", "## Test metrics", "", f"On {test.get('n', '?')} test rows "
             f"(class counts {test.get('class_counts', '?')} for {test.get('class_names', '?')}).", ""]
    return lines + _table(("metric", "value [95 % interval]"), rows)


def environment_section(record: RunRecord) -> list[str]:
    metrics = record.metrics
    environment = metrics.get("environment") or {}
    hardware, libraries = environment.get("hardware", {}), environment.get("libraries", {})
    rows = [("created", _when(record.created_at)), ("started", _when(record.started_at)),
            ("finished", _when(record.finished_at)), ("run time", _seconds(metrics.get("seconds"))),
            ("training time", _seconds(metrics.get("training_seconds"))),
            ("scoring time", _seconds(metrics.get("scoring_seconds"))),
            ("device", f"{metrics.get('device', '-')}, {metrics.get('dtype', '-')} weights, "
                       f"{metrics.get('precision', '-')} compute")]
    rows += [(name, value) for name, value in _flat(hardware)]
    lines = ["", "## Time, hardware and libraries", "", *_table(("setting", "value"), rows)]
    if libraries:
        lines += ["", "Library versions: " + ", ".join(f"{name} {version}"
                                                      for name, version in libraries.items()) + "."]
    else:
        lines += ["", "This run was made before the workbench recorded hardware and library versions."]
    return lines


def files_section(record: RunRecord, replay: Replay) -> list[str]:
    lines = [
        "", "## Files", "",
        "- `spec.yaml`: the run's spec; `python -m workbench run spec.yaml` runs it again.",
        "- `metrics.json`: test metrics and how the run went; `predictions.parquet`: per test row, "
        "the label and one probability per class (`p_<class>`).",
    ]
    if (record.folder / HISTORY_FILE).is_file():
        lines.append(f"- `{HISTORY_FILE}`: the training loss and validation metrics, step by step.")
    if replay.prompts_written:
        lines.append(f"- `prompts.jsonl`: the {replay.prompts_written} test rows' prompts (row_id, "
                     "label, prompt); `scoring.json`: the answer words and their token ids.")
    elif replay.problem:
        lines.append(f"- No `prompts.jsonl`: {replay.problem}")
    return lines


def card(record: RunRecord, replay: Replay, loading: str | None, reproducing: str | None,
         reading: str | None) -> str:
    lines = [*summary(record), *data_section(record, replay), *prompt_section(record, replay),
             *model_section(record, replay), *metrics_section(record), *environment_section(record),
             *files_section(record, replay)]
    if loading is None:
        lines += ["", "This run trained no language-model weights: the files above are all it has."]
    else:
        lines += ["", "## Loading it", "", "```python", loading, "```"]
    if reading:
        lines += ["", f"The workbench writes each row as a prompt (the template above) and {reading}."]
    if reproducing:
        lines += ["", "## Reproducing the predictions", "",
                  "Without the workbench: this scores the first 20 test prompts and compares them "
                  "with `predictions.parquet`.", "", "```python", reproducing, "```"]
    return "\n".join(lines) + "\n"
