"""Helpers shared by the subcommands: common options, JSON output, text tables."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["add_common_arguments", "emit", "format_table", "to_jsonable"]


def add_common_arguments(
    parser: argparse.ArgumentParser,
    *,
    seed: bool = True,
    out: bool = False,
    default_out: str = "sosrmt-out",
) -> None:
    """Add ``--json`` and (optionally) ``--seed`` and ``--out`` to a subcommand parser."""
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document on stdout and nothing else"
    )
    if seed:
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    if out:
        parser.add_argument(
            "--out",
            type=Path,
            default=Path(default_out),
            help=f"output folder (default ./{default_out})",
        )


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, paths and non-finite floats to JSON-safe values.

    NaN and infinities become ``null`` so that the output is strict JSON.
    """
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def emit(args: argparse.Namespace, payload: Mapping[str, Any], text: str) -> None:
    """Print ``payload`` as JSON when ``--json`` was given, else the human ``text``."""
    if getattr(args, "json", False):
        json.dump(to_jsonable(payload), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(text)


def _cell(value: Any, fmt: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        return "-" if not math.isfinite(value) else format(float(value), fmt)
    return str(value)


def format_table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    headers: Sequence[str] | None = None,
    fmt: str = ".4g",
) -> str:
    """Format rows (dicts) as an aligned plain-text table with the given columns."""
    headers = list(headers or columns)
    body = [[_cell(row.get(c), fmt) for c in columns] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    return "\n".join(lines)
