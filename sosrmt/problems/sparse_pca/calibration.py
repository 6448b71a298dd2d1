"""Pseudo-calibration of Wishart sparse PCA: the signed-measure form (closed form of
:math:`F_D`), the shape form, the low-degree norm, the diagnostics and the phase-diagram cell.

Planted distribution: :math:`v_j\\mid u\\sim N(0, I + \\Delta uu^\\top)`, so by the Hermite
generating function :math:`\\mathbb E[He_{\\alpha_j}(v_j)\\mid u] = \\mathbf 1[|\\alpha_j| = 2l]
\\,(\\Delta/2)^l\\tfrac{(2l)!}{l!}\\,u^{\\alpha_j}`.

* **Signed-measure form** (Hermite-degree truncation :math:`|\\alpha|\\le D`): the prior
  reweighted by :math:`F_D = [t^{\\le D}]\\prod_j\\sum_l\\frac{(a/2)^l}{l!}He_{2l}(z_j)t^{2l}`
  (:func:`sparse_pca_measure`).
* **Shape form** (:func:`sparse_pca_shape_form`, same truncation): for a monomial
  :math:`x^\\beta` whose support carries the exponents :math:`b_1,\\dots,b_j`, shapes are
  bipartite multigraphs between circles (samples, type ``"m"``) of even degree
  :math:`2l_c\\ge2` and squares (coordinates, type ``"n"``): the :math:`U` square of
  exponent :math:`b_p` has degree of the parity of :math:`b_p` (zero allowed when even),
  middle squares even positive degree. With
  :math:`\\mathbb E_u[u^\\gamma] = k^{-|\\gamma|/2}f(|\\mathrm{supp}\\,\\gamma|)` for even
  :math:`\\gamma` (:math:`f(s) = (k/d)^s` Bernoulli, :math:`[k]_s/[d]_s` exact),

  .. math:: \\lambda_\\alpha = \\prod_c\\Big(\\frac\\Delta2\\Big)^{l_c}\\frac{(2l_c)!}{l_c!}\\;
            k^{-(|\\beta| + |\\alpha|)/2}f(j + w)\\Big/\\prod_e\\sqrt{l(e)!}.

  Nothing is enumerated over the prior; the two forms agree entry by entry (tested).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from math import comb
from typing import Any

import numpy as np
import numpy.typing as npt

from sosrmt._validation import as_rng, check_finite_array, check_int, check_memory
from sosrmt.calibration import (
    CalibrationReport,
    EnumeratedPrior,
    SignedMeasure,
    bipartite_shapes,
    hermite_e_table,
    pair_overlap_expectation,
    relative_min_eigenvalue,
    series_multiply,
    sparse_ternary,
)
from sosrmt.calibration.estimates import (
    refuse_if_too_big,
    shape_form_estimate,
    signed_form_estimate,
)
from sosrmt.calibration.reweighting import ROW_CHUNK, check_nonnegative, check_trunc
from sosrmt.graphs import GraphInput, graph_matrix
from sosrmt.poly import exponents, monomial_basis
from sosrmt.problems.protocol import RngLike, matrix_free_cell_row
from sosrmt.problems.sparse_pca.matrix_free import estimate_matrix_free, matrix_free_report
from sosrmt.problems.sparse_pca.model import (
    _check_delta,
    _check_dims,
    _check_prior,
    planted_value,
    program,
    sample_null,
    sample_planted,
)
from sosrmt.sos import PseudoExpectation

__all__ = [
    "SparseShapeForm",
    "calibration_report",
    "estimate_cell",
    "low_degree_norm",
    "lowerbound_cell",
    "pseudo_calibration",
    "pseudo_expectation",
    "shape_report",
    "sparse_pca_low_degree_norm",
    "sparse_pca_measure",
    "sparse_pca_shape_form",
]


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


# ---------------------------------------------------------------------- shape form
def _patterns(degree: int) -> list[tuple[int, ...]]:
    """Non-increasing tuples of positive exponents with sum <= degree (incl. ())."""
    out: list[tuple[int, ...]] = [()]

    def grow(prefix: tuple[int, ...], left: int) -> None:
        top = prefix[-1] if prefix else left
        for b in range(min(top, left), 0, -1):
            out.append((*prefix, b))
            grow((*prefix, b), left - b)

    grow((), degree)
    return out


@dataclass
class SparseShapeForm:
    """Moments of the sparse-PCA pseudo-calibration computed in the shape form.

    Attributes
    ----------
    d, k : int
        Dimension and sparsity.
    subset_prob : callable
        :math:`f(s)` = probability that ``s`` given coordinates are in the support.
    tensors : dict
        ``tensors[b][i_1..i_j]`` = :math:`\\tilde{\\mathbb E}[\\prod_p x_{i_p}^{b_p}]` for a
        non-increasing exponent pattern ``b`` and distinct indices (ordered tuples).
    """

    d: int
    k: int
    subset_prob: Callable[[int], float]
    tensors: dict[tuple[int, ...], np.ndarray]
    nshapes: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def e1(self) -> float:
        """:math:`\\tilde{\\mathbb E}[1]`."""
        return float(self.tensors[()])

    def _split(self, e: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
        supp = np.flatnonzero(e)
        order = sorted(supp.tolist(), key=lambda i: -int(e[i]))
        return tuple(int(e[i]) for i in order), tuple(order)

    def moments_of_exponents(self, exps: npt.ArrayLike) -> np.ndarray:
        """:math:`\\tilde{\\mathbb E}[x^e]` for each row ``e`` of an exponent array."""
        exps = np.atleast_2d(np.asarray(exps, dtype=np.int64))
        out = np.empty(exps.shape[0])
        for r, e in enumerate(exps):
            b, idx = self._split(e)
            if b not in self.tensors:
                raise ValueError(f"exps: moment of degree {sum(b)} not held (pattern {b})")
            out[r] = self.tensors[b][idx] if idx else self.tensors[b]
        return out

    def prior_moments_of_exponents(self, exps: npt.ArrayLike) -> np.ndarray:
        """:math:`\\mathbb E_\\pi[x^e] = k^{-|e|/2}f(|\\mathrm{supp}\\,e|)` for even ``e``,
        else 0."""
        exps = np.atleast_2d(np.asarray(exps, dtype=np.int64))
        even = np.all(exps % 2 == 0, axis=1)
        sizes = (exps > 0).sum(axis=1)
        vals = np.array([self.subset_prob(int(s)) for s in sizes]) * \
            float(self.k) ** (-exps.sum(axis=1) / 2)
        return np.where(even, vals, 0.0)

    def _pair_exponents(self, degree: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        keys = monomial_basis(self.d, check_int(degree, "degree", minimum=0) // 2, "general")
        exps = exponents(keys, self.d, "general").astype(np.int64)
        r = exps.shape[0]
        check_memory(8.0 * r * r * (self.d + 2), "the shape-form moment matrix")
        pairs = (exps[:, None, :] + exps[None, :, :]).reshape(r * r, self.d)
        uniq, inv = np.unique(pairs, axis=0, return_inverse=True)
        return uniq, inv.reshape(-1), exps

    def moment_matrix(self, degree: int = 4) -> np.ndarray:
        """:math:`\\Lambda[S,T] = \\tilde{\\mathbb E}[x^{S+T}]` over monomials of degree
        ``<= degree // 2`` (the basis of :meth:`SignedMeasure.basis`)."""
        uniq, inv, exps = self._pair_exponents(degree)
        r = exps.shape[0]
        return self.moments_of_exponents(uniq)[inv].reshape(r, r)

    def prior_moment_matrix(self, degree: int = 4) -> np.ndarray:
        """:math:`\\Lambda_0` on the same basis (analytic)."""
        uniq, inv, exps = self._pair_exponents(degree)
        r = exps.shape[0]
        return self.prior_moments_of_exponents(uniq)[inv].reshape(r, r)


def _subset_prob(d: int, k: int, exact: bool) -> Callable[[int], float]:
    if exact:
        return lambda s: math.perm(k, s) / math.perm(d, s) if s <= k else 0.0
    return lambda s: (k / d) ** s


def sparse_pca_shape_form(V: npt.ArrayLike, k: int, delta: float, trunc: int = 4, *,
                          prior: str = "exact", degree: int = 4) -> SparseShapeForm:
    """Shape form of the sparse-PCA pseudo-calibration (see the module docstring).

    Parameters
    ----------
    V : array_like, shape (m, d)
        Samples as rows.
    k : int
        Sparsity.
    delta : float
        Spike strength.
    trunc : int
        Hermite-degree truncation :math:`D` (``<= 8``).
    prior : {"exact", "bernoulli"}
    degree : int
        Moments of degree ``<= degree`` are computed.

    Examples
    --------
    >>> from sosrmt.problems.sparse_pca import sample_null
    >>> V = sample_null(3, 4, rng=0)
    >>> sf = sparse_pca_shape_form(V, 2, 1.0, 4)
    >>> bool(abs(sf.e1 - pseudo_calibration(V, 2, 1.0, 4, prior="exact").e1) < 1e-9)
    True
    """
    V = check_finite_array(V, "V", ndim=2)
    m, d, k = _check_dims(V.shape[0], V.shape[1], k)
    delta = _check_delta(delta)
    exact = _check_prior(prior)
    trunc = check_int(trunc, "trunc", minimum=0)
    degree = check_int(degree, "degree", minimum=2)
    if trunc > 8:
        raise ValueError(f"trunc: the shape enumeration is implemented for D <= 8, got {trunc}")
    f = _subset_prob(d, k, exact)
    inputs = GraphInput(model="gaussian", sizes={"n": d, "m": m}, tensors={("m", "n"): V})
    circles = tuple(range(2, trunc + 1, 2))
    tensors: dict[tuple[int, ...], np.ndarray] = {}
    count = 0
    for b in _patterns(degree):
        j = len(b)
        parities = tuple(x % 2 for x in b)
        acc = np.zeros((d,) * j) if j else np.zeros(())
        for cls in bipartite_shapes(parities, trunc, circles):
            if j + cls.ws > d or cls.wc > m:
                continue
            total = sum(lab for _, _, lab in cls.edges)
            coef = math.prod((delta / 2) ** (dc // 2) * math.factorial(dc)
                             / math.factorial(dc // 2) for dc in cls.circle_degrees())
            coef *= float(k) ** (-(sum(b) + total) / 2) * f(j + cls.ws)
            coef /= math.prod(math.sqrt(math.factorial(lab)) for _, _, lab in cls.edges)
            if coef == 0:
                continue
            check_memory(8.0 * float(d) ** (j + cls.ws) * float(m) ** cls.wc * 3,
                         f"a sparse-PCA graph matrix at d={d}, m={m}")
            if cls.edges or j:
                M = np.asarray(graph_matrix(cls.to_shape(), inputs)).reshape((d,) * j)
            else:
                M = np.ones(())                      # the empty shape
            acc = acc + (coef / cls.aut) * M
            count += 1
        tensors[b] = acc
    sf = SparseShapeForm(d=d, k=k, subset_prob=f, tensors=tensors, nshapes=count)
    sf.extra.update(V=V, delta=delta, prior=prior)
    return sf


def shape_report(V: npt.ArrayLike, k: int, delta: float, trunc: int = 4, *,
                 prior: str = "exact", degree: int = 4) -> CalibrationReport:
    """The diagnostics of :func:`calibration_report` from the shape form
    (:func:`sparse_pca_shape_form`); ``negative_mass`` is NaN in this form.

    Examples
    --------
    >>> from sosrmt.problems.sparse_pca import sample_null
    >>> V = sample_null(3, 4, rng=0)
    >>> a = shape_report(V, 2, 1.0, 4)
    >>> b = calibration_report(V, 2, 1.0, 4, prior="exact")
    >>> bool(abs(a.mu_min - b.mu_min) < 1e-9)
    True
    """
    sf = sparse_pca_shape_form(V, k, delta, trunc, prior=prior, degree=degree)
    V = sf.extra["V"]
    m, d = V.shape
    lam, lam0 = sf.moment_matrix(degree), sf.prior_moment_matrix(degree)
    e1 = sf.e1
    mu = relative_min_eigenvalue(lam, lam0, scale=e1) if e1 != 0 else float("nan")
    # sphere residual: E~[(sum_i x_i^2 - 1) x^J] over |J| <= degree - 2
    keys = monomial_basis(d, degree - 2, "general")
    J = exponents(keys, d, "general").astype(np.int64)
    J = J[J.max(axis=1, initial=0) <= 2]
    num = -sf.moments_of_exponents(J)
    for i in range(d):
        shifted = J.copy()
        shifted[:, i] += 2
        num = num + sf.moments_of_exponents(shifted)
    den = np.sqrt(sf.prior_moments_of_exponents(2 * J))
    ok = den > 0
    residual = float(np.max(np.abs(num[ok]) / den[ok])) / abs(e1) if e1 else float("inf")
    S = V.T @ V
    pair = np.zeros((d * d, d), dtype=np.int64)
    for i in range(d):
        for c in range(d):
            pair[i * d + c, i] += 1
            pair[i * d + c, c] += 1
    obj = float(S.reshape(-1) @ sf.moments_of_exponents(pair)) / e1 if e1 else None
    target = planted_value(m, d, k, delta, prior=prior)
    ratio = obj / target if (obj is not None and target) else None
    basis_size = int(monomial_basis(d, degree // 2, "general").shape[0])
    return CalibrationReport(e1=e1, mu_min=mu, residuals={"sphere": residual}, objective=obj,
                             objective_ratio=ratio, degree=int(degree), basis_size=basis_size)


def estimate_cell(d: int, m: int, k: int, *, trunc: int = 4, prior: str = "exact",
                  degree: int = 4, form: str = "signed") -> tuple[float, float]:
    """``(seconds, bytes)`` estimated for one instance in the ``"signed"``, ``"shape"`` or
    ``"matrix-free"`` form (:mod:`sosrmt.calibration.estimates`).

    Examples
    --------
    >>> s, b = estimate_cell(300, 300, 18, form="matrix-free")
    >>> s < 600 and b < 8 * 2**30
    True
    """
    d, m, k = check_int(d, "d", minimum=1), check_int(m, "m", minimum=1), check_int(k, "k")
    if form == "matrix-free":
        return estimate_matrix_free(np.zeros((m, d)), k, 1.0, trunc, prior=prior)
    basis = comb(d + degree // 2, degree // 2)
    if form == "signed":
        size = comb(d, k) * 2.0**k if prior == "exact" else 3.0**d
        return signed_form_estimate(size, basis)
    s, b = shape_form_estimate(d, 4, 50, basis)
    return s + 50.0 * float(d) ** 4 * min(m, trunc // 2 + 1) / 2e9, b


def lowerbound_cell(*, rng: RngLike, n: int, ratio: float, trunc: int = 4,
                    k: int | None = 2, delta: float = 1.0, regime: str = "k2",
                    prior: str = "exact", degree: int = 4, form: str = "auto",
                    max_seconds: float | None = 3600.0) -> dict[str, float | int | str | None]:
    """One phase-diagram cell; a sweep job (``"sosrmt.problems.sparse_pca:lowerbound_cell"``).

    ``n`` is the dimension :math:`d`; the sample count is
    :math:`m = \\lceil\\mathrm{ratio}\\cdot k^2/\\Delta^2\\rceil` (``regime="k2"``) or
    :math:`\\lceil\\mathrm{ratio}\\cdot d/\\Delta^2\\rceil` (``regime="d"``). ``form`` is
    ``"signed"`` (also ``"auto"``: the enumerated sparse prior is small for small ``k``),
    ``"shape"`` or ``"matrix-free"`` (:mod:`~sosrmt.problems.sparse_pca.matrix_free`, degree
    4, ``k >= 2``; adds ``mu_min_residual`` and ``lanczos_status``); the instances are drawn
    before anything depends on it. ``k=None`` takes :math:`k = \\lceil\\sqrt d\\rceil` (so that
    :math:`k^2\\approx d` and both regimes of the ratio coincide). A cell whose estimate
    (:func:`estimate_cell`) exceeds ``max_seconds`` or the memory limit is refused before
    any work.

    Returns
    -------
    dict
        Results only: ``m``, ``form_used`` and the diagnostics of the null instance and of
        the planted control (``planted_*``).

    Examples
    --------
    >>> row = lowerbound_cell(rng=0, n=5, ratio=0.5, k=2)
    >>> {"m", "mu_min", "residual", "objective_ratio"} <= set(row)
    True
    """
    gen = as_rng(rng)
    if k is None:
        k = max(2, math.ceil(math.sqrt(check_int(n, "n", minimum=2))))
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
    if form == "auto":
        form = "signed"
    if form not in ("signed", "shape", "matrix-free"):
        raise ValueError(f"form: expected 'auto', 'signed', 'shape' or 'matrix-free', "
                         f"got {form!r}")
    if form == "matrix-free" and degree != 4:
        raise ValueError(f"degree: the matrix-free form is degree 4, got {degree}")
    scale = k**2 if regime == "k2" else d
    m = max(1, math.ceil(float(ratio) * scale / delta**2))
    seconds, nbytes = estimate_cell(d, m, k, trunc=trunc, prior=prior, degree=degree, form=form)
    refuse_if_too_big(2 * seconds, nbytes, f"the {form} form at d={d}, m={m}, k={k}",
                      max_seconds=max_seconds, hint="lower n or use the matrix-free form")
    V = sample_null(m, d, rng=gen)
    Vp, _ = sample_planted(m, d, k, delta, prior=prior, rng=gen)
    if form == "matrix-free":
        a = matrix_free_report(V, k, delta, trunc, prior=prior)
        b = matrix_free_report(Vp, k, delta, trunc, prior=prior)
        return {"m": m, "k_used": k, "form_used": form, **matrix_free_cell_row(a, b)}
    make = calibration_report if form == "signed" else shape_report
    null = make(V, k, delta, trunc, prior=prior, degree=degree)
    planted = make(Vp, k, delta, trunc, prior=prior, degree=degree)
    return {"m": m, "k_used": k, "form_used": form,
            "e1": null.e1, "mu_min": null.mu_min, "residual": null.residual,
            "objective_ratio": null.objective_ratio, "negative_mass": null.negative_mass,
            "planted_e1": planted.e1, "planted_mu_min": planted.mu_min,
            "planted_objective_ratio": planted.objective_ratio}
