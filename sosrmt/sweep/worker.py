"""The worker side of a sweep: running one cell, alone or in a pool, and describing it.

Everything here runs in the process that computes a cell (a pool worker, a fresh process
for an isolated rerun, or the runner itself in serial mode): the job is resolved and
called with the cell's generator, its results are checked, and the outcome (results or
error, timings, host, versions) is returned to the runner, which stores it.
"""

from __future__ import annotations

import functools
import numbers
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sosrmt.sweep.grid import (
    META_COLUMNS,
    Cell,
    resolve_job,
)

__all__ = ["environment_versions"]

_BLAS_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


# --------------------------------------------------------------------------- worker side

def _lock_status(versions: Mapping[str, str | None]) -> str | None:
    """Whether ``versions`` are those of ``requirements/lock.txt`` beside the package source.

    None when sosrmt does not run from a source tree with a lock (an installed wheel).
    """
    import sosrmt

    lock = Path(sosrmt.__file__).resolve().parents[1] / "requirements" / "lock.txt"
    if not lock.is_file():
        return None
    pinned = {}
    for line in lock.read_text().splitlines():
        name, sep, version = line.partition("==")
        if sep and not line.startswith("#"):
            pinned[name.strip().lower()] = version.strip()
    differ = [f"{k} {v} (lock {pinned[k]})" for k, v in versions.items()
              if k in pinned and v is not None and v != pinned[k]]
    return "locked" if not differ else "unlocked: " + ", ".join(differ)


@functools.cache
def environment_versions() -> dict[str, str | None]:
    """Versions of Python, sosrmt, numpy, scipy and the solvers in this process.

    ``"lock"`` says whether they are the tested versions of ``requirements/lock.txt``
    (``"locked"``, or ``"unlocked: ..."`` naming those that differ; None outside a
    source tree).

    Examples
    --------
    >>> v = environment_versions()
    >>> sorted(v)
    ['clarabel', 'cvxpy', 'lock', 'numpy', 'python', 'scipy', 'scs', 'sosrmt']
    """
    from importlib import metadata

    import sosrmt

    out: dict[str, str | None] = {"python": sys.version.split()[0],
                                  "sosrmt": sosrmt.__version__}
    for dist in ("numpy", "scipy", "cvxpy", "scs", "clarabel"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    out["lock"] = _lock_status({k: v for k, v in out.items() if k not in ("python", "sosrmt")})
    return out


_BLAS_LIMITED: int | None = None


def _limit_blas(threads: int | None) -> None:
    """Cap BLAS/OpenMP threads of this process (once; threadpoolctl + environment)."""
    global _BLAS_LIMITED
    if threads is None or _BLAS_LIMITED == threads:
        return
    for var in _BLAS_ENV:
        os.environ[var] = str(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
    _BLAS_LIMITED = threads


def _exit_when_gone(runner_pid: int) -> None:
    """Watchdog thread of a pool worker: end the worker once the runner process is gone.

    The workers are children of the forkserver, not of the runner, so a runner killed
    with SIGKILL would otherwise leave them computing cells nobody will store.
    """
    while True:
        time.sleep(1.0)
        try:
            os.kill(runner_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # pragma: no cover - pid reused by another user's process
            os._exit(1)


def _init_worker(blas_threads: int | None, runner_pid: int | None = None) -> None:
    """Initializer of local pool workers: Ctrl-C is the parent's business; one BLAS thread;
    a watchdog ends the worker when the runner dies."""
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_blas(blas_threads)
    if runner_pid is not None:
        threading.Thread(target=_exit_when_gone, args=(runner_pid,), daemon=True).start()


@functools.cache
def _job_function(name: str) -> Callable[..., Any]:
    return resolve_job(name)[1]


def _clean_results(out: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    """Check that a job returned a flat dict of scalars; convert numpy scalars."""
    if not isinstance(out, Mapping):
        raise TypeError(f"job returned {type(out).__name__}, expected a dict of results")
    clean: dict[str, Any] = {}
    for key, value in out.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"job returned result name {key!r}, expected non-empty strings")
        if key in params or key in META_COLUMNS:
            raise ValueError(f"job returned result {key!r}, which clashes with a parameter "
                             "or a bookkeeping column; rename it")
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, bool | str) or value is None:
            clean[key] = value
        elif isinstance(value, numbers.Integral):
            clean[key] = int(value)
        elif isinstance(value, numbers.Real):
            clean[key] = float(value)
        else:
            raise TypeError(f"job returned a {type(value).__name__} for result {key!r}, "
                            "expected a number, a string, a boolean or None")
    return clean


def _execute(job: str, params: dict[str, Any], seed: int, spawn_key: tuple[int, ...],
             blas_threads: int | None) -> dict[str, Any]:
    """Run one cell (in whatever process the executor chose) and describe the outcome.

    Exceptions of the job are caught and returned as an ``"error"`` outcome, so that a
    failing cell never takes the sweep down.
    """
    _limit_blas(blas_threads)
    started = datetime.now(UTC).isoformat()
    t0 = time.perf_counter()
    c0 = time.process_time()
    try:
        fn = _job_function(job)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=tuple(spawn_key)))
        results = _clean_results(fn(rng=rng, **params), params)
        status, error, tb = "ok", None, None
    except Exception as exc:
        results, status = None, "error"
        error = f"{type(exc).__name__}: {exc}"
        tb = traceback.format_exc()
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    return {"results": results, "status": status, "error": error, "traceback": tb,
            "wall_time": wall, "cpu_time": cpu, "started_at": started,
            "finished_at": datetime.now(UTC).isoformat(), "host": socket.gethostname(),
            "pid": os.getpid(), "versions": environment_versions()}


def _failure(message: str, tb: str | None = None) -> dict[str, Any]:
    """The outcome of a cell that produced no result of its own (crash, timeout)."""
    return {"results": None, "status": "error", "error": message, "traceback": tb,
            "wall_time": None, "cpu_time": None, "started_at": None,
            "finished_at": datetime.now(UTC).isoformat(), "host": socket.gethostname(),
            "pid": None, "versions": None}


def _describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "did not exit"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"was killed by {name} (exit code {exitcode})"
    return f"exited with code {exitcode} before returning a result"


def _isolated_main(conn: Any, job: str, params: dict[str, Any], seed: int,
                   spawn_key: tuple[int, ...], blas_threads: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn.send(_execute(job, params, seed, spawn_key, blas_threads))
    conn.close()


def _run_isolated(ctx: Any, job: str, cell: Cell, blas_threads: int | None,
                  timeout: float | None) -> dict[str, Any]:
    """Run one cell alone in a fresh process; a crash or a timeout is this cell's own.

    Returns the job's outcome, or an error outcome naming the signal or exit code of the
    process that died, or the timeout that was exceeded.
    """
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_isolated_main, daemon=True,
                       args=(send, job, cell.params, cell.seed, cell.spawn_key, blas_threads))
    proc.start()
    send.close()
    try:
        if recv.poll(timeout):
            try:
                outcome = recv.recv()
            except EOFError:  # the process died without sending
                outcome = None
        else:
            proc.kill()
            proc.join()
            return _failure(f"timeout: the cell ran longer than {timeout:g} s and was stopped")
        proc.join()
        if outcome is None:
            return _failure(f"worker crash: the process running this cell "
                            f"{_describe_exit(proc.exitcode)}")
        return outcome
    finally:
        recv.close()
        if proc.is_alive():
            proc.kill()
            proc.join()


