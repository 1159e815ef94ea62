"""Training and scoring speed of each fine-tuning method on this machine: the methods' reference
speeds (the `reference_speed` of each entry in workbench/tuners/, read by the estimate).

    .venv/bin/python bench/training_speeds.py [--methods lora full ...] [--rows 48] [--steps 3]

Each method trains the default model (SmolLM2-135M) on California rows written as lists, with the
default precision (bf16 autocast where the CPU has it), batch 16, a few steps and no validation,
then scores the test rows: one short real run per method through workbench.experiments.run, in a
temporary store. Prints, per method, training examples/s (steps x batch / training time) and
scoring examples/s, and a dict ready to paste. On a machine busy with other work, wall-clock speeds
mean little (two torch threads wait for each other whenever one is descheduled): measure when
the machine is idle (the reference speeds were), or with --threads 1 read the speeds from CPU
time, which compares methods fairly but not with two threads. Scoring's CPU
time misses the first batch (progress comes after each batch): compare it across methods only.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from workbench.experiments import run
from workbench.specs import FinetuneSpec
from workbench.store import Store
from workbench.tuners import TUNERS

METHODS = tuple(TUNERS)


class StageClock:
    """CPU seconds of this process per stage: on a machine shared with other jobs, CPU time
    divided by the threads torch uses approximates the wall time the stage takes alone."""

    def __init__(self):
        self.stage, self.cpu, self.seconds = None, time.process_time(), {}

    def __call__(self, stage: str, done: int, total: int, **details) -> None:
        if stage != self.stage:
            now = time.process_time()
            if self.stage:
                self.seconds[self.stage] = self.seconds.get(self.stage, 0.0) + now - self.cpu
            self.stage, self.cpu = stage, now

    def finish(self) -> None:
        self("end", 0, 0)


def measure(method: str, rows: int, steps: int, store: Store) -> dict:
    spec = FinetuneSpec(
        data={"n_train": rows, "n_test": rows, "val_fraction": 0.0},
        training={"method": method, "max_steps": steps, "batch_size": 16},
        batch_size=16,
    )
    clock = StageClock()
    started = time.perf_counter()
    record = run(spec, store=store, force=True, progress=clock).record
    clock.finish()
    wall = time.perf_counter() - started
    if record.status != "done":
        return {"method": method, "status": record.status, "error": (record.error or "")[:300]}
    metrics = record.metrics
    examples = metrics["steps"] * 16
    threads = torch.get_num_threads()
    return {
        "method": method,
        "train": examples / metrics["training_seconds"],
        "score": metrics["examples_per_second"],
        "train_alone": examples / (clock.seconds["training"] / threads),
        "score_alone": metrics["n_test"] / (clock.seconds["scoring"] / threads),
        "wall": wall,
        "precision": metrics.get("precision"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--rows", type=int, default=48)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads; 1 makes CPU time a fair measure on a busy machine")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as folder:
        store = Store(folder)
        results = []
        for method in args.methods:
            result = measure(method, args.rows, args.steps, store)
            results.append(result)
            if "train" in result:
                print(
                    f"{method:12s} train {result['train']:6.2f} ex/s  score {result['score']:6.2f} ex/s"
                    f"  from CPU time: train {result['train_alone']:6.2f} score "
                    f"{result['score_alone']:6.2f}  ({result['precision']}, {result['wall']:.0f} s wall,"
                    f" load {os.getloadavg()[0]:.1f})", flush=True,
                )
            else:
                print(f"{method:12s} {result['status']}: {result['error']}", flush=True)
    print({r["method"]: (round(r["train"], 2), round(r["score"], 1)) for r in results if "train" in r})
    print({r["method"]: (round(r["train_alone"], 2), round(r["score_alone"], 1)) for r in results if "train" in r})


if __name__ == "__main__":
    main()
