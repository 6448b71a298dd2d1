"""sosrmt lowerbound <problem>: phase diagrams of pseudo-calibrated SoS lower bounds.

For each cell of the grid n x ratio x truncation x seeds, one null instance and one planted
control are drawn, pseudo-calibrated (signed-measure form at small n, shape form beyond,
or --form matrix-free up to n = 300 at degree 4 for tensor-pca, dense-subgraph and
sparse-pca), and four diagnostics are recorded: E~[1], the relative minimum eigenvalue
mu_min of the degree-(--degree) moment matrix (>= 0 iff it is PSD; in the matrix-free form
with its Lanczos residual mu_min_residual, the distance within which an eigenvalue lies),
the largest relative constraint residual and the objective ratio. A cell whose time or
memory estimate exceeds --max-seconds or the machine's memory is refused before any work.
The cells run through the sweep engine (serial by default, --jobs N for a process pool,
--store to keep and resume); each cell is the job sosrmt.problems.<problem>:lowerbound_cell.

The truncated pseudo-calibration is typically not PSD even where the theorems hold for
large n (up to n = 300 its PSD boundary falls with n): read the output as trends in the
ratio and in n, never as a verdict on the theorems (docs: theory/lowerbounds).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sosrmt.cli._common import add_common_arguments, emit, format_table

PROBLEMS: dict[str, dict[str, Any]] = {
    "tensor-pca": {"job": "sosrmt.problems.tensor_pca:lowerbound_cell",
                   "ratio": "lambda / n^(k/4)"},
    "sparse-pca": {"job": "sosrmt.problems.sparse_pca:lowerbound_cell",
                   "ratio": "m Delta^2 / k^2 (--regime k2) or m Delta^2 / d (--regime d)"},
    "dense-subgraph": {"job": "sosrmt.problems.dense_subgraph:lowerbound_cell",
                       "ratio": "k q / sqrt(n)"},
    "pap": {"job": "sosrmt.problems.planted_affine_planes:lowerbound_cell",
            "ratio": "m / n^(3/2)"},
}

#: The cells' default time limit (seconds); pap's cell takes no limit.
DEFAULT_MAX_SECONDS = 3600.0

COLUMNS = ["n", "ratio", "trunc", "mu_min", "mu_min_residual", "residual", "objective_ratio",
           "e1", "planted_mu_min"]
METRICS = ["mu_min", "residual", "objective_ratio", "e1", "negative_mass", "planted_mu_min",
           "planted_objective_ratio", "planted_mu_min_residual",
           "planted_e1", "mu_min_residual"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "lowerbound", help="phase diagrams of pseudo-calibrated SoS lower bounds",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("problem", choices=sorted(PROBLEMS),
                        help="; ".join(f"{k}: ratio = {v['ratio']}" for k, v in PROBLEMS.items()))
    parser.add_argument("--n", type=int, nargs="+", default=[8, 10, 12],
                        help="sizes (dimension; d for sparse-pca)")
    parser.add_argument("--ratio", type=float, nargs="+", default=[0.1, 0.25, 0.5, 1.0],
                        help="regime parameter (see the problem list)")
    parser.add_argument("--trunc", type=int, nargs="+", default=None,
                        help="truncations: Hermite degree D (tensor, sparse, pap), vertex "
                             "count tau (dense-subgraph); default 4 (pap: 8)")
    parser.add_argument("--degree", type=int, default=4, help="SoS degree (default 4)")
    parser.add_argument("--k", type=int, default=None,
                        help="tensor order (tensor-pca, default 3), sparsity (sparse-pca, "
                             "default 2) or planted size (dense-subgraph, default ceil sqrt n)")
    parser.add_argument("--delta", type=float, default=1.0, help="sparse-pca spike strength")
    parser.add_argument("--regime", choices=["k2", "d"], default="k2",
                        help="sparse-pca: which ratio sets the sample count")
    parser.add_argument("--prior", choices=["bernoulli", "exact"], default=None,
                        help="prior (sparse-pca default exact, dense-subgraph default bernoulli)")
    parser.add_argument("--truncation", choices=["vertex", "degree"], default="vertex",
                        help="dense-subgraph truncation (T2 vertex count or T1 degree)")
    parser.add_argument("--form", choices=["auto", "signed", "shape", "matrix-free"],
                        default="auto",
                        help="signed-measure form (small n) or shape form (auto: shape beyond "
                             "n = 18 for tensor-pca, n = 16 for dense-subgraph, n = 12 for pap, "
                             "signed for sparse-pca; tensor-pca shape form needs --trunc <= 2 at "
                             "n >= 20, pap --trunc <= 10, sparse-pca --trunc <= 8); matrix-free "
                             "(degree 4; tensor-pca k = 3, use --trunc 2 at n >= 100; "
                             "dense-subgraph tau = 4, Bernoulli prior; sparse-pca k >= 2, "
                             "default k = ceil(sqrt d)): the moment matrix as an operator, its "
                             "smallest eigenvalue by Lanczos with a residual bound")
    parser.add_argument("--max-seconds", type=float, default=DEFAULT_MAX_SECONDS,
                        help="refuse a cell whose time estimate exceeds this (default 3600; "
                             "memory is always checked against the machine limit)")
    parser.add_argument("--seeds", type=int, default=1, help="replicates per cell (default 1)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="worker processes (default 1: run serially)")
    parser.add_argument("--store", default=None, help="SQLite file to store and resume cells")
    parser.add_argument("--plot", default=None, help="write heat maps to this PNG file")
    add_common_arguments(parser)
    parser.set_defaults(func=run)


def _params(args: argparse.Namespace) -> dict[str, list[Any]]:
    trunc = args.trunc or ([8] if args.problem == "pap" else [4])
    params: dict[str, list[Any]] = {"n": list(args.n), "ratio": list(args.ratio),
                                    "trunc": list(trunc), "degree": [args.degree]}
    if args.problem == "tensor-pca":
        params["k"] = [3 if args.k is None else args.k]
        params["form"] = [args.form]
    elif args.problem == "sparse-pca":
        default_k = None if args.form == "matrix-free" else 2
        params.update(k=[default_k if args.k is None else args.k], delta=[args.delta],
                      regime=[args.regime],
                      prior=[args.prior or "exact"])
    elif args.problem == "dense-subgraph":
        params.update(truncation=[args.truncation], prior=[args.prior or "bernoulli"],
                      form=[args.form])
        if args.k is not None:
            params["k"] = [args.k]
    if args.problem in ("pap", "sparse-pca") and args.form != "auto":
        params["form"] = [args.form]     # absent for auto: cells of older stores stay valid
    if args.problem != "pap" and args.max_seconds != DEFAULT_MAX_SECONDS:
        params["max_seconds"] = [args.max_seconds]   # the cells' default otherwise
    return params


def _check(args: argparse.Namespace) -> None:
    for n in args.n:
        if n < 2:
            raise ValueError(f"--n: expected sizes >= 2, got {n}")
    for r in args.ratio:
        if not r > 0:
            raise ValueError(f"--ratio: expected positive ratios, got {r}")
    if args.degree < 2 or args.degree % 2:
        raise ValueError(f"--degree: expected an even degree >= 2, got {args.degree}")
    if args.seeds < 1 or args.jobs < 1:
        raise ValueError("--seeds, --jobs: expected positive integers")
    if args.k is not None:
        if args.problem == "pap":
            raise ValueError("--k: planted affine planes take no --k")
        least = 1 if args.problem == "sparse-pca" else 2
        what = {"tensor-pca": "a tensor order", "sparse-pca": "a sparsity",
                "dense-subgraph": "a planted size"}[args.problem]
        if args.k < least:
            raise ValueError(f"--k: expected {what} >= {least}, got {args.k}")
        if args.problem in ("sparse-pca", "dense-subgraph") and any(args.k > n for n in args.n):
            raise ValueError(f"--k: expected {what} k <= n for every n, got k={args.k}")
    if args.form == "matrix-free":
        if args.problem == "pap" or args.degree != 4:
            raise ValueError("--form matrix-free: implemented for tensor-pca, dense-subgraph and "
                             "sparse-pca at --degree 4")
        if args.problem == "dense-subgraph" and (
                (args.trunc and args.trunc != [4]) or args.prior == "exact"
                or args.truncation != "vertex"):
            raise ValueError("--form matrix-free: dense-subgraph needs --trunc 4 (vertex "
                             "truncation) and the Bernoulli prior")
        if args.problem == "sparse-pca" and args.k is not None and args.k < 2:
            raise ValueError(f"--form matrix-free: sparse-pca needs --k >= 2, got {args.k}")
    if args.max_seconds <= 0:
        raise ValueError(f"--max-seconds: expected a positive number, got {args.max_seconds}")
    for t in args.trunc or []:
        if t < 1:
            raise ValueError(f"--trunc: expected truncations >= 1, got {t}")


def run(args: argparse.Namespace) -> int:
    from sosrmt.sweep import Grid, aggregate, run_sweep

    _check(args)
    spec = PROBLEMS[args.problem]
    params = _params(args)
    # the form chooses the method, not the instance: same seed, same instance in every form
    grid = Grid(params, seeds=args.seeds, seed=args.seed,
                method_params=[k for k in ("form", "max_seconds") if k in params])
    executor = "serial" if args.jobs == 1 else "process"
    rows = run_sweep(spec["job"], grid, store=args.store, jobs=args.jobs, executor=executor,
                     quiet=args.json, progress=None if not args.json else False,
                     argv=sys.argv)
    ok = [r for r in rows if r.get("status", "ok") == "ok"]
    failed = [{"params": dict(r.params), "error": r.get("error")} for r in rows
              if r.get("status", "ok") != "ok"]
    metrics = [m for m in METRICS if any(m in r for r in ok)]
    table = []
    if ok:
        for entry in aggregate(ok, by=["n", "ratio", "trunc"], metrics=metrics):
            out = {"n": entry["n"], "ratio": entry["ratio"], "trunc": entry["trunc"],
                   "seeds": entry["count"]}
            for m in metrics:
                out[m] = entry[f"{m}_mean"]
                out[f"{m}_se"] = entry[f"{m}_se"]
            table.append(out)
    table.sort(key=lambda r: (r["trunc"], r["n"], r["ratio"]))
    plot = None
    if args.plot and table:
        from sosrmt.sweep.heatmap import heatmaps

        heatmaps(table, x="ratio", y="n", panel="trunc",
                 values=["mu_min", "objective_ratio", "residual"],
                 labels={"mu_min": "relative min eigenvalue", "trunc": "trunc",
                         "objective_ratio": "objective ratio", "residual": "constraint residual"},
                 centred=["mu_min"], mark_nonnegative=["mu_min"],
                 title=f"{args.problem}: ratio = {spec['ratio']}", path=args.plot)
        plot = args.plot
    payload = {"problem": args.problem, "ratio_definition": spec["ratio"],
               "degree": args.degree, "seeds": args.seeds, "seed": args.seed,
               "engine": "sosrmt.sweep", "rows": table, "failed": failed, "plot": plot,
               "note": "trends only: PSD failure at small n is expected"}
    text = format_table(table, [c for c in COLUMNS if not table or c in table[0]])
    text = (f"{args.problem}: ratio = {spec['ratio']}; degree {args.degree}; "
            f"{args.seeds} seed(s) per cell\n" + text)
    if failed:
        text += f"\n{len(failed)} cell(s) failed, e.g. {failed[0]['error']}"
    if plot:
        text += f"\nwrote {plot}"
    emit(args, payload, text)
    return 0 if not failed else 1
