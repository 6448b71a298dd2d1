"""Exact verification: the Peyrl-Parrilo route against the direct rounding (the old path).

For every named test problem with an optimum (and degree-4 SK on the hypercube), the
certificate of an SCS solve is verified exactly by (a) the direct route (round this
certificate's Gram matrices, project per monomial, exact PD check; sound on the hypercube
with a diagonal shift) and (b) the Peyrl-Parrilo route (facial reduction, strictly feasible
re-solve, exact projection). The table gives which verify, the proven bound next to the
optimum, and the time of each.

Usage: python benchmarks/bench_sos_exact.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from sosrmt._report import format_table
from sosrmt.poly import Polynomial
from sosrmt.sos import Hypercube, solve
from sosrmt.sos.testproblems import named_problem, named_problems

RESULTS = Path(__file__).resolve().parent / "results"


def cases(quick: bool) -> list[tuple[str, Polynomial, object, int, str, float, dict]]:
    out = []
    for name in named_problems():
        p = named_problem(name)
        if p.expect_status != "optimal" or (quick and name.startswith("boolean")):
            continue
        out.append((name, p.objective, p.domain, p.degree, p.sense, p.optimum,
                    dict(p.scs_options)))
    for n in ([6] if quick else [6, 8, 10]):
        G = np.random.default_rng(0).standard_normal((n, n))
        W = (G + G.T) / np.sqrt(2)
        np.fill_diagonal(W, 0)
        X = Hypercube(n).points()
        opt = float(np.max(np.einsum("ki,ij,kj->k", X, W, X)))
        out.append((f"sk_n{n}_deg4", Polynomial.quadratic_form(W), Hypercube(n), 4, "max", opt,
                    {}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the slower cases")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    for name, obj, dom, deg, sense, opt, opts in cases(args.quick):
        res = solve(obj, dom, deg, sense=sense, **opts)
        row: dict = {"problem": name, "optimum": round(opt, 6)}
        for method in ("direct", "peyrl-parrilo"):
            t0 = time.perf_counter()
            proof = res.certificate.verify_exact(method=method)
            row[f"{method}_s"] = round(time.perf_counter() - t0, 3)
            row[f"{method}_bound"] = None if proof.bound is None else round(float(proof.bound), 7)
        rows.append(row)
        print(format_table(rows[-1:], list(row)), flush=True)
    RESULTS.mkdir(exist_ok=True)
    name = "bench_sos_exact_quick.json" if args.quick else "bench_sos_exact.json"
    (RESULTS / name).write_text(json.dumps(rows, indent=2))
    print(format_table(rows, list(rows[0])))


if __name__ == "__main__":
    main()
