"""Sparse graph matrices: p-biased spectral norms through the input's nonzeros vs the dense path.

For each shape (Z, K22, path2, cherry) and p in {n^(-1/2), 10/n}: sample one G(n, p) input,
then

* ours     -- ``sparse_graph_operator`` (the centred character split as A - p(J - I); cost
              follows the homomorphisms of each term into the graph) + ``spectral_norm``;
* baseline -- the dense Möbius operator ``graph_operator`` on the same input (the centred
              character is a dense n x n matrix, so its cost does not see the sparsity)
              + ``spectral_norm``, skipped when it is refused for memory or when ``--skip-
              baseline`` is given.

Both norms come from the same ARPACK call (``method="normal"``, same start vector), so
they must agree to the solver tolerance. Prints seconds (build, norm, total; wall clock and
this process's CPU time, which a shared machine distorts less), products, the norm of each
path and the baseline/ours ratios; writes ``benchmarks/results/bench_sparse_graphs*.json``
(``--out`` also writes a copy there, e.g. under ``docs/results/graphs/``).

Usage: python benchmarks/bench_sparse_graphs.py [--n 1000] [--quick] [--threads 1]
       [--shapes Z K22 path2 cherry] [--skip-baseline] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

from sosrmt._report import format_table
from sosrmt.graphs import graph_operator, named_shape, sample_input
from sosrmt.graphs.sparse import sparse_graph_operator
from sosrmt.linalg import spectral_norm

RESULTS = Path(__file__).resolve().parent / "results"


def run_one(shape_name: str, n: int, p: float, seed: int, *, baseline: bool) -> dict:
    shape = named_shape(shape_name)
    x = sample_input("pbiased", n, p=p, rng=seed)
    row: dict = {"shape": shape_name, "n": n, "p": p, "edges": int(x.G.sum() // 2)}
    t0, c0 = time.perf_counter(), time.process_time()
    op = sparse_graph_operator(shape, x)
    t1 = time.perf_counter()
    res = spectral_norm(op, method="normal", rng=seed, tol=1e-6)
    t2, c2 = time.perf_counter(), time.process_time()
    row.update(ours_build_s=t1 - t0, ours_norm_s=t2 - t1, ours_s=t2 - t0, ours_cpu_s=c2 - c0,
               norm=res.value, products=res.matvecs, stored_nnz=op.nnz, terms=op.terms)
    row.update(base_s=None, base_cpu_s=None, base_norm=None, ratio=None, cpu_ratio=None)
    if baseline:
        try:
            t0, c0 = time.perf_counter(), time.process_time()
            dense = graph_operator(shape, x)
            base = spectral_norm(dense, method="normal", rng=seed, tol=1e-6)
            row.update(base_s=time.perf_counter() - t0, base_cpu_s=time.process_time() - c0,
                       base_norm=base.value)
            row["ratio"] = row["base_s"] / row["ours_s"]
            row["cpu_ratio"] = row["base_cpu_s"] / row["ours_cpu_s"]
        except (MemoryError, ValueError) as exc:
            row["base_error"] = str(exc).split("\n")[0][:120]
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="n = 200")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    ap.add_argument("--shapes", nargs="+", default=["Z", "K22", "path2", "cherry"])
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="also write the JSON to this path")
    args = ap.parse_args()
    n = 200 if args.quick else args.n
    rows = []
    with threadpool_limits(args.threads):
        for name in args.shapes:
            for label, p in (("n^-1/2", n ** -0.5), ("10/n", 10.0 / n)):
                row = run_one(name, n, p, args.seed, baseline=not args.skip_baseline)
                row["p_label"] = label
                rows.append(row)
                base = "-" if row["base_s"] is None else f"{row['base_s']:.1f} s"
                print(f"[bench_sparse_graphs] {name} p={label}: ours {row['ours_s']:.1f} s, "
                      f"baseline {base}", flush=True)
    print(format_table(rows, ["shape", "p_label", "edges", "terms", "stored_nnz", "ours_build_s",
                              "ours_norm_s", "ours_s", "ours_cpu_s", "products", "base_s",
                              "base_cpu_s", "ratio", "cpu_ratio", "norm", "base_norm"],
                       headers=["shape", "p", "edges", "terms", "nnz", "build s", "norm s",
                                "ours s", "ours cpu", "products", "dense s", "dense cpu",
                                "dense/ours", "cpu ratio", "norm", "dense norm"], fmt=".4g"))
    try:
        load = os.getloadavg()
    except OSError:  # pragma: no cover - not on every platform
        load = None
    print(f"load average (1, 5, 15 min): {load}; BLAS threads {args.threads}; "
          f"{os.cpu_count()} CPUs")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench_sparse_graphs_n{n}_{'_'.join(args.shapes)}.json"
    out.write_text(json.dumps({"rows": rows, "n": n, "threads": args.threads, "load": load,
                               "machine": platform.platform()}, indent=1))
    print(f"wrote {out}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(out.read_text())
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
