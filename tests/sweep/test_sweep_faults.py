"""Real faults: a sweep process killed with SIGKILL or interrupted with Ctrl-C (SIGINT).

The sweep runs as ``python -m sosrmt sweep run`` in its own process group (as a shell
runs a foreground job), so the signal reaches it and its workers as from a terminal.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from sosrmt.sweep import Store, load_spec, read_rows, run_spec

pytestmark = pytest.mark.slow

SPEC = """job = "sosrmt.sweep.examples:sleepy"
seeds = 1
[params]
seconds = 0.15
x = [{xs}]
"""


def _start(tmp_path, cells=12, jobs=2):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.format(xs=", ".join(str(i) for i in range(cells))))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sosrmt", "sweep", "run", str(spec), "--jobs", str(jobs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return spec, proc


def _wait_for_rows(path, proc, k):
    """Poll the store until it holds >= k finished rows (a guard, not a timing assertion)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"sweep ended early: {proc.communicate()}")
        if path.exists():
            try:
                with Store(path, readonly=True) as st:
                    n = st.count("ok")
            except (ValueError, FileNotFoundError, sqlite3.Error):  # still being created
                n = 0
            if n >= k:
                return n
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the sweep stored no rows in 120 s")


def _wait_group_gone(pgid):
    """Poll until no process of the group is left (a guard, not a timing assertion)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.killpg(pgid, signal.SIGKILL)
    pytest.fail("worker processes survived the interrupted sweep")


def _check_resume(spec, path, seen_before, total):
    kept = {r["key"]: r["row_id"] for r in read_rows(path)}
    assert len(kept) >= seen_before  # no finished row was lost
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    rows = run_spec(spec, executor="serial", quiet=True)
    assert len(rows) == total and all(r["status"] == "ok" for r in rows)
    # the finished rows were skipped (same row ids); the others were run now, once
    assert all(r["row_id"] == kept[r["key"]] for r in rows if r["key"] in kept)
    assert len(read_rows(path)) == total
    # and the results are those of an uninterrupted sweep (seeds do not depend on history)
    cells = list(load_spec(spec).grid.cells())
    assert [r["u"] for r in rows] == [c.rng().random() for c in cells]
    assert [r["x2"] for r in rows] == [c.params["x"] ** 2 for c in cells]


def test_sigkill_loses_no_finished_row_and_resumes(tmp_path):
    spec, proc = _start(tmp_path)
    path = tmp_path / "results.sqlite"
    seen = _wait_for_rows(path, proc, 3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    with Store(path, readonly=True) as st:
        assert st.count("ok") < 12  # it really stopped mid-way
    _check_resume(spec, path, seen, 12)


def test_ctrl_c_stops_cleanly_and_resumes(tmp_path):
    spec, proc = _start(tmp_path)
    path = tmp_path / "results.sqlite"
    seen = _wait_for_rows(path, proc, 3)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"interrupted" in err and b"run it again to resume" in err
    assert b"Traceback" not in err
    _wait_group_gone(proc.pid)  # the workers were stopped, not left running
    _check_resume(spec, path, seen, 12)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_stopping_the_runner_stops_its_workers_and_forkserver(tmp_path, sig):
    """Signal the runner's PID alone (not its group): no worker or forkserver survives it."""
    pid_file = tmp_path / "pids.txt"
    spec = tmp_path / "spec.toml"
    spec.write_text('job = "sosrmt.sweep.examples:sleepy"\nseeds = 1\n[params]\n'
                    f'seconds = 60\npid_file = "{pid_file}"\nx = [0, 1, 2, 3]\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "sosrmt", "sweep", "run", str(spec), "--jobs", "2", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # a guard, not a timing assertion
        if pid_file.exists() and len(pid_file.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("the workers did not start in 120 s")
    children = {int(w) for line in pid_file.read_text().splitlines() for w in line.split()}
    assert proc.pid not in children  # workers and their forkserver parent
    os.kill(proc.pid, sig)
    proc.wait(timeout=60)
    if sig == signal.SIGTERM:
        assert proc.returncode == 143 and b"terminated (SIGTERM)" in proc.stderr.read()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(_alive(p) for p in children):
        time.sleep(0.1)
    left = [p for p in children if _alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert left == []
