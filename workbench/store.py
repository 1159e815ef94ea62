"""The run store: a SQLite index plus one folder per run.

Every run, whatever its method, leaves the same artifacts in its folder: `spec.yaml`,
`metrics.json` and `predictions.parquet` (row_id, label, one probability column per class,
predicted). Comparisons are joins over these. Files are written to a temporary name and renamed,
and SQLite runs in WAL mode, so a crash never leaves half a run behind.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from workbench.errors import WorkbenchError
from workbench.paths import workbench_home

STATUSES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
ACTIVE_STATUSES = ("queued", "running")
FINAL_STATUSES = {"done", "failed", "cancelled", "interrupted"}
RUNS_ENV = "WORKBENCH_RUNS"
RUNS_FOLDER = "runs"
INDEX_FILE = "index.sqlite3"
SPEC_FILE = "spec.yaml"  # in each run folder, with these two
METRICS_FILE = "metrics.json"
PREDICTIONS_FILE = "predictions.parquet"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    method TEXT NOT NULL,
    dataset TEXT NOT NULL,
    model TEXT,
    name TEXT,
    cache_key TEXT NOT NULL,
    status TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    metrics TEXT,
    progress TEXT,
    error TEXT,
    pid INTEGER
);
CREATE INDEX IF NOT EXISTS runs_cache_key ON runs (cache_key, status);
CREATE INDEX IF NOT EXISTS runs_dataset ON runs (dataset);
"""


class RunNotFoundError(WorkbenchError):
    pass


@dataclass
class RunRecord:
    id: str
    kind: str
    method: str
    dataset: str
    model: str | None
    name: str | None
    cache_key: str
    status: str
    spec: dict
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    metrics: dict = field(default_factory=dict)
    progress: dict = field(default_factory=dict)
    error: str | None = None
    pid: int | None = None
    folder: Path | None = None

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    def to_json(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "folder"}
        data["folder"] = str(self.folder) if self.folder else None
        return data


def default_root() -> Path:
    root = os.environ.get(RUNS_ENV)
    return Path(root).expanduser() if root else workbench_home() / "runs"


def _now() -> float:
    return time.time()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def new_run_id(kind: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{kind}-{secrets.token_hex(3)}"


class Store:
    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root else default_root()
        self.runs_dir = self.root / RUNS_FOLDER
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.root / INDEX_FILE
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @classmethod
    def of_run_folder(cls, run_dir: Path | str) -> tuple["Store", str]:
        """(store, run id) of a run folder <store>/runs/<run id>, checked before opening: opening
        a Store creates one wherever it points."""
        folder = Path(run_dir).resolve()
        root = folder.parent.parent
        if not (folder.is_dir() and folder.parent.name == "runs"
                and (root / INDEX_FILE).is_file()):
            raise WorkbenchError(
                f"{run_dir} is not a run folder of a run store: expected <store>/runs/<run id>, "
                f"with the store's {INDEX_FILE} in <store>."
            )
        return cls(root), folder.name

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.db_path, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.row_factory = sqlite3.Row
            with db:
                yield db
        finally:
            db.close()

    # -- writing ------------------------------------------------------------------------------

    def create(
        self, *, kind: str, method: str, dataset: str, model: str | None, cache_key: str,
        spec: dict, spec_yaml: str, name: str | None = None, status: str = "queued",
    ) -> RunRecord:
        run_id = new_run_id(kind)
        folder = self.runs_dir / run_id
        folder.mkdir(parents=True)
        _write_atomic(folder / SPEC_FILE, spec_yaml.encode())
        with self._connect() as db:
            db.execute(
                "INSERT INTO runs (id, kind, method, dataset, model, name, cache_key, status, spec,"
                " created_at, pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, kind, method, dataset, model, name, cache_key, status, json.dumps(spec),
                 _now(), os.getpid()),
            )
        return self.get(run_id)

    def _update(self, run_id: str, **fields: Any) -> None:
        columns = ", ".join(f"{key} = ?" for key in fields)
        with self._connect() as db:
            db.execute(f"UPDATE runs SET {columns} WHERE id = ?", (*fields.values(), run_id))

    def start(self, run_id: str, pid: int | None = None) -> None:
        self._update(run_id, status="running", started_at=_now(), pid=pid or os.getpid())

    def claim(self, run_id: str, pid: int) -> None:
        """The process that will run this queued run (its liveness decides `interrupted`)."""
        self._update(run_id, pid=pid)

    def progress(self, run_id: str, **progress: Any) -> None:
        self._update(run_id, progress=json.dumps(progress))

    def finish(
        self, run_id: str, metrics: dict, predictions: pd.DataFrame | None = None,
        status: str = "done",
    ) -> None:
        """Write the artifacts, then mark the run: a run is done only with its files.

        A run stopped early keeps its artifacts with status `cancelled`, so the cache never
        answers a later identical spec with it."""
        folder = self.folder(run_id)
        if predictions is not None:
            tmp = folder / ".predictions.parquet.tmp"
            predictions.to_parquet(tmp, index=False)
            os.replace(tmp, folder / PREDICTIONS_FILE)
        _write_atomic(folder / METRICS_FILE, json.dumps(metrics, indent=2).encode())
        self._update(run_id, status=status, finished_at=_now(), metrics=json.dumps(metrics))

    def fail(self, run_id: str, error: str, status: str = "failed") -> None:
        self._update(run_id, status=status, finished_at=_now(), error=error)

    def delete(self, run_id: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        shutil.rmtree(self.runs_dir / run_id, ignore_errors=True)

    # -- reading ------------------------------------------------------------------------------

    def folder(self, run_id: str) -> Path:
        return self.runs_dir / run_id

    def _record(self, row: sqlite3.Row) -> RunRecord:
        return RunRecord(
            id=row["id"], kind=row["kind"], method=row["method"], dataset=row["dataset"],
            model=row["model"], name=row["name"], cache_key=row["cache_key"],
            status=row["status"], spec=json.loads(row["spec"]), created_at=row["created_at"],
            started_at=row["started_at"], finished_at=row["finished_at"],
            metrics=json.loads(row["metrics"]) if row["metrics"] else {},
            progress=json.loads(row["progress"]) if row["progress"] else {},
            error=row["error"], pid=row["pid"], folder=self.runs_dir / row["id"],
        )

    def get(self, run_id: str) -> RunRecord:
        with self._connect() as db:
            row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise RunNotFoundError(f"No run with id {run_id!r} in {self.root}.")
        return self._record(row)

    def find_done(self, cache_key: str) -> RunRecord | None:
        """The latest finished run with this cache key whose artifacts are all there."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM runs WHERE cache_key = ? AND status = 'done' "
                "ORDER BY finished_at DESC", (cache_key,),
            ).fetchall()
        for row in rows:
            record = self._record(row)
            if (record.folder / METRICS_FILE).is_file():
                return record
        return None

    def find_reusable(self, cache_key: str) -> RunRecord | None:
        """A run with this cache key that is done or still on its way (queued or running): what a
        page reuses instead of starting the same run again."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM runs WHERE cache_key = ? AND status IN (?, ?) "
                "ORDER BY created_at DESC LIMIT 1", (cache_key, *ACTIVE_STATUSES),
            ).fetchall()
        return self._record(rows[0]) if rows else self.find_done(cache_key)

    def list(self, dataset: str | None = None, status: str | None = None) -> list[RunRecord]:
        query, args = "SELECT * FROM runs", []
        conditions = []
        if dataset:
            conditions.append("dataset = ?")
            args.append(dataset)
        if status:
            conditions.append("status = ?")
            args.append(status)
        if conditions:
            query += " WHERE " + " AND ".join(conditions)
        query += " ORDER BY created_at DESC"
        with self._connect() as db:
            return [self._record(row) for row in db.execute(query, args).fetchall()]

    def predictions(self, run_id: str) -> pd.DataFrame:
        path = self.folder(run_id) / PREDICTIONS_FILE
        if not path.is_file():
            raise RunNotFoundError(f"Run {run_id} has no predictions file.")
        return pd.read_parquet(path)

    def reconcile(self) -> list[str]:
        """Mark runs whose process is gone but never finished as `interrupted`."""
        interrupted = []
        for record in self.list(status="running") + self.list(status="queued"):
            if record.pid and not process_alive(record.pid):
                self.fail(record.id, "Interrupted: the process running it (or the app that "
                          "started it) stopped before the run finished. Launch it again to "
                          "redo it.", status="interrupted")
                interrupted.append(record.id)
        return interrupted


def process_alive(pid: int) -> bool:
    """True while the process runs. A zombie counts as gone: its parent died and nobody reaps it
    (PID 1 in a container often does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:  # no /proc (macOS): trust the signal check
        return True
