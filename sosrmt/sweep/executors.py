"""Executors a sweep runs on: the embedded local process pool and Dask.

The local pool starts its workers with ``forkserver``, caps their BLAS threads, and can be
stopped and rebuilt (after a worker crash or a timeout); a Dask client, local or remote,
runs the same cells through its ``concurrent.futures`` executor.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
from collections.abc import Iterator
from typing import Any

from sosrmt._validation import check_int
from sosrmt.sweep.worker import _init_worker

__all__ = ["dask_executor", "default_workers", "local_executor"]


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
        ctx.set_forkserver_preload(["numpy", "sosrmt.sweep.worker"])
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx,
                                  initializer=_init_worker,
                                  initargs=(blas_threads, os.getpid()))


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


class _LocalPool:
    """The embedded process pool, rebuilt after a worker crash or a timeout."""

    def __init__(self, jobs: int | None, blas_threads: int | None) -> None:
        self.jobs = jobs or default_workers()
        self.blas_threads = blas_threads
        self.pool = local_executor(self.jobs, blas_threads=blas_threads)
        self.ctx = self.pool._mp_context

    def rebuild(self) -> None:
        self.stop()
        self.pool = local_executor(self.jobs, blas_threads=self.blas_threads)

    def stop(self) -> None:
        _terminate_pool(self.pool)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


