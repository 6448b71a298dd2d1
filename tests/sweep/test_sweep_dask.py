"""Dask scale-out: a real LocalCluster gives the rows of the local process pool."""

from __future__ import annotations

import pytest

from sosrmt.sweep import Grid, dask_executor, read_rows, run_sweep

pytest.importorskip("distributed")

pytestmark = [pytest.mark.distributed, pytest.mark.slow]

GOE = "sosrmt.sweep.examples:goe_norm"


def _essence(rows):
    return [(r["key"], r.params, r["spawn_key"], r["status"], r.results) for r in rows]


def test_local_cluster_rows_identical_to_process_pool(tmp_path):
    grid = Grid({"n": [4, 30, 60]}, seeds=3, seed=7)
    pool = run_sweep(GOE, grid, store=tmp_path / "pool.sqlite", jobs=2, quiet=True)
    with dask_executor(n_workers=2, processes=True) as ex:
        dask = run_sweep(GOE, grid, store=tmp_path / "dask.sqlite", executor=ex, quiet=True)
        client = ex._client
        worker_pids = set(client.run(lambda: __import__("os").getpid()).values())
    assert len(dask) == len(grid)
    assert _essence(dask) == _essence(pool)
    assert {r["pid"] for r in read_rows(tmp_path / "dask.sqlite")} <= worker_pids


def test_dask_executor_bad_arguments():
    with pytest.raises(ValueError, match="not both"):
        with dask_executor("tcp://127.0.0.1:1", n_workers=2):
            pass
    with pytest.raises(ValueError, match="scheduler"):
        with dask_executor("localhost"):
            pass
