"""AppTest of the Training page: the form built from the spec, presets, the estimate, problems as
messages, the YAML the CLI runs, stored runs with their metrics and "Try it", and a launch.

Runs go to a temporary store (WORKBENCH_RUNS); the sidebar's model is the tiny random Llama where
a model must load, so everything stays fast.
"""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.polling import wait_for
from tests.ui.apptest import (
    MODEL_PICKER, assert_no_exception, main_errors, main_metrics, open_page, open_page_with_model,
)
from workbench.experiments import run
from workbench.specs import EXAMPLE_SPECS, FinetuneSpec, load_spec, parse_spec, read_yaml, spec_to_yaml
from workbench.store import Store
from workbench.training.method_options import METHOD_INFO
from workbench.training.presets import PRESETS
from workbench.training.speed_probe import SPEEDS_ENV, probe_state
from workbench.ui import template_editor as te
from workbench.ui import training_form as tf
from workbench.reproduce import spec_file_name
from workbench.ui.training_launch import OPENED
from workbench.ui.try_it_box import cached_tuned

PAGE = "pages/3_Training.py"
TINY = "tiny-random-llama"
TIMEOUT = 120


def tiny_spec(method: str = "lora", **training) -> FinetuneSpec:
    options = {"method": method, "max_steps": 2, "batch_size": 4, "precision": "fp32", **training}
    return FinetuneSpec(
        name=f"tiny {method}", model={"name": TINY, "dtype": "float32"},
        data={"n_train": 16, "n_test": 8, "val_fraction": 0.002}, training=options, batch_size=4,
    )


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A store with a done LoRA run and a failed one, on the tiny model."""
    root = tmp_path_factory.mktemp("training-page-store")
    store = Store(root)
    done = run(tiny_spec(learning_rate=0.05), store=store).record
    assert done.status == "done", done.error
    failed = run(tiny_spec(target_modules=["nope"]), store=store).record
    assert failed.status == "failed"
    return root, done, failed


@pytest.fixture
def use_store(use_store):
    """The shared use_store (tests/ui/conftest.py), also emptying Try it's cached model."""

    def use(root) -> None:
        use_store(root)
        cached_tuned.clear()

    return use


@pytest.fixture
def empty_store(tmp_path, use_store):
    use_store(tmp_path / "runs")


def _page(model: str | None = None) -> AppTest:
    return open_page_with_model(PAGE, model, TIMEOUT)


def _method(at: AppTest, method: str) -> None:
    at.selectbox(key=tf.key("method")).set_value(method).run()
    assert_no_exception(at)


def _labels(at: AppTest) -> set[str]:
    widgets = [*at.number_input, *at.text_input, *at.multiselect, *at.radio, *at.checkbox]
    return {widget.label for widget in widgets}


def _yaml(at: AppTest) -> str:
    return next(code.value for code in at.main.code if code.value.startswith("kind: finetune"))


# --- the form ------------------------------------------------------------------------------------


def test_the_page_opens_with_the_form_and_the_estimate(empty_store):
    at = _page()
    assert at.title[0].value == "Training"
    assert at.selectbox(key=tf.PRESET).value == next(iter(PRESETS))
    assert at.selectbox(key=tf.DATASET).value == "california-housing"
    assert at.selectbox(key=tf.key("method")).value == "lora"
    assert at.number_input(key=tf.N_TRAIN).value == 256
    assert not main_errors(at)
    metrics = main_metrics(at)
    assert set(metrics) >= {"Trainable", "Memory", "Time"}
    assert metrics["Trainable"].endswith("M") and metrics["Memory"].endswith("GB")
    assert "min" in metrics["Time"]
    assert any("measured on this machine (LoRA speed probe" in caption.value
               for caption in at.main.caption)
    assert "No finished fine-tuning runs yet" in at.main.info[-1].value
    assert not at.button(key="tr_launch").disabled


def test_before_this_machine_is_measured_the_page_measures_it_in_the_background(
        empty_store, tmp_path, monkeypatch):
    monkeypatch.setenv(SPEEDS_ENV, str(tmp_path / "speeds"))
    at = open_page(None, TIMEOUT)  # the model picked first, so that only its probe starts
    at.sidebar.selectbox(key=MODEL_PICKER).set_value(TINY).run()
    at.switch_page(PAGE).run()
    assert_no_exception(at)
    spec = parse_spec(read_yaml(_yaml(at)))
    assert any("first guess, not measured on this machine" in caption.value
               for caption in at.main.caption)
    assert any("Measuring this machine's speed" in caption.value for caption in at.main.caption)
    assert probe_state(spec) == "running"
    wait_for(lambda: probe_state(spec) != "running", "the speed probe", timeout=120)
    at.run()
    assert any("measured on this machine (LoRA speed probe" in caption.value
               for caption in at.main.caption)
    assert not any("Measuring this machine's speed" in caption.value for caption in at.main.caption)


LORA = {"Rank r", "Alpha", "Dropout", "Target modules", "Custom module names (advanced)"}
OWN = {
    "lora": LORA, "qlora": LORA, "lora8bit": LORA, "head_lora": LORA,
    "last_layers": {"Blocks to train (k)"},
    "prefix": {"Virtual tokens"},
    "prompt": {"Virtual tokens", "Start the virtual tokens from this text"},
    "full": set(), "ia3": set(), "head": set(),
}


def test_each_method_shows_only_its_own_options(empty_store):
    at = _page(TINY)
    every_option = set().union(*OWN.values())
    for method, own in OWN.items():
        _method(at, method)
        labels = _labels(at)
        assert labels & every_option == own, method
        assert ("Objective" in labels) == (method not in ("head", "head_lora")), method
        assert METHOD_INFO[method].summary in {caption.value for caption in at.main.caption}
    _method(at, "lora")
    assert "Also learn the prompt tokens" not in _labels(at)
    at.radio(key=tf.key("objective")).set_value("alpaca").run()
    assert {"Also learn the prompt tokens", "End each answer with EOS"} <= _labels(at)


def test_options_of_another_method_stay_out_of_the_spec(empty_store):
    at = _page(TINY)
    at.number_input(key=tf.key("lora_r")).set_value(32).run()
    _method(at, "prompt")
    spec = parse_spec(read_yaml(_yaml(at)))
    assert spec.training.method == "prompt" and spec.training.lora_r == 8
    _method(at, "lora")
    assert at.number_input(key=tf.key("lora_r")).value == 32  # kept while hidden


def test_a_preset_fills_the_form(empty_store):
    at = _page(TINY)
    at.selectbox(key=tf.PRESET).set_value("Quick check: LoRA, 64 rows, 20 steps").run()
    assert_no_exception(at)
    assert at.number_input(key=tf.N_TRAIN).value == 64
    assert at.number_input(key=tf.key("max_steps")).value == 20
    assert at.number_input(key=tf.key("batch_size")).value == 8
    at.selectbox(key=tf.PRESET).set_value("Prompt tuning").run()
    assert at.selectbox(key=tf.key("method")).value == "prompt"
    assert at.number_input(key=tf.key("max_steps")).value is None  # the other preset's is gone
    spec = parse_spec(read_yaml(_yaml(at)))
    assert spec.training.learning_rate == pytest.approx(0.03) and spec.training.epochs == 2
    assert spec.data.dataset == "california-housing" and spec.model.name == TINY


def test_the_yaml_is_exactly_the_spec_the_cli_runs(empty_store):
    at = _page(TINY)
    at.number_input(key=tf.N_TRAIN).set_value(100).run()
    at.number_input(key=tf.key("eval_every")).set_value(5).run()
    text = _yaml(at)
    spec = parse_spec(read_yaml(text))
    assert spec_to_yaml(spec).rstrip("\n") == text  # st.code drops the last newline
    assert spec.data.n_train == 100 and spec.training.eval_every == 5
    assert spec.data.stratify is False  # the example spec's split protocol for California
    assert spec.model.name == TINY and spec.training.target_modules is None
    commands = [code.value for code in at.main.code if "-m workbench run" in code.value]
    file_name = "california-housing-lora-100-rows.yaml"  # named after the run
    assert commands[:1] == [f"python -m workbench run {file_name} --force"]
    assert any(line.startswith("torchrun --nproc_per_node=2 ") for line in commands)
    assert any(line.startswith("accelerate launch --config_file assets/accelerate/ddp.yaml") for line in commands)
    assert at.get("download_button")


def test_california_starts_from_the_template_its_recipe_was_measured_with(empty_store):
    at = _page(TINY)
    template = at.selectbox(key=tf.TEMPLATE)
    assert template.value == tf.RECIPE
    assert template.options[0] == "recipe: list, readable names, levels only (california-lora.yaml)"
    spec = parse_spec(read_yaml(_yaml(at)))
    assert spec.template == load_spec(EXAMPLE_SPECS / "california-lora.yaml").template
    assert any(code.value.startswith("- median income: ") for code in at.main.code)
    template.set_value("list").run()
    assert_no_exception(at)
    assert not parse_spec(read_yaml(_yaml(at))).template.number_levels


def test_the_template_edited_on_the_prompt_page_is_offered(empty_store):
    at = open_page("pages/2_Prompt_Templates.py", TIMEOUT)
    at.selectbox(key=te.DATASET).set_value("california-housing").run()  # the Training page's
    at.text_input(key=te.QUESTION).set_value("Is this block expensive?").run()
    at.switch_page(PAGE).run()
    assert_no_exception(at)
    template = at.selectbox(key=tf.TEMPLATE)
    assert "yours, as edited on the Prompt templates page" in template.options
    template.set_value(tf.FROM_PROMPT_PAGE).run()
    assert_no_exception(at)
    assert parse_spec(read_yaml(_yaml(at))).template.question == "Is this block expensive?"


# --- problems ------------------------------------------------------------------------------------


def test_bad_values_show_messages_not_exceptions(empty_store):
    at = _page(TINY)
    at.number_input(key=tf.N_TRAIN).set_value(999_999).run()
    assert_no_exception(at)
    errors = " ".join(main_errors(at))
    assert "999,999 asked" in errors and "14,448 rows" in errors
    assert at.button(key="tr_launch").disabled
    at.number_input(key=tf.N_TRAIN).set_value(64).run()
    assert not main_errors(at)
    at.multiselect(key=tf.TARGETS).set_value([]).run()
    assert "pick at least one layer" in " ".join(main_errors(at))
    at.text_input(key=tf.CUSTOM_TARGETS).set_value("q_proj, attention").run()
    assert_no_exception(at)
    errors = " ".join(main_errors(at))
    assert "`attention` is not a Linear layer" in errors and "q_proj" in errors
    assert at.button(key="tr_launch").disabled
    at.text_input(key=tf.CUSTOM_TARGETS).set_value("attention").run()  # no layer matches at all
    assert_no_exception(at)
    assert "`attention` is not a Linear layer" in " ".join(main_errors(at))


def test_settings_that_do_nothing_are_warnings(empty_store):
    at = _page(TINY)
    at.number_input(key=tf.key("eval_every")).set_value(500).run()
    assert any("never measured" in warning.value for warning in at.main.warning)
    assert not at.button(key="tr_launch").disabled


# --- stored runs ---------------------------------------------------------------------------------


def _open_run(root, use_store, run_id: str) -> AppTest:
    use_store(root)
    at = _page()
    at.selectbox(key=OPENED).set_value(run_id).run()
    assert_no_exception(at)
    return at


def test_a_done_run_shows_its_metrics_and_try_it_scores_both_models(stored, use_store):
    root, done, _ = stored
    at = _open_run(root, use_store, done.id)
    metrics = main_metrics(at)
    assert metrics["Test AUC"] == f"{done.metrics['test']['auc']:.3f}"
    assert metrics["Trainable parameters"] == "16.4k"
    assert any(link.label.startswith("Compare it") for link in at.main.get("page_link"))
    code = next(code.value for code in at.main.code if "- MedInc:" in code.value)
    assert code.endswith("Answer:")
    file_name = spec_file_name(parse_spec(done.spec), done.id)  # the opened run's own spec
    assert len([code for code in at.main.code if code.value.endswith(f"{file_name} --force")]) == 3
    specs = [parse_spec(read_yaml(code.value)) for code in at.main.code
             if code.value.startswith("kind: finetune")]
    assert parse_spec(done.spec) in specs
    assert at.get("download_button")
    at.button(key=f"tr_try_go_{done.id}").click().run()
    assert_no_exception(at)
    assert not main_errors(at)
    metrics = main_metrics(at)
    assert metrics["Base model says"].split()[0] in ("no", "yes")
    assert metrics["Fine-tuned says"].split()[0] in ("no", "yes")
    table = next(frame.value for frame in at.dataframe if "fine-tuned" in frame.value.columns)
    assert list(table["class"]) == ["no", "yes"]
    assert table["fine-tuned"].sum() == pytest.approx(1.0, abs=1e-5)


def test_a_failed_run_shows_its_reason_and_the_details(stored, use_store):
    root, _, failed = stored
    at = _open_run(root, use_store, failed.id)
    errors = main_errors(at)
    assert any("nope" in error and "Traceback" not in error for error in errors)
    assert any("Traceback" in code.value for code in at.main.code)


# --- launching (last: needs the run supervisor) --------------------------------------------------


def test_start_training_queues_a_run_that_finishes(empty_store):
    at = _page(TINY)
    at.selectbox(key=tf.PRESET).set_value("Quick check: LoRA, 64 rows, 20 steps").run()
    at.number_input(key=tf.N_TRAIN).set_value(16).run()
    at.number_input(key=tf.N_TEST).set_value(8).run()
    at.number_input(key=tf.key("max_steps")).set_value(2).run()
    at.button(key="tr_launch").click().run()
    assert_no_exception(at)
    assert not main_errors(at)
    store = Store()
    record = store.get(at.session_state[OPENED])
    assert record.status in ("queued", "running", "done")
    assert any("Running now" in md.value for md in at.main.markdown) or record.status == "done"
    deadline = time.monotonic() + TIMEOUT
    while store.get(record.id).status in ("queued", "running"):
        assert time.monotonic() < deadline, store.get(record.id).progress
        time.sleep(0.5)
    assert store.get(record.id).status == "done", store.get(record.id).error
    at.run()
    assert_no_exception(at)
    assert "Test AUC" in main_metrics(at)


def test_cancel_stops_a_run_and_says_what_was_kept(empty_store):
    at = _page(TINY)
    at.selectbox(key=tf.PRESET).set_value("Quick check: LoRA, 64 rows, 20 steps").run()
    at.number_input(key=tf.key("max_steps")).set_value(500).run()
    at.button(key="tr_launch").click().run()
    run_id = at.session_state[OPENED]
    at.button(key=f"tr_cancel_{run_id}").click().run()
    assert_no_exception(at)
    store = Store()
    deadline = time.monotonic() + TIMEOUT
    while store.get(run_id).status in ("queued", "running"):
        assert time.monotonic() < deadline, store.get(run_id).progress
        time.sleep(0.5)
        at.run()  # a fresh panel: "Stop now" once the cancel was asked
    assert store.get(run_id).status == "cancelled"
    at.run()
    at.selectbox(key=OPENED).set_value(run_id).run()
    assert_no_exception(at)
    assert any(text.startswith("Cancelled") for text in (w.value for w in at.main.warning))


def test_a_run_started_elsewhere_shows_its_progress_without_a_cancel_button(empty_store):
    store = Store()
    spec = tiny_spec()
    record = store.create(kind="finetune", method="lora", dataset=spec.data.dataset, model=TINY,
                          cache_key="k", spec=spec.model_dump(mode="json"), spec_yaml=spec_to_yaml(spec))
    store.start(record.id)
    store.progress(record.id, stage="training", done=3, total=10, epoch=0.3, loss=0.52,
                   val_auc=0.61, examples_per_second=4.2, eta_seconds=75)
    at = _page()
    assert any("Running now" in md.value for md in at.main.markdown)
    metrics = main_metrics(at)
    assert metrics["Loss"] == "0.520" and metrics["Val. AUC"] == "0.610"
    assert metrics["Time left"] == "1 min 15 s"
    assert not [b for b in at.button if b.key == f"tr_cancel_{record.id}"]
    assert any("Started outside this app" in c.value for c in at.main.caption)
    store.fail(record.id, "gone", status="interrupted")
