"""Planted slightly denser subgraph (planted clique at :math:`q = 1/2`): samplers, program,
ground truth, classical statistics.

* null: :math:`G\\sim G(n,1/2)` encoded as a symmetric :math:`\\pm1` matrix (zero diagonal);
* planted: each vertex joins :math:`S` independently with probability :math:`\\rho = k/n`
  (``prior="bernoulli"``) or :math:`S` is a uniform :math:`k`-subset (``prior="exact"``);
  edges inside :math:`S` are :math:`+1` with probability :math:`1/2+q`;
* program: :math:`x_i^2 = x_i`, :math:`\\sum_i x_i = k`; objective
  :math:`\\sum_{i<j}G_{ij}x_ix_j`, whose planted value is :math:`2q\\binom k2` (exact prior).

Models: Barak, Hopkins, Kelner, Kothari, Moitra, Potechin (planted clique, arXiv
1604.03084); Potechin–Rajendran (planted slightly denser subgraph, arXiv 2011.04253).
The pseudo-calibration is in :mod:`sosrmt.problems.dense_subgraph.calibration`.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from sosrmt._validation import as_rng, check_int, check_real, check_symmetric_matrix
from sosrmt.poly import Polynomial, variables
from sosrmt.problems.protocol import RngLike
from sosrmt.sos import Domain, Semialgebraic, SosResult, solve

__all__ = [
    "baselines",
    "brute_force",
    "edge_count",
    "objective_polynomial",
    "planted_value",
    "program",
    "sample_null",
    "sample_planted",
    "sos_value",
    "spectral_statistic",
]


def _check_q(q: object) -> float:
    return check_real(q, "q", minimum=0.0, maximum=0.5, expected="a density bias in [0, 1/2]")


def _check_nk(n: object, k: object) -> tuple[int, int]:
    n = check_int(n, "n", minimum=2)
    k = check_int(k, "k", minimum=1)
    if k > n:
        raise ValueError(f"k: expected a planted size 1 <= k <= n = {n}, got {k}")
    return n, k


def _check_graph(G: object) -> np.ndarray:
    G = check_symmetric_matrix(G, "G")
    off = G[~np.eye(G.shape[0], dtype=bool)]
    if not np.all(np.abs(off) == 1):
        raise ValueError("G: expected +-1 off-diagonal entries")
    return G


def sample_null(n: int, *, rng: RngLike = None) -> np.ndarray:
    """:math:`G(n,1/2)` as a symmetric :math:`\\pm1` matrix with zero diagonal.

    Examples
    --------
    >>> G = sample_null(5, rng=0)
    >>> bool(np.all(G == G.T)), float(np.abs(G).sum())
    (True, 20.0)
    """
    n = check_int(n, "n", minimum=2)
    gen = as_rng(rng)
    U = np.triu(gen.choice([-1.0, 1.0], size=(n, n)), 1)
    return U + U.T


def sample_planted(n: int, k: int, q: float, *, prior: str = "bernoulli",
                   rng: RngLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Planted graph and the 0/1 indicator of :math:`S`.

    Examples
    --------
    >>> G, x = sample_planted(8, 3, 0.5, prior="exact", rng=0)   # planted clique
    >>> S = np.flatnonzero(x); bool(np.all(G[np.ix_(S, S)] + np.eye(3) == 1))
    True
    """
    n, k = _check_nk(n, k)
    q = _check_q(q)
    if prior not in ("bernoulli", "exact"):
        raise ValueError(f"prior: expected 'bernoulli' or 'exact', got {prior!r}")
    gen = as_rng(rng)
    x = np.zeros(n)
    if prior == "exact":
        x[gen.choice(n, size=k, replace=False)] = 1.0
    else:
        x[gen.random(n) < k / n] = 1.0
    p = np.where(np.outer(x, x) > 0, 0.5 + q, 0.5)
    U = np.triu(np.where(gen.random((n, n)) < p, 1.0, -1.0), 1)
    return U + U.T, x


def planted_value(n: int, k: int, q: float, *, prior: str = "bernoulli") -> float:
    """:math:`\\mathbb E_\\mu\\sum_{i<j}G_{ij}x_ix_j`: :math:`2q\\binom k2` (exact prior) or
    :math:`2q\\rho^2\\binom n2` (Bernoulli, :math:`\\rho = k/n`).

    Examples
    --------
    >>> planted_value(10, 4, 0.5, prior="exact")
    6.0
    """
    n, k = _check_nk(n, k)
    q = _check_q(q)
    if prior == "exact":
        return 2 * q * math.comb(k, 2)
    return 2 * q * (k / n) ** 2 * math.comb(n, 2)


def objective_polynomial(G: npt.ArrayLike) -> Polynomial:
    """:math:`\\sum_{i<j}G_{ij}x_ix_j` in the Boolean ring."""
    G = _check_graph(G)
    W = np.triu(G, 1)
    return Polynomial.quadratic_form(W, ring="boolean")


def program(G: npt.ArrayLike, k: int) -> tuple[Polynomial, Domain]:
    """``(objective, domain)``: ``Semialgebraic`` with :math:`x_i^2 = x_i` and
    :math:`\\sum_i x_i = k` (general ring, since the Boolean domain carries no equality)."""
    G = _check_graph(G)
    n, k = _check_nk(G.shape[0], k)
    x = variables(n)
    card = sum(x, Polynomial.constant(-float(k), n))
    booleans = [xi * xi - xi for xi in x]
    obj = Polynomial.quadratic_form(np.triu(G, 1), ring="general")
    return obj, Semialgebraic(n, equalities=[card, *booleans], bound=1.0)


def brute_force(G: npt.ArrayLike, k: int) -> tuple[float, np.ndarray]:
    """Densest :math:`k`-subgraph: :math:`\\max_{|S|=k}\\sum_{i<j\\in S}G_{ij}` (exact).

    Examples
    --------
    >>> G = -np.ones((4, 4)); G[0, 1] = G[1, 0] = 1
    >>> brute_force(G, 2)[0]
    1.0
    """
    G = _check_graph(G)
    n, k = _check_nk(G.shape[0], k)
    if math.comb(n, k) > 2**23:
        raise ValueError(f"k: brute force enumerates C({n},{k}) subsets, above 2^23")
    best, best_s = -np.inf, None
    combos = itertools.combinations(range(n), k)
    pairs = list(itertools.combinations(range(k), 2))
    pa = np.array([p[0] for p in pairs], dtype=np.intp)
    pb = np.array([p[1] for p in pairs], dtype=np.intp)
    while True:
        block = np.array(list(itertools.islice(combos, 65536)), dtype=np.intp)
        if block.size == 0:
            break
        vals = G[block[:, pa], block[:, pb]].sum(axis=1) if pairs else np.zeros(len(block))
        r = int(np.argmax(vals))
        if vals[r] > best:
            best, best_s = float(vals[r]), block[r]
    x = np.zeros(n)
    x[best_s] = 1.0
    return best, x


def edge_count(G: npt.ArrayLike) -> float:
    """Total signed edge count :math:`\\sum_{i<j}G_{ij}` (mean 0 under the null)."""
    G = _check_graph(G)
    return float(np.triu(G, 1).sum())


def spectral_statistic(G: npt.ArrayLike) -> float:
    """:math:`\\lambda_{\\max}(G)`, about :math:`2\\sqrt n` under the null."""
    return float(np.linalg.eigvalsh(_check_graph(G))[-1])


def baselines(G: npt.ArrayLike) -> dict[str, float]:
    """Classical statistics: :func:`edge_count` (edge counting, effective when
    :math:`k^2q \\gg n`) and :func:`spectral_statistic` (effective when
    :math:`kq \\gg \\sqrt n`).

    Examples
    --------
    >>> b = baselines(sample_null(6, rng=0))
    >>> sorted(b)
    ['edge_count', 'spectral_statistic']
    """
    G = _check_graph(G)
    return {"edge_count": edge_count(G), "spectral_statistic": spectral_statistic(G)}


def sos_value(G: npt.ArrayLike, k: int, degree: int = 4, **solve_kwargs: Any) -> SosResult:
    """Degree-``degree`` SoS value through :func:`sosrmt.sos.solve` (``SosResult``)."""
    objective, domain = program(G, k)
    return solve(objective, domain, degree=check_int(degree, "degree", minimum=2), sense="max",
                 **solve_kwargs)
