"""Matrix-free degree-4 pseudo-calibration of Wishart sparse PCA: the shape form's moments
as dense tensors up to three indices and a graph-operator sum for four, the moment operator
over :math:`1, x_a, x_a^2, x_ax_b`
(:func:`~sosrmt.calibration.ternary_operator.ternary_moment_operator`) and Lanczos.

The shapes and coefficients are those of
:func:`~sosrmt.problems.sparse_pca.sparse_pca_shape_form` (one bipartite shape sum per
exponent pattern); here each sum is a sum of matrix-free graph operators
(:func:`sosrmt.graphs.graph_operator`): the patterns with at most three indices are
evaluated once into :math:`n^3` arrays, the four-index pattern is applied to each Lanczos
vector as a :math:`2|2` operator. Circles (samples) enter only through contractions such as
:math:`\\sum_jv_{ja}v_{jb}(v_j^\\top Xv_j)`, so one application costs :math:`O(mn^2 + n^3)`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from sosrmt._validation import check_finite_array, check_int, check_memory
from sosrmt.calibration import bipartite_shapes, shape_sum_operator
from sosrmt.calibration.matrix_free import lanczos_relative_min
from sosrmt.calibration.ternary_operator import ternary_moment_operator, ternary_whitener
from sosrmt.graphs import GraphInput
from sosrmt.problems.sparse_pca.model import (
    _check_delta,
    _check_dims,
    _check_prior,
    planted_value,
)

__all__ = ["estimate_matrix_free", "matrix_free_report", "sparse_pca_structured"]

#: Sustained FLOP/s assumed for the graph operators' contractions (time estimate).
GRAPH_OPERATOR_FLOPS = 2e9
#: Operator applications a Lanczos solve is assumed to need (time estimate).
LANCZOS_MATVECS = 60


def _subset_prob(d: int, k: int, exact: bool):
    if exact:
        return lambda s: math.perm(k, s) / math.perm(d, s) if s <= k else 0.0
    return lambda s: (k / d) ** s


def _coef_fn(pattern: tuple[int, ...], delta: float, k: int, m: int, f):
    def coef(cls) -> float:
        if cls.wc > m:
            return 0.0                       # more circles than samples: M = 0
        total = sum(lab for _, _, lab in cls.edges)
        c = math.prod((delta / 2) ** (dc // 2) * math.factorial(dc) / math.factorial(dc // 2)
                      for dc in cls.circle_degrees())
        c *= float(k) ** (-(sum(pattern) + total) / 2) * f(len(pattern) + cls.ws)
        return c / math.prod(math.sqrt(math.factorial(lab)) for _, _, lab in cls.edges)

    return coef


def sparse_pca_structured(V: npt.ArrayLike, k: int, delta: float, trunc: int = 4, *,
                          prior: str = "exact") -> dict:
    """Moments of every pattern of :data:`~sosrmt.calibration.ternary_operator.PATTERNS`:
    dense up to three indices, ``"1111"`` as a callable; plus ``"flops_matvec"`` (einsum
    count of one application of the four-index sum) and ``"build_flops"``.

    Examples
    --------
    >>> from sosrmt.problems.sparse_pca import sample_null, sparse_pca_shape_form
    >>> V = sample_null(3, 5, rng=0)
    >>> mom = sparse_pca_structured(V, 2, 1.0)
    >>> sf = sparse_pca_shape_form(V, 2, 1.0)
    >>> bool(np.allclose(mom["211"], sf.tensors[(2, 1, 1)]) and np.isclose(mom[""], sf.e1))
    True
    """
    V = check_finite_array(V, "V", ndim=2)
    m, d, k = _check_dims(V.shape[0], V.shape[1], k)
    delta = _check_delta(delta)
    exact = _check_prior(prior)
    trunc = check_int(trunc, "trunc", minimum=2, maximum=8)
    check_memory(8.0 * 6 * d**3 + 8.0 * 4 * m * d * d,
                 f"the matrix-free sparse-PCA moments at d={d}, m={m}", hint="lower d or m")
    f = _subset_prob(d, k, exact)
    inputs = GraphInput(model="gaussian", sizes={"n": d, "m": m}, tensors={("m", "n"): V})
    circles = tuple(range(2, trunc + 1, 2))
    out: dict = {}
    build = 0.0
    one = np.ones(1)
    for name in ("", "1", "2", "3", "4", "11", "21", "22", "31", "111", "211", "1111"):
        pattern = tuple(int(c) for c in name)
        classes = list(bipartite_shapes(tuple(b % 2 for b in pattern), trunc, circles))
        coef = _coef_fn(pattern, delta, k, m, f)
        j = len(pattern)
        left = 2 if j == 4 else j
        op = shape_sum_operator(classes, coef, inputs, d, left, symmetric_input=(j == 4))
        if j == 4:
            out[name] = lambda X, op=op: op.matvec(X.reshape(-1)).reshape(d, d)
            out["flops_matvec"] = op.flops_matvec
            continue
        build += op.flops_matvec
        val = op.matvec(one) if op.terms else np.zeros(d**j)
        out[name] = float(val[0]) if j == 0 else np.asarray(val).reshape((d,) * j)
    out["build_flops"] = build
    return out


def estimate_matrix_free(V: npt.ArrayLike, k: int, delta: float, trunc: int = 4, *,
                         prior: str = "exact") -> tuple[float, float]:
    """``(seconds, bytes)`` for one instance, without evaluating anything: the einsum FLOP
    count of the graph operators (build once, :data:`LANCZOS_MATVECS` applications) at
    :data:`GRAPH_OPERATOR_FLOPS`, and six :math:`d^3` arrays plus :math:`4md^2` of
    intermediates.

    Examples
    --------
    >>> from sosrmt.problems.sparse_pca import sample_null
    >>> s, b = estimate_matrix_free(sample_null(4, 6, rng=0), 2, 1.0)
    >>> s > 0 and b > 0
    True
    """
    V = check_finite_array(V, "V", ndim=2)
    m, d, k = _check_dims(V.shape[0], V.shape[1], k)
    # the FLOP count scales as d^3 (dense patterns) and m d^2 (circle contractions); use
    # the closed count of the dominant terms rather than building the operators
    flops = 2.0 * (8 * d**3 + 12 * m * d * d) * (1 + LANCZOS_MATVECS) + 2.0 * 20 * m * d**3
    return flops / GRAPH_OPERATOR_FLOPS, 8.0 * 6 * d**3 + 8.0 * 4 * m * d * d


def matrix_free_report(V: npt.ArrayLike, k: int, delta: float, trunc: int = 4, *,
                       prior: str = "exact", tol: float = 1e-8,
                       max_seconds: float | None = None) -> dict[str, float | int | str | None]:
    """:math:`\\tilde{\\mathbb E}[1]`, :math:`\\mu_{\\min}` by Lanczos with its residual bound
    and status, the sphere residual and the objective ratio, never forming :math:`\\Lambda`.

    Examples
    --------
    >>> from sosrmt.problems.sparse_pca import sample_planted, shape_report
    >>> V, _ = sample_planted(4, 6, 2, 1.0, prior="exact", rng=0)
    >>> rep = matrix_free_report(V, 2, 1.0)
    >>> ref = shape_report(V, 2, 1.0)
    >>> rep["lanczos_status"], bool(abs(rep["mu_min"] - ref.mu_min) < 1e-6)
    ('converged', True)
    """
    V = check_finite_array(V, "V", ndim=2)
    m, d, k = _check_dims(V.shape[0], V.shape[1], k)
    if k < 2:
        raise ValueError(f"k: the matrix-free form needs k >= 2 (x_a x_b has zero prior "
                         f"mass at k = 1), got {k}")
    seconds, _ = estimate_matrix_free(V, k, delta, trunc, prior=prior)
    if max_seconds is not None and seconds > max_seconds:
        raise ValueError(f"n: the matrix-free solve at d={d}, m={m} is estimated at "
                         f"{seconds:.0f} s, above max_seconds={max_seconds:g}; lower d or m")
    mom = sparse_pca_structured(V, k, delta, trunc, prior=prior)
    f = _subset_prob(d, k, _check_prior(prior))
    whitener = ternary_whitener(d, f(1) / k, f(1) / k**2, f(2) / k**2)
    e1 = mom[""]
    res = lanczos_relative_min(ternary_moment_operator(mom), whitener, e1, tol=tol)
    # sphere residual E~[(sum_i x_i^2 - 1) x^J], |J| <= 2 with exponents <= 2, relative
    t2, t4, T22, T31, Y211 = mom["2"], mom["4"], mom["22"], mom["31"], mom["211"]
    p = {0: 1.0, 1: f(1) / k, 2: f(1) / k**2, 11: f(2) / k**2}    # E_pi[(x^J)^2]
    off = 1.0 - np.eye(d)
    R = {0: (t2.sum() - e1, p[0]),
         1: (mom["3"] + (mom["21"].T * off).sum(axis=1) - mom["1"], p[1]),
         2: (t4 + (T22 * off).sum(axis=1) - t2, p[2]),
         11: ((T31 + T31.T + Y211.sum(axis=0)) * off - mom["11"], p[11])}
    worst = max(float(np.max(np.abs(r))) / math.sqrt(pj) for r, pj in R.values())
    residual = worst / abs(e1) if e1 else float("inf")
    S = V.T @ V
    obj = float(np.diag(S) @ t2 + np.sum(S * off * mom["11"]))
    target = planted_value(m, d, k, delta, prior=prior)
    ratio = obj / e1 / target if (e1 and target) else None
    return {"e1": e1, "mu_min": res.mu_min, "mu_min_residual": res.residual,
            "lanczos_status": res.status, "dimension": res.dimension, "matvecs": res.matvecs,
            "residual": residual, "estimated_seconds": seconds, "objective_ratio": ratio}
