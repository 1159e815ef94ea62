"""Zero-shot AUC of the built-in templates of a data set, side by side, with the default model:
what "Compare 5 templates" on the Prompt templates page computes, on as many rows as asked.

    .venv/bin/python bench/templates.py [--dataset adult-income] [--rows 500]

Scores the page's default comparison (the five table serializations) on the page's split and a
seeded sample of `--rows` test rows, each template as an ordinary stored evaluate run (in a
temporary store), then prints one line per template (AUC with its bootstrap 95% interval, tokens
per prompt, rows per second) and ends with the spread between the best and the worst template:

    templates adult-income, 500 rows: best text 0.71 [0.66, 0.76], worst json 0.58 [...],
    difference 0.13, intervals overlap: no

Say which CPU path it ran on: WORKBENCH_FLOAT32=1 takes the float32 path on a bf16 CPU.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.experiments.compare import (  # noqa: E402
    compare_templates, default_compare_names, page_data_spec,
)
from workbench.metrics import interval_text  # noqa: E402
from workbench.models.hardware import cpu_supports_bf16  # noqa: E402
from workbench.prompts import builtin_templates  # noqa: E402
from workbench.specs import ModelSpec  # noqa: E402
from workbench.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="adult-income")
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--store", type=Path, default=None,
                        help="keep the runs in this folder (a rerun answers finished templates "
                             "from it); default: a temporary folder")
    args = parser.parse_args()
    path = "bf16 path (the CPU has native bf16)" if cpu_supports_bf16() else "float32 path"
    print(f"{path}; the default model, zero-shot", flush=True)

    builtins = builtin_templates(args.dataset)
    templates = {name: builtins[name] for name in default_compare_names(builtins)}
    data = page_data_spec(args.dataset, n_test=args.rows)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(args.store or Path(folder))
        comparison = compare_templates(templates, data, ModelSpec(), store)
    seconds = time.perf_counter() - started

    done = [result for result in comparison.done if result.auc is not None]
    for result in comparison.results:
        if result.auc is None:
            print(f"{result.name:8s} {result.status} {result.error or ''}")
            continue
        tokens = (result.metrics.get("tokens_per_row") or {}).get("mean", float("nan"))
        speed = result.metrics.get("examples_per_second") or float("nan")
        source = " (from the store)" if result.cached else ""
        print(f"{result.name:8s} AUC {interval_text(result.auc, result.auc_ci)}  "
              f"{tokens:5.0f} tokens/prompt  {speed:5.1f} rows/s{source}")
    if len(done) < 2:
        sys.exit("fewer than two templates finished")
    best = max(done, key=lambda result: result.auc)
    worst = min(done, key=lambda result: result.auc)
    overlap = worst.auc_ci[1] >= best.auc_ci[0]
    print(f"templates {args.dataset}, {args.rows} rows, {seconds:.0f} s: "
          f"best {best.name} {interval_text(best.auc, best.auc_ci, digits=2)}, "
          f"worst {worst.name} {interval_text(worst.auc, worst.auc_ci, digits=2)}, "
          f"difference {best.auc - worst.auc:.2f}, intervals overlap: {'yes' if overlap else 'no'}")


if __name__ == "__main__":
    main()
