"""Figures of the SK value chain and of the GOE edge (off pyplot: each returns its Figure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

__all__ = ["PARISI", "plot_goe_edge", "plot_value_chain"]

#: :math:`2P_*`, the limit of OPT / n^{3/2} (Parisi formula; 2 x 0.7632).
PARISI = 2 * 0.7632

_SERIES = {
    "spectral": (r"$n\lambda_{\max}(W)$", {"marker": "^", "color": "C3"}),
    "sos2": ("SOS$_2$ (degree 2, rigorous bound)", {"marker": "v", "color": "C2"}),
    "sos4": ("SOS$_4$ (degree 4, rigorous bound)", {"marker": "o", "color": "C1", "ms": 5}),
    "best_found": ("best cut found (lower bound on OPT)",
                   {"marker": "D", "color": "C4", "fillstyle": "none", "ls": "-."}),
    # drawn last, hollow and larger, so that it stays visible where SOS_4 equals it
    "opt": ("OPT (brute force)",
            {"marker": "s", "ms": 11, "fillstyle": "none", "color": "k", "ls": "--", "mew": 1.5,
             "zorder": 5}),
}


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        fig = ax.figure
        assert isinstance(fig, Figure)
        return fig, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _column(table: Sequence[Mapping[str, Any]], key: str) -> np.ndarray:
    vals = [r.get(key) for r in table]
    return np.array([np.nan if v is None else float(v) for v in vals], dtype=float)


def plot_value_chain(
    table: Sequence[Mapping[str, Any]],
    path: str | Path | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    logx: bool = False,
) -> Figure:
    """Mean OPT, SOS_4, SOS_2 and spectral values (over :math:`n^{3/2}`) against :math:`n`.

    Parameters
    ----------
    table : sequence of dict
        One dict per n with ``n`` and ``<key>_mean`` / ``<key>_se`` entries for keys among
        ``opt``, ``best_found``, ``sos4``, ``sos2``, ``spectral`` (the output of
        :func:`sosrmt.sweep.aggregate` over :func:`~sosrmt.problems.sk.chain_job` rows);
        ``sos4_bound`` and ``sos2_bound``, the rigorous bounds, are drawn instead of the
        values when present.
    path : path, optional
        Write a PNG there.
    ax : Axes, optional
        Draw into it (else a new Figure).
    title : str, optional
    logx : bool
        Logarithmic n axis.

    Notes
    -----
    OPT is drawn last, hollow and larger, so that it stays visible where SOS_4 equals it
    (degree 4 is tight at these sizes); the reference lines 1.526 (Parisi) and 2 (the
    semicircle edge, limit of the spectral and degree-2 values) are labelled, and the legend
    sits outside the axes so that it covers no curve.

    Examples
    --------
    >>> fig = plot_value_chain([{"n": 6, "opt_mean": 1.2, "sos4_mean": 1.2},
    ...                         {"n": 8, "opt_mean": 1.3, "sos4_mean": 1.3}])
    >>> "OPT (brute force)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    True
    """
    fig, ax = _axes(ax, (8.0, 4.2))
    ns = np.array([r["n"] for r in table], dtype=float)
    for key, (label, style) in _SERIES.items():
        if key in ("sos2", "sos4") and any(f"{key}_bound_mean" in r for r in table):
            key = f"{key}_bound"  # the rigorous bound where the table has it
        mean = _column(table, f"{key}_mean")
        if np.all(np.isnan(mean)):
            continue
        err = np.nan_to_num(_column(table, f"{key}_se"))
        ax.errorbar(ns, mean, yerr=err, capsize=3, label=label, **style)
    ax.axhline(PARISI, color="gray", ls=":", lw=1.2, label="Parisi limit of OPT, 1.526")
    ax.axhline(2.0, color="gray", ls="--", lw=1.2,
               label="limit of SOS$_2$ and $n\\lambda_{\\max}$, 2")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel("n")
    ax.set_ylabel(r"value / $n^{3/2}$")
    lo = np.nanmin([ax.get_ylim()[0], PARISI - 0.1])
    ax.set_ylim(lo, max(ax.get_ylim()[1], 2.1))
    ax.set_title(
        title or r"SK value chain: OPT $\leq$ SOS$_4$ $\leq$ SOS$_2$ $\leq n\lambda_{\max}$"
    )
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_goe_edge(
    table: Sequence[Mapping[str, Any]],
    path: str | Path | None = None,
    *,
    key: str = "norm_over_sqrt_n",
    ax: Axes | None = None,
) -> Figure:
    """:math:`\\|W\\|/\\sqrt n` (mean ± standard error) against n with its limit 2 drawn.

    ``table`` holds one dict per n with ``n``, ``<key>_mean`` and ``<key>_se`` (for
    instance the ``table`` of :func:`sosrmt.sweep.demo_sweep`).

    Examples
    --------
    >>> fig = plot_goe_edge([{"n": 10, "norm_over_sqrt_n_mean": 1.8,
    ...                       "norm_over_sqrt_n_se": 0.02}])
    >>> ref = [ln for ln in fig.axes[0].lines if ln.get_label().startswith("limit")]
    >>> [tuple(float(v) for v in ln.get_ydata()) for ln in ref]
    [(2.0, 2.0)]
    """
    fig, ax = _axes(ax, (6.0, 4.0))
    ns = np.array([r["n"] for r in table], dtype=float)
    ax.errorbar(ns, _column(table, f"{key}_mean"), yerr=np.nan_to_num(_column(table, f"{key}_se")),
                marker="o", capsize=3, label=r"$\|W\|/\sqrt{n}$ (mean over seeds)")
    ax.axhline(2.0, color="gray", ls="--", label="limit 2 (semicircle edge)")
    ax.set_xscale("log")
    ax.set_xticks(ns, [f"{int(v)}" for v in ns])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("n")
    ax.set_ylabel(r"$\|W\|/\sqrt{n}$")
    ax.set_ylim(min(ax.get_ylim()[0], 1.7), 2.1)
    ax.set_title("GOE: the spectral norm tends to the edge 2 from below")
    ax.legend(fontsize=8, loc="lower right")
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
