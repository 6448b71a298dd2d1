"""``sosrmt graphs``: graph-matrix norms against the vertex-separator prediction.

Sub-commands (one small ``add_*_parser`` + ``run_*`` pair each; add a new one by writing
the pair and calling its ``add_*_parser`` in :func:`register`):

* ``norm``  – empirical spectral norm per ``n`` (mean, standard error), ``n^kappa``, ratio,
  log-log slope; runs through :func:`sosrmt.sweep.run_sweep` (``--store`` to keep and
  resume the results);
* ``info``  – vertices, separator, ``kappa`` of a shape;
* ``draw``  – draw a shape to a PNG;
* ``bound`` – (from :mod:`sosrmt.cli.commands._graphs_bound`, when present) Efron–Stein bounds.
"""

from __future__ import annotations

import argparse
import math
import sys

from sosrmt.cli._common import add_common_arguments, emit, format_table

__all__ = ["add_draw_parser", "add_info_parser", "add_norm_parser", "register"]

SHAPE_HELP = ("shape: a name (wigner, path2, cherry, Z, K22, iso, degdiag, JminusI, nI, "
              "wishart, tensor_hsss), JSON, or compact text 'U=a,b; V=c,d; E=a-c,c-b,b-d'")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("graphs", help="graph matrices: norms, shapes, bounds",
                                   description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="graphs_command", metavar="SUBCOMMAND")
    add_norm_parser(sub)
    add_info_parser(sub)
    add_draw_parser(sub)
    try:  # the Efron–Stein helper's sub-command, when installed
        from sosrmt.cli.commands._graphs_bound import add_bound_parser
    except ImportError:
        pass
    else:
        add_bound_parser(sub)
    parser.set_defaults(func=lambda args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


# ------------------------------------------------------------------------------ norm
def add_norm_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "norm", help="spectral norm per n against n^kappa (matrix-free)",
        description="Per n: mean spectral norm over trials with its standard error, n^kappa, "
                    "the ratio, and the fitted log-log slope beside kappa.")
    parser.add_argument("--shape", required=True, help=SHAPE_HELP)
    parser.add_argument("--model", default="rademacher",
                        choices=["rademacher", "gaussian", "pbiased"], help="input model")
    parser.add_argument("--p", type=float, default=None, help="edge probability (pbiased)")
    parser.add_argument("--n", type=int, nargs="+", required=True, metavar="N", help="sizes")
    parser.add_argument("--trials", type=int, default=5, help="samples per n (default 5)")
    parser.add_argument("--plot", default=None, metavar="PNG",
                        help="write points with error bars, fitted line and n^kappa line")
    parser.add_argument("--store", default=None, metavar="DB",
                        help="SQLite sweep store: results kept, finished trials skipped")
    parser.add_argument("--jobs", type=int, default=1,
                        help="worker processes (default 1: in this process)")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="BLAS threads per worker (default 1; 0: leave as is)")
    parser.add_argument("--fit-min-n", type=float, default=None,
                        help="fit the slope on n >= this only")
    add_common_arguments(parser)
    parser.set_defaults(func=run_norm)
    return parser


def run_norm(args: argparse.Namespace) -> int:
    from sosrmt.graphs import parse_shape
    from sosrmt.graphs.jobs import norm_job, predicted_exponent
    from sosrmt.sweep import Grid, aggregate, fit_loglog, plot_sweep, run_sweep

    shape = parse_shape(args.shape)  # fail early on a bad shape
    if args.trials < 1:
        raise ValueError(f"--trials: expected a positive integer, got {args.trials}")
    if args.jobs < 1:
        raise ValueError(f"--jobs: expected a positive integer, got {args.jobs}")
    bad = [n for n in args.n if n < shape.k]
    if bad:
        raise ValueError(f"--n: expected n >= {shape.k} (vertices of the shape), got {bad}")
    if args.model == "pbiased" and args.p is None:
        raise ValueError("--p: the pbiased model needs --p")
    params: dict = {"shape": args.shape, "model": args.model, "n": sorted(set(args.n))}
    if args.p is not None:
        params["p"] = args.p
    grid = Grid(params, seeds=args.trials, seed=args.seed)
    from threadpoolctl import threadpool_limits

    threads = None if args.blas_threads == 0 else args.blas_threads
    executor = "serial" if args.jobs == 1 else None
    with threadpool_limits(threads):
        rows = run_sweep(norm_job, grid, store=args.store, executor=executor,
                         jobs=None if args.jobs == 1 else args.jobs, quiet=args.json,
                         blas_threads=threads)
    failed = [r for r in rows if r["status"] != "ok"]
    if failed:
        raise ValueError(f"{len(failed)} trial(s) failed; first error: "
                         f"{failed[0].get('error', failed[0]['status'])}")
    kap = predicted_exponent(shape, max(2, min(args.n)))
    table = []
    for agg in aggregate(rows, by=["n"], metrics=["norm"]):
        n = agg["n"]
        se = agg["norm_se"]
        table.append({"n": n, "trials": agg["count"], "mean": agg["norm_mean"],
                      "stderr": None if se is None or not math.isfinite(se) else se,
                      "n_kappa": n**kap, "ratio": agg["norm_mean"] / n**kap})
    table.sort(key=lambda r: r["n"])
    slope = slope_se = None
    if len({r["n"] for r in rows}) >= 2 and len(rows) >= 3:
        fit = fit_loglog([r["n"] for r in rows], [r["norm"] for r in rows],
                         x_min=args.fit_min_n)
        slope, slope_se = fit.slope, fit.slope_se
    payload = {"shape": shape.to_dict(), "shape_arg": args.shape, "model": args.model,
               "p": args.p, "trials": args.trials, "seed": args.seed, "kappa": kap,
               "slope": slope, "slope_se": slope_se, "rows": table, "store": args.store,
               "plot": None}
    if args.plot:
        plot_sweep(rows, x="n", y="norm", path=args.plot, fit=slope is not None,
                   x_min=args.fit_min_n, theory=f"n**{kap}", by=[],
                   title=f"{shape.name or args.shape} ({args.model}): ||M|| vs n, "
                         f"kappa={kap:g}", ylabel="spectral norm")
        payload["plot"] = args.plot
    lines = [f"shape {shape.name or args.shape}  model {args.model}  kappa = {kap:g}",
             format_table(table, ["n", "trials", "mean", "stderr", "n_kappa", "ratio"],
                          headers=["n", "trials", "E||M||", "s.e.", "n^kappa", "ratio"])]
    if slope is not None:
        lines.append(f"log-log slope = {slope:.4f} +- {slope_se:.4f}   (kappa = {kap:g})")
    if args.plot:
        lines.append(f"wrote {args.plot}")
    emit(args, payload, "\n".join(lines))
    return 0


# ------------------------------------------------------------------------------ info
def add_info_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser("info", help="vertices, separator and kappa of a shape")
    parser.add_argument("--shape", required=True, help=SHAPE_HELP)
    add_common_arguments(parser, seed=False)
    parser.set_defaults(func=run_info)
    return parser


def run_info(args: argparse.Namespace) -> int:
    from sosrmt.graphs import min_vertex_separator, mobius_partitions, parse_shape
    from sosrmt.graphs.jobs import predicted_exponent

    shape = parse_shape(args.shape)
    sep = sorted(min_vertex_separator(shape))
    kap = predicted_exponent(shape, 2**20)
    payload = {"shape": shape.to_dict(), "W": list(shape.W), "W_iso": list(shape.W_iso),
               "separator": sep, "kappa": kap,
               "mobius_terms": sum(1 for _ in mobius_partitions(shape)),
               "symmetric": shape.is_transpose_symmetric()}
    text = "\n".join(f"{k}: {v}" for k, v in payload.items())
    emit(args, payload, text)
    return 0


# ------------------------------------------------------------------------------ draw
def add_draw_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser("draw", help="draw a shape to a PNG (U left, V right)")
    parser.add_argument("--shape", required=True, help=SHAPE_HELP)
    parser.add_argument("--output", "-o", required=True, metavar="PNG", help="output file")
    add_common_arguments(parser, seed=False)
    parser.set_defaults(func=run_draw)
    return parser


def run_draw(args: argparse.Namespace) -> int:
    from sosrmt.graphs import parse_shape
    from sosrmt.graphs.draw import draw_shape

    shape = parse_shape(args.shape)
    draw_shape(shape, args.output)
    emit(args, {"shape": shape.to_dict(), "output": args.output}, f"wrote {args.output}")
    return 0
