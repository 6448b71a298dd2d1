"""Example jobs for sweeps, and the small GOE sweep that ``sosrmt demo`` runs.

A job is a module-level function ``f(*, rng, **params) -> dict``; these are the ones the
documentation, the tests and the benchmark use.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import numpy as np

from sosrmt._validation import as_rng, check_int, check_memory

__all__ = ["demo_sweep", "faulty", "goe_norm", "numpy_work", "sleepy", "worker_info"]


def goe_norm(*, n: int, rng: np.random.Generator | int | None = None) -> dict[str, float]:
    """Spectral norm of an ``n x n`` GOE matrix.

    Parameters
    ----------
    n : int
        Dimension (>= 1).
    rng : Generator, int or None
        Random source.

    Returns
    -------
    dict
        ``norm`` = ``max |eigenvalue|`` of ``W`` and ``norm_over_sqrt_n`` = ``norm / sqrt(n)``.

    Notes
    -----
    ``W = (G + G^T) / sqrt(2)`` with ``G`` i.i.d. standard Gaussian, so the off-diagonal
    entries are N(0, 1) and the diagonal entries N(0, 2) (the GOE). By the semicircle law
    and the Bai–Yin / Füredi–Komlós edge results, ``||W|| / sqrt(n) -> 2`` almost surely;
    the largest eigenvalue fluctuates on the Tracy–Widom scale ``n^{-1/6}``, so
    ``||W|| / sqrt(n) = 2 + O(n^{-2/3})``. For ``n = 1``, ``||W|| = sqrt(2) |g|`` with
    mean ``2 / sqrt(pi)``.

    Examples
    --------
    >>> out = goe_norm(n=200, rng=0)
    >>> 1.8 < out["norm_over_sqrt_n"] < 2.1
    True
    """
    n = check_int(n, "n", minimum=1)
    check_memory(3 * 8.0 * n * n, f"goe_norm(n={n})")
    rng = as_rng(rng)
    g = rng.standard_normal((n, n))
    w = (g + g.T) / np.sqrt(2.0)
    norm = float(np.max(np.abs(np.linalg.eigvalsh(w))))
    return {"norm": norm, "norm_over_sqrt_n": norm / float(np.sqrt(n))}


def numpy_work(*, size: int = 200, repeats: int = 1,
               rng: np.random.Generator | int | None = None) -> dict[str, float]:
    """A CPU-bound numpy job: ``repeats`` symmetric eigenvalue problems of order ``size``.

    Used by the benchmark (a ~50 ms job) and the tests.

    Examples
    --------
    >>> round(numpy_work(size=3, rng=0)["trace"], 6) == round(numpy_work(size=3, rng=0)["trace"], 6)
    True
    """
    size = check_int(size, "size", minimum=1)
    repeats = check_int(repeats, "repeats", minimum=1)
    rng = as_rng(rng)
    top = 0.0
    trace = 0.0
    for _ in range(repeats):
        a = rng.standard_normal((size, size))
        a = a + a.T
        top = float(np.linalg.eigvalsh(a)[-1])
        trace = float(np.trace(a))
    return {"top": top, "trace": trace}


def sleepy(*, seconds: float = 0.0, x: float = 0.0, pid_file: str = "",
           rng: np.random.Generator | int | None = None) -> dict[str, float]:
    """Sleep ``seconds`` and return ``x`` and one uniform draw (for overhead and fault tests).

    With ``pid_file``, first append ``"<pid> <parent pid>"`` of the running process to it.

    Examples
    --------
    >>> sleepy(x=2.0, rng=0)["x2"]
    4.0
    """
    if pid_file:
        with open(pid_file, "a") as fh:
            fh.write(f"{os.getpid()} {os.getppid()}\n")
    time.sleep(float(seconds))
    rng = as_rng(rng)
    return {"x2": float(x) ** 2, "u": float(rng.random())}


def faulty(*, x: int, fail_on: int = -1, exit_on: int = -1, segfault_on: int = -1,
           hang_on: int = -1, rng: np.random.Generator | int | None = None) -> dict[str, Any]:
    """Return ``x + 1`` and a normal draw, or fail in one of the ways a real job can.

    Raises when ``x == fail_on``; ends its process with ``os._exit(3)`` when
    ``x == exit_on`` and with SIGSEGV when ``x == segfault_on`` (as the OOM killer or a
    crash in compiled code would: only use these in a worker process); sleeps for an
    hour when ``x == hang_on``.

    Examples
    --------
    >>> faulty(x=1, rng=0)["y"]
    2
    """
    if x == fail_on:
        raise RuntimeError(f"faulty: x == fail_on == {x}")
    if x == exit_on:
        os._exit(3)
    if x == segfault_on:
        os.kill(os.getpid(), signal.SIGSEGV)
    if x == hang_on:
        time.sleep(3600)
    return {"y": x + 1, "z": float(as_rng(rng).standard_normal()), "label": f"x{x}"}


def worker_info(*, rng: np.random.Generator | int | None = None) -> dict[str, Any]:
    """Describe the process that runs the job: BLAS threads and OpenMP setting.

    A diagnostic job: ``blas_threads`` is the largest thread count threadpoolctl reports
    for the BLAS libraries loaded in the worker.

    Examples
    --------
    >>> sorted(worker_info())
    ['blas_threads', 'omp_num_threads']
    """
    from threadpoolctl import threadpool_info

    blas = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return {"blas_threads": max(blas) if blas else None,
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS")}


def demo_sweep(out_dir: str | Path = "sosrmt-out/sweep-demo", *, seed: int = 0,
               quiet: bool = False, jobs: int | None = 2,
               sizes: tuple[int, ...] = (25, 50, 100, 200, 400), seeds: int = 4,
               x_min: int = 50) -> dict[str, Any]:
    """Run the GOE norm sweep and plot ``||W||`` against ``n`` on log-log axes.

    Writes ``out_dir/results.sqlite`` (resumable: a second call reuses the rows) and
    ``out_dir/goe_norm.png`` with the fitted slope for ``n >= x_min`` and the limit
    ``2 sqrt(n)`` drawn as written (slope 1/2, constant 2).

    Returns
    -------
    dict
        ``store``, ``plot`` (paths), ``slope``, ``slope_se``, ``cells``, ``table`` (the
        aggregated rows: mean, standard error and count of ``norm_over_sqrt_n`` per ``n``).

    Notes
    -----
    ``E||W|| = 2 sqrt(n) - O(n^{-1/6})``, so the log-log slope of the mean norm tends to
    1/2 from above; ``norm_over_sqrt_n`` tends to 2 from below.

    Examples
    --------
    >>> import tempfile
    >>> out = demo_sweep(tempfile.mkdtemp(), quiet=True, jobs=None, sizes=(8, 16, 32),
    ...                  seeds=2, x_min=8)  # doctest: +SKIP
    """
    from sosrmt.sweep.analysis import aggregate, plot_sweep
    from sosrmt.sweep.engine import run_sweep
    from sosrmt.sweep.grid import Grid

    out = Path(out_dir)
    grid = Grid({"n": list(sizes)}, seeds=seeds, seed=seed)
    store = out / "results.sqlite"
    rows = run_sweep(goe_norm, grid, store=store, jobs=jobs,
                     executor="serial" if jobs == 1 else None, quiet=quiet)
    ok = [r for r in rows if r["status"] == "ok"]
    result = plot_sweep(ok, x="n", y="norm", path=out / "goe_norm.png", loglog=True, fit=True,
                        x_min=x_min, theory="2*n**0.5", theory_scale="absolute",
                        title="GOE: spectral norm against dimension")
    fit = next(iter(result.fits.values()))
    return {"store": store, "plot": result.path, "slope": fit.slope, "slope_se": fit.slope_se,
            "cells": len(rows), "table": aggregate(ok, by=["n"], metrics=["norm_over_sqrt_n"])}
