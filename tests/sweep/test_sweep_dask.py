"""Dask scale-out: a real LocalCluster gives the rows of the local process pool."""

from __future__ import annotations

import os

import pytest

from sosrmt.cli import main
from sosrmt.sweep import Grid, dask_executor, read_rows, run_sweep

pytest.importorskip("distributed")

pytestmark = [pytest.mark.distributed, pytest.mark.slow]

GOE = "sosrmt.sweep.examples:goe_norm"


def _essence(rows):
    return [(r["key"], r.params, r["spawn_key"], r["status"], r.results) for r in rows]


def test_local_cluster_rows_identical_to_process_pool(tmp_path):
    grid = Grid({"n": [4, 30, 60]}, seeds=3, seed=7)
    pool = run_sweep(GOE, grid, store=tmp_path / "pool.sqlite", jobs=2, quiet=True)
    spec = tmp_path / "spec.toml"
    spec.write_text('job = "sosrmt.sweep.examples:goe_norm"\nseed = 7\nseeds = 3\n'
                    '[params]\nn = [4, 30, 60]\n')
    with dask_executor(n_workers=2, processes=True) as ex:
        dask = run_sweep(GOE, grid, store=tmp_path / "dask.sqlite", executor=ex, quiet=True)
        client = ex._client
        worker_pids = set(client.run(os.getpid).values())
        # the command line, connecting to the running scheduler by address
        address = client.scheduler.address
        assert main(["sweep", "run", str(spec), "--scheduler", address, "--quiet",
                     "--store", str(tmp_path / "cli.sqlite")]) == 0
    assert len(dask) == len(grid)
    assert _essence(dask) == _essence(pool)
    assert {r["pid"] for r in read_rows(tmp_path / "dask.sqlite")} <= worker_pids
    cli = read_rows(tmp_path / "cli.sqlite")  # in completion order
    assert sorted(_essence(cli)) == sorted(_essence(pool))
    assert {r["pid"] for r in cli} <= worker_pids


def test_dask_executor_bad_arguments():
    with pytest.raises(ValueError, match="not both"):
        with dask_executor("tcp://127.0.0.1:1", n_workers=2):
            pass
    with pytest.raises(ValueError, match="scheduler"):
        with dask_executor("localhost"):
            pass
