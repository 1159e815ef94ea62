"""What every fine-tuning method added as one module must show (tests/tuners/test_<method>.py):
it trains end to end on the tiny model and its exported adapter reloads with the stored answers,
the Training form offers it with its options, and on the default model it beats zero-shot."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np

from tests.ui.apptest import assert_no_exception, open_page_with_model
from workbench.experiments import run
from workbench.export import export_run
from workbench.prompts import PromptBuilder
from workbench.rows import prepare_rows
from workbench.scoring import score_prompts
from workbench.specs import FinetuneSpec, parse_spec, read_yaml
from workbench.store import RUNS_ENV, Store
from workbench.supervisor import PROJECT_ROOT
from workbench.training.checks import SplitSizes, spec_problems
from workbench.training.estimate import Estimate, estimate
from workbench.training.speed_probe import SPEEDS_ENV, probing_devices, stop_probes
from workbench.tuners import TUNERS
from workbench.ui import training_form as tf
from workbench.ui.run_state import forget_supervisor

TINY = {"name": "tiny-random-llama", "dtype": "float32"}


def tiny_spec(method: str, **training) -> FinetuneSpec:
    options = {"method": method, "max_steps": 2, "batch_size": 4, "precision": "fp32",
               "learning_rate": 0.05, **training}
    return FinetuneSpec(model=TINY, data={"n_train": 16, "n_test": 8, "val_fraction": 0.002},
                        training=options, batch_size=4)


def estimates_and_checks(monkeypatch, tmp_path, method: str) -> tuple[Estimate, Estimate]:
    """The estimate and the checks read the method's entry: its estimate names it, and a target
    module the model lacks is answered in words. Returns its estimate and LoRA's, from the
    reference speeds (nothing measured)."""
    monkeypatch.setenv(SPEEDS_ENV, str(tmp_path / "speeds"))
    guess, lora = estimate(tiny_spec(method)), estimate(tiny_spec("lora"))
    assert f"{TUNERS[method].title} run" in guess.basis
    problems = spec_problems(tiny_spec(method, target_modules=["nope"]), SplitSizes(100, 10, 20),
                             "California housing", ["q_proj", "v_proj"])
    assert [problem.message for problem in problems] == [
        "Target modules: `nope` is not a Linear layer of this model. Its Linear layers: "
        "q_proj, v_proj."]
    return guess, lora


def trains_and_reloads(tmp_path, method: str) -> dict:
    """Trains two steps on the tiny model, exports the run, loads the adapter with the exported
    README's own code and checks its answers against the stored ones; returns the adapter's
    config."""
    store = Store(tmp_path / "runs")
    spec = tiny_spec(method)
    record = run(spec, store=store).record
    assert record.status == "done", record.error
    assert record.method == method and record.metrics["steps"] == 2
    assert len(store.predictions(record.id)) == 8
    adapter = json.loads((record.folder / "adapter" / "adapter_config.json").read_text())
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
    return adapter


def form_offers(monkeypatch, tmp_path, method: str, labels: set[str],
                rank: int = 4) -> tuple[FinetuneSpec, set[str]]:
    """Picks the method on the Training page by its title, checks its summary and that its option
    widgets include `labels`, sets the rank; returns the spec the page shows and the widgets' labels."""
    monkeypatch.setenv(RUNS_ENV, str(tmp_path / "runs"))
    forget_supervisor()  # the page's run supervisor starts on this store
    try:
        at = open_page_with_model("pages/3_Training.py", "tiny-random-llama", 120)
        assert TUNERS[method].title in at.selectbox(key=tf.key("method")).options
        at.selectbox(key=tf.key("method")).set_value(method).run()
        assert_no_exception(at)
        shown = {widget.label for widget in [*at.number_input, *at.multiselect, *at.text_input]}
        assert labels <= shown, shown
        assert TUNERS[method].summary in {caption.value for caption in at.main.caption}
        at.number_input(key=tf.key("lora_r")).set_value(rank).run()
        text = next(code.value for code in at.main.code if code.value.startswith("kind: finetune"))
        spec = parse_spec(read_yaml(text))
        assert spec.training.method == method and spec.training.lora_r == rank
        assert TUNERS[method].title in spec.name
        return spec, shown
    finally:
        # The page measures an unmeasured method's speed in the background: end that probe, or
        # the next page test in this process would find the device busy.
        for device in probing_devices():
            stop_probes(device)
        forget_supervisor()


def gain_over_zero_shot(tmp_path, method: str, *overrides: str) -> float:
    """The README's California LoRA spec with this method, through the command line, on 256
    training rows, against zero-shot on the same 200 test rows: the test AUC gained."""

    def cli_run(spec: str, *more: str) -> dict:
        command = [sys.executable, "-m", "workbench", "run", f"assets/specs/{spec}", *more,
                   "--json", "--store", str(tmp_path)]
        done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=3000)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)

    zero_shot = cli_run("california-zero-shot.yaml", "--set", "n_test=200")
    tuned = cli_run("california-lora.yaml", "--set", f"method={method}", "--set", "n_train=256",
                    "--set", "n_test=200", "--set", "training.val_rows=64",
                    # the recipe these checks were measured with: dropout 0.05, validation rows,
                    # each number beside its level
                    "--set", "training.lora_dropout=0.05", "--set", "data.val_fraction=0.1",
                    "--set", "template.levels_only=false",
                    *overrides)
    assert tuned["status"] == "done" and tuned["metrics"]["method"] == method
    assert tuned["metrics"]["n_train"] == 256
    assert tuned["metrics"]["test"]["n"] == zero_shot["metrics"]["test"]["n"] == 200
    print(f"{method} {tuned['metrics']['test']['auc']:.3f} vs zero-shot "
          f"{zero_shot['metrics']['test']['auc']:.3f}")
    return tuned["metrics"]["test"]["auc"] - zero_shot["metrics"]["test"]["auc"]
