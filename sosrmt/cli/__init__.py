"""The ``sosrmt`` command line: a thin layer over library functions.

Subcommands live one per module in :mod:`sosrmt.cli.commands`; each module defines
``register(subparsers)`` which adds its parser and sets ``func`` to a function
``run(args) -> int``. Modules are discovered, so adding a command means adding a file.
Nothing below this package imports it.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from sosrmt import __version__

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every discovered subcommand."""
    from sosrmt.cli import commands

    parser = argparse.ArgumentParser(
        prog="sosrmt",
        description="Sum-of-squares relaxations and nonlinear random matrices.",
    )
    parser.add_argument("--version", action="version", version=f"sosrmt {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"sosrmt {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"sosrmt {args.command}: interrupted", file=sys.stderr)
        return 130
