"""run_sweep: executors give identical rows, failures are stored, resume, bad input."""

from __future__ import annotations

import concurrent.futures as cf
import math

import numpy as np
import pytest

from sosrmt.sweep import Grid, Store, read_rows, run_sweep
from sosrmt.sweep.examples import goe_norm

GOE = "sosrmt.sweep.examples:goe_norm"
FAULTY = "sosrmt.sweep.examples:faulty"


def _essence(rows):
    return [(r["key"], r.params, r["replicate"], r["spawn_key"], r["status"], r.results)
            for r in rows]


def test_rows_identical_across_executors(tmp_path):
    """Serial, a 2-process pool and a 3-thread pool give the same rows, in grid order."""
    grid = Grid({"n": [3, 17, 40]}, seeds=4, seed=5)
    serial = run_sweep(GOE, grid, executor="serial", quiet=True)
    pool = run_sweep(goe_norm, grid, store=tmp_path / "p.sqlite", jobs=2, quiet=True)
    with cf.ThreadPoolExecutor(3) as ex:
        threads = run_sweep(GOE, grid, executor=ex, quiet=True)
    assert len(serial) == len(grid)
    assert _essence(serial) == _essence(pool) == _essence(threads)
    assert [r["cell"] for r in pool] == list(range(len(grid)))
    assert {r["pid"] for r in pool} != {r["pid"] for r in serial}  # really other processes
    assert all(r["versions"]["numpy"] == np.__version__ for r in pool)
    assert all(r["wall_time"] > 0 and r["cpu_time"] >= 0 for r in pool)


def test_row_is_the_job_on_the_stored_stream():
    """Oracle: calling the job directly on the stored SeedSequence reproduces the row."""
    rows = run_sweep(GOE, Grid({"n": [5, 9]}, seeds=2, seed=3), executor="serial", quiet=True)
    for r in rows:
        rng = np.random.default_rng(np.random.SeedSequence(r["seed"],
                                                           spawn_key=tuple(r["spawn_key"])))
        assert goe_norm(n=r["n"], rng=rng) == r.results


def test_failing_job_is_stored_and_the_sweep_goes_on(tmp_path):
    path = tmp_path / "f.sqlite"
    grid = Grid({"x": [0, 1, 2, 3], "fail_on": [2]}, seeds=1)
    rows = run_sweep(FAULTY, grid, store=path, executor="serial", quiet=True)
    assert [r["status"] for r in rows] == ["ok", "ok", "error", "ok"]
    bad = rows[2]
    assert bad["error"] == "RuntimeError: faulty: x == fail_on == 2"
    assert "Traceback" in bad["traceback"] and "raise RuntimeError" in bad["traceback"]
    assert bad.results == {} and rows[3]["y"] == 4 and rows[3]["label"] == "x3"
    # retry_failed=False skips the failed cell; the default runs it again (it fails again)
    run_sweep(FAULTY, grid, store=path, executor="serial", quiet=True, retry_failed=False)
    assert len(read_rows(path, status="error")) == 1
    again = run_sweep(FAULTY, grid, store=path, executor="serial", quiet=True)
    assert len(read_rows(path, status="error")) == 2
    assert [r["row_id"] for r in again if r["status"] == "ok"] == [
        r["row_id"] for r in rows if r["status"] == "ok"]


def test_resume_skips_finished_cells_and_extends(tmp_path):
    path = tmp_path / "r.sqlite"
    first = run_sweep(GOE, Grid({"n": [4, 8]}, seeds=2), store=path, executor="serial",
                      quiet=True)
    grown = run_sweep(GOE, Grid({"n": [2, 4, 8]}, seeds=3), store=path, executor="serial",
                      quiet=True)
    assert len(grown) == 9
    old = {r["key"]: r for r in first}
    reused = [r for r in grown if r["key"] in old]
    assert len(reused) == 4
    assert all(r["row_id"] == old[r["key"]]["row_id"] and r.results == old[r["key"]].results
               for r in reused)
    assert len({r["run_id"] for r in grown}) == 2
    with Store(path) as st:
        assert st.count() == 9 and len(st.runs()) == 2
        # nothing to run: no new run is recorded, the rows come back from the store
        assert _essence(run_sweep(GOE, Grid({"n": [4]}, seeds=2), store=st,
                                  executor="serial", quiet=True)) == _essence(first[:2])
        assert len(st.runs()) == 2
        assert st.count() == 9  # the Store passed in stays open and usable


def _returns_list(*, rng):
    return {"v": [1, 2]}


def _returns_number(*, rng):
    return 3.0


def _clashing(*, n, rng):
    return {"n": n}


def _numpy_scalars(*, rng):
    return {"a": np.float64(1.5), "b": np.int32(2), "c": np.array(3.0), "d": np.bool_(True),
            "e": math.inf}


def test_results_must_be_flat_scalars():
    cases = [("_returns_list", {}, "list for result 'v'"),
             ("_returns_number", {}, "expected a dict"),
             ("_clashing", {"n": [1]}, "clashes with a parameter")]
    for fn, params, msg in cases:
        # a grid without parameters has one cell per seed
        (row,) = run_sweep(f"{__name__}:{fn}", Grid(params, seeds=1), executor="serial",
                           quiet=True)
        assert row["status"] == "error" and msg in row["error"]
    (row,) = run_sweep(f"{__name__}:_numpy_scalars", Grid({}, seeds=1), executor="serial",
                       quiet=True)
    assert row.results == {"a": 1.5, "b": 2, "c": 3.0, "d": True, "e": math.inf}
    assert [type(row[k]) for k in "abcd"] == [float, int, float, bool]


def test_bad_input_is_refused_before_any_job(tmp_path):
    path = tmp_path / "never.sqlite"
    grid = Grid({"n": [2]}, seeds=1)
    with pytest.raises(ValueError, match="does not accept parameter 'm'"):
        run_sweep(GOE, Grid({"n": [2], "m": [1]}, seeds=1), store=path)
    with pytest.raises(ValueError, match="cannot import module"):
        run_sweep("sosrmt.no_such_module:f", grid, store=path)
    with pytest.raises(ValueError, match="jobs"):
        run_sweep(GOE, grid, store=path, jobs=0)
    with pytest.raises(ValueError, match="executor"):
        run_sweep(GOE, grid, store=path, executor="threads")
    with pytest.raises(TypeError, match="executor"):
        run_sweep(GOE, grid, store=path, executor=42)
    with pytest.raises(TypeError, match="grid"):
        run_sweep(GOE, {"n": [2]}, store=path)
    assert not path.exists()


def test_progress_and_quiet(capsys):
    run_sweep(GOE, Grid({"n": [2]}, seeds=3), executor="serial", quiet=True, progress=True)
    assert capsys.readouterr().err == ""
    run_sweep(GOE, Grid({"n": [2]}, seeds=3), executor="serial", progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "3 cells run, 0 failed" in err  # tqdm bar and summary
    assert "<00:00" in err  # elapsed<remaining: the ETA
    run_sweep(GOE, Grid({"n": [2]}, seeds=3), executor="serial")  # stderr not a TTY: no bar
    err = capsys.readouterr().err
    assert "3/3" not in err and "3 to run" in err


@pytest.mark.parametrize(("kind", "why"), [
    ("exit_on", "exited with code 3"),
    ("segfault_on", "killed by SIGSEGV (exit code -11)"),
])
def test_crashing_cell_is_isolated_and_the_sweep_goes_on(tmp_path, kind, why):
    """A job that kills its worker breaks the pool: the cells in flight are rerun one by
    one in fresh processes, the crash is recorded on the culprit only, the sweep finishes."""
    path = tmp_path / "crash.sqlite"
    grid = Grid({"x": list(range(12)), kind: [7]}, seeds=1)
    rows = run_sweep(FAULTY, grid, store=path, jobs=2, quiet=True)
    bad = [r for r in rows if r["status"] != "ok"]
    assert [r["x"] for r in bad] == [7]
    assert bad[0]["error"].startswith("worker crash:") and why in bad[0]["error"]
    assert all(r["y"] == r["x"] + 1 for r in rows if r["status"] == "ok")
    assert len(read_rows(path, status=None)) == 12  # no innocent cell got an error row
    # resuming without retrying failed cells runs nothing; the culprit stays the only error
    again = run_sweep(FAULTY, grid, store=path, jobs=2, quiet=True, retry_failed=False)
    assert [r["x"] for r in again if r["status"] != "ok"] == [7]
    assert len(read_rows(path, status=None)) == 12
    with Store(path) as st:
        assert st.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert st.conn.execute("SELECT count(*) FROM leases").fetchone()[0] == 0


def test_hanging_cell_times_out_and_the_sweep_goes_on(tmp_path):
    grid = Grid({"x": list(range(6)), "hang_on": [2]}, seeds=1)
    rows = run_sweep(FAULTY, grid, jobs=2, quiet=True, timeout=15.0)  # >> worker start-up
    bad = [r for r in rows if r["status"] != "ok"]
    assert [r["x"] for r in bad] == [2] and bad[0]["error"].startswith("timeout:")
    assert all(r["y"] == r["x"] + 1 for r in rows if r["status"] == "ok")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"timeout": 0}, "timeout: expected a positive"),
    ({"timeout": "5"}, "timeout: expected a positive"),
    ({"timeout": 5, "executor": "serial"}, "only the local process pool"),
])
def test_timeout_refused_where_it_cannot_work(kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_sweep(FAULTY, Grid({"x": [1]}, seeds=1), quiet=True, **kwargs)


def test_two_runners_share_the_cells(tmp_path):
    """Two runners on one store claim cells: each cell is computed once, by one of them."""
    import subprocess
    import sys

    path = tmp_path / "shared.sqlite"
    code = ("from sosrmt.sweep import Grid, run_sweep\n"
            "if __name__ == '__main__':\n"
            "    run_sweep('sosrmt.sweep.examples:sleepy', Grid({'x': list(range(16)), "
            f"'seconds': [0.6]}}, seeds=1), store={str(path)!r}, jobs=1, quiet=True)\n")
    script = tmp_path / "runner.py"
    script.write_text(code)
    procs = [subprocess.Popen([sys.executable, str(script)]) for _ in range(2)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    rows = read_rows(path, status=None)
    assert len(rows) == 16 and all(r["status"] == "ok" for r in rows)
    assert len({r["pid"] for r in rows}) == 2  # both runners computed cells
    runs = {r["run_id"] for r in rows}
    assert len(runs) == 2


def test_claims_of_a_dead_runner_are_taken_over(tmp_path):
    path = tmp_path / "lease.sqlite"
    grid = Grid({"x": [0, 1, 2]}, seeds=1)
    keys = [c.key(FAULTY) for c in grid.cells()]
    with Store(path) as st:
        # a claim held by a process of this host that no longer exists
        st.conn.execute("INSERT INTO leases VALUES (?, 'dead-run', ?, ?, 0)",
                        (keys[1], __import__("socket").gethostname(), 2**22 + 12345))
        assert st.claim(keys[0], "r1") and st.claim(keys[0], "r1")  # idempotent for r1
        assert not st.claim(keys[0], "r2")  # r1 (this live process) holds it
        assert st.claim(keys[1], "r2")  # its holder's process is gone: taken over
        st.release("r1")
        st.release("r2")
        assert st.conn.execute("SELECT count(*) FROM leases").fetchone()[0] == 0
    rows = run_sweep(FAULTY, grid, store=path, executor="serial", quiet=True)
    assert [r["status"] for r in rows] == ["ok"] * 3


def test_readonly_store_object_refused(tmp_path):
    path = tmp_path / "r.sqlite"
    run_sweep(GOE, Grid({"n": [2]}, seeds=1), store=path, executor="serial", quiet=True)
    with Store(path, readonly=True) as st, pytest.raises(ValueError, match="read-only"):
        run_sweep(GOE, Grid({"n": [3]}, seeds=1), store=st, executor="serial", quiet=True)


def test_local_pool_workers_use_one_blas_thread():
    rows = run_sweep("sosrmt.sweep.examples:worker_info", Grid({}, seeds=2), jobs=2,
                     quiet=True)
    assert [r["blas_threads"] for r in rows] == [1, 1]
    assert [r["omp_num_threads"] for r in rows] == ["1", "1"]
    two = run_sweep("sosrmt.sweep.examples:worker_info", Grid({}, seeds=1), jobs=1,
                    blas_threads=2, quiet=True)
    assert two[0]["blas_threads"] == 2
