"""Planted slightly denser subgraph (PSDS; planted clique at :math:`q = 1/2`): samplers,
program, ground truth, baselines, pseudo-calibration.

Formulation (spec §5; Potechin–Rajendran "Machinery", arXiv 2011.04253; BHKKMP):

* null: :math:`G\\sim G(n,1/2)` encoded as a symmetric :math:`\\pm1` matrix (zero diagonal);
* planted: each vertex joins :math:`S` independently with probability :math:`\\rho = k/n`
  (``prior="bernoulli"``) or :math:`S` is a uniform :math:`k`-subset (``prior="exact"``);
  edges inside :math:`S` are :math:`+1` with probability :math:`1/2+q`;
* program: :math:`x_i^2 = x_i`, :math:`\\sum_i x_i = k`; objective
  :math:`\\sum_{i<j}G_{ij}x_ix_j`, whose planted value is :math:`2q\\binom k2` (exact prior).

Where this differs from the paper: PR's exact program and (k, q) regime could not be read
(full text not available to the search tools here). For planted clique, BHKKMP relax the
size constraint to the inequality :math:`\\sum_i x_i \\ge k` (the "soft" version; Pang,
CCC 2021, abstract, proves the equality version): the residual reported here is that of the
equality, so it over-states the violation of the soft program. Both truncations of the spec are
implemented: T2 (vertex count :math:`|V(T)\\cup I|\\le\\tau`, BHKKMP style, the default) and
T1 (Fourier degree). The phase-diagram ratio is :math:`kq/\\sqrt n` (the spectral threshold;
edge counting needs :math:`k^2q \\gg n`).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from sosrmt._validation import as_rng, check_int, check_symmetric_matrix
from sosrmt.calibration import (
    CalibrationReport,
    SignedMeasure,
    dense_subgraph_low_degree_norm,
    dense_subgraph_measure,
)
from sosrmt.poly import Polynomial, variables
from sosrmt.problems.protocol import RngLike
from sosrmt.sos import Domain, PseudoExpectation, Semialgebraic, SosResult, solve

__all__ = [
    "baselines",
    "brute_force",
    "calibration_report",
    "edge_count",
    "low_degree_norm",
    "lowerbound_cell",
    "objective_polynomial",
    "planted_value",
    "program",
    "pseudo_calibration",
    "pseudo_expectation",
    "sample_null",
    "sample_planted",
    "shape_report",
    "sos_value",
    "spectral_statistic",
]


def _check_q(q: object) -> float:
    try:
        v = float(q)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"q: expected a real number, got {q!r}") from None
    if not math.isfinite(v) or not 0 <= v <= 0.5:
        raise ValueError(f"q: expected a density bias in [0, 1/2], got {q!r}")
    return v


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


def _prior_args(n: int, k: int, prior: str) -> dict[str, Any]:
    if prior == "exact":
        return {"k": k}
    if prior == "bernoulli":
        return {"rho": k / n}
    raise ValueError(f"prior: expected 'bernoulli' or 'exact', got {prior!r}")


def pseudo_calibration(G: npt.ArrayLike, k: int, q: float, *, tau: int | None = None,
                       trunc: int | None = None, prior: str = "bernoulli") -> SignedMeasure:
    """Pseudo-calibrated signed measure (spec §5.2): ``tau`` (T2, default 4) or ``trunc`` (T1)."""
    G = _check_graph(G)
    n, k = _check_nk(G.shape[0], k)
    if tau is None and trunc is None:
        tau = 4
    return dense_subgraph_measure(G, _check_q(q), tau=tau, trunc=trunc,
                                  **_prior_args(n, k, prior))


def pseudo_expectation(G: npt.ArrayLike, k: int, q: float, *, tau: int | None = None,
                       trunc: int | None = None, prior: str = "bernoulli",
                       degree: int = 4) -> PseudoExpectation:
    """The pseudo-calibration as a normalised :class:`sosrmt.sos.PseudoExpectation` on the
    ``Semialgebraic`` domain of :func:`program` (:math:`x_i^2 = x_i`, :math:`\\sum x_i = k`)."""
    _, domain = program(G, k)
    mu = pseudo_calibration(G, k, q, tau=tau, trunc=trunc, prior=prior)
    return mu.to_pseudo_expectation(domain, degree)


def low_degree_norm(n: int, k: int, q: float, trunc: int, *, prior: str = "bernoulli") -> float:
    """:math:`\\mathbb E K_D` under T1 (so :math:`\\mathrm{Var}_\\nu\\tilde{\\mathbb E}[1] =
    \\mathbb E K_D - 1`)."""
    n, k = _check_nk(n, k)
    return dense_subgraph_low_degree_norm(n, _check_q(q), trunc, **_prior_args(n, k, prior))


def calibration_report(G: npt.ArrayLike, k: int, q: float, *, tau: int | None = None,
                       trunc: int | None = None, prior: str = "bernoulli",
                       degree: int = 4) -> CalibrationReport:
    """Diagnostics of spec §1.8; residual ``"cardinality"`` for :math:`\\sum_i x_i = k`, the
    objective ratio against :func:`planted_value`.

    Examples
    --------
    >>> G, _ = sample_planted(6, 3, 0.25, rng=0)
    >>> rep = calibration_report(G, 3, 0.25, tau=4)
    >>> rep.basis_size
    22
    """
    G = _check_graph(G)
    n = G.shape[0]
    degree = check_int(degree, "degree", minimum=2)
    if tau is not None and tau < degree:
        raise ValueError(f"tau: the vertex-truncated measure is exact only for moments of "
                         f"degree <= tau; expected tau >= degree = {degree}, got {tau}")
    mu = pseudo_calibration(G, k, q, tau=tau, trunc=trunc, prior=prior)
    pts = mu.prior.points
    card = pts.sum(axis=1) - k
    W = np.triu(G, 1)
    obj = np.einsum("ri,ij,rj->r", pts, W, pts)
    return mu.report(degree, constraints={"cardinality": (card, 1)}, objective=obj,
                     target=planted_value(n, k, q, prior=prior) or None)


def shape_report(G: npt.ArrayLike, k: int, q: float, *, tau: int = 4, prior: str = "bernoulli",
                 degree: int = 4) -> CalibrationReport:
    """Diagnostics of the **shape form** (vertex truncation only), which reaches
    :math:`n\\ge40`; same fields as :func:`calibration_report`.

    Examples
    --------
    >>> G, _ = sample_planted(6, 3, 0.25, rng=0)
    >>> a, b = shape_report(G, 3, 0.25, tau=4), calibration_report(G, 3, 0.25, tau=4)
    >>> bool(abs(a.mu_min - b.mu_min) < 1e-9 and abs(a.residual - b.residual) < 1e-9)
    True
    """
    from sosrmt.calibration.shapes import (
        dense_subgraph_shape_form,
        dense_subgraph_shape_objective,
        dense_subgraph_shape_residual,
    )

    G = _check_graph(G)
    n, k = _check_nk(G.shape[0], k)
    q = _check_q(q)
    sf = dense_subgraph_shape_form(G, q, tau=tau, degree=degree, **_prior_args(n, k, prior))
    return sf.report(degree, residuals={"cardinality": dense_subgraph_shape_residual(sf, k,
                                                                                     degree)},
                     objective=dense_subgraph_shape_objective(sf, G),
                     target=planted_value(n, k, q, prior=prior) or None)


def lowerbound_cell(*, rng: RngLike, n: int, ratio: float, trunc: int = 4,
                    k: int | None = None, truncation: str = "vertex",
                    prior: str = "bernoulli", degree: int = 4,
                    form: str = "auto") -> dict[str, float | int | str | None]:
    """One phase-diagram cell; a sweep job (``"sosrmt.problems.dense_subgraph:lowerbound_cell"``).

    :math:`k = \\lceil\\sqrt n\\rceil` by default and :math:`q = \\mathrm{ratio}\\cdot\\sqrt n/k`
    (``ratio`` = :math:`kq/\\sqrt n`); ``trunc`` is :math:`\\tau` (``truncation="vertex"``) or
    :math:`D` (``"degree"``). The instances are drawn from ``rng`` before anything depends
    on ``form``.

    Returns
    -------
    dict
        Results only: ``k_used``, ``q``, ``form_used`` and the diagnostics of the null
        instance and of the planted control (``planted_*``).

    Examples
    --------
    >>> row = lowerbound_cell(rng=0, n=6, ratio=0.2)
    >>> {"k_used", "q", "mu_min", "residual", "objective_ratio"} <= set(row)
    True
    """
    gen = as_rng(rng)
    n = check_int(n, "n", minimum=2)
    k = max(2, math.ceil(math.sqrt(n))) if k is None else k
    n, k = _check_nk(n, k)
    trunc = check_int(trunc, "trunc", minimum=1)
    degree = check_int(degree, "degree", minimum=2)
    q = float(ratio) * math.sqrt(n) / k
    if not 0 < q <= 0.5:
        raise ValueError(f"ratio: gives q = ratio*sqrt(n)/k = {q:.3g}, expected q in (0, 1/2]")
    if truncation not in ("vertex", "degree"):
        raise ValueError(f"truncation: expected 'vertex' or 'degree', got {truncation!r}")
    if form == "auto":
        form = "signed" if (n <= 16 or truncation == "degree") else "shape"
    if form not in ("signed", "shape"):
        raise ValueError(f"form: expected 'auto', 'signed' or 'shape', got {form!r}")
    if form == "shape" and truncation != "vertex":
        raise ValueError("form: the shape form needs the vertex truncation (truncation='vertex')")
    G = sample_null(n, rng=gen)
    Gp, _ = sample_planted(n, k, q, prior=prior, rng=gen)
    if form == "shape":
        null = shape_report(G, k, q, tau=trunc, prior=prior, degree=degree)
        planted = shape_report(Gp, k, q, tau=trunc, prior=prior, degree=degree)
    else:
        kw = {"tau": trunc} if truncation == "vertex" else {"trunc": trunc}
        null = calibration_report(G, k, q, prior=prior, degree=degree, **kw)
        planted = calibration_report(Gp, k, q, prior=prior, degree=degree, **kw)
    return {"k_used": k, "q": q, "form_used": form,
            "e1": null.e1, "mu_min": null.mu_min, "residual": null.residual,
            "objective_ratio": null.objective_ratio, "negative_mass": null.negative_mass,
            "planted_e1": planted.e1, "planted_mu_min": planted.mu_min,
            "planted_objective_ratio": planted.objective_ratio}
