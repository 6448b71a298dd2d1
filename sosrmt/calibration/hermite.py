"""Hermite toolkit for pseudo-calibration.

Probabilists' Hermite polynomials :math:`He_k`, the Rademacher averages :math:`c_k`,
Gaussian Hermite moments under a mean shift and covariance change, and truncated
power series in a formal variable :math:`t` (the bookkeeping of a degree truncation).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from sosrmt._validation import check_finite_array, check_int

__all__ = [
    "gaussian_hermite_moment",
    "hermite_e",
    "hermite_e_table",
    "rademacher_hermite_mean",
    "series_multiply",
]


def hermite_e_table(x: npt.ArrayLike, order: int) -> np.ndarray:
    """Values :math:`He_0(x), \\dots, He_{order}(x)` stacked along a new first axis.

    Parameters
    ----------
    x : array_like
        Points (any shape).
    order : int
        Highest order, ``>= 0``.

    Returns
    -------
    ndarray, shape ``(order + 1,) + x.shape``

    Notes
    -----
    Three-term recurrence :math:`He_{k+1} = x He_k - k He_{k-1}`, so
    :math:`\\mathbb E_{g\\sim N(0,1)} He_j(g) He_k(g) = k!\\,\\delta_{jk}`.

    Examples
    --------
    >>> hermite_e_table([2.0], 4)[:, 0].tolist()
    [1.0, 2.0, 3.0, 2.0, -5.0]
    """
    order = check_int(order, "order", minimum=0)
    x = np.asarray(x, dtype=float)
    out = np.empty((order + 1, *x.shape))
    out[0] = 1.0
    if order >= 1:
        out[1] = x
    for k in range(1, order):
        out[k + 1] = x * out[k] - k * out[k - 1]
    return out


def hermite_e(k: int, x: npt.ArrayLike) -> np.ndarray:
    """:math:`He_k(x)` elementwise.

    Examples
    --------
    >>> float(hermite_e(3, 2.0))
    2.0
    """
    k = check_int(k, "k", minimum=0)
    return hermite_e_table(x, k)[k]


def rademacher_hermite_mean(k: int) -> float:
    """:math:`c_k = \\mathbb E_{b\\sim\\pm1} He_k(b) = He_k(1)\\,\\mathbf 1[k\\text{ even}]`.

    Examples
    --------
    >>> [rademacher_hermite_mean(k) for k in range(0, 11, 2)]
    [1.0, 0.0, -2.0, 16.0, -132.0, 1216.0]
    """
    k = check_int(k, "k", minimum=0)
    if k % 2:
        return 0.0
    return float(hermite_e_table(1.0, k)[k])


def series_multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Product of truncated power series in :math:`t`, coefficient-wise along the last axis.

    ``a[..., j]`` is the coefficient of :math:`t^j`; the result keeps the degrees
    ``0..a.shape[-1]-1`` (broadcasting over the leading axes).

    Examples
    --------
    >>> series_multiply(np.array([1.0, 1.0, 0.0]), np.array([1.0, 1.0, 0.0])).tolist()
    [1.0, 2.0, 1.0]
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"b: expected {a.shape[-1]} series coefficients, got {b.shape[-1]}")
    size = a.shape[-1]
    out = np.zeros(np.broadcast_shapes(a.shape, b.shape))
    for i in range(size):
        ai = a[..., i:i + 1]
        out[..., i:] += ai * b[..., :size - i]
    return out


def _poly_mul(p: dict, q: dict, maxdeg: int) -> dict:
    out: dict = {}
    for ka, va in p.items():
        da = sum(ka)
        for kb, vb in q.items():
            if da + sum(kb) > maxdeg:
                continue
            key = tuple(x + y for x, y in zip(ka, kb, strict=True))
            out[key] = out.get(key, 0.0) + va * vb
    return out


def gaussian_hermite_moment(alpha: Sequence[int], mean: npt.ArrayLike,
                            cov_shift: npt.ArrayLike) -> float:
    """:math:`\\mathbb E[He_\\alpha(y)]` for :math:`y\\sim N(m, I+\\Sigma')`.

    Parameters
    ----------
    alpha : sequence of int
        Multi-index (one non-negative order per coordinate).
    mean : array_like, shape (d,)
        Mean :math:`m`.
    cov_shift : array_like, shape (d, d)
        :math:`\\Sigma'` (symmetric; :math:`I+\\Sigma'` must be a covariance).

    Notes
    -----
    :math:`\\mathbb E[He_\\alpha(y)] = \\alpha!\\,[t^\\alpha]\\exp(\\langle t,m\\rangle +
    \\tfrac12 t^\\top\\Sigma' t)`, evaluated by expanding the exponential as a truncated
    multivariate power series. This is an independent, generic route used as the oracle
    of the brute-force pseudo-calibration; it costs :math:`O(|\\alpha|^2
    \\binom{d+|\\alpha|}{d}^2)` and is meant for tiny ``d``.

    Examples
    --------
    >>> round(gaussian_hermite_moment([2], [0.0], [[0.5]]), 9)  # E He_2 of N(0, 1.5) is 0.5
    0.5
    >>> round(gaussian_hermite_moment([3], [1.0], [[0.0]]), 9)  # mean shift: mu^3
    1.0
    """
    alpha = tuple(check_int(a, "alpha", minimum=0) for a in alpha)
    d = len(alpha)
    m = check_finite_array(mean, "mean", ndim=1)
    S = check_finite_array(cov_shift, "cov_shift", ndim=2)
    if m.shape != (d,) or S.shape != (d, d):
        raise ValueError(f"mean, cov_shift: expected shapes ({d},) and ({d}, {d})")
    total = sum(alpha)
    gen: dict = {}
    zero = (0,) * d
    for i in range(d):
        e = list(zero)
        e[i] = 1
        gen[tuple(e)] = gen.get(tuple(e), 0.0) + float(m[i])
    for i, j in itertools.product(range(d), repeat=2):
        e = list(zero)
        e[i] += 1
        e[j] += 1
        gen[tuple(e)] = gen.get(tuple(e), 0.0) + 0.5 * float(S[i, j])
    # exp(L) = sum_j L^j / j!, truncated at total degree |alpha| (L has no constant term)
    result = {zero: 1.0}
    power = {zero: 1.0}
    for j in range(1, total + 1):
        power = _poly_mul(power, gen, total)
        for key, val in power.items():
            result[key] = result.get(key, 0.0) + val / math.factorial(j)
    coef = result.get(alpha, 0.0)
    return float(coef * math.prod(math.factorial(a) for a in alpha))
