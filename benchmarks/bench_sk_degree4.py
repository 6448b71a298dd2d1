"""Degree-4 SK beyond brute force: the rigorous SOS_4 bound against the best cut found.

For each n (default 32, 40, 48, 64) and seed: the best cut found
(`sosrmt.problems.sk.best_cut`, a certified lower bound on OPT), the degree-4 SoS solve of
the engine (SCS on the sign-symmetric blocks; the bound is rigorous whatever the
tolerance), its iterations and seconds, the time of one dense eigendecomposition of the
even block (size 1 + C(n, 2): what one SCS iteration costs at least) and the memory
estimate. The certified gap (SOS_4 bound - best found) / best found says where degree 4
stops certifying the optimum. The plain cvxpy model (benchmarks/_sk_baselines.py) cannot
be built past n = 24 on two cores, so it is not run here (see bench_sk_solve.py).

Usage: python benchmarks/bench_sk_degree4.py [--quick] [--sizes 40 48] [--seeds 1]
       [--eps 1e-5] [--max-iters 5000]
"""

from __future__ import annotations

import argparse
import json
import time
from math import comb
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def eig_seconds(size: int) -> float:
    """Seconds of one dense symmetric eigendecomposition of a size x size matrix."""
    A = np.random.default_rng(0).standard_normal((size, size))
    A += A.T
    t0 = time.perf_counter()
    np.linalg.eigh(A)
    return time.perf_counter() - t0


def main() -> None:
    from sosrmt.problems import sk

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="n = 20, 24 (seconds)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[32, 40, 48, 64])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--eps", type=float, default=1e-5)
    parser.add_argument("--max-iters", type=int, default=5000)
    args = parser.parse_args()
    sizes = [20, 24] if args.quick else args.sizes
    rows = []
    for n in sizes:
        est = sk.estimate_resources(n, degrees=(4,))
        sk.check_resources(est)
        block = 1 + comb(n, 2)
        eig = eig_seconds(block)
        for seed in range(args.seeds):
            W = sk.sk_instance(n, seed=seed)
            t0 = time.perf_counter()
            best, cut = sk.best_cut(W, rng=seed)
            t_best = time.perf_counter() - t0
            opt = sk.brute_force_max(W)[0] if n <= sk.BRUTE_FORCE_MAX_N else None
            t0 = time.perf_counter()
            res = sk.sos_value(W, 4, eps=args.eps, max_iters=args.max_iters)
            secs = time.perf_counter() - t0
            bound = res.bound if res.ok else None
            low = opt if opt is not None else best
            gap = None if bound is None else (bound - low) / abs(low)
            row = {"n": n, "seed": seed, "block": block, "eig_seconds": eig,
                   "memory_estimate_gib": est.peak_bytes / 2**30, "opt": opt,
                   "best_found": best, "best_found_seconds": t_best,
                   "best_cut": [int(v) for v in cut], "status": res.status,
                   "sos4_bound": bound, "tight": res.tight,
                   "iterations": res.stats.get("iterations"), "seconds": secs,
                   "certified_gap": gap, "scale": n**1.5}
            rows.append(row)
            print(f"n={n} seed={seed} block={block} eig={eig:.2f}s "
                  f"best/n^1.5={best / n**1.5:.4f} "
                  f"sos4_bound/n^1.5={'-' if bound is None else f'{bound / n**1.5:.4f}'} "
                  f"status={res.status} tight={res.tight} it={row['iterations']} "
                  f"{secs:.1f}s gap={'-' if gap is None else f'{gap:.2e}'}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    name = "bench_sk_degree4_quick.json" if args.quick else "bench_sk_degree4.json"
    (RESULTS / name).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
