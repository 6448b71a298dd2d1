"""Sparse PCA (Wishart / spiked covariance): samplers, program, ground truth, baselines,
pseudo-calibration.

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
from math import comb
from typing import Any

import numpy as np
import numpy.typing as npt

from sosrmt._validation import as_rng, check_finite_array, check_int, check_memory
from sosrmt.calibration import (
    CalibrationReport,
    EnumeratedPrior,
    SignedMeasure,
    hermite_e_table,
    pair_overlap_expectation,
    series_multiply,
    sparse_ternary,
)
from sosrmt.calibration.reweighting import ROW_CHUNK, check_nonnegative, check_trunc
from sosrmt.poly import Polynomial, variables
from sosrmt.problems.protocol import RngLike
from sosrmt.sos import Domain, PseudoExpectation, Semialgebraic, SosResult, solve

__all__ = [
    "baselines",
    "brute_force",
    "calibration_report",
    "degree2_sdp",
    "diagonal_statistic",
    "low_degree_norm",
    "lowerbound_cell",
    "objective_polynomial",
    "planted_value",
    "program",
    "pseudo_calibration",
    "pseudo_expectation",
    "sample_null",
    "sample_planted",
    "sos_value",
    "sparse_pca_low_degree_norm",
    "sparse_pca_measure",
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
    try:
        v = float(delta)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"delta: expected a real number, got {delta!r}") from None
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"delta: expected a non-negative spike strength, got {delta!r}")
    return v


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


def sparse_pca_measure(V: npt.ArrayLike, delta: float, k: int, trunc: int, *, exact: bool = False,
                       prior: EnumeratedPrior | None = None) -> SignedMeasure:
    """Pseudo-calibrated signed measure for Wishart sparse PCA.

    Parameters
    ----------
    V : array_like, shape (m, d)
        Samples :math:`v_j` as rows.
    delta : float
        Spike strength :math:`\\Delta \\ge 0`.
    k : int
        Sparsity, ``1 <= k <= d``.
    trunc : int
        Hermite-degree truncation :math:`D \\ge 2` (the objective has degree 2 in the data).
    exact : bool
        Exact-``k`` prior instead of the Bernoulli prior (default).
    prior : EnumeratedPrior, optional
        Overrides the prior.

    Notes
    -----
    :math:`\\mathbb E[He_{\\alpha_j}(v_j)\\mid u] = \\mathbf 1[|\\alpha_j|\\text{ even}]
    (|\\alpha_j|-1)!!\\,\\Delta^{|\\alpha_j|/2}u^{\\alpha_j}`
    (conditional Gaussian Hermite moments);
    summing with the addition identity gives
    :math:`F_D = [t^{\\le D}]\\prod_j\\sum_l\\frac{(a/2)^l}{l!}He_{2l}(z_j)t^{2l}` with
    :math:`z_j = \\langle u,v_j\\rangle/\\|u\\|`, :math:`a = \\Delta\\|u\\|^2`
    (:math:`F \\equiv 1` at :math:`u = 0`).

    Examples
    --------
    >>> mu = sparse_pca_measure(np.zeros((2, 3)), 1.0, 1, 2)
    >>> abs(round(mu.e1, 12))   # E_u [1 + sum_j (a/2) He_2(0)] = 1 - 2 * E a / 2
    0.0
    """
    V = check_finite_array(V, "V", ndim=2)
    delta = check_nonnegative(delta, "delta")
    m, d = V.shape
    k = check_int(k, "k", minimum=1)
    if k > d:
        raise ValueError(f"k: expected a sparsity 1 <= k <= d = {d}, got {k}")
    trunc = check_trunc(trunc, 2, "the objective sum_j <v_j, x>^2 has degree 2 in the data")
    prior = sparse_ternary(d, k, exact=exact) if prior is None else prior
    if prior.n != d:
        raise ValueError(f"prior: expected a prior on {d} variables, got {prior.n}")
    F = np.empty(prior.size)
    L = trunc // 2
    for start in range(0, prior.size, ROW_CHUNK):
        u = prior.points[start:start + ROW_CHUNK]
        norm2 = (u**2).sum(axis=1)
        safe = np.where(norm2 > 0, np.sqrt(norm2), 1.0)
        z = (u @ V.T) / safe[:, None]                           # (r, m)
        a = delta * norm2                                       # (r,)
        He = hermite_e_table(z, 2 * L)
        ser = np.zeros((*z.shape, trunc + 1))
        for l in range(L + 1):
            ser[..., 2 * l] = ((a / 2) ** l / math.factorial(l))[:, None] * He[2 * l]
        acc = ser[:, 0, :]
        for j in range(1, m):
            acc = series_multiply(acc, ser[:, j, :])
        F[start:start + u.shape[0]] = acc.sum(axis=1)
    return SignedMeasure(prior, prior.probs * F,
                         f"sparse PCA m={m} d={d} k={k} Delta={delta:g} D={trunc}")


def sparse_pca_low_degree_norm(d: int, k: int, m: int, delta: float, trunc: int, *,
                               exact: bool = False) -> float:
    """:math:`\\mathbb E K_D` for sparse PCA, by enumerating pairs of prior points.

    Notes
    -----
    :math:`K_D = [t^{\\le D}](\\sum_l\\binom{2l}{l}(\\Delta\\rho/2)^{2l}t^{2l})^m`,
    :math:`\\rho = \\langle u,u'\\rangle`.

    Examples
    --------
    >>> round(sparse_pca_low_degree_norm(3, 1, 2, 0.0, 4), 9)
    1.0
    """
    prior = sparse_ternary(d, k, exact=exact)
    m = check_int(m, "m", minimum=1)
    delta = check_nonnegative(delta, "delta")
    trunc = check_int(trunc, "trunc", minimum=0)

    def kernel(rho: np.ndarray) -> np.ndarray:
        ser = np.zeros((*rho.shape, trunc + 1))
        for l in range(trunc // 2 + 1):
            ser[..., 2 * l] = comb(2 * l, l) * (delta * rho / 2) ** (2 * l)
        acc = ser.copy()
        for _ in range(m - 1):
            acc = series_multiply(acc, ser)
        return acc.sum(axis=-1)

    return pair_overlap_expectation(prior, kernel)


def pseudo_calibration(V: npt.ArrayLike, k: int, delta: float, trunc: int = 4, *,
                       prior: str = "bernoulli") -> SignedMeasure:
    """Pseudo-calibrated signed measure, see
    :func:`sosrmt.calibration.sparse_pca_measure`."""
    return sparse_pca_measure(V, _check_delta(delta), k, trunc, exact=_check_prior(prior))


def pseudo_expectation(V: npt.ArrayLike, k: int, delta: float, trunc: int = 4, *,
                       prior: str = "exact", degree: int = 4) -> PseudoExpectation:
    """The pseudo-calibration as a normalised :class:`sosrmt.sos.PseudoExpectation` on the
    ``Semialgebraic`` domain of :func:`program` (its ``check()`` reports the residuals of
    :math:`\\sum x_i^2 = 1` and :math:`x_i^3 = x_i/k`)."""
    _, domain = program(V, k)
    return pseudo_calibration(V, k, delta, trunc, prior=prior).to_pseudo_expectation(domain,
                                                                                   degree)


def low_degree_norm(d: int, k: int, m: int, delta: float, trunc: int, *,
                    prior: str = "bernoulli") -> float:
    """:math:`\\mathbb E K_D`, so that
    :math:`\\mathrm{Var}_\\nu\\tilde{\\mathbb E}[1] = \\mathbb E K_D - 1`."""
    return sparse_pca_low_degree_norm(d, k, m, delta, trunc, exact=_check_prior(prior))


def calibration_report(V: npt.ArrayLike, k: int, delta: float, trunc: int = 4, *,
                       prior: str = "bernoulli", degree: int = 4) -> CalibrationReport:
    """The standard diagnostics (:class:`~sosrmt.calibration.CalibrationReport`); residual
    ``"sphere"`` for :math:`\\sum x_i^2 = 1` and the
    objective ratio against the planted value.

    Examples
    --------
    >>> V, _ = sample_planted(4, 4, 2, 1.0, prior="exact", rng=0)
    >>> rep = calibration_report(V, 2, 1.0, prior="exact")
    >>> rep.residuals["sphere"] < 1e-9
    True
    """
    V = check_finite_array(V, "V", ndim=2)
    mu = pseudo_calibration(V, k, delta, trunc, prior=prior)
    pts = mu.prior.points
    sphere = (pts**2).sum(axis=1) - 1.0
    obj = ((pts @ V.T) ** 2).sum(axis=1)
    target = planted_value(V.shape[0], V.shape[1], k, delta, prior=prior)
    return mu.report(degree, constraints={"sphere": (sphere, 2)}, objective=obj, target=target)


def lowerbound_cell(*, rng: RngLike, n: int, ratio: float, trunc: int = 4, k: int = 2,
                    delta: float = 1.0, regime: str = "k2", prior: str = "exact",
                    degree: int = 4) -> dict[str, float | int | None]:
    """One phase-diagram cell; a sweep job (``"sosrmt.problems.sparse_pca:lowerbound_cell"``).

    ``n`` is the dimension :math:`d`; the sample count is
    :math:`m = \\lceil\\mathrm{ratio}\\cdot k^2/\\Delta^2\\rceil` (``regime="k2"``) or
    :math:`\\lceil\\mathrm{ratio}\\cdot d/\\Delta^2\\rceil` (``regime="d"``).

    Returns
    -------
    dict
        Results only: ``m`` and the diagnostics of the null instance and of the planted
        control (``planted_*``).

    Examples
    --------
    >>> row = lowerbound_cell(rng=0, n=5, ratio=0.5, k=2)
    >>> {"m", "mu_min", "residual", "objective_ratio"} <= set(row)
    True
    """
    gen = as_rng(rng)
    _, d, k = _check_dims(1, n, k)
    trunc = check_int(trunc, "trunc", minimum=2)
    degree = check_int(degree, "degree", minimum=2)
    delta = _check_delta(delta)
    if delta == 0:
        raise ValueError("delta: expected a positive spike strength for the phase diagram")
    if regime not in ("k2", "d"):
        raise ValueError(f"regime: expected 'k2' or 'd', got {regime!r}")
    if not float(ratio) > 0:
        raise ValueError(f"ratio: expected a positive ratio, got {ratio!r}")
    scale = k**2 if regime == "k2" else d
    m = max(1, math.ceil(float(ratio) * scale / delta**2))
    V = sample_null(m, d, rng=gen)
    Vp, _ = sample_planted(m, d, k, delta, prior=prior, rng=gen)
    null = calibration_report(V, k, delta, trunc, prior=prior, degree=degree)
    planted = calibration_report(Vp, k, delta, trunc, prior=prior, degree=degree)
    return {"m": m,
            "e1": null.e1, "mu_min": null.mu_min, "residual": null.residual,
            "objective_ratio": null.objective_ratio, "negative_mass": null.negative_mass,
            "planted_e1": planted.e1, "planted_mu_min": planted.mu_min,
            "planted_objective_ratio": planted.objective_ratio}
