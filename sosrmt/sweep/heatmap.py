"""Heat maps of sweep results: one row of panels per value, one panel per group.

Generic: the rows are flat dicts (as :func:`sosrmt.sweep.run_sweep` or
:func:`sosrmt.sweep.aggregate` return them) and the caller names the keys of the two axes,
of the values and of the panel grouping. Nothing here knows a problem.

Every panel of one value shares one colour scale (one ``Normalize`` object, one colour
bar), so a colour means the same number in every panel. A value listed in ``centred`` uses
a diverging map (``RdBu``: red negative, blue positive) symmetric about 0; a value listed in
``mark_nonnegative`` gets a hatched outline on each cell whose value is >= 0 (e.g. "the
moment matrix is PSD"), so the sign never has to be read from a colour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.colors import Normalize, SymLogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

__all__ = ["NONNEGATIVE_GID", "heatmaps"]

#: ``gid`` of the patches that mark a cell whose value is >= 0.
NONNEGATIVE_GID = "nonnegative-cell"


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _order(v: Any) -> tuple[int, Any]:
    """Numbers first in numeric order, then anything else by its text."""
    return (0, v) if _finite(v) else (1, str(v))


def _norm(values: list[float], *, centred: bool, linthresh: float) -> Normalize:
    if not values:
        return Normalize(vmin=-1.0, vmax=1.0) if centred else Normalize(vmin=0.0, vmax=1.0)
    lo, hi = min(values), max(values)
    if centred:
        top = max(abs(lo), abs(hi), linthresh)
        return SymLogNorm(linthresh=linthresh, vmin=-top, vmax=top)
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return Normalize(vmin=lo, vmax=hi)


def heatmaps(rows: Sequence[Mapping[str, Any]], *, x: str, y: str, values: Sequence[str],
             panel: str | None = None, labels: Mapping[str, str] | None = None,
             centred: Sequence[str] = (), mark_nonnegative: Sequence[str] = (),
             linthresh: float = 0.1, title: str = "",
             path: str | Path | None = None) -> Figure:
    """Draw ``values`` over the grid ``x`` (columns) by ``y`` (rows of each panel).

    Parameters
    ----------
    rows : sequence of dict
        One dict per cell; ``rows[i][x]``, ``rows[i][y]`` (and ``rows[i][panel]``) locate
        it, missing or non-finite values are left blank.
    x, y : str
        Keys of the horizontal and vertical axes.
    values : sequence of str
        Keys drawn, one row of panels each.
    panel : str, optional
        Key that splits the rows into panels (one column per distinct value).
    labels : dict, optional
        Display names of the keys.
    centred : sequence of str
        Values drawn with a diverging map centred at 0 (symmetric-log scale, linear on
        ``[-linthresh, linthresh]``), the same scale in every panel.
    mark_nonnegative : sequence of str
        Values whose cells >= 0 get a hatched outline (patches with ``gid``
        :data:`NONNEGATIVE_GID`).
    linthresh : float
        Linear range of the centred scale.
    title : str
        Figure title.
    path : str or Path, optional
        If given, the figure is saved there.

    Returns
    -------
    matplotlib.figure.Figure
        A figure not registered with pyplot (no global state is touched).

    Examples
    --------
    >>> rows = [{"n": n, "r": r, "t": t, "mu": (1 - r) * t} for n in (4, 6)
    ...         for r in (0.5, 2.0) for t in (1, 2)]
    >>> fig = heatmaps(rows, x="r", y="n", values=["mu"], panel="t", centred=["mu"],
    ...                mark_nonnegative=["mu"])
    >>> len(fig.axes)   # two panels and one shared colour bar
    3
    """
    if not isinstance(values, Sequence) or isinstance(values, str) or not values:
        raise ValueError(f"values: expected a non-empty list of keys, got {values!r}")
    labels = dict(labels or {})
    rows = list(rows)
    groups = sorted({r.get(panel) for r in rows}, key=_order) if panel else [None]
    xs = sorted({r[x] for r in rows if x in r}, key=_order)
    ys = sorted({r[y] for r in rows if y in r}, key=_order)
    fig = Figure(figsize=(3.4 * len(groups) + 1.2, 2.7 * len(values)), layout="constrained")
    axes = fig.subplots(len(values), len(groups), squeeze=False)
    for i, key in enumerate(values):
        finite = [float(r[key]) for r in rows if _finite(r.get(key))]
        norm = _norm(finite, centred=key in centred, linthresh=linthresh)
        cmap = "RdBu" if key in centred else "viridis"
        image = None
        for j, g in enumerate(groups):
            ax = axes[i][j]
            grid = np.full((len(ys), len(xs)), np.nan)
            for r in rows:
                if (panel is None or r.get(panel) == g) and _finite(r.get(key)):
                    grid[ys.index(r[y]), xs.index(r[x])] = float(r[key])
            image = ax.imshow(grid, origin="lower", aspect="auto", cmap=cmap, norm=norm)
            for (a, b), v in np.ndenumerate(grid):
                if not np.isfinite(v):
                    continue
                ax.text(b, a, f"{v:.2g}", ha="center", va="center", fontsize=7)
                if key in mark_nonnegative and v >= 0:
                    ax.add_patch(Rectangle((b - 0.45, a - 0.45), 0.9, 0.9, fill=False,
                                           hatch="//", edgecolor="k", linewidth=1.2,
                                           gid=NONNEGATIVE_GID))
            ax.set_xticks(range(len(xs)), [f"{v:g}" if _finite(v) else str(v) for v in xs])
            ax.set_yticks(range(len(ys)), [f"{v:g}" if _finite(v) else str(v) for v in ys])
            ax.set_xlabel(labels.get(x, x))
            ax.set_ylabel(labels.get(y, y))
            name = labels.get(key, key)
            ax.set_title(name if panel is None else f"{name}, {labels.get(panel, panel)}={g}",
                         fontsize=9)
        bar_label = labels.get(key, key)
        if key in mark_nonnegative:
            bar_label += " (hatched: >= 0)"
        fig.colorbar(image, ax=list(axes[i]), label=bar_label)
    if title:
        fig.suptitle(title)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
