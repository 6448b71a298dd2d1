"""Sparse SoS against the dense relaxation: degree-4 max-cut on sparse random graphs.

Random 3-regular graphs and Erdos-Renyi graphs with average degree 3. For each n the dense,
the correlatively sparse and the correlative + term sparse (one and two support
extensions, block closure) degree-4 relaxations are solved (SCS, eps 1e-6) in subprocesses
with a time limit; the table gives the largest clique, the block sizes, the rigorous bound
of each, whether the exact check verifies it, the times, and the ratio of each bound to
the dense degree-4 bound (where that runs) and to the dense degree-2 (Goemans-Williamson)
bound, which runs at every size. Sparsity may weaken the bound: all are reported.

Usage: python benchmarks/bench_sos_sparse.py [--quick] [--limit SECONDS]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

JOB = r"""
import json, sys, time, warnings
import networkx as nx, numpy as np
warnings.simplefilter("ignore")
from sosrmt.poly import Polynomial
from sosrmt.sos import Hypercube, correlative_cliques, solve
kind, n, mode, degree = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
sparsity, _, steps = mode.partition(":")
G = (nx.random_regular_graph(3, n, seed=0) if kind == "3-regular"
     else nx.gnp_random_graph(n, 3.0 / (n - 1), seed=0))
W = nx.to_numpy_array(G, nodelist=range(n))
cut = (Polynomial.constant(W.sum() / 2, n, "hypercube") - Polynomial.quadratic_form(W) / 2) / 2
out = {"graph": kind, "n": n, "mode": mode, "degree": degree,
       "max_clique": max(map(len, correlative_cliques(cut, Hypercube(n))))}
t0 = time.perf_counter()
res = solve(cut, Hypercube(n), degree, sparsity=sparsity, ts_steps=int(steps or 1), eps=1e-6)
out["solve_s"] = round(time.perf_counter() - t0, 2)
out["largest_block"] = max(res.stats["blocks"])
out["status"] = res.status
out["bound"] = None if res.bound is None else round(float(res.bound), 5)
t0 = time.perf_counter()
proof = res.certificate.verify_exact(method="direct") if res.certificate else None
out["exact"] = bool(proof)
out["exact_s"] = round(time.perf_counter() - t0, 2)
print(json.dumps(out))
"""


def run(kind: str, n: int, mode: str, limit: float, degree: int = 4) -> dict:
    try:
        proc = subprocess.run([sys.executable, "-c", JOB, kind, str(n), mode, str(degree)],
                              capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"graph": kind, "n": n, "mode": mode, "status": f"> {limit:.0f} s"}
    if proc.returncode:
        return {"graph": kind, "n": n, "mode": mode,
                "status": "failed: " + proc.stderr.strip().splitlines()[-1][:60]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="n = 14 and 30 (under a minute)")
    parser.add_argument("--limit", type=float, default=300.0, help="seconds per solve")
    parser.add_argument("--sizes", type=int, nargs="+", help="override the sizes")
    parser.add_argument("--ts2-max-n", type=int, default=100,
                        help="largest n for two support extensions (default 100)")
    args = parser.parse_args()
    sizes = args.sizes or ([14, 30] if args.quick else [20, 30, 40, 100, 200])
    rows = []
    cols = ["graph", "n", "mode", "degree", "max_clique", "largest_block", "status", "bound",
            "exact", "solve_s", "exact_s", "vs_dense4", "vs_deg2"]
    modes = ["none", "correlative", "correlative+term:1", "correlative+term:2"]
    if args.quick:
        modes = ["none", "correlative+term:1"]
    for kind in ("3-regular", "erdos-renyi"):
        for n in sizes:
            deg2 = run(kind, n, "none", args.limit, degree=2)
            rows.append(deg2)
            print(json.dumps(deg2), flush=True)
            dense4 = None
            for mode in modes:
                if mode == "none" and n > 20:
                    continue  # the dense degree-4 relaxation: over 240 s from n = 30
                if mode == "correlative" and n > 40:
                    continue  # cliques of ~20 variables: over the limit at n = 100
                if mode.endswith(":2") and n > args.ts2_max_n:
                    continue
                row = run(kind, n, mode, args.limit)
                if mode == "none":
                    dense4 = row
                for ref, col in ((dense4, "vs_dense4"), (deg2, "vs_deg2")):
                    if ref and isinstance(ref.get("bound"), float) and isinstance(
                        row.get("bound"), float
                    ):
                        row[col] = round(row["bound"] / ref["bound"], 4)
                rows.append(row)
                print(json.dumps(row), flush=True)
    from sosrmt._report import format_table

    print(format_table(rows, cols))
    RESULTS.mkdir(exist_ok=True)
    name = "bench_sos_sparse_quick.json" if args.quick else "bench_sos_sparse.json"
    (RESULTS / name).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
