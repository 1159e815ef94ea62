"""A stored run can be reproduced: the same spec and seed give the same predictions, and an
exported adapter, loaded with plain transformers + peft by the code in its run card, gives the
stored probabilities."""

import re
import subprocess
import sys

import numpy as np
import pytest

from workbench.experiments import run
from workbench.export import export_run
from workbench.specs import FinetuneSpec
from workbench.store import Store

SPEC = FinetuneSpec(
    name="tiny LoRA, reproduced", model={"name": "tiny-random-llama", "dtype": "float32"},
    data={"n_train": 32, "n_test": 20, "val_fraction": 0.002},
    training={"method": "lora", "max_steps": 3, "batch_size": 8, "precision": "fp32",
              "learning_rate": 0.05, "lora_dropout": 0.1},  # dropout: the seed must fix it too
    batch_size=4,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return Store(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def first_run(store):
    record = run(SPEC, store=store).record
    assert record.status == "done", record.error
    return record


def test_the_same_spec_and_seed_give_the_same_predictions(store, first_run):
    again = run(SPEC, store=store, force=True).record
    assert again.id != first_run.id and again.status == "done"
    first, second = store.predictions(first_run.id), store.predictions(again.id)
    assert first["row_id"].tolist() == second["row_id"].tolist()
    np.testing.assert_array_equal(first[["p_no", "p_yes"]].to_numpy(), second[["p_no", "p_yes"]].to_numpy())
    other_seed = run(SPEC.model_copy(update={"training": SPEC.training.model_copy(update={"seed": 1})}),
                     store=store).record
    assert np.abs(store.predictions(other_seed.id)["p_yes"] - first["p_yes"]).max() > 1e-6


def test_an_exported_adapter_reproduces_the_stored_predictions_outside_the_workbench(
    store, first_run, tmp_path
):
    folder = export_run(store, first_run.id, tmp_path / "export")
    assert {"prompts.jsonl", "scoring.json", "adapter", "README.md"} <= {p.name for p in folder.iterdir()}
    card = (folder / "README.md").read_text()
    code = "\n\n".join(re.findall(r"```python\n(.*?)```", card, re.S))
    assert "PeftModel.from_pretrained" in code
    script = tmp_path / "reproduce.py"
    script.write_text(code + '\nimport sys\nassert not any(m.startswith("workbench") for m in sys.modules)\n')
    # -I: no PYTHONPATH, no current folder on the path: the workbench cannot be imported
    result = subprocess.run([sys.executable, "-I", str(script)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if "stored:" in line]
    assert len(rows) == 20
    largest = float(result.stdout.strip().splitlines()[-1].rsplit(" ", 1)[1])
    assert largest < 1e-5
    stored = store.predictions(first_run.id)
    assert stored["p_yes"].std() > 1e-4  # the rows differ, so matching them means something


def test_the_run_card_says_what_the_run_is_and_what_it_ran_on(store, first_run, tmp_path):
    card = (export_run(store, first_run.id, tmp_path / "export") / "README.md").read_text()
    for heading in ("## Data and split", "## Prompt template", "## Model, method and hyper-parameters",
                    "## Test metrics", "## Time, hardware and libraries", "## Reproducing the predictions"):
        assert heading in card
    test = first_run.metrics["test"]
    assert f"{test['auc']:.3f} [{test['auc_ci'][0]:.3f}, {test['auc_ci'][1]:.3f}]" in card
    assert "| training.learning_rate | 0.05 |" in card and "| split_seed | 42 |" in card
    assert "model fingerprint | tiny-random-llama:" in card and "data fingerprint |" in card
    assert "the same data and model" in card  # the fingerprints recomputed give the run's key
    assert "transformers " in card and "torch " in card and "| processes | 1 |" in card
    assert "Is this house block valuable?" in card  # the first test row's prompt
