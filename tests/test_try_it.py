"""Try it: one prompt through the base model and a run's fine-tuned model, side by side."""

import numpy as np
import pytest

from workbench.experiments import run
from workbench.experiments.try_it import TryItError, load_tuned, row_prompt, try_prompt, try_row
from workbench.specs import FinetuneSpec
from workbench.store import Store

TINY = {"name": "tiny-random-llama", "dtype": "float32"}
DATA = {"n_train": 16, "n_test": 8, "val_fraction": 0.002}


def tiny_run(store: Store, method: str, **training):
    options = {"method": method, "max_steps": 2, "batch_size": 4, "precision": "fp32",
               "learning_rate": 0.05, **training}
    spec = FinetuneSpec(model=TINY, data=DATA, training=options, batch_size=4)
    record = run(spec, store=store).record
    assert record.status == "done", record.error
    return record


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return Store(tmp_path_factory.mktemp("try-it-runs"))


@pytest.fixture(scope="module")
def lora(store):
    record = tiny_run(store, "lora")
    return record, load_tuned(record)


def test_fine_tuned_probabilities_are_the_stored_ones_and_differ_from_the_base(store, lora):
    record, tuned = lora
    predictions = store.predictions(record.id)
    for position in (0, 5):
        result = try_row(tuned, position)
        stored = predictions.iloc[position]
        assert result.row_id == stored["row_id"] and result.true_label == stored["label"]
        np.testing.assert_allclose(result.tuned, stored[["p_no", "p_yes"]].to_numpy(float), atol=1e-4)
        assert np.abs(result.base - result.tuned).max() > 1e-3
        np.testing.assert_allclose(result.base.sum(), 1.0, rtol=1e-5)
    table = result.table()
    assert list(table["class"]) == ["no", "yes"] and list(table.columns[-2:]) == ["base model", "fine-tuned"]


def test_a_typed_prompt_gets_both_scores_and_no_label(lora):
    _, tuned = lora
    prompt, _, _ = row_prompt(tuned.rows, tuned.builder, 1)
    result = try_prompt(tuned, prompt.replace("- MedInc", "- MedInc: 9\n- Old MedInc"))
    assert result.true_label is None and result.tuned.shape == (2,)
    assert result.tuned_choice in ("no", "yes")


def test_bad_input_is_a_readable_error(lora, store):
    _, tuned = lora
    with pytest.raises(TryItError, match="Type a prompt"):
        try_prompt(tuned, "   ")
    with pytest.raises(TryItError, match="from 0 to 7"):
        try_row(tuned, 8)


def test_a_head_run_scores_with_its_head_and_the_base_with_answer_words(store):
    record = tiny_run(store, "head")
    tuned = load_tuned(record)
    assert not tuned.base_inside
    result = try_row(tuned, 2)
    stored = store.predictions(record.id).iloc[2][["p_no", "p_yes"]].to_numpy(float)
    np.testing.assert_allclose(result.tuned, stored, atol=1e-4)
    assert np.abs(result.base - result.tuned).max() > 1e-3
