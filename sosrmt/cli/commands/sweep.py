"""``sosrmt sweep run|show|export|plot``: parameter sweeps with a resumable result store."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from sosrmt.cli._common import add_common_arguments, emit, format_table


def _csv_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sweep", help="run a sweep spec into an SQLite store; show, export and plot it",
        description="Parameter x seed sweeps with an embedded, resumable SQLite store.")
    sub = parser.add_subparsers(dest="sweep_command", metavar="ACTION", required=True)

    p = sub.add_parser("run", help="run (or resume) a TOML sweep spec")
    p.add_argument("spec", type=Path, help="TOML spec: job, seeds, seed, store, [params]")
    p.add_argument("--store", type=Path, default=None,
                   help="SQLite store (default: the spec's, else results.sqlite next to it)")
    ex = p.add_mutually_exclusive_group()
    ex.add_argument("--jobs", "-j", type=int, default=None,
                    help="worker processes of the local pool (default: available cores)")
    ex.add_argument("--serial", action="store_true", help="run in this process, in order")
    ex.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="Dask scheduler address, e.g. tcp://host:8786 (distributed extra)")
    ex.add_argument("--dask-local", type=int, default=None, metavar="N",
                    help="start a Dask LocalCluster with N workers (distributed extra)")
    p.add_argument("--no-retry-failed", action="store_true",
                   help="skip cells whose stored row is an error instead of running them again")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="stop a cell that runs longer and store it as a timeout error "
                        "(local process pool only)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar, no messages")
    p.add_argument("--seed", type=int, default=None,
                   help="root seed (default: the spec's seed, else 0)")
    add_common_arguments(p, seed=False)
    p.set_defaults(func=run_run)

    p = sub.add_parser("show", help="table of a store aggregated over seeds")
    p.add_argument("store", type=Path)
    p.add_argument("--by", type=_csv_list, default=None,
                   help="comma-separated columns to group by (default: the parameters)")
    p.add_argument("--metrics", type=_csv_list, default=None,
                   help="comma-separated results to summarise (default: numeric results)")
    p.add_argument("--job", default=None, help="only rows of this job (module:function)")
    p.add_argument("--failed", action="store_true", help="list the failed cells instead")
    add_common_arguments(p, seed=False)
    p.set_defaults(func=run_show)

    p = sub.add_parser("export", help="export the rows to CSV (or parquet with pyarrow)")
    p.add_argument("store", type=Path)
    p.add_argument("out", type=Path, help="output .csv or .parquet file")
    p.add_argument("--all", action="store_true", help="also export failed rows")
    add_common_arguments(p, seed=False)
    p.set_defaults(func=run_export)

    p = sub.add_parser("plot", help="plot y against x with error bars, slope fit, theory")
    p.add_argument("store", type=Path)
    p.add_argument("--x", required=True, help="column on the horizontal axis (e.g. n)")
    p.add_argument("--y", required=True, help="column on the vertical axis (e.g. norm)")
    p.add_argument("--loglog", action="store_true", help="logarithmic axes")
    p.add_argument("--fit", action="store_true", help="fit and draw the log-log slope")
    p.add_argument("--x-min", type=float, default=None,
                   help="fit only the points with x >= X_MIN")
    p.add_argument("--theory", default=None, help='theory curve in x, e.g. "n**1.0"')
    p.add_argument("--theory-absolute", action="store_true",
                   help="draw the theory as written (default: scaled to the data)")
    p.add_argument("--by", type=_csv_list, default=None,
                   help="comma-separated columns splitting the series")
    p.add_argument("--job", default=None, help="only rows of this job (module:function)")
    p.add_argument("--title", default=None, help="figure title (default: none)")
    p.add_argument("--out", type=Path, default=None,
                   help="PNG file (default: <store stem>_<y>_vs_<x>.png next to the store)")
    add_common_arguments(p, seed=False)
    p.set_defaults(func=run_plot)


def run_run(args: argparse.Namespace) -> int:
    from sosrmt.sweep import Grid, aggregate, dask_executor, load_spec, run_sweep

    spec = load_spec(args.spec)
    grid = spec.grid if args.seed is None else Grid(spec.grid.params, spec.grid.seeds,
                                                    method_params=spec.grid.method_params,
                                                    seed=args.seed)
    store = args.store if args.store is not None else spec.store
    executor = "serial" if args.serial else None
    ctx: contextlib.AbstractContextManager = contextlib.nullcontext(executor)
    if args.scheduler is not None or args.dask_local is not None:
        ctx = dask_executor(args.scheduler, n_workers=args.dask_local)
    with ctx as ex:
        rows = run_sweep(spec.job, grid, store=store, jobs=args.jobs, executor=ex,
                         quiet=args.quiet or False, retry_failed=not args.no_retry_failed,
                         timeout=args.timeout, argv=sys.argv)
    ok = [r for r in rows if r["status"] == "ok"]
    failed = [r for r in rows if r["status"] != "ok"]
    table = aggregate(ok) if ok else []
    payload = {"job": spec.job, "store": store, "cells": len(grid), "ok": len(ok),
               "failed": len(failed), "seed": grid.seed, "table": table,
               "errors": [{**r.params, "replicate": r["replicate"], "error": r["error"]}
                          for r in failed]}
    lines = [f"{spec.job}: {len(grid)} cells, {len(ok)} ok, {len(failed)} failed; "
             f"store {store}"]
    if table:
        lines.append(_table_text(table))
    for r in failed[:10]:
        lines.append(f"  failed {r.params} replicate {r['replicate']}: {r['error']}")
    emit(args, payload, "\n".join(lines))
    return 0 if not failed else 1


def _table_text(table: list[dict]) -> str:
    if not table:
        return "(no finished rows)"
    metrics = [k[:-5] for k in table[0] if k.endswith("_mean")]
    by = [k for k in table[0] if k != "count" and not any(
        k == f"{m}{s}" for m in metrics for s in ("_mean", "_se", "_count"))]
    cols = [*by, "count"]
    for m in metrics:
        cols += [f"{m}_mean", f"{m}_se"]
    return format_table(table, cols)


def run_show(args: argparse.Namespace) -> int:
    from sosrmt.sweep import Store, aggregate

    with Store(args.store, readonly=True) as st:
        ok = st.rows(status="ok", job=args.job)
        errors = st.rows(status="error", job=args.job)
        finished = st.finished_keys()
        runs = st.runs()
    if args.failed:
        still = [r for r in errors if r["key"] not in finished]
        payload = {"store": args.store, "failed": [
            {"job": r["job"], **r.params, "replicate": r["replicate"], "error": r["error"],
             "traceback": r["traceback"]} for r in still]}
        text = "\n".join(f"{r['job']} {r.params} replicate {r['replicate']}: {r['error']}"
                         for r in still) or "no failed cell"
        emit(args, payload, text)
        return 0
    jobs = sorted({r["job"] for r in ok})
    tables = {job: aggregate([r for r in ok if r["job"] == job], by=args.by,
                             metrics=args.metrics) for job in jobs}
    payload = {"store": args.store, "ok": len(ok), "errors": len(errors), "runs": len(runs),
               "tables": tables}
    lines = [f"{args.store}: {len(ok)} finished rows, {len(errors)} error rows, "
             f"{len(runs)} runs"]
    for job, table in tables.items():
        lines += ["", f"job {job}", _table_text(table)]
    emit(args, payload, "\n".join(lines))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from sosrmt.sweep import Store, export_rows

    with Store(args.store, readonly=True) as st:
        rows = st.rows(status=None if args.all else "ok")
    path = export_rows(rows, args.out)
    emit(args, {"path": path, "rows": len(rows)}, f"wrote {len(rows)} rows to {path}")
    return 0


def run_plot(args: argparse.Namespace) -> int:
    from sosrmt.sweep import Store, plot_sweep

    with Store(args.store, readonly=True) as st:
        rows = st.rows(status="ok", job=args.job)
    if len({r["job"] for r in rows}) > 1:
        raise ValueError(f"--job: the store holds rows of several jobs "
                         f"({sorted({r['job'] for r in rows})}); choose one")
    out = args.out or args.store.with_name(f"{args.store.stem}_{args.y}_vs_{args.x}.png")
    res = plot_sweep(rows, x=args.x, y=args.y, path=out, loglog=args.loglog, fit=args.fit,
                     x_min=args.x_min, theory=args.theory,
                     theory_scale="absolute" if args.theory_absolute else "fit",
                     by=args.by, title=args.title)
    payload = {"path": res.path, "fits": {k: f.to_dict() for k, f in res.fits.items()},
               "table": res.table}
    lines = [f"wrote {res.path}"]
    for k, f in res.fits.items():
        restriction = f", x >= {f.x_min:g}" if f.x_min is not None else ""
        lines.append(f"  {k}: slope {f.slope:.4f} ± {f.slope_se:.4f} "
                     f"({f.n_points} points{restriction})")
    emit(args, payload, "\n".join(lines))
    return 0
