"""Sweeps: run a job over parameters x seeds, store every cell, resume, tabulate, plot.

Public API
----------
Grids and jobs (:mod:`sosrmt.sweep.grid`)
    :class:`Grid` (``Grid(params, seeds, seed=0)``), :class:`Cell`, :class:`SweepSpec`,
    :func:`load_spec` (TOML), :func:`resolve_job`, :func:`check_job_signature`,
    :data:`JOB_ALIASES` (former job names that still resolve).
    A *job* is a module-level function ``f(*, rng: numpy.random.Generator, **params) -> dict``
    returning a flat dict of numbers, strings, booleans or None, given as the function or
    as ``"module:function"``.
Running (:mod:`sosrmt.sweep.engine`, :mod:`sosrmt.sweep.executors`, :mod:`sosrmt.sweep.worker`)
    :func:`run_sweep` (``run_sweep(job, grid, store=None, jobs=None, executor=None,
    progress=None, quiet=False, retry_failed=True, timeout=None)`` -> list of
    :class:`Row`; crashing cells isolated, hanging cells stopped, cells claimed so that
    two runners share a store),
    :func:`run_spec`, :func:`local_executor` (process pool, one BLAS thread per worker),
    :func:`dask_executor` (Dask ``Client`` at a scheduler address, or a ``LocalCluster``),
    :func:`environment_versions`.
The store (:mod:`sosrmt.sweep.store`)
    :class:`Store` (one SQLite file, WAL, one transaction per finished cell, schema version
    checked), :class:`Row`, :func:`read_rows`, :data:`SCHEMA_VERSION`.
Analysis (:mod:`sosrmt.sweep.analysis`)
    :func:`aggregate` (mean, standard error, count over seeds), :func:`fit_loglog` and
    :class:`SlopeFit` (log-log slope ± standard error for ``x >= x_min``),
    :func:`export_rows` (CSV, or parquet with pyarrow), :func:`plot_sweep` and
    :class:`PlotResult` (error bars, fitted line, theory line, PNG),
    :func:`parse_expression`, :func:`heatmaps` (panels of values over two parameters, one
    shared colour scale per value).
Examples (:mod:`sosrmt.sweep.examples`)
    :func:`~sosrmt.sweep.examples.goe_norm` and :func:`demo_sweep` (the GOE norm sweep of
    ``sosrmt demo``).

Seeds: the cell with parameters ``p`` and replicate ``r`` of a sweep with root seed ``s``
draws from ``SeedSequence(s, spawn_key=(r, h0, h1))``, ``(h0, h1)`` from a hash of ``p``;
the key is stored in the row and the results do not depend on the executor, the worker
count or the completion order.

Examples
--------
>>> from sosrmt.sweep import Grid, aggregate, run_sweep
>>> rows = run_sweep("sosrmt.sweep.examples:goe_norm", Grid({"n": [4, 8]}, seeds=3),
...                  executor="serial", quiet=True)
>>> [(e["n"], e["count"]) for e in aggregate(rows)]
[(4, 3), (8, 3)]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sosrmt.sweep.analysis import (
    PlotResult,
    SlopeFit,
    aggregate,
    export_rows,
    fit_loglog,
    parse_expression,
    plot_sweep,
)
from sosrmt.sweep.engine import (
    dask_executor,
    default_workers,
    environment_versions,
    local_executor,
    run_sweep,
)
from sosrmt.sweep.examples import demo_sweep
from sosrmt.sweep.grid import (
    JOB_ALIASES,
    Cell,
    Grid,
    SweepSpec,
    check_job_signature,
    load_spec,
    resolve_job,
)
from sosrmt.sweep.heatmap import heatmaps
from sosrmt.sweep.store import SCHEMA_VERSION, Row, Store, read_rows

__all__ = [
    "JOB_ALIASES",
    "SCHEMA_VERSION",
    "Cell",
    "Grid",
    "PlotResult",
    "Row",
    "SlopeFit",
    "Store",
    "SweepSpec",
    "aggregate",
    "check_job_signature",
    "dask_executor",
    "default_workers",
    "demo_sweep",
    "environment_versions",
    "export_rows",
    "fit_loglog",
    "heatmaps",
    "load_spec",
    "local_executor",
    "parse_expression",
    "plot_sweep",
    "read_rows",
    "resolve_job",
    "run_spec",
    "run_sweep",
]


def run_spec(spec: str | Path | SweepSpec, *, store: str | Path | None = None,
             **kwargs: Any) -> list[Row]:
    """Run a TOML sweep spec (see :class:`SweepSpec`); ``store`` overrides the spec's.

    Other keyword arguments go to :func:`run_sweep`.
    """
    if not isinstance(spec, SweepSpec):
        spec = load_spec(spec)
    return run_sweep(spec.job, spec.grid, store=store if store is not None else spec.store,
                     **kwargs)
