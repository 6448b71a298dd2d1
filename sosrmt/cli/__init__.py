"""The ``sosrmt`` command line: a thin layer over library functions.

Each subcommand is one module of :mod:`sosrmt.cli.commands` that defines
``register(subparsers)``; :data:`COMMANDS` lists them explicitly, in the order ``sosrmt
--help`` shows them. A command parses its arguments, makes one library call and prints the
result. Nothing below this package imports it.

Errors a user can cause (bad arguments, missing or unreadable files, a store or job that
cannot be loaded, a problem too large for the machine) end in one line on stderr and exit
status 2; ``--debug`` shows the traceback instead. Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys
from collections.abc import Sequence

from sosrmt import __version__

__all__ = ["COMMANDS", "build_parser", "main"]

#: The subcommands, each a module ``sosrmt.cli.commands.<name>``.
COMMANDS: tuple[str, ...] = ("demo", "sk", "graphs", "lowerbound", "anticonc", "sweep", "ml")

#: Exception classes a user can cause; reported in one line (exit status 2).
USER_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,  # includes json/TOML decoding errors
    TypeError,
    OSError,  # missing file, a directory where a file was expected, permission, exists
    EOFError,  # an empty or truncated .npy file
    sqlite3.DatabaseError,  # a file that is not a result store
    MemoryError,
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every subcommand of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="sosrmt",
        description="Sum-of-squares relaxations and nonlinear random matrices.",
    )
    parser.add_argument("--version", action="version", version=f"sosrmt {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show Python tracebacks instead of one-line errors"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"sosrmt.cli.commands.{name}").register(subparsers)
    return parser


def _explain(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return ("out of memory" + (f": {exc}" if str(exc) else "")
                + "; try a smaller size (the estimate is checked before work where known)")
    if isinstance(exc, EOFError):
        return f"the input file ended early (empty or truncated){f': {exc}' if str(exc) else ''}"
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.strerror or exc}: {exc.filename}"
    if isinstance(exc, sqlite3.DatabaseError):
        return f"not a readable result store ({exc})"
    return str(exc) or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        # The reader went away (``sosrmt ... | head``): stop quietly, as coreutils do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM where a sweep turned it into this
        if str(exc) == "SIGTERM":
            print(f"sosrmt {args.command}: terminated (SIGTERM)", file=sys.stderr)
            return 143
        print(f"sosrmt {args.command}: interrupted", file=sys.stderr)
        return 130
    except USER_ERRORS as exc:
        if args.debug:
            raise
        print(f"sosrmt {args.command}: error: {_explain(exc)}", file=sys.stderr)
        return 2
