"""The PSD boundary of a pseudo-calibration phase diagram, and the scaling the theorems
predict for it.

In each problem the signal is swept through a *ratio* that the degree-4 theorems hold
fixed at the threshold (tensor PCA :math:`\\lambda/n^{3/4}`, dense subgraph
:math:`kq/\\sqrt n`, sparse PCA :math:`m\\Delta^2/k^2`). :func:`psd_boundary` locates the
ratio at which the relative minimum eigenvalue :math:`\\mu_{\\min}` of the null moment
matrix crosses 0 (linear interpolation in :math:`\\log` ratio between the last PSD and the
first non-PSD ratio); :func:`predicted_boundary` gives the predicted boundary as a function
of :math:`n`, up to the constant, which is fitted at the smallest :math:`n`
(:func:`anchored_prediction`). The sources of each exponent are on the theory page
``docs/theory/lowerbounds.rst``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["PREDICTIONS", "anchored_prediction", "boundary_search", "predicted_boundary",
           "psd_boundary"]

#: Predicted boundary ratio as a function of n, up to a constant factor:
#: tensor PCA (k = 3, degree 4) lambda* ~ n^{3/4} / log(n)^{1/4}, so ratio* ~ log(n)^{-1/4};
#: dense subgraph kq/sqrt(n) and sparse PCA m Delta^2 / k^2 are predicted flat in n.
PREDICTIONS: dict[str, str] = {
    "tensor-pca": "ratio* ~ (log n)^(-1/4)  [lambda* ~ n^(3/4) (log n)^(-1/4)]",
    "dense-subgraph": "ratio* ~ const  [k q ~ sqrt(n)]",
    "sparse-pca": "ratio* ~ const  [m ~ k^2 / Delta^2]",
}


def psd_boundary(ratios: Sequence[float], mu_min: Sequence[float]) -> tuple[float, float, float]:
    """Ratio at which ``mu_min`` crosses 0, with its bracket.

    Returns ``(estimate, low, high)``: ``low`` is the largest ratio with ``mu_min >= 0``
    below the first negative one, ``high`` that first negative ratio, and the estimate their
    log-linear interpolation. Without a sign change: ``(nan, low, high)`` with the side
    that is known (``low = max ratio`` if all are PSD, ``high = min ratio`` if none is).

    Examples
    --------
    >>> est, lo, hi = psd_boundary([0.1, 0.2, 0.4], [0.5, 0.1, -0.3])
    >>> lo, hi, round(est, 4)
    (0.2, 0.4, 0.2378)
    """
    r = np.asarray(ratios, dtype=float)
    m = np.asarray(mu_min, dtype=float)
    if r.shape != m.shape or r.ndim != 1 or r.size == 0:
        raise ValueError("ratios, mu_min: expected two non-empty 1-d sequences of equal length")
    order = np.argsort(r)
    r, m = r[order], m[order]
    neg = np.flatnonzero(m < 0)
    if neg.size == 0:
        return float("nan"), float(r[-1]), float("nan")
    first = int(neg[0])
    if first == 0:
        return float("nan"), float("nan"), float(r[0])
    lo, hi = r[first - 1], r[first]
    t = m[first - 1] / (m[first - 1] - m[first])
    est = math.exp(math.log(lo) + t * (math.log(hi) - math.log(lo)))
    return float(est), float(lo), float(hi)


def predicted_boundary(problem: str, n: float | np.ndarray) -> np.ndarray:
    """Predicted boundary ratio up to a constant (see :data:`PREDICTIONS`).

    Examples
    --------
    >>> [round(float(x), 4) for x in predicted_boundary("tensor-pca", [50, 300])]
    [0.711, 0.6471]
    """
    n = np.asarray(n, dtype=float)
    if problem == "tensor-pca":
        return np.log(n) ** -0.25
    if problem in ("dense-subgraph", "sparse-pca"):
        return np.ones_like(n)
    raise ValueError(f"problem: expected one of {sorted(PREDICTIONS)}, got {problem!r}")


def anchored_prediction(problem: str, n: Sequence[float], n0: float,
                        boundary0: float) -> np.ndarray:
    """:func:`predicted_boundary` scaled to pass through ``boundary0`` at ``n0``.

    Examples
    --------
    >>> anchored_prediction("sparse-pca", [50, 100], 50, 0.2).tolist()
    [0.2, 0.2]
    """
    scale = boundary0 / float(predicted_boundary(problem, n0))
    return scale * predicted_boundary(problem, np.asarray(n, dtype=float))


def boundary_search(job: str, n: int, fixed: dict[str, Any], guess: float, *, steps: int = 4,
                    seeds: int = 1, store: str | Path | None = None,
                    quiet: bool = True) -> dict[str, Any]:
    """Locate the PSD boundary of a phase-diagram job at one ``n`` with ``steps`` cells.

    The first two ratios are ``guess / 1.3`` and ``guess * 1.3``; each further one bisects
    the bracket geometrically, or steps out by a factor 1.6 while there is no sign change.
    Every cell runs through :func:`sosrmt.sweep.run_sweep` (``store`` keeps and resumes
    them; ``form`` is a method parameter, so it does not change the instance).

    Returns
    -------
    dict
        ``boundary``, ``psd_below``, ``not_psd_above`` (:func:`psd_boundary`) and ``cells``:
        per ratio the means over seeds of ``mu_min`` (with ``mu_min_se`` and the Lanczos
        ``mu_min_residual`` where reported), ``planted_mu_min``, ``e1``,
        ``objective_ratio``, ``residual``.

    Examples
    --------
    >>> res = boundary_search("sosrmt.problems.tensor_pca:lowerbound_cell", 8,
    ...                       {"trunc": 2, "form": "matrix-free"}, 0.25, steps=3)
    >>> len(res["cells"]), res["psd_below"] < res["not_psd_above"]
    (3, True)
    """
    from sosrmt.sweep import Grid, aggregate, run_sweep

    if steps < 2:
        raise ValueError(f"steps: expected at least 2 cells, got {steps}")
    if not guess > 0:
        raise ValueError(f"guess: expected a positive ratio, got {guess}")
    keys = ("mu_min", "mu_min_residual", "planted_mu_min", "e1", "objective_ratio",
            "residual")
    seen: dict[float, dict[str, Any]] = {}

    def evaluate(ratio: float) -> None:
        ratio = float(f"{ratio:.4g}")
        grid = Grid({"n": [n], "ratio": [ratio], **{k: [v] for k, v in fixed.items()}},
                    seeds=seeds, seed=0, method_params=[k for k in ("form",) if k in fixed])
        rows = run_sweep(job, grid, store=store, executor="serial", quiet=quiet)
        ok = [r for r in rows if r.get("status", "ok") == "ok"]
        if not ok:
            raise RuntimeError(f"n={n} ratio={ratio}: {rows[0].get('error')}")
        agg = aggregate(ok, metrics=[k for k in keys if k in ok[0]])[0]
        seen[ratio] = {k: agg.get(f"{k}_mean") for k in keys}
        seen[ratio]["mu_min_se"] = agg.get("mu_min_se")
        seen[ratio]["not_converged"] = sum(r.get("lanczos_status", "converged") != "converged"
                                           for r in ok)

    evaluate(guess / 1.3)
    evaluate(guess * 1.3)
    for _ in range(steps - 2):
        rs = sorted(seen)
        _, lo, hi = psd_boundary(rs, [seen[r]["mu_min"] for r in rs])
        if np.isfinite(lo) and np.isfinite(hi):
            evaluate(math.sqrt(lo * hi))
        elif np.isfinite(lo):
            evaluate(max(rs) * 1.6)
        else:
            evaluate(min(rs) / 1.6)
    rs = sorted(seen)
    est, lo, hi = psd_boundary(rs, [seen[r]["mu_min"] for r in rs])
    return {"n": n, "boundary": est, "psd_below": lo, "not_psd_above": hi,
            "cells": [{"ratio": r, **seen[r]} for r in rs]}
