"""Benchmark: degree-4 pseudo-calibrated moment matrices, signed-measure vs shape form.

For each problem (order-3 tensor PCA with Hermite truncation D=2, dense subgraph with vertex
truncation tau=4) and n = 10, 12, ..., the script times building the degree-4 moment
matrix and its relative minimum eigenvalue with

* the signed-measure form (enumerate the prior: 2^n points) -- the baseline a user would
  otherwise write (numpy, Phi^T diag(w) Phi), and
* the shape form (sum of graph matrices via sosrmt.graphs; polynomial in n),

records peak traced memory (tracemalloc), checks that both agree where both run, and
reports where each form stops within the time budget (default 60 s per build). Writes
JSON to benchmarks/results/bench_calibration.json.

The matrix-free form at n = 300 is benchmarked by benchmarks/bench_matrix_free.py.

Usage: python benchmarks/bench_calibration.py [--quick] [--budget SECONDS] [--nmin N] [--nmax N]
       [--problems tensor-pca dense-subgraph]
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from sosrmt.calibration.signed_measure import relative_min_eigenvalue
from sosrmt.problems.dense_subgraph import dense_subgraph_measure, dense_subgraph_shape_form
from sosrmt.problems.tensor_pca import tensor_pca_measure, tensor_pca_shape_form


def _signed(problem: str, n: int, rng: np.random.Generator):
    if problem == "tensor-pca":
        A = rng.standard_normal((n, n, n))
        mu = tensor_pca_measure(A, 0.25 * n**0.75, 2)
    else:
        U = np.triu(rng.choice([-1.0, 1.0], size=(n, n)), 1)
        mu = dense_subgraph_measure(U + U.T, 0.25, rho=1 / np.sqrt(n), tau=4)
    lam, lam0 = mu.moment_matrix(4), mu.prior_moment_matrix(4)
    return lam, relative_min_eigenvalue(lam, lam0, scale=mu.e1)


def _shape(problem: str, n: int, rng: np.random.Generator):
    if problem == "tensor-pca":
        A = rng.standard_normal((n, n, n))
        sf = tensor_pca_shape_form(A, 0.25 * n**0.75, 2)
    else:
        U = np.triu(rng.choice([-1.0, 1.0], size=(n, n)), 1)
        sf = dense_subgraph_shape_form(U + U.T, 0.25, tau=4, rho=1 / np.sqrt(n))
    lam, lam0 = sf.moment_matrix(4), sf.prior_moment_matrix(4)
    return lam, relative_min_eigenvalue(lam, lam0, scale=sf.e1)


def _measure(fn, problem: str, n: int, seed: int) -> dict:
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        lam, mu = fn(problem, n, np.random.default_rng(seed))
        err = None
    except (ValueError, MemoryError) as exc:
        lam, mu, err = None, float("nan"), str(exc)
    dt = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": dt, "peak_mib": peak / 2**20, "mu_min": mu, "error": err, "lam": lam}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="n <= 14 and a 10 s budget")
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per build (default 60)")
    ap.add_argument("--nmax", type=int, default=48, help="largest n tried (default 48)")
    ap.add_argument("--nmin", type=int, default=10, help="smallest n tried (default 10)")
    ap.add_argument("--problems", nargs="+", default=["tensor-pca", "dense-subgraph"],
                    choices=["tensor-pca", "dense-subgraph"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    budget = 10.0 if args.quick else args.budget
    nmax = min(args.nmax, 14) if args.quick else args.nmax
    sizes = list(range(args.nmin, nmax + 1, 2))
    results = []
    with threadpool_limits(1):
        for problem in args.problems:
            stopped = {"signed": None, "shape": None}
            for n in sizes:
                row = {"problem": problem, "n": n}
                lams = {}
                for form, fn in (("signed", _signed), ("shape", _shape)):
                    if stopped[form] is not None:
                        row[f"{form}_s"] = None
                        continue
                    r = _measure(fn, problem, n, args.seed + n)
                    lams[form] = r.pop("lam")
                    row[f"{form}_s"] = r["seconds"] if r["error"] is None else None
                    row[f"{form}_mib"] = r["peak_mib"]
                    row[f"{form}_mu_min"] = r["mu_min"]
                    if r["error"] is not None:
                        row[f"{form}_error"] = r["error"][:120]
                    if r["error"] is not None or r["seconds"] > budget:
                        stopped[form] = n
                if lams.get("signed") is not None and lams.get("shape") is not None:
                    row["max_abs_diff"] = float(np.abs(lams["signed"] - lams["shape"]).max())
                if row.get("signed_s") and row.get("shape_s"):
                    row["speedup"] = row["signed_s"] / row["shape_s"]
                results.append(row)
                print(f"{problem:15s} n={n:3d}  signed {row.get('signed_s') or float('nan'):8.2f}s "
                      f"{row.get('signed_mib', float('nan')):8.1f}MiB   shape "
                      f"{row.get('shape_s') or float('nan'):8.2f}s "
                      f"{row.get('shape_mib', float('nan')):8.1f}MiB   speedup "
                      f"{row.get('speedup', float('nan')):7.2f}  diff "
                      f"{row.get('max_abs_diff', float('nan')):.1e}", flush=True)
                if all(v is not None for v in stopped.values()):
                    break
            print(f"{problem}: signed-measure form stops at n={stopped['signed']}, shape form "
                  f"at n={stopped['shape']} (budget {budget:g} s per build; None = reached "
                  f"n={sizes[-1]})", flush=True)
            results.append({"problem": problem, "signed_stops_at": stopped["signed"],
                            "shape_stops_at": stopped["shape"], "budget_s": budget})
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    path = out / ("bench_calibration.json" if args.problems == ["tensor-pca", "dense-subgraph"]
                  and args.nmin == 10 else f"bench_calibration_{'_'.join(args.problems)}"
                  f"_n{args.nmin}-{nmax}.json")
    path.write_text(json.dumps({"quick": args.quick, "rows": results}, indent=1, default=str))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
