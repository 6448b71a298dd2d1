"""``sosrmt ml <study>``: run one companion ML study (needs the ``ml`` extra)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from sosrmt._report import format_table
from sosrmt.cli._common import add_common_arguments, emit


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ml", help="run a companion ML study (sosrmt.ml); omit the study to list them"
    )
    parser.add_argument("study", nargs="?", help="study name; omit to list the studies")
    parser.add_argument(
        "--full", action="store_true", help="paper-scale settings instead of the quick mode"
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        metavar="K",
        help="run seeds SEED..SEED+K-1 and report mean and standard error (default 1)",
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


def _list(args: argparse.Namespace) -> int:
    from sosrmt.ml import study_status

    rows = [
        {
            "study": s.entry.name,
            "status": "available" if s.available else s.install_hint,
            "summary": s.study.summary if s.study is not None else "",
        }
        for s in study_status()
    ]
    emit(args, {"studies": rows}, format_table(rows, ["study", "status", "summary"]))
    return 0


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out += _flatten(value, name + ".")
        else:
            out.append((name, value))
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return format(value, ".4g")
    if isinstance(value, list | tuple):
        if len(value) > 12:
            return f"[{len(value)} values]"
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return "-" if value is None else str(value)


def _metric_lines(metrics: Mapping[str, Any]) -> list[str]:
    if "mean" in metrics and "sem" in metrics:  # several seeds: mean ± standard error
        sem = dict(_flatten(metrics["sem"]))
        lines = []
        for key, mean in _flatten(metrics["mean"]):
            err = sem.get(key)
            if isinstance(mean, list):
                pairs = [f"{_fmt(m)} ± {_fmt(e)}" for m, e in zip(mean, err, strict=True)]
                shown = "[" + ", ".join(pairs) + "]"
                text = shown if len(pairs) <= 12 else f"[{len(pairs)} values]"
            else:
                text = f"{_fmt(mean)} ± {_fmt(err)}"
            lines.append(f"  {key}: {text}")
        return lines
    return [f"  {key}: {_fmt(value)}" for key, value in _flatten(metrics)]


def run(args: argparse.Namespace) -> int:
    if args.study is None:
        return _list(args)
    from sosrmt.ml import run_seeds, study_status

    status = {s.entry.name: s for s in study_status()}
    if args.study not in status:
        raise ValueError(f"study: expected one of {sorted(status)}, got {args.study!r}")
    entry = status[args.study]
    if entry.study is None:
        raise ValueError(f"study {args.study!r} is not available here; {entry.install_hint}")
    if args.seeds < 1:
        raise ValueError(f"--seeds: expected a positive number of seeds, got {args.seeds}")
    study = entry.study
    options = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or key not in study.options:
            raise ValueError(
                f"--option: expected KEY=VALUE with KEY in {sorted(study.options)}, got {item!r}"
            )
        typ = study.options[key][0]
        options[key] = typ(value) if typ is not bool else value.lower() in {"1", "true", "yes"}
    seeds = list(range(args.seed, args.seed + args.seeds))
    if len(seeds) == 1:
        result = study.run(quick=not args.full, seed=args.seed, **options)
    else:
        result = run_seeds(study, seeds, quick=not args.full, **options)
    paths = result.save(args.out)
    payload = result.to_dict() | {"files": [str(p) for p in paths]}
    shown = {k: v for k, v in result.metrics.items() if k != "per_seed"}
    lines = [f"study {result.name} (quick={result.quick}, seeds={seeds})"]
    lines += _metric_lines(shown)
    lines += [f"  note: {n}" for n in result.notes]
    lines += [f"  wrote {p}" for p in paths]
    emit(args, payload, "\n".join(lines))
    return 0
