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
    """Three panels against :math:`N` (log axis), one colour per curve (truncation
    ``trunc``, exponent margin ``eps`` and ``basis`` where the rows have them): the value /
    :math:`N^{3/2}` (filled where the PAP moment matrix is PSD, a red cross where it is not,
    open where undecided) with the edge predictions and the lines 2 and 1.526; the PAP
    :math:`|\\mu_{\\min}|` (same markers); and, log-log, the residual
    :math:`\\max_u|\\tilde E[x_u^2-1]|` (squares), its operator-norm degree-4 version
    ``residual_quad_op`` (triangles) and, where computed, :math:`|\\lambda|` of the SK matrix
    with the constraints imposed exactly (``ml_mu_min``, diamonds). With two axes in
    ``ax`` the third panel is left out. Rows need ``N`` (add it back to sweep rows)."""
    if ax is None:
        fig = Figure(figsize=(15, 6.5))
        axes = list(fig.subplots(1, 3))
        fig.subplots_adjust(bottom=0.36, wspace=0.28)
    else:
        axes = list(ax)
        fig = axes[0].figure
    a0, a1 = axes[0], axes[1]
    a2 = axes[2] if len(axes) > 2 else None
    Ns = np.array([float(r["N"]) for r in rows])
    groups = sorted({_group(r) for r in rows}, key=lambda g: tuple((x is None, x) for x in g))
    for i, key in enumerate(groups):
        tag = _group_label(key).rstrip(", ")
        color = f"C{i % 10}"
        for flag, style, label in ((True, dict(marker="o", color=color), ""),
                                   (False, dict(marker="x", color="red", ms=9, mew=2),
                                    ", NOT PSD: invalid"),
                                   (None, dict(marker="o", mfc="none", color=color),
                                    ", undecided")):
            sel = [j for j, r in enumerate(rows) if _group(r) == key and r.get("psd") is flag]
            if not sel:
                continue
            a0.plot(Ns[sel], [float(rows[j]["value_scaled"]) for j in sel], ls="",
                    label=f"{tag}{label}", **style)
            a1.plot(Ns[sel], [abs(float(rows[j]["mu_min"])) for j in sel], ls="", **style)
            if flag is False:      # keep the curve's colour visible under the red cross
                a0.plot(Ns[sel], [float(rows[j]["value_scaled"]) for j in sel], ls="",
                        marker="o", mfc="none", color=color, ms=11)
        if a2 is not None:
            sel = [j for j, r in enumerate(rows) if _group(r) == key]
            for k, mk in (("residual", "s"), ("residual_quad_op", "^"), ("ml_mu_min", "D")):
                pts = [(Ns[j], abs(float(rows[j][k]))) for j in sel
                       if rows[j].get(k) is not None and np.isfinite(rows[j][k])]
                if pts:
                    a2.plot(*zip(*pts, strict=True), ls="", marker=mk, mfc="none", color=color)
    grid = np.unique(Ns)
    margins = sorted({r.get("eps") for r in rows}, key=lambda e: (e is None, e))
    for k, eps in enumerate(margins):
        sel = [r for r in rows if r.get("eps") == eps]
        xs = sorted({float(r["N"]) for r in sel})
        edge = [np.mean([r["edge_prediction"] for r in sel if float(r["N"]) == g]) for g in xs]
        tag = "" if eps is None else f", p=N^{2 / 3 + float(eps):.2f}"
        a0.plot(xs, edge, ls=("--", "-.", ":", "--")[k % 4], color="gray",
                label=r"edge $2-(3\pi p/2N)^{2/3}$" + tag)
    a0.axhline(2.0, color="k", lw=0.8, label="2 (spectral limit)")
    a0.axhline(1.526, color="k", lw=0.8, ls=":", label="1.526 (Parisi)")
    a0.set_ylabel(r"$\tilde E[x^\top Wx]/(\tilde E[1]N^{3/2})$")
    a1.set_ylabel(r"$|\mu_{\min}|$ of the PAP moment matrix")
    a1.set_yscale("log")
    panels = [a0, a1]
    if a2 is not None:
        a2.set_yscale("log")
        a2.set_ylabel("residuals / $\\tilde E[1]$; $|\\lambda|$ with exact constraints")
        for mk, lab in (("s", r"max$_u|\tilde E[x_u^2-1]|$"),
                        ("^", r"max$_u\|\tilde E[(x_u^2-1)xx^\top]\|_{op}$"),
                        ("D", r"$|\lambda_{\min}|$, constraints exact")):
            a2.plot([], [], ls="", marker=mk, mfc="none", color="k", label=lab)
        a2.legend(fontsize=7, loc="best")
        panels.append(a2)
    for a in panels:
        a.set_xscale("log")
        a.set_xlabel("N")
        a.set_xticks(grid, [f"{g:g}" for g in grid])
        a.minorticks_off()
    if ax is None:
        fig.legend(*a0.get_legend_handles_labels(), loc="lower center", ncol=4, fontsize=7,
                   frameon=False)
    else:
        a0.legend(fontsize=7)
    if any(r.get("psd") is False for r in rows):
        a1.set_title("red crosses: truncated construction NOT PSD", color="red", fontsize=9)
    if path is not None:
        fig.savefig(path)
    return fig
