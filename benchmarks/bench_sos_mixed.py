"""Mixed Boolean/continuous domains against the equality formulation (the dense path).

The anti-concentration integer program max (1/n) sum_i w_i over w in {0,1}^n, v on the unit
sphere of R^d, with w_i (delta^2 - <x_i, v>^2) >= 0, at degree 4, written two ways:
(a) all variables continuous and w_i^2 - w_i = 0 imposed as moment equalities (the only way
before mixed domains), (b) ``Semialgebraic(..., boolean=w)``: w_i^2 = w_i reduced inside
every product. Same value; the table gives moments, PSD block sizes and times.

Second table: the anti-concentration "2+2" relaxation two ways, the hand-assembled SDP
(``ip_relaxation``, Clarabel called directly) and the same relaxation on the engine
(``ip_relaxation_engine``: the engine's direct Clarabel backend, the scalar constraints
as one nonnegative cone, the same Clarabel settings), timed in the same run, with the
ratio engine / hand (imports excluded) and both rigorous bounds.

Usage: python benchmarks/bench_sos_mixed.py [--quick] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from sosrmt._report import format_table
from sosrmt.poly import Polynomial, variables
from sosrmt.sos import Semialgebraic, solve

RESULTS = Path(__file__).resolve().parent / "results"


def program(n: int, d: int, delta: float, seed: int = 0) -> tuple:
    X = np.random.default_rng(seed).standard_normal((n, d)) / np.sqrt(d)
    N = n + d
    z = variables(N)
    w, v = z[:n], z[n:]
    zero = Polynomial.constant(0.0, N)
    sphere = sum((va * va for va in v), zero) - 1.0
    ineqs = []
    for i in range(n):
        lin = sum((float(X[i, a]) * v[a] for a in range(d)), zero)
        ineqs.append(w[i] * (delta**2 - lin * lin))
    return sum(w, zero) / n, w, sphere, ineqs


def row(n: int, d: int, delta: float = 0.3) -> dict:
    obj, w, sphere, ineqs = program(n, d, delta)
    N = obj.nvars
    out: dict = {"n": n, "d": d}
    for tag, dom in (
        ("eq", Semialgebraic(N, [wi * wi - wi for wi in w] + [sphere], ineqs, bound=1.0)),
        ("mixed", Semialgebraic(N, [sphere], ineqs, bound=1.0, boolean=range(n))),
    ):
        t0 = time.perf_counter()
        res = solve(obj, dom, 4)
        out[f"{tag}_s"] = round(time.perf_counter() - t0, 3)
        out[f"{tag}_moments"] = res.stats["moments"]
        out[f"{tag}_largest_block"] = max(res.stats["blocks"])
        out[f"{tag}_bound"] = round(float(res.bound), 6) if res.bound is not None else None
    return out


def two_plus_two(n: int, d: int, delta: float = 0.3) -> dict:
    from sosrmt.problems.anticoncentration import (
        ip_relaxation,
        ip_relaxation_engine,
        sample_gaussian,
        whiten,
    )

    X = whiten(sample_gaussian(n, d, rng=0))
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    hand = ip_relaxation(X, delta)
    t_hand = time.perf_counter() - t0
    t0 = time.perf_counter()
    eng = ip_relaxation_engine(X, delta)
    t_eng = time.perf_counter() - t0
    return {
        "n": n,
        "d": d,
        "load": round(load, 1),
        "hand_s": round(t_hand, 3),
        "engine_s": round(t_eng, 3),
        "ratio": round(t_eng / t_hand, 2),
        "hand_solver_s": round(hand.timings["solve"], 3),
        "engine_solver_s": round(eng.timings["solve"], 3),
        "hand_bound": round(float(hand.bound), 6),
        "engine_bound": round(float(eng.bound), 6),
        "engine_status": eng.status,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="n = 4 only (seconds)")
    parser.add_argument("--out", type=Path, help="also write the JSON rows here")
    parser.add_argument("--two-plus-two-only", action="store_true",
                        help="only the engine-versus-hand table (the equality formulation "
                             "takes about 5 min at n = 8)")
    args = parser.parse_args()
    # the equality formulation takes ~300 s at n = 8 on 2 cores; n = 10 did not finish in 15 min
    sizes = [(4, 2)] if args.quick else [(4, 2), (6, 2), (8, 2), (6, 3)]
    rows = []
    for n, d in [] if args.two_plus_two_only else sizes:
        rows.append(row(n, d))
        print(format_table(rows[-1:], list(rows[-1])), flush=True)
    two = []
    ip_sizes = [(6, 2)] if args.quick else [(10, 2), (14, 2), (20, 2), (10, 3), (14, 3)]
    two_plus_two(4, 2)  # imports (cvxpy, Clarabel) outside the timings
    for n, d in ip_sizes:
        two.append(two_plus_two(n, d))
        print(format_table(two[-1:], list(two[-1])), flush=True)
    out = {"mixed_vs_equalities": rows, "two_plus_two_engine_vs_hand": two}
    RESULTS.mkdir(exist_ok=True)
    name = "bench_sos_mixed_quick.json" if args.quick else "bench_sos_mixed.json"
    (RESULTS / name).write_text(json.dumps(out, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
