"""Scaling of the PAP-to-SK transfer with :math:`N`: log-log fits and the figure.

Rows are those of :func:`~sosrmt.problems.sk_transfer.transfer_at_scale` (``as_dict()``),
or sweep rows of ``"sosrmt.problems.sk_transfer:transfer_scale_cell"`` with ``N`` added back.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sosrmt._report import SlopeFit, fit_loglog

__all__ = ["plot_transfer_scaling", "scaling_fits"]

_FIT_KEYS = ("value_scaled", "mu_min", "residual", "residual_quad", "residual_quad_op",
             "ml_mu_min")


def scaling_fits(rows: Sequence[dict[str, Any]], *, x_min: float | None = None
                 ) -> dict[str, SlopeFit | None]:
    """Log-log slopes against :math:`N` (:func:`sosrmt._report.fit_loglog`) of
    ``value_scaled``, ``|mu_min|``, ``residual``, ``residual_quad``, ``residual_quad_op``
    and ``|ml_mu_min|``; None where fewer than three usable points exist (or the key is
    absent). Rows need ``N`` (add it back to sweep rows).

    Examples
    --------
    >>> rows = [{"N": n, "value_scaled": 1.0, "mu_min": -n, "residual": n**-0.5,
    ...          "residual_quad": 1.0} for n in (100, 200, 400)]
    >>> round(scaling_fits(rows)["residual"].slope, 6)
    -0.5
    """
    out: dict[str, SlopeFit | None] = {}
    for key in _FIT_KEYS:
        xs = [float(r["N"]) for r in rows]
        ys = [None if r.get(key) is None or not np.isfinite(r[key]) or r[key] == 0
              else abs(float(r[key])) for r in rows]
        try:
            out[key] = fit_loglog(xs, ys, x_min=x_min, label=key)
        except ValueError:
            out[key] = None
    return out


def _group(row: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The curve a row belongs to: (truncation, exponent margin, basis), None where absent."""
    return (row.get("trunc"), row.get("eps"), row.get("basis"))


def _group_label(key: tuple[Any, Any, Any]) -> str:
    trunc, eps, basis = key
    parts = ([] if trunc is None else [f"D={trunc}"]) + (
        [] if eps is None else [f"p=N^{2 / 3 + float(eps):.2f}"]) + (
        [] if basis in (None, "frame") else [str(basis)])
    return "".join(part + ", " for part in parts)


def plot_transfer_scaling(rows: Sequence[dict[str, Any]], *, ax: Sequence[Axes] | None = None,
                          path: str | Path | None = None) -> Figure:
    """Two panels against :math:`N` (log axis): the value / :math:`N^{3/2}` (filled where
    the moment matrix is PSD, a red cross where it is not, open where undecided; one colour
    per curve: truncation ``trunc``, exponent margin ``eps`` and ``basis`` where the rows
    have them) with the edge prediction and the lines 2 and 1.526; and
    :math:`|\\mu_{\\min}|` (same markers) and the residuals (log-log). Rows need ``N`` (add
    it back to sweep rows)."""
    if ax is None:
        fig = Figure(figsize=(10, 4))
        axes = fig.subplots(1, 2)
    else:
        axes = list(ax)
        fig = axes[0].figure
    a0, a1 = axes
    Ns = np.array([float(r["N"]) for r in rows])
    groups = sorted({_group(r) for r in rows}, key=lambda g: tuple((x is None, x) for x in g))
    for i, key in enumerate(groups):
        tag = _group_label(key)
        color = f"C{i % 10}"
        for flag, style, label in ((True, dict(marker="o", color=color), "PSD"),
                                   (False, dict(marker="x", color="red", ms=9),
                                    "NOT PSD: invalid"),
                                   (None, dict(marker="o", mfc="none", color=color),
                                    "undecided")):
            sel = [j for j, r in enumerate(rows) if _group(r) == key and r.get("psd") is flag]
            if sel:
                a0.plot(Ns[sel], [float(rows[j]["value_scaled"]) for j in sel], ls="",
                        label=f"pseudo-calibrated value ({tag}{label})", **style)
                a1.plot(Ns[sel], [abs(float(rows[j]["mu_min"])) for j in sel], ls="",
                        label=rf"$|\mu_{{\min}}|$ PAP ({tag}{label})", **style)
    grid = np.unique(Ns)
    margins = sorted({r.get("eps") for r in rows}, key=lambda e: (e is None, e))
    for k, eps in enumerate(margins):
        sel = [r for r in rows if r.get("eps") == eps]
        xs = sorted({float(r["N"]) for r in sel})
        edge = [np.mean([r["edge_prediction"] for r in sel if float(r["N"]) == g]) for g in xs]
        tag = "" if eps is None else f", p=N^{2 / 3 + float(eps):.2f}"
        a0.plot(xs, edge, "--", color="gray", alpha=1.0 - 0.25 * min(k, 3),
                label=r"edge $2-(3\pi p/2N)^{2/3}$" + tag)
    a0.axhline(2.0, color="k", lw=0.8, label="2 (spectral limit)")
    a0.axhline(1.526, color="gray", lw=0.8, ls=":", label="1.526 (Parisi)")
    a0.set_xscale("log")
    a0.set_xlabel("N")
    a0.set_ylabel(r"$\tilde E[x^\top Wx]/N^{3/2}$")
    a0.legend(fontsize=7)
    for key, mk, lab in (("residual", "s", r"max$_u|\tilde E[x_u^2-1]|$"),
                         ("residual_quad", "^", r"max$|\tilde E[(x_u^2-1)x_ax_b]|$")):
        ys = np.array([abs(float(r[key])) if r.get(key) is not None else np.nan
                       for r in rows])
        a1.plot(Ns, ys, mk, color="gray" if key == "residual" else "k", mfc="none",
                label=lab + r" / $\tilde E[1]$")
    a1.set_xscale("log")
    a1.set_yscale("log")
    a1.set_xlabel("N")
    a1.legend(fontsize=7)
    for a in (a0, a1):
        a.set_xticks(grid, [f"{g:g}" for g in grid])
        a.minorticks_off()
    if any(r.get("psd") is False for r in rows):
        a1.set_title("red crosses: truncated construction NOT PSD", color="red", fontsize=9)
    if path is not None:
        fig.savefig(path)
    return fig
