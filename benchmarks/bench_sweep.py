"""Benchmark of the sweep engine: per-job overhead and parallel throughput.

1. Per-job overhead. Empty jobs (``sleepy(seconds=0)``) through ``run_sweep`` --
   serial, local process pool, Dask LocalCluster -- each writing an SQLite store, against
   what a user would otherwise write: a plain loop, a bare ``ProcessPoolExecutor.map``
   and a bare ``client.map``. Each method runs ``2 * workers`` and ``N`` jobs; the
   marginal cost ``(t_N - t_small) * workers / (N - 2 * workers)`` is the overhead in
   worker-seconds per job (start-up excluded, reported apart), also shown relative to a
   50 ms job. Each is timed after a warm-up call, best of two.
2. Throughput. A 200-cell sweep of ~50 ms numpy jobs (``numpy_work``, one BLAS thread)
   on 2 workers, start-up included, against a serial loop of the same jobs, in alternating
   rounds (median ratio reported); the goal is at least 1.7x.

The table goes to stdout and JSON to ``benchmarks/results/bench_sweep.json``.
Usage: ``python benchmarks/bench_sweep.py [--quick] [--workers 2] [--no-dask]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from threadpoolctl import threadpool_limits

from sosrmt.sweep import Grid, dask_executor, local_executor, run_sweep
from sosrmt.sweep.examples import numpy_work, sleepy

EMPTY = "sosrmt.sweep.examples:sleepy"
WORK = "sosrmt.sweep.examples:numpy_work"


def _empty(i: int) -> dict:
    return sleepy(seconds=0.0, rng=i)


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def calibrate(target: float = 0.05) -> tuple[int, int, float]:
    """Pick (size, repeats) so that one numpy_work call takes about ``target`` seconds."""
    size = 200
    with threadpool_limits(1):
        numpy_work(size=size, rng=0)
        per = statistics.median(_timed(lambda s=s: numpy_work(size=size, repeats=5, rng=s))[0]
                                for s in range(5)) / 5
        repeats = max(1, round(target / per))
        t = statistics.median(_timed(lambda s=s: numpy_work(size=size, repeats=repeats,
                                                            rng=s))[0] for s in range(5))
    return size, repeats, t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer cells (smoke run)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster rows")
    ap.add_argument("--rounds", type=int, default=None,
                    help="alternating serial/parallel rounds (default 3, quick 1)")
    args = ap.parse_args()
    w = args.workers
    args.rounds = args.rounds or (1 if args.quick else 3)
    n_big = 100 if args.quick else 400
    n_small = 2 * w
    n_work = 40 if args.quick else 200
    tmp = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    res: dict = {"workers": w, "cpu_count": os.cpu_count(), "quick": args.quick,
                 "load_avg_start": os.getloadavg()[0], "python": platform.python_version(),
                 "overhead": [], "throughput": []}
    count = iter(range(10**6))

    def store() -> Path:
        return tmp / f"s{next(count)}.sqlite"

    def overhead(method: str, baseline: str, ours: Callable[[int], object],
                 base: Callable[[int], object], workers: int) -> None:
        t = {}
        for name, fn in (("ours", ours), ("base", base)):
            fn(n_small)  # warm-up: imports, forkserver, Dask worker caches
            small = min(_timed(lambda fn=fn: fn(n_small))[0] for _ in range(2))
            big = min(_timed(lambda fn=fn: fn(n_big))[0] for _ in range(2))
            t[name] = (small, big, (big - small) * workers / (n_big - n_small))
        res["overhead"].append({
            "method": method, "baseline": baseline, "workers": workers, "cells": n_big,
            "startup_s": t["ours"][0], "baseline_startup_s": t["base"][0],
            "per_job_s": t["ours"][2], "baseline_per_job_s": t["base"][2],
            "per_job_vs_50ms_job": t["ours"][2] / 0.05})

    def grid(n: int) -> Grid:
        return Grid({"seconds": [0.0]}, seeds=n)

    # ---------------------------------------------------------------- 1. overhead
    overhead("run_sweep serial + store", "plain loop",
             lambda n: run_sweep(EMPTY, grid(n), store=store(), executor="serial",
                                 quiet=True),
             lambda n: [_empty(i) for i in range(n)], 1)

    def bare_pool(n: int) -> list:
        with local_executor(w) as ex:
            return list(ex.map(_empty, range(n)))

    overhead(f"run_sweep local pool ({w}) + store", "bare ProcessPoolExecutor.map",
             lambda n: run_sweep(EMPTY, grid(n), store=store(), jobs=w, quiet=True),
             bare_pool, w)

    # ---------------------------------------------------------------- 2. throughput
    size, repeats, t_job = calibrate()
    res["work_job"] = {"size": size, "repeats": repeats, "seconds": t_job}
    g_work = Grid({"size": [size], "repeats": [repeats]}, seeds=n_work)
    def serial() -> None:
        with threadpool_limits(1):
            for i in range(n_work):
                numpy_work(size=size, repeats=repeats, rng=i)

    # serial and parallel runs alternate, so that a change of machine load hits both;
    # the reported speedup is the median of the per-round ratios
    def measure(method: str, fn: Callable[[], list]) -> None:
        ratios, walls, serials, busy, cpu_share = [], [], [], [], []
        for _ in range(args.rounds):
            t_serial, _ = _timed(serial)
            t_par, rows = _timed(fn)
            assert all(r["status"] == "ok" for r in rows)
            ratios.append(t_serial / t_par)
            walls.append(t_par)
            serials.append(t_serial)
            # share of the workers' time spent inside jobs (1.0: the engine never idles them)
            # and CPU time / wall time of the jobs (below 1: the cores are shared)
            busy.append(sum(r["wall_time"] for r in rows) / (t_par * w))
            cpu_share.append(sum(r["cpu_time"] for r in rows) / sum(r["wall_time"] for r in rows))
        res["throughput"].append({"method": method, "baseline": "serial loop, 1 BLAS thread",
                                  "cells": n_work, "wall_s": walls, "serial_s": serials,
                                  "speedups": ratios, "speedup": statistics.median(ratios),
                                  "worker_busy_fraction": busy,
                                  "job_cpu_over_wall": cpu_share})

    # the local pool is measured before any Dask cluster exists: an idle LocalCluster's
    # scheduler and nannies still take CPU from the two cores
    measure(f"run_sweep local pool ({w}) + store",
            lambda: run_sweep(WORK, g_work, store=store(), jobs=w, quiet=True))
    stack = contextlib.ExitStack()
    ex = None
    if not args.no_dask:
        # entered by hand so that the cluster start-up is timed apart from the jobs
        t_start, ex = _timed(lambda: stack.enter_context(dask_executor(n_workers=w)))
        res["dask_cluster_start_s"] = t_start
        client = ex._client
        overhead(f"run_sweep Dask LocalCluster ({w}) + store", "bare client.map",
                 lambda n: run_sweep(EMPTY, grid(n), store=store(), executor=ex, quiet=True),
                 lambda n: client.gather(client.map(_empty, range(n), pure=False)), w)

    if ex is not None:
        measure(f"run_sweep Dask LocalCluster ({w}) + store",
                lambda: run_sweep(WORK, g_work, store=store(), executor=ex, quiet=True))
    stack.close()
    res["load_avg_end"] = os.getloadavg()[0]

    # ---------------------------------------------------------------- report
    print(f"workers={w} cpu_count={os.cpu_count()} load average (1 min) start/end="
          f"{res['load_avg_start']:.1f}/{res['load_avg_end']:.1f}")
    if "dask_cluster_start_s" in res:
        print(f"Dask LocalCluster start-up: {res['dask_cluster_start_s']:.2f} s")
    print(f"\nper-job overhead ({n_big} empty jobs; worker-ms per job, start-up apart)")
    hdr = (f"{'method':42s} {'baseline':30s} {'start s':>8s} {'base start':>10s} "
           f"{'ms/job':>7s} {'base ms/job':>11s} {'vs 50ms job':>11s}")
    print(hdr + "\n" + "-" * len(hdr))
    for r in res["overhead"]:
        print(f"{r['method']:42s} {r['baseline']:30s} {r['startup_s']:8.2f} "
              f"{r['baseline_startup_s']:10.2f} {r['per_job_s'] * 1e3:7.2f} "
              f"{r['baseline_per_job_s'] * 1e3:11.2f} {r['per_job_vs_50ms_job']:10.1%}")
    print(f"\nthroughput: {n_work} cells of numpy_work(size={size}, repeats={repeats}) = "
          f"{t_job * 1e3:.1f} ms each (goal: speedup >= 1.7 on 2 workers)")
    hdr = f"{'method':42s} {'baseline':28s} {'ours s':>7s} {'serial s':>8s} {'speedup':>8s}"
    print(hdr + "\n" + "-" * len(hdr))
    for r in res["throughput"]:
        print(f"{r['method']:42s} {r['baseline']:28s} "
              f"{statistics.median(r['wall_s']):7.2f} {statistics.median(r['serial_s']):8.2f} "
              f"{r['speedup']:7.2f}x  (rounds: "
              f"{', '.join(f'{x:.2f}' for x in r['speedups'])}; workers busy "
              f"{', '.join(f'{x:.0%}' for x in r['worker_busy_fraction'])}; job CPU/wall "
              f"{', '.join(f'{x:.0%}' for x in r['job_cpu_over_wall'])})")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_sweep.json").write_text(json.dumps(res, indent=2))
    print(f"\nwrote {out / 'bench_sweep.json'}")


if __name__ == "__main__":
    main()
