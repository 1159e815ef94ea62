"""One side of a bench, run in its own fresh process (its own peak memory, its own allocator), and
the one line it reports back: `RESULT {json}` on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "RESULT "


def report(result: dict) -> None:
    """Called in the child: hand the side's figures to the parent."""
    print(PREFIX + json.dumps(result), flush=True)


def run_side(script: str, arguments: list[str], float32: bool, what: str) -> dict:
    """Run `script --child ...arguments` (with WORKBENCH_FLOAT32=1 for the float32 path) and
    return what it reported; exit with its stderr's tail if it failed."""
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    if float32:
        env["WORKBENCH_FLOAT32"] = "1"
    finished = subprocess.run([sys.executable, script, "--child", *arguments],
                              capture_output=True, text=True, cwd=ROOT, env=env)
    lines = [line for line in finished.stdout.splitlines() if line.startswith(PREFIX)]
    if finished.returncode != 0 or not lines:
        sys.exit(f"{Path(script).resolve().relative_to(ROOT)}: {what} failed:\n{finished.stderr[-3000:]}")
    return json.loads(lines[-1][len(PREFIX):])
