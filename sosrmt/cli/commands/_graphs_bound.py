"""``sosrmt graphs bound``: empirical norms beside the recursive Efron–Stein bounds.

Not a top-level command (the leading underscore keeps it out of discovery): the ``graphs``
command calls :func:`add_bound_parser` on its sub-parsers.
"""

from __future__ import annotations

import argparse

from sosrmt.cli._common import add_common_arguments, emit

__all__ = ["add_bound_parser", "run_bound"]


def add_bound_parser(graphs_subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``bound`` sub-command to the ``graphs`` sub-parsers and return its parser."""
    parser = graphs_subparsers.add_parser(
        "bound", help="empirical E||M|| beside the recursive Efron-Stein bounds, per n",
        description="Per n: dimensions, empirical E||M|| (s.e.), the 2q-moment quantity, "
                    "L1(q*), the exact recursive bound (4.3) (small n), the closed-form "
                    "separator bound, the Tulsiani-Wu diagnostic (a comparison, not a bound), "
                    "kappa and |S_min|; then log-log slopes.")
    parser.add_argument("--shape", required=True,
                        help="shape name (wigner, path2, cherry, Z, K22, ...), JSON or compact "
                             "text 'U=a,b; V=c,d; E=a-c,c-b,b-d'")
    parser.add_argument("--model", default="rademacher", choices=["rademacher", "pbiased"],
                        help="input model (pbiased: level-1 bound only)")
    parser.add_argument("--p", type=float, default=None, help="edge probability for pbiased")
    parser.add_argument("--n", type=int, nargs="+", required=True, metavar="N", help="sizes")
    parser.add_argument("--trials", type=int, default=20, help="samples per n (default 20)")
    parser.add_argument("--exact-max-n", type=int, default=12,
                        help="largest n for the exact bound (4.3) (default 12)")
    parser.add_argument("--l1-max-n", type=int, default=10,
                        help="largest n for the Monte Carlo L1 (default 10)")
    parser.add_argument("--l1-trials", type=int, default=5, help="samples for L1 (default 5)")
    parser.add_argument("--plot", default=None, metavar="PATH",
                        help="write a log-log plot of all columns to PATH (png/pdf)")
    add_common_arguments(parser)
    parser.set_defaults(func=run_bound)
    return parser


def run_bound(args: argparse.Namespace) -> int:
    """Compute :func:`sosrmt.graphs.efron_stein.bound_table` and print or emit it."""
    from sosrmt.graphs.efron_stein import bound_table, format_bound_table, plot_bound_table

    table = bound_table(args.shape, args.model, args.n, args.trials, args.seed, p=args.p,
                        exact_max_n=args.exact_max_n, l1_max_n=args.l1_max_n,
                        l1_trials=args.l1_trials, progress=True)
    if args.plot:
        table["plot"] = plot_bound_table(table, args.plot)
    text = format_bound_table(table)
    if args.plot:
        text += f"\nwrote {args.plot}"
    emit(args, table, text)
    return 0
