"""``sosrmt graphs``: graph-matrix norms against the vertex-separator prediction, and bounds.

Sub-commands (one ``add_*_parser`` + ``run_*`` pair each, all listed in :func:`register`):

* ``norm``  – empirical spectral norm per n (mean, standard error), n^kappa, ratio,
  log-log slope; runs through the sweep engine (``--store`` keeps and resumes results);
* ``info``  – vertices (by the names given), separator, kappa, cost of a shape;
* ``draw``  – draw a shape to a PNG;
* ``bound`` – empirical norms beside the recursive Efron–Stein bounds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sosrmt.cli._common import add_common_arguments, emit

__all__ = ["add_bound_parser", "add_draw_parser", "add_info_parser", "add_norm_parser",
           "register"]

SHAPE_HELP = ("shape: a name (wigner, path2, cherry, Z, K22, iso, degdiag, JminusI, nI, "
              "wishart, tensor_hsss), JSON, or compact text 'U=a,b; V=c,d; E=a-c,c-b,b-d'")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("graphs", help="graph matrices: norms, shapes, bounds",
                                   description="Graph-matrix norms against the vertex-separator "
                                               "prediction, and bounds.")
    sub = parser.add_subparsers(dest="graphs_command", metavar="SUBCOMMAND")
    add_norm_parser(sub)
    add_info_parser(sub)
    add_draw_parser(sub)
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
    parser.add_argument("--p", default=None,
                        help="pbiased edge probability: a number, n^-a (n^-0.5), c/n (10/n) "
                             "or c/sqrt(n); the theory line is then n^kappa_p")
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
    from threadpoolctl import threadpool_limits

    from sosrmt.graphs.jobs import norm_job, norm_params, summarize_norms
    from sosrmt.sweep import Grid, plot_sweep, run_sweep

    if args.jobs < 1:
        raise ValueError(f"--jobs: expected a positive integer, got {args.jobs}")
    try:
        params = norm_params(args.shape, args.model, args.n, trials=args.trials, p=args.p)
    except ValueError as exc:  # name the command-line flag
        msg = str(exc)
        raise ValueError(f"--{msg}" if msg.split(":")[0] in ("n", "p", "trials") else msg) \
            from None
    threads = None if args.blas_threads == 0 else args.blas_threads
    with threadpool_limits(threads):
        rows = run_sweep(norm_job, Grid(params, seeds=args.trials, seed=args.seed),
                         store=args.store, executor="serial" if args.jobs == 1 else None,
                         jobs=None if args.jobs == 1 else args.jobs, quiet=args.json,
                         blas_threads=threads)
    summary = summarize_norms(rows, shape=args.shape, model=args.model, p=args.p,
                              trials=args.trials, seed=args.seed, fit_min_n=args.fit_min_n)
    payload = {**summary.to_dict(), "store": args.store, "plot": None}
    text = summary.text()
    if args.plot:
        plot_sweep(rows, x="n", y="norm", path=args.plot, fit=summary.slope is not None,
                   x_min=args.fit_min_n, theory=f"n**{summary.kappa}", by=[],
                   title=f"{summary.shape.name or args.shape} ({args.model}): ||M|| vs n, "
                         f"kappa={summary.kappa:g}", ylabel="spectral norm")
        payload["plot"] = args.plot
        text += f"\nwrote {args.plot}"
    emit(args, payload, text)
    return 0


# ------------------------------------------------------------------------------ info
def add_info_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser("info", help="vertices, separator and kappa of a shape",
                            description="Vertices by the names given, the minimum separator, "
                                        "kappa, the cost of the matrix-free operator; with "
                                        "--model pbiased --p, the separator prediction "
                                        "weighted by p (the sparse kappa); with --n too, "
                                        "its value and the Efron-Stein closed-form bounds "
                                        "at n.")
    parser.add_argument("--shape", required=True, help=SHAPE_HELP)
    parser.add_argument("--model", default="rademacher",
                        choices=["rademacher", "gaussian", "pbiased"], help="input model")
    parser.add_argument("--p", default=None,
                        help="pbiased edge probability: a number, n^-a (n^-0.5), c/n (10/n) "
                             "or c/sqrt(n)")
    parser.add_argument("--n", type=int, default=None,
                        help="size at which to evaluate the sparse prediction and the "
                             "Efron-Stein bounds")
    add_common_arguments(parser, seed=False)
    parser.set_defaults(func=run_info)
    return parser


def run_info(args: argparse.Namespace) -> int:
    from sosrmt.graphs import parse_shape
    from sosrmt.graphs.info import shape_info

    if (args.model == "pbiased") != (args.p is not None):
        raise ValueError("--p: give --p exactly with --model pbiased")
    if args.n is not None and args.p is None:
        raise ValueError("--n: only used with --model pbiased --p")
    info = shape_info(parse_shape(args.shape), p=args.p, n=args.n)
    emit(args, info.to_dict(), info.text())
    return 0


# ------------------------------------------------------------------------------ draw
def add_draw_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser("draw", help="draw a shape to a PNG (U left, V right)")
    parser.add_argument("--shape", required=True, help=SHAPE_HELP)
    parser.add_argument("--output", "-o", required=True, metavar="PATH",
                        help="output file (.png added when it has no suffix), or an existing "
                             "directory (then DIR/<shape>.png)")
    add_common_arguments(parser, seed=False)
    parser.set_defaults(func=run_draw)
    return parser


def run_draw(args: argparse.Namespace) -> int:
    from sosrmt.graphs import parse_shape
    from sosrmt.graphs.draw import draw_shape, output_path

    shape = parse_shape(args.shape)
    path = output_path(shape, Path(args.output))
    draw_shape(shape, path)
    emit(args, {"shape": shape.to_dict(), "output": str(path)}, f"wrote {path}")
    return 0


# ------------------------------------------------------------------------------ bound
def add_bound_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``bound`` sub-command to the ``graphs`` sub-parsers and return its parser."""
    parser = sub.add_parser(
        "bound", help="empirical E||M|| beside the recursive Efron-Stein bounds, per n",
        description="Per n: dimensions, empirical E||M|| (s.e.), the 2q-moment quantity, "
                    "L1(q*), the exact recursive bound (small n), the closed-form "
                    "separator bound, the Tulsiani-Wu diagnostic (a comparison, not a bound), "
                    "kappa and |S_min|; then log-log slopes. With --model pbiased the bounds "
                    "come in three routes: every random weight bounded by its maximum, the "
                    "concentrated route (exact weights at the last level; ES_conc, "
                    "ES_conc_cl), and the symmetrised route (a sparse Rademacher matrix, no "
                    "weights; ES_sym_cl), whose closed form has the separator-weighted "
                    "sparse exponent.")
    parser.add_argument("--shape", required=True, help=SHAPE_HELP)
    parser.add_argument("--model", default="rademacher",
                        choices=["rademacher", "pbiased", "gaussian"],
                        help="input model (gaussian: label-1 shapes)")
    parser.add_argument("--p", default=None, nargs="+", metavar="P",
                        help="pbiased edge probability: a number, n^-a (n^-0.5), c/n (10/n) "
                             "or c/sqrt(n), evaluated at each n; several values (e.g. "
                             "--p 1/2 n^-0.5 10/n) print one table of the ratios "
                             "bound / empirical E||M|| per p and n")
    parser.add_argument("--n", type=int, nargs="+", required=True, metavar="N", help="sizes")
    parser.add_argument("--trials", type=int, default=20, help="samples per n (default 20)")
    parser.add_argument("--exact-max-n", type=int, default=12,
                        help="largest n for the exact recursive bound (default 12)")
    parser.add_argument("--l1-max-n", type=int, default=10,
                        help="largest n for the Monte Carlo L1 (default 10)")
    parser.add_argument("--l1-trials", type=int, default=5, help="samples for L1 (default 5)")
    parser.add_argument("--plot", default=None, metavar="PATH",
                        help="write a log-log plot of all columns to PATH (png/pdf)")
    add_common_arguments(parser)
    parser.set_defaults(func=run_bound)
    return parser


def run_bound(args: argparse.Namespace) -> int:
    from sosrmt.graphs.efron_stein import (
        bound_table,
        format_bound_table,
        format_ratio_table,
        plot_bound_table,
        ratio_table,
    )

    if args.p is not None and len(args.p) > 1:
        if args.model != "pbiased":
            raise ValueError("--p: several values only with --model pbiased")
        if args.plot:
            raise ValueError("--plot: only with a single --p value")
        table = ratio_table(args.shape, args.n, args.p, args.trials, args.seed,
                            exact_max_n=args.exact_max_n, progress=True)
        emit(args, table, format_ratio_table(table))
        return 0
    p = None if args.p is None else args.p[0]
    table = bound_table(args.shape, args.model, args.n, args.trials, args.seed, p=p,
                        exact_max_n=args.exact_max_n, l1_max_n=args.l1_max_n,
                        l1_trials=args.l1_trials, progress=True)
    text = format_bound_table(table)
    if args.plot:
        plot_bound_table(table, args.plot)
        table["plot"] = args.plot
        text += f"\nwrote {args.plot}"
    emit(args, table, text)
    return 0
