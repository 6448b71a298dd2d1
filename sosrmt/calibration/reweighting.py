"""Building blocks of closed-form pseudo-calibrated reweightings :math:`F_D`.

A problem's pseudo-calibration in signed-measure form is the prior reweighted by the
truncated likelihood ratio, :math:`\\nu_D(x) = \\pi(x)F_D(x;Y)`; the closed forms of
:math:`F_D` live beside their problems (:mod:`sosrmt.problems`). What they share is here:
argument checks, the elementary symmetric polynomials of a degree truncation, the Möbius
weights of a vertex truncation, and the pair enumeration of the low-degree norm
:math:`\\mathbb E_{x,x'\\sim\\pi}K_D(x,x')`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from math import comb

import numpy as np

from sosrmt._validation import check_int
from sosrmt.calibration.priors import EnumeratedPrior

__all__ = [
    "ROW_CHUNK",
    "check_nonnegative",
    "check_trunc",
    "elementary_symmetric",
    "pair_overlap_expectation",
    "subset_mobius_weights",
]

#: Prior points processed per block (bounds the temporary arrays of the closed forms).
ROW_CHUNK = 4096


def check_trunc(trunc: object, minimum: int, what: str) -> int:
    """``trunc`` as an int ``>= minimum`` (``what`` says why), else ``ValueError``.

    Examples
    --------
    >>> check_trunc(4, 2, "degree 2 objective")
    4
    """
    trunc = check_int(trunc, "trunc", minimum=0)
    if trunc < minimum:
        raise ValueError(f"trunc: expected a truncation >= {minimum} ({what}), got {trunc}")
    return trunc


def check_nonnegative(value: object, name: str, *, allow_zero: bool = True) -> float:
    """``value`` as a finite float ``>= 0`` (``> 0`` unless ``allow_zero``).

    Examples
    --------
    >>> check_nonnegative(2, "q")
    2.0
    """
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a real number, got {value!r}") from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name}: expected a {'non-negative' if allow_zero else 'positive'} "
                         f"finite number, got {value!r}")
    return v


# ---------------------------------------------------------------------- shared
def pair_overlap_expectation(prior: EnumeratedPrior,
                             kernel: Callable[[np.ndarray], np.ndarray],
                             max_points: int = 6000) -> float:
    """:math:`\\mathbb E_{x,x'\\sim\\pi}\\,\\mathrm{kernel}(\\langle x,x'\\rangle)` by enumerating
    pairs of prior points (refused above ``max_points`` support points)."""
    if prior.size > max_points:
        raise ValueError(f"prior: {prior.size} support points; the pair enumeration is limited "
                         f"to {max_points}")
    G = prior.points @ prior.points.T
    return float(prior.probs @ kernel(G) @ prior.probs)


def elementary_symmetric(values: np.ndarray, order: int) -> np.ndarray:
    """e_0..e_order of the columns of ``values`` (rows: points), by the standard DP."""
    out = np.zeros((values.shape[0], order + 1))
    out[:, 0] = 1.0
    for c in range(values.shape[1]):
        y = values[:, c:c + 1]
        out[:, 1:] = out[:, 1:] + y * out[:, :-1]
    return out


def subset_mobius_weights(n: int, tau: int,
                          subset_prob: Callable[[int], float]) -> np.ndarray:
    """Weights :math:`w_t` (``t = 0..tau``) with :math:`\\sum_{W\\supseteq U,|W|\\le\\tau}
    w_{|W|} = f(|U|)` for every :math:`|U|\\le\\tau`.

    ``subset_prob(s)`` is :math:`f(s) = \\Pr[U\\subseteq S]` for :math:`|U| = s`. Solved by back
    substitution: :math:`w_s = f(s) - \\sum_{r\\ge1}\\binom{n-s}{r}w_{s+r}`.

    Examples
    --------
    >>> w = subset_mobius_weights(5, 2, lambda s: 0.5**s)
    >>> [round(float(x), 10) for x in w]   # rho^t beta_{tau-t}(n-t)
    [1.0, -0.5, 0.25]
    """
    n = check_int(n, "n", minimum=1)
    tau = check_int(tau, "tau", minimum=0)
    w = np.zeros(tau + 1)
    for s in range(tau, -1, -1):
        w[s] = subset_prob(s) - sum(comb(n - s, r) * w[s + r] for r in range(1, tau - s + 1))
    return w
