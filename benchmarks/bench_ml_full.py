"""Run the ML studies' full (paper-scale) modes through the sweep store, into ``docs/results/ml``.

Usage::

    python benchmarks/bench_ml_full.py [STUDY ...] [--quick] [--timeout S] [--jobs N] [--out DIR]

Each study is one cell of the sweep job ``sosrmt.ml.runner:study_cell`` in a local process
pool (one torch thread per study) with a per-study time limit, stored in
``<out>/full_modes.sqlite``: a killed run keeps every finished study and the next run skips
it; a study that crashes or exceeds the limit is recorded as that study's error. Each
finished study also writes its JSON (metrics, settings, ``wall_s``, ``cpu_s``, ``host``,
``versions``) and figures to ``<out>/<study>/``. ``sosrmt sweep show <out>/full_modes.sqlite``
tabulates the headline numbers.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sosrmt._report import format_table


def main(argv: list[str] | None = None) -> int:
    from sosrmt.ml import STUDIES
    from sosrmt.ml.runner import run_studies

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("studies", nargs="*", help="default: all seven")
    parser.add_argument("--quick", action="store_true", help="quick mode (a smoke run)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per study")
    parser.add_argument("--jobs", type=int, default=1, help="studies run at once")
    parser.add_argument("--out", type=Path, default=Path("docs/results/ml"))
    args = parser.parse_args(argv)
    names = args.studies or [e.name for e in STUDIES]
    store = args.out / ("quick_modes.sqlite" if args.quick else "full_modes.sqlite")
    t0 = time.perf_counter()
    rows = run_studies(names, full=not args.quick, store=store, out=args.out, jobs=args.jobs,
                       timeout=args.timeout)
    table = [{"study": r["study"], "status": r["status"], "wall_s": r.get("wall_s"),
              "cpu_s": r.get("cpu_s"), "error": (r.get("error") or "")[:60]} for r in rows]
    print(format_table(table, ["study", "status", "wall_s", "cpu_s", "error"], fmt=".0f"))
    print(f"store {store}; {time.perf_counter() - t0:.0f} s in all")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
