"""``sosrmt sweep run|show|export|plot`` through the real command-line entry point."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sosrmt.cli import main
from sosrmt.sweep import read_rows

SPEC = """job = "{job}"
seeds = 3
[params]
{params}
"""


def _spec(tmp_path, job="sosrmt.sweep.examples:goe_norm", params="n = [4, 8, 16, 32]",
          name="spec.toml"):
    path = tmp_path / name
    path.write_text(SPEC.format(job=job, params=params))
    return path


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_run_show_export_plot(tmp_path, capsys):
    spec = _spec(tmp_path)
    assert main(["sweep", "run", str(spec), "--serial", "--quiet", "--json"]) == 0
    run = _json(capsys)
    assert (run["cells"], run["ok"], run["failed"]) == (12, 12, 0)
    assert [e["n"] for e in run["table"]] == [4, 8, 16, 32]
    store = tmp_path / "results.sqlite"
    assert len(read_rows(store)) == 12

    assert main(["sweep", "show", str(store), "--json"]) == 0
    shown = _json(capsys)
    (table,) = shown["tables"].values()
    assert table == run["table"] and shown["ok"] == 12
    assert main(["sweep", "show", str(store)]) == 0
    text = capsys.readouterr().out
    assert "norm_mean" in text and "12 finished rows" in text

    out = tmp_path / "r.csv"
    assert main(["sweep", "export", str(store), str(out)]) == 0
    with out.open() as fh:
        assert len(list(csv.DictReader(fh))) == 12
    capsys.readouterr()

    png = tmp_path / "p.png"
    assert main(["sweep", "plot", str(store), "--x", "n", "--y", "norm", "--loglog", "--fit",
                 "--x-min", "8", "--theory", "n**0.5", "--out", str(png), "--json"]) == 0
    plot = _json(capsys)
    assert plot["path"] == str(png) and png.read_bytes()[:4] == b"\x89PNG"
    assert plot["fits"]["all"]["n_points"] == 9 and plot["fits"]["all"]["x_min"] == 8


def test_run_resumes_and_seed_override(tmp_path, capsys):
    spec = _spec(tmp_path, params="n = [3]")
    assert main(["sweep", "run", str(spec), "--serial", "--quiet", "--json"]) == 0
    first = _json(capsys)
    assert main(["sweep", "run", str(spec), "--serial", "--json"]) == 0
    captured = capsys.readouterr()
    assert "3 already in the store, 0 to run" in captured.err
    assert json.loads(captured.out)["table"] == first["table"]
    other = tmp_path / "other.sqlite"
    assert main(["sweep", "run", str(spec), "--serial", "--quiet", "--json", "--seed", "9",
                 "--store", str(other)]) == 0
    reseeded = _json(capsys)
    assert reseeded["seed"] == 9 and reseeded["table"] != first["table"]


def test_failed_cells_exit_1_and_are_listed(tmp_path, capsys):
    spec = _spec(tmp_path, job="sosrmt.sweep.examples:faulty",
                 params="x = [1, 2]\nfail_on = 2")
    assert main(["sweep", "run", str(spec), "--serial", "--quiet"]) == 1
    assert "RuntimeError: faulty" in capsys.readouterr().out
    assert main(["sweep", "show", str(tmp_path / "results.sqlite"), "--failed", "--json"]) == 0
    failed = _json(capsys)["failed"]
    assert len(failed) == 3 and all(f["x"] == 2 for f in failed)


@pytest.mark.parametrize(("job", "params", "message"), [
    ("sosrmt.sweep.examples:nope", "n = [1]", "has no function 'nope'"),
    ("no_such_pkg.mod:f", "n = [1]", "cannot import module"),
    ("sosrmt.sweep.examples:goe_norm", "n = [1]\nm = [2]", "does not accept parameter 'm'"),
    ("sosrmt.sweep.examples:goe_norm", "n = []", "empty list"),
])
def test_bad_spec_fails_before_any_job(tmp_path, capsys, job, params, message):
    spec = _spec(tmp_path, job=job, params=params)
    assert main(["sweep", "run", str(spec), "--serial", "--quiet"]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "results.sqlite").exists()


def test_bad_store_arguments(tmp_path, capsys):
    spec = _spec(tmp_path, params="n = [1]")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["sweep", "run", str(spec), "--serial", "--store",
                 str(blocker / "r.sqlite")]) == 2
    assert "cannot create the folder" in capsys.readouterr().err
    assert main(["sweep", "show", str(tmp_path / "missing.sqlite")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["sweep", "run", str(spec), "--jobs", "0"]) == 2
    assert "jobs" in capsys.readouterr().err


LEGACY = Path(__file__).parent / "data" / "legacy_tensor_pca.sqlite"


def test_store_written_under_an_old_job_name_still_loads_and_resumes(tmp_path, capsys):
    """A store written when the lower-bound jobs lived in the CLI (job
    ``sosrmt.cli.commands.lowerbound:tensor_pca_job``) shows, and resuming it under that
    name skips its finished cells: the alias table resolves the moved function."""
    import shutil

    from sosrmt.sweep import JOB_ALIASES, Grid, read_rows, resolve_job, run_sweep

    store = tmp_path / "legacy.sqlite"
    shutil.copy(LEGACY, store)
    old = "sosrmt.cli.commands.lowerbound:tensor_pca_job"
    rows = read_rows(store)
    assert {r["job"] for r in rows} == {old} and len(rows) == 2
    assert main(["sweep", "show", str(store), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["tables"][old]) == 2
    name, fn = resolve_job(old)
    assert name == old and fn is resolve_job(JOB_ALIASES[old])[1]
    grid = Grid({"n": [6], "ratio": [0.5, 1.0], "trunc": [2], "degree": [4], "k": [3],
                 "form": ["auto"]}, seeds=1)
    again = run_sweep(old, grid, store=store, executor="serial", quiet=True)
    assert [r["row_id"] for r in again] == [r["row_id"] for r in rows]  # nothing recomputed


def test_show_into_a_closed_pipe_ends_quietly(tmp_path):
    """``sosrmt sweep show STORE | head -1``: no BrokenPipeError traceback."""
    import subprocess
    import sys

    from sosrmt.sweep import Grid, run_sweep

    store = tmp_path / "r.sqlite"
    run_sweep("sosrmt.sweep.examples:goe_norm", Grid({"n": list(range(2, 60))}, seeds=2),
              store=store, executor="serial", quiet=True)
    out = subprocess.run(
        f"{sys.executable} -m sosrmt sweep show {store} | head -1", shell=True,
        capture_output=True, text=True, timeout=120, check=False)
    assert out.stdout.count("\n") == 1
    assert "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr
