"""SK from both sides at full sizes: every curve per n, through a resumable sweep store.

Runs `sosrmt.problems.sk:both_sides_cell` over the sizes and seeds (OPT to n = 28, the best
cut found beyond, the degree-4 bound to --sos4-max, the degree-2 bound by Burer-Monteiro
and n lambda_max to the largest n, the PAP transfer to --transfer-max), prints the table
with the seconds per size and writes results/sk_both_sides.{sqlite,json,png}. A second run
reads the finished cells back from the store.

Usage: python benchmarks/bench_sk_both_sides.py [--quick]
       [--sizes 8 16 24 64 256 1024 2048] [--seeds 3] [--sos4-max 24] [--transfer-max 200]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def main() -> None:
    from sosrmt.problems import sk
    from sosrmt.sweep import Grid, run_sweep

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="n = 8, 16, 48, 128, 1 seed")
    parser.add_argument("--sizes", type=int, nargs="*", default=[8, 16, 24, 64, 256, 1024, 2048])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sos4-max", type=int, default=24)
    parser.add_argument("--transfer-max", type=int, default=200)
    args = parser.parse_args()
    sizes, seeds = ([8, 16, 48, 128], 1) if args.quick else (args.sizes, args.seeds)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / ("sk_both_sides_quick" if args.quick else "sk_both_sides")
    params = sk.both_sides_params(sizes, sos4_max=args.sos4_max, transfer_max=args.transfer_max)
    t0 = time.perf_counter()
    rows = run_sweep("sosrmt.problems.sk:both_sides_cell",
                     Grid(params, seeds=seeds, method_params=["sos4_max", "transfer_max"]),
                     store=stem.with_suffix(".sqlite"), jobs=1, executor="serial")
    table = sk.summarize_both_sides(rows)
    for entry in table:
        shown = {k: round(v, 4) for k, v in entry.items() if k.endswith("_mean") and v is not None}
        print(entry["n"], shown, f"transfer valid={entry['transfer_valid_fraction']}", flush=True)
    print(f"{time.perf_counter() - t0:.1f} s in all (finished cells are read from the store)")
    stem.with_suffix(".json").write_text(json.dumps(table, indent=2))
    sk.plot_both_sides(table, stem.with_suffix(".png"))


if __name__ == "__main__":
    main()
