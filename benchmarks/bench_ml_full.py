"""Run the ML studies' full (paper-scale) modes and record them under ``docs/results/ml``.

Usage::

    python benchmarks/bench_ml_full.py [STUDY ...] [--quick] [--timeout S] [--out DIR]

Each study runs in its own subprocess (one torch thread) with a wall-clock limit; its JSON
(the study's metrics plus ``versions``, ``wall_s``, ``cpu_s``, ``host``) and figures are
written to ``<out>/<study>/``. A study that hits the limit is recorded as
``{"status": "timeout"}`` with the limit, so the docs can say it did not finish.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from sosrmt._report import to_jsonable

PACKAGES = ("sosrmt", "numpy", "scipy", "torch", "transformers", "scikit-learn", "matplotlib",
            "pocketsphinx", "jiwer")


def versions() -> dict[str, str]:
    """Versions of Python and of the packages the studies use."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _child(study: str, quick: bool, out: Path) -> None:
    import torch

    from sosrmt.ml import available_studies

    torch.set_num_threads(1)
    t0, c0 = time.perf_counter(), time.process_time()
    result = available_studies()[study].run(quick=quick, seed=0)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    result.save(out)
    path = out / f"{study}.json"
    payload = json.loads(path.read_text())
    payload |= {"status": "done", "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                "host": platform.node(), "cpu_count": os.cpu_count(), "versions": versions()}
    path.write_text(json.dumps(to_jsonable(payload), indent=2))


def main(argv: list[str] | None = None) -> int:
    from sosrmt.ml import STUDIES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("studies", nargs="*", help="default: all seven")
    parser.add_argument("--quick", action="store_true", help="quick mode (a smoke run)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per study")
    parser.add_argument("--out", type=Path, default=Path("docs/results/ml"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.quick, args.out / args.child)
        return 0
    names = args.studies or [e.name for e in STUDIES]
    for name in names:
        folder = args.out / name
        folder.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, __file__, "--child", name, "--out", str(args.out)]
        cmd += ["--quick"] if args.quick else []
        t0 = time.perf_counter()
        print(f"{name}: running (limit {args.timeout:.0f} s)", flush=True)
        try:
            proc = subprocess.run(cmd, timeout=args.timeout, capture_output=True, text=True)
            status = "done" if proc.returncode == 0 else f"failed (exit {proc.returncode})"
            if proc.returncode != 0:
                (folder / "error.txt").write_text(proc.stderr[-4000:])
        except subprocess.TimeoutExpired:
            status = "timeout"
        wall = time.perf_counter() - t0
        if status != "done":
            record = {"study": name, "quick": args.quick, "status": status,
                      "timeout_s": args.timeout, "wall_s": round(wall, 1),
                      "versions": versions()}
            (folder / f"{name}.json").write_text(json.dumps(record, indent=2))
        print(f"{name}: {status} in {wall:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
