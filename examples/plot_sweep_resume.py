"""
A small sweep, interrupted and resumed
======================================

:mod:`sosrmt.sweep` stores every finished cell in one SQLite file, in its own transaction.
A sweep that is interrupted (Ctrl-C, a killed job, a lost node) loses only the cells that
were running; running it again skips the finished cells and runs the rest. Each cell's
random stream is derived from the root seed, the replicate and a hash of the parameters
(``SeedSequence(seed, spawn_key=(r, h0, h1))``), never from the order of execution, so the
resumed results are identical to those of an uninterrupted run.

Here ``sosrmt sweep run`` runs a 12-cell grid of the toy job
:func:`sosrmt.sweep.examples.sleepy` in a child process; we send it Ctrl-C (SIGINT) once
three rows are stored, then resume the sweep from Python with the same store.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sosrmt.sweep import Store, load_spec, read_rows, run_spec

tmp = Path(tempfile.mkdtemp(prefix="sosrmt-resume-"))
spec = tmp / "spec.toml"
spec.write_text('job = "sosrmt.sweep.examples:sleepy"\nseeds = 1\n'
                "[params]\nseconds = 0.3\nx = [" + ", ".join(map(str, range(12))) + "]\n")
store = tmp / "results.sqlite"  # the default store: next to the spec

proc = subprocess.Popen([sys.executable, "-m", "sosrmt", "sweep", "run", str(spec),
                         "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        start_new_session=True)
done = 0
deadline = time.monotonic() + 50  # a guard against a hung child, not a measurement
while done < 3 and time.monotonic() < deadline and proc.poll() is None:
    time.sleep(0.05)
    if store.exists():
        try:
            with Store(store, readonly=True) as st:
                done = st.count("ok")
        except Exception:  # the file is still being created
            done = 0
os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C, as from a terminal
_, err = proc.communicate(timeout=50)
print(err.decode().strip().splitlines()[-1])
first = {r["key"]: r for r in read_rows(store)}
print(f"interrupted: {len(first)} of 12 cells stored")
assert proc.returncode == 130 and 3 <= len(first) < 12

# %%
# Resume: the same call again. Finished cells are skipped (their rows keep their ids and
# run ids); the remaining cells run now.

rows = run_spec(spec, executor="serial", quiet=True)
assert len(rows) == 12 and all(r["status"] == "ok" for r in rows)
assert all(r["row_id"] == first[r["key"]]["row_id"] for r in rows if r["key"] in first)
resumed = [r for r in rows if r["key"] not in first]
print(f"resumed: {len(resumed)} cells run now, {len(rows) - len(resumed)} skipped")

# identical to an uninterrupted sweep: each cell's draw depends only on its own seed
cells = list(load_spec(spec).grid.cells())
assert [r["u"] for r in rows] == [c.rng().random() for c in cells]

fig, ax = plt.subplots(figsize=(6, 3))
x = np.array([r["x"] for r in rows])
u = np.array([r["u"] for r in rows])
before = np.array([r["key"] in first for r in rows])
ax.bar(x[before], u[before], color="C0", label="stored before Ctrl-C")
ax.bar(x[~before], u[~before], color="C1", label="run on resume")
ax.set_xlabel("cell parameter x")
ax.set_ylabel("uniform draw u of the cell")
ax.set_title("one sweep, two runs, the results of one")
ax.legend(fontsize=8)
fig.tight_layout()
