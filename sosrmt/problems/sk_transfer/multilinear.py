"""The transferred SK point with the constraints imposed exactly: the multilinear reduction.

:func:`~sosrmt.problems.sk_transfer.sk_moment_operator` is the matrix
:math:`M[S,T]=\\tilde{\\mathbb E}_{PAP}[x^Sx^T]`, :math:`x=Dv`, in which :math:`x_u^2` is
*not* reduced to 1; it is PSD exactly when the PAP matrix is, but the SK constraints hold
only up to the residuals. Reducing :math:`x_u^2=1` instead, i.e. defining the SK
pseudo-expectation on multilinear monomials by :math:`\\tilde{\\mathbb E}_{ml}[x^S] =
\\tilde{\\mathbb E}_{PAP}[x^S]` (:math:`S` a set, :math:`|S|\\le4`), satisfies the constraints
exactly; its moment matrix :math:`M_{ml}[S,T] = \\tilde{\\mathbb E}_{ml}[x^{S\\triangle T}]` is
:math:`M-\\Delta`, where :math:`\\Delta` is made of the residuals (:func:`multilinear_operator`).

Its smallest eigenvalue :math:`\\lambda` (relative to :math:`\\tilde{\\mathbb E}[1]`; the SK
prior, uniform on :math:`\\{\\pm1\\}^N`, has the identity as moment matrix in this basis)
decides validity. When :math:`\\lambda<0`, the mixture
:math:`(1-t)\\tilde{\\mathbb E}_{ml}/\\tilde{\\mathbb E}[1] + t\\,\\mathbb E_{\\rm unif}` with
:math:`t=-\\lambda/(1-\\lambda)` has moment matrix :math:`(1-t)M_{ml}/\\tilde{\\mathbb E}[1]+tI
\\succeq0`, satisfies the constraints exactly, and has value
:math:`(1-t)\\tilde{\\mathbb E}_{ml}[x^\\top Wx]/\\tilde{\\mathbb E}[1]` (the uniform measure
gives :math:`\\operatorname{tr}W=0`). This mixing is reported, with :math:`t`, never applied
silently (:func:`exact_constraint_point`). :math:`\\lambda` comes from Lanczos: a Ritz value,
an upper bound on the smallest eigenvalue, so the validity of the mixture rests on Lanczos
having found the lowest eigenvalue (not a certificate).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike

from sosrmt._validation import as_rng, check_int, check_memory
from sosrmt.problems import sk
from sosrmt.problems.planted_affine_planes.calibration import pap_measure
from sosrmt.problems.planted_affine_planes.factored import FactoredMoments
from sosrmt.problems.sk.instance import SeedLike
from sosrmt.problems.sk_transfer.at_scale import (
    DEFAULT_EPS,
    choose_p,
    lanczos_smallest,
    pap_basis,
    sk_moment_operator,
    transfer_at_scale,
)

__all__ = ["exact_constraint_cell", "exact_constraint_point", "multilinear_memory",
           "multilinear_operator", "signed_exact_constraint_point"]

#: Largest p of :func:`signed_exact_constraint_point` (it enumerates the 2^p prior points).
SIGNED_MAX_P = 16


def multilinear_memory(N: int, p: int) -> float:
    """Bytes held by :func:`multilinear_operator`: the :math:`N` matrices
    :math:`R_u\\in\\mathbb R^{p\\times p}`, a few :math:`N\\times N` arrays and 24 Lanczos
    vectors of size :math:`1+N+\\binom N2`.

    Examples
    --------
    >>> multilinear_memory(200, 45) < 2**30
    True
    """
    N = check_int(N, "N", minimum=2)
    p = check_int(p, "p", minimum=1)
    return 8.0 * (N * p * p + 8 * N * N + 24 * (1 + N + N * (N - 1) // 2))


def _constraint_moments(fm: FactoredMoments, D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``R[u]`` = the p x p matrix of :meth:`FactoredMoments.apply_polynomial` for
    :math:`g_u = x_u^2-1`, so that :math:`(DR_uD^\\top)_{bd} = \\tilde{\\mathbb E}[(x_u^2-1)
    x_bx_d]`; and ``r[u]`` = :math:`\\tilde{\\mathbb E}[x_u^2-1]`."""
    N, p = D.shape
    R = np.empty((N, p, p))
    r = np.empty(N)
    for u in range(N):
        du = D[u]
        G = 2.0 * np.outer(du, du)
        np.fill_diagonal(G, 0.0)
        r[u], R[u] = fm.apply_polynomial(fm.square * float(du @ du) - 1.0, G)
    return R, r


def multilinear_operator(fm: FactoredMoments, D: ArrayLike) -> spla.LinearOperator:
    """The moment matrix :math:`M_{ml}` of the multilinear reduction (constraints exact), in
    the basis and coordinates of :func:`~sosrmt.problems.sk_transfer.sk_moment_operator`.

    Notes
    -----
    :math:`M_{ml} = M - \\Delta` with, writing :math:`r_u = \\tilde{\\mathbb E}[x_u^2-1]` and
    :math:`Q_u[b,d] = \\tilde{\\mathbb E}[(x_u^2-1)x_bx_d]`: :math:`\\Delta[\\{u\\},\\{u\\}] = r_u`;
    :math:`\\Delta[\\{a,b\\},\\{a,d\\}] = Q_a[b,d]` (:math:`b\\ne d`, one common index);
    :math:`\\Delta[\\{a,b\\},\\{a,b\\}] = \\tilde{\\mathbb E}[x_a^2x_b^2-1] = Q_a[b,b]+r_b`; zero
    elsewhere (the other entries of :math:`M` have no repeated index, or are odd moments, which
    vanish). Building it costs :math:`N` products with the PAP degree-4 operator; each
    product costs :math:`O(N^2p)` more than :math:`M`'s.
    """
    D = np.asarray(D, dtype=float)
    N, p = D.shape
    if p != fm.n:
        raise ValueError(f"D: expected {fm.n} columns (the PAP dimension), got {p}")
    check_memory(multilinear_memory(N, p), f"the multilinear SK operator at N={N}, p={p}",
                 hint="lower N")
    R, r = _constraint_moments(fm, D)
    DR = np.einsum("bk,ukl->ubl", D, R)                   # (u, b, l): (D R_u)[b, l]
    Qd = np.einsum("ubl,bl->ub", DR, D)                   # Q_u[b, b]
    S = Qd + r[None, :]                                   # E~[x_u^2 x_b^2 - 1]
    iu, ju = np.triu_indices(N, 1)
    M = sk_moment_operator(fm, D)

    def matvec(vec: np.ndarray) -> np.ndarray:
        vec = np.asarray(vec, dtype=float).reshape(-1)
        out = M.matvec(vec)
        X = np.zeros((N, N))
        X[iu, ju] = vec[1 + N:]
        X = X + X.T
        Y = X @ D                                         # row a: D^T X[a, :]
        T1 = np.einsum("ukl,ul->uk", R, Y) @ D.T          # T1[a, b] = sum_d Q_a[b, d] X[a, d]
        T1 -= Qd * X                                      # drop d = b
        delta = T1 + T1.T + S * X                         # S * X: X's diagonal is 0
        out[1:1 + N] -= r * vec[1:1 + N]
        out[1 + N:] -= delta[iu, ju]
        return out

    size = M.shape[0]
    return spla.LinearOperator((size, size), matvec=matvec, rmatvec=matvec, dtype=float)


def exact_constraint_point(fm: FactoredMoments, D: ArrayLike, W: ArrayLike, *,
                           tol: float = 1e-6, maxiter: int | None = None) -> dict[str, Any]:
    """The multilinear reduction's smallest relative eigenvalue and the mixture that makes
    it PSD (module docstring).

    Returns
    -------
    dict
        ``ml_mu_min`` (smallest Ritz value of :math:`M_{ml}/\\tilde{\\mathbb E}[1]`),
        ``ml_residual`` (its Lanczos residual), ``ml_status``, ``ml_dimension``,
        ``ml_matvecs``, ``mix_weight`` :math:`t` (0 when ``ml_mu_min >= 0``),
        ``value_ml`` (:math:`\\tilde{\\mathbb E}_{ml}[x^\\top Wx]/\\tilde{\\mathbb E}[1]`, equal
        to the transfer's value since :math:`W` has zero diagonal), ``value_mixed``,
        ``value_mixed_scaled`` (over :math:`N^{3/2}`), ``ml_valid`` (True when Lanczos
        converged; the mixture is then PSD up to Lanczos missing a lower eigenvalue), and
        ``time_ml``.

    Examples
    --------
    >>> W = sk.sk_instance(12, seed=0)
    >>> res = transfer_at_scale(W, 4, 4, rng=0, sk_lanczos=False)
    >>> out = exact_constraint_point(res.moments, res.D, W)
    >>> 0 <= out["mix_weight"] < 1
    True
    """
    t0 = time.perf_counter()
    W = sk.validate_coupling(W)
    D = np.asarray(D, dtype=float)
    if D.shape[0] != W.shape[0]:
        raise ValueError(f"D: expected {W.shape[0]} rows (the size of W), got {D.shape[0]}")
    if np.any(np.diag(W) != 0):
        raise ValueError("W: expected a zero diagonal (the SK coupling of sosrmt.problems.sk), "
                         "so that the multilinear value equals the transferred one")
    e1 = fm.e1
    if e1 <= 0:
        raise ValueError(f"fm: expected E~[1] > 0, got {e1!r}")
    N = W.shape[0]
    res = lanczos_smallest(multilinear_operator(fm, D), e1, tol=tol, maxiter=maxiter)
    B = D.T @ W @ D
    value = (float(np.sum(B * fm.Y2)) + fm.square * fm.y0 * float(np.trace(B))) / e1
    lam = res.mu_min
    t = 0.0 if lam >= 0 else -lam / (1.0 - lam)
    return {"ml_mu_min": lam, "ml_residual": res.residual, "ml_status": res.status,
            "ml_dimension": res.dimension, "ml_matvecs": res.matvecs, "mix_weight": t,
            "value_ml": value, "value_mixed": (1.0 - t) * value,
            "value_mixed_scaled": (1.0 - t) * value / N**1.5,
            "ml_valid": res.status == "converged", "time_ml": time.perf_counter() - t0}


def exact_constraint_cell(*, rng: SeedLike, N: int, trunc: int = 6, eps: float = DEFAULT_EPS,
                          p: int | None = None, basis: str = "frame",
                          residual_circles: int = 16) -> dict[str, Any]:
    """Sweep job (``"sosrmt.problems.sk_transfer:exact_constraint_cell"``): the instance
    and row of :func:`~sosrmt.problems.sk_transfer.transfer_scale_cell` (same draws, without
    the SK Lanczos), plus the keys of :func:`exact_constraint_point`.

    Examples
    --------
    >>> row = exact_constraint_cell(rng=0, N=16, trunc=4, p=4, residual_circles=2)
    >>> row["ml_dimension"], row["mix_weight"] >= 0
    (137, True)
    """
    N = check_int(N, "N", minimum=8)
    p_used = choose_p(N, eps) if p is None else check_int(p, "p", minimum=2)
    check_memory(multilinear_memory(N, p_used), f"the multilinear SK operator at N={N}",
                 hint="lower N")
    gen = as_rng(rng)
    W = sk.sample_null(N, rng=gen)
    res = transfer_at_scale(W, p_used, trunc, rng=gen, sk_lanczos=False,
                            residual_circles=residual_circles, basis=basis)
    row = res.as_dict()
    row.update(exact_constraint_point(res.moments, res.D, W))
    for echo in ("N", "trunc", "basis"):
        row.pop(echo, None)
    return row


def signed_exact_constraint_point(W: ArrayLike, p: int, trunc: int, *, rng: SeedLike = None,
                                  basis: str = "frame") -> dict[str, Any]:
    """The diagnostics of :func:`exact_constraint_point` by enumeration of the :math:`2^p`
    prior points (signed-measure form, any Hermite truncation ``trunc``, :math:`p\\le16`),
    with dense eigendecompositions: for the truncations :math:`D\\ge8` (two circles and
    more), which the factored form does not hold.

    Returns
    -------
    dict
        ``p``, ``trunc``, ``e1``, ``value_scaled``, ``mu_min`` (PAP, relative, dense),
        ``residual``, ``residual_quad_op`` (over every :math:`u`), ``ml_mu_min`` (dense),
        ``mix_weight``, ``value_mixed_scaled``.

    Examples
    --------
    >>> out = signed_exact_constraint_point(sk.sk_instance(10, seed=0), 4, 8, rng=0)
    >>> out["trunc"], 0 <= out["mix_weight"] < 1
    (8, True)
    """
    W = sk.validate_coupling(W)
    N = W.shape[0]
    p = check_int(p, "p", minimum=2, maximum=min(N - 1, SIGNED_MAX_P))
    trunc = check_int(trunc, "trunc", minimum=0)
    size = 1 + N + N * (N - 1) // 2
    check_memory(8.0 * (2**p * (size + 2 * N) + 3 * size * size),
                 f"the enumerated multilinear SK matrix at N={N}, p={p}", hint="lower N or p")
    gen = as_rng(rng)
    U = scipy.linalg.eigh(W, subset_by_index=[N - p, N - 1])[1]   # as transfer_at_scale
    D = pap_basis(U, basis, rng=gen)
    mu = pap_measure(D, trunc)
    e1, w = mu.e1, mu.weights
    X = mu.prior.points @ D.T                              # x = D v at every prior point
    g = X**2 - 1.0
    residual = float(np.max(np.abs(w @ g))) / abs(e1)
    quad_op = max(float(np.max(np.abs(np.linalg.eigvalsh((X.T * (w * g[:, u])) @ X))))
                  for u in range(N)) / abs(e1)
    iu, ju = np.triu_indices(N, 1)
    Phi = np.hstack([np.ones((X.shape[0], 1)), X, X[:, iu] * X[:, ju]])
    M = Phi.T @ (w[:, None] * Phi)                         # x_u^2 unreduced
    G2 = M[1:1 + N, 1:1 + N]                               # E~[x_a x_b]
    # reduce x_u^2 = 1: the linear diagonal, and the pair entries with a common index
    Mml = M.copy()
    Mml[np.arange(1, 1 + N), np.arange(1, 1 + N)] = w.sum()
    a, b = iu[:, None], ju[:, None]
    c, d = iu[None, :], ju[None, :]
    block = Mml[1 + N:, 1 + N:]
    for same, x, y in ((a == c, b, d), (a == d, b, c), (b == c, a, d), (b == d, a, c)):
        xs, ys = np.broadcast_to(x, same.shape)[same], np.broadcast_to(y, same.shape)[same]
        block[same] = np.where(xs == ys, w.sum(), G2[xs, ys])
    lam = float(np.linalg.eigvalsh(0.5 * (Mml + Mml.T))[0]) / e1
    value = float(np.sum(W * G2)) / e1
    t = 0.0 if lam >= 0 else -lam / (1.0 - lam)
    return {"p": p, "trunc": trunc, "e1": e1, "value_scaled": value / N**1.5,
            "mu_min": float(mu.report(4).mu_min), "residual": residual,
            "residual_quad_op": quad_op, "ml_mu_min": lam, "mix_weight": t,
            "value_mixed_scaled": (1.0 - t) * value / N**1.5}
