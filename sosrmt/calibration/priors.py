"""Enumerated priors of the planted vector.

Each prior is returned as an :class:`EnumeratedPrior`: the support points as rows of a
matrix and their probabilities. Sizes grow exponentially, so every constructor estimates
the memory first and refuses, pointing to the shape form (:mod:`sosrmt.calibration.shapes`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import comb

import numpy as np

from sosrmt._validation import check_int, check_memory

__all__ = [
    "EnumeratedPrior",
    "boolean_sphere",
    "sparse_ternary",
    "subset_prior",
]

#: Largest number of support points any enumeration may create (memory is checked too).
MAX_POINTS = 2**22

_HINT = ("use the shape form (sosrmt.calibration.shapes), which scales polynomially in n, "
         "or a smaller n")


@dataclass(frozen=True)
class EnumeratedPrior:
    """A finitely supported prior: ``points[r]`` has probability ``probs[r]``.

    Attributes
    ----------
    points : ndarray, shape (N, n)
        Support points (one per row).
    probs : ndarray, shape (N,)
        Probabilities (non-negative, summing to 1).
    ring : str
        Ring of the monomials the prior satisfies exactly: ``"hypercube"`` (``x_i^2 =
        square``), ``"boolean"`` (``x_i^2 = x_i``) or ``"general"``.
    square : float
        The value of ``x_i^2`` in the hypercube ring (ignored otherwise).
    name : str
        Human-readable description.
    """

    points: np.ndarray
    probs: np.ndarray
    ring: str
    square: float
    name: str

    @property
    def n(self) -> int:
        """Number of variables."""
        return int(self.points.shape[1])

    @property
    def size(self) -> int:
        """Number of support points."""
        return int(self.points.shape[0])


def _check_points(count: int, n: int, what: str) -> None:
    if count > MAX_POINTS:
        raise ValueError(f"{what} has {count} support points, above the enumeration limit "
                         f"{MAX_POINTS}; {_HINT}")
    # points, probabilities, and a monomial table of comparable width downstream
    check_memory(8.0 * count * (n + 64), what, hint=_HINT)


def _sign_table(n: int) -> np.ndarray:
    """All of {+-1}^n as rows (row r has bit i of r set <=> coordinate i is -1)."""
    r = np.arange(2**n, dtype=np.int64)[:, None]
    bits = (r >> np.arange(n, dtype=np.int64)) & 1
    return 1.0 - 2.0 * bits


def boolean_sphere(n: int, *, scale: float | None = None) -> EnumeratedPrior:
    """Uniform prior on :math:`\\{\\pm s\\}^n`, default :math:`s = 1/\\sqrt n` (unit norm).

    Examples
    --------
    >>> p = boolean_sphere(3)
    >>> p.size, round(float(p.probs.sum()), 9), round(float(np.sum(p.points[0] ** 2)), 12)
    (8, 1.0, 1.0)
    """
    n = check_int(n, "n", minimum=1)
    s = 1.0 / np.sqrt(n) if scale is None else float(scale)
    if not s > 0:
        raise ValueError(f"scale: expected a positive number, got {scale!r}")
    _check_points(2**n, n, f"the prior {{+-1/sqrt n}}^n with n={n}")
    points = s * _sign_table(n)
    probs = np.full(2**n, 2.0**-n)
    return EnumeratedPrior(points, probs, "hypercube", s * s, f"uniform {{+-{s:.3g}}}^{n}")


def sparse_ternary(d: int, k: int, *, exact: bool = False) -> EnumeratedPrior:
    """Sparse Rademacher prior on :math:`\\{0, \\pm1/\\sqrt k\\}^d`.

    Parameters
    ----------
    d, k : int
        Dimension and expected (``exact=False``) or exact (``exact=True``) sparsity,
        ``1 <= k <= d``.
    exact : bool
        ``False``: coordinates independent, nonzero with probability ``k/d`` (Bernoulli
        prior, :math:`3^d` points). ``True``: uniform over ``k``-subsets and signs
        (:math:`\\binom dk 2^k` points), so :math:`\\|u\\| = 1` exactly.

    Examples
    --------
    >>> p = sparse_ternary(4, 2, exact=True)
    >>> p.size, bool(np.allclose((p.points ** 2).sum(axis=1), 1.0))
    (24, True)
    """
    d = check_int(d, "d", minimum=1)
    k = check_int(k, "k", minimum=1)
    if k > d:
        raise ValueError(f"k: expected a sparsity 1 <= k <= d = {d}, got {k}")
    a = 1.0 / np.sqrt(k)
    if exact:
        count = comb(d, k) * 2**k
        _check_points(count, d, f"the exact-{k} sparse prior in dimension {d}")
        signs = _sign_table(k)
        rows = []
        for support in itertools.combinations(range(d), k):
            block = np.zeros((2**k, d))
            block[:, list(support)] = a * signs
            rows.append(block)
        points = np.vstack(rows)
        probs = np.full(count, 1.0 / count)
        return EnumeratedPrior(points, probs, "general", 1.0, f"exact-{k} sparse, d={d}")
    count = 3**d
    _check_points(count, d, f"the Bernoulli sparse prior in dimension {d}")
    r = np.arange(count, dtype=np.int64)
    digits = np.stack([(r // 3**i) % 3 for i in range(d)], axis=1)  # 0 -> 0, 1 -> +a, 2 -> -a
    points = np.where(digits == 0, 0.0, np.where(digits == 1, a, -a))
    rho = k / d
    logp = np.where(digits == 0, np.log1p(-rho) if rho < 1 else -np.inf,
                    np.log(rho / 2)).sum(axis=1)
    probs = np.exp(logp)
    return EnumeratedPrior(points, probs, "general", 1.0, f"Bernoulli({rho:.3g}) sparse, d={d}")


def subset_prior(n: int, *, rho: float | None = None, k: int | None = None,
                 max_size: int | None = None) -> EnumeratedPrior:
    """Prior on indicator vectors :math:`x = \\mathbf 1_S` of a planted subset.

    Parameters
    ----------
    n : int
        Number of vertices.
    rho : float, optional
        Each vertex in :math:`S` independently with probability ``rho`` in (0, 1).
    k : int, optional
        Instead: :math:`S` uniform among ``k``-subsets.
    max_size : int, optional
        Only enumerate subsets with at most ``max_size`` elements (used by the vertex
        truncation, where the measure is not the prior itself); probabilities are then
        those of the full prior restricted to these points (not renormalised).

    Examples
    --------
    >>> p = subset_prior(4, rho=0.5)
    >>> p.size, float(p.probs.sum())
    (16, 1.0)
    """
    n = check_int(n, "n", minimum=1)
    if (rho is None) == (k is None):
        raise ValueError("rho, k: give exactly one of rho (Bernoulli prior) or k (exact size)")
    if rho is not None:
        rho = float(rho)
        if not 0.0 < rho < 1.0:
            raise ValueError(f"rho: expected a probability in (0, 1), got {rho}")
    if k is not None:
        k = check_int(k, "k", minimum=1)
        if k > n:
            raise ValueError(f"k: expected a subset size 1 <= k <= n = {n}, got {k}")
    top = n if max_size is None else min(check_int(max_size, "max_size", minimum=0), n)
    sizes = [k] if k is not None else list(range(top + 1))
    sizes = [s for s in sizes if s <= top]
    count = sum(comb(n, s) for s in sizes)
    _check_points(count, n, f"the subset prior on n={n} vertices")
    rows = []
    for s in sizes:
        for support in itertools.combinations(range(n), s):
            row = np.zeros(n)
            row[list(support)] = 1.0
            rows.append(row)
    points = np.array(rows).reshape(count, n)
    sz = points.sum(axis=1)
    if rho is not None:
        probs = rho**sz * (1 - rho) ** (n - sz)
        name = f"Bernoulli({rho:.3g}) subset of [{n}]"
    else:
        probs = np.full(count, 1.0 / comb(n, k))
        name = f"uniform {k}-subset of [{n}]"
    return EnumeratedPrior(points, probs, "boolean", 1.0, name)
