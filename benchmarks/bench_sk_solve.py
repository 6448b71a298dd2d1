"""End-to-end degree-4 SK solve: sosrmt vs the straightforward cvxpy + SCS model.

For each n and seed, in one run: sosrmt (`sosrmt.problems.sk.sos_value`, SCS called
directly on the sign-symmetric blocks with early stopping on certified tight instances)
and the naive cvxpy model of benchmarks/_sk_baselines.py solved by SCS at the same eps,
in a subprocess limited to --limit seconds. Prints time, SCS iterations, values (they
must agree to 1e-4 relative) and the brute-force optimum.

Usage: python benchmarks/bench_sk_solve.py [--quick] [--sizes 20 24] [--seeds 3] [--limit 130]
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

NAIVE = r"""
import sys, json, numpy as np
sys.path.insert(0, sys.argv[3])
from _sk_baselines import naive_solve
from sosrmt.problems.sk import sk_instance
W = sk_instance(int(sys.argv[1]), seed=int(sys.argv[2]))
val, secs, iters = naive_solve(W)
print(json.dumps({"value": val, "seconds": secs, "iterations": iters}))
"""


def main() -> None:
    from sosrmt.problems.sk import brute_force_max, sk_instance, sos_value

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="n = 12, 16 with 2 seeds")
    parser.add_argument("--sizes", type=int, nargs="*", default=[20, 24])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--limit", type=float, default=130.0)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    sizes, seeds = ([12, 16], 2) if args.quick else (args.sizes, args.seeds)
    rows = []
    for n in sizes:
        for seed in range(seeds):
            W = sk_instance(n, seed=seed)
            opt = brute_force_max(W)[0] if n <= 26 else None
            t0 = time.perf_counter()
            res = sos_value(W, 4)
            ours = time.perf_counter() - t0
            row = {"n": n, "seed": seed, "opt": opt, "ours_value": res.value,
                   "ours_bound": res.bound, "ours_s": ours, "ours_iters": res.stats["iterations"],
                   "tight": res.tight, "stopped_early": res.stats["stopped_early"],
                   "naive_value": None, "naive_s": None, "naive_iters": None}
            if not args.no_baseline:
                try:
                    cmd = [sys.executable, "-c", NAIVE, str(n), str(seed), str(HERE)]
                    out = subprocess.run(cmd, capture_output=True, text=True,
                                         timeout=args.limit, check=True)
                    naive = json.loads(out.stdout.strip().splitlines()[-1])
                    row.update(naive_value=naive["value"], naive_s=naive["seconds"],
                               naive_iters=naive["iterations"])
                except subprocess.TimeoutExpired:
                    row["naive_s"] = f">{args.limit:.0f}"
            ratio = (ours / row["naive_s"]) if isinstance(row["naive_s"], float) else None
            agree = (None if row["naive_value"] is None else
                     abs(row["naive_value"] - res.value) / abs(res.value))
            row.update(time_ratio=ratio, rel_diff=agree)
            rows.append(row)
            print(f"n={n} seed={seed} opt={opt if opt is None else round(opt, 6)} "
                  f"ours={res.value:.6f} ({ours:.2f}s, {res.stats['iterations']} it, "
                  f"tight={res.tight}, early={res.stats['stopped_early']})  naive="
                  f"{row['naive_value']} ({row['naive_s']}s, {row['naive_iters']} it)  "
                  f"time ratio ours/naive={ratio if ratio is None else round(ratio, 3)}  "
                  f"rel diff={agree if agree is None else f'{agree:.1e}'}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_sk_solve.json").write_text(json.dumps(rows, indent=2, default=str))


if __name__ == "__main__":
    main()
