"""Graph-matrix spectral norms: matrix-free operator (Möbius inversion + ARPACK) vs dense.

Part 1 (ratio): the Z shape at the largest n where the dense path is practical: build the
dense n^2 x n^2 matrix (``graph_matrix``) and take ``numpy.linalg.norm(M, 2)`` (LAPACK SVD,
what a user would otherwise do), against ``graph_operator`` + ``spectral_norm``.  Also the
middle ground a user might try: scipy ``svds`` on the dense matrix.

Part 2 (scale): Z at n = 300 and 1000, K22 at n = 100 with the matrix-free path only:
seconds, products, seconds per matvec, einsum FLOPs per matvec, achieved GFLOP/s against
a same-run dgemm of size 1000 (the machine's BLAS throughput).

Usage: python benchmarks/bench_graphs.py [--quick] [--threads 1] [--dense-n 45]
Writes benchmarks/results/bench_graphs.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
from scipy.sparse.linalg import svds
from threadpoolctl import threadpool_limits

from sosrmt.graphs import graph_matrix, graph_operator, named_shape, sample_input
from sosrmt.linalg import spectral_norm

RESULTS = Path(__file__).resolve().parent / "results"


def blas_gflops(n: int = 1000, reps: int = 3) -> float:
    a = np.random.default_rng(0).standard_normal((n, n))
    a @ a
    t = time.perf_counter()
    for _ in range(reps):
        a @ a
    return 2 * n**3 * reps / (time.perf_counter() - t) / 1e9


def dense_vs_free(n: int, tol: float) -> dict:
    shape = named_shape("Z")
    x = sample_input("rademacher", n, rng=0)
    t0 = time.perf_counter()
    M = graph_matrix(shape, x)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    dense_val = float(np.linalg.norm(M, 2))
    t_svd = time.perf_counter() - t0
    t0 = time.perf_counter()
    s = svds(M, k=1, tol=1e-7, return_singular_vectors=False,
             v0=np.random.default_rng(0).standard_normal(M.shape[1]))
    t_svds = time.perf_counter() - t0
    t0 = time.perf_counter()
    op = graph_operator(shape, x)
    res = spectral_norm(op, rng=0, method="normal", tol=tol)
    t_free = time.perf_counter() - t0
    dense_total = t_build + t_svd
    return {"case": f"Z n={n}", "dim": M.shape[0], "dense_build_s": t_build,
            "dense_svd_s": t_svd, "dense_total_s": dense_total,
            "dense_svds_total_s": t_build + t_svds, "free_s": t_free,
            "speedup_vs_dense_svd": dense_total / t_free,
            "speedup_vs_dense_svds": (t_build + t_svds) / t_free,
            "value_dense": dense_val, "value_free": res.value,
            "rel_diff": abs(res.value - dense_val) / dense_val,
            "rel_diff_svds": abs(float(s[0]) - dense_val) / dense_val,
            "matvecs": res.matvecs}


def scale_case(name: str, n: int, gemm: float, tol: float) -> dict:
    shape = named_shape(name)
    x = sample_input("rademacher", n, rng=0)
    t0 = time.perf_counter()
    op = graph_operator(shape, x)
    t_build = time.perf_counter() - t0
    res = spectral_norm(op, rng=0, method="normal", tol=tol)
    total = time.perf_counter() - t0
    v = np.random.default_rng(1).standard_normal(op.shape[1])
    reps = 3
    t1 = time.perf_counter()
    for _ in range(reps):
        op.matvec(v)
    per_matvec = (time.perf_counter() - t1) / reps
    flops = op.flops_matvec
    return {"case": f"{name} n={n}", "dim": op.shape[0], "build_s": t_build, "total_s": total,
            "norm_over_n": res.value / n, "relative_residual": res.relative_residual,
            "matvecs": res.matvecs, "s_per_matvec": per_matvec, "flops_per_matvec": flops,
            "gflops": flops / per_matvec / 1e9, "fraction_of_dgemm": flops / per_matvec / 1e9
            / gemm, "mobius_terms": len(op.terms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--dense-n", type=int, default=45, help="n of the dense comparison")
    parser.add_argument("--tol", type=float, default=1e-6, help="ARPACK tolerance (1e-6)")
    parser.add_argument("--cases", nargs="*", default=None, metavar="SHAPE:N",
                        help="scale cases (default Z:300 Z:1000 K22:100)")
    args = parser.parse_args()
    with threadpool_limits(args.threads):
        gemm = blas_gflops(500 if args.quick else 1000)
        print(f"dgemm throughput: {gemm:.1f} GFLOP/s ({args.threads} BLAS thread(s))")
        dn = 20 if args.quick else args.dense_n
        d = dense_vs_free(dn, args.tol)
        print(f"\nPart 1: Z at n={dn} (dimension {d['dim']})")
        print(f"{'method':34s} {'seconds':>9s} {'value':>14s} {'rel.diff':>9s}")
        print(f"{'dense graph_matrix + LAPACK SVD':34s} {d['dense_total_s']:9.3f} "
              f"{d['value_dense']:14.8f} {'-':>9s}")
        print(f"{'dense graph_matrix + scipy svds':34s} {d['dense_svds_total_s']:9.3f} "
              f"{'':14s} {d['rel_diff_svds']:9.1e}")
        print(f"{'graph_operator + spectral_norm':34s} {d['free_s']:9.3f} "
              f"{d['value_free']:14.8f} {d['rel_diff']:9.1e}")
        print(f"speed-up: {d['speedup_vs_dense_svd']:.0f}x vs dense SVD, "
              f"{d['speedup_vs_dense_svds']:.1f}x vs dense svds")
        cases = ([("Z", 100), ("K22", 30)] if args.quick
                 else [("Z", 300), ("Z", 1000), ("K22", 100)])
        if args.cases:
            cases = [(c.split(":")[0], int(c.split(":")[1])) for c in args.cases]
        rows = []
        print("\nPart 2: matrix-free at scale")
        hdr = (f"{'case':12s} {'dim':>8s} {'total s':>8s} {'||M||/n':>8s} {'products':>8s} "
               f"{'s/matvec':>9s} {'GFLOP/mv':>9s} {'GFLOP/s':>8s} {'of dgemm':>8s}")
        print(hdr)
        for name, n in cases:
            r = scale_case(name, n, gemm, args.tol)
            rows.append(r)
            print(f"{r['case']:12s} {r['dim']:8d} {r['total_s']:8.2f} {r['norm_over_n']:8.4f} "
                  f"{r['matvecs']:8d} {r['s_per_matvec']:9.4f} {r['flops_per_matvec'] / 1e9:9.3f} "
                  f"{r['gflops']:8.2f} {r['fraction_of_dgemm']:8.1%}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "bench_graphs.json"
    out.write_text(json.dumps({"quick": args.quick, "threads": args.threads, "tol": args.tol,
                               "dgemm_gflops": gemm, "dense_vs_free": d, "scale": rows,
                               "machine": platform.platform(), "numpy": np.__version__},
                              indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
