"""Degree-4 SK beyond brute force: both certified sides of SOS_4 by the ADMM backend.

For each n (default 40, 48, 64) and seed, in a fresh process (so that the peak memory is
that size's): the best cut found (a certified lower bound on OPT, "best found", never OPT),
`sosrmt.problems.sk.sos4_bounds` (ADMM with Anderson acceleration, the best cut tried as
the optimiser; a rigorous upper bound and a certified lower bound on SOS_4), iterations,
seconds, eigendecompositions full and partial, peak resident memory, the time of one
dense eigendecomposition of the even block (size 1 + C(n, 2)) and the load average.
The certified gap (lower - best found) / best found > 0 says that degree 4 provably
exceeds the best cut found. The plain cvxpy model (benchmarks/_sk_baselines.py) is built
and solved beside ours at n = 24, the largest size where it builds on two cores, with the
ratio of times; at n >= 40 only its build is tried, under a time limit.

Usage: python benchmarks/bench_sk_degree4.py [--quick] [--sizes 40 48 64] [--seeds 1]
       [--out docs/results/sk/degree4.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from math import comb
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
#: seconds of ADMM iterations per size (targets: n = 48 under 5 min, n = 64 under 30 min
#: end to end)
TIME_LIMITS = {40: 420.0, 48: 280.0, 64: 1700.0}


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def one(n: int, seed: int, time_limit: float, eps: float) -> dict:
    """One instance in this process: the bounds, timings and peak memory."""
    from threadpoolctl import threadpool_limits

    from sosrmt.problems import sk

    est = sk.estimate_resources(n, degrees=(4,), backend="admm")
    sk.check_resources(est)
    block = 1 + comb(n, 2)
    A = np.random.default_rng(0).standard_normal((block, block))
    A += A.T
    with threadpool_limits(1):
        t0 = time.perf_counter()
        np.linalg.eigh(A)
        eig = time.perf_counter() - t0
    del A
    W = sk.sk_instance(n, seed=seed)
    load_before = load()
    t0 = time.perf_counter()
    b = sk.sos4_bounds(W, rng=seed, time_limit=time_limit, eps=eps, max_iters=10**6)
    secs = time.perf_counter() - t0
    row = b.as_dict()
    row.update(seed=seed, block=block, eig_seconds_1thread=eig, seconds_total=secs,
               memory_estimate_gib=est.peak_bytes / 2**30,
               peak_rss_gib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
               time_limit=time_limit, load_before=load_before, load_after=load(),
               scale=n**1.5)
    if n <= sk.BRUTE_FORCE_MAX_N:
        row["opt"] = sk.brute_force_max(W)[0]
    bm = sk.burer_monteiro(W, rng=seed)  # the degree-2 bound beside it (seconds)
    row.update(sos2_bound=bm.bound, spectral=sk.spectral_bound(W))
    return row


def naive(n: int, seed: int, solve: bool, limit: float) -> dict:
    """The plain cvxpy model in a child process: build (and solve) seconds, or a timeout."""
    code = "\n".join([
        f"import json, sys; sys.path.insert(0, {str(HERE)!r})",
        "from _sk_baselines import naive_build_seconds, naive_solve",
        "from sosrmt.problems import sk",
        f"W = sk.sk_instance({n}, seed={seed})",
        "out = {'build_s': naive_build_seconds(W)}",
        f"if {solve!r}:",
        "    v, s, it = naive_solve(W)",
        "    out.update(value=v, seconds=s, iterations=it)",
        "print(json.dumps(out))",
    ])
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=limit)
    except subprocess.TimeoutExpired:
        return {"naive_status": f"did not build/solve in {limit:.0f} s"}
    if proc.returncode != 0:
        return {"naive_status": "failed: " + proc.stderr.strip().splitlines()[-1][:200]}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"naive_status": "ok", **{f"naive_{k}": v for k, v in res.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="n = 16, 20 (under a minute)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[40, 48, 64])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0, help="first seed")
    parser.add_argument("--eps", type=float, default=1e-6)
    parser.add_argument("--time-limit", type=float, default=None,
                        help="ADMM seconds per instance (default: per size, see TIME_LIMITS)")
    parser.add_argument("--naive-n", type=int, default=24,
                        help="size at which the plain cvxpy model is solved beside ours "
                        "(0: none)")
    parser.add_argument("--naive-limit", type=float, default=900.0)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--one", nargs=4, metavar=("N", "SEED", "LIMIT", "EPS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        n, seed, limit, eps = args.one
        print(json.dumps(one(int(n), int(seed), float(limit), float(eps)), default=str))
        return
    sizes = [16, 20] if args.quick else args.sizes
    naive_n = 12 if args.quick else args.naive_n
    print(f"load average at start: {load()}", flush=True)
    rows = []
    for n in sorted(set(sizes) | ({naive_n} if naive_n > 0 else set())):
        for seed in range(args.seed, args.seed + args.seeds):
            limit = args.time_limit or TIME_LIMITS.get(n, 120.0)
            proc = subprocess.run([sys.executable, __file__, "--one", str(n), str(seed),
                                   str(limit), str(args.eps)], capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"n={n} seed={seed} FAILED: {proc.stderr.strip()[-500:]}", flush=True)
                rows.append({"n": n, "seed": seed, "status": "error",
                             "error": proc.stderr.strip()[-500:]})
                continue
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            if n == naive_n:
                row.update(naive(n, seed, True, args.naive_limit))
                if isinstance(row.get("naive_seconds"), float):
                    row["naive_over_ours"] = row["naive_seconds"] / row["seconds_total"]
            elif n in sizes and not args.quick:
                row.update(naive(n, seed, False, min(args.naive_limit, 120.0)))
            rows.append(row)
            def fmt(v: float | None, s: float = n**1.5) -> str:
                return "-" if v is None else f"{v / s:.5f}"

            gap = row["certified_gap"]
            print(f"n={n} seed={seed} status={row['status']} it={row['iterations']} "
                  f"{row['seconds_total']:.0f}s peak={row['peak_rss_gib']:.2f}GiB "
                  f"(est {row['memory_estimate_gib']:.2f}) best/n^1.5={fmt(row['best_found'])} "
                  f"lower={fmt(row['lower'])} upper={fmt(row['upper'])} tight={row['tight']} "
                  f"gap={'-' if gap is None else f'{gap:.2e}'} "
                  f"eig(1 thread)={row['eig_seconds_1thread']:.2f}s "
                  f"load {row['load_before']} -> {row['load_after']}"
                  + (f" naive={row.get('naive_status')} "
                     f"ratio={row.get('naive_over_ours', '-')}" if "naive_status" in row
                     else ""), flush=True)
    print(f"load average at end: {load()}", flush=True)
    out = args.out or RESULTS / ("bench_sk_degree4_quick.json" if args.quick
                                 else "bench_sk_degree4.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
