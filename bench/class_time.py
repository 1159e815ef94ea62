"""Class time on this machine, as a teacher meets it: the app started with `make run`, a fresh
workbench (no runs, no measured speeds), one browser tab open the whole time.

    .venv/bin/python bench/class_time.py [--skip-templates] [--skip-cli]

1. Prompt templates: "Compare 5 templates on 200 rows" with the default model on California,
   timed from the click to the comparison drawn.
2. Training: the page opens on the "Class demo" preset and measures this machine's speed in the
   background (the speed probe); once the estimate says "measured on this machine", its time is
   read (the same estimate the page shows, to the second) and "Start training" is clicked; the
   tab stays open on the live panel until the run is done. Reports click-to-done against the
   estimate.
3. The same spec from the command line on the idle machine (no server, no browser): what "runs
   get the machine" is measured against.
Ends with one line: `class time: templates N s, class demo N s (estimate N s, error N%), CLI N s`.
Say which CPU path it ran on: WORKBENCH_FLOAT32=1 takes the float32 path on a bf16 CPU.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import (  # noqa: E402
    _RUN_COUNTER_JS, CHROMIUM, CHROMIUM_ARGS, VIEWPORT, StreamlitServer, assert_no_exception,
    main_area, open_page, page_url, pick_option, rerun_and_wait, wait_until_idle,
)
from workbench.ui.pages_index import PAGES  # noqa: E402

TEMPLATES_URL = page_url(next(p for p in PAGES if p.path.endswith("Prompt_Templates.py")).path)
TRAINING_URL = page_url(next(p for p in PAGES if p.path.endswith("Training.py")).path)
LONG_MS = 30 * 60 * 1000


def compare_templates(tab, server) -> float:
    open_page(tab, server.url(TEMPLATES_URL))
    pick_option(tab, "Data set", "California housing (tabular)")  # the page opens on adult income
    button = main_area(tab).get_by_role("button", name="Compare 5 templates on 200 rows")
    started = time.perf_counter()
    rerun_and_wait(tab, button.click)
    expect(main_area(tab).get_by_text("5 templates on 200 California housing test rows")).to_be_visible(
        timeout=LONG_MS)
    seconds = time.perf_counter() - started
    wait_until_idle(tab)
    assert_no_exception(tab)
    return seconds


def class_demo(tab, server, store_root: Path) -> tuple[float, float, str, dict, float]:
    """(click-to-done seconds, the estimate's seconds, its basis, the run's spec, the share of a
    core the server used while the run went on)."""
    import psutil
    from workbench.specs import parse_spec, read_yaml
    from workbench.store import Store
    from workbench.training.estimate import estimate

    open_page(tab, server.url(TRAINING_URL))
    # "time measured on this machine (…probe…)"; the first guess says "not measured on this machine"
    measured = main_area(tab).get_by_text("time measured on this machine", exact=False)
    expect(measured.first).to_be_visible(timeout=10 * 60 * 1000)  # the speed probe
    wait_until_idle(tab)
    yaml_box = main_area(tab).get_by_text("Show as YAML / commands")
    rerun_and_wait(tab, yaml_box.click)
    spec_text = main_area(tab).locator("code").filter(has_text="kind: finetune").first.inner_text()
    spec = parse_spec(read_yaml(spec_text))
    store = Store(store_root)
    guess = estimate(spec, past_runs=store.list(status="done"))
    start = main_area(tab).get_by_role("button", name="Start training")
    app = psutil.Process(server.server_pid())
    app_cpu = sum(app.cpu_times()[:2])
    clicked = time.time()
    rerun_and_wait(tab, start.click)
    deadline = time.monotonic() + LONG_MS / 1000
    while time.monotonic() < deadline:
        done = [record for record in store.list() if record.kind == "finetune"
                and record.status not in {"queued", "running"}]
        if done:
            record = done[0]
            break
        tab.wait_for_timeout(2000)  # the tab stays open and polls, as a teacher's would
    else:
        raise SystemExit("bench/class_time.py: the class demo run did not end in 30 minutes")
    if record.status != "done":
        raise SystemExit(f"bench/class_time.py: the class demo run {record.status}: {record.error}")
    app_share = (sum(app.cpu_times()[:2]) - app_cpu) / (time.time() - clicked)
    assert_no_exception(tab)
    return record.finished_at - clicked, guess.seconds, guess.basis, spec, app_share


def from_the_command_line(spec, store_root: Path) -> float:
    from workbench.specs import spec_to_yaml

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "class-demo.yaml"
        path.write_text(spec_to_yaml(spec))
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "workbench", "run", str(path), "--force",
                        "--store", str(store_root)], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-templates", action="store_true")
    parser.add_argument("--skip-cli", action="store_true")
    args = parser.parse_args()

    import torch

    from workbench.models.hardware import cpu_supports_bf16

    path = "bf16" if cpu_supports_bf16() else "float32"
    print(f"{os.cpu_count()} CPUs, {torch.backends.cpu.get_cpu_capability()}, {path} path"
          + (" (WORKBENCH_FLOAT32 set)" if os.environ.get("WORKBENCH_FLOAT32") else ""), flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["WORKBENCH_RUNS"] = str(Path(scratch) / "runs")
        os.environ["WORKBENCH_SPEEDS"] = str(Path(scratch) / "speeds")
        log_dir = Path(scratch) / "logs"
        log_dir.mkdir()
        server = StreamlitServer(log_dir).start()
        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.add_init_script(_RUN_COUNTER_JS)
            tab = context.new_page()
            templates = None if args.skip_templates else compare_templates(tab, server)
            if templates is not None:
                print(f"templates: 5 built-in templates on 200 California rows in {templates:.0f} s", flush=True)
            demo, guess, basis, spec, app_share = class_demo(tab, server, Path(scratch) / "runs")
            error = (guess - demo) / demo
            print(f"class demo from the Training page, tab open: {demo:.0f} s; the estimate said "
                  f"{guess:.0f} s ({error:+.0%}), {basis}; the server used {app_share:.0%} of a "
                  "core meanwhile", flush=True)
        finally:
            browser.close()
            playwright.stop()
            server.stop()
        cli = None if args.skip_cli else from_the_command_line(spec, Path(scratch) / "cli-runs")
        if cli is not None:
            print(f"the same spec from the command line, idle machine: {cli:.0f} s "
                  f"(page run / CLI run {demo / cli:.2f}x)")
    print("class time: " + ", ".join(filter(None, [
        f"templates {templates:.0f} s" if templates is not None else "",
        f"class demo {demo:.0f} s (estimate {guess:.0f} s, error {error:+.0%})",
        f"CLI {cli:.0f} s" if cli is not None else ""])))


if __name__ == "__main__":
    main()
