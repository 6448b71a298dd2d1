"""Ground-floor reporting helpers every layer may use: JSON conversion, text tables, log-log fits.

Nothing here knows a problem, a solver or the command line; the CLI, the sweep engine,
``graphs``, ``ml`` and the benchmark scripts all format their output with these functions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SlopeFit", "fit_loglog", "format_table", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, paths and non-finite floats to strict-JSON values.

    NaN and infinities become ``None`` (JSON ``null``), so ``json.dumps(...,
    allow_nan=False)`` never fails and SQLite's ``json_extract`` can read the text.

    Examples
    --------
    >>> to_jsonable({"a": np.float64(1.5), "b": [np.int64(2), float("nan")], 3: np.bool_(True)})
    {'a': 1.5, 'b': [2, None], '3': True}
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
    if isinstance(obj, complex | np.complexfloating):
        raise TypeError(f"to_jsonable: complex value {obj!r} has no JSON form")
    if isinstance(obj, Path):
        return str(obj)
    return obj


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
    """Format rows (mappings) as an aligned plain-text table of the given columns.

    Missing values and non-finite floats print as ``-``, booleans as ``yes``/``no``.

    Examples
    --------
    >>> print(format_table([{"n": 4, "v": 0.5}, {"n": 16, "v": None}], ["n", "v"]))
     n    v
    --  ---
     4  0.5
    16    -
    """
    headers = list(headers or columns)
    body = [[_cell(row.get(c), fmt) for c in columns] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    return "\n".join(lines)


@dataclass(frozen=True)
class SlopeFit:
    """A power-law fit ``y ~ C x^slope`` by least squares on ``(log x, log y)``.

    Attributes
    ----------
    slope, slope_se : float
        Fitted exponent and its standard error (NaN with only two points).
    intercept, intercept_se : float
        ``log C`` and its standard error.
    n_points : int
        Points used (those with ``x >= x_min``).
    x_min : float or None
        The restriction applied.
    """

    slope: float
    slope_se: float
    intercept: float
    intercept_se: float
    n_points: int
    x_min: float | None = None
    label: str = field(default="", compare=False)

    def predict(self, x: Any) -> np.ndarray:
        """``exp(intercept) * x**slope``."""
        return np.exp(self.intercept) * np.asarray(x, dtype=float) ** self.slope

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return asdict(self)


def fit_loglog(
    x: Sequence[float],
    y: Sequence[float | None],
    *,
    x_min: float | None = None,
    label: str = "",
    min_points: int = 3,
) -> SlopeFit:
    """Fit ``log y = a + b log x`` by ordinary least squares on the points with ``x >= x_min``.

    Parameters
    ----------
    x, y : sequences of positive numbers
        One point per replicate (not averaged: the scatter between seeds gives the error).
        ``None`` and non-finite values are left out.
    x_min : float, optional
        Leave out the points with ``x < x_min`` (finite-size bias is largest there).
    label : str
        Carried into the result (legend text).
    min_points : int
        Fewest usable points (at least 2; with 2 the standard errors are NaN).

    Returns
    -------
    SlopeFit

    Raises
    ------
    ValueError
        Non-positive values, or fewer than ``min_points`` usable points at 2 distinct ``x``.

    Notes
    -----
    With ``u_i = log x_i``, ``v_i = log y_i`` (``m`` points), ``b = S_uv / S_uu`` and
    ``se(b) = sqrt(sum r_i^2 / (m - 2) / S_uu)`` with residuals ``r_i``
    (``scipy.stats.linregress``). This treats the points as independent with equal
    variance in log scale.

    Examples
    --------
    >>> f = fit_loglog([1, 2, 4, 8], [3, 12, 48, 192])
    >>> round(f.slope, 12), round(f.slope_se, 12), round(float(np.exp(f.intercept)), 12)
    (2.0, 0.0, 3.0)
    """
    from scipy import stats

    if min_points < 2:
        raise ValueError(f"min_points: expected an integer >= 2, got {min_points}")
    xs = np.asarray(x, dtype=float)
    ys = np.asarray([np.nan if v is None else v for v in y], dtype=float)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError(f"x, y: expected two 1-d sequences of equal length, got shapes "
                         f"{xs.shape} and {ys.shape}")
    keep = np.isfinite(xs) & np.isfinite(ys)
    if x_min is not None:
        keep &= xs >= float(x_min)
    xs, ys = xs[keep], ys[keep]
    if np.any(xs <= 0) or np.any(ys <= 0):
        raise ValueError("x, y: a log-log fit needs positive values, found "
                         f"{int(np.sum(xs <= 0))} x <= 0 and {int(np.sum(ys <= 0))} y <= 0")
    if xs.size < min_points or np.unique(xs).size < 2:
        raise ValueError(f"x_min: the fit needs at least {min_points} points at 2 distinct x"
                         f"{f' >= {x_min}' if x_min is not None else ''}, got {xs.size} points "
                         f"at {np.unique(xs).size} distinct x")
    if xs.size == 2:
        u, v = np.log(xs), np.log(ys)
        slope = float((v[1] - v[0]) / (u[1] - u[0]))
        return SlopeFit(slope=slope, slope_se=math.nan, intercept=float(v[0] - slope * u[0]),
                        intercept_se=math.nan, n_points=2,
                        x_min=None if x_min is None else float(x_min), label=label)
    res = stats.linregress(np.log(xs), np.log(ys))
    return SlopeFit(slope=float(res.slope), slope_se=float(res.stderr),
                    intercept=float(res.intercept), intercept_se=float(res.intercept_stderr),
                    n_points=int(xs.size), x_min=None if x_min is None else float(x_min),
                    label=label)
