"""Pseudo-calibration of the planted dense subgraph: the signed-measure form (closed forms of
:math:`F_D` under both truncations), the shape form (vertex truncation), the low-degree
norm, the diagnostics and the phase-diagram cell.

:math:`\\mathbb E_\\mu[x_I\\chi_T] = \\Pr[I\\cup V(T)\\subseteq S](2q)^{|T|}`; truncation T1
(Fourier degree :math:`|T|\\le D`, elementary symmetric polynomials) or T2 (vertex count
:math:`|V(T)\\cup I|\\le\\tau`, Möbius inversion over vertex sets). Shape form under T2:
shapes are simple graphs on :math:`U` plus non-isolated middle vertices,
:math:`\\lambda_\\alpha = f(|V(\\alpha)|)(2q)^{|E(\\alpha)|}` with
:math:`f(s) = \\Pr[U\\subseteq S]` (:math:`\\rho^s` or :math:`[k]_s/[n]_s`), Rademacher input;
it agrees entry by entry with the signed-measure form (tested). Sources and status:
``docs/theory/lowerbounds.rst``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from functools import cache
from math import comb
from typing import Any

import numpy as np
import numpy.typing as npt

from sosrmt._validation import as_rng, check_finite_array, check_int, check_memory
from sosrmt.calibration import (
    CalibrationReport,
    EnumeratedPrior,
    ShapeClass,
    ShapeForm,
    SignedMeasure,
    canonical_form,
    elementary_symmetric,
    evaluate_shapes,
    pair_overlap_expectation,
    subset_mobius_weights,
    subset_prior,
)
from sosrmt.calibration.estimates import (
    refuse_if_too_big,
    shape_form_estimate,
    signed_form_estimate,
)
from sosrmt.calibration.reweighting import ROW_CHUNK, check_nonnegative, check_trunc
from sosrmt.graphs import GraphInput
from sosrmt.problems.dense_subgraph.matrix_free import estimate_matrix_free, matrix_free_report
from sosrmt.problems.dense_subgraph.model import (
    _check_graph,
    _check_nk,
    _check_q,
    planted_value,
    program,
    sample_null,
    sample_planted,
)
from sosrmt.problems.protocol import RngLike, matrix_free_cell_row
from sosrmt.sos import PseudoExpectation

__all__ = [
    "calibration_report",
    "dense_subgraph_low_degree_norm",
    "dense_subgraph_measure",
    "dense_subgraph_shape_form",
    "dense_subgraph_shape_objective",
    "dense_subgraph_shape_residual",
    "dense_subgraph_shapes",
    "estimate_cell",
    "low_degree_norm",
    "lowerbound_cell",
    "pseudo_calibration",
    "pseudo_expectation",
    "shape_report",
]


def _subset_prob_fn(n: int, rho: float | None, k: int | None) -> Callable[[int], float]:
    if rho is not None:
        return lambda s: rho**s
    return lambda s: (math.perm(k, s) / math.perm(n, s)) if s <= k else 0.0


def dense_subgraph_measure(G: npt.ArrayLike, q: float, *, rho: float | None = None,
                           k: int | None = None, trunc: int | None = None,
                           tau: int | None = None) -> SignedMeasure:
    """Pseudo-calibrated signed measure for the planted slightly denser subgraph.

    Parameters
    ----------
    G : array_like, shape (n, n)
        Symmetric :math:`\\pm1` adjacency matrix (diagonal ignored).
    q : float
        Density bias, :math:`0 \\le q \\le 1/2` (:math:`q = 1/2`: planted clique).
    rho, k : float or int
        Prior: Bernoulli(``rho``) membership, or a uniform ``k``-subset (give one).
    trunc : int, optional
        T1: Fourier degree :math:`|T| \\le D` (``>= 1``: the objective has degree 1 in G).
    tau : int, optional
        T2: vertex count :math:`|V(T)\\cup I|\\le\\tau` (BHKKMP). Give exactly one of
        ``trunc`` and ``tau``. The resulting measure is exact for moments of degree
        ``<= tau``; moment matrices need ``degree <= tau``.

    Notes
    -----
    T1: :math:`F_D(S;G) = \\sum_{j\\le D}e_j(\\{2qG_e\\}_{e\\subseteq S})`.
    T2 (Möbius inversion): :math:`\\tilde{\\mathbb E}[x_I] = \\sum_{W\\supseteq I,|W|\\le\\tau}
    w_{|W|}\\prod_{e\\subseteq W}(1+2qG_e)` with :math:`w` from :func:`subset_mobius_weights`
    (Bernoulli prior: :math:`w_t = \\rho^t\\beta_{\\tau-t}(n-t)`). This is a signed measure on
    the indicator vectors of sets of size :math:`\\le\\tau`; its "prior" (used for
    :math:`\\Lambda_0`) is the same construction at :math:`q = 0`, which reproduces the
    prior moments of degree :math:`\\le\\tau`.

    Examples
    --------
    >>> G = -np.ones((4, 4))
    >>> mu = dense_subgraph_measure(G, 0.0, rho=0.5, tau=4)
    >>> round(mu.e1, 12), round(mu.expect(lambda X: X[:, 0] * X[:, 1]), 12)
    (1.0, 0.25)
    """
    G = check_finite_array(G, "G", ndim=2)
    n = G.shape[0]
    if G.shape != (n, n):
        raise ValueError(f"G: expected a square matrix, got shape {G.shape}")
    q = check_nonnegative(q, "q")
    if q > 0.5:
        raise ValueError(f"q: expected a density bias in [0, 1/2], got {q}")
    if (trunc is None) == (tau is None):
        raise ValueError("trunc, tau: give exactly one truncation (trunc: T1, tau: T2)")
    iu, ju = np.triu_indices(n, 1)
    if trunc is not None:
        trunc = check_trunc(trunc, 1, "the objective has degree 1 in G")
        prior = subset_prior(n, rho=rho, k=k)
        X = prior.points
        F = np.empty(prior.size)
        for start in range(0, prior.size, ROW_CHUNK):
            x = X[start:start + ROW_CHUNK]
            vals = 2 * q * G[iu, ju][None, :] * x[:, iu] * x[:, ju]
            F[start:start + x.shape[0]] = elementary_symmetric(vals, trunc).sum(axis=1)
        return SignedMeasure(prior, prior.probs * F,
                             f"dense subgraph n={n} q={q:g} D={trunc} (T1)")
    tau = check_trunc(tau, 2, "the objective has degree 2 in x")
    base = subset_prior(n, rho=rho, k=k, max_size=tau) if k is None else None
    if k is not None:
        k = check_int(k, "k", minimum=1)
        if k > n:
            raise ValueError(f"k: expected a subset size 1 <= k <= n = {n}, got {k}")
        base = subset_prior(n, rho=0.5, max_size=tau)   # support only; weights set below
    if rho is not None and not 0 < float(rho) < 1:
        raise ValueError(f"rho: expected a probability in (0, 1), got {rho}")
    X = base.points
    sizes = X.sum(axis=1).astype(int)
    w = subset_mobius_weights(n, tau, _subset_prob_fn(n, rho, k))
    wt = w[sizes]
    prod = np.empty(base.size)
    for start in range(0, base.size, ROW_CHUNK):
        x = X[start:start + ROW_CHUNK]
        inside = x[:, iu] * x[:, ju]
        prod[start:start + x.shape[0]] = np.prod(1 + 2 * q * G[iu, ju][None, :] * inside, axis=1)
    prior = EnumeratedPrior(X, wt, "boolean", 1.0,
                            f"Möbius-truncated subset measure, |W| <= {tau}")
    return SignedMeasure(prior, wt * prod, f"dense subgraph n={n} q={q:g} tau={tau} (T2)")


def dense_subgraph_low_degree_norm(n: int, q: float, trunc: int, *, rho: float | None = None,
                                   k: int | None = None) -> float:
    """:math:`\\mathbb E K_D` for the dense subgraph problem under T1.

    Notes
    -----
    :math:`K_D(S,S') = \\sum_{j\\le D}\\binom{\\binom{|S\\cap S'|}2}{j}(4q^2)^j`.

    Examples
    --------
    >>> round(dense_subgraph_low_degree_norm(4, 0.0, 3, rho=0.5), 9)
    1.0
    """
    prior = subset_prior(n, rho=rho, k=k)
    q = check_nonnegative(q, "q")
    trunc = check_int(trunc, "trunc", minimum=0)

    def kernel(ov: np.ndarray) -> np.ndarray:
        e = np.rint(ov).astype(int)
        pairs = e * (e - 1) // 2
        tab = np.array([[comb(int(p), j) for j in range(trunc + 1)]
                        for p in range(int(pairs.max()) + 1)], dtype=float)
        return tab[pairs] @ ((4 * q * q) ** np.arange(trunc + 1))

    return pair_overlap_expectation(prior, kernel, max_points=2**13)


@cache
def dense_subgraph_shapes(j: int, tau: int) -> tuple[ShapeClass, ...]:
    """Shape classes of the dense-subgraph moment :math:`\\tilde{\\mathbb E}[x_I]`,
    :math:`|I| = j`, under the vertex truncation :math:`|V(\\alpha)|\\le\\tau`.

    Examples
    --------
    >>> len(dense_subgraph_shapes(2, 2))   # no edge, or the edge between the two U vertices
    2
    """
    j = check_int(j, "j", minimum=0)
    tau = check_int(tau, "tau", minimum=j)
    out: dict[tuple, ShapeClass] = {}
    for w in range(0, tau - j + 1):
        verts = range(j + w)
        pairs = list(itertools.combinations(verts, 2))
        for r in range(len(pairs) + 1):
            for E in itertools.combinations(pairs, r):
                touched = {v for e in E for v in e}
                if any(m not in touched for m in range(j, j + w)):
                    continue
                canon, aut = canonical_form(tuple((e, 1) for e in E), j, w)
                out.setdefault((w, canon), ShapeClass(j, w, canon, aut))
    return tuple(out.values())


def dense_subgraph_shape_form(G: npt.ArrayLike, q: float, *, tau: int, rho: float | None = None,
                              k: int | None = None, degree: int = 4) -> ShapeForm:
    """Shape form of the vertex-truncated dense-subgraph pseudo-calibration (T2).

    Parameters
    ----------
    G : array_like, shape (n, n)
        Symmetric :math:`\\pm1` matrix.
    q : float
        Density bias in [0, 1/2].
    tau : int
        Vertex truncation, ``>= degree``.
    rho, k : float or int
        Bernoulli(``rho``) or exact-``k`` prior (give one).
    degree : int
        Moments of degree ``<= degree`` are computed (moment matrix of that degree).

    Examples
    --------
    >>> G = -np.ones((6, 6)) + 2 * np.eye(6) * 0   # all edges -1
    >>> np.fill_diagonal(G, 0.0)
    >>> sf = dense_subgraph_shape_form(G, 0.0, tau=4, rho=0.5)
    >>> round(sf.e1, 12), round(sf.moment((0, 1)), 12)
    (1.0, 0.25)
    """
    G = check_finite_array(G, "G", ndim=2)
    n = G.shape[0]
    if G.shape != (n, n) or not np.allclose(G, G.T):
        raise ValueError(f"G: expected a symmetric square matrix, got shape {G.shape}")
    q = float(q)
    if not 0 <= q <= 0.5:
        raise ValueError(f"q: expected a density bias in [0, 1/2], got {q}")
    degree = check_int(degree, "degree", minimum=2)
    tau = check_int(tau, "tau", minimum=0)
    if tau < degree:
        raise ValueError(f"tau: expected a vertex truncation >= degree = {degree}, got {tau}")
    if (rho is None) == (k is None):
        raise ValueError("rho, k: give exactly one of rho (Bernoulli prior) or k (exact size)")
    if rho is not None:
        if not 0 < rho < 1:
            raise ValueError(f"rho: expected a probability in (0, 1), got {rho}")
        f = lambda s: rho**s  # noqa: E731
    else:
        k = check_int(k, "k", minimum=1, maximum=n)
        f = lambda s: math.perm(k, s) / math.perm(n, s) if s <= k else 0.0  # noqa: E731
    check_memory(8.0 * n**tau * 4, f"graph matrices with {tau} vertices at n={n}")
    Gs = G.copy()
    np.fill_diagonal(Gs, 0.0)
    inputs = GraphInput(model="rademacher", sizes={"n": n}, tensors={("n", "n"): Gs})
    classes = [dense_subgraph_shapes(j, tau) for j in range(degree + 1)]

    def coef(cls: ShapeClass) -> float:
        return f(cls.j + cls.w) * (2 * q) ** len(cls.edges)

    moments, count = evaluate_shapes(classes, coef, inputs, n)
    return ShapeForm(n=n, ring="boolean", square=1.0, moments=moments,
                     prior_moment=lambda su, si: f(su), nshapes=count,
                     description=f"dense subgraph n={n} q={q:g} tau={tau} (shape form)")


def dense_subgraph_shape_objective(sf: ShapeForm, G: npt.ArrayLike) -> float:
    """:math:`\\tilde{\\mathbb E}[\\sum_{i<j}G_{ij}x_ix_j] = \\tfrac12\\sum_{ij}G_{ij}y_{ij}`."""
    G = check_finite_array(G, "G", ndim=2)
    return float(0.5 * np.sum(G * sf.moments[2]))


def dense_subgraph_shape_residual(sf: ShapeForm, k: int, degree: int = 4) -> float:
    """Relative residual of :math:`\\sum_i x_i = k` from the shape-form moments.

    :math:`\\tilde{\\mathbb E}[(\\sum_i x_i - k)x_J] = \\sum_{i\\notin J}y_{J+i} + (|J|-k)y_J`,
    divided by :math:`|\\tilde{\\mathbb E}[1]|\\sqrt{\\Pr[J\\subseteq S]}`, maximised over
    :math:`|J|\\le\\mathrm{degree}-1`.
    """
    degree = check_int(degree, "degree", minimum=1)
    if degree >= len(sf.moments):
        raise ValueError(f"degree: expected <= {len(sf.moments) - 1}, got {degree}")
    n = sf.n
    worst = 0.0
    for t in range(degree):
        R = sf.moments[t + 1].sum(axis=-1) + (t - k) * sf.moments[t]
        if t >= 2:
            idx = np.indices((n,) * t).reshape(t, -1)
            distinct = np.array([len(set(c)) == t for c in idx.T]).reshape((n,) * t)
            R = np.where(distinct, R, 0.0)
        elif t == 0:
            R = np.asarray(R)
        den = math.sqrt(max(sf.prior_moment(t, t), 1e-300))
        worst = max(worst, float(np.max(np.abs(R))) / den)
    return worst / abs(sf.e1) if sf.e1 else float("inf")


def _prior_args(n: int, k: int, prior: str) -> dict[str, Any]:
    if prior == "exact":
        return {"k": k}
    if prior == "bernoulli":
        return {"rho": k / n}
    raise ValueError(f"prior: expected 'bernoulli' or 'exact', got {prior!r}")


def pseudo_calibration(G: npt.ArrayLike, k: int, q: float, *, tau: int | None = None,
                       trunc: int | None = None, prior: str = "bernoulli") -> SignedMeasure:
    """Pseudo-calibrated signed measure: ``tau`` (T2, default 4) or ``trunc`` (T1)."""
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
    """The standard diagnostics (:class:`~sosrmt.calibration.CalibrationReport`); residual
    ``"cardinality"`` for :math:`\\sum_i x_i = k`, the
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
    G = _check_graph(G)
    n, k = _check_nk(G.shape[0], k)
    q = _check_q(q)
    sf = dense_subgraph_shape_form(G, q, tau=tau, degree=degree, **_prior_args(n, k, prior))
    return sf.report(degree, residuals={"cardinality": dense_subgraph_shape_residual(sf, k,
                                                                                     degree)},
                     objective=dense_subgraph_shape_objective(sf, G),
                     target=planted_value(n, k, q, prior=prior) or None)


def estimate_cell(n: int, *, trunc: int = 4, truncation: str = "vertex", degree: int = 4,
                  form: str = "shape") -> tuple[float, float]:
    """``(seconds, bytes)`` estimated for one instance in the ``"signed"``, ``"shape"`` or
    ``"matrix-free"`` form (:mod:`sosrmt.calibration.estimates`).

    Examples
    --------
    >>> s, b = estimate_cell(300, form="matrix-free")
    >>> s < 600 and b < 8 * 2**30
    True
    >>> estimate_cell(300, form="shape")[1] > 8 * 2**30
    True
    """
    n = check_int(n, "n", minimum=1)
    if form == "matrix-free":
        return estimate_matrix_free(n)
    basis = sum(comb(n, j) for j in range(degree // 2 + 1))
    if form == "signed":
        size = 2.0**n if truncation == "degree" else sum(comb(n, j) for j in range(trunc + 1))
        return signed_form_estimate(size, basis)
    nshapes = sum(len(dense_subgraph_shapes(j, trunc)) for j in range(degree + 1)) \
        if trunc <= 5 else 10**4
    return shape_form_estimate(n, min(trunc, n), nshapes, basis)


def lowerbound_cell(*, rng: RngLike, n: int, ratio: float, trunc: int = 4,
                    k: int | None = None, truncation: str = "vertex",
                    prior: str = "bernoulli", degree: int = 4,
                    form: str = "auto",
                    max_seconds: float | None = 3600.0) -> dict[str, float | int | str | None]:
    """One phase-diagram cell; a sweep job (``"sosrmt.problems.dense_subgraph:lowerbound_cell"``).

    :math:`k = \\lceil\\sqrt n\\rceil` by default and :math:`q = \\mathrm{ratio}\\cdot\\sqrt n/k`
    (``ratio`` = :math:`kq/\\sqrt n`); ``trunc`` is :math:`\\tau` (``truncation="vertex"``) or
    :math:`D` (``"degree"``). The instances are drawn from ``rng`` before anything depends
    on ``form``. ``form="matrix-free"`` (:mod:`~sosrmt.problems.dense_subgraph.matrix_free`)
    needs :math:`\\tau = 4`, degree 4 and the Bernoulli prior, and adds
    ``mu_min_residual`` and ``lanczos_status``. A cell whose estimate
    (:func:`estimate_cell`) exceeds ``max_seconds`` or the memory limit is refused before
    any work.

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
    if form not in ("signed", "shape", "matrix-free"):
        raise ValueError(f"form: expected 'auto', 'signed', 'shape' or 'matrix-free', "
                         f"got {form!r}")
    if form in ("shape", "matrix-free") and truncation != "vertex":
        raise ValueError(f"form: the {form} form needs the vertex truncation "
                         "(truncation='vertex')")
    if form == "matrix-free" and (degree != 4 or trunc != 4 or prior != "bernoulli"):
        raise ValueError(f"form: the matrix-free form is implemented for degree 4, tau = 4 and "
                         f"the Bernoulli prior, got degree={degree}, tau={trunc}, "
                         f"prior={prior!r}")
    seconds, nbytes = estimate_cell(n, trunc=trunc, truncation=truncation, degree=degree,
                                    form=form)
    refuse_if_too_big(2 * seconds, nbytes, f"the {form} form at n={n}, tau={trunc}",
                      max_seconds=max_seconds, hint="lower n or use the matrix-free form")
    G = sample_null(n, rng=gen)
    Gp, _ = sample_planted(n, k, q, prior=prior, rng=gen)
    if form == "matrix-free":
        a = matrix_free_report(G, k, q)
        b = matrix_free_report(Gp, k, q)
        return {"k_used": k, "q": q, "form_used": form, **matrix_free_cell_row(a, b)}
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
