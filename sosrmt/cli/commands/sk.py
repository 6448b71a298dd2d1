"""``sosrmt sk``: the SK value chain OPT <= SOS_4 <= SOS_2 <= n lambda_max per instance."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from sosrmt.cli._common import add_common_arguments, emit, format_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sk",
        help="Sherrington-Kirkpatrick value chain (brute force, SoS, spectral)",
        description="Per instance: exact OPT (brute force, n <= 24), degree-2 and degree-4 SoS "
        "values with rigorous certificate bounds, and n*lambda_max(W). Instance for "
        "seed s: G = default_rng(s).standard_normal((n, n)), W = (G + G^T)/sqrt 2, "
        "zero diagonal.",
    )
    parser.add_argument("--n", type=int, default=12, help="number of spins (default 12)")
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
    parser.add_argument("--backend", default="scs", choices=["scs", "cvxpy"])
    parser.add_argument("--no-brute", action="store_true", help="skip the brute-force OPT")
    parser.add_argument(
        "--bm",
        action="store_true",
        help="degree 2 by Burer-Monteiro with its dual certificate (large n)",
    )
    add_common_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sosrmt.problems import sk

    if args.matrix is not None:
        Ws = [(None, sk.validate_coupling(np.load(args.matrix), "--matrix"))]
    else:
        if args.n < 2:
            raise ValueError(f"--n: expected at least 2 spins, got {args.n}")
        if args.seeds < 1:
            raise ValueError(f"--seeds: expected at least 1, got {args.seeds}")
        Ws = [
            (args.seed + i, sk.sk_instance(args.n, seed=args.seed + i)) for i in range(args.seeds)
        ]
    instances = []
    for seed, W in Ws:
        n = W.shape[0]
        brute = (not args.no_brute) and n <= 24
        if args.bm:
            row = {"n": n, "opt": sk.brute_force_max(W)[0] if brute else None}
            bm = sk.burer_monteiro(W, rng=seed)
            row.update(
                sos2=bm.value,
                sos2_bound=bm.bound,
                sos4=None,
                sos4_bound=None,
                spectral=sk.spectral_bound(W),
                tight=False,
                chain_ok=bm.bound <= sk.spectral_bound(W) + 1e-9 * n * n,
            )
        else:
            degrees = (2, 4) if args.degree == 4 else (2,)
            row = sk.value_chain(W, degrees=degrees, brute=brute, backend=args.backend)
        row["seed"] = seed
        instances.append(row)
        if not args.json:
            print(f"instance seed={seed}: done", file=sys.stderr)
    cols = [
        "seed",
        "n",
        "opt",
        "sos4",
        "sos4_bound",
        "sos2",
        "sos2_bound",
        "spectral",
        "tight",
        "chain_ok",
    ]
    text = format_table(instances, cols, fmt=".6g")
    text += "\n(sos*_bound: rigorous certificate bounds; tight: degree 4 certified OPT)"
    emit(args, {"command": "sk", "degree": args.degree, "instances": instances}, text)
    return 0 if all(r["chain_ok"] for r in instances) else 1
