"""Pseudo-calibration of planted affine planes: the signed-measure form (closed form of
:math:`F_D`), the shape form, the low-degree norm, the diagnostics and the phase-diagram
cell.

Planted distribution: :math:`d_u\\mid v,b \\sim N(b_uv, I - vv^\\top)`, so by the Hermite
generating function :math:`\\mathbb E[He_{\\alpha_u}(d_u)\\mid v,b] =
He_{|\\alpha_u|}(b_u)\\,v^{\\alpha_u}` and, averaging the signs,
:math:`\\mathbb E_\\mu[v^I He_\\alpha(d)] = \\prod_u c_{|\\alpha_u|}\\;\\mathbb E_v[v^Iv^{\\sum_u
\\alpha_u}]` with :math:`c_k = \\mathbb E_{b=\\pm1}He_k(b)` (:math:`c_0 = 1`, :math:`c_2 = 0`,
:math:`c_4 = -2`, odd :math:`c_k = 0`).

* **Signed-measure form** (Hermite-degree truncation :math:`|\\alpha|\\le D`):
  :math:`F_D = [t^{\\le D}]\\prod_u(1 + \\sum_{k\\ge4\\text{ even}} c_k He_k(z_u)t^k/k!)`,
  :math:`z_u = \\langle v, d_u\\rangle` (:func:`pap_measure`).
* **Shape form** (:func:`pap_shape_form`, same truncation): a shape is a bipartite
  multigraph between *circle* vertices (type ``"m"``, the constraints :math:`u`) and
  *square* vertices (type ``"n"``, the coordinates); every circle has even degree
  :math:`\\ge4`, every middle square even positive degree, every square of :math:`U` odd
  degree. With :math:`v` uniform on :math:`\\{\\pm1/\\sqrt n\\}^n`,

  .. math:: \\lambda_\\alpha = \\prod_{\\text{circles } u}c_{\\deg u}\\;
            n^{-(|U| + |\\alpha|)/2}\\Big/\\prod_e\\sqrt{l(e)!},

  and :math:`\\tilde{\\mathbb E}[v^I] = \\sum_\\alpha\\lambda_\\alpha M_\\alpha[I]/
  |\\mathrm{Aut}_U(\\alpha)|` with Gaussian graph matrices (:math:`\\chi_l = He_l/\\sqrt{l!}`).
  Nothing is enumerated over the prior: the cost is polynomial in :math:`n` and :math:`m`.
  The two forms agree entry by entry (tested), residuals included.

Under this truncation the plane constraints :math:`\\langle v,d_u\\rangle^2 = 1` hold only up
to truncation error, which is reported (GJJPR, arXiv 2009.01874, truncate by shape size and
satisfy them exactly; see ``docs/theory/lowerbounds.rst``). The phase-diagram ratio is
:math:`m/n^{3/2}`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from sosrmt._validation import as_rng, check_finite_array, check_int, check_memory
from sosrmt.calibration import (
    BipartiteShapeClass,
    CalibrationReport,
    EnumeratedPrior,
    ShapeForm,
    SignedMeasure,
    bipartite_shapes,
    boolean_sphere,
    hermite_e_table,
    rademacher_hermite_mean,
    series_multiply,
)
from sosrmt.calibration.reweighting import ROW_CHUNK, check_trunc
from sosrmt.graphs import GraphInput, graph_matrix
from sosrmt.problems.planted_affine_planes.model import program, sample_null, sample_planted
from sosrmt.problems.protocol import RngLike
from sosrmt.sos import PseudoExpectation

__all__ = [
    "calibration_report",
    "low_degree_norm",
    "lowerbound_cell",
    "pap_low_degree_norm",
    "pap_measure",
    "pap_shape_form",
    "pap_shape_residuals",
    "pap_shapes",
    "pseudo_calibration",
    "pseudo_expectation",
    "shape_report",
]


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
    p = np.array([math.comb(n, int(i)) for i in h], dtype=float) / 2.0**n
    rho = (n - 2.0 * h) / n
    ser = np.zeros((n + 1, trunc + 1))
    ser[:, 0] = 1.0
    for k in range(4, trunc + 1, 2):
        ser[:, k] = rademacher_hermite_mean(k) ** 2 * rho**k / math.factorial(k)
    acc = ser.copy()
    for _ in range(m - 1):
        acc = series_multiply(acc, ser)
    return float(p @ acc.sum(axis=1))


def pseudo_calibration(d: npt.ArrayLike, trunc: int = 8) -> SignedMeasure:
    """Pseudo-calibrated signed measure, see :func:`pap_measure`."""
    return pap_measure(d, trunc)


def pseudo_expectation(d: npt.ArrayLike, trunc: int = 8, *,
                       degree: int = 4) -> PseudoExpectation:
    """The pseudo-calibration as a normalised :class:`sosrmt.sos.PseudoExpectation` on the
    domain of :func:`program` (its ``check()`` reports the plane-constraint residuals)."""
    return pseudo_calibration(d, trunc).to_pseudo_expectation(program(d)[1], degree)


def low_degree_norm(n: int, m: int, trunc: int) -> float:
    """:math:`\\mathbb E K_D`, so that
    :math:`\\mathrm{Var}_\\nu\\tilde{\\mathbb E}[1] = \\mathbb E K_D - 1`."""
    return pap_low_degree_norm(n, m, trunc)


def calibration_report(d: npt.ArrayLike, trunc: int = 8, *,
                       degree: int = 4) -> CalibrationReport:
    """The standard diagnostics (:class:`~sosrmt.calibration.CalibrationReport`) of the
    signed-measure form: residuals ``"plane_max"`` (largest relative residual of
    :math:`\\langle v,d_u\\rangle^2 - 1` over :math:`u`) and ``extra["plane_mean"]`` (mean over
    :math:`u` of :math:`|\\tilde{\\mathbb E}[\\langle v,d_u\\rangle^2-1]|/\\tilde{\\mathbb E}[1]`).

    Examples
    --------
    >>> rep = calibration_report(sample_null(6, 4, rng=0), 4)
    >>> sorted(rep.residuals)
    ['plane_max']
    """
    d = check_finite_array(d, "d", ndim=2)
    mu = pseudo_calibration(d, trunc)
    z2 = (mu.prior.points @ d.T) ** 2 - 1.0                 # (N, m)
    res = [mu.residual(z2[:, u], 2, degree) for u in range(d.shape[0])]
    e1 = mu.e1
    mean_abs = float(np.mean(np.abs(mu.weights @ z2))) / abs(e1) if e1 else math.inf
    rep = mu.report(degree)
    rep.residuals["plane_max"] = float(max(res))
    rep.extra["plane_mean"] = mean_abs
    return rep


# ---------------------------------------------------------------------- shape form
def _coefficient(cls: BipartiteShapeClass, n: int) -> float:
    """:math:`\\lambda_\\alpha` at dimension ``n`` (see the module docstring)."""
    total = sum(lab for _, _, lab in cls.edges)
    norm = math.prod(math.sqrt(math.factorial(lab)) for _, _, lab in cls.edges)
    cs = math.prod(rademacher_hermite_mean(k) for k in cls.circle_degrees())
    return cs * float(n) ** (-(cls.j + total) / 2) / norm


def pap_shapes(j: int, trunc: int) -> tuple[BipartiteShapeClass, ...]:
    """Shape classes of the PAP moment :math:`\\tilde{\\mathbb E}[v^I]`, :math:`|I| = j`, with
    total Hermite degree :math:`\\le D` (``trunc``): circles of even degree :math:`\\ge4`
    (:math:`c_2 = 0`), :math:`U` squares of odd degree.

    Examples
    --------
    >>> len(pap_shapes(0, 2)), len(pap_shapes(0, 4))   # D < 4: only the empty shape
    (1, 3)
    """
    j = check_int(j, "j", minimum=0)
    trunc = check_int(trunc, "trunc", minimum=0)
    return bipartite_shapes((1,) * j, trunc, tuple(range(4, trunc + 1, 2)))


def pap_shape_form(d: npt.ArrayLike, trunc: int = 8, *, degree: int = 4) -> ShapeForm:
    """Shape form of the PAP pseudo-calibration (Hermite-degree truncation, Boolean-sphere
    prior): the moments :math:`\\tilde{\\mathbb E}[v^I]`, :math:`|I|\\le` ``degree``.

    Parameters
    ----------
    d : array_like, shape (m, n)
        The vectors :math:`d_u` as rows.
    trunc : int
        Hermite-degree truncation :math:`D\\ge0` (:math:`D < 4` gives the prior).
    degree : int
        Moments of degree ``<= degree`` (moment matrix of that degree).

    Returns
    -------
    ShapeForm
        Hypercube ring with :math:`v_i^2 = 1/n`; ``extra["d"]`` keeps the input for the
        residuals (:func:`pap_shape_residuals`).

    Examples
    --------
    >>> from sosrmt.problems.planted_affine_planes import sample_null
    >>> d = sample_null(5, 3, rng=0)
    >>> a = pap_shape_form(d, 4).e1
    >>> bool(abs(a - pseudo_calibration(d, 4).e1) < 1e-9)
    True
    """
    d = check_finite_array(d, "d", ndim=2)
    m, n = d.shape
    trunc = check_int(trunc, "trunc", minimum=0)
    degree = check_int(degree, "degree", minimum=2)
    if trunc > 10:
        raise ValueError(f"trunc: the shape enumeration is implemented for D <= 10 (the "
                         f"number of shapes grows super-exponentially), got {trunc}; use the "
                         "signed-measure form at small n")
    classes = [pap_shapes(j, trunc) for j in range(degree + 1)]
    # largest dense graph matrix: squares^(j + ws) * circles^wc entries
    biggest = max((float(n) ** (c.j + c.ws) * float(m) ** c.wc for cl in classes for c in cl),
                  default=1.0)
    check_memory(8.0 * biggest * 3, f"PAP graph matrices at n={n}, m={m}, D={trunc}",
                 hint="lower trunc, n or m")
    inputs = GraphInput(model="gaussian", sizes={"n": n, "m": m}, tensors={("m", "n"): d})
    moments: list[np.ndarray] = []
    count = 0
    for j, cls_j in enumerate(classes):
        acc = np.zeros((n,) * j) if j else np.zeros(())
        for cls in cls_j:
            if cls.j + cls.ws > n or cls.wc > m:
                continue                                 # no injective placement: M = 0
            coef = _coefficient(cls, n)
            if coef == 0:
                continue
            M = np.ones(()) if not cls.edges else graph_matrix(cls.to_shape(), inputs)
            acc = acc + (coef / cls.aut) * np.asarray(M).reshape((n,) * j if j else ())
            count += 1
        moments.append(acc)
    sf = ShapeForm(n=n, ring="hypercube", square=1.0 / n, moments=moments,
                   prior_moment=lambda su, si: float(n) ** (-su) if su == si else 0.0,
                   nshapes=count, description=f"PAP n={n} m={m} D={trunc} (shape form)")
    sf.extra["d"] = d
    return sf


def pap_shape_residuals(sf: ShapeForm, degree: int = 4) -> tuple[float, float]:
    """``(plane_max, plane_mean)`` of :func:`calibration_report`, from shape-form moments.

    Notes
    -----
    With :math:`v_i^2 = 1/n` and :math:`g_u = \\langle v,d_u\\rangle^2 - 1`, for a set
    :math:`J`:
    :math:`\\tilde{\\mathbb E}[g_uv^J] = (\\|d_u\\|^2/n - 1)y_J + \\sum_{i\\ne k\\notin J}
    d_{ui}d_{uk}y_{J+i+k} + \\tfrac2n\\sum_{i\\in J,k\\notin J}d_{ui}d_{uk}y_{J-i+k} +
    \\tfrac1{n^2}\\sum_{i\\ne k\\in J}d_{ui}d_{uk}y_{J-i-k}`, divided by
    :math:`|\\tilde{\\mathbb E}[1]|\\,n^{-|J|/2}` and maximised over :math:`|J|\\le` ``degree``
    :math:`-2` and :math:`u`.
    """
    d = sf.extra["d"]
    n = d.shape[1]
    degree = check_int(degree, "degree", minimum=2)
    if degree >= len(sf.moments):
        raise ValueError(f"degree: expected <= {len(sf.moments) - 1}, got {degree}")
    if degree > 4:
        raise ValueError(f"degree: the shape-form residuals are implemented for degree <= 4, "
                         f"got {degree}")
    y = sf.moments
    e1 = abs(sf.e1)
    if e1 == 0:
        return float("inf"), float("inf")
    base = (d**2).sum(axis=1) / n - 1.0                            # (m,)
    # |J| = 0
    r0 = base * y[0] + np.einsum("ui,uk,ik->u", d, d, y[2])
    worst = float(np.max(np.abs(r0)))
    mean0 = float(np.mean(np.abs(r0))) / e1
    if degree >= 3:
        # |J| = 1, J = {a}: y[3][a, i, k] vanishes when i or k equals a
        t1 = np.einsum("ui,uk,aik->ua", d, d, y[3])
        dy = d @ y[1]                                              # sum_k d_uk y_k
        t2 = (2.0 / n) * d * (dy[:, None] - d * y[1][None, :])     # i = a, k != a
        r1 = base[:, None] * y[1][None, :] + t1 + t2
        worst = max(worst, float(np.max(np.abs(r1))) * math.sqrt(n))
    if degree >= 4:
        # |J| = 2, J = {a, b}, a != b
        t1 = np.einsum("ui,uk,abik->uab", d, d, y[4])
        dy2 = np.einsum("uk,bk->ub", d, y[2])                     # sum_k d_uk y_{b,k}
        # i = a, k not in {a, b}: d_ua (sum_k d_uk y_{b,k} - d_ua y_{b,a}); same with a <-> b
        part = d[:, :, None] * (dy2[:, None, :] - d[:, :, None] * y[2][None, :, :])
        t2 = (2.0 / n) * (part + part.transpose(0, 2, 1))
        t3 = (2.0 / n**2) * y[0] * np.einsum("ua,ub->uab", d, d)
        r2 = base[:, None, None] * y[2][None] + t1 + t2 + t3
        mask = ~np.eye(n, dtype=bool)
        worst = max(worst, float(np.max(np.abs(r2[:, mask]), initial=0.0)) * n)
    return worst / e1, mean0


def shape_report(d: npt.ArrayLike, trunc: int = 8, *, degree: int = 4) -> CalibrationReport:
    """The diagnostics of :func:`calibration_report` from the shape form
    (:func:`pap_shape_form`), which needs no enumeration of the prior (``negative_mass`` is
    NaN in this form).

    Examples
    --------
    >>> from sosrmt.problems.planted_affine_planes import sample_null
    >>> d = sample_null(6, 4, rng=0)
    >>> a, b = shape_report(d, 4), calibration_report(d, 4)
    >>> bool(abs(a.mu_min - b.mu_min) < 1e-9 and abs(a.residual - b.residual) < 1e-9)
    True
    """
    sf = pap_shape_form(d, trunc, degree=degree)
    plane_max, plane_mean = pap_shape_residuals(sf, degree)
    rep = sf.report(degree, residuals={"plane_max": plane_max})
    rep.extra["plane_mean"] = plane_mean
    rep.extra.pop("d", None)
    return rep


def lowerbound_cell(*, rng: RngLike, n: int, ratio: float, trunc: int = 8,
                    degree: int = 4, form: str = "auto") -> dict[str, float | int | str]:
    """One phase-diagram cell; a sweep job
    (``"sosrmt.problems.planted_affine_planes:lowerbound_cell"``).

    :math:`m = \\lceil\\mathrm{ratio}\\cdot n^{3/2}\\rceil`, null input and planted control.
    ``objective_ratio`` is :math:`\\tilde{\\mathbb E}[\\|v\\|^2]/\\tilde{\\mathbb E}[1]`, which
    is 1 identically because the prior lives on :math:`\\{\\pm1/\\sqrt n\\}^n`. ``form`` is
    ``"signed"``, ``"shape"`` or ``"auto"`` (signed for n <= 12); the instances are drawn
    before anything depends on it.

    Returns
    -------
    dict
        Results only: ``m``, ``form_used`` and the diagnostics of the null instance and of
        the planted control (``planted_*``).

    Examples
    --------
    >>> row = lowerbound_cell(rng=0, n=5, ratio=0.3, trunc=4)
    >>> {"m", "mu_min", "residual", "objective_ratio"} <= set(row)
    True
    """
    gen = as_rng(rng)
    n = check_int(n, "n", minimum=1)
    trunc = check_int(trunc, "trunc", minimum=0)
    degree = check_int(degree, "degree", minimum=2)
    if not float(ratio) > 0:
        raise ValueError(f"ratio: expected a positive ratio, got {ratio!r}")
    if form == "auto":
        form = "signed" if n <= 12 else "shape"
    if form not in ("signed", "shape"):
        raise ValueError(f"form: expected 'auto', 'signed' or 'shape', got {form!r}")
    m = max(1, math.ceil(float(ratio) * n**1.5))
    d = sample_null(m, n, rng=gen)
    dp, _, _ = sample_planted(m, n, rng=gen)
    make = calibration_report if form == "signed" else shape_report
    null = make(d, trunc, degree=degree)
    planted = make(dp, trunc, degree=degree)
    return {"m": m, "form_used": form,
            "e1": null.e1, "mu_min": null.mu_min, "residual": null.residual,
            "plane_mean": null.extra["plane_mean"], "objective_ratio": 1.0,
            "negative_mass": null.negative_mass,
            "planted_e1": planted.e1, "planted_mu_min": planted.mu_min,
            "planted_residual": planted.residual}
