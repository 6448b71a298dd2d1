"""Benchmark: exact recursive Efron–Stein bound of graph matrices.

Part 1 (ours vs baseline, same run): building the ``t + 1`` derivative matrices
:math:`F_{r,t-r}` and all their Schatten norms for a grid of ``q``

* baseline -- what a user would otherwise write: a pure-Python enumeration of
  realisations and bijections into a COO dictionary, then ``numpy.linalg.svd`` of each
  dense matrix;
* ours -- :func:`sosrmt.graphs.efron_stein.derivative_norms` (vectorised enumeration, int64
  keys, connected-block Gram eigen-decompositions).

Both must give the same bound (checked). Part 2: per named shape, the largest ``n`` at which
:func:`exact_bound` completes within the budget (default 60 s; ``--quick``: 5 s), stepping
``n`` upward until one run exceeds the budget or is refused. Writes JSON to
``benchmarks/results/bench_efron_stein.json``. BLAS is limited to one thread.

With ``--pbiased`` it runs instead the exhaustive check of the p-biased bounds at ``n = 6``
(all :math:`2^{15}` inputs): for each shape and ``p`` in {0.1, 0.3, 0.5, 0.8} the exact
:math:`|||M|||_{2q}` beside the concentrated and the weight-bound routes (tree forms) and the
symmetrised route (closed form), each of which must be above it; writes
``benchmarks/results/bench_efron_stein_pbiased.json``.

With ``--sparse-slopes`` it fits the log-log slopes of the three p-biased closed forms over
``n = 10^2..10^6`` at ``p = n^-1/2`` and ``10/n`` against the sparse exponent and writes
``docs/results/graphs/es_sparse_slopes.json`` (seconds; ``--quick``: three sizes, no file).

Usage: python benchmarks/bench_efron_stein.py [--quick] [--budget SECONDS] [--pbiased]
       [--sparse-slopes]
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from sosrmt.graphs import named_shape
from sosrmt.graphs.efron_stein import combine_levels, derivative_norms, exact_bound

SHAPES = ["wigner", "path2", "cherry", "Z", "K22", "iso", "degdiag", "JminusI", "nI"]


def baseline_norms(shape, n: int, qs: np.ndarray) -> dict[int, np.ndarray]:
    """Pure-Python enumeration + dense SVD: the straightforward implementation."""
    t = len(shape.edges)
    out = {}
    for r in range(t + 1):
        rows: dict = {}
        cols: dict = {}
        entries: dict = defaultdict(int)
        for sigma in itertools.permutations(range(n), shape.k):
            images = [frozenset(sigma[v] for v in e) for e in shape.edges]
            for beta in itertools.permutations(range(t)):
                slots = [images[b] for b in beta]
                rk = (tuple(sigma[u] for u in shape.U), tuple(slots[:r]))
                ck = (tuple(sigma[v] for v in shape.V), tuple(slots[r:]))
                i = rows.setdefault(rk, len(rows))
                j = cols.setdefault(ck, len(cols))
                entries[(i, j)] += 1
        dense = np.zeros((len(rows), len(cols)))
        for (i, j), v in entries.items():
            dense[i, j] = v
        s = np.linalg.svd(dense, compute_uv=False)
        out[r] = np.array([np.sum(s ** (2 * q)) ** (1 / (2 * q)) for q in qs])
    return out


def part1(cases, qs) -> list[dict]:
    rows = []
    for name, n in cases:
        shape = named_shape(name)
        t = len(shape.edges)
        t0 = time.perf_counter()
        ours = derivative_norms(shape, n, qs)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        base = baseline_norms(shape, n, qs)
        t_base = time.perf_counter() - t0
        b_ours = combine_levels({(t, r): v.values for r, v in ours.items()}, t, qs)[0].min()
        b_base = combine_levels({(t, r): v for r, v in base.items()}, t, qs)[0].min()
        rows.append({"shape": name, "n": n, "ours_s": t_ours, "baseline_s": t_base,
                     "speedup": t_base / t_ours, "bound": b_ours,
                     "agree": bool(abs(b_ours - b_base) <= 1e-8 * b_base)})
        print(f"{name:8s} n={n:3d}  ours {t_ours:8.3f} s  baseline {t_base:8.3f} s  "
              f"speedup {t_base / t_ours:7.1f}x  bound {b_ours:.6g}  agree={rows[-1]['agree']}",
              flush=True)
    return rows


def part2(budget: float, n_cap: int) -> list[dict]:
    rows = []
    for name in SHAPES:
        shape = named_shape(name)
        n = max(shape.k, 4)
        best, best_t, best_val, stop = None, None, None, "cap"
        while n <= n_cap:
            t0 = time.perf_counter()
            try:
                b = exact_bound(shape, n)
            except ValueError as exc:
                stop = f"refused at n={n}: {str(exc)[:60]}..."
                break
            dt = time.perf_counter() - t0
            if dt > budget:
                stop = f"n={n} took {dt:.1f} s"
                break
            best, best_t, best_val = n, dt, b.value
            n = n + 2 if n < 16 else int(n * 1.25)
        rows.append({"shape": name, "largest_n": best, "seconds": best_t, "bound": best_val,
                     "stop": stop})
        print(f"{name:8s} largest n within {budget:g} s: {best} ({best_t:.2f} s; next: {stop})",
              flush=True)
    return rows


def pbiased_check(n: int) -> list[dict]:
    """Exact moments over all inputs against both p-biased routes (tree forms, q = 1..4)."""
    from sosrmt.graphs.efron_stein import exhaustive_moment, pbiased_bound

    qs = np.arange(1, 5)
    rows = []
    for name in ("wigner", "path2", "cherry", "Z", "K22"):
        for p in (0.1, 0.3, 0.5, 0.8):
            t0 = time.perf_counter()
            exact = exhaustive_moment(named_shape(name), n, p, qs)
            b = pbiased_bound(named_shape(name), n, p, q=qs)
            ok = bool(np.all(b.conc_tree >= exact * (1 - 1e-12))
                      and np.all(b.tree >= b.conc_tree * (1 - 1e-12))
                      and np.all(b.sym_closed >= exact * (1 - 1e-12)))
            rows.append({"shape": name, "n": n, "p": p, "exact_min": float(exact.min()),
                         "conc_tree": b.conc_value, "wmax_tree": b.tree_value,
                         "sym_closed": b.sym_closed_value,
                         "holds": ok, "seconds": time.perf_counter() - t0})
            print(f"{name:7s} n={n} p={p}: exact |||M|||_2q (min over q) {exact.min():.3f}, "
                  f"concentrated {b.conc_value:.2f}, w_max {b.tree_value:.2f}, symmetrised "
                  f"closed {b.sym_closed_value:.4g}, holds: {ok} "
                  f"({rows[-1]['seconds']:.1f} s)", flush=True)
    return rows


def sparse_slopes(ns: list[int]) -> list[dict]:
    """Fitted log-log slopes of the p-biased closed forms against the sparse exponent.

    Per shape and p in {n^-1/2, 10/n}: the slope of each route's closed form over ``ns``,
    less the log inflation of the dense Rademacher closed form (its slope minus kappa).
    """
    from sosrmt._report import fit_loglog
    from sosrmt.graphs.efron_stein import closed_form_bound, pbiased_bound
    from sosrmt.graphs.separators import sparse_exponent

    rows = []
    for name in ("wigner", "path2", "cherry", "Z", "K22"):
        shape = named_shape(name)
        kappa = sparse_exponent(shape, 0.0).exponent
        infl = fit_loglog(ns, [closed_form_bound(shape, n).value for n in ns]).slope - kappa
        for text, a, prob in (("n^-0.5", 0.5, lambda n: n ** -0.5),
                              ("10/n", 1.0, lambda n: 10.0 / n)):
            bs = [pbiased_bound(shape, n, prob(n), exact=False) for n in ns]
            row = {"shape": name, "p": text, "kappa_a": sparse_exponent(shape, a).exponent,
                   "log_inflation": infl}
            for key, attr in (("wmax", "closed_value"), ("conc", "conc_closed_value"),
                              ("sym", "sym_closed_value")):
                vals = [getattr(b, attr) for b in bs]
                row[f"{key}_slope_raw"] = fit_loglog(ns, vals).slope
                row[f"{key}_slope"] = row[f"{key}_slope_raw"] - infl
                row[f"{key}_values"] = vals
            rows.append(row)
            print(f"{name:7s} p={text:7s} kappa_a {row['kappa_a']:.2f}: symmetrised "
                  f"{row['sym_slope']:.2f} (raw {row['sym_slope_raw']:.2f}), concentrated "
                  f"{row['conc_slope']:.2f}, w_max {row['wmax_slope']:.2f}", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, 5 s budget")
    ap.add_argument("--budget", type=float, default=None, help="seconds per exact bound")
    ap.add_argument("--pbiased", action="store_true",
                    help="exhaustive n = 6 check of the p-biased bounds instead")
    ap.add_argument("--sparse-slopes", action="store_true",
                    help="slopes of the p-biased closed forms (n = 10^2..10^6) against the "
                         "sparse exponent; writes docs/results/graphs/es_sparse_slopes.json")
    args = ap.parse_args()
    if args.sparse_slopes:
        ns = [100, 1000, 10**4] if args.quick else [int(v) for v in np.logspace(2, 6, 9)]
        rows = sparse_slopes(ns)
        path = (Path(__file__).parent.parent / "docs" / "results" / "graphs"
                / "es_sparse_slopes.json")
        if not args.quick:
            path.write_text(json.dumps({"ns": ns, "rows": rows}, indent=1))
            print(f"wrote {path}")
        assert all(abs(r["sym_slope"] - r["kappa_a"]) <= 0.2 for r in rows)
        return
    if args.pbiased:
        with threadpool_limits(1):
            rows = pbiased_check(5 if args.quick else 6)
        out = Path(__file__).parent / "results"
        out.mkdir(exist_ok=True)
        path = out / "bench_efron_stein_pbiased.json"
        path.write_text(json.dumps({"rows": rows, "blas_threads": 1}, indent=1))
        print(f"wrote {path}")
        assert all(r["holds"] for r in rows), "a p-biased bound fell below the exact moment"
        return
    budget = args.budget or (5.0 if args.quick else 60.0)
    qs = np.arange(1, 9)
    if args.quick:
        cases = [("path2", 8), ("cherry", 8), ("Z", 7)]
    else:
        cases = [("path2", 12), ("cherry", 12), ("Z", 8), ("Z", 9), ("K22", 6)]
    with threadpool_limits(1):
        print("Part 1: derivative matrices + all Schatten norms (q = 1..8), ours vs baseline")
        p1 = part1(cases, qs)
        print(f"\nPart 2: largest n for the exact bound within {budget:g} s")
        p2 = part2(budget, 40 if args.quick else 200)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    path = out / "bench_efron_stein.json"
    path.write_text(json.dumps({"quick": args.quick, "budget_s": budget, "part1": p1,
                                "part2": p2, "blas_threads": 1,
                                "note": "timings on a shared machine"}, indent=1))
    print(f"\nwrote {path}")
    assert all(r["agree"] for r in p1), "ours and the baseline disagree"


if __name__ == "__main__":
    main()
