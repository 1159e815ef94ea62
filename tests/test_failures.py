"""Failed runs explain themselves: a plain reason with advice, then the traceback."""

import pytest
import torch

from workbench.errors import DataValidationError
from workbench.experiments import run
from workbench.experiments.failures import explain_failure
from workbench.results import first_paragraph
from workbench.specs import EvaluateSpec, FinetuneSpec
from workbench.store import Store
from workbench.training.trainer import TrainingDivergedError

TINY = {"name": "tiny-random-llama", "dtype": "float32"}


def tiny_spec(**training) -> FinetuneSpec:
    options = {"method": "lora", "max_steps": 2, "batch_size": 4, "precision": "fp32", **training}
    return FinetuneSpec(model=TINY, data={"n_train": 16, "n_test": 8, "val_fraction": 0.002},
                        training=options, batch_size=4)


def raised_from(error: BaseException, cause: BaseException) -> BaseException:
    try:
        raise error from cause
    except BaseException as raised:  # noqa: BLE001 - the test builds any kind of error
        return raised


@pytest.mark.parametrize("error, place", [
    (torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"), "the GPU (CUDA)"),
    (RuntimeError("CUDA error: out of memory\nCUDA kernel errors might be asynchronously reported"),
     "the GPU (CUDA)"),  # what CUDA kernels such as bitsandbytes' report
    (RuntimeError("CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`"), "the GPU (CUDA)"),
    (RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: "
                  "you tried to allocate 8589934592 bytes."), "the CPU (system memory)"),
    (MemoryError(), "the CPU (system memory)"),
    (RuntimeError("MPS backend out of memory (MPS allocated: 8 GB)"), "the Apple GPU (MPS)"),
    (raised_from(RuntimeError("step failed"), torch.OutOfMemoryError("CUDA out of memory.")),
     "the GPU (CUDA)"),
])
def test_out_of_memory_says_where_and_what_to_change(error, place):
    reason = explain_failure(error, tiny_spec(batch_size=8, max_length=256))
    assert reason.startswith(f"Out of memory on {place}:")
    for advice in ("smaller batch size (it was 8)", "gradient accumulation",
                   "max_length (it was 256)", "QLoRA", "smaller model"):
        assert advice in reason


def test_out_of_memory_while_scoring_advises_on_the_scoring_settings():
    reason = explain_failure(torch.OutOfMemoryError("CUDA out of memory."),
                             EvaluateSpec(model=TINY, batch_size=64))
    assert "smaller batch size (it was 64)" in reason and "8 or 4 bits" in reason
    assert "QLoRA" not in reason


def test_workbench_errors_keep_their_own_message():
    assert explain_failure(DataValidationError("The file has no label column."), tiny_spec()) == \
        "The file has no label column."
    diverged = TrainingDivergedError("Training diverged at step 3: the loss became NaN.")
    assert explain_failure(diverged, tiny_spec()) == str(diverged)


def test_anything_else_is_an_unexpected_error_with_its_type():
    assert explain_failure(KeyError("p_yes"), tiny_spec()) == "Unexpected error: KeyError: 'p_yes'"


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store")


def test_unknown_target_modules_fail_the_run_with_the_model_s_layer_names(store):
    record = run(tiny_spec(target_modules=["query", "value"]), store=store).record
    assert record.status == "failed"
    reason = first_paragraph(record.error)
    assert reason.startswith("Settings error: the target modules query, value are not layers of "
                             "tiny-random-llama.")
    for layer in ("q_proj", "v_proj", "down_proj"):
        assert layer in reason
    assert "lm_head" not in reason and "Traceback" in record.error


def test_out_of_memory_during_training_becomes_the_plain_reason(store, monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 MiB")

    monkeypatch.setattr("transformers.Trainer.training_step", out_of_memory)
    record = run(tiny_spec(), store=store).record
    assert record.status == "failed"
    assert first_paragraph(record.error).startswith("Out of memory on the GPU (CUDA):")
    assert "OutOfMemoryError" in record.error.split("\n\n", 1)[1]  # the traceback follows
