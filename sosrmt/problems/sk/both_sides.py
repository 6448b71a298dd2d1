"""SK from both sides: every computable curve of value / n^{3/2} against n, through a sweep store.

Per size n and seed (one sweep cell, :func:`both_sides_cell`): OPT by brute force
(n <= 28) or the best cut found beyond (a lower bound, never OPT), the degree-4 SoS bound
(n <= ``sos4_max``), the degree-2 bound by Burer--Monteiro, :math:`n\\lambda_{\\max}`, and
the PAP-to-SK transfer value (n <= ``transfer_max``; the Hermite-truncated
pseudo-calibration in its factored shape form, with subspace dimension
:math:`p\\approx n^{0.72}`, to thousands, with its PSD status and constraint residual
stored beside it). :func:`both_sides_params` checks the sweep's
parameters (``sosrmt sk --both-sides`` runs the cells through :func:`sosrmt.sweep.run_sweep`,
resumable, with provenance), :func:`summarize_both_sides` aggregates the rows and
:func:`plot_both_sides` draws the figure with the reference lines 1.526 (Parisi) and 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from sosrmt._validation import as_rng, check_int
from sosrmt.problems.sk.bounds import _burer_monteiro, _spectral
from sosrmt.problems.sk.degree4 import sos4_bounds as _sos4_bounds
from sosrmt.problems.sk.exact import BRUTE_FORCE_MAX_N, _brute_force
from sosrmt.problems.sk.heuristic import _best_cut
from sosrmt.problems.sk.instance import SeedLike, sample_null
from sosrmt.problems.sk.plot import PARISI, _axes
from sosrmt.problems.sk.resources import check_resources, estimate_resources

__all__ = ["both_sides_cell", "both_sides_params", "plot_both_sides", "summarize_both_sides"]

#: Columns of a cell (values divided by n^{3/2}).
CURVES = ("opt", "best_found", "sos4_bound", "sos4_lower", "sos2_bound", "spectral",
          "transfer")
#: Largest constraint residual max_u |E~[x_u^2 - 1]| / E~[1] for which a transfer value counts.
TRANSFER_RESIDUAL_MAX = 0.05


def both_sides_cell(
    *,
    rng: SeedLike,
    n: int,
    sos4_max: int = 24,
    transfer_max: int = 2000,
    p: int | None = None,
    trunc: int = 4,
    sos4_time_limit: float = 1500.0,
) -> dict[str, Any]:
    """Sweep job: every curve that size ``n`` allows, on one null SK instance (results only).

    Degree 4 (:math:`n\\le` ``sos4_max``) goes through :func:`~sosrmt.problems.sk.sos4_bounds`
    (ADMM, at most ``sos4_time_limit`` seconds of iterations): ``sos4_bound`` (rigorous upper
    bound) and ``sos4_lower`` (certified lower bound on SOS_4). The PAP transfer
    (:math:`n\\le` ``transfer_max``) is the factored shape form of
    :func:`~sosrmt.problems.sk_transfer.transfer_at_scale` with subspace dimension ``p``
    (default :func:`~sosrmt.problems.sk_transfer.choose_p`) and Hermite truncation ``trunc``;
    its PSD verdict and constraint residual are recorded, never repaired.

    Examples
    --------
    >>> row = both_sides_cell(rng=0, n=8, sos4_max=8, transfer_max=8, p=3)
    >>> row["opt"] <= row["sos4_bound"] <= row["sos2_bound"] <= row["spectral"] + 1e-9
    True
    """
    n = check_int(n, "n", minimum=4)
    if p is not None:
        p = check_int(p, "p", minimum=2)
    gen = as_rng(rng)
    degrees = (2, 4) if n <= sos4_max else (2,)
    check_resources(estimate_resources(n, degrees=degrees, method="bm",
                                       brute=n <= BRUTE_FORCE_MAX_N))
    W = sample_null(n, rng=gen)
    scale = n**1.5
    out: dict[str, Any] = dict.fromkeys(CURVES)
    bm = _burer_monteiro(W, None, rng=gen, tol=1e-7, maxiter=5000, progress=False)
    out["sos2_bound"] = bm.bound / scale
    if n <= BRUTE_FORCE_MAX_N:
        out["opt"] = _brute_force(W)[0] / scale
    else:
        out["best_found"] = _best_cut(W, rng=gen, V=bm.V)[0] / scale
    if 4 in degrees:
        b4 = _sos4_bounds(W, rng=gen, time_limit=sos4_time_limit)
        out["sos4_status"] = b4.status
        out["sos4_tight"] = b4.tight
        out["sos4_bound"] = None if b4.upper is None else b4.upper / scale
        out["sos4_lower"] = None if b4.lower is None else b4.lower / scale
    out["spectral"] = _spectral(W) / scale
    if n <= transfer_max and (p is None or p < n):
        # imported here: sk_transfer builds on this package
        from sosrmt.problems.sk_transfer import transfer_at_scale

        # the SK-side Lanczos only confirms the PAP verdict (same sign): skipped to halve the time
        tr = transfer_at_scale(W, p, trunc, rng=gen, sk_lanczos=False).as_dict()
        out.update(transfer=tr["value_scaled"], transfer_residual=tr["residual"],
                   transfer_vv_min=tr["mu_min"], transfer_p=tr["p"],
                   transfer_psd=tr["psd"],
                   transfer_psd_low_residual=bool(
                       tr["psd"] and tr["residual"] <= TRANSFER_RESIDUAL_MAX))
    return out


def both_sides_params(
    ns: Sequence[int],
    *,
    sos4_max: int = 24,
    transfer_max: int = 2000,
    p: int | None = None,
    trunc: int = 4,
    sos4_time_limit: float = 1500.0,
) -> dict[str, Any]:
    """The sweep parameters of a both-sides figure, checked (sizes, memory of the largest).

    Run them with ``run_sweep("sosrmt.problems.sk:both_sides_cell", Grid(params, seeds=...,
    method_params=["sos4_max", "transfer_max"]), store=...)`` and summarise the rows with
    :func:`summarize_both_sides` (``sosrmt sk --both-sides`` does exactly this).

    Examples
    --------
    >>> both_sides_params([16, 8])["n"]
    [8, 16]
    """
    sizes = sorted({check_int(v, "n", minimum=4) for v in ns})
    if not sizes:
        raise ValueError("n: expected at least one size")
    check_resources(estimate_resources(sizes[-1], degrees=(2,), method="bm"))
    s4 = [v for v in sizes if v <= sos4_max]
    if s4:
        check_resources(estimate_resources(s4[-1], degrees=(4,), backend="admm"))
    if not sos4_time_limit > 0:
        raise ValueError(f"sos4_time_limit: expected positive seconds, got {sos4_time_limit!r}")
    return {"n": sizes, "sos4_max": check_int(sos4_max, "sos4_max", minimum=0),
            "transfer_max": check_int(transfer_max, "transfer_max", minimum=0),
            "p": None if p is None else check_int(p, "p", minimum=2),
            "trunc": check_int(trunc, "trunc", minimum=0, maximum=7),
            "sos4_time_limit": float(sos4_time_limit)}


def summarize_both_sides(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per n: mean and standard error over seeds of every curve, the transfer's PSD and
    validity fractions and largest residual, and the count of failed cells.

    ``rows`` are sweep rows (``row["status"]``, ``row["n"]`` and the results of
    :func:`both_sides_cell`); None values are left out of a mean (``<curve>_mean`` is None
    when no seed has the curve).

    Examples
    --------
    >>> rows = [{"status": "ok", "n": 8, "opt": 1.0}, {"status": "ok", "n": 8, "opt": 1.2}]
    >>> t = summarize_both_sides(rows)[0]
    >>> t["n"], round(t["opt_mean"], 9), t["count"]
    (8, 1.1, 2)
    """
    table = []
    for n in sorted({int(r["n"]) for r in rows}):
        cell = [r for r in rows if int(r["n"]) == n]
        ok = [r for r in cell if r["status"] == "ok"]
        entry: dict[str, Any] = {"n": n, "count": len(ok), "failed_cells": len(cell) - len(ok)}
        for key in CURVES:
            vals = np.array([float(r[key]) for r in ok if r.get(key) is not None], dtype=float)
            entry[f"{key}_mean"] = float(vals.mean()) if vals.size else None
            entry[f"{key}_se"] = (float(vals.std(ddof=1) / np.sqrt(vals.size))
                                  if vals.size > 1 else None)
        res = [float(r["transfer_residual"]) for r in ok if r.get("transfer_residual") is not None]
        entry["transfer_residual_max"] = max(res) if res else None
        for flag in ("psd", "psd_low_residual"):
            flags = [bool(r[f"transfer_{flag}"]) for r in ok
                     if r.get(f"transfer_{flag}") is not None]
            entry[f"transfer_{flag}_fraction"] = sum(flags) / len(flags) if flags else None
        table.append(entry)
    return table


_STYLE = {
    "spectral": (r"$n\lambda_{\max}(W)$", {"marker": "^", "color": "C3"}),
    "sos2_bound": ("SOS$_2$ bound (Burer-Monteiro)", {"marker": "v", "color": "C2"}),
    "sos4_bound": ("SOS$_4$ bound", {"marker": "o", "color": "C1", "ms": 5}),
    "sos4_lower": ("SOS$_4$ certified lower bound",
                   {"marker": "o", "color": "C1", "ms": 5, "fillstyle": "none", "ls": ":"}),
    "transfer": ("PAP transfer value (factored shape form)",
                 {"marker": "P", "color": "C0", "ls": ":"}),
    "best_found": ("best cut found (lower bound on OPT)",
                   {"marker": "D", "color": "C4", "fillstyle": "none", "ls": "-."}),
    "opt": ("OPT (brute force)", {"marker": "s", "ms": 10, "fillstyle": "none", "color": "k",
                                  "ls": "--", "mew": 1.5, "zorder": 5}),
}


def plot_both_sides(
    table: Sequence[Mapping[str, Any]],
    path: str | Path | None = None,
    *,
    ax: Axes | None = None,
    sos4_rows: Sequence[Mapping[str, Any]] = (),
) -> Figure:
    """value / :math:`n^{3/2}` against n (log axis) for every curve of :func:`both_sides`.

    ``sos4_rows``: degree-4 results computed elsewhere (rows of
    ``benchmarks/bench_sk_degree4.py``: ``n``, ``upper``, ``lower``, ``best_found``, raw
    values), drawn as certified intervals :math:`[\text{lower},\text{upper}]` of SOS_4
    with the best cut found beside them.

    Transfer points that fail on some seed (:math:`\\tilde{\\mathbb E}[vv^\\top]` not PSD, or a
    constraint residual above ``TRANSFER_RESIDUAL_MAX``) are crossed out in red: the
    truncated construction is not a pseudo-expectation there, and its value bounds nothing.
    Passing both checks is necessary, not sufficient: with the constraints imposed exactly
    (:mod:`sosrmt.problems.sk_transfer.multilinear`) the SK moment matrix was not PSD at any
    size measured.

    Examples
    --------
    >>> fig = plot_both_sides([{"n": 8, "opt_mean": 1.2, "spectral_mean": 1.7},
    ...                        {"n": 40, "best_found_mean": 1.4, "spectral_mean": 1.8}])
    >>> len(fig.axes[0].get_legend().get_texts()) >= 4
    True
    """
    fig, ax = _axes(ax, (8.5, 4.5))
    ns = np.array([r["n"] for r in table], dtype=float)
    for key, (label, style) in _STYLE.items():
        mean = np.array([np.nan if r.get(f"{key}_mean") is None else r[f"{key}_mean"]
                         for r in table], dtype=float)
        if np.all(np.isnan(mean)):
            continue
        se = np.array([0.0 if r.get(f"{key}_se") is None else r[f"{key}_se"] for r in table],
                      dtype=float)
        keep = ~np.isnan(mean)
        ax.errorbar(ns[keep], mean[keep], yerr=np.nan_to_num(se[keep]), capsize=3,
                    label=label, **style)
        if key == "transfer":
            bad = np.array([r.get("transfer_psd_low_residual_fraction",
                                  r.get("transfer_psd_fraction")) not in (None, 1.0)
                            for r in table])
            if np.any(bad & keep):
                ax.plot(ns[bad & keep], mean[bad & keep], "x", color="red", ms=12, mew=2,
                        zorder=6, label="transfer invalid: not PSD, or residual "
                        f"|E[x_u^2-1]| > {TRANSFER_RESIDUAL_MAX}")
    rows4 = [r for r in sos4_rows if r.get("upper") is not None]
    if rows4:
        n4 = np.array([float(r["n"]) for r in rows4])
        up = np.array([r["upper"] for r in rows4], dtype=float) / n4**1.5
        lo = np.array([np.nan if r.get("lower") is None else r["lower"] for r in rows4],
                      dtype=float) / n4**1.5
        lo = np.where(np.isnan(lo), up, lo)
        ax.vlines(n4, lo, up, color="C1", lw=3, alpha=0.6,
                  label="SOS$_4$ certified interval (ADMM benchmark)")
        ax.plot(n4, up, "_", color="C1", ms=14, mew=2)
        best = np.array([r["best_found"] for r in rows4], dtype=float) / n4**1.5
        ax.plot(n4, best, "D", color="C4", fillstyle="none", ms=6)
        ns = np.union1d(ns, n4)
    ax.axhline(PARISI, color="gray", ls=":", lw=1.2, label="Parisi limit of OPT, 1.526")
    ax.axhline(2.0, color="gray", ls="--", lw=1.2, label="limit 2 (spectral, SOS$_2$, SOS$_4$)")
    ax.set_xscale("log")
    ax.set_xticks(ns, [f"{int(v)}" for v in ns])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("n (log scale)")
    ax.set_ylabel(r"value / $n^{3/2}$")
    ax.set_title("SK from both sides")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
