"""Export a stored run to a folder of its own: its artifacts, its trained weights (a peft adapter/
or a whole model/), and a README that says what the run is and how to load it without the
workbench.

    export_run(Store(), "20250101-120000-finetune-abc123", Path("exports/lora-california"))
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.experiments.finetune import ADAPTER_FOLDER, MODEL_FOLDER
from workbench.experiments.history import HISTORY_FILE
from workbench.metrics import interval_text
from workbench.store import METRICS_FILE, PREDICTIONS_FILE, SPEC_FILE, RunRecord, Store
from workbench.training.methods import CLASSIFIER_METHODS

ARTIFACTS = (SPEC_FILE, METRICS_FILE, PREDICTIONS_FILE, HISTORY_FILE)
WEIGHT_FOLDERS = (ADAPTER_FOLDER, MODEL_FOLDER)  # finetune.save_trained writes one of them


class ExportError(WorkbenchError):
    """The run or the target folder cannot be exported as asked."""


def export_run(store: Store, run_id: str, target: Path) -> Path:
    """Copy the run's files into `target` (new or empty) and write its README.md there."""
    record = store.get(run_id)
    if not (record.folder / METRICS_FILE).is_file():
        raise ExportError(f"Run {run_id} is {record.status} and has no results to export yet.")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ExportError(f"{target} is not empty: export into a new or empty folder.")
    target.mkdir(parents=True, exist_ok=True)
    for name in ARTIFACTS:
        if (record.folder / name).is_file():
            shutil.copy2(record.folder / name, target / name)
    for name in WEIGHT_FOLDERS:
        if (record.folder / name).is_dir():
            shutil.copytree(record.folder / name, target / name)
    (target / "README.md").write_text(readme(record, target.resolve()), encoding="utf-8")
    return target


def _base_source(record: RunRecord) -> str:
    """The folder or hub id the adapter was trained on, as peft recorded it."""
    config = record.folder / ADAPTER_FOLDER / "adapter_config.json"
    try:
        return json.loads(config.read_text())["base_model_name_or_path"] or record.model
    except (OSError, ValueError, KeyError):
        return record.model or "<base model>"


def loading_code(record: RunRecord, folder: Path) -> str | None:
    """Python that loads the exported weights; None for a run without weights."""
    classifier = record.method in CLASSIFIER_METHODS
    auto = "AutoModelForSequenceClassification" if classifier else "AutoModelForCausalLM"
    if (record.folder / ADAPTER_FOLDER).is_dir():
        labels = f", num_labels={len(record.metrics.get('answer_words') or ()) or 2}" if classifier else ""
        lines = [
            "from peft import PeftModel",
            f"from transformers import {auto}, AutoTokenizer",
            "",
            f'tokenizer = AutoTokenizer.from_pretrained("{folder / ADAPTER_FOLDER}")',
            f'base = {auto}.from_pretrained("{_base_source(record)}"{labels})',
        ]
        if classifier:  # the head reads each row's last real token
            lines.append("base.config.pad_token_id = tokenizer.pad_token_id")
        lines.append(f'model = PeftModel.from_pretrained(base, "{folder / ADAPTER_FOLDER}").eval()')
    elif (record.folder / MODEL_FOLDER).is_dir():
        lines = [
            f"from transformers import {auto}, AutoTokenizer",
            "",
            f'tokenizer = AutoTokenizer.from_pretrained("{folder / MODEL_FOLDER}")',
            f'model = {auto}.from_pretrained("{folder / MODEL_FOLDER}").eval()',
        ]
    else:
        return None
    return "\n".join(lines)


def readme(record: RunRecord, folder: Path) -> str:
    metrics = record.metrics
    test = metrics.get("test", {})
    method = metrics.get("method") or record.method
    model = f" on {record.model}" if record.model else ""
    lines = [
        f"# Run {record.id}",
        "",
        f"{method}{model}, data set {record.dataset} ({metrics.get('n_train', '?')} training rows): "
        f"test AUC {interval_text(test.get('auc'), test.get('auc_ci'))} on {test.get('n', '?')} "
        f"test rows. Status: {record.status}.",
        "",
        "- `spec.yaml`: the run's spec; `python -m workbench run spec.yaml` runs it again.",
        "- `metrics.json`: test metrics and how the run went; `predictions.parquet`: per test row, "
        "the label and one probability per class (`p_<class>`).",
    ]
    if (record.folder / HISTORY_FILE).is_file():
        lines.append(f"- `{HISTORY_FILE}`: the training loss and validation metrics, step by step.")
    code = loading_code(record, folder)
    if code is None:
        lines += ["", "This run trained no language-model weights: the files above are all it has."]
        return "\n".join(lines) + "\n"
    if record.method in CLASSIFIER_METHODS:
        reading = ("takes the softmax of the classification layer's logits, read at the prompt's "
                   "last token")
    else:
        reading = (f"reads the probabilities of the answer words {metrics.get('answer_words')} "
                   "from the next-token logits after it, renormalised over those words")
    lines += [
        "", "## Loading it", "", "```python", code, "```", "",
        f"The workbench writes each row as a prompt (the template is in `spec.yaml`) and {reading}.",
    ]
    return "\n".join(lines) + "\n"
