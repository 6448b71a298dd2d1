"""The embedded SQLite result store of a sweep.

One file, WAL journal, one transaction per finished cell. A row holds the cell's
parameters and results (JSON), its status (``"ok"`` or ``"error"``), the error message
and traceback of a failed job, wall and CPU time, start/finish times, host, process id and the
versions of sosrmt, Python, numpy, scipy and the solvers on the worker that ran it.

The file is identified by SQLite's ``application_id`` and carries a schema version in
``user_version``; a store of another version is refused before anything is written.
A partial unique index on the cell key of ``"ok"`` rows makes two sweeps writing the
same cells into one store safe: the second finished copy of a cell is ignored, and a
``leases`` table of claimed cells lets two runners share the work instead of both
computing every cell. Non-finite results are stored as the strings ``"NaN"``,
``"Infinity"``, ``"-Infinity"`` (and read back as floats), so the file stays strict JSON
that SQLite's ``json_extract`` reads; a string result equal to one of these three words
reads back as the float.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["APPLICATION_ID", "LEASE_TTL", "SCHEMA_VERSION", "Row", "Store", "read_rows"]

#: ``PRAGMA application_id`` of sosrmt sweep stores (ASCII "SOSW").
APPLICATION_ID = 0x534F5357
#: Version of the table layout; a store with another version is refused.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    job TEXT NOT NULL,
    grid TEXT NOT NULL,
    host TEXT,
    pid INTEGER,
    argv TEXT,
    versions TEXT
);
CREATE TABLE IF NOT EXISTS rows (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    run_id TEXT,
    job TEXT NOT NULL,
    cell INTEGER,
    seed INTEGER NOT NULL,
    replicate INTEGER NOT NULL,
    spawn_key TEXT NOT NULL,
    params TEXT NOT NULL,
    results TEXT,
    status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    error TEXT,
    traceback TEXT,
    wall_time REAL,
    cpu_time REAL,
    started_at TEXT,
    finished_at TEXT,
    host TEXT,
    pid INTEGER,
    versions TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS rows_ok_key ON rows(key) WHERE status = 'ok';
CREATE INDEX IF NOT EXISTS rows_key ON rows(key);
"""

# Claims of cells being computed, so that two runners on one store share the work. Added
# to stores of schema version 1 when they are opened for writing (a read-only store and an
# older sosrmt ignore it).
_LEASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS leases (
    key TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    claimed_at REAL NOT NULL
)
"""

#: Seconds after which a lease held by a runner on another host counts as abandoned (a
#: runner on this host holds its leases exactly as long as its process lives).
LEASE_TTL = 24 * 3600.0


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True

_ROW_COLUMNS = ("row_id", "key", "run_id", "job", "cell", "seed", "replicate", "spawn_key",
                "params", "results", "status", "error", "traceback", "wall_time", "cpu_time",
                "started_at", "finished_at", "host", "pid", "versions")


class Row(dict):
    """A stored row: a flat dict of bookkeeping columns, parameters and results.

    ``row["n"]``, ``row["norm"]``, ``row["status"]`` all work; ``row.params`` and
    ``row.results`` give the two groups separately.
    """

    __slots__ = ("param_names", "result_names")

    def __init__(self, meta: Mapping[str, Any], params: Mapping[str, Any],
                 results: Mapping[str, Any] | None) -> None:
        super().__init__(meta)
        self.update(params)
        if results:
            self.update(results)
        self.param_names: tuple[str, ...] = tuple(params)
        self.result_names: tuple[str, ...] = tuple(results or ())

    @property
    def params(self) -> dict[str, Any]:
        """The cell's parameters."""
        return {k: self[k] for k in self.param_names}

    @property
    def results(self) -> dict[str, Any]:
        """The job's results (empty for a failed job)."""
        return {k: self[k] for k in self.result_names}

    def __reduce__(self):  # keep the two name groups through pickling
        return (_rebuild_row, (dict(self), self.param_names, self.result_names))


def _rebuild_row(data: dict, param_names: tuple, result_names: tuple) -> Row:
    meta = {k: v for k, v in data.items() if k not in param_names and k not in result_names}
    return Row(meta, {k: data[k] for k in param_names}, {k: data[k] for k in result_names})


#: How non-finite float results are written: JSON has no NaN or infinity, and SQLite's
#: ``json_extract`` refuses a document that holds Python's ``NaN`` token.
_NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _results_json(results: Mapping[str, Any]) -> str:
    def encode(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
        return v
    return json.dumps({k: encode(v) for k, v in results.items()}, allow_nan=False)


def _results_from_json(text: str) -> dict[str, Any]:
    return {k: _NONFINITE.get(v, v) if isinstance(v, str) else v
            for k, v in json.loads(text).items()}


def _row_from_record(rec: Sequence[Any]) -> Row:
    d = dict(zip(_ROW_COLUMNS, rec, strict=True))
    params = json.loads(d.pop("params"))
    results = _results_from_json(d.pop("results")) if d["results"] is not None else None
    d.pop("results", None)
    d["spawn_key"] = json.loads(d["spawn_key"])
    d["versions"] = json.loads(d["versions"]) if d["versions"] else {}
    return Row(d, params, results)


class Store:
    """An open sweep store (SQLite file, or in memory when ``path`` is None).

    Parameters
    ----------
    path : str, Path or None
        File to open or create. None keeps the rows in memory only.
    create : bool
        Create the file (and its folder) when missing; otherwise a missing file
        raises FileNotFoundError.
    readonly : bool
        Open an existing store for reading only (nothing is written, not even the
        journal mode).
    synchronous : {"NORMAL", "FULL"}
        SQLite ``synchronous`` setting. With the WAL journal, ``"NORMAL"`` (default)
        keeps every committed row through a killed process (SIGKILL, OOM killer) at
        ~0.3 ms per row; ``"FULL"`` also through power loss or an OS crash, at the cost
        of an fsync per row (~10 ms on a busy virtual disk).
    timeout : float
        Seconds to wait for a lock held by another writer before giving up.

    Raises
    ------
    ValueError
        If the path cannot be created or written, is not a sosrmt store, or holds a
        store of another schema version. Nothing is written in that case.

    Examples
    --------
    >>> with Store(None) as st:
    ...     st.count()
    0
    """

    def __init__(self, path: str | Path | None, *, create: bool = True,
                 readonly: bool = False, synchronous: str = "NORMAL",
                 timeout: float = 60.0) -> None:
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"synchronous: expected 'NORMAL' or 'FULL', got {synchronous!r}")
        self.synchronous = synchronous
        self.path = None if path is None or str(path) == ":memory:" else Path(path)
        self.timeout = float(timeout)
        self.readonly = bool(readonly) and self.path is not None
        self._conn = self._open(create)

    # -- opening ---------------------------------------------------------------------
    def _open(self, create: bool) -> sqlite3.Connection:
        if self.path is None:
            conn = sqlite3.connect(":memory:", isolation_level=None)
            conn.executescript(_SCHEMA)
            conn.execute(_LEASE_SCHEMA)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return conn
        path = self.path
        if path.is_dir():
            raise ValueError(f"store: {str(path)!r} is a folder, expected a file path")
        exists = path.exists() and path.stat().st_size > 0
        if not exists and (not create or self.readonly):
            raise FileNotFoundError(f"store: no such file {str(path)!r}")
        if self.readonly:
            try:
                conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                       timeout=self.timeout, isolation_level=None)
            except sqlite3.Error as exc:
                raise ValueError(f"store: cannot open {str(path)!r} ({exc})") from None
            try:
                self._check_header(conn, exists)
                if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                    raise ValueError(f"store: {str(path)!r} is not a sosrmt sweep store")
            except BaseException:
                conn.close()
                raise
            return conn
        if not exists:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ValueError(f"store: cannot create the folder of {str(path)!r} "
                                 f"({exc.strerror or exc})") from None
            if not os.access(path.parent, os.W_OK | os.X_OK):
                raise ValueError(f"store: folder of {str(path)!r} is not writable")
        try:
            conn = sqlite3.connect(str(path), timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise ValueError(f"store: cannot open {str(path)!r} ({exc})") from None
        try:
            self._check_header(conn, exists)
            if not exists:
                self._initialise(conn)
            self._retry(lambda: conn.execute(_LEASE_SCHEMA))
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise ValueError(f"store: cannot switch {str(path)!r} to WAL mode (got {mode})")
            # WAL + NORMAL: a committed row survives a killed process; FULL: power loss too.
            conn.execute(f"PRAGMA synchronous = {self.synchronous}")
            self._retry(lambda: conn.execute("BEGIN IMMEDIATE"))
            conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            conn.close()
            raise ValueError(f"store: cannot use {str(path)!r} ({exc})") from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_header(self, conn: sqlite3.Connection, exists: bool) -> None:
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            ntables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"store: {str(self.path)!r} is not an SQLite file ({exc})") from None
        if app_id == APPLICATION_ID:
            if version != SCHEMA_VERSION:
                raise ValueError(
                    f"store: {str(self.path)!r} was written with sweep store schema version "
                    f"{version}, this sosrmt reads version {SCHEMA_VERSION}; use another "
                    "store path (the file was left unchanged)")
        elif exists and ntables > 0:
            raise ValueError(f"store: {str(self.path)!r} is an SQLite file but not a sosrmt "
                             "sweep store (the file was left unchanged)")

    def _initialise(self, conn: sqlite3.Connection) -> None:
        def init() -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                    for stmt in _SCHEMA.strip().split(";"):
                        if stmt.strip():
                            conn.execute(stmt)
                    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        self._retry(init)

    def _retry(self, fn, attempts: int = 20):
        """Run ``fn`` again when another writer holds the lock past the busy timeout."""
        for i in range(attempts):
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or i == attempts - 1:
                    raise
                time.sleep(min(0.05 * 2**i, 2.0))
        return None

    # -- context manager ---------------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("store: the store is closed")
        return self._conn

    # -- writing -----------------------------------------------------------------------
    def add_run(self, run_id: str, job: str, grid: Mapping[str, Any],
                versions: Mapping[str, Any], argv: Sequence[str] | None = None) -> None:
        """Record the start of a sweep run (provenance)."""
        import socket
        from datetime import UTC, datetime

        values = (run_id, datetime.now(UTC).isoformat(), job, json.dumps(grid),
                  socket.gethostname(), os.getpid(), json.dumps(list(argv or [])),
                  json.dumps(dict(versions)))
        self._retry(lambda: self.conn.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values))

    def add_row(self, row: Mapping[str, Any]) -> bool:
        """Append one finished cell in its own transaction.

        Returns False when an ``"ok"`` row for the same key already exists (another
        sweep finished the cell first); the new copy is then dropped.
        """
        values = (
            row["key"], row.get("run_id"), row["job"], row.get("cell"), row["seed"],
            row["replicate"], json.dumps(list(row["spawn_key"])), json.dumps(row["params"]),
            None if row.get("results") is None else _results_json(row["results"]),
            row["status"], row.get("error"), row.get("traceback"), row.get("wall_time"),
            row.get("cpu_time"),
            row.get("started_at"), row.get("finished_at"), row.get("host"), row.get("pid"),
            json.dumps(row.get("versions") or {}),
        )
        sql = ("INSERT OR IGNORE INTO rows (key, run_id, job, cell, seed, replicate, spawn_key,"
               " params, results, status, error, traceback, wall_time, cpu_time, started_at,"
               " finished_at, host, pid, versions) VALUES"
               " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        # isolation_level=None: this single statement is its own transaction, committed
        # (and, with synchronous=FULL, synced) before execute() returns.
        cur = self._retry(lambda: self.conn.execute(sql, values))
        self._retry(lambda: self.conn.execute("DELETE FROM leases WHERE key = ?", (row["key"],)))
        return cur.rowcount == 1

    # -- leases --------------------------------------------------------------------------
    def claim(self, key: str, run_id: str) -> bool:
        """Claim the cell ``key`` for the run ``run_id``; False if another live run holds it.

        A claim is a row of the ``leases`` table naming the run, its host and process. It
        is free again when the cell's row is stored, when :meth:`release` drops it, or
        when its holder is gone: a process on this host that no longer exists, or a
        claim on another host older than :data:`LEASE_TTL`. A finished cell cannot be
        claimed.
        """
        import socket

        host, pid, now = socket.gethostname(), os.getpid(), time.time()

        def attempt() -> bool:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                if conn.execute("SELECT 1 FROM rows WHERE key = ? AND status = 'ok'",
                                (key,)).fetchone():
                    conn.execute("COMMIT")
                    return False
                held = conn.execute("SELECT run_id, host, pid, claimed_at FROM leases "
                                    "WHERE key = ?", (key,)).fetchone()
                if held is not None and held[0] != run_id:
                    other_host, other_pid, claimed_at = held[1], held[2], held[3]
                    alive = (_process_alive(other_pid) if other_host == host
                             else now - claimed_at < LEASE_TTL)
                    if alive:
                        conn.execute("COMMIT")
                        return False
                conn.execute("INSERT OR REPLACE INTO leases VALUES (?, ?, ?, ?, ?)",
                             (key, run_id, host, pid, now))
                conn.execute("COMMIT")
                return True
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return bool(self._retry(attempt))

    def release(self, run_id: str, keys: Iterable[str] | None = None) -> None:
        """Drop the claims of ``run_id`` (on ``keys``, or all of them)."""
        if keys is None:
            self._retry(lambda: self.conn.execute("DELETE FROM leases WHERE run_id = ?",
                                                  (run_id,)))
            return
        for key in keys:
            self._retry(lambda k=key: self.conn.execute(
                "DELETE FROM leases WHERE key = ? AND run_id = ?", (k, run_id)))

    # -- reading -----------------------------------------------------------------------
    def finished_keys(self, keys: Iterable[str] | None = None) -> set[str]:
        """Keys of the cells that have an ``"ok"`` row."""
        found = {k for (k,) in self.conn.execute("SELECT key FROM rows WHERE status = 'ok'")}
        return found if keys is None else found & set(keys)

    def failed_keys(self) -> set[str]:
        """Keys of cells with an error row and no ``"ok"`` row."""
        return {k for (k,) in self.conn.execute(
            "SELECT DISTINCT key FROM rows WHERE status = 'error' AND key NOT IN "
            "(SELECT key FROM rows WHERE status = 'ok')")}

    def rows(self, *, status: str | None = None, job: str | None = None,
             keys: Iterable[str] | None = None) -> list[Row]:
        """Stored rows in insertion order, optionally filtered.

        Parameters
        ----------
        status : {"ok", "error", None}
            Keep only rows of this status (None: all).
        job : str, optional
            Keep only rows of this job (``"module:function"``).
        keys : iterable of str, optional
            Keep only rows of these cell keys.
        """
        if status not in (None, "ok", "error"):
            raise ValueError(f"status: expected 'ok', 'error' or None, got {status!r}")
        sql = f"SELECT {', '.join(_ROW_COLUMNS)} FROM rows"
        where, args = [], []
        if status is not None:
            where.append("status = ?")
            args.append(status)
        if job is not None:
            where.append("job = ?")
            args.append(job)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY row_id"
        out = [_row_from_record(r) for r in self.conn.execute(sql, args)]
        if keys is not None:
            wanted = set(keys)
            out = [r for r in out if r["key"] in wanted]
        return out

    def runs(self) -> list[dict[str, Any]]:
        """The recorded runs (provenance), oldest first."""
        cols = ("run_id", "started_at", "job", "grid", "host", "pid", "argv", "versions")
        out = []
        for rec in self.conn.execute(f"SELECT {', '.join(cols)} FROM runs ORDER BY started_at"):
            d = dict(zip(cols, rec, strict=True))
            for k in ("grid", "argv", "versions"):
                d[k] = json.loads(d[k]) if d[k] else None
            out.append(d)
        return out

    def count(self, status: str | None = None) -> int:
        """Number of rows (of the given status)."""
        if status is None:
            return self.conn.execute("SELECT count(*) FROM rows").fetchone()[0]
        return self.conn.execute("SELECT count(*) FROM rows WHERE status = ?",
                                 (status,)).fetchone()[0]


def read_rows(store: str | Path | Store, *, status: str | None = "ok",
              job: str | None = None) -> list[Row]:
    """Read the rows of a store file (default: the finished, ``"ok"`` rows).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sosrmt.sweep import Grid, run_sweep
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "r.sqlite"
    >>> _ = run_sweep("sosrmt.sweep.examples:goe_norm", Grid({"n": [2, 3]}, seeds=2),
    ...               store=path, executor="serial", quiet=True)
    >>> rows = read_rows(path)
    >>> len(rows), sorted(rows[0].results)
    (4, ['norm', 'norm_over_sqrt_n'])
    """
    if isinstance(store, Store):
        return store.rows(status=status, job=job)
    with Store(store, readonly=True) as st:
        return st.rows(status=status, job=job)
