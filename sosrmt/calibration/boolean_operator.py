"""Matrix-free degree-4 moment matrix on the Boolean ring (:math:`x_i^2 = x_i`).

Over the multilinear monomials of degree :math:`\\le 2` (order of
:func:`~sosrmt.calibration.matrix_free.operator_basis`), the moment matrix is
:math:`\\Lambda[S,T] = y_{S\\cup T}`. :func:`boolean_moment_operator` applies it from dense
:math:`y_0, y_1, y_2, y_3` (memory :math:`8n^3` bytes: 216 MB at :math:`n = 300`) and a
problem-supplied contraction of :math:`y_4` (never stored). :func:`bernoulli_whitener` is
the matrix :math:`W` with :math:`W\\Lambda_0W^\\top = I` for the i.i.d. Bernoulli(:math:`\\rho`)
prior, :math:`\\Lambda_0[S,T] = \\rho^{|S\\cup T|}`: it maps the monomials to the centred,
normalised ones :math:`\\prod_{i\\in S}(x_i-\\rho)/\\sigma`, :math:`\\sigma^2 = \\rho(1-\\rho)`,
which are orthonormal under the prior.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse.linalg as spla

from sosrmt._validation import check_int

__all__ = ["bernoulli_whitener", "boolean_moment_operator"]


def _split(v: np.ndarray, n: int, iu: np.ndarray, ju: np.ndarray
           ) -> tuple[float, np.ndarray, np.ndarray]:
    v = np.asarray(v, dtype=float).reshape(-1)
    X = np.zeros((n, n))
    X[iu, ju] = v[1 + n:]
    return float(v[0]), v[1:1 + n], X + X.T


def boolean_moment_operator(y0: float, y1: np.ndarray, Y2: np.ndarray, Y3: np.ndarray,
                            y4_contract: Callable[[np.ndarray], np.ndarray]
                            ) -> spla.LinearOperator:
    """:math:`\\Lambda[S,T] = y_{S\\cup T}` of degree 4 as a ``LinearOperator``.

    Parameters
    ----------
    y0, y1, Y2, Y3
        Moments :math:`\\tilde{\\mathbb E}[x_I]` for :math:`|I|\\le3` as symmetric
        ordered-tuple tensors, zero on repeated indices.
    y4_contract : callable
        ``X -> sum_{c,d} y4[a,b,c,d] X[c,d]`` for a symmetric ``X`` with zero diagonal
        (an ``(n, n)`` array; only entries ``a != b`` are read).

    Returns
    -------
    LinearOperator
        Symmetric, of size :math:`1+n+\\binom n2`.

    Examples
    --------
    >>> n = 3
    >>> Y2 = np.ones((n, n)) - np.eye(n)
    >>> Y3 = np.zeros((n, n, n))
    >>> op = boolean_moment_operator(1.0, np.ones(n), Y2, Y3, lambda X: 0 * X)
    >>> op.shape
    (7, 7)
    """
    n = int(np.asarray(y1).shape[0])
    y1, Y2, Y3 = np.asarray(y1, float), np.asarray(Y2, float), np.asarray(Y3, float)
    iu, ju = np.triu_indices(n, 1)
    size = 1 + n + iu.size
    Y3flat = Y3.reshape(n, n * n)

    def matvec(v: np.ndarray) -> np.ndarray:
        x0, x1, X = _split(v, n, iu, ju)
        Y2X = Y2 * X
        out0 = y0 * x0 + y1 @ x1 + 0.5 * Y2X.sum()
        # {a}x{b}: y_ab (a != b), y_a (a = b); {a}x{c,d}: y_acd, or y_ad when c = a
        out1 = (y1 * x0 + y1 * x1 + Y2 @ x1 + Y2X.sum(axis=1)
                + 0.5 * (Y3flat @ X.reshape(-1)))
        # {a,b}x{c,d}: y_abcd (disjoint), y_abd (one shared index), y_ab (equal)
        E = np.einsum("abd,ad->ab", Y3, X)
        out2 = (Y2 * (x0 + x1[:, None] + x1[None, :]) + Y3flat.reshape(n * n, n).dot(x1)
                .reshape(n, n) + E + E.T + Y2X + 0.5 * y4_contract(X))
        return np.concatenate([[out0], out1, out2[iu, ju]])

    return spla.LinearOperator((size, size), matvec=matvec, rmatvec=matvec, dtype=float)


def bernoulli_whitener(n: int, rho: float) -> spla.LinearOperator:
    """:math:`W` with :math:`W\\Lambda_0W^\\top = I` for the Bernoulli(:math:`\\rho`) prior on
    the degree-:math:`\\le2` multilinear basis (see the module docstring).

    Examples
    --------
    >>> from itertools import product
    >>> n, rho = 3, 0.3
    >>> pts = np.array(list(product([0, 1], repeat=n)), float)
    >>> pr = np.prod(np.where(pts == 1, rho, 1 - rho), axis=1)
    >>> phi = np.column_stack([np.ones(8), pts, pts[:, 0] * pts[:, 1], pts[:, 0] * pts[:, 2],
    ...                        pts[:, 1] * pts[:, 2]])
    >>> lam0 = phi.T @ (pr[:, None] * phi)
    >>> W = bernoulli_whitener(n, rho).matmat(np.eye(7))
    >>> bool(np.allclose(W @ lam0 @ W.T, np.eye(7)))
    True
    """
    n = check_int(n, "n", minimum=1)
    rho = float(rho)
    if not 0 < rho < 1:
        raise ValueError(f"rho: expected a probability in (0, 1), got {rho}")
    sig = np.sqrt(rho * (1 - rho))
    iu, ju = np.triu_indices(n, 1)
    size = 1 + n + iu.size

    def apply(v: np.ndarray) -> np.ndarray:          # C^{-1}: monomials -> centred ones
        w0, w1, W2 = _split(v, n, iu, ju)
        out1 = (w1 - rho * w0) / sig
        out2 = (W2[iu, ju] - rho * (w1[iu] + w1[ju]) + rho * rho * w0) / sig**2
        return np.concatenate([[w0], out1, out2])

    def apply_t(v: np.ndarray) -> np.ndarray:        # C^{-T}
        v0, v1, V2 = _split(v, n, iu, ju)
        pair = v[1 + n:] if np.ndim(v) == 1 else np.ravel(v)[1 + n:]
        out0 = v0 - rho / sig * v1.sum() + rho * rho / sig**2 * pair.sum()
        out1 = v1 / sig - rho / sig**2 * V2.sum(axis=1)
        return np.concatenate([[out0], out1, pair / sig**2])

    return spla.LinearOperator((size, size), matvec=apply, rmatvec=apply_t, dtype=float)
