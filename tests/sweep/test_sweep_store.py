"""The SQLite store: schema, round trips, refusal of foreign/incompatible files, locking."""

from __future__ import annotations

import hashlib
import math
import pickle
import sqlite3
import threading

import pytest

from sosrmt.sweep import SCHEMA_VERSION, Grid, Store, read_rows, run_sweep
from sosrmt.sweep.store import APPLICATION_ID

JOB = "sosrmt.sweep.examples:faulty"


def _row(key="k1", status="ok", results=None, **extra):
    base = {"key": key, "run_id": "r", "job": "m:f", "cell": 0, "seed": 0, "replicate": 0,
            "spawn_key": [0, 1, 2], "params": {"n": 3, "model": "a"},
            "results": {"v": 1.5, "s": "x", "none": None, "bad": math.nan}
            if results is None and status == "ok" else results,
            "status": status, "error": None if status == "ok" else "E: boom",
            "traceback": None if status == "ok" else "Traceback...", "wall_time": 0.25,
            "host": "h", "pid": 1, "versions": {"numpy": "x"}}
    return base | extra


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_store_pragmas_and_round_trip(tmp_path):
    path = tmp_path / "deep" / "r.sqlite"
    with Store(path) as st:
        assert st.add_row(_row())
        assert not st.add_row(_row())  # a second ok copy of one cell is dropped
        assert st.add_row(_row("k2", status="error"))
        assert st.add_row(_row("k2", status="error"))  # error rows are history, kept
        assert (st.count(), st.count("ok"), st.count("error")) == (3, 1, 2)
        assert st.finished_keys() == {"k1"} and st.failed_keys() == {"k2"}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # strict JSON: a NaN result is stored as "NaN", so SQLite's JSON functions read every row
    assert conn.execute("SELECT json_extract(results, '$.bad'), json_extract(results, '$.v') "
                        "FROM rows WHERE status = 'ok'").fetchone() == ("NaN", 1.5)
    conn.close()
    (row,) = read_rows(path)
    assert row.params == {"n": 3, "model": "a"}
    assert row["v"] == 1.5 and row["s"] == "x" and row["none"] is None and math.isnan(row["bad"])
    assert row["spawn_key"] == [0, 1, 2] and row["versions"] == {"numpy": "x"}
    assert set(row.results) == {"v", "s", "none", "bad"}
    back = pickle.loads(pickle.dumps(row))
    assert back.params == row.params and back.result_names == row.result_names
    errors = read_rows(path, status="error")
    assert len(errors) == 2 and errors[0]["error"] == "E: boom" and errors[0].results == {}
    assert len(read_rows(path, status=None)) == 3


def test_synchronous_setting(tmp_path):
    with Store(tmp_path / "a.sqlite", synchronous="FULL") as st:
        assert st.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    with Store(tmp_path / "b.sqlite") as st:
        assert st.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    with pytest.raises(ValueError, match="synchronous"):
        Store(tmp_path / "c.sqlite", synchronous="OFF")
    assert not (tmp_path / "c.sqlite").exists()


def test_memory_store_and_bad_status():
    with Store(None) as st:
        st.add_row(_row())
        assert st.count() == 1
        with pytest.raises(ValueError, match="status"):
            st.rows(status="done")


def _populated(tmp_path):
    path = tmp_path / "r.sqlite"
    run_sweep(JOB, Grid({"x": [1, 2]}, seeds=1), store=path, executor="serial", quiet=True)
    return path


def test_incompatible_schema_version_refused_and_untouched(tmp_path):
    path = _populated(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(ValueError, match="schema version 99"):
        Store(path)
    with pytest.raises(ValueError, match="schema version 99"):
        run_sweep(JOB, Grid({"x": [3]}, seeds=1), store=path, executor="serial", quiet=True)
    with pytest.raises(ValueError, match="schema version 99"):
        read_rows(path)
    assert _digest(path) == before


def test_foreign_files_refused_and_untouched(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("these are my notes, not a database, " * 40)
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (a)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    for path, match in ((text, "not an SQLite file"), (other, "not a sosrmt sweep store")):
        before = _digest(path)
        with pytest.raises(ValueError, match=match):
            run_sweep(JOB, Grid({"x": [1]}, seeds=1), store=path, executor="serial",
                      quiet=True)
        assert _digest(path) == before


def test_unwritable_store_paths(tmp_path):
    afile = tmp_path / "a_file"
    afile.write_text("x")
    with pytest.raises(ValueError, match="cannot create the folder"):
        Store(afile / "r.sqlite")
    with pytest.raises(ValueError, match="is a folder"):
        Store(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such file"):
        Store(tmp_path / "missing.sqlite", readonly=True)
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_rows(tmp_path / "missing.sqlite")
    assert not (tmp_path / "missing.sqlite").exists()


def test_readonly_store_reads_without_writing(tmp_path):
    path = _populated(tmp_path)
    with Store(path, readonly=True) as st:
        assert st.count("ok") == 2
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            st.conn.execute("DELETE FROM rows")


def test_two_sweeps_writing_one_store(tmp_path):
    """Two concurrent sweeps (own connections) on the same cells: one ok row per cell."""
    path = tmp_path / "shared.sqlite"
    grid = Grid({"x": list(range(30))}, seeds=2)
    errors = []

    def work():
        try:
            run_sweep(JOB, grid, store=path, executor="serial", quiet=True)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = read_rows(path)
    assert len(rows) == len(grid) == len({r["key"] for r in rows})
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
