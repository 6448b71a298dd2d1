"""Running a grid through an executor into a store.

The main process owns the store: it submits cells to the executor (a bounded window of
them at a time), and writes each finished cell in its own transaction as soon as its
future completes. Workers only compute; they never touch the store, so any
``concurrent.futures.Executor`` (a local process pool, a thread pool, a Dask client's
executor) works unchanged.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import logging
import multiprocessing
import numbers
import os
import signal
import socket
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sosrmt._validation import check_int
from sosrmt.sweep.grid import (
    META_COLUMNS,
    Cell,
    Grid,
    check_job_signature,
    resolve_job,
)
from sosrmt.sweep.store import Row, Store

__all__ = [
    "dask_executor",
    "default_workers",
    "environment_versions",
    "local_executor",
    "run_sweep",
]

_BLAS_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


# --------------------------------------------------------------------------- worker side

@functools.cache
def environment_versions() -> dict[str, str | None]:
    """Versions of Python, sosrmt, numpy, scipy and the solvers in this process.

    Examples
    --------
    >>> v = environment_versions()
    >>> sorted(v)[:3]
    ['clarabel', 'cvxpy', 'numpy']
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


def _init_worker(blas_threads: int | None) -> None:
    """Initializer of local pool workers: Ctrl-C is the parent's business; one BLAS thread."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_blas(blas_threads)


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


# --------------------------------------------------------------------------- executors

def default_workers() -> int:
    """CPU cores available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS / Windows
        return os.cpu_count() or 1


def local_executor(jobs: int | None = None, *, blas_threads: int | None = 1
                   ) -> cf.ProcessPoolExecutor:
    """The embedded default: a process pool with ``blas_threads`` BLAS threads per worker.

    Workers are started with ``forkserver`` where available (forking a process that runs
    threads, such as a progress bar or a Dask client, can deadlock) and ignore SIGINT,
    so that Ctrl-C is handled once, by the sweep in the parent.
    """
    jobs = default_workers() if jobs is None else check_int(jobs, "jobs", minimum=1)
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["numpy", "sosrmt.sweep.engine"])
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx,
                                  initializer=_init_worker, initargs=(blas_threads,))


@contextlib.contextmanager
def dask_executor(scheduler: str | None = None, *, n_workers: int | None = None,
                  processes: bool = True) -> Iterator[cf.Executor]:
    """A ``concurrent.futures`` executor backed by a Dask distributed client.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``"tcp://host:8786"``). If None, a
        ``LocalCluster`` with ``n_workers`` single-threaded workers is started and
        closed on exit.
    n_workers : int, optional
        Workers of the local cluster (default: the available cores).
    processes : bool
        Local cluster workers as processes (default) or threads.

    Notes
    -----
    Requires the ``distributed`` extra (``pip install 'sosrmt[distributed]'``). Tasks are
    submitted with ``pure=False`` so that Dask never merges two cells.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ValueError("executor: Dask needs the distributed extra "
                         "(pip install 'sosrmt[distributed]')") from exc
    if scheduler is not None and n_workers is not None:
        raise ValueError("scheduler/n_workers: give a scheduler address or a local cluster "
                         "size, not both")
    cluster = None
    if scheduler is None:
        n = default_workers() if n_workers is None else check_int(n_workers, "n_workers",
                                                                   minimum=1)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        if not isinstance(scheduler, str) or "://" not in scheduler:
            raise ValueError(f"scheduler: expected an address like 'tcp://host:8786', "
                             f"got {scheduler!r}")
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise ValueError(f"scheduler: cannot connect to {scheduler!r} ({exc})") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _executor_width(executor: Any) -> int:
    client = getattr(executor, "_client", None)
    if client is not None and hasattr(client, "nthreads"):
        with contextlib.suppress(Exception):
            return max(1, sum(client.nthreads().values()))
    return int(getattr(executor, "_max_workers", 0) or default_workers())


def _terminate_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a local pool now: cancel queued cells and end the running workers."""
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        terminate()
        return
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(timeout=10)


# --------------------------------------------------------------------------- the sweep

def _say(quiet: bool, msg: str) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def run_sweep(job: Callable[..., Any] | str, grid: Grid, *,
              store: str | Path | Store | None = None, jobs: int | None = None,
              executor: cf.Executor | str | Any | None = None,
              progress: bool | None = None, quiet: bool = False, retry_failed: bool = True,
              blas_threads: int | None = 1, argv: Sequence[str] | None = None) -> list[Row]:
    """Run ``job`` on every cell of ``grid`` not yet finished in ``store``.

    Parameters
    ----------
    job : function or str
        A module-level function ``f(*, rng, **params) -> dict`` returning a flat dict of
        numbers, strings, booleans or None; or its ``"module:function"`` name.
    grid : Grid
        Parameters x values x seeds.
    store : path, Store or None
        SQLite store file (created if missing), an open :class:`Store`, or None to keep
        the rows in memory only.
    jobs : int, optional
        Workers of the default local process pool (default: available cores).
    executor : None, "serial", "process", Executor or dask Client
        None or ``"process"``: local process pool with ``blas_threads`` BLAS threads per
        worker; ``"serial"``: in this process, in order (for debugging); any
        ``concurrent.futures.Executor`` (it is not shut down); a
        ``distributed.Client`` (its executor is used).
    progress : bool, optional
        Show a tqdm bar with ETA on stderr. Default: when stderr is a terminal.
    quiet : bool
        No progress bar and no messages.
    retry_failed : bool
        Run again the cells whose stored row is an error (default). If False, they are
        skipped like finished cells.
    blas_threads : int or None
        BLAS/OpenMP threads per worker process (None: leave as is). Not applied in
        serial mode nor with a ``ThreadPoolExecutor`` (that would change the calling
        process for good).
    argv : sequence of str, optional
        Command line recorded with the run (provenance).

    Returns
    -------
    list of Row
        One row per grid cell that has one, in grid order: the ``"ok"`` row (computed now
        or found in the store), else the latest error row.

    Raises
    ------
    ValueError, TypeError
        Bad job, parameters, grid, worker count or store -- before any job starts.
    KeyboardInterrupt
        On Ctrl-C, after cancelling the queued cells and stopping the local workers;
        every row finished before is in the store.

    Notes
    -----
    Each cell is computed by ``job(rng=default_rng(SeedSequence(seed, spawn_key=k)),
    **params)`` with ``k`` stored in the row (see :class:`Grid`), so the rows do not
    depend on the executor, the worker count or the order of completion. Each finished
    cell is committed in its own SQLite transaction (WAL journal) before the next one is
    looked at, so killing the sweep loses at most the cells that were running; running
    the sweep again skips the finished cells. For durability through power loss too,
    pass ``store=Store(path, synchronous="FULL")``.

    The local pool starts its workers with ``forkserver`` (safe with threads), so a
    script that calls ``run_sweep`` needs the usual ``if __name__ == "__main__":``
    guard, and a job defined in a notebook runs only with ``executor="serial"`` or a
    thread pool. A worker that dies (segfault, OOM killer) breaks the pool: the cells it
    took down are stored as ``"executor failure"`` errors and a RuntimeError ends the
    sweep; running it again resumes.

    Examples
    --------
    >>> from sosrmt.sweep import Grid, run_sweep
    >>> rows = run_sweep("sosrmt.sweep.examples:goe_norm", Grid({"n": [1, 4]}, seeds=2),
    ...                  executor="serial", quiet=True)
    >>> [(r["n"], r["replicate"], r["status"]) for r in rows]
    [(1, 0, 'ok'), (1, 1, 'ok'), (4, 0, 'ok'), (4, 1, 'ok')]
    """
    # ---- validate everything before any job starts
    if not isinstance(grid, Grid):
        raise TypeError(f"grid: expected a sosrmt.sweep.Grid, got {type(grid).__name__}")
    name, fn = resolve_job(job)
    check_job_signature(fn, grid.names, name)
    if jobs is not None:
        jobs = check_int(jobs, "jobs", minimum=1)
    if blas_threads is not None:
        blas_threads = check_int(blas_threads, "blas_threads", minimum=1)
    serial = False
    if isinstance(executor, str):
        if executor not in ("serial", "process"):
            raise ValueError(f"executor: expected 'serial', 'process', an Executor or a Dask "
                             f"Client, got {executor!r}")
        serial = executor == "serial"
        executor = None
    elif executor is not None and not isinstance(executor, cf.Executor):
        if hasattr(executor, "get_executor"):  # a distributed.Client
            executor = executor.get_executor(pure=False)
        else:
            raise TypeError(f"executor: expected 'serial', 'process', a concurrent.futures."
                            f"Executor or a Dask Client, got {type(executor).__name__}")
    cells = list(grid.cells())
    keys = [c.key(name) for c in cells]
    own_store = not isinstance(store, Store)
    if not own_store and store.readonly:
        raise ValueError("store: the Store was opened read-only; open it for writing")
    st = Store(store) if own_store else store
    try:
        skip = st.finished_keys(keys)
        if not retry_failed:
            skip |= st.failed_keys() & set(keys)
        todo = [(c, k) for c, k in zip(cells, keys, strict=True) if k not in skip]
        run_id = uuid.uuid4().hex
        where = ("serial" if serial else
                 f"{jobs or default_workers()} local workers" if executor is None else
                 type(executor).__name__)
        _say(quiet, f"sweep {name}: {len(cells)} cells, {len(cells) - len(todo)} already in "
                    f"the store, {len(todo)} to run ({where})")
        if todo:
            st.add_run(run_id, name, grid.to_dict(), environment_versions(), argv)
            show = (not quiet) and (progress if progress is not None else sys.stderr.isatty())
            _run_cells(st, name, todo, run_id, serial=serial, executor=executor, jobs=jobs,
                       blas_threads=blas_threads, show=show, quiet=quiet)
        return _grid_rows(st, cells, keys)
    finally:
        if own_store:
            st.close()


def _grid_rows(st: Store, cells: Sequence[Cell], keys: Sequence[str]) -> list[Row]:
    best: dict[str, Row] = {}
    for row in st.rows(keys=keys):  # insertion order: a later error replaces an earlier one
        prev = best.get(row["key"])
        if prev is None or prev["status"] != "ok":
            best[row["key"]] = row
    out = []
    for cell, key in zip(cells, keys, strict=True):
        if key in best:
            row = best[key]
            row["cell"] = cell.index
            out.append(row)
    return out


def _make_row(name: str, cell: Cell, key: str, run_id: str,
              outcome: Mapping[str, Any]) -> dict[str, Any]:
    return {"key": key, "run_id": run_id, "job": name, "cell": cell.index, "seed": cell.seed,
            "replicate": cell.replicate, "spawn_key": list(cell.spawn_key),
            "params": cell.params, **outcome}


def _executor_failure(exc: BaseException) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {"results": None, "status": "error",
            "error": f"executor failure: {type(exc).__name__}: {exc}",
            "traceback": "".join(traceback.format_exception(exc)), "wall_time": None,
            "cpu_time": None,
            "started_at": None, "finished_at": now, "host": None, "pid": None,
            "versions": None}


def _run_cells(st: Store, name: str, todo: list[tuple[Cell, str]], run_id: str, *,
               serial: bool, executor: cf.Executor | None, jobs: int | None,
               blas_threads: int | None, show: bool, quiet: bool) -> None:
    from tqdm.auto import tqdm

    bar = tqdm(total=len(todo), disable=not show, file=sys.stderr, unit="cell",
               desc=name.rpartition(":")[2], dynamic_ncols=True)
    stored = failed = 0

    def record(cell: Cell, key: str, outcome: Mapping[str, Any]) -> None:
        nonlocal stored, failed
        st.add_row(_make_row(name, cell, key, run_id, outcome))
        stored += 1
        if outcome["status"] != "ok":
            failed += 1
            bar.set_postfix(failed=failed)
        bar.update(1)

    pool: cf.ProcessPoolExecutor | None = None
    pending: dict[cf.Future, tuple[Cell, str]] = {}
    try:
        if serial:
            for cell, key in todo:
                record(cell, key, _execute(name, cell.params, cell.seed, cell.spawn_key, None))
        else:
            if executor is None:
                pool = local_executor(jobs, blas_threads=blas_threads)
                ex: cf.Executor = pool
                width = jobs or default_workers()
            else:
                ex = executor
                width = _executor_width(executor)
                if isinstance(executor, cf.ThreadPoolExecutor):
                    blas_threads = None
            # enough cells in flight to hide the round trip of remote executors (Dask)
            window = max(4 * width, 16)
            queue = iter(todo)
            exhausted = False
            while True:
                while not exhausted and len(pending) < window:
                    item = next(queue, None)
                    if item is None:
                        exhausted = True
                        break
                    cell, key = item
                    fut = ex.submit(_execute, name, cell.params, cell.seed, cell.spawn_key,
                                    blas_threads)
                    pending[fut] = item
                if not pending:
                    break
                done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    cell, key = pending.pop(fut)
                    exc = fut.exception()
                    record(cell, key, _executor_failure(exc) if exc is not None
                           else fut.result())
                    if isinstance(exc, cf.BrokenExecutor):
                        raise RuntimeError(
                            f"executor: the worker pool broke ({exc}); {stored} cells were "
                            "stored, run the sweep again to resume") from exc
    except KeyboardInterrupt:
        for fut in pending:
            fut.cancel()
        if pool is not None:
            _terminate_pool(pool)
            pool = None
        bar.close()
        _say(quiet, f"sweep {name}: interrupted; {stored} of {len(todo)} cells stored "
                    f"this run, run it again to resume")
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
    _say(quiet, f"sweep {name}: {stored} cells run, {failed} failed"
                + (f", store {st.path}" if st.path is not None else ""))


