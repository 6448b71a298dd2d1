"""Sparse PCA (Wishart / spiked covariance): samplers, program, ground truth, baselines
(the pseudo-calibration is in :mod:`sosrmt.problems.sparse_pca.calibration`).

Model of Potechin–Rajendran (arXiv 2011.04253, Wishart sparse PCA):

* null: :math:`v_1,\\dots,v_m \\sim N(0, I_d)`;
* planted: :math:`v_j \\sim N(0, I_d + \\Delta uu^\\top)` with :math:`u_i = 0` w.p.
  :math:`1-k/d` and :math:`\\pm1/\\sqrt k` w.p. :math:`k/(2d)` each (``prior="bernoulli"``),
  or uniform over :math:`k`-subsets and signs (``prior="exact"``, so :math:`\\|u\\| = 1`);
* program: maximise :math:`\\sum_j\\langle v_j,x\\rangle^2` subject to
  :math:`\\sum_i x_i^2 = 1` and :math:`x_i^3 = x_i/k`;
* planted value :math:`m(\\mathbb E\\|u\\|^2 + \\Delta\\mathbb E\\|u\\|^4)`.

The pseudo-calibration uses a Hermite-degree truncation :math:`D` (the paper truncates by
shape size; see ``docs/theory/lowerbounds.rst``). Under the Bernoulli prior the sphere
constraint has an intrinsic residual (reported); the exact-``k`` prior satisfies it exactly.
The regime parameters of the phase diagrams are :math:`m\\Delta^2/k^2` and
:math:`m\\Delta^2/d` (the lower bound of PR holds when both are below :math:`n^{-\\varepsilon}`).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from sosrmt._validation import as_rng, check_finite_array, check_int, check_memory, check_real
from sosrmt.poly import Polynomial, variables
from sosrmt.problems.protocol import RngLike
from sosrmt.sos import Domain, Semialgebraic, SosResult, solve

__all__ = [
    "baselines",
    "brute_force",
    "degree2_sdp",
    "diagonal_statistic",
    "objective_polynomial",
    "planted_value",
    "program",
    "sample_null",
    "sample_planted",
    "sample_spike",
    "sos_value",
    "spectral_statistic",
]


def _check_dims(m: object, d: object, k: object | None = None) -> tuple[int, int, int | None]:
    m = check_int(m, "m", minimum=1)
    d = check_int(d, "d", minimum=1)
    if k is not None:
        k = check_int(k, "k", minimum=1)
        if k > d:
            raise ValueError(f"k: expected a sparsity 1 <= k <= d = {d}, got {k}")
    check_memory(8.0 * m * d, f"{m} samples in dimension {d}")
    return m, d, k


def _check_delta(delta: object) -> float:
    return check_real(delta, "delta", minimum=0.0, expected="a non-negative spike strength")


def _check_prior(prior: str) -> bool:
    if prior not in ("bernoulli", "exact"):
        raise ValueError(f"prior: expected 'bernoulli' or 'exact', got {prior!r}")
    return prior == "exact"


def sample_null(m: int, d: int, *, rng: RngLike = None) -> np.ndarray:
    """``m`` samples of :math:`N(0, I_d)` as rows.

    Examples
    --------
    >>> sample_null(5, 3, rng=0).shape
    (5, 3)
    """
    m, d, _ = _check_dims(m, d)
    return as_rng(rng).standard_normal((m, d))


def sample_spike(d: int, k: int, *, prior: str = "bernoulli", rng: RngLike = None) -> np.ndarray:
    """Draw the sparse spike :math:`u` from the Bernoulli or exact-``k`` prior."""
    _, d, k = _check_dims(1, d, k)
    exact = _check_prior(prior)
    gen = as_rng(rng)
    signs = gen.choice([-1.0, 1.0], size=d)
    if exact:
        mask = np.zeros(d, bool)
        mask[gen.choice(d, size=k, replace=False)] = True
    else:
        mask = gen.random(d) < k / d
    return np.where(mask, signs / np.sqrt(k), 0.0)


def sample_planted(m: int, d: int, k: int, delta: float, *, prior: str = "bernoulli",
                   rng: RngLike = None) -> tuple[np.ndarray, np.ndarray]:
    """``m`` samples of :math:`N(0, I + \\Delta uu^\\top)` and the spike :math:`u`.

    Examples
    --------
    >>> V, u = sample_planted(50, 6, 2, 3.0, prior="exact", rng=0)
    >>> V.shape, int(np.count_nonzero(u))
    ((50, 6), 2)
    """
    m, d, k = _check_dims(m, d, k)
    delta = _check_delta(delta)
    gen = as_rng(rng)
    u = sample_spike(d, k, prior=prior, rng=gen)
    g = gen.standard_normal((m, d))
    # covariance I + delta u u^T: add sqrt(1 + delta|u|^2) - 1 times the component along u
    nrm = np.linalg.norm(u)
    if nrm > 0:
        e = u / nrm
        g = g + np.outer(g @ e, e) * (np.sqrt(1 + delta * nrm**2) - 1)
    return g, u


def planted_value(m: int, d: int, k: int, delta: float, *, prior: str = "bernoulli") -> float:
    """:math:`\\mathbb E_\\mu\\sum_j\\langle v_j,u\\rangle^2 = m(\\mathbb E\\|u\\|^2 +
    \\Delta\\mathbb E\\|u\\|^4)`.

    Notes
    -----
    Bernoulli prior: :math:`\\|u\\|^2 = N/k` with :math:`N\\sim\\mathrm{Bin}(d,k/d)`, so
    :math:`\\mathbb E\\|u\\|^2 = 1` and :math:`\\mathbb E\\|u\\|^4 = 1 + (1-k/d)/k`.
    Exact prior: both are 1.

    Examples
    --------
    >>> planted_value(10, 4, 2, 1.0, prior="exact")
    20.0
    """
    m, d, k = _check_dims(m, d, k)
    delta = _check_delta(delta)
    if _check_prior(prior):
        return float(m * (1 + delta))
    return float(m * (1 + delta * (1 + (1 - k / d) / k)))


def objective_polynomial(V: npt.ArrayLike) -> Polynomial:
    """:math:`\\sum_j\\langle v_j, x\\rangle^2 = x^\\top V^\\top V x` (general ring)."""
    V = check_finite_array(V, "V", ndim=2)
    return Polynomial.quadratic_form(V.T @ V, ring="general")


def program(V: npt.ArrayLike, k: int) -> tuple[Polynomial, Domain]:
    """``(objective, domain)``: the domain is ``Semialgebraic`` with :math:`\\sum x_i^2 = 1`
    and :math:`x_i^3 = x_i/k`."""
    V = check_finite_array(V, "V", ndim=2)
    d = V.shape[1]
    _check_dims(V.shape[0], d, k)
    x = variables(d)
    sphere = sum((xi * xi for xi in x), Polynomial.constant(-1.0, d))
    cubes = [xi * xi * xi - xi * (1.0 / k) for xi in x]
    return objective_polynomial(V), Semialgebraic(d, equalities=[sphere, *cubes], bound=1.0)


def brute_force(V: npt.ArrayLike, k: int) -> tuple[float, np.ndarray]:
    """Exact
    :math:`\\max\\{x^\\top Sx : x\\in\\{0,\\pm1/\\sqrt k\\}^d, |\\mathrm{supp}\\,x| = k\\}`.

    Enumerates :math:`\\binom dk 2^{k-1}` points (refused above :math:`2^{22}`).

    Examples
    --------
    >>> V = np.array([[1.0, 1.0, 0.0]])
    >>> round(brute_force(V, 2)[0], 12)
    2.0
    """
    V = check_finite_array(V, "V", ndim=2)
    _m, d, k = _check_dims(V.shape[0], V.shape[1], k)
    count = math.comb(d, k) * 2 ** (k - 1)
    if count > 2**22:
        raise ValueError(f"k: brute force needs {count} points, above 2^22; choose smaller d, k")
    S = V.T @ V
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=k - 1)))
    signs = np.hstack([np.ones((signs.shape[0], 1)), signs]) / np.sqrt(k)
    best, best_x = -np.inf, None
    for support in itertools.combinations(range(d), k):
        sub = S[np.ix_(support, support)]
        vals = np.einsum("ri,ij,rj->r", signs, sub, signs)
        r = int(np.argmax(vals))
        if vals[r] > best:
            best = float(vals[r])
            best_x = np.zeros(d)
            best_x[list(support)] = signs[r]
    return best, best_x


def spectral_statistic(V: npt.ArrayLike) -> float:
    """:math:`\\lambda_{\\max}(\\sum_j v_jv_j^\\top)`, about :math:`(\\sqrt m+\\sqrt d)^2` under
    the null (an upper bound on the objective over the unit sphere)."""
    V = check_finite_array(V, "V", ndim=2)
    return float(np.linalg.eigvalsh(V.T @ V)[-1])


def diagonal_statistic(V: npt.ArrayLike) -> float:
    """Diagonal thresholding statistic :math:`\\max_i\\sum_j v_{ji}^2`."""
    V = check_finite_array(V, "V", ndim=2)
    return float((V**2).sum(axis=0).max())


def degree2_sdp(V: npt.ArrayLike, k: int, *, solver: str = "SCS") -> float:
    """DSPCA-type degree-2 relaxation :math:`\\max\\langle S,X\\rangle` s.t.
    :math:`\\mathrm{tr}X=1`,
    :math:`X\\succeq0`, :math:`\\sum_{ij}|X_{ij}|\\le k` (cvxpy); an upper bound on the
    :math:`k`-sparse optimum."""
    import cvxpy as cp

    V = check_finite_array(V, "V", ndim=2)
    _, d, k = _check_dims(V.shape[0], V.shape[1], k)
    S = V.T @ V
    X = cp.Variable((d, d), symmetric=True)
    prob = cp.Problem(cp.Maximize(cp.trace(S @ X)),
                      [X >> 0, cp.trace(X) == 1, cp.sum(cp.abs(X)) <= k])
    prob.solve(solver=solver)
    if prob.status not in ("optimal", "optimal_inaccurate"):
        raise RuntimeError(f"degree2_sdp: solver status {prob.status}")
    return float(prob.value)


def baselines(V: npt.ArrayLike, k: int, *, sdp: bool = True) -> dict[str, float]:
    """Classical baselines: :func:`spectral_statistic`, :func:`diagonal_statistic` and (with
    ``sdp=True``) the degree-2 relaxation :func:`degree2_sdp`, an upper bound on the
    :math:`k`-sparse optimum.

    Examples
    --------
    >>> V = sample_null(20, 4, rng=0)
    >>> sorted(baselines(V, 2, sdp=False))
    ['diagonal_statistic', 'spectral_statistic']
    """
    V = check_finite_array(V, "V", ndim=2)
    out = {"spectral_statistic": spectral_statistic(V),
           "diagonal_statistic": diagonal_statistic(V)}
    if sdp:
        out["degree2_sdp"] = degree2_sdp(V, k)
    return out


def sos_value(V: npt.ArrayLike, k: int, degree: int = 4, **solve_kwargs: Any) -> SosResult:
    """Degree-``degree`` SoS value through :func:`sosrmt.sos.solve` (``SosResult``)."""
    objective, domain = program(V, k)
    return solve(objective, domain, degree=check_int(degree, "degree", minimum=2), sense="max",
                 **solve_kwargs)
