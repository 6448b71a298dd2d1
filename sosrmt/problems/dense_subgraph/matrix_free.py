"""Matrix-free degree-4 pseudo-calibration of the planted dense subgraph (vertex truncation
:math:`\\tau = 4`, Bernoulli prior): closed-form moments, the moment operator, Lanczos.

With :math:`P_{ab} = 1 + 2qG_{ab}` (:math:`P_{aa} = 0`) and the Möbius weights
:math:`w_t` of :func:`~sosrmt.calibration.subset_mobius_weights`, the vertex-truncated
moments :math:`y_I = \\sum_{W\\supseteq I,|W|\\le4}w_{|W|}\\prod_{e\\subseteq W}P_e` are

.. math::

   y_{abcd} &= w_4\\textstyle\\prod_{e\\subseteq\\{a,b,c,d\\}}P_e,\\qquad
   y_{abc} = P_{ab}P_{ac}P_{bc}\\big(w_3 + w_4 s_{abc}\\big),\\quad
   s_{abc} = \\textstyle\\sum_d P_{ad}P_{bd}P_{cd},\\\\
   y_{ab} &= P_{ab}\\big(w_2 + w_3(P^2)_{ab} + \\tfrac{w_4}2Q_{ab}\\big),\\quad
   Q_{ab} = \\textstyle\\sum_{c,d}P_{ac}P_{bc}P_{cd}P_{ad}P_{bd},

and :math:`y_a`, :math:`y_\\emptyset` likewise (traces and row sums of :math:`P^3` and
:math:`P\\circ Q`). :math:`y_4` is never stored: its contraction with a symmetric
:math:`X` is :math:`w_4P_{ab}\\sum_{c,d}P_{ac}P_{bc}(P\\circ X)_{cd}P_{ad}P_{bd}`, one
matrix product of size :math:`(n-a)\\times n\\times n` per row :math:`a` (BLAS; about
:math:`n^4` multiply-adds per application, the cost of the densest block). The moments agree
entry by entry with :func:`~sosrmt.problems.dense_subgraph.dense_subgraph_shape_form`
(tested at small :math:`n`).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import scipy.sparse.linalg as spla

from sosrmt._validation import check_int, check_memory
from sosrmt.calibration import subset_mobius_weights
from sosrmt.calibration.boolean_operator import bernoulli_whitener, boolean_moment_operator
from sosrmt.calibration.matrix_free import lanczos_relative_min
from sosrmt.problems.dense_subgraph.model import _check_graph, _check_nk, _check_q, planted_value

__all__ = ["DenseSubgraphMoments", "dense_subgraph_structured", "estimate_matrix_free",
           "matrix_free_report"]

#: Sustained rate (FLOP/s) assumed for the BLAS products of the time estimate (a shared
#: 2-core machine reaches 10-30 GFLOP/s on them; the estimate is deliberately low).
BLAS_FLOPS = 5e9
#: Operator applications a Lanczos solve is assumed to need (time estimate).
LANCZOS_MATVECS = 60


def _k22(P: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``out[a,b] = sum_{c,d} P[a,c] P[b,c] M[c,d] P[a,d] P[b,d]`` for symmetric ``M``
    (upper triangle computed, mirrored; the diagonal is left 0)."""
    n = P.shape[0]
    out = np.zeros((n, n))
    for a in range(n - 1):
        R = P[a + 1:] * P[a]                     # R[b, c] = P[a, c] P[b, c]
        out[a, a + 1:] = np.einsum("bc,bc->b", R @ M, R)
    return out + out.T


class DenseSubgraphMoments:
    """Degree-4 moments of the :math:`\\tau = 4` pseudo-calibration, :math:`y_4` implicit.

    Attributes ``y0, y1, Y2, Y3`` (dense), ``P``, ``w`` (Möbius weights), ``rho`` and
    ``residual`` (the relative residual of :math:`\\sum_i x_i = k`, when ``k`` was given).
    """

    def __init__(self, G: np.ndarray, q: float, rho: float, k: int | None = None) -> None:
        n = G.shape[0]
        P = 1.0 + 2.0 * q * G
        np.fill_diagonal(P, 0.0)
        w = subset_mobius_weights(n, 4, lambda s: rho**s)
        P2 = P @ P
        Q = _k22(P, P)
        # s[a,b,c] = sum_d P[a,d] P[b,d] P[c,d]; T[a,b,c] = P[a,b] P[a,c] P[b,c]
        s = ((P[:, None, :] * P[None, :, :]).reshape(n * n, n) @ P.T).reshape(n, n, n)
        T = P[:, :, None] * P[:, None, :] * P[None, :, :]
        self.Y3 = T * (w[3] + w[4] * s)
        self.Y2 = P * (w[2] + w[3] * P2 + 0.5 * w[4] * Q)
        self.y1 = (w[1] + w[2] * P.sum(axis=1) + 0.5 * w[3] * np.einsum("ab,ba->a", P2, P)
                   + w[4] / 6.0 * (P * Q).sum(axis=1))
        self.y0 = float(w[0] + n * w[1] + 0.5 * w[2] * P.sum()
                        + w[3] / 6.0 * np.einsum("ab,ba->", P2, P) + w[4] / 24.0 * (P * Q).sum())
        self.P, self.w, self.rho, self.n = P, w, float(rho), n
        self.residual: float | None = None
        if k is not None:
            self.residual = self._cardinality_residual(k, w[4] * T * s)

    def _cardinality_residual(self, k: int, y4_summed: np.ndarray) -> float:
        """:math:`\\max_{|J|\\le3}|\\tilde{\\mathbb E}[(\\sum_ix_i-k)x_J]|/
        (|\\tilde{\\mathbb E}[1]|\\sqrt{\\rho^{|J|}})`, as the shape form reports it."""
        n, rho = self.n, self.rho
        off = 1.0 - np.eye(n)
        R = [np.asarray(self.y1.sum() - k * self.y0),
             self.Y2.sum(axis=1) + (1 - k) * self.y1,
             (self.Y3.sum(axis=2) + (2 - k) * self.Y2) * off,
             y4_summed + (3 - k) * self.Y3]
        worst = max(float(np.max(np.abs(r))) / math.sqrt(rho**t) for t, r in enumerate(R))
        return worst / abs(self.y0) if self.y0 else float("inf")

    def y4_contract(self, X: np.ndarray) -> np.ndarray:
        """:math:`\\sum_{c,d}y_{abcd}X_{cd}` for a symmetric ``X`` with zero diagonal."""
        return self.w[4] * self.P * _k22(self.P, self.P * X)

    def operator(self) -> spla.LinearOperator:
        """:math:`\\Lambda` as a ``LinearOperator`` (Boolean ring, see
        :func:`~sosrmt.calibration.boolean_operator.boolean_moment_operator`)."""
        return boolean_moment_operator(self.y0, self.y1, self.Y2, self.Y3, self.y4_contract)

    def objective(self, G: np.ndarray) -> float:
        """:math:`\\tilde{\\mathbb E}[\\sum_{i<j}G_{ij}x_ix_j]` (not normalised)."""
        return float(0.5 * np.sum(G * self.Y2))


def estimate_matrix_free(n: int) -> tuple[float, float]:
    """``(seconds, bytes)`` estimated for one instance (build plus a Lanczos solve).

    Build: about :math:`3n^4` multiply-adds; one application: :math:`n^4` (see the module
    docstring), at :data:`BLAS_FLOPS` and :data:`LANCZOS_MATVECS` applications; memory:
    five :math:`n^3` arrays while building.

    Examples
    --------
    >>> s, b = estimate_matrix_free(300)
    >>> 60 < s < 600 and b < 8 * 2**30
    True
    """
    n = check_int(n, "n", minimum=2)
    flops = 2.0 * n**4 * (3 + LANCZOS_MATVECS)
    return flops / BLAS_FLOPS, 8.0 * 5 * n**3


def dense_subgraph_structured(G: npt.ArrayLike, k: int, q: float, *,
                              tau: int = 4) -> DenseSubgraphMoments:
    """Closed-form degree-4 moments (Bernoulli prior :math:`\\rho = k/n`, :math:`\\tau = 4`).

    Examples
    --------
    >>> from sosrmt.problems.dense_subgraph import sample_null, dense_subgraph_shape_form
    >>> G = sample_null(7, rng=0)
    >>> dm = dense_subgraph_structured(G, 3, 0.3)
    >>> sf = dense_subgraph_shape_form(G, 0.3, tau=4, rho=3 / 7)
    >>> bool(np.allclose(dm.Y3, sf.moments[3]) and abs(dm.y0 - sf.e1) < 1e-12)
    True
    """
    G = _check_graph(G)
    n, k = _check_nk(G.shape[0], k)
    q = _check_q(q)
    tau = check_int(tau, "tau", minimum=4)
    if tau != 4:
        raise ValueError(f"tau: the matrix-free form is implemented for tau = 4 (moments of "
                         f"degree 4 without middle vertices), got {tau}")
    if k >= n:
        raise ValueError(f"k: the Bernoulli prior needs k < n, got k={k}, n={n}")
    _, nbytes = estimate_matrix_free(n)
    check_memory(nbytes, f"the matrix-free dense-subgraph moments at n={n}", hint="lower n")
    Gs = np.array(G, dtype=float)
    np.fill_diagonal(Gs, 0.0)
    return DenseSubgraphMoments(Gs, q, k / n, k)


def matrix_free_report(G: npt.ArrayLike, k: int, q: float, *, tau: int = 4,
                       prior: str = "bernoulli", tol: float = 1e-8,
                       max_seconds: float | None = None) -> dict[str, float | int | str | None]:
    """:math:`\\tilde{\\mathbb E}[1]`, :math:`\\mu_{\\min}` by Lanczos with its residual bound
    and status, the cardinality residual and the objective ratio, never forming
    :math:`\\Lambda` (dimension :math:`1+n+\\binom n2`).

    A solve whose estimate (:func:`estimate_matrix_free`) exceeds ``max_seconds`` is
    refused before any work, with the estimate in the message.

    Examples
    --------
    >>> from sosrmt.problems.dense_subgraph import sample_planted, shape_report
    >>> G, _ = sample_planted(8, 3, 0.3, rng=1)
    >>> rep = matrix_free_report(G, 3, 0.3)
    >>> ref = shape_report(G, 3, 0.3, tau=4)
    >>> rep["lanczos_status"], bool(abs(rep["mu_min"] - ref.mu_min) < 1e-6)
    ('converged', True)
    """
    if prior != "bernoulli":
        raise ValueError(f"prior: the matrix-free form whitens with the Bernoulli prior "
                         f"(prior='bernoulli'), got {prior!r}")
    G = _check_graph(G)
    n = G.shape[0]
    seconds, _ = estimate_matrix_free(n)
    if max_seconds is not None and seconds > max_seconds:
        raise ValueError(f"n: the matrix-free solve at n={n} is estimated at {seconds:.0f} s, "
                         f"above max_seconds={max_seconds:g}; lower n")
    dm = dense_subgraph_structured(G, k, q, tau=tau)
    res = lanczos_relative_min(dm.operator(), bernoulli_whitener(n, dm.rho), dm.y0, tol=tol)
    target = planted_value(n, k, q, prior="bernoulli")
    obj = dm.objective(G) / dm.y0 if dm.y0 else None
    return {"e1": dm.y0, "mu_min": res.mu_min, "mu_min_residual": res.residual,
            "lanczos_status": res.status, "dimension": res.dimension, "matvecs": res.matvecs,
            "residual": dm.residual, "estimated_seconds": seconds,
            "objective_ratio": obj / target if (obj is not None and target) else None}
