"""Benchmark: matrix-free degree-4 pseudo-calibration cells beside the dense form.

For each problem (order-3 tensor PCA with D = 2, dense subgraph with tau = 4 and the
Bernoulli prior, sparse PCA with D = 4, k = ceil(sqrt d), m = ratio k^2) the script runs one
phase-diagram cell (``lowerbound_cell``: a null instance and a planted control) in

* the matrix-free form at n = 300 (dimension about 45,000; Lanczos mu_min with its residual
  bound), and at the dense form's largest size, and
* the dense shape form (moment matrix formed, dense eigensolver) at the largest n it reaches
  here (tensor 60, dense subgraph 48, sparse PCA 30),

each in a fresh process so that the peak resident memory (``ru_maxrss``) belongs to that
cell alone, and prints time, peak memory, mu_min of both forms and the time ratio
dense / matrix-free at the dense form's size. BLAS uses the threads it finds (the targets
are stated for 2 cores); the load average before and after each cell and the cell's CPU
time (user + system, all threads) are recorded, since wall times on a shared machine move
with the load.

With ``--phase`` it instead locates the PSD boundary (the ratio at which the null
mu_min crosses 0) at each n of ``--ns`` by a short search through the sweep store
(``--store``, resumable): two ratios around the previous n's boundary, then bisection
(geometric) or expansion, ``--steps`` cells per n (one seed each by default), and writes
the boundaries with their brackets beside the theorem's predicted scaling
(:mod:`sosrmt.calibration.phase`) to ``phase.json``.

Usage: python benchmarks/bench_matrix_free.py [--quick] [--n 300] [--problems ...]
       [--out DIR]
       python benchmarks/bench_matrix_free.py --phase [--ns 50 100 200 300]
       [--steps 5 4 4 3] [--store FILE] [--out DIR]
Writes JSON to benchmarks/results/bench_matrix_free.json (and to DIR if given).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import time
from pathlib import Path

import numpy as np

PROBLEMS = {
    "tensor-pca": {"job": "sosrmt.problems.tensor_pca:lowerbound_cell",
                   "params": {"ratio": 0.3, "trunc": 2}, "dense_n": 60},
    "dense-subgraph": {"job": "sosrmt.problems.dense_subgraph:lowerbound_cell",
                       "params": {"ratio": 0.1, "trunc": 4}, "dense_n": 48},
    "sparse-pca": {"job": "sosrmt.problems.sparse_pca:lowerbound_cell",
                   "params": {"ratio": 0.5, "trunc": 4, "k": None}, "dense_n": 30},
}


def _cell(job: str, params: dict, queue: mp.Queue) -> None:
    import importlib

    module, name = job.split(":")
    fn = getattr(importlib.import_module(module), name)
    t0 = time.perf_counter()
    try:
        row = fn(rng=0, max_seconds=None, **params)
        err = None
    except (ValueError, MemoryError) as exc:
        row, err = {}, str(exc)
    seconds = time.perf_counter() - t0
    use = resource.getrusage(resource.RUSAGE_SELF)
    queue.put({"seconds": seconds, "cpu_seconds": use.ru_utime + use.ru_stime, "peak_rss_mib":
               resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "error": err,
               **{k: v for k, v in row.items() if isinstance(v, (int, float, str))}})


def run_cell(job: str, params: dict) -> dict:
    """One cell in a fresh process: its result row, seconds, peak RSS and load averages."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    load0 = os.getloadavg()[0]
    proc = ctx.Process(target=_cell, args=(job, params, queue))
    proc.start()
    out = queue.get()
    proc.join()
    out["load_before"], out["load_after"] = load0, os.getloadavg()[0]
    return out


#: Fixed cell parameters of the phase diagram and the boundary guess at the smallest n.
PHASE = {
    "tensor-pca": ({"trunc": 2, "k": 3, "form": "matrix-free"}, 0.18),
    "dense-subgraph": ({"trunc": 4, "form": "matrix-free"}, 0.013),
    "sparse-pca": ({"trunc": 4, "k": None, "form": "matrix-free"}, 0.2),
}


def sweep_evaluator(job: str, n: int, fixed: dict, *, seeds: int = 1, store: str | None = None,
                    quiet: bool = True):
    """``ratio -> mean diagnostics`` of ``job`` at size ``n`` through the sweep store."""
    from sosrmt.sweep import Grid, aggregate, run_sweep

    keys = ("mu_min", "mu_min_residual", "planted_mu_min", "e1", "objective_ratio",
            "residual")

    def evaluate(ratio: float) -> dict:
        grid = Grid({"n": [n], "ratio": [ratio], **{k: [v] for k, v in fixed.items()}},
                    seeds=seeds, seed=0, method_params=[k for k in ("form",) if k in fixed])
        rows = run_sweep(job, grid, store=store, executor="serial", quiet=quiet)
        ok = [r for r in rows if r.get("status", "ok") == "ok"]
        if not ok:
            raise RuntimeError(f"{job} n={n} ratio={ratio}: {rows[0].get('error')}")
        agg = aggregate(ok, metrics=[k for k in keys if k in ok[0]])[0]
        out = {k: agg.get(f"{k}_mean") for k in keys}
        out["mu_min_se"] = agg.get("mu_min_se")
        out["not_converged"] = sum(r.get("lanczos_status", "converged") != "converged"
                                   for r in ok)
        return out

    return evaluate


def phase(problems: list[str], ns: list[int], steps: list[int], seeds: int, store: str,
          quiet: bool = True, path: Path | None = None, guess: float | None = None) -> dict:
    """PSD boundary per problem and n (:func:`sosrmt.calibration.phase.boundary_search`),
    each n starting from the previous n's boundary."""
    from sosrmt.calibration.phase import PREDICTIONS, boundary_search

    out: dict = {"ns": ns, "seeds": seeds, "problems": {}}
    first_guess = guess
    for problem in problems:
        fixed, guess = PHASE[problem]
        guess = first_guess or guess
        per_n = []
        for n, budget in zip(ns, steps, strict=True):
            t0, load0 = time.perf_counter(), os.getloadavg()[0]
            evaluate = sweep_evaluator(PROBLEMS[problem]["job"], n, fixed, seeds=seeds,
                                       store=store, quiet=quiet)
            res = {"n": n, **boundary_search(evaluate, guess, steps=budget)}
            res.update(seconds=time.perf_counter() - t0, load_before=load0,
                       load_after=os.getloadavg()[0])
            if np.isfinite(res["boundary"]):
                guess = res["boundary"]
            per_n.append(res)
            out["problems"][problem] = {"fixed": fixed, "prediction": PREDICTIONS[problem],
                                        "boundaries": per_n}
            if path is not None:                 # partial results survive an interruption
                path.write_text(json.dumps(out, indent=1, default=str))
            print(f"{problem} n={n}: boundary {res['boundary']:.4g} in "
                  f"[{res['psd_below']:.4g}, {res['not_psd_above']:.4g}] "
                  f"({res['seconds']:.0f} s, load {load0:.1f})", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="n = 40 matrix-free, dense form at n = 16 (under a minute)")
    ap.add_argument("--n", type=int, default=300, help="matrix-free size (default 300)")
    ap.add_argument("--problems", nargs="+", default=list(PROBLEMS), choices=list(PROBLEMS))
    ap.add_argument("--out", default=None, help="also write the JSON into this folder")
    ap.add_argument("--phase", action="store_true", help="locate the PSD boundary per n")
    ap.add_argument("--ns", type=int, nargs="+", default=[50, 100, 200, 300])
    ap.add_argument("--steps", type=int, nargs="+", default=[5, 4, 4, 3],
                    help="cells per n in the boundary search (one per --ns entry)")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--store", default=None, help="sweep store of the phase cells")
    ap.add_argument("--guess", type=float, default=None,
                    help="boundary guess at the first n (default: per problem)")
    ap.add_argument("--name", default="phase", help="file name stem of the phase output")
    args = ap.parse_args()
    if args.phase:
        if len(args.steps) != len(args.ns) or min(args.steps) < 2:
            ap.error("--steps: one count >= 2 per --ns entry")
        folder = Path(args.out) if args.out else Path(__file__).parent / "results"
        folder.mkdir(parents=True, exist_ok=True)
        store = args.store or str(folder / f"{args.name}.sqlite")
        t0 = time.perf_counter()
        path = folder / f"{args.name}.json"
        res = phase(args.problems, args.ns, args.steps, args.seeds, store, path=path,
                    guess=args.guess)
        res["seconds"] = time.perf_counter() - t0
        path.write_text(json.dumps(res, indent=1, default=str))
        print(f"wrote {path} ({res['seconds']:.0f} s)")
        return
    n_big = 40 if args.quick else args.n
    rows = []
    for problem in args.problems:
        spec = PROBLEMS[problem]
        n_dense = 16 if args.quick else spec["dense_n"]
        row = {"problem": problem, "n": n_big, "n_dense": n_dense, **spec["params"]}
        dense = run_cell(spec["job"], {"n": n_dense, **spec["params"], "form": "shape"})
        small = run_cell(spec["job"], {"n": n_dense, **spec["params"], "form": "matrix-free"})
        big = run_cell(spec["job"], {"n": n_big, **spec["params"], "form": "matrix-free"})
        for tag, res in (("dense", dense), ("matrix_free_at_dense_n", small),
                         ("matrix_free", big)):
            for key in ("seconds", "cpu_seconds", "peak_rss_mib", "mu_min", "mu_min_residual",
                        "lanczos_status", "planted_mu_min", "e1", "objective_ratio",
                        "load_before", "load_after", "error"):
                if key in res:
                    row[f"{tag}_{key}"] = res[key]
        if dense.get("seconds") and small.get("seconds"):
            row["time_ratio_dense_over_matrix_free"] = dense["seconds"] / small["seconds"]
        rows.append(row)
        print(f"{problem}: matrix-free n={n_big}: {big['seconds']:.1f} s, "
              f"{big['peak_rss_mib']:.0f} MiB, mu_min={big.get('mu_min', float('nan')):.4g} "
              f"(residual {big.get('mu_min_residual', float('nan')):.1e}, "
              f"{big.get('lanczos_status')}), load {big['load_before']:.1f}->"
              f"{big['load_after']:.1f} | dense n={n_dense}: {dense['seconds']:.1f} s, "
              f"{dense['peak_rss_mib']:.0f} MiB vs matrix-free {small['seconds']:.1f} s, "
              f"{small['peak_rss_mib']:.0f} MiB: ratio "
              f"{row.get('time_ratio_dense_over_matrix_free', float('nan')):.2f}; mu_min "
              f"{dense.get('mu_min', float('nan')):.6g} vs {small.get('mu_min', float('nan')):.6g}",
              flush=True)
    payload = {"benchmark": "bench_matrix_free", "quick": args.quick, "cpus": os.cpu_count(),
               "rows": rows}
    for folder in [Path(__file__).parent / "results", *([Path(args.out)] if args.out else [])]:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / ("bench_matrix_free_quick.json" if args.quick
                         else "bench_matrix_free.json")
        path.write_text(json.dumps(payload, indent=1, default=str))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
