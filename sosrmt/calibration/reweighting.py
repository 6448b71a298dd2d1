"""Building blocks of closed-form pseudo-calibrated reweightings :math:`F_D`.

A problem's pseudo-calibration in signed-measure form is the prior reweighted by the
truncated likelihood ratio, :math:`\\nu_D(x) = \\pi(x)F_D(x;Y)`; the closed forms of
:math:`F_D` live beside their problems (:mod:`sosrmt.problems`). What they share is here:
argument checks, the elementary symmetric polynomials of a degree truncation, the Möbius
weights of a vertex truncation, and the pair enumeration of the low-degree norm
:math:`\\mathbb E_{x,x'\\sim\\pi}K_D(x,x')`. The planted-affine-planes closed form also
stays here for now (used by two problem modules).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from math import comb

import numpy as np
import numpy.typing as npt

from sosrmt._validation import check_finite_array, check_int
from sosrmt.calibration.hermite import hermite_e_table, rademacher_hermite_mean, series_multiply
from sosrmt.calibration.priors import EnumeratedPrior, boolean_sphere
from sosrmt.calibration.signed_measure import SignedMeasure

__all__ = [
    "ROW_CHUNK",
    "check_nonnegative",
    "check_trunc",
    "elementary_symmetric",
    "pair_overlap_expectation",
    "pap_low_degree_norm",
    "pap_measure",
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


# ---------------------------------------------------------------------- PAP
def _pap_series(z: np.ndarray, trunc: int) -> np.ndarray:
    """Per-constraint series 1 + sum_{k>=4 even} c_k He_k(z) t^k / k!, shape z.shape+(D+1,)."""
    He = hermite_e_table(z, trunc)
    out = np.zeros((*z.shape, trunc + 1))
    out[..., 0] = 1.0
    for k in range(4, trunc + 1, 2):
        out[..., k] = rademacher_hermite_mean(k) / math.factorial(k) * He[k]
    return out


def pap_measure(d: npt.ArrayLike, trunc: int, *,
                prior: EnumeratedPrior | None = None) -> SignedMeasure:
    """Pseudo-calibrated signed measure for planted affine planes.

    Parameters
    ----------
    d : array_like, shape (m, n)
        The vectors :math:`d_u` as rows.
    trunc : int
        Hermite-degree truncation :math:`D \\ge 0` (T1, total degree over all :math:`d_u`).
    prior : EnumeratedPrior, optional
        Prior of :math:`v`; default :func:`~sosrmt.calibration.priors.boolean_sphere` ``(n)``.

    Notes
    -----
    With :math:`z_u = \\langle v, d_u\\rangle`,
    :math:`F_D(v;d) = [t^{\\le D}]\\prod_u(1+\\sum_{k\\in\\{4,6,\\dots\\}}c_k He_k(z_u)t^k/k!)`,
    evaluated by truncated series multiplication, :math:`O(mD^2)` per support point.
    :math:`c_2 = 0` encodes the constraint :math:`\\langle v,d_u\\rangle^2 = 1` itself.

    Examples
    --------
    >>> round(pap_measure(np.ones((3, 2)), 2).e1, 9)       # D < 4: F = 1
    1.0
    """
    d = check_finite_array(d, "d", ndim=2)
    trunc = check_trunc(trunc, 0, "Hermite degree")
    m, n = d.shape
    prior = boolean_sphere(n) if prior is None else prior
    if prior.n != n:
        raise ValueError(f"prior: expected a prior on {n} variables, got {prior.n}")
    F = np.empty(prior.size)
    for start in range(0, prior.size, ROW_CHUNK):
        z = prior.points[start:start + ROW_CHUNK] @ d.T          # (r, m)
        ser = _pap_series(z, trunc)                               # (r, m, D+1)
        acc = ser[:, 0, :]
        for u in range(1, m):
            acc = series_multiply(acc, ser[:, u, :])
        F[start:start + z.shape[0]] = acc.sum(axis=1)
    return SignedMeasure(prior, prior.probs * F, f"PAP m={m} n={n} D={trunc}")


def pap_low_degree_norm(n: int, m: int, trunc: int) -> float:
    """:math:`\\mathbb E K_D` for PAP with the Boolean-sphere prior.

    Notes
    -----
    :math:`K_D(v,v') = [t^{\\le D}](\\sum_{k\\text{ even}}c_k^2\\rho^k t^k/k!)^m`,
    :math:`\\rho = \\langle v,v'\\rangle`.

    Examples
    --------
    >>> round(pap_low_degree_norm(4, 3, 2), 9)
    1.0
    """
    n = check_int(n, "n", minimum=1)
    m = check_int(m, "m", minimum=1)
    trunc = check_int(trunc, "trunc", minimum=0)
    h = np.arange(n + 1)
    p = np.array([comb(n, int(i)) for i in h], dtype=float) / 2.0**n
    rho = (n - 2.0 * h) / n
    ser = np.zeros((n + 1, trunc + 1))
    ser[:, 0] = 1.0
    for k in range(4, trunc + 1, 2):
        ser[:, k] = rademacher_hermite_mean(k) ** 2 * rho**k / math.factorial(k)
    acc = ser.copy()
    for _ in range(m - 1):
        acc = series_multiply(acc, ser)
    return float(p @ acc.sum(axis=1))
