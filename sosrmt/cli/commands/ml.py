"""``sosrmt ml <study>``: run one companion ML study (needs the ``ml`` extra)."""

from __future__ import annotations

import argparse
import sys

from sosrmt.cli._common import add_common_arguments, emit


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ml", help="run a companion ML study (sosrmt.ml)")
    parser.add_argument("study", nargs="?", help="study name; omit to list the studies")
    parser.add_argument(
        "--full", action="store_true", help="paper-scale settings instead of the quick mode"
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="study-specific option (repeatable)",
    )
    add_common_arguments(parser, out=True, default_out="sosrmt-out/ml")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sosrmt.ml import available_studies

    studies = available_studies()
    if args.study is None:
        text = "\n".join(f"{s.name:24s} {s.summary}" for s in studies.values())
        emit(
            args,
            {"studies": {s.name: s.summary for s in studies.values()}},
            text or "no study available (install the ml extra: pip install 'sosrmt[ml]')",
        )
        return 0
    if args.study not in studies:
        raise ValueError(
            f"study: expected one of {sorted(studies)}, got {args.study!r} "
            "(a study needing torch is listed only when the ml extra is installed)"
        )
    study = studies[args.study]
    options = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or key not in study.options:
            raise ValueError(
                f"--option: expected KEY=VALUE with KEY in {sorted(study.options)}, got {item!r}"
            )
        typ = study.options[key][0]
        options[key] = typ(value) if typ is not bool else value.lower() in {"1", "true", "yes"}
    result = study.run(quick=not args.full, seed=args.seed, **options)
    paths = result.save(args.out)
    payload = result.to_dict() | {"files": [str(p) for p in paths]}
    lines = [f"study {result.name} (quick={result.quick}, seed={result.seed})"]
    lines += [f"  {k}: {v}" for k, v in result.metrics.items()]
    lines += [f"  note: {n}" for n in result.notes]
    lines += [f"  wrote {p}" for p in paths]
    emit(args, payload, "\n".join(lines))
    if not args.json:
        sys.stdout.flush()
    return 0
