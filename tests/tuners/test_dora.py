"""DoRA, the method added as one module (workbench/tuners/dora.py) and one registry line: the spec,
the form, the estimate and the checks know it from its entry; it trains end to end on the tiny
model (and, marked slow, on the default model), and its adapter reloads with the stored answers."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.ui.apptest import assert_no_exception, open_page_with_model
from workbench.experiments import run
from workbench.export import export_run
from workbench.prompts import PromptBuilder
from workbench.rows import prepare_rows
from workbench.scoring import score_prompts
from workbench.specs import FinetuneSpec, parse_spec, read_yaml
from workbench.store import RUNS_ENV, Store
from workbench.supervisor import PROJECT_ROOT
from workbench.training import build_trainable, count_parameters
from workbench.training.checks import SplitSizes, spec_problems
from workbench.training.estimate import estimate
from workbench.training.method_options import shown_options
from workbench.training.speed_probe import SPEEDS_ENV, probing_devices, stop_probes
from workbench.tuners import PEFT_METHODS, TUNERS
from workbench.ui import training_form as tf
from workbench.ui.run_state import forget_supervisor

TINY = {"name": "tiny-random-llama", "dtype": "float32"}


def tiny_spec(**training) -> FinetuneSpec:
    options = {"method": "dora", "max_steps": 2, "batch_size": 4, "precision": "fp32",
               "learning_rate": 0.05, **training}
    return FinetuneSpec(model=TINY, data={"n_train": 16, "n_test": 8, "val_fraction": 0.002},
                        training=options, batch_size=4)


def test_dora_is_a_method_of_the_spec_with_lora_s_options():
    spec = parse_spec({"kind": "finetune", "training": {"method": "dora", "lora_r": 4}})
    assert spec.training.method == "dora" and "dora" in PEFT_METHODS
    assert TUNERS["dora"].options == TUNERS["lora"].options
    assert shown_options("dora", "label_words") == shown_options("lora", "label_words")


def test_the_built_model_trains_magnitudes_and_low_rank_matrices():
    built = build_trainable(tiny_spec(lora_r=4), num_labels=2)
    assert built.model.peft_config["default"].use_dora
    trainable = {name for name, p in built.model.named_parameters() if p.requires_grad}
    assert any("lora_magnitude_vector" in name for name in trainable)
    assert any("lora_A" in name for name in trainable) and any("lora_B" in name for name in trainable)
    lora = build_trainable(tiny_spec(method="lora", lora_r=4), num_labels=2)
    magnitudes = count_parameters(built.model)[0] - count_parameters(lora.model)[0]
    assert magnitudes > 0  # one per output of each adapted layer


def test_the_estimate_and_the_checks_read_its_entry(tmp_path, monkeypatch):
    monkeypatch.setenv(SPEEDS_ENV, str(tmp_path / "speeds"))  # the reference speeds, unmeasured
    dora, lora = estimate(tiny_spec()), estimate(tiny_spec(method="lora"))
    assert "DoRA run" in dora.basis and dora.seconds > lora.seconds  # slower steps
    assert dora.trainable_parameters == count_parameters(build_trainable(tiny_spec(), 2).model)[0]
    problems = spec_problems(tiny_spec(target_modules=["nope"]), SplitSizes(100, 10, 20),
                             "California housing", ["q_proj", "v_proj"])
    assert [problem.message for problem in problems] == [
        "Target modules: `nope` is not a Linear layer of this model. Its Linear layers: "
        "q_proj, v_proj."]


def test_dora_trains_on_the_tiny_model_and_its_adapter_reloads(tmp_path):
    store = Store(tmp_path / "runs")
    spec = tiny_spec()
    record = run(spec, store=store).record
    assert record.status == "done", record.error
    assert record.method == "dora" and record.metrics["steps"] == 2
    assert len(store.predictions(record.id)) == 8
    adapter = json.loads((record.folder / "adapter" / "adapter_config.json").read_text())
    assert adapter["use_dora"] is True
    folder = export_run(store, record.id, tmp_path / "export")
    code = re.search(r"```python\n(.*?)```", (folder / "README.md").read_text(), re.S).group(1)
    loaded = {}
    exec(code, loaded)  # the exported README's own code loads the adapter with peft
    rows = prepare_rows(spec.data)
    builder = PromptBuilder(spec.template, rows.info, tokenizer=loaded["tokenizer"], train=rows.train)
    result = score_prompts(loaded["model"], loaded["tokenizer"], builder.prompts(rows.test),
                           builder.answer_words, batch_size=4)
    stored = store.predictions(record.id)[["p_no", "p_yes"]].to_numpy()
    np.testing.assert_allclose(result.probabilities, stored, atol=1e-4)


def test_the_training_form_offers_dora_with_lora_s_widgets(tmp_path, monkeypatch):
    monkeypatch.setenv(RUNS_ENV, str(tmp_path / "runs"))
    forget_supervisor()  # the page's run supervisor starts on this store
    try:
        at = open_page_with_model("pages/3_Training.py", "tiny-random-llama", 120)
        assert "DoRA" in at.selectbox(key=tf.key("method")).options  # its title
        at.selectbox(key=tf.key("method")).set_value("dora").run()
        assert_no_exception(at)
        labels = {widget.label for widget in [*at.number_input, *at.multiselect, *at.text_input]}
        assert {"Rank r", "Alpha", "Dropout", "Target modules"} <= labels
        assert TUNERS["dora"].summary in {caption.value for caption in at.main.caption}
        at.number_input(key=tf.key("lora_r")).set_value(4).run()
        text = next(code.value for code in at.main.code if code.value.startswith("kind: finetune"))
        spec = parse_spec(read_yaml(text))
        assert spec.training.method == "dora" and spec.training.lora_r == 4
        assert "DoRA" in spec.name
    finally:
        # The page measures an unmeasured method's speed in the background: end that probe, or
        # the next page test in this process would find the device busy.
        for device in probing_devices():
            stop_probes(device)
        forget_supervisor()


@pytest.mark.slow
@pytest.mark.timeout(3600)  # minutes of training on an idle 2-core CPU, many more on a busy one
def test_dora_on_the_default_model_beats_zero_shot(tmp_path):
    """The README's California LoRA spec with method dora, through the command line, on 256
    training rows; scored on the same 200 test rows as zero-shot."""

    def cli_run(spec: str, *overrides: str) -> dict:
        command = [sys.executable, "-m", "workbench", "run", f"assets/specs/{spec}", *overrides,
                   "--json", "--store", str(tmp_path)]
        done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=3000)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)

    zero_shot = cli_run("california-zero-shot.yaml", "--set", "n_test=200")
    dora = cli_run("california-lora.yaml", "--set", "method=dora", "--set", "n_train=256",
                   "--set", "n_test=200", "--set", "training.lora_dropout=0",
                   "--set", "training.val_rows=64")
    assert dora["status"] == "done" and dora["metrics"]["method"] == "dora"
    assert dora["metrics"]["n_train"] == 256
    assert dora["metrics"]["test"]["n"] == zero_shot["metrics"]["test"]["n"] == 200
    gain = dora["metrics"]["test"]["auc"] - zero_shot["metrics"]["test"]["auc"]
    assert gain >= 0.05, (f"DoRA {dora['metrics']['test']['auc']:.3f} vs zero-shot "
                          f"{zero_shot['metrics']['test']['auc']:.3f}")
