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
from collections.abc import Callable, Sequence
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


def boundary_search(evaluate: Callable[[float], dict[str, Any]], guess: float, *,
                    steps: int = 4) -> dict[str, Any]:
    """Locate the PSD boundary at one size with ``steps`` evaluations.

    The first two ratios are ``guess / 1.3`` and ``guess * 1.3``; each further one bisects
    the bracket geometrically, or steps out by a factor 1.6 while there is no sign change.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(ratio) -> dict`` with at least ``"mu_min"`` (for instance the mean over
        seeds of the problem's ``lowerbound_cell`` rows, run through the sweep engine);
        ratios are rounded to 4 significant digits, so that a store finds them again.
    guess : float
        Where the boundary is expected (e.g. the previous size's boundary).

    Returns
    -------
    dict
        ``boundary``, ``psd_below``, ``not_psd_above`` (:func:`psd_boundary`) and ``cells``
        (each evaluation's dict with its ``ratio``).

    Examples
    --------
    >>> res = boundary_search(lambda r: {"mu_min": 0.3 - r}, 0.25, steps=5)
    >>> res["psd_below"] <= 0.3 <= res["not_psd_above"], round(res["boundary"], 2)
    (True, 0.3)
    """
    if steps < 2:
        raise ValueError(f"steps: expected at least 2 evaluations, got {steps}")
    if not guess > 0:
        raise ValueError(f"guess: expected a positive ratio, got {guess}")
    seen: dict[float, dict[str, Any]] = {}

    def run(ratio: float) -> None:
        ratio = float(f"{ratio:.4g}")
        seen[ratio] = dict(evaluate(ratio))

    run(guess / 1.3)
    run(guess * 1.3)
    for _ in range(steps - 2):
        rs = sorted(seen)
        _, lo, hi = psd_boundary(rs, [seen[r]["mu_min"] for r in rs])
        if np.isfinite(lo) and np.isfinite(hi):
            run(math.sqrt(lo * hi))
        elif np.isfinite(lo):
            run(max(rs) * 1.6)
        else:
            run(min(rs) / 1.6)
    rs = sorted(seen)
    est, lo, hi = psd_boundary(rs, [seen[r]["mu_min"] for r in rs])
    return {"boundary": est, "psd_below": lo, "not_psd_above": hi,
            "cells": [{"ratio": r, **seen[r]} for r in rs]}
