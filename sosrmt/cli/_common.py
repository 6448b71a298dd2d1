"""Helpers shared by the subcommands: common options, JSON output, text tables."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sosrmt._report import format_table, to_jsonable

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


def emit(args: argparse.Namespace, payload: Mapping[str, Any], text: str) -> None:
    """Print ``payload`` as JSON when ``--json`` was given, else the human ``text``."""
    if getattr(args, "json", False):
        json.dump(to_jsonable(payload), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(text)
