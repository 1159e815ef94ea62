"""The same spec under the field's launchers: torchrun and accelerate launch start two processes
on this machine's CPU (gloo); both train, rank 0 alone writes to the store."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workbench.experiments.history import read_history
from workbench.specs import FinetuneSpec, spec_to_yaml
from workbench.store import Store

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ACCELERATE_CONFIGS = sorted((REPO / "assets" / "accelerate").glob("*.yaml"))


def tiny_lora_spec(path: Path) -> Path:
    """Early stopping on: its checkpoints must be one folder that every process can read."""
    spec = FinetuneSpec(
        name="tiny LoRA, two processes", model={"name": "tiny-random-llama", "dtype": "float32"},
        data={"n_train": 32, "n_test": 20, "val_fraction": 0.01},
        training={"method": "lora", "max_steps": 4, "batch_size": 8, "precision": "fp32",
                  "eval_every": 2, "early_stopping_patience": 3},
        batch_size=4,
    )
    path.write_text(spec_to_yaml(spec))
    return path


def launch(launcher: list[str], spec: Path, store: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    command = [*launcher, "-m", "workbench", "run", str(spec), "--store", str(store), "--json"]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)


def torchrun() -> list[str]:
    return [str(BIN / "torchrun"), "--nproc_per_node=2", "--master_port=29731"]


def assert_one_complete_run(store_root: Path, result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)  # one JSON object: rank 0's, the others print nothing
    store = Store(store_root)
    records = store.list()
    assert [record.id for record in records] == [summary["run_id"]]
    record = records[0]
    assert record.status == "done" and record.metrics["steps"] == 4
    assert record.metrics["environment"]["hardware"]["processes"] == 2
    assert (record.folder / "adapter" / "adapter_model.safetensors").is_file()
    assert len(store.predictions(record.id)) == 20
    assert not (record.folder / "checkpoints").exists()
    steps = [entry["step"] for entry in read_history(record.folder) if "loss" in entry]
    assert steps == [1, 2, 3, 4]  # written once, by rank 0 alone
    losses = [entry["loss"] for entry in read_history(record.folder) if "loss" in entry]
    assert all(0.3 < loss < 1.2 for loss in losses)  # not multiplied by the number of processes


def test_distributed_torchrun_stores_exactly_one_complete_run_then_answers_from_the_store(tmp_path):
    spec, store = tiny_lora_spec(tmp_path / "spec.yaml"), tmp_path / "store"
    first = launch(torchrun(), spec, store)
    assert_one_complete_run(store, first)
    again = launch(torchrun(), spec, store)
    assert again.returncode == 0, again.stderr[-3000:]
    summary = json.loads(again.stdout)
    assert summary["cached"] is True and summary["run_id"] == json.loads(first.stdout)["run_id"]
    assert len(Store(store).list()) == 1


def test_distributed_accelerate_launch_with_the_shipped_ddp_config(tmp_path):
    spec, store = tiny_lora_spec(tmp_path / "spec.yaml"), tmp_path / "store"
    launcher = [str(BIN / "accelerate"), "launch", "--config_file",
                str(REPO / "assets" / "accelerate" / "ddp.yaml"), "--main_process_port", "29733"]
    assert_one_complete_run(store, launch(launcher, spec, store))


def test_distributed_a_spec_with_a_data_problem_stops_every_process_with_its_message(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"kind": "finetune", "data": {"dataset": "no-such-data"},
                                    "model": {"name": "tiny-random-llama"}}))
    result = launch(torchrun(), spec, tmp_path / "store")
    assert result.returncode != 0
    assert "no-such-data" in result.stderr
    assert not (tmp_path / "store" / "runs").exists() or not list((tmp_path / "store" / "runs").iterdir())


@pytest.mark.parametrize("config", ACCELERATE_CONFIGS, ids=lambda path: path.name)
def test_distributed_shipped_accelerate_configs_load(config):
    from accelerate.commands.config.config_args import ClusterConfig

    loaded = ClusterConfig.from_yaml_file(config)
    assert loaded.num_processes >= 2 and loaded.machine_rank == 0


def test_distributed_each_process_takes_its_share_of_the_batch(monkeypatch):
    from workbench.specs import TrainingSpec
    from workbench.training.trainer import training_arguments

    training = TrainingSpec(method="lora", batch_size=16, max_steps=1)
    monkeypatch.setattr("workbench.distributed.world_size", lambda: 4)
    arguments = training_arguments(training, Path("unused"), "cpu", has_eval=False, micro_batch=2)
    assert arguments.per_device_train_batch_size * arguments.gradient_accumulation_steps * 4 == 16
    assert arguments.average_tokens_across_devices is False
    monkeypatch.setattr("workbench.distributed.world_size", lambda: 1)
    arguments = training_arguments(training, Path("unused"), "cpu", has_eval=False, micro_batch=8)
    assert (arguments.per_device_train_batch_size, arguments.gradient_accumulation_steps) == (8, 2)
