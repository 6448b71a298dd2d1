"""Pseudo-calibration of tensor PCA: the signed-measure form (closed form of :math:`F_D`),
the shape form (order 3), the low-degree norm, the diagnostics and the phase-diagram cell.

Signed-measure form (Hermite-degree truncation :math:`D`):
:math:`F_D(u;A) = \\sum_{j\\le D}\\lambda^j He_j(T)/j!` with
:math:`T = \\langle A, u^{\\otimes k}\\rangle`, on the Boolean-sphere prior.

Shape form (order :math:`k = 3`): the ordered-tuple noise is rewritten exactly in
independent standard Gaussians, :math:`Z_O = \\sum_\\pi A_{\\pi(O)}/\\sqrt6` on 3-sets and
:math:`Z'_b` (the :math:`3n-2` entries with odd set :math:`\\{b\\}`, normalised), so that on
:math:`\\{\\pm1/\\sqrt n\\}^n`, :math:`\\langle A,x^{\\otimes3}\\rangle = \\sum_O\\sqrt6 Z_Ox^O +
\\sum_b c\\,Z'_bx_b` with :math:`c = \\sqrt{3n-2}/n`. Shapes have 3-uniform hyperedges on
square vertices and "singleton" edges (edges to one extra vertex of type ``"o"``);
:math:`\\lambda_\\alpha = \\lambda^{|l|}6^{|l_3|/2}c^{|l_1|}n^{-(|I|+3|l_3|+|l_1|)/2}/
\\prod_e\\sqrt{l(e)!}` with even degree at middle vertices and odd degree at :math:`U`.
With :math:`D\\le2` shapes have at most 5 vertices (:math:`n \\ge 40` is reachable);
:math:`D = 4` needs up to 8 vertices. The two forms agree entry by entry (tested).
Sources and status: ``docs/theory/lowerbounds.rst``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from functools import cache
from math import comb

import numpy as np
import numpy.typing as npt

from sosrmt._validation import check_finite_array, check_int, check_memory
from sosrmt.calibration import (
    CalibrationReport,
    EnumeratedPrior,
    ShapeClass,
    ShapeForm,
    SignedMeasure,
    boolean_sphere,
    canonical_form,
    evaluate_shapes,
    hermite_e_table,
)
from sosrmt.calibration.reweighting import check_nonnegative, check_trunc
from sosrmt.graphs import GraphInput
from sosrmt.problems.tensor_pca.model import (
    _check_lam,
    _check_tensor,
    program,
    tensor_contract,
)
from sosrmt.sos import PseudoExpectation

__all__ = [
    "calibration_report",
    "low_degree_norm",
    "pseudo_calibration",
    "pseudo_expectation",
    "shape_report",
    "symmetric_gaussians",
    "tensor_pca_coef",
    "tensor_pca_inputs",
    "tensor_pca_measure",
    "tensor_pca_shape_form",
    "tensor_pca_shape_objective",
    "tensor_pca_shapes",
]


def tensor_pca_measure(A: npt.ArrayLike, lam: float, trunc: int, *,
                       prior: EnumeratedPrior | None = None) -> SignedMeasure:
    """Pseudo-calibrated signed measure for tensor PCA.

    Parameters
    ----------
    A : array_like, shape (n,)*k
        Input tensor (order ``k >= 2``).
    lam : float
        Signal strength :math:`\\lambda \\ge 0` (unit-norm spike).
    trunc : int
        Hermite-degree truncation :math:`D` (T1), at least 1 (the objective has degree 1
        in :math:`A`).
    prior : EnumeratedPrior, optional
        Default :func:`~sosrmt.calibration.priors.boolean_sphere` ``(n)``.

    Notes
    -----
    :math:`F_D(u;A) = \\sum_{j=0}^{D}\\frac{\\lambda^j}{j!}He_j(\\langle A,u^{\\otimes k}\\rangle)`
    (the Hermite addition identity with :math:`w = \\lambda u^{\\otimes k}`,
    :math:`\\|w\\| = \\lambda`).

    Examples
    --------
    >>> A = np.zeros((3, 3, 3))
    >>> round(tensor_pca_measure(A, 1.0, 4).e1, 12)   # He_j(0) terms: 1 - 1/2 + 3/24
    0.625
    """
    A = check_finite_array(A, "A")
    if A.ndim < 2 or len(set(A.shape)) != 1:
        raise ValueError(f"A: expected a cubical tensor of order >= 2, got shape {A.shape}")
    lam = check_nonnegative(lam, "lam")
    trunc = check_trunc(trunc, 1, "the objective <A, x^k> has degree 1 in A")
    n = A.shape[0]
    prior = boolean_sphere(n) if prior is None else prior
    if prior.n != n:
        raise ValueError(f"prior: expected a prior on {n} variables, got {prior.n}")
    T = tensor_contract(A, prior.points)
    He = hermite_e_table(T, trunc)
    coef = np.array([lam**j / math.factorial(j) for j in range(trunc + 1)])
    F = coef @ He
    return SignedMeasure(prior, prior.probs * F,
                         f"tensor PCA k={A.ndim} n={n} lambda={lam:g} D={trunc}")


def low_degree_norm(n: int, k: int, lam: float, trunc: int) -> float:
    """:math:`\\mathbb E_{u,u'}K_D(u,u')` for tensor PCA with the Boolean-sphere prior, so
    that :math:`\\mathrm{Var}_\\nu\\tilde{\\mathbb E}[1] = \\mathbb E K_D - 1`.

    Notes
    -----
    :math:`K_D(u,u') = \\sum_{j\\le D}\\lambda^{2j}\\langle u,u'\\rangle^{kj}/j!`, and
    :math:`\\langle u,u'\\rangle = (n-2H)/n` with :math:`H\\sim\\mathrm{Bin}(n,1/2)`.

    Examples
    --------
    >>> round(low_degree_norm(6, 3, 2.0, 4) - 1, 3)
    0.736
    """
    n = check_int(n, "n", minimum=1)
    k = check_int(k, "k", minimum=1)
    lam = check_nonnegative(lam, "lam")
    trunc = check_int(trunc, "trunc", minimum=0)
    h = np.arange(n + 1)
    p = np.array([comb(n, int(i)) for i in h], dtype=float) / 2.0**n
    rho = (n - 2.0 * h) / n
    kern = sum(lam ** (2 * j) * rho ** (k * j) / math.factorial(j) for j in range(trunc + 1))
    return float(p @ kern)


def _tensor_dfs(j: int, w: int, cands: list, start: int, budget: int, chosen: list,
                deg: list, out: dict) -> None:
    nv = j + w
    if all(deg[v] % 2 == 1 for v in range(j)) and all(
            deg[v] > 0 and deg[v] % 2 == 0 for v in range(j, nv)):
        canon, aut = canonical_form(tuple(chosen), j, w)
        out.setdefault((w, canon), ShapeClass(j, w, canon, aut))
    for c in range(start, len(cands)):
        e = cands[c]
        for lab in range(1, budget + 1):
            for v in e:
                if v >= 0:
                    deg[v] += lab
            chosen.append((e, lab))
            _tensor_dfs(j, w, cands, c + 1, budget - lab, chosen, deg, out)
            chosen.pop()
            for v in e:
                if v >= 0:
                    deg[v] -= lab


@cache
def tensor_pca_shapes(j: int, trunc: int) -> tuple[ShapeClass, ...]:
    """Shape classes of the order-3 tensor-PCA moment :math:`\\tilde{\\mathbb E}[x^I]`,
    :math:`|I| = j`, with total Hermite degree :math:`\\le D` (``trunc``).

    Edges are 3-sets of square vertices or singletons ``(b, -1)`` (to the root vertex);
    every vertex of :math:`U` has odd degree, every middle vertex even positive degree.
    The enumeration is a depth-first search over labelled edge sets (cached; about 20 s
    for :math:`D = 4`, instantaneous for :math:`D \\le 3`).

    Examples
    --------
    >>> [len(tensor_pca_shapes(j, 1)) for j in range(4)]   # empty shape; He_1 of Z'_b, Z_O
    [1, 1, 0, 1]
    """
    j = check_int(j, "j", minimum=0)
    trunc = check_int(trunc, "trunc", minimum=0)
    wmax = max(0, (3 * trunc - j) // 2)
    out: dict[tuple, ShapeClass] = {}
    for w in range(0, wmax + 1):
        nv = j + w
        cands = [*itertools.combinations(range(nv), 3), *((b, -1) for b in range(nv))]
        _tensor_dfs(j, w, cands, 0, trunc, [], [0] * nv, out)
    return tuple(out.values())


def symmetric_gaussians(A: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The independent standard Gaussians :math:`(Z_O, Z'_b)` of an order-3 tensor.

    Returns ``Z3`` (symmetric, zero on repeated indices, :math:`Z_O` on 3-sets) and ``Z1``.
    """
    A = check_finite_array(A, "A")
    if A.ndim != 3 or len(set(A.shape)) != 1:
        raise ValueError(f"A: expected an order-3 cubical tensor, got shape {A.shape}")
    n = A.shape[0]
    S = sum(np.transpose(A, p) for p in itertools.permutations(range(3)))  # 6 * Sym(A)
    Z3 = S / math.sqrt(6)
    idx = np.arange(n)
    mask = np.ones((n, n, n), bool)
    mask[idx, idx, :] = mask[idx, :, idx] = mask[:, idx, idx] = False
    Z3 = np.where(mask, Z3, 0.0)
    # entries with odd set {b}: (a,a,b), (a,b,a), (b,a,a) for a != b, and (b,b,b)
    diag2 = np.einsum("aab->b", A) + np.einsum("aba->b", A) + np.einsum("baa->b", A)
    Z1 = (diag2 - 2 * np.einsum("bbb->b", A)) / math.sqrt(3 * n - 2)
    return Z3, Z1


def tensor_pca_inputs(A: npt.ArrayLike, *,
                      gaussians: tuple[np.ndarray, np.ndarray] | None = None) -> GraphInput:
    """The graph-matrix input of the order-3 shape form: :math:`Z_O` on 3-sets (type
    ``"n"`` hyperedges) and :math:`Z'_b` on edges to the extra vertex of type ``"o"``."""
    Z3, Z1 = symmetric_gaussians(A) if gaussians is None else gaussians
    n = Z3.shape[0]
    return GraphInput(model="gaussian", sizes={"n": n, "o": 1},
                      tensors={("n", "n", "n"): Z3, ("n", "o"): Z1[:, None]})


def tensor_pca_coef(n: int, lam: float) -> Callable[[ShapeClass], float]:
    """:math:`\\lambda_\\alpha` of the order-3 shape form at dimension ``n`` and signal
    ``lam`` (see the module docstring)."""
    c = math.sqrt(3 * n - 2) / n

    def coef(cls: ShapeClass) -> float:
        l3 = sum(lab for e, lab in cls.edges if -1 not in e)
        l1 = sum(lab for e, lab in cls.edges if -1 in e)
        norm = math.prod(math.sqrt(math.factorial(lab)) for _, lab in cls.edges)
        return (lam ** (l3 + l1) * 6 ** (l3 / 2) * c**l1
                * n ** (-(cls.j + 3 * l3 + l1) / 2) / norm)

    return coef


def tensor_pca_shape_form(A: npt.ArrayLike, lam: float, trunc: int, *,
                          degree: int = 4) -> ShapeForm:
    """Shape form of the order-3 tensor-PCA pseudo-calibration (T1, Boolean-sphere prior).

    Parameters
    ----------
    A : array_like, shape (n, n, n)
        Input tensor (ordered-tuple noise model).
    lam : float
        Signal strength :math:`\\lambda\\ge0`.
    trunc : int
        Hermite-degree truncation :math:`D \\ge 1`.
    degree : int
        Moments of degree ``<= degree``.

    Examples
    --------
    >>> sf = tensor_pca_shape_form(np.zeros((4, 4, 4)), 1.0, 2)
    >>> round(sf.e1, 12)          # 1 + lambda^2 He_2(0)/2
    0.5
    """
    Z3, Z1 = symmetric_gaussians(A)
    n = Z3.shape[0]
    lam = float(lam)
    if not lam >= 0:
        raise ValueError(f"lam: expected a non-negative signal strength, got {lam}")
    trunc = check_int(trunc, "trunc", minimum=1)
    degree = check_int(degree, "degree", minimum=2)
    if trunc > 4:
        raise ValueError(f"trunc: the shape enumeration is implemented for D <= 4 (the number "
                         f"of shapes grows super-exponentially), got {trunc}; use the "
                         "signed-measure form for larger D at small n")
    inputs = tensor_pca_inputs(A, gaussians=(Z3, Z1))
    # largest shape: |U| = j odd-degree vertices plus (3D - j)/2 middle vertices
    biggest = min(max(j + (3 * trunc - j) // 2 for j in range(degree + 1)), n)
    check_memory(8.0 * float(n) ** biggest, f"graph matrices with {biggest} vertices at n={n}",
                 hint="lower trunc (D <= 2 reaches n >= 40) or n")
    classes = [tensor_pca_shapes(j, trunc) for j in range(degree + 1)]
    moments, count = evaluate_shapes(classes, tensor_pca_coef(n, lam), inputs, n)
    sf = ShapeForm(n=n, ring="hypercube", square=1.0 / n, moments=moments,
                   prior_moment=lambda su, si: float(n) ** (-su) if su == si else 0.0,
                   nshapes=count,
                   description=f"tensor PCA k=3 n={n} lambda={lam:g} D={trunc} (shape form)")
    sf.extra["Z3"], sf.extra["Z1"] = Z3, Z1
    return sf


def tensor_pca_shape_objective(sf: ShapeForm) -> float:
    """:math:`\\tilde{\\mathbb E}[\\langle A,x^{\\otimes3}\\rangle] = \\sum_O\\sqrt6Z_Oy_O +
    \\sum_b cZ'_by_b` (needs moments of degree 3)."""
    Z3, Z1 = sf.extra["Z3"], sf.extra["Z1"]
    n = sf.n
    c = math.sqrt(3 * n - 2) / n
    # sum over 3-sets = (1/6) sum over ordered distinct triples
    return float(math.sqrt(6) * np.sum(Z3 * sf.moments[3]) / 6 + c * Z1 @ sf.moments[1])


def pseudo_calibration(A: npt.ArrayLike, lam: float, trunc: int = 4) -> SignedMeasure:
    """Pseudo-calibrated signed measure, see
    :func:`sosrmt.calibration.tensor_pca_measure`."""
    return tensor_pca_measure(_check_tensor(A), _check_lam(lam), trunc)


def pseudo_expectation(A: npt.ArrayLike, lam: float, trunc: int = 4, *, degree: int = 4,
                       variant: str = "boolean_sphere") -> PseudoExpectation:
    """The pseudo-calibration as a normalised :class:`sosrmt.sos.PseudoExpectation` on the
    domain of :func:`program` (so ``.check()`` and every engine tool apply).

    Examples
    --------
    >>> from sosrmt.problems.tensor_pca import sample_null
    >>> E = pseudo_expectation(sample_null(4, 3, rng=0), 0.5, 2)
    >>> round(E.moment(0), 12)
    1.0
    """
    _, domain = program(A, variant)
    return pseudo_calibration(A, lam, trunc).to_pseudo_expectation(domain, degree)


def calibration_report(A: npt.ArrayLike, lam: float, trunc: int = 4, *,
                       degree: int = 4) -> CalibrationReport:
    """The standard diagnostics (:class:`~sosrmt.calibration.CalibrationReport`) of the
    pseudo-calibration on input ``A``.

    The sphere constraint :math:`\\sum_i x_i^2 = 1` is reported as residual ``"sphere"``
    (exactly 0 up to rounding); the objective ratio is
    :math:`\\tilde{\\mathbb E}[\\langle A,x^{\\otimes k}\\rangle]/(\\tilde{\\mathbb E}[1]\\lambda)`.

    Examples
    --------
    >>> from sosrmt.problems.tensor_pca import sample_planted
    >>> A, _ = sample_planted(6, 3, 1.0, rng=0)
    >>> rep = calibration_report(A, 1.0, 4)
    >>> rep.residuals["sphere"] < 1e-12
    True
    """
    mu = pseudo_calibration(A, lam, trunc)
    pts = mu.prior.points
    sphere = (pts**2).sum(axis=1) - 1.0
    return mu.report(degree, constraints={"sphere": (sphere, 2)},
                     objective=tensor_contract(np.asarray(A, dtype=float), pts),
                     target=float(lam) if lam > 0 else None)


def shape_report(A: npt.ArrayLike, lam: float, trunc: int = 2, *,
                 degree: int = 4) -> CalibrationReport:
    """Diagnostics of the **shape form** (:func:`sosrmt.calibration.shapes.tensor_pca_shape_form`;
    order 3 only), which reaches :math:`n \\ge 40` at ``trunc <= 2``; same fields as
    :func:`calibration_report` (the sphere residual is 0 by construction).

    Examples
    --------
    >>> from sosrmt.problems.tensor_pca import sample_planted
    >>> A, _ = sample_planted(5, 3, 1.0, rng=0)
    >>> a, b = shape_report(A, 1.0, 2), calibration_report(A, 1.0, 2)
    >>> bool(abs(a.mu_min - b.mu_min) < 1e-9 and abs(a.objective - b.objective) < 1e-9)
    True
    """
    lam = _check_lam(lam)
    sf = tensor_pca_shape_form(_check_tensor(A), lam, trunc, degree=degree)
    return sf.report(degree, residuals={"sphere": 0.0}, objective=tensor_pca_shape_objective(sf),
                     target=lam if lam > 0 else None)
