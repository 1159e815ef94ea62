"""Export a stored run to a folder of its own: its artifacts, its trained weights (a peft adapter/
or a whole model/), its test prompts, and a run card (README.md, workbench.run_card) that says
what the run is and how to load it and reproduce its predictions without the workbench.

    export_run(Store(), "20250101-120000-finetune-abc123", Path("exports/lora-california"))
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.run_card import Replay, card
from workbench.specs import parse_spec
from workbench.experiments.finetune import ADAPTER_FOLDER, MODEL_FOLDER
from workbench.experiments.history import HISTORY_FILE
from workbench.store import METRICS_FILE, PREDICTIONS_FILE, SPEC_FILE, RunRecord, Store
from workbench.training.methods import CLASSIFIER_METHODS

ARTIFACTS = (SPEC_FILE, METRICS_FILE, PREDICTIONS_FILE, HISTORY_FILE)
PROMPTS_FILE = "prompts.jsonl"  # the test rows' prompts, rebuilt from the spec at export
SCORING_FILE = "scoring.json"  # the answer words and their token ids
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
    replay = write_prompts(record, target)
    (target / "README.md").write_text(readme(record, target.resolve(), replay), encoding="utf-8")
    return target


def _tokenizer(record: RunRecord, spec):
    """The tokenizer saved beside the run's weights, else the base model's."""
    from workbench.models.tokenizer import preview_tokenizer

    for name in WEIGHT_FOLDERS:
        if (record.folder / name).is_dir():
            from transformers import AutoTokenizer

            return AutoTokenizer.from_pretrained(record.folder / name)
    return preview_tokenizer(spec.model.name)


def write_prompts(record: RunRecord, target: Path) -> Replay:
    """Rebuild the run's test prompts from its spec into prompts.jsonl (and the answer token ids
    into scoring.json), and check that the data and model still give the run's cache key."""
    if record.kind not in ("evaluate", "finetune"):
        return Replay()
    from workbench.experiments import prepare_inputs, spec_key
    from workbench.rows import ROW_ID
    from workbench.models.fingerprint import model_fingerprint
    from workbench.prompts import PromptBuilder
    from workbench.scoring import answer_token_ids

    try:
        spec = parse_spec(record.spec)
        rows = prepare_inputs(spec)
        tokenizer = _tokenizer(record, spec)
        builder = PromptBuilder(spec.template, rows.info, tokenizer=tokenizer, train=rows.train)
        prompts = builder.prompts(rows.test)
        answer_ids = answer_token_ids(tokenizer, builder.answer_words)
    except (WorkbenchError, OSError, ValueError) as error:
        return Replay(problem=f"its prompts could not be rebuilt here ({error}).")
    labels = rows.test[rows.info.label_column].astype(str).tolist()
    with open(target / PROMPTS_FILE, "w", encoding="utf-8") as out:
        for row_id, label, prompt in zip(rows.test[ROW_ID].tolist(), labels, prompts):
            out.write(json.dumps({"row_id": row_id, "label": label, "prompt": prompt}) + "\n")
    scoring = {"classes": list(rows.info.classes), "answer_words": builder.answer_words,
               "answer_token_ids": answer_ids}
    (target / SCORING_FILE).write_text(json.dumps(scoring, indent=2), encoding="utf-8")
    return Replay(
        data_fingerprint=rows.fingerprint, model_fingerprint=model_fingerprint(spec.model.name),
        key_matches=spec_key(spec, rows) == record.cache_key,
        example_prompt=prompts[0] if prompts else None, prompts_written=len(prompts),
        answer_ids=answer_ids,
    )


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


def reproducing_code(record: RunRecord, folder: Path) -> str | None:
    """Python that scores the first 20 exported prompts the workbench's way and prints them beside
    the stored probabilities; it continues `loading_code` (which defines tokenizer and model)."""
    if loading_code(record, folder) is None:
        return None
    autocast = ""
    if record.metrics.get("precision") == "bf16":
        device = "cuda" if record.metrics.get("device") == "cuda" else "cpu"
        autocast = f', torch.autocast("{device}", dtype=torch.bfloat16)'
    lines = [
        "import json", "", "import pandas as pd", "import torch", "",
        f'scoring = json.load(open("{folder / SCORING_FILE}"))',
        f'rows = [json.loads(line) for line in open("{folder / PROMPTS_FILE}")][:20]',
        f'stored = pd.read_parquet("{folder / PREDICTIONS_FILE}").set_index("row_id")',
        "",
    ]
    if record.method in CLASSIFIER_METHODS:
        lines += [
            "def class_probabilities(prompt):",
            '    inputs = tokenizer(prompt, return_tensors="pt")',
            "    return model(**inputs).logits[0].float().softmax(-1)",
        ]
    else:
        lines += [
            "def class_probabilities(prompt):",
            '    """Each class: the summed log-probabilities of its answer tokens after the prompt."""',
            '    prompt_ids = tokenizer(prompt)["input_ids"]',
            "    scores = []",
            '    for answer_ids in scoring["answer_token_ids"]:',
            "        ids = torch.tensor([prompt_ids + answer_ids[:-1]])",
            "        log_probs = model(input_ids=ids).logits[0, -len(answer_ids):].float().log_softmax(-1)",
            "        scores.append(log_probs[torch.arange(len(answer_ids)), answer_ids].sum())",
            "    return torch.stack(scores).softmax(0)",
        ]
    lines += [
        "",
        "largest = 0.0",
        f"with torch.no_grad(){autocast}:",
        "    for row in rows:",
        '        ours = class_probabilities(row["prompt"]).tolist()',
        '        theirs = [float(stored.loc[row["row_id"], f"p_{name}"]) for name in scoring["classes"]]',
        "        largest = max(largest, *(abs(a - b) for a, b in zip(ours, theirs)))",
        '        print(row["row_id"], [round(p, 6) for p in ours], "stored:", [round(p, 6) for p in theirs])',
        'print(f"largest difference from the stored probabilities: {largest:.2e}")',
    ]
    return "\n".join(lines)


def reading_text(record: RunRecord) -> str | None:
    if record.kind not in ("evaluate", "finetune"):
        return None
    if record.method in CLASSIFIER_METHODS:
        return "takes the softmax of the classification layer's logits, read at the prompt's last token"
    return (f"reads the probabilities of the answer words {record.metrics.get('answer_words')} "
            "from the next-token logits after it, renormalised over those words")


def readme(record: RunRecord, folder: Path, replay: Replay | None = None) -> str:
    replay = replay or Replay()
    code = reproducing_code(record, folder) if replay.prompts_written else None
    return card(record, replay, loading_code(record, folder), code, reading_text(record))
