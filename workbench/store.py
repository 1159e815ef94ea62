"""The run store: a SQLite index plus one folder per run.

Every run, whatever its method, leaves the same artifacts in its folder: `spec.yaml`,
`metrics.json` and `predictions.parquet` (row_id, label, one probability column per class,
predicted). Comparisons are joins over these. Files are written to a temporary name and renamed,
and SQLite runs in WAL mode, so a crash never leaves half a run behind.

Faults: a file that cannot be written (disk full, a file-size limit, a read-only folder) raises a
`StoreWriteError` that says so, and leaves no temporary file and nothing under the final name. A
run is marked failed, cancelled or interrupted only while it is still queued or running
(`fail` is a compare-and-set), so a run that just finished is never turned `interrupted` by a
reconciliation that raced with it. A damaged index file raises a `StoreDamagedError` that says what
to do; a damaged or missing run folder is reported by `artifact_problem`.

Over 400 lines as one idea: the index and the run folders it points to change together
(temporary names, compare-and-set status), so they are written in one module.
"""

from __future__ import annotations

import errno
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


class StoreWriteError(WorkbenchError):
    """A run's file could not be written (disk full, a size limit, no permission)."""


class StoreDamagedError(WorkbenchError):
    """The run index is not a readable SQLite database."""


DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
DISK_FULL_MARKERS = ("no space left", "file too large", "disk quota", "database or disk is full")


def is_disk_full(error: BaseException) -> bool:
    """No room to write: ENOSPC, EFBIG (a file-size limit), EDQUOT, or SQLite's "disk is full"."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if getattr(error, "errno", None) in DISK_FULL_ERRNOS:
            return True
        if any(marker in str(error).lower() for marker in DISK_FULL_MARKERS):
            return True
        error = error.__cause__ or error.__context__
    return False


def write_error(path: Path, error: BaseException) -> StoreWriteError:
    """A plain-language StoreWriteError for a failed write of `path`."""
    if is_disk_full(error):
        return StoreWriteError(
            f"Disk full: could not write {path.name} in {path.parent} ({error}). Nothing was "
            "kept under that name. Free some space (or raise the file-size limit) and run it "
            "again."
        )
    return StoreWriteError(f"Could not write {path.name} in {path.parent}: "
                           f"{type(error).__name__}: {error}")


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


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def _write_temporary(path: Path, write) -> Path:
    """`write(tmp)` into a temporary name next to `path`; the temporary path, fsynced. On any
    failure the temporary file is removed and a StoreWriteError raised."""
    tmp = _temporary_name(path)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
    except BaseException as error:
        tmp.unlink(missing_ok=True)
        if isinstance(error, Exception):
            raise write_error(path, error) from error
        raise
    return tmp


def _write_atomic(path: Path, data: bytes) -> None:
    os.replace(_write_temporary(path, lambda tmp: tmp.write_bytes(data)), path)


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
        # timeout: SQLite's busy timeout, so concurrent writers (the app's sessions, the runs'
        # processes, the CLI) wait for each other instead of failing with "database is locked".
        try:
            db = sqlite3.connect(self.db_path, timeout=30)
        except sqlite3.Error as error:
            raise self._index_error(error) from error
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.row_factory = sqlite3.Row
            with db:
                yield db
        except sqlite3.Error as error:
            raise self._index_error(error) from error
        finally:
            db.close()

    def _index_error(self, error: sqlite3.Error) -> Exception:
        """A plain-language error for a damaged index or a full disk; other SQLite errors (a
        lock held past the busy timeout, say) as they are."""
        if type(error) is sqlite3.DatabaseError:  # "file is not a database", "malformed"
            return StoreDamagedError(
                f"The run index {self.db_path} cannot be read ({error}): it is damaged or not a "
                f"run index. Move it away (the run folders in {self.runs_dir} stay as they are) "
                "and the workbench starts a new, empty index there."
            )
        if is_disk_full(error):
            return write_error(self.db_path, error)
        return error

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
        written: list[tuple[Path, Path]] = []  # (temporary, final): renamed only once all exist
        try:
            if predictions is not None:
                final = folder / PREDICTIONS_FILE
                written.append((_write_temporary(
                    final, lambda tmp: predictions.to_parquet(tmp, index=False)), final))
            final = folder / METRICS_FILE
            text = json.dumps(metrics, indent=2).encode()
            written.append((_write_temporary(final, lambda tmp: tmp.write_bytes(text)), final))
        except BaseException:
            for tmp, _ in written:
                tmp.unlink(missing_ok=True)
            raise
        for tmp, final in written:
            os.replace(tmp, final)
        self._update(run_id, status=status, finished_at=_now(), metrics=json.dumps(metrics))

    def fail(self, run_id: str, error: str, status: str = "failed") -> bool:
        """Mark a queued or running run as ended without results. False, and nothing changed,
        when the run has already ended: a finished run's record is never overwritten."""
        return self._end_while_active(run_id, status, error)

    def _end_while_active(self, run_id: str, status: str, error: str, pid: int | None = None) -> bool:
        """One compare-and-set statement: the run ends only if it is still queued or running
        (and, with `pid`, still held by that process)."""
        placeholders = ", ".join("?" for _ in ACTIVE_STATUSES)
        condition = f"id = ? AND status IN ({placeholders})"
        parameters = [status, _now(), error, run_id, *ACTIVE_STATUSES]
        if pid is not None:
            condition += " AND pid = ?"
            parameters.append(pid)
        with self._connect() as db:
            cursor = db.execute(
                f"UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE {condition}",
                parameters)
            return cursor.rowcount > 0

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
            if self.artifact_problem(record) is None:
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
        """Mark runs whose process is gone but never finished as `interrupted`.

        Only a run still active with the same dead pid is changed (one statement): a run that
        finished, or was claimed by a new process, between the listing and the check stays as
        it is. Many sessions may reconcile at once."""
        interrupted = []
        for record in self.list(status="running") + self.list(status="queued"):
            if record.pid and not process_alive(record.pid) and self._interrupt(record):
                interrupted.append(record.id)
        return interrupted

    def _interrupt(self, record: RunRecord) -> bool:
        return self._end_while_active(
            record.id, "interrupted",
            "Interrupted: the process running it (or the app that started it) stopped before "
            "the run finished. Launch it again to redo it.", pid=record.pid)

    def artifact_problem(self, record: RunRecord) -> str | None:
        """Why a run's folder cannot back its record (None when it can): the folder or its
        spec is gone, or a finished run's metrics or predictions are missing or damaged. Cheap:
        metrics.json is parsed, predictions.parquet only checked at both ends."""
        folder = record.folder or self.folder(record.id)
        if not folder.is_dir():
            return f"Its folder {folder} is missing: the run's files were deleted."
        if not (folder / SPEC_FILE).is_file():
            return f"Its {SPEC_FILE} is missing from {folder}."
        if record.status not in ("done", "cancelled"):
            return None
        try:
            json.loads((folder / METRICS_FILE).read_text())
        except FileNotFoundError:
            return f"Its {METRICS_FILE} is missing from {folder}."
        except (OSError, ValueError) as error:
            return f"Its {METRICS_FILE} is damaged ({type(error).__name__}); run it again."
        predictions = folder / PREDICTIONS_FILE
        if predictions.exists() and not _looks_like_parquet(predictions):
            return f"Its {PREDICTIONS_FILE} is damaged (not a Parquet file); run it again."
        return None


def _looks_like_parquet(path: Path) -> bool:
    """Parquet's magic bytes at both ends: a truncated or foreign file fails this."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
            if os.fstat(handle.fileno()).st_size < 12:
                return False
            handle.seek(-4, os.SEEK_END)
            return head == b"PAR1" and handle.read(4) == b"PAR1"
    except OSError:
        return False


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
