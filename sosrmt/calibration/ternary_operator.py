"""Matrix-free degree-4 moment matrix over the basis :math:`1, x_a, x_a^2, x_ax_b` (the
sparse-PCA ring, :math:`x_i\\in\\{0,\\pm1/\\sqrt k\\}`).

Basis order: :math:`1`; :math:`x_a` (:math:`a<n`); :math:`x_a^2`; :math:`x_ax_b` for
:math:`a<b` in the order of ``numpy.triu_indices(n, 1)`` (size :math:`1+2n+\\binom n2`).
:math:`\\Lambda[S,T] = \\tilde{\\mathbb E}[x^{S+T}]` is read from the moment tensors of each
exponent pattern (``moments`` of :func:`ternary_moment_operator`): the pattern ``"21"`` is
:math:`\\tilde{\\mathbb E}[x_a^2x_b]` at ``[a, b]``, ``"211"`` is
:math:`\\tilde{\\mathbb E}[x_a^2x_bx_c]` at ``[a, b, c]``, and so on; the densest pattern
``"1111"`` is only applied (a callable), never stored.

:func:`ternary_whitener` gives :math:`W` with :math:`W\\Lambda_0W^\\top = I` for any prior
invariant under coordinate sign flips: then :math:`\\Lambda_0` is block diagonal (the
:math:`x_a` block and the :math:`x_ax_b` block are diagonal, the :math:`\\{1, x_a^2\\}` block is
a dense :math:`(n+1)\\times(n+1)` matrix, inverted through its eigendecomposition; its
null directions, such as :math:`\\sum_ax_a^2 - 1` under the exact-:math:`k` prior, are
dropped as in :func:`~sosrmt.calibration.relative_min_eigenvalue`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse.linalg as spla

from sosrmt._validation import check_int

__all__ = ["PATTERNS", "ternary_moment_operator", "ternary_whitener"]

#: Exponent patterns of the moments a degree-4 moment matrix reads (non-increasing).
PATTERNS = ("", "1", "2", "3", "4", "11", "21", "22", "31", "111", "211", "1111")


def _split(v: np.ndarray, n: int, iu: np.ndarray, ju: np.ndarray
           ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    v = np.asarray(v, dtype=float).reshape(-1)
    X = np.zeros((n, n))
    X[iu, ju] = v[1 + 2 * n:]
    return float(v[0]), v[1:1 + n], v[1 + n:1 + 2 * n], X + X.T


def ternary_moment_operator(moments: dict[str, np.ndarray | float | Callable]
                            ) -> spla.LinearOperator:
    """:math:`\\Lambda` of degree 4 over :math:`1, x_a, x_a^2, x_ax_b` as a ``LinearOperator``.

    Parameters
    ----------
    moments : dict
        ``moments[p]`` for each pattern ``p`` of :data:`PATTERNS`: a float (``""``), an
        ``(n,)`` vector (one index), an ``(n, n)`` or ``(n, n, n)`` array on distinct indices
        (zero on repeated ones); ``moments["1111"]`` is a callable ``X -> sum_{c,d}
        y[a,b,c,d] X[c,d]`` for symmetric ``X`` with zero diagonal.

    Examples
    --------
    >>> n = 3
    >>> m = {p: np.zeros((n,) * (len(p) if len(p) < 4 else 0)) for p in PATTERNS}
    >>> m[""], m["1111"] = 1.0, lambda X: 0 * X
    >>> ternary_moment_operator(m).shape
    (10, 10)
    """
    t1, t2, t3, t4 = (np.asarray(moments[p], float) for p in ("1", "2", "3", "4"))
    T11, T21, T22, T31 = (np.asarray(moments[p], float) for p in ("11", "21", "22", "31"))
    Y111, Y211 = np.asarray(moments["111"], float), np.asarray(moments["211"], float)
    t0, y1111 = float(moments[""]), moments["1111"]
    n = t1.shape[0]
    iu, ju = np.triu_indices(n, 1)
    size = 1 + 2 * n + iu.size
    Y111f, Y211f = Y111.reshape(n, n * n), Y211.reshape(n, n * n)

    def matvec(v: np.ndarray) -> np.ndarray:
        v0, v1, v2, X = _split(v, n, iu, ju)
        outE = t0 * v0 + t1 @ v1 + t2 @ v2 + 0.5 * np.sum(T11 * X)
        outL = (t1 * v0 + t2 * v1 + T11 @ v1 + t3 * v2 + T21.T @ v2
                + np.sum(T21 * X, axis=1) + 0.5 * (Y111f @ X.reshape(-1)))
        outQ = (t2 * v0 + t3 * v1 + T21 @ v1 + t4 * v2 + T22 @ v2
                + np.sum(T31 * X, axis=1) + 0.5 * (Y211f @ X.reshape(-1)))
        E = np.einsum("abd,ad->ab", Y211, X)
        outP = (T11 * v0 + T21 * v1[:, None] + T21.T * v1[None, :] + (Y111f.T @ v1).reshape(n, n)
                + T31 * v2[:, None] + T31.T * v2[None, :] + (Y211f.T @ v2).reshape(n, n)
                + T22 * X + E + E.T + 0.5 * y1111(X))
        return np.concatenate([[outE], outL, outQ, outP[iu, ju]])

    return spla.LinearOperator((size, size), matvec=matvec, rmatvec=matvec, dtype=float)


def ternary_whitener(n: int, p2: float, p4: float, p22: float, *,
                     rtol: float = 1e-10) -> spla.LinearOperator:
    """:math:`W` (shape ``(r, 1+2n+C(n,2))``) with :math:`W\\Lambda_0W^\\top = I_r` for a
    sign-symmetric, permutation-invariant prior with :math:`\\mathbb E x_a^2 = p_2`,
    :math:`\\mathbb Ex_a^4 = p_4`, :math:`\\mathbb Ex_a^2x_b^2 = p_{22}`.

    Examples
    --------
    >>> W = ternary_whitener(3, 1 / 3, 1 / 6, 1 / 12)   # exact 2-sparse prior, d = 3
    >>> W.shape                       # sum_a x_a^2 = 1 removes one direction
    (9, 10)
    """
    n = check_int(n, "n", minimum=1)
    if not (p2 > 0 and p4 > 0 and p22 >= 0):
        raise ValueError(f"p2, p4, p22: expected positive prior moments, got {p2}, {p4}, {p22}")
    iu, _ = np.triu_indices(n, 1)
    if p22 <= 0 and iu.size:
        raise ValueError("p22: the prior gives x_a x_b zero mass (k = 1); the degree-4 "
                         "relative eigenvalue needs k >= 2")
    block = np.full((n + 1, n + 1), p22)
    block[0, :] = block[:, 0] = p2
    block[0, 0] = 1.0
    block[np.arange(1, n + 1), np.arange(1, n + 1)] = p4
    s, q = np.linalg.eigh(block)
    keep = s > rtol * s.max()
    weq = (q[:, keep] / np.sqrt(s[keep])).T            # (r_eq, n + 1)
    r_eq = weq.shape[0]
    size = 1 + 2 * n + iu.size
    rows = r_eq + n + iu.size
    eq_idx = np.concatenate([[0], np.arange(1 + n, 1 + 2 * n)])
    l_idx = np.arange(1, 1 + n)
    p_idx = np.arange(1 + 2 * n, size)
    sl, sp = 1 / np.sqrt(p2), (1 / np.sqrt(p22) if p22 > 0 else 0.0)

    def apply(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float).reshape(-1)
        return np.concatenate([weq @ v[eq_idx], sl * v[l_idx], sp * v[p_idx]])

    def apply_t(u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float).reshape(-1)
        out = np.zeros(size)
        out[eq_idx] = weq.T @ u[:r_eq]
        out[l_idx] = sl * u[r_eq:r_eq + n]
        out[p_idx] = sp * u[r_eq + n:]
        return out

    return spla.LinearOperator((rows, size), matvec=apply, rmatvec=apply_t, dtype=float)
