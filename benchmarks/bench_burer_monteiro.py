"""Degree-2 SK SDP at large n: Burer--Monteiro with its rigorous dual bound vs SCS via cvxpy.

For each n: sosrmt's `burer_monteiro` (primal value, rigorous dual-certificate bound and
seconds) and, where it finishes within --limit seconds, the standard cvxpy model
max <W, X>, X PSD, diag X = 1 solved by SCS (the baseline a user would write).

Usage: python benchmarks/bench_burer_monteiro.py [--quick] [--sizes 500 1000 2000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

CVXPY = r"""
import sys, time, json, cvxpy as cp
from sosrmt.problems.sk import sk_instance
W = sk_instance(int(sys.argv[1]), seed=0)
t0 = time.perf_counter()
X = cp.Variable(W.shape, PSD=True)
p = cp.Problem(cp.Maximize(cp.trace(W @ X)), [cp.diag(X) == 1])
p.solve(solver=cp.SCS, eps=1e-6)
print(json.dumps({"value": p.value, "seconds": time.perf_counter() - t0}))
"""


def main() -> None:
    from sosrmt.problems.sk import burer_monteiro, sk_instance

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", type=int, nargs="*", default=[200, 500, 1000, 2000])
    parser.add_argument("--limit", type=float, default=120.0)
    args = parser.parse_args()
    sizes = [100, 300] if args.quick else args.sizes
    rows = []
    baseline_alive = True
    for n in sizes:
        W = sk_instance(n, seed=0)
        t0 = time.perf_counter()
        bm = burer_monteiro(W, rng=0)
        secs = time.perf_counter() - t0
        row = {"n": n, "bm_value": bm.value, "bm_bound": bm.bound, "gap": bm.gap,
               "bm_s": secs, "iterations": bm.iterations, "scs_value": None, "scs_s": None}
        if baseline_alive:
            try:
                out = subprocess.run([sys.executable, "-c", CVXPY, str(n)], capture_output=True,
                                     text=True, timeout=args.limit, check=True)
                res = json.loads(out.stdout.strip().splitlines()[-1])
                row.update(scs_value=res["value"], scs_s=res["seconds"])
            except subprocess.TimeoutExpired:
                row["scs_s"] = f">{args.limit:.0f}"
                baseline_alive = False
        ratio = row["scs_s"] / secs if isinstance(row["scs_s"], float) else None
        row["speedup"] = ratio
        rows.append(row)
        print(f"n={n:5d} BM value={bm.value:.4f} rigorous bound={bm.bound:.4f} "
              f"(rel gap {bm.gap:.1e}) in {secs:.2f}s ({bm.iterations} it) | cvxpy+SCS "
              f"value={row['scs_value']} in {row['scs_s']}s | speedup "
              f"{ratio if ratio is None else round(ratio, 1)}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_burer_monteiro.json").write_text(json.dumps(rows, indent=2, default=str))


if __name__ == "__main__":
    main()
