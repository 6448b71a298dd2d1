"""``sosrmt demo``: a tour of the toolkit on embedded defaults, written to an output folder.

It runs, within a few minutes on two cores:

1. the SK value chain OPT <= SOS_4 <= SOS_2 <= n lambda_max over n and seeds, through the
   sweep engine (results in ``results.sqlite``, plot ``sk_chain.png``);
2. an exact rational verification of one degree-4 SoS certificate;
3. the GOE norm sweep ||W|| / sqrt(n) -> 2 (``sweep-goe/``, plots ``goe_norm.png``, the
   log-log slope, and ``goe_edge.png``, ||W|| / sqrt(n) against its limit 2);
4. the spectral norm of the Z graph matrix against n (matrix-free, through the sweep
   engine) with its fitted slope and the vertex-separator prediction (``z_norm.png``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from sosrmt.cli._common import add_common_arguments, emit, format_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="run the demo (SK value chain, exact certificate, sweeps, plots)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    add_common_arguments(parser, out=True)
    parser.set_defaults(func=run)


def _log(args: argparse.Namespace, msg: str) -> None:
    if not args.json:
        print(msg, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from sosrmt.problems import sk
    from sosrmt.sweep import Grid, aggregate, demo_sweep, run_sweep

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    quiet = args.quiet or args.json
    t_start = time.perf_counter()
    payload: dict[str, Any] = {"command": "demo", "out": str(out)}
    text: list[str] = []

    # 1. SK value chain through the sweep engine
    _log(args, "[1/4] SK value chain (brute force, degree-4 and degree-2 SoS, spectral)")
    grid = Grid({"n": [6, 8, 10, 12, 14]}, seeds=3, seed=args.seed)
    rows = run_sweep(sk.chain_job, grid, store=out / "results.sqlite", jobs=args.jobs, quiet=quiet)
    table = aggregate(rows, by=["n"])
    for entry in table:  # booleans are not averaged by aggregate: count tight instances
        cell = [r for r in rows if r["n"] == entry["n"] and r["status"] == "ok"]
        entry["tight_fraction"] = sum(bool(r["tight"]) for r in cell) / max(1, len(cell))
    sk.plot_value_chain(table, out / "sk_chain.png")
    chain_ok = all(r.results.get("chain_ok") for r in rows if r["status"] == "ok")
    failed = [r for r in rows if r["status"] != "ok"]
    payload["sk_chain"] = {"table": table, "all_chains_hold": chain_ok, "failed_cells": len(failed)}
    text.append("SK value chain (means over 3 seeds, values / n^{3/2}):")
    text.append(
        format_table(
            table,
            ["n", "opt_mean", "sos4_bound_mean", "sos2_bound_mean", "spectral_mean",
             "tight_fraction"],
            headers=["n", "OPT", "SOS_4 bound", "SOS_2 bound", "n*lmax", "tight frac"],
        )
    )
    text.append(f"chain OPT <= SOS_4 <= SOS_2 <= n lambda_max holds on every instance: {chain_ok}")

    # 2. exact verification of one certificate
    _log(args, "[2/4] exact rational verification of a degree-4 certificate (n = 8)")
    W = sk.sk_instance(8, seed=args.seed)
    res = sk.sos_value(W, 4)
    proof = res.certificate.verify_exact() if res.certificate is not None else None
    opt = sk.brute_force_max(W)[0]
    payload["exact_certificate"] = {
        "n": 8,
        "opt": opt,
        "sos4": res.value,
        "sos4_bound": res.bound,
        "verified": bool(proof),
        "exact_bound": float(proof.bound) if proof else None,
        "reason": proof.reason if proof is not None else res.status,
    }
    text.append(
        f"\nexact certificate (SK n=8, seed {args.seed}): OPT = {opt:.6f}, "
        f"SOS_4 bound = {res.bound:.6f}; " + (proof.reason if proof else "not verified")
    )

    # 3. GOE sweep
    _log(args, "[3/4] GOE norm sweep ||W||/sqrt(n) -> 2")
    goe = demo_sweep(out / "sweep-goe", seed=args.seed, quiet=quiet, jobs=args.jobs)
    edge = out / "sweep-goe" / "goe_edge.png"
    sk.plot_goe_edge(goe["table"], edge)
    payload["goe"] = {k: goe[k] for k in ("slope", "slope_se", "cells", "table")}
    text.append(
        f"\nGOE norm: fitted log-log slope {goe['slope']:.3f} +- {goe['slope_se']:.3f} "
        f"(theory 0.5); plots {goe['plot']} and {edge} (||W||/sqrt(n) against its limit 2)"
    )

    # 4. graph matrix norms
    _log(args, "[4/4] Z graph matrix spectral norms (matrix-free) against n")
    from sosrmt.graphs import kappa, named_shape
    from sosrmt.sweep import plot_sweep

    zgrid = Grid(
        {"shape": ["Z"], "model": ["rademacher"], "n": [20, 40, 80, 120]}, seeds=3, seed=args.seed
    )
    zrows = run_sweep(
        "sosrmt.graphs.jobs:norm_job",
        zgrid,
        store=out / "results.sqlite",
        jobs=args.jobs,
        quiet=quiet,
    )
    zplot = plot_sweep(
        zrows,
        x="n",
        y="norm",
        path=out / "z_norm.png",
        x_min=40,
        theory="n**1.0",
        title="Z graph matrix, Rademacher input",
    )
    fit = next(iter(zplot.fits.values()))
    kap = kappa(named_shape("Z"))
    payload["graphs"] = {
        "shape": "Z",
        "kappa": kap,
        "slope": fit.slope,
        "slope_se": fit.slope_se,
        "table": zplot.table,
    }
    text.append(
        f"\nZ shape ||M_Z|| ~ n^slope: slope {fit.slope:.3f} +- {fit.slope_se:.3f} (n >= 40), "
        f"vertex-separator prediction kappa = {kap}; plot {zplot.path}"
    )

    payload["seconds"] = time.perf_counter() - t_start
    files = sorted(str(p) for p in out.rglob("*") if p.suffix in (".png", ".sqlite"))
    payload["files"] = files
    text.append(f"\nwrote {len(files)} files into {out} in {payload['seconds']:.1f} s:")
    text += [f"  {f}" for f in files]
    emit(args, payload, "\n".join(text))
    return 0 if chain_ok and not failed else 1
