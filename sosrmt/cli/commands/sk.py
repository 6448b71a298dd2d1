"""``sosrmt sk``: the SK value chain OPT <= SOS_4 <= SOS_2 <= n lambda_max per instance."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from sosrmt.cli._common import add_common_arguments, emit, format_table
from sosrmt.sos import BACKENDS
from sosrmt.sos.backends.base import solver_output_to_stderr


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sk",
        help="Sherrington-Kirkpatrick value chain (brute force, SoS, spectral)",
        description="Per instance: exact OPT (brute force, n <= 28; beyond it the best cut "
        "found by local search, a lower bound on OPT), the rigorous bounds of degree-2 and "
        "degree-4 SoS, and n*lambda_max(W). Instance for seed s: "
        "G = default_rng(s).standard_normal((n, n)), W = (G + G^T)/sqrt 2, zero diagonal. "
        "Memory is estimated for every stage before any work, and a size that would not "
        "fit is refused at once. Exit status 0 only when every chain was checked and holds.",
    )
    parser.add_argument(
        "--n", type=int, nargs="+", default=[12], help="number(s) of spins (default 12)"
    )
    parser.add_argument(
        "--degree", type=int, default=4, choices=[2, 4], help="highest SoS degree (default 4)"
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="number of instances, seeds seed..seed+seeds-1 (default 1)",
    )
    parser.add_argument(
        "--matrix",
        type=Path,
        default=None,
        help="a .npy file holding a symmetric coupling matrix instead",
    )
    parser.add_argument(
        "--backend",
        default="scs",
        choices=sorted(BACKENDS),
        help="SoS solver: scs (SCS called directly, with early stopping on certified tight "
        "instances; default), cvxpy (Clarabel through cvxpy) or admm (projection-only ADMM: "
        "degree 4 beyond brute force, n = 40 ... 64, with a rigorous upper and a certified "
        "lower bound on SOS_4 and the certified gap to the best cut found)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="--backend admm: seconds of ADMM iterations per instance (the bounds are "
        "certified wherever it stops; default: until converged)",
    )
    parser.add_argument("--no-brute", action="store_true", help="skip the brute-force OPT")
    parser.add_argument(
        "--bm",
        action="store_true",
        help="degree 2 by Burer-Monteiro with its dual certificate (large n; no degree 4)",
    )
    parser.add_argument(
        "--both-sides",
        action="store_true",
        help="the figure value/n^1.5 against n for every curve the sizes allow (OPT or best "
        "cut found, SOS_4 bounds, SOS_2 bound by Burer-Monteiro, n*lambda_max, PAP transfer "
        "value), computed through a resumable sweep store",
    )
    parser.add_argument(
        "--store",
        type=Path,
        default=Path("sk-both-sides.sqlite"),
        help="sweep store of --both-sides (default ./sk-both-sides.sqlite)",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        default=Path("sk-both-sides.png"),
        help="figure of --both-sides (default ./sk-both-sides.png)",
    )
    parser.add_argument(
        "--sos4-max",
        type=int,
        default=24,
        help="--both-sides: largest n solved at degree 4 (default 24)",
    )
    parser.add_argument(
        "--sos4-time",
        type=float,
        default=1500.0,
        help="--both-sides: seconds of ADMM iterations per degree-4 cell (default 1500; the "
        "bounds are certified wherever it stops)",
    )
    parser.add_argument(
        "--transfer-max",
        type=int,
        default=2000,
        help="--both-sides: largest n of the PAP transfer (default 2000)",
    )
    add_common_arguments(parser)
    parser.set_defaults(func=run)


def _load(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, EOFError, ValueError) as exc:
        raise ValueError(f"--matrix: cannot read a .npy array from {path} ({exc})") from None


def _show(row: dict[str, Any]) -> dict[str, Any]:
    shown = dict(row)
    shown["chain_ok"] = {True: "yes", False: "VIOLATED", None: "unchecked"}[row["chain_ok"]]
    shown["failed"] = ",".join(row["failed"]) or "-"
    return shown


def run_both_sides(args: argparse.Namespace) -> int:
    from sosrmt.problems import sk
    from sosrmt.sweep import Grid, run_sweep

    if args.seeds < 1:
        raise ValueError(f"--seeds: expected at least 1, got {args.seeds}")
    params = sk.both_sides_params(args.n, sos4_max=args.sos4_max,
                                  transfer_max=args.transfer_max, sos4_time_limit=args.sos4_time)
    grid = Grid(params, seeds=args.seeds, seed=args.seed,
                method_params=["sos4_max", "transfer_max", "sos4_time_limit"])
    rows = run_sweep("sosrmt.problems.sk:both_sides_cell", grid, store=args.store, jobs=1,
                     executor="serial", quiet=args.json)
    table = sk.summarize_both_sides(rows)
    sk.plot_both_sides(table, args.plot)
    cols = ["n", "count", "opt_mean", "best_found_mean", "sos4_lower_mean", "sos4_bound_mean",
            "sos2_bound_mean",
            "spectral_mean", "transfer_mean", "transfer_psd_low_residual_fraction", "failed_cells"]
    text = format_table(table, cols, fmt=".4g")
    text += ("\n(values / n^1.5, means over seeds; best_found: lower bound on OPT; transfer: "
             "PAP pseudo-calibration value; transfer_psd_low_residual_fraction: share of seeds "
             "whose PAP matrix is PSD with constraint residual <= 0.05, necessary for a valid "
             "point, not sufficient)"
             f"\nwrote {args.store} and {args.plot}")
    emit(args, {"command": "sk", "both_sides": table, "store": str(args.store),
                "plot": str(args.plot)}, text)
    return 0 if all(e["failed_cells"] == 0 for e in table) else 1


def run(args: argparse.Namespace) -> int:
    from sosrmt.problems import sk

    if args.both_sides:
        return run_both_sides(args)
    if args.matrix is None and len(args.n) > 1:
        raise ValueError("--n: one size for the value chain (several with --both-sides)")

    degrees = (2,) if (args.bm or args.degree == 2) else (2, 4)
    progress = not args.json and sys.stderr.isatty()
    options: dict[str, Any] = {}
    if args.time_limit is not None:
        if args.backend != "admm":
            raise ValueError("--time-limit: only with --backend admm")
        if not args.time_limit > 0:
            raise ValueError(f"--time-limit: expected positive seconds, got {args.time_limit}")
        options["time_limit"] = args.time_limit
    with solver_output_to_stderr():  # SCS/Clarabel print from C on descriptor 1
        rows = sk.value_chains(
            args.n[0],
            seeds=args.seeds,
            seed=args.seed,
            W=None if args.matrix is None else sk.validate_coupling(_load(args.matrix), "--matrix"),
            degrees=degrees,
            method="bm" if args.bm else "sos",
            brute=False if args.no_brute else None,
            backend=args.backend,
            progress=progress,
            **options,
        )
    cols = ["seed", "n", "opt", "best_found", "sos4_bound", "sos2_bound", "spectral", "tight",
            "chain_ok", "failed"]
    if any(r.get("sos4_lower") is not None for r in rows):
        cols[4:4] = ["sos4_lower", "sos4_certified_gap"]
    if 4 not in degrees:
        cols.remove("sos4_bound")
    text = format_table([_show(r) for r in rows], cols, fmt=".6g")
    notes = ["sos*_bound and spectral: rigorous upper bounds on OPT; tight: degree 4 "
             "certified OPT"]
    if "sos4_lower" in cols:
        notes.append("sos4_lower: certified lower bound on SOS_4; sos4_certified_gap = "
                     "(sos4_lower - best) / best > 0: SOS_4 provably exceeds the best cut")
    if any(r["opt"] is None for r in rows):
        notes.append(f"opt '-': brute force runs for n <= {sk.BRUTE_FORCE_MAX_N} (or was "
                     "skipped); best_found is the best cut of a local search, a lower bound")
    if any(r["failed"] for r in rows):
        status = ", ".join(f"{k}={r[k]}" for r in rows for k in r if k.endswith("_status")
                           and r[k] not in (None, "optimal", "converged"))
        notes.append(f"FAILED stages give no number and leave the chain unchecked ({status})")
    text += "\n" + "\n".join(f"({note})" for note in notes)
    for row in rows:  # JSON: the cut as a list of signs, the brute-force argmax as well
        for key in ("best_cut", "opt_point"):
            if row.get(key) is not None:
                row[key] = [int(v) for v in row[key]]
    emit(args, {"command": "sk", "degree": max(degrees), "instances": rows}, text)
    return 0 if all(r["chain_ok"] is True for r in rows) else 1
