"""Build time: degree-4 SK moment relaxation to solver-ready data.

Times, in one run, (a) sosrmt's vectorised assembly (MomentRelaxation + SCS data),
(b) the straightforward cvxpy model compiled to SCS data, and (c) ncpol2sdpa, a Python
SoS package a user would otherwise pick, installed in its own virtual environment
(benchmarks/.peer-venv; created on first use). Each baseline is run in a subprocess with
a 120 s limit; the ratio is reported at every n where both finish.

``--quick`` (a smoke run, about 15 s on 2 cores) takes n = 6, 8, 10, skips ncpol2sdpa
(creating its environment alone takes minutes) and limits each baseline to 30 s; it writes
``results/bench_sos_build_quick.json`` so the full results are kept.

Usage: python benchmarks/bench_sos_build.py [--quick] [--no-peer]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PEER_VENV = HERE / ".peer-venv"
LIMIT = 120.0
QUICK_LIMIT = 30.0

PEER_SCRIPT = r"""
import sys, time, numpy as np
from ncpol2sdpa import generate_variables, SdpRelaxation
n = int(sys.argv[1])
G = np.random.default_rng(0).standard_normal((n, n))
W = (G + G.T) / np.sqrt(2)
np.fill_diagonal(W, 0)
t0 = time.perf_counter()
x = generate_variables('x', n, commutative=True)
obj = -sum(W[i, j] * x[i] * x[j] for i in range(n) for j in range(n) if i != j)
sdp = SdpRelaxation(x)
sdp.get_relaxation(2, objective=obj, substitutions={xi**2: 1 for xi in x})
print(time.perf_counter() - t0)
"""

NAIVE_SCRIPT = r"""
import sys, numpy as np
sys.path.insert(0, sys.argv[2])
from _sk_baselines import naive_build_seconds
n = int(sys.argv[1])
G = np.random.default_rng(0).standard_normal((n, n))
W = (G + G.T) / np.sqrt(2)
np.fill_diagonal(W, 0)
print(naive_build_seconds(W))
"""


def ours(n: int, repeats: int = 3) -> tuple[float, dict]:
    import numpy as np

    from sosrmt.poly import Polynomial
    from sosrmt.sos import Hypercube, MomentRelaxation

    G = np.random.default_rng(0).standard_normal((n, n))  # the instance the baselines build
    W = (G + G.T) / np.sqrt(2)
    np.fill_diagonal(W, 0)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        rel = MomentRelaxation(Polynomial.quadratic_form(W), Hypercube(n), 4)
        rel.scs_data()
        best = min(best, time.perf_counter() - t0)
    return best, rel.describe()


def run_limited(cmd: list[str], limit: float = LIMIT) -> float | None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        print(f"  baseline failed: {exc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return float(out.stdout.strip().splitlines()[-1])


def ensure_peer() -> Path | None:
    py = PEER_VENV / "bin" / "python"
    if not py.exists():
        print("creating benchmarks/.peer-venv with ncpol2sdpa ...", file=sys.stderr)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
            subprocess.run([str(py), "-m", "pip", "install", "-q", "ncpol2sdpa", "numpy", "sympy"],
                           check=True)
        except subprocess.CalledProcessError:
            return None
    return py


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    sizes = [6, 8, 10] if args.quick else [8, 10, 12, 14, 16, 20, 24, 30, 40]
    limit = QUICK_LIMIT if args.quick else LIMIT
    peer = None if (args.no_peer or args.quick) else ensure_peer()
    rows = []
    naive_alive, peer_alive = True, peer is not None
    for n in sizes:
        t_ours, desc = ours(n)
        row = {"n": n, "moment_matrix": 1 + n + n * (n - 1) // 2, "moments": desc["moments"],
               "ours_s": t_ours, "cvxpy_s": None, "ncpol2sdpa_s": None}
        if naive_alive:
            row["cvxpy_s"] = run_limited(
                [sys.executable, "-c", NAIVE_SCRIPT, str(n), str(HERE)], limit)
            naive_alive = row["cvxpy_s"] is not None
        if peer_alive:
            row["ncpol2sdpa_s"] = run_limited([str(peer), "-c", PEER_SCRIPT, str(n)], limit)
            peer_alive = row["ncpol2sdpa_s"] is not None
        for key in ("cvxpy_s", "ncpol2sdpa_s"):
            base = row[key]
            row[key.replace("_s", "_ratio")] = None if base is None else base / t_ours
        rows.append(row)
        print(f"n={n:3d}  N={row['moment_matrix']:5d}  moments={row['moments']:7d}  "
              f"ours={t_ours:8.4f}s  cvxpy={_fmt(row['cvxpy_s'])}  "
              f"ncpol2sdpa={_fmt(row['ncpol2sdpa_s'])}  "
              f"ratios: cvxpy x{_fmt(row['cvxpy_ratio'], 'x')} "
              f"ncpol2sdpa x{_fmt(row['ncpol2sdpa_ratio'], 'x')}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    name = "bench_sos_build_quick.json" if args.quick else "bench_sos_build.json"
    (RESULTS / name).write_text(json.dumps(rows, indent=2))
    print(f"(baselines limited to {limit:.0f} s each; '-' = did not finish or not run)")


def _fmt(v: float | None, kind: str = "s") -> str:
    if v is None:
        return "      -"
    return f"{v:7.1f}" if kind == "x" else f"{v:7.3f}s"


if __name__ == "__main__":
    main()
