"""Tables, log-log slope fits, export and plots of sweep results."""

from __future__ import annotations

import ast
import csv
import json
import math
import numbers
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sosrmt._report import SlopeFit, fit_loglog
from sosrmt.sweep.grid import canonical_json
from sosrmt.sweep.store import Row, Store, read_rows

__all__ = [
    "PlotResult",
    "SlopeFit",
    "aggregate",
    "export_rows",
    "fit_loglog",
    "parse_expression",
    "plot_sweep",
]

RowsLike = Store | str | Path | Iterable[Mapping[str, Any]]


def _rows(rows: RowsLike, status: str | None = "ok") -> list[Mapping[str, Any]]:
    if isinstance(rows, Store | str | Path):
        return list(read_rows(rows, status=status))
    out = list(rows)
    if status is not None:
        out = [r for r in out if r.get("status", "ok") == status]
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, str)


def _names(rows: Sequence[Mapping[str, Any]], attr: str) -> list[str]:
    seen: dict[str, None] = {}
    for r in rows:
        for k in getattr(r, attr, ()):
            seen[k] = None
    return list(seen)


def aggregate(rows: RowsLike, *, by: Sequence[str] | None = None,
              metrics: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Mean, standard error and count of each metric over the seeds of each group.

    Parameters
    ----------
    rows : rows, Store or path
        Sweep rows; only ``"ok"`` rows are used.
    by : list of str, optional
        Columns to group by (default: every parameter of the rows).
    metrics : list of str, optional
        Numeric columns to summarise (default: every numeric result).

    Returns
    -------
    list of dict
        One dict per group, in order of first appearance: the ``by`` values, ``count``
        (rows in the group) and for each metric ``m``: ``m_mean``, ``m_se``, ``m_count``.

    Notes
    -----
    For the ``k`` finite values ``v_i`` of a metric in a group, ``mean = sum v_i / k`` and
    ``se = s / sqrt(k)`` with ``s`` the sample standard deviation (``ddof = 1``);
    ``se`` is NaN when ``k < 2``. None and NaN values are left out of ``k``.

    Examples
    --------
    >>> rows = [{"n": 1, "v": 1.0}, {"n": 1, "v": 3.0}, {"n": 2, "v": 5.0}]
    >>> aggregate(rows, by=["n"], metrics=["v"])[0]
    {'n': 1, 'count': 2, 'v_mean': 2.0, 'v_se': 1.0, 'v_count': 2}
    """
    data = _rows(rows)
    if by is None:
        if data and not isinstance(data[0], Row):
            raise ValueError("by: give the columns to group by (plain dict rows)")
        by = _names(data, "param_names")
    if metrics is None:
        if data and not isinstance(data[0], Row):
            raise ValueError("metrics: give the columns to summarise (plain dict rows)")
        metrics = [m for m in _names(data, "result_names")
                   if any(_is_number(r.get(m)) and not isinstance(r.get(m), bool)
                          for r in data)]
    by, metrics = list(by), list(metrics)
    for col in by + metrics:
        if data and all(col not in r for r in data):
            raise ValueError(f"{'by' if col in by else 'metrics'}: no column {col!r} in the "
                             f"rows (columns: {sorted(set().union(*map(set, data)))})")
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in data:
        groups.setdefault(canonical_json([r.get(b) for b in by]), []).append(r)
    out = []
    for members in groups.values():
        entry: dict[str, Any] = {b: members[0].get(b) for b in by}
        entry["count"] = len(members)
        for m in metrics:
            vals = np.array([float(r[m]) for r in members if _is_number(r.get(m))
                             and math.isfinite(float(r[m]))], dtype=float)
            k = int(vals.size)
            entry[f"{m}_mean"] = float(vals.mean()) if k else math.nan
            entry[f"{m}_se"] = float(vals.std(ddof=1) / math.sqrt(k)) if k >= 2 else math.nan
            entry[f"{m}_count"] = k
        out.append(entry)
    return out


# The one log-log fit of the package lives in sosrmt._report (re-exported here).

# --------------------------------------------------------------------------- theory lines

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow,
}
_FUNCS: dict[str, Callable[[Any], Any]] = {
    "sqrt": np.sqrt, "log": np.log, "log2": np.log2, "log10": np.log10, "exp": np.exp,
}
_CONSTS = {"pi": math.pi, "e": math.e}


def parse_expression(expr: str, variable: str) -> Callable[[np.ndarray], np.ndarray]:
    """Compile a theory expression such as ``"n**1.0"`` or ``"2*sqrt(n)*log(n)"``.

    Only numbers, the variable (or ``x``), ``pi``, ``e``, ``+ - * / **`` and the
    functions sqrt, log, log2, log10 and exp are allowed; nothing is ``eval``-ed.

    Examples
    --------
    >>> f = parse_expression("2*n**0.5", "n")
    >>> f(np.array([4.0, 9.0])).tolist()
    [4.0, 6.0]
    """
    if not isinstance(expr, str):
        raise TypeError(f"theory: expected an expression string, got {type(expr).__name__}")
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"theory: cannot parse {expr!r} ({exc.msg})") from None

    def check(node: ast.AST) -> None:
        if isinstance(node, ast.Expression):
            check(node.body)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            check(node.left)
            check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            check(node.operand)
        elif isinstance(node, ast.Constant) and _is_number(node.value) and not isinstance(
                node.value, bool):
            pass
        elif isinstance(node, ast.Name) and node.id in {variable, "x", *_CONSTS}:
            pass
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in _FUNCS and len(node.args) == 1 and not node.keywords):
            check(node.args[0])
        else:
            raise ValueError(f"theory: {expr!r} uses {ast.unparse(node)!r}; allowed are "
                             f"numbers, {variable!r}, pi, e, + - * / ** and "
                             f"{', '.join(_FUNCS)}")

    check(tree)

    def evaluate(node: ast.AST, xv: np.ndarray) -> Any:
        if isinstance(node, ast.Expression):
            return evaluate(node.body, xv)
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](evaluate(node.left, xv), evaluate(node.right, xv))
        if isinstance(node, ast.UnaryOp):
            v = evaluate(node.operand, xv)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return _CONSTS[node.id] if node.id in _CONSTS else xv
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        return _FUNCS[node.func.id](evaluate(node.args[0], xv))

    def f(xv: np.ndarray) -> np.ndarray:
        arr = np.asarray(xv, dtype=float)
        return np.broadcast_to(np.asarray(evaluate(tree, arr), dtype=float), arr.shape)

    return f


# --------------------------------------------------------------------------- export

_EXPORT_META = ("row_id", "run_id", "job", "cell", "seed", "replicate", "status", "wall_time",
                "cpu_time", "started_at", "finished_at", "host", "pid")
_EXPORT_TAIL = ("error", "spawn_key", "versions", "traceback")


def export_rows(rows: RowsLike, path: str | Path, *, status: str | None = None) -> Path:
    """Write rows to CSV, or parquet when ``path`` ends in ``.parquet`` (needs pyarrow).

    Columns: bookkeeping (row id, run, job, cell, seed, replicate, status, wall and CPU
    time, start and finish times, host, pid), the parameters, the results, then error,
    spawn key, versions (JSON) and traceback. ``status=None`` exports every row,
    ``"ok"`` only the finished ones.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = export_rows([{"status": "ok", "n": 1, "v": 2.5}], p)
    >>> p.read_text().splitlines()[1].split(",")[-5:-4]
    ['2.5']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"path: expected a .csv or .parquet file name, got {str(path)!r}")
    data = _rows(rows, status=status)
    params = _names(data, "param_names")
    results = _names(data, "result_names")
    if data and not isinstance(data[0], Row):  # plain dicts: every other key is a column
        known = set(_EXPORT_META) | set(_EXPORT_TAIL) | {"key"}
        results = list(dict.fromkeys(k for r in data for k in r if k not in known))
    columns = ["key", *_EXPORT_META, *params, *results, *_EXPORT_TAIL]

    def value(r: Mapping[str, Any], c: str) -> Any:
        v = r.get(c)
        if c in ("spawn_key", "versions") or isinstance(v, list | dict):
            return None if v is None else json.dumps(v)
        return v

    table = [[value(r, c) for c in columns] for r in data]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"path: cannot create the folder of {str(path)!r} "
                         f"({exc.strerror or exc})") from None
    if suffix == ".parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise ValueError("path: writing parquet needs pyarrow (pip install pyarrow); "
                             "use a .csv path instead") from None
        cols = {c: [row[i] for row in table] for i, c in enumerate(columns)}
        pq.write_table(pa.table(cols), path)
        return path
    try:
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            writer.writerows(table)
    except OSError as exc:
        raise ValueError(f"path: cannot write {str(path)!r} ({exc.strerror or exc})") from None
    return path


# --------------------------------------------------------------------------- plots

@dataclass
class PlotResult:
    """What :func:`plot_sweep` drew: the PNG path, one fit per series, the table."""

    path: Path
    fits: dict[str, SlopeFit]
    table: list[dict[str, Any]]


def plot_sweep(rows: RowsLike, *, x: str, y: str, path: str | Path,
               loglog: bool = True, fit: bool = True, x_min: float | None = None,
               theory: str | None = None, theory_scale: str = "fit",
               by: Sequence[str] | None = None, title: str | None = None,
               xlabel: str | None = None, ylabel: str | None = None) -> PlotResult:
    """Plot mean ``y`` (± one standard error over seeds) against ``x`` and write a PNG.

    Parameters
    ----------
    rows : rows, Store or path
        Sweep rows (only ``"ok"`` rows are used).
    x, y : str
        Column names (a parameter and a numeric result, typically).
    path : path
        PNG file to write.
    loglog : bool
        Logarithmic axes.
    fit : bool
        Fit ``y ~ C x^b`` on the points with ``x >= x_min`` (see :func:`fit_loglog`) and draw
        it; the legend gives ``b ± se``.
    x_min : float, optional
        Restriction of the fit.
    theory : str, optional
        Expression in ``x`` (e.g. ``"n**1.0"``, see :func:`parse_expression`) drawn as a
        dashed line.
    theory_scale : {"fit", "absolute"}
        ``"fit"`` (default) multiplies the theory by the constant that best matches the data
        with ``x >= x_min`` in log scale (geometric mean of ``y / theory``), so that only the
        predicted shape is compared; ``"absolute"`` draws it as written.
    by : list of str, optional
        Columns that split the rows into series (default: the other parameters that take
        more than one value).

    Returns
    -------
    PlotResult

    Examples
    --------
    >>> import tempfile, pathlib
    >>> rows = [{"n": n, "v": 3.0 * n**0.5 * (1 + 0.01 * s)} for n in (4, 16, 64)
    ...         for s in (-1, 1)]
    >>> res = plot_sweep(rows, x="n", y="v", by=[], theory="n**0.5",
    ...                  path=pathlib.Path(tempfile.mkdtemp()) / "p.png")
    >>> round(res.fits["all"].slope, 6)
    0.5
    """
    from matplotlib.figure import Figure

    if theory_scale not in ("fit", "absolute"):
        raise ValueError(f"theory_scale: expected 'fit' or 'absolute', got {theory_scale!r}")
    data = _rows(rows)
    if not data:
        raise ValueError("rows: no finished ('ok') rows to plot")
    columns = set().union(*map(set, data))
    for name, col in (("x", x), ("y", y)):
        if col not in columns:
            raise ValueError(f"{name}: no column {col!r} in the rows "
                             f"(columns: {sorted(c for c in columns if not c.startswith('_'))})")
    theory_fn = parse_expression(theory, x) if theory is not None else None
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"path: expected a .png file name, got {str(path)!r}")
    if by is None:
        params = [p for p in _names(data, "param_names") if p != x]
        by = [p for p in params if len({canonical_json(r.get(p)) for r in data}) > 1]
    by = list(by)
    series: dict[str, list[Mapping[str, Any]]] = {}
    for r in data:
        label = ", ".join(f"{b}={r.get(b)}" for b in by) or "all"
        series.setdefault(label, []).append(r)

    fig = Figure(figsize=(6.4, 4.8))  # no pyplot: the caller's backend is left alone
    ax = fig.add_subplot()
    fits: dict[str, SlopeFit] = {}
    table: list[dict[str, Any]] = []
    theory_drawn = False
    for i, (label, members) in enumerate(series.items()):
        color = f"C{i % 10}"
        pts = [(float(r[x]), float(r[y])) for r in members
               if _is_number(r.get(x)) and _is_number(r.get(y))
               and math.isfinite(float(r[y]))]
        if not pts:
            raise ValueError(f"y: no numeric values of {y!r} against {x!r} in series {label}")
        agg = aggregate([{x: px, y: py} for px, py in pts], by=[x], metrics=[y])
        agg.sort(key=lambda e: e[x])
        for e in agg:
            table.append({**{b: members[0].get(b) for b in by}, **e})
        xs = np.array([e[x] for e in agg])
        means = np.array([e[f"{y}_mean"] for e in agg])
        ses = np.nan_to_num(np.array([e[f"{y}_se"] for e in agg]))
        name = "" if label == "all" else f"{label}: "
        ax.errorbar(xs, means, yerr=ses, fmt="o", color=color, capsize=3, ms=4,
                    label=f"{name}mean ± se ({len(pts)} runs)")
        lo = xs.min() if x_min is None else max(xs.min(), float(x_min))
        if fit:
            sf = fit_loglog([p[0] for p in pts], [p[1] for p in pts], x_min=x_min,
                            label=label)
            fits[label] = sf
            grid = np.geomspace(lo, xs.max(), 50)
            rng_txt = f", {x} ≥ {x_min:g}" if x_min is not None else ""
            ax.plot(grid, sf.predict(grid), "-", color=color, lw=1.2,
                    label=f"{name}fit: slope {sf.slope:.3f} ± {sf.slope_se:.3f}{rng_txt}")
        if theory_fn is not None:
            grid = np.geomspace(xs.min(), xs.max(), 50)
            tv = theory_fn(grid)
            scale = 1.0
            if theory_scale == "fit":
                sel = [(px, py) for px, py in pts if px >= lo]
                ratio = np.log(np.array([py for _, py in sel])) - np.log(
                    theory_fn(np.array([px for px, _ in sel])))
                scale = float(np.exp(np.mean(ratio)))
            ax.plot(grid, scale * tv, "--", color="0.35" if len(series) == 1 else color,
                    lw=1.0, label=None if theory_drawn else
                    (f"theory ∝ {theory}" if theory_scale == "fit" else f"theory {theory}"))
            theory_drawn = True
    if loglog:
        from matplotlib import ticker

        ax.set_xscale("log")
        ax.set_yscale("log")
        plain = ticker.FuncFormatter(lambda v, _: f"{v:g}")
        xs_all = sorted({float(r[x]) for r in data if _is_number(r.get(x))})
        if len(xs_all) <= 12:  # tick every swept x, in plain numbers
            ax.xaxis.set_major_locator(ticker.FixedLocator(xs_all))
            ax.xaxis.set_minor_locator(ticker.NullLocator())
        ax.xaxis.set_major_formatter(plain)
        ax.yaxis.set_major_formatter(plain)
        lo_y, hi_y = ax.get_ylim()
        if hi_y / lo_y < 10:  # less than a decade: label the minor ticks too
            ax.yaxis.set_minor_formatter(plain)
        else:
            ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or (f"{y} (mean ± se over seeds)"))
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    except OSError as exc:
        raise ValueError(f"path: cannot write {str(path)!r} ({exc.strerror or exc})") from None
    return PlotResult(path=path, fits=fits, table=table)
