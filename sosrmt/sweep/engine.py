"""Running a grid through an executor into a store.

The main process owns the store: it claims each cell, submits it to the executor (a
bounded window of them at a time), and writes each finished cell in its own transaction
as soon as its future completes. Workers only compute; they never touch the store, so any
``concurrent.futures.Executor`` (a local process pool, a thread pool, a Dask client's
executor) works unchanged.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import numbers
import signal
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sosrmt._validation import check_int
from sosrmt.sweep.executors import (
    _executor_width,
    _LocalPool,
    dask_executor,
    default_workers,
    local_executor,
)
from sosrmt.sweep.grid import (
    Cell,
    Grid,
    check_job_signature,
    resolve_job,
)
from sosrmt.sweep.store import Row, Store
from sosrmt.sweep.worker import _execute, _failure, _run_isolated, environment_versions

__all__ = [
    "SweepTerminated",
    "dask_executor",
    "default_workers",
    "environment_versions",
    "local_executor",
    "run_sweep",
]


# --------------------------------------------------------------------------- the sweep

def _say(quiet: bool, msg: str) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def run_sweep(job: Callable[..., Any] | str, grid: Grid, *,
              store: str | Path | Store | None = None, jobs: int | None = None,
              executor: cf.Executor | str | Any | None = None,
              progress: bool | None = None, quiet: bool = False, retry_failed: bool = True,
              blas_threads: int | None = 1, timeout: float | None = None,
              argv: Sequence[str] | None = None) -> list[Row]:
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
    timeout : float, optional
        Seconds a cell may run in the local process pool; a cell running longer is
        stopped and stored as a ``"timeout: ..."`` error, and the sweep goes on. The time
        of the first cells includes the start of the workers (about a second). Only the
        local pool can stop a running cell, so other executors refuse it.
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
    pass ``store=Store(path, synchronous="FULL")``. Each cell is claimed in the store's
    ``leases`` table before it starts, so two runners on one store share the cells (a
    runner waits for the cells the other holds, and takes over those of a runner that
    died). SIGTERM stops the sweep like Ctrl-C, workers included; a runner killed with
    SIGKILL leaves no worker behind (each worker watches the runner and exits).

    The local pool starts its workers with ``forkserver`` (safe with threads), so a
    script that calls ``run_sweep`` needs the usual ``if __name__ == "__main__":``
    guard, and a job defined in a notebook runs only with ``executor="serial"`` or a
    thread pool. A worker that dies (segfault, ``os._exit``, the OOM killer) breaks the
    local pool: the cells that were in flight are run again one by one, each in a fresh
    process, so that only the cell that crashed is stored as a ``"worker crash: ..."``
    error (with its signal or exit code); the pool is rebuilt and the sweep goes on. With
    another executor a broken pool ends the sweep with a RuntimeError (nothing is blamed;
    running it again resumes).

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
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or \
                not (0 < float(timeout) < float("inf")):
            raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")
        if executor not in (None, "process"):
            raise ValueError("timeout: only the local process pool (executor=None or "
                             "'process') can stop a running cell; "
                             f"got executor={executor!r}")
        timeout = float(timeout)
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
                       blas_threads=blas_threads, show=show, quiet=quiet, timeout=timeout)
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


class SweepTerminated(KeyboardInterrupt):
    """Raised in the runner when it receives SIGTERM: handled like Ctrl-C (workers stopped)."""


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While running cells, SIGTERM stops the sweep like Ctrl-C (pool and workers ended)."""
    import threading

    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise SweepTerminated("SIGTERM")

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_cells(st: Store, name: str, todo: list[tuple[Cell, str]], run_id: str, *,
               serial: bool, executor: cf.Executor | None, jobs: int | None,
               blas_threads: int | None, show: bool, quiet: bool,
               timeout: float | None) -> None:
    from tqdm.auto import tqdm

    bar = tqdm(total=len(todo), disable=not show, file=sys.stderr, unit="cell",
               desc=name.rpartition(":")[2], dynamic_ncols=True)
    counts = {"stored": 0, "failed": 0, "other": 0}

    def record(cell: Cell, key: str, outcome: Mapping[str, Any]) -> None:
        st.add_row(_make_row(name, cell, key, run_id, outcome))
        counts["stored"] += 1
        if outcome["status"] != "ok":
            counts["failed"] += 1
            bar.set_postfix(failed=counts["failed"])
        bar.update(1)

    local: _LocalPool | None = None
    try:
        with _sigterm_as_interrupt():
            if serial:
                for cell, key in todo:
                    if st.claim(key, run_id):
                        record(cell, key, _execute(name, cell.params, cell.seed,
                                                   cell.spawn_key, None))
                    else:
                        _wait_for_other(st, name, [(cell, key)], run_id, counts, bar,
                                        lambda c, k: record(c, k, _execute(
                                            name, c.params, c.seed, c.spawn_key, None)))
            else:
                if executor is None:
                    local = _LocalPool(jobs, blas_threads)
                elif isinstance(executor, cf.ThreadPoolExecutor):
                    blas_threads = None
                _submit_all(st, name, todo, run_id, executor, local, blas_threads, timeout,
                            record, counts, bar)
    except KeyboardInterrupt as exc:
        if local is not None:
            local.stop()
            local = None
        bar.close()
        how = "terminated (SIGTERM)" if isinstance(exc, SweepTerminated) else "interrupted"
        _say(quiet, f"sweep {name}: {how}; {counts['stored']} of {len(todo)} cells stored "
                    f"this run, run it again to resume")
        raise
    finally:
        if local is not None:
            local.close()
        bar.close()
        with contextlib.suppress(Exception):
            st.release(run_id)
    other = f", {counts['other']} computed by another runner" if counts["other"] else ""
    _say(quiet, f"sweep {name}: {counts['stored']} cells run, {counts['failed']} failed{other}"
                + (f", store {st.path}" if st.path is not None else ""))


def _wait_for_other(st: Store, name: str, cells: list[tuple[Cell, str]], run_id: str,
                    counts: dict[str, int], bar: Any,
                    run_one: Callable[[Cell, str], None]) -> None:
    """Wait for cells another live runner claimed; take over those it abandons."""
    waiting = list(cells)
    delay = 0.05
    while waiting:
        finished = st.finished_keys(k for _, k in waiting)
        still = []
        for cell, key in waiting:
            if key in finished:
                counts["other"] += 1
                bar.update(1)
            elif st.claim(key, run_id):
                run_one(cell, key)
            else:
                still.append((cell, key))
        waiting = still
        if waiting:
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _submit_all(st: Store, name: str, todo: list[tuple[Cell, str]], run_id: str,
                executor: cf.Executor | None, local: _LocalPool | None,
                blas_threads: int | None, timeout: float | None,
                record: Callable[[Cell, str, Mapping[str, Any]], None],
                counts: dict[str, int], bar: Any) -> None:
    """Run cells through an executor with a bounded window of them in flight.

    With the local pool, a worker that dies breaks the pool: the cells in flight are
    then run again one by one, each in a fresh process, so the crash is recorded on the
    cell that caused it (with its signal or exit code) and the others are computed; the
    pool is rebuilt and the sweep goes on. A cell running longer than ``timeout`` is
    stopped (its workers ended, the pool rebuilt) and recorded as a timeout; the other
    cells in flight are run again.
    """
    ex: cf.Executor = local.pool if local is not None else executor  # type: ignore[assignment]
    width = local.jobs if local is not None else _executor_width(executor)
    # With a timeout every submitted cell must be running, so that the time since
    # submission is its run time; otherwise keep enough in flight to hide the round trip
    # of remote executors (Dask).
    window = width if timeout is not None else max(4 * width, 16)
    queue: collections.deque[tuple[Cell, str]] = collections.deque(todo)
    pending: dict[cf.Future, tuple[Cell, str, float]] = {}
    deferred: list[tuple[Cell, str]] = []

    def submit(cell: Cell, key: str) -> None:
        fut = ex.submit(_execute, name, cell.params, cell.seed, cell.spawn_key, blas_threads)
        pending[fut] = (cell, key, time.monotonic())

    while True:
        while queue and len(pending) < window:
            cell, key = queue.popleft()
            if st.claim(key, run_id):
                submit(cell, key)
            else:
                deferred.append((cell, key))
        if not pending:
            if deferred:
                def run_one(c: Cell, k: str) -> None:
                    queue.append((c, k))
                _wait_for_other(st, name, deferred[:1], run_id, counts, bar, run_one)
                deferred = deferred[1:]
                continue
            if not queue:
                break
            continue
        done, _ = cf.wait(pending, timeout=None if timeout is None else 0.2,
                          return_when=cf.FIRST_COMPLETED)
        suspects: list[tuple[Cell, str]] = []
        for fut in done:
            cell, key, _ = pending.pop(fut)
            exc = fut.exception()
            if exc is None:
                record(cell, key, fut.result())
            elif isinstance(exc, cf.BrokenExecutor) and local is not None:
                suspects.append((cell, key))
            elif isinstance(exc, cf.BrokenExecutor):
                raise RuntimeError(f"executor: the worker pool broke ({exc}); "
                                   f"{counts['stored']} cells were stored, run the sweep "
                                   "again to resume") from exc
            else:  # the executor could not run the cell (e.g. it could not be pickled)
                record(cell, key, _failure(f"executor failure: {type(exc).__name__}: {exc}",
                                           "".join(traceback.format_exception(exc))))
        if local is None:
            continue
        if suspects:
            # every cell in flight failed with the pool: find the culprit(s) one by one
            suspects += [(c, k) for c, k, _ in pending.values()]
            pending.clear()
            local.rebuild()
            ex = local.pool
            for cell, key in suspects:
                record(cell, key, _run_isolated(local.ctx, name, cell, blas_threads, timeout))
            continue
        if timeout is not None:
            now = time.monotonic()
            late = [f for f, (_, _, t0) in pending.items() if now - t0 > timeout]
            if late:
                innocent = [(c, k) for f, (c, k, _) in pending.items() if f not in late]
                for f in late:
                    cell, key, _ = pending[f]
                    record(cell, key, _failure(
                        f"timeout: the cell ran longer than {timeout:g} s and was stopped"))
                pending.clear()
                local.rebuild()
                ex = local.pool
                queue.extendleft(reversed(innocent))
