"""Page reruns while others use the app and runs train: the server's side of issue 8's p95 goal.

    .venv/bin/python bench/concurrency.py [--sessions 5] [--reruns 12]

A store with four finished runs (logistic regression, XGBoost, a zero-shot and a 2-shot run of
the tiny model on California); then, through the app's own RunSupervisor, two tiny fine-tuning
runs (one running, one queued, as the Training page starts them: their own processes, nice 10).
Meanwhile `--sessions` processes each open the Results page in Streamlit's AppTest (the page's
real script, no browser) and rerun it `--reruns` times; each rerun is timed. The same is measured
first with one session and no run going. Prints p50/p95/max of both and ends with one line:
`rerun p95 N.NNs with S sessions and 2 runs, N.NNs alone (N.Nx)`.

Browsers are left out on purpose: in a class each student's browser draws on their own machine;
tests/e2e/test_concurrency_sessions.py drives five real browsers too, on the server's own cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGE = "pages/4_Results.py"
TINY = {"name": "tiny-random-llama", "dtype": "float32"}


def fill_store(root: Path) -> None:
    from workbench.experiments import run
    from workbench.specs import BaselineSpec, EvaluateSpec
    from workbench.store import Store

    store = Store(root)
    data = {"n_train": 64, "n_test": 60}
    for spec in (BaselineSpec(method="logreg", data=data), BaselineSpec(method="xgboost", data=data),
                 EvaluateSpec(model=TINY, data=data),
                 EvaluateSpec(model=TINY, data=data, template={"shots": 2})):
        assert run(spec, store=store).record.status == "done"


def session(reruns: int) -> list[float]:
    """One browser session's worth of Results reruns (the home page first, as a visit starts)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(PAGE).run()
    if at.exception:
        sys.exit(f"the Results page raised: {at.exception[0].value}")
    seconds = []
    for _ in range(reruns):
        started = time.perf_counter()
        at.run()
        seconds.append(time.perf_counter() - started)
    return seconds


def sessions_at_once(count: int, reruns: int, root: Path) -> list[float]:
    env = {**os.environ, "WORKBENCH_RUNS": str(root), "PYTHONPATH": str(ROOT)}
    workers = [subprocess.Popen([sys.executable, __file__, "--worker", "--reruns", str(reruns)],
                                env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
               for _ in range(count)]
    times = []
    for worker in workers:
        out, _ = worker.communicate(timeout=600)
        if worker.returncode != 0:
            sys.exit("bench/concurrency.py: a session failed")
        times += json.loads(out.strip().splitlines()[-1])
    return times


def start_two_runs(root: Path):
    from workbench.specs import FinetuneSpec
    from workbench.store import Store
    from workbench.supervisor import RunSupervisor

    supervisor = RunSupervisor(Store(root))
    for seed in (1, 2):
        supervisor.submit(FinetuneSpec(
            name=f"background run {seed}", model=TINY, data={"n_train": 64, "n_test": 50},
            training={"method": "lora", "max_steps": 3000, "seed": seed, "batch_size": 16}))
    return supervisor


def quantiles(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95, ordered[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--reruns", type=int, default=12)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(session(args.reruns)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "runs"
        os.environ["WORKBENCH_RUNS"] = str(root)
        fill_store(root)
        alone = sessions_at_once(1, args.reruns, root)
        supervisor = start_two_runs(root)
        try:
            time.sleep(8)  # the first run is training, the second waits in the queue
            loaded = sessions_at_once(args.sessions, args.reruns, root)
            statuses = sorted(record.status for record in supervisor.runs())
        finally:
            supervisor.shutdown()
    print(f"{os.cpu_count()} CPUs; Results page with 4 finished runs; AppTest sessions (no browser)")
    for label, times in (("1 session, no run going", alone),
                         (f"{args.sessions} sessions, runs {statuses}", loaded)):
        p50, p95, worst = quantiles(times)
        print(f"{label:45s}: {len(times):3d} reruns, p50 {p50:.3f} s, p95 {p95:.3f} s, max {worst:.3f} s")
    p95_alone, p95_loaded = quantiles(alone)[1], quantiles(loaded)[1]
    print(f"rerun p95 {p95_loaded:.2f}s with {args.sessions} sessions and 2 runs, "
          f"{p95_alone:.2f}s alone ({p95_loaded / p95_alone:.1f}x)")


if __name__ == "__main__":
    main()
