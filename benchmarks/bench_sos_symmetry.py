"""Symmetry reduction by a permutation group against the dense relaxation.

Degree-4 max-cut on cycles C_n (dihedral group, order 2n) and on the Petersen graph (its
automorphism group, order 120), solved dense and block-diagonalised by the group (SCS).
The table gives the largest PSD block of each, the values and the times; the reduced
answer is mapped back to the dense relaxation and its rigorous bound reported.

Usage: python benchmarks/bench_sos_symmetry.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import networkx as nx

from sosrmt._report import format_table
from sosrmt.poly import Polynomial
from sosrmt.sos import Hypercube, solve

RESULTS = Path(__file__).resolve().parent / "results"


def row(name: str, G: nx.Graph, generators: list) -> dict:
    n = G.number_of_nodes()
    W = nx.to_numpy_array(G, nodelist=range(n))
    cut = (Polynomial.constant(W.sum() / 2, n, "hypercube") - Polynomial.quadratic_form(W) / 2) / 2
    t0 = time.perf_counter()
    dense = solve(cut, Hypercube(n), 4, early_stop=False)
    t_dense = time.perf_counter() - t0
    t0 = time.perf_counter()
    red = solve(cut, Hypercube(n), 4, group=generators)
    t_red = time.perf_counter() - t0
    return {
        "graph": name, "n": n, "group_order": red.stats["group_order"],
        "dense_block": max(dense.stats["blocks"]),
        "reduced_block": max(red.stats["reduced_blocks"]),
        "dense_value": round(dense.value, 6), "reduced_value": round(red.value, 6),
        "reduced_bound": round(float(red.bound), 6),
        "dense_s": round(t_dense, 2), "reduced_s": round(t_red, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="C9 only (seconds)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    for n in ([9] if args.quick else [9, 13, 17]):
        gens = [[(i + 1) % n for i in range(n)], [(n - i) % n for i in range(n)]]
        rows.append(row(f"C{n}", nx.cycle_graph(n), gens))
    if not args.quick:
        P = nx.petersen_graph()
        autos = [tuple(m[i] for i in range(10))
                 for m in nx.algorithms.isomorphism.GraphMatcher(P, P).isomorphisms_iter()]
        rows.append(row("Petersen", P, autos))
    print(format_table(rows, list(rows[0])))
    RESULTS.mkdir(exist_ok=True)
    name = "bench_sos_symmetry_quick.json" if args.quick else "bench_sos_symmetry.json"
    (RESULTS / name).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
