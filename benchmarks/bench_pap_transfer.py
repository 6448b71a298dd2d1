"""Benchmark: the PAP-to-SK transfer at scale (factored shape form, matrix-free), N = 200..2000.

Two parts, both in one run:

1. **Against the signed-measure form** (the baseline: enumerate the 2^p points of the PAP
   prior, as :func:`sosrmt.problems.sk_transfer.transfer` does, plus the dense degree-4
   moment matrix and, at N <= 30, the dense SK moment matrix) on the same instance and the
   same inputs D: both routes compute the value, the PAP relative mu_min and the residual;
   the script checks they agree and prints the time ratio.
2. **At scale**: for N in the list, p = ceil(N^(2/3 + eps)) (``choose_p``) and each Hermite
   truncation D, :func:`sosrmt.problems.sk_transfer.transfer_scale_cell` per seed: value /
   N^{3/2}, relative mu_min of the PAP matrix (Lanczos, with its residual bound and a PSD
   verdict), lambda_min of the SK moment operator (dimension 1 + N + C(N,2)), constraint
   residuals, time per phase, peak traced memory (tracemalloc) beside the estimate, and the
   load average. Then log-log slopes against N (``sosrmt._report.fit_loglog``) and a figure.
   The signed-measure form does not run there (2^p points with p >= 45); this is said in
   the output, not timed.

Writes ``benchmarks/results/pap_transfer_quick.json`` (``--quick``, < 1 min) or, for the full
sizes, ``docs/results/sk_lower/pap_transfer_full.json`` and ``pap_transfer_full.png``.

Usage: python benchmarks/bench_pap_transfer.py [--quick] [--n 200 500 1000 2000]
       [--trunc 4 6] [--seeds 1] [--first-seed 0] [--eps 0.05 0.133 0.233]
       [--basis frame gaussian] [--max-p P] [--circles 16] [--no-sk] [--out PATH]
       python benchmarks/bench_pap_transfer.py --merge A.json B.json [--out PATH]
       python benchmarks/bench_pap_transfer.py --truncation-study [--out PATH]
(``--merge`` joins runs made in parallel, e.g. one per truncation, and redoes fits and figure.)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
import tracemalloc
from pathlib import Path

import numpy as np

from sosrmt._report import format_table, to_jsonable
from sosrmt.problems import sk
from sosrmt.problems.planted_affine_planes import pap_measure
from sosrmt.problems.sk_transfer import (
    choose_p,
    exact_constraint_cell,
    plot_transfer_scaling,
    scaling_fits,
    signed_exact_constraint_point,
    transfer_at_scale,
    transfer_resources,
    transfer_scale_cell,
)

ROOT = Path(__file__).resolve().parent.parent


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path(
        "/proc/loadavg").exists() else "n/a"


def _signed_route(W: np.ndarray, D: np.ndarray, trunc: int, dense_sk: bool) -> dict:
    """The baseline on given inputs: value, residual, PAP mu_min (dense), SK lambda_min."""
    t0 = time.perf_counter()
    mu = pap_measure(D, trunc)
    X = mu.prior.points @ D.T
    e1 = mu.e1
    value = float(mu.weights @ np.einsum("ri,ij,rj->r", X, W, X)) / e1
    residual = float(np.max(np.abs(mu.weights @ (X**2 - 1.0)))) / abs(e1)
    mu_min = float(mu.report(4).mu_min)
    out = {"value": value, "residual": residual, "mu_min": mu_min, "sk_mu_min": None}
    if dense_sk:
        N = D.shape[0]
        iu, ju = np.triu_indices(N, 1)
        Phi = np.hstack([np.ones((X.shape[0], 1)), X, X[:, iu] * X[:, ju]])
        M = Phi.T @ (mu.weights[:, None] * Phi)
        out["sk_mu_min"] = float(np.linalg.eigvalsh(M)[0]) / e1
    out["seconds"] = time.perf_counter() - t0
    return out


def compare_small(sizes: list[int], trunc: int, eps: float) -> list[dict]:
    rows = []
    for N in sizes:
        p = choose_p(N, eps)
        W = sk.sk_instance(N, seed=0)
        t0 = time.perf_counter()
        res = transfer_at_scale(W, p, trunc, rng=0, sk_lanczos=N <= 30, tol=1e-10)
        ours = time.perf_counter() - t0
        base = _signed_route(W, res.D, trunc, dense_sk=N <= 30)
        r = res.row
        agree = (abs(r["value"] - base["value"]) <= 1e-8 * abs(base["value"])
                 and abs(r["residual"] - base["residual"]) <= 1e-8
                 and abs(r["mu_min"] - base["mu_min"]) <= 1e-6
                 and (base["sk_mu_min"] is None
                      or abs(r["sk_mu_min"] - base["sk_mu_min"])
                      <= 1e-6 * max(1.0, abs(base["sk_mu_min"]))))
        rows.append({"N": N, "p": p, "trunc": trunc, "seconds_factored": ours,
                     "seconds_signed": base["seconds"], "ratio": base["seconds"] / ours,
                     "mu_min": r["mu_min"], "mu_min_signed": base["mu_min"],
                     "sk_mu_min": r["sk_mu_min"], "sk_mu_min_signed": base["sk_mu_min"],
                     "value_scaled": r["value_scaled"], "agree": bool(agree)})
    return rows


def run_scale(sizes: list[int], truncs: list[int], seeds: int, eps: float, sk_check: bool,
              circles: int, first_seed: int = 0, log: bool = True, basis: str = "frame",
              max_p: int | None = None, exact_max_n: int = 0) -> list[dict]:
    rows = []
    for trunc in truncs:
        for N in sizes:
            p = choose_p(N, eps)
            if max_p is not None and p > max_p:
                print(f"  N={N} eps={eps}: p={p} > --max-p {max_p}, skipped", flush=True)
                continue
            est = transfer_resources(N, p, sk_lanczos=sk_check)
            for seed in range(first_seed, first_seed + seeds):
                load_before = _load()
                tracemalloc.start()
                t0 = time.perf_counter()
                if N <= exact_max_n:     # same draws, plus the exact-constraint point
                    row = exact_constraint_cell(rng=seed, N=N, trunc=trunc, eps=eps,
                                                basis=basis, residual_circles=circles)
                else:
                    row = transfer_scale_cell(rng=seed, N=N, trunc=trunc, eps=eps,
                                              sk_lanczos=sk_check, residual_circles=circles,
                                              basis=basis)
                seconds = time.perf_counter() - t0
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                row.update(N=N, trunc=trunc, seed=seed, eps=eps, basis=basis, seconds=seconds,
                           peak_traced_bytes=peak, estimate_bytes=est["memory_bytes"],
                           load_before=load_before, load_after=_load(),
                           signed_form="not run: 2^p points" if p > 20 else "runs")
                rows.append(row)
                if log:
                    print(f"  N={N} p={p} D={trunc} {basis} seed={seed}: value/N^1.5="
                          f"{row['value_scaled']:.4f} mu_min={row['mu_min']:.4f} "
                          f"({row['mu_min_status']}, res {row['mu_min_residual']:.1e}) "
                          f"psd={row['psd']} residual={row['residual']:.3f} "
                          f"quad={row['residual_quad']:.3f} "
                          f"quad_op={row['residual_quad_op']:.3f} "
                          f"square_min={row['residual_square_min']:+.3f} "
                          + (f"ml_mu={row['ml_mu_min']:+.3f} ({row['ml_status']}) "
                             f"t={row['mix_weight']:.3f} mixed={row['value_mixed_scaled']:.4f} "
                             if "ml_mu_min" in row else "")
                          + f"{seconds:.1f}s "
                          f"peak {peak / 2**20:.0f} MiB (est {est['memory_bytes'] / 2**20:.0f})"
                          f" load {load_before} -> {row['load_after']}", flush=True)
    return rows


def truncation_study(pairs: list[tuple[int, int]], truncs: list[int], seeds: int) -> list[dict]:
    """Hermite truncations D = 4 .. 12 (two circles and more from D = 8) at toy sizes, by
    enumeration of the 2^p prior points (signed_exact_constraint_point), same instances."""
    rows = []
    for N, p in pairs:
        for trunc in truncs:
            for seed in range(seeds):
                t0 = time.perf_counter()
                row = signed_exact_constraint_point(sk.sample_null(N, rng=seed), p, trunc,
                                                    rng=seed + 1000)
                row.update(N=N, seed=seed, ratio=N / p**1.5,
                           seconds=time.perf_counter() - t0)
                rows.append(row)
                print(f"  N={N} p={p} D={trunc} seed={seed}: mu_min(PAP)={row['mu_min']:+.3f} "
                      f"residual={row['residual']:.3f} quad_op={row['residual_quad_op']:.3f} "
                      f"ml_mu={row['ml_mu_min']:+.3f} value={row['value_scaled']:.3f} "
                      f"mixed={row['value_mixed_scaled']:.3f}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 40, 80; one seed; D = 4")
    parser.add_argument("--n", type=int, nargs="+", default=[200, 500, 1000, 2000])
    parser.add_argument("--trunc", type=int, nargs="+", default=[4, 6])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--circles", type=int, default=16,
                        help="constraints u sampled for the quadratic residuals")
    parser.add_argument("--merge", type=Path, nargs="+", default=None)
    parser.add_argument("--eps", type=float, nargs="+", default=[0.05],
                        help="exponent margins: p = ceil(N^(2/3 + eps)), one curve each")
    parser.add_argument("--basis", nargs="+", default=["frame"], choices=["frame", "gaussian"],
                        help="basis of the top eigenspace for the PAP inputs (pap_basis)")
    parser.add_argument("--truncation-study", action="store_true",
                        help="only the truncation study: D = 4..12 at N = 24, p = 12 and "
                             "N = 32, p = 14 (enumeration of 2^p points), two seeds")
    parser.add_argument("--exact-max-n", type=int, default=0,
                        help="up to this N, also the exact-constraint (multilinear) point "
                             "and its mixture with the uniform measure")
    parser.add_argument("--max-p", type=int, default=None,
                        help="skip cells whose p exceeds this (the PAP Lanczos costs N p^2)")
    parser.add_argument("--no-sk", action="store_true", help="skip the SK-side Lanczos")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.quick:
        sizes, truncs, seeds, small = [40, 80], [4], 1, [20]
    else:
        sizes, truncs, seeds, small = sorted(args.n), args.trunc, args.seeds, [20, 30, 40]
    out = args.out or (ROOT / "benchmarks/results/pap_transfer_quick.json" if args.quick
                       else ROOT / "docs/results/sk_lower/pap_transfer_full.json")
    if args.merge:
        parts = [json.loads(path.read_text()) for path in args.merge]
        for part in parts:              # runs made before the rows carried eps and basis
            for r in part["rows"]:
                r.setdefault("eps", part["eps"] if not isinstance(part["eps"], list)
                             else part["eps"][0])
                r.setdefault("basis", "frame")
        payload = {"command": " + ".join(part["command"] for part in parts),
                   "eps": sorted({r["eps"] for part in parts for r in part["rows"]}),
                   "p_rule": parts[0]["p_rule"],
                   "cores": parts[0]["cores"],
                   "seconds_total": sum(part["seconds_total"] for part in parts),
                   "comparison_with_signed_form": [r for part in parts
                                                   for r in part["comparison_with_signed_form"]],
                   "rows": [r for part in parts for r in part["rows"]]}
        _finish(payload, args.out or ROOT / "docs/results/sk_lower/pap_transfer_full.json")
        return
    print(f"cores: {os.cpu_count()}, load average at start: {_load()}")
    if args.truncation_study:
        t0 = time.perf_counter()
        rows = truncation_study([(24, 12), (32, 14)], [4, 6, 8, 10, 12], 2)
        print(format_table(rows, ["N", "p", "trunc", "seed", "mu_min", "residual",
                                  "residual_quad_op", "ml_mu_min", "value_scaled",
                                  "value_mixed_scaled", "seconds"]))
        out = args.out or ROOT / "docs/results/sk_lower/pap_truncation_study.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(to_jsonable(
            {"command": "python benchmarks/bench_pap_transfer.py --truncation-study",
             "cores": os.cpu_count(), "load_end": _load(),
             "seconds_total": time.perf_counter() - t0, "rows": rows}), indent=1))
        print(f"wrote {out}")
        return

    print("1. factored shape form against the signed-measure form (same instance, same D)")
    comp = []
    for trunc in truncs:
        comp += compare_small(small, trunc, 0.05)      # a correctness check: small p
    print(format_table(comp, ["N", "p", "trunc", "seconds_factored", "seconds_signed",
                              "ratio", "mu_min", "mu_min_signed", "agree"]))
    if not all(r["agree"] for r in comp):
        raise SystemExit("the factored and signed-measure forms disagree")

    print("2. at scale (p = ceil(N^(2/3 + eps)))")
    t0 = time.perf_counter()
    rows = []
    for basis in args.basis:
        for eps in args.eps:
            rows += run_scale(sizes, truncs, seeds, eps, not args.no_sk, args.circles,
                              args.first_seed, basis=basis, max_p=args.max_p,
                              exact_max_n=args.exact_max_n)
    payload = {"command": "python benchmarks/bench_pap_transfer.py"
                          + (" --quick" if args.quick else
                             f" --n {' '.join(map(str, sizes))} --trunc "
                             f"{' '.join(map(str, truncs))} --seeds {seeds}"
                             f" --first-seed {args.first_seed}"
                             f" --eps {' '.join(map(str, args.eps))}"
                             f" --basis {' '.join(args.basis)}"
                             + (f" --max-p {args.max_p}" if args.max_p else "")
                             + (f" --exact-max-n {args.exact_max_n}" if args.exact_max_n
                                else "")
                             + (" --no-sk" if args.no_sk else "")),
               "eps": args.eps, "basis": args.basis, "p_rule": "p = ceil(N^(2/3 + eps))",
               "cores": os.cpu_count(),
               "seconds_total": time.perf_counter() - t0,
               "comparison_with_signed_form": comp, "rows": rows}
    _finish(payload, out)


def _finish(payload: dict, out: Path) -> None:
    """Fits per curve (truncation, exponent margin, basis), the NOT-PSD list, JSON, figure."""
    rows = payload["rows"]
    for r in rows:                      # rows of runs made before these keys existed
        r.setdefault("eps", payload.get("eps"))
        r.setdefault("basis", "frame")
    fits = {}
    keys = sorted({(r["trunc"], float(r["eps"]), r["basis"]) for r in rows})
    for trunc, eps, basis in keys:
        sel = [r for r in rows if (r["trunc"], float(r["eps"]), r["basis"]) == (trunc, eps, basis)]
        name = f"D={trunc} eps={eps:g} {basis}"
        fits[name] = {k: (None if f is None else {"slope": f.slope, "slope_se": f.slope_se,
                                                  "n_points": f.n_points})
                      for k, f in scaling_fits(sel).items()}
        print(f"slopes against N, {name}: "
              + ", ".join(f"{k} {v['slope']:+.3f} +- {v['slope_se']:.3f}" if v else f"{k} n/a"
                          for k, v in fits[name].items()))
    nonpsd = [(r["N"], r["p"], r["trunc"], r["basis"], r["seed"]) for r in rows
              if r["psd"] is False]
    print("NOT PSD (truncated construction invalid there): "
          + (", ".join(f"N={a} p={b} D={c} {d} seed={e}" for a, b, c, d, e in nonpsd)
             if nonpsd else "none"))
    print(format_table(rows, ["N", "p", "trunc", "basis", "seed", "value_scaled", "mu_min",
                              "psd", "residual", "residual_mean", "residual_quad",
                              "residual_quad_op", "residual_square_min", "ml_mu_min",
                              "mix_weight", "value_mixed_scaled", "seconds"]))
    payload.update(fits=fits, not_psd=nonpsd)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(to_jsonable(payload), indent=1))
    fig = plot_transfer_scaling(rows)
    fig.savefig(out.with_suffix(".png"), dpi=90)
    print(f"wrote {out} and {out.with_suffix('.png').name} "
          f"({math.fsum(r['seconds'] for r in rows):.0f} s in cells)")


if __name__ == "__main__":
    main()
