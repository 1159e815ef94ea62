"""How fast this machine trains and scores with a model and a method: measured once, then kept.

The pages promise times before a run starts. Speeds measured on another machine were off by 3x
to 9x (the development machine has AVX512-BF16; most laptops take the float32 path), so the first
estimate for a (machine, model, precision, method) runs a short probe: load the model, train three
small steps on California rows, score a batch. It takes 15-40 s on a 2-core CPU. The result
is kept in <workbench home>/speeds/, one file per key, and finished runs of the same kind refine it
(workbench.training.estimate).

    speeds = kept_speeds(spec)        # ProbeSpeeds, or None before the first probe
    speeds = measure(spec)            # runs the probe in this process and keeps the result
    start_probe(spec)                 # the same in a background child process (the pages)
    probe_state(spec)                 # "running", "failed: <why>" or None
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from workbench.paths import PROJECT_ROOT, subdir
from workbench.specs import DataSpec, FinetuneSpec, TemplateSpec, spec_to_yaml

PROBE_STEPS = 3  # the first pays for warm-up; the speed is read over the other two
PROBE_BATCH = 8  # rows a step: one micro-batch or two on a CPU, as in a class demo
WARM_UP_PROMPTS = 4  # scored before the timed batch
PROBE_DATASET = "california-housing"  # embedded, loads in a fraction of a second
BUSY_CPU_SHARE = 0.6
SPEEDS_FOLDER = "speeds"
SPEEDS_ENV = "WORKBENCH_SPEEDS"  # another folder for the kept speeds (tests use their own)


@dataclass(frozen=True)
class ProbeSpeeds:
    train: float  # training examples per second
    score: float  # scored prompts per second
    tokens: float  # mean tokens of a probe example: estimates scale speeds by prompt length
    startup_seconds: float  # process start to a model ready to train (imports, loading)
    measured_at: str  # ISO time
    probe_seconds: float = 0.0
    # CPU time the probe's training got over wall time x torch threads: well below 1 when other
    # programs were using the CPU meanwhile (the speeds are then pessimistic)
    cpu_share: float = 1.0

    @property
    def busy(self) -> bool:
        return self.cpu_share < BUSY_CPU_SHARE


# --- keys and files ------------------------------------------------------------------------------


def machine() -> dict:
    """What the speed depends on besides the model and the method."""
    import torch

    from workbench.environment import cpu_name

    # Cores, not the calling process's torch threads: the page asking and the probe measuring
    # must name the same key, and a run takes the default threads whoever starts it.
    described = {"cpu": cpu_name(), "cores": os.cpu_count(),
                 "capability": torch.backends.cpu.get_cpu_capability()}
    if torch.cuda.is_available():
        described["gpu"] = torch.cuda.get_device_name(0)
    return described


def probe_key(spec: FinetuneSpec) -> dict:
    from workbench.models.hardware import pick_device
    from workbench.training.methods import training_dtype
    from workbench.training.trainer import mixed_precision

    device = pick_device(spec.model.device)
    return {"machine": machine(), "device": device, "model": spec.model.name,
            "method": spec.training.method, "dtype": training_dtype(spec),
            "precision": mixed_precision(spec.training, device)}


def speeds_folder() -> Path:
    folder = os.environ.get(SPEEDS_ENV)
    if not folder:
        return subdir(SPEEDS_FOLDER)
    path = Path(folder).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _file_stem(spec: FinetuneSpec) -> Path:
    text = json.dumps(probe_key(spec), sort_keys=True)
    return speeds_folder() / hashlib.sha256(text.encode()).hexdigest()[:20]


def _write_json(path: Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as file:
        json.dump(value, file, indent=1)
    os.replace(file.name, path)


def kept_speeds(spec: FinetuneSpec) -> ProbeSpeeds | None:
    try:
        stored = json.loads(_file_stem(spec).with_suffix(".json").read_text())
        return ProbeSpeeds(**stored["speeds"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # never measured, or a damaged file: measure again


def keep(spec: FinetuneSpec, speeds: ProbeSpeeds) -> None:
    stem = _file_stem(spec)
    _write_json(stem.with_suffix(".json"), {"key": probe_key(spec), "speeds": asdict(speeds)})
    stem.with_suffix(".error").unlink(missing_ok=True)


# --- the probe -----------------------------------------------------------------------------------


def probe_spec(spec: FinetuneSpec) -> FinetuneSpec:
    """The spec's model and method on a few California rows: PROBE_STEPS steps, no evaluation."""
    batch = min(spec.training.batch_size, PROBE_BATCH)
    training = spec.training.model_copy(update={
        "batch_size": batch, "gradient_accumulation": 1, "max_steps": PROBE_STEPS, "epochs": 1,
        "eval_every": None, "early_stopping_patience": None})
    data = DataSpec(dataset=PROBE_DATASET, n_train=batch * PROBE_STEPS,
                    n_test=WARM_UP_PROMPTS + spec.batch_size, val_fraction=0.0)
    return FinetuneSpec(data=data, model=spec.model, template=TemplateSpec(), training=training,
                        batch_size=spec.batch_size)


def _threads() -> int:
    import torch

    return max(1, min(torch.get_num_threads(), os.cpu_count() or 1))


def _process_age() -> float:
    """Seconds since this process started: a run pays its imports too."""
    try:
        import psutil

        return time.time() - psutil.Process().create_time()
    except Exception:  # noqa: BLE001 - psutil missing or the process table unreadable
        return 0.0


def measure(spec: FinetuneSpec, keep_result: bool = True) -> ProbeSpeeds:
    """Train PROBE_STEPS steps and score a batch with the spec's model and method."""
    from transformers import TrainerCallback

    from workbench.prompts import PromptBuilder
    from workbench.rows import prepare_rows
    from workbench.scoring import answer_token_ids
    from workbench.training import build_trainable, train
    from workbench.training.examples import training_examples
    from workbench.training.score_trained import score_test

    probe_started = time.perf_counter()
    probe = probe_spec(spec)
    rows = prepare_rows(probe.data)
    trainable = build_trainable(probe, len(rows.info.classes))
    startup = _process_age()
    builder = PromptBuilder(probe.template, rows.info, tokenizer=trainable.tokenizer, train=rows.train)
    answer_ids = answer_token_ids(trainable.tokenizer, builder.answer_words)
    examples = training_examples(probe, trainable, builder.prompts(rows.train),
                                 rows.labels(rows.train), answer_ids)

    step_ends: list[float] = []
    cpu_at_step_end: list[float] = []

    class StepClock(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            step_ends.append(time.perf_counter())
            cpu_at_step_end.append(time.process_time())

    quiet = lambda *args, **kwargs: None  # noqa: E731
    with tempfile.TemporaryDirectory() as scratch:
        train(trainable, probe.training, examples, [], [ids[0] for ids in answer_ids],
              Path(scratch) / "checkpoints", quiet, lambda: False, extra_callbacks=(StepClock(),))
    trained = (len(step_ends) - 1) * probe.training.batch_size
    wall = step_ends[-1] - step_ends[0]
    train_speed = trained / wall
    cpu_share = (cpu_at_step_end[-1] - cpu_at_step_end[0]) / (wall * _threads())

    prompts = builder.prompts(rows.test)
    score_test(probe, trainable, prompts[:WARM_UP_PROMPTS], builder.answer_words, quiet)
    scored = prompts[WARM_UP_PROMPTS:]
    started = time.perf_counter()
    score_test(probe, trainable, scored, builder.answer_words, quiet)
    score_speed = len(scored) / (time.perf_counter() - started)

    tokens = sum(len(example["input_ids"]) for example in examples) / len(examples)
    speeds = ProbeSpeeds(
        train=train_speed, score=score_speed, tokens=tokens, startup_seconds=startup,
        measured_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        probe_seconds=time.perf_counter() - probe_started, cpu_share=min(cpu_share, 1.0))
    if keep_result:
        keep(spec, speeds)
    return speeds


# --- in the background ---------------------------------------------------------------------------

_running: dict[Path, tuple[str, subprocess.Popen]] = {}  # file stem -> (device, process)
_lock = threading.Lock()


def probing_devices() -> set[str]:
    """Devices a background probe is measuring now."""
    with _lock:
        return {device for device, process in _running.values() if process.poll() is None}


def stop_probes(device: str) -> None:
    """End the probes measuring `device`: a run is about to start there. A probe beside a run
    would measure neither speed, and the run must not wait for an estimate it no longer needs;
    the finished run then gives the estimate its speeds (workbench.training.estimate)."""
    with _lock:
        for stem, (busy, process) in list(_running.items()):
            if busy == device:
                if process.poll() is None:
                    process.kill()
                    process.wait()
                del _running[stem]


def probe_state(spec: FinetuneSpec) -> str | None:
    """"running" while a background probe of this key runs, "failed: <why>" after one failed,
    None otherwise (measured, or never tried)."""
    stem = _file_stem(spec)
    with _lock:
        device, process = _running.get(stem, (None, None))
        if process is not None and process.poll() is None:
            return "running"
        _running.pop(stem, None)
    try:
        return "failed: " + stem.with_suffix(".error").read_text().strip()
    except OSError:
        return None


def start_probe(spec: FinetuneSpec) -> bool:
    """Measure in a child process (as runs are: tied to this process, at a run's priority);
    one probe per device at a time. True when this key's probe is running afterwards."""
    from workbench.lifeline import PARENT_ENV
    from workbench.models.hardware import pick_device

    stem, device = _file_stem(spec), pick_device(spec.model.device)
    with _lock:
        for key, (busy, process) in _running.items():
            if process.poll() is None and (key == stem or busy == device):
                return key == stem
        spec_file = stem.with_suffix(".spec.yaml")
        spec_file.write_text(spec_to_yaml(spec))
        stem.with_suffix(".error").unlink(missing_ok=True)
        env = {**os.environ, PARENT_ENV: str(os.getpid()), "PYTHONUNBUFFERED": "1",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
        with open(stem.with_suffix(".log"), "wb") as log:
            _running[stem] = (device, subprocess.Popen(
                [sys.executable, "-m", "workbench", "probe", str(spec_file),
                 "--error-file", str(stem.with_suffix(".error"))],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=PROJECT_ROOT, env=env))
    return True
