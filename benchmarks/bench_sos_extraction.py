"""Multi-point extraction: all maximum cuts of odd cycles, against the rank-one path.

For the cycle C_n (n odd) the maximum cut leaves one edge uncut, so there are 2n optimal
cuts. The degree-6 relaxation is solved (SCS), then (a) the rank-one path
(``SosResult.point``: one point from the leading eigenvector) and (b) the Henrion-Lasserre
extraction (``SosResult.solutions()``) are timed; the table gives the number of optimal
points each returns, checked against brute force, and the extraction time next to the
solve time.

Usage: python benchmarks/bench_sos_extraction.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from sosrmt._report import format_table
from sosrmt.poly import Polynomial, variables
from sosrmt.sos import Hypercube, solve

RESULTS = Path(__file__).resolve().parent / "results"


def cycle_cut(n: int) -> Polynomial:
    x = variables(n, "hypercube")
    zero = Polynomial.constant(0.0, n, "hypercube")
    return sum(((1 - x[i] * x[(i + 1) % n]) * 0.5 for i in range(n)), zero)


def row(n: int) -> dict:
    cut = cycle_cut(n)
    pts = Hypercube(n).points()
    vals = cut.evaluate(pts)
    opt = float(vals.max())
    optimal = {tuple(p) for p in pts[vals == opt].tolist()}
    t0 = time.perf_counter()
    res = solve(cut, Hypercube(n), 6)
    t_solve = time.perf_counter() - t0
    t0 = time.perf_counter()
    ext = res.solutions()
    t_ext = time.perf_counter() - t0
    found = {tuple(p) for p in ext.points.tolist()}
    return {
        "n": n,
        "optimal_cuts": len(optimal),
        "rank_one_points": int(res.point is not None),
        "extracted": len(found),
        "all_optimal_found": found == optimal,
        "ranks": list(ext.ranks),
        "solve_s": round(t_solve, 3),
        "extract_s": round(t_ext, 3),
        "bound": round(float(res.bound), 6),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="n = 5, 7 only (a few seconds)")
    args = parser.parse_args()
    sizes = [5, 7] if args.quick else [5, 7, 9, 11]
    rows = [row(n) for n in sizes]
    print(format_table(rows, list(rows[0])))
    RESULTS.mkdir(exist_ok=True)
    name = "bench_sos_extraction_quick.json" if args.quick else "bench_sos_extraction.json"
    (RESULTS / name).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
