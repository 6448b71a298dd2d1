"""Tensor-network example: the centred HSSS matrix :math:`\\sum_i T_i \\otimes T_i - \\mathbb E`."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.sparse.linalg import LinearOperator

from sosrmt._validation import as_rng, check_finite_array, check_int, check_memory
from sosrmt.graphs.inputs import RngLike

__all__ = ["sample_tensor", "tensor_network_matrix", "tensor_network_operator"]


def sample_tensor(n: int, model: str = "gaussian", *, rng: RngLike = None) -> np.ndarray:
    """An ``n x n x n`` tensor of iid ``N(0, 1)`` (``"gaussian"``) or ``+-1`` entries.

    Examples
    --------
    >>> sample_tensor(3, rng=0).shape
    (3, 3, 3)
    """
    n = check_int(n, "n", minimum=1)
    if model not in ("gaussian", "rademacher"):
        raise ValueError(f"model: expected 'gaussian' or 'rademacher', got {model!r}")
    check_memory(8.0 * n**3, f"order-3 tensor with n={n}")
    gen = as_rng(rng)
    if model == "gaussian":
        return gen.standard_normal((n, n, n))
    return 2.0 * gen.integers(0, 2, size=(n, n, n)) - 1.0


def _check_tensor(T: object) -> np.ndarray:
    T = check_finite_array(T, "T", ndim=3)
    if len(set(T.shape)) != 1:
        raise ValueError(f"T: expected an n x n x n tensor, got shape {T.shape}")
    return T


def tensor_network_matrix(T: ArrayLike) -> np.ndarray:
    """Dense :math:`M = \\sum_i T_i \\otimes T_i - \\mathbb E[\\cdot]` (HSSS), ``n^2 x n^2``.

    Rows are indexed by :math:`(j, j')`, columns by :math:`(k, k')`:
    :math:`M[(j,j'),(k,k')] = \\sum_i T_{ijk} T_{ij'k'} - n\\,\\delta_{jj'}\\delta_{kk'}`
    (the mean for iid unit-variance entries).

    Notes
    -----
    As a hypergraph shape this is ``named_shape("tensor_hsss")`` (middle vertex ``i``,
    hyperedges :math:`\\{i,j,k\\}` and :math:`\\{i,j',k'\\}`, :math:`U=(j,j')`, :math:`V=(k,k')`)
    plus the shapes obtained by merging vertices; the separator rule gives
    :math:`\\kappa = (5 - 2)/2 = 3/2` for the injective part, so
    :math:`\\|M\\| = \\Theta(n^{3/2})` (Hopkins–Schramm–Shi–Steurer, arXiv:1512.02337;
    checked numerically in the tests).

    Examples
    --------
    >>> T = sample_tensor(4, rng=0)
    >>> M = tensor_network_matrix(T)
    >>> M.shape, bool(np.allclose(M, M.T))
    ((16, 16), False)
    """
    T = _check_tensor(T)
    n = T.shape[0]
    check_memory(8.0 * n**4 * 2, f"dense tensor-network matrix ({n * n} x {n * n})",
                 hint="use tensor_network_operator(T)")
    M = np.einsum("ijk,ilm->jlkm", T, T).reshape(n * n, n * n)
    eye = np.eye(n).reshape(-1)
    return M - n * np.outer(eye, eye)


def tensor_network_operator(T: ArrayLike) -> LinearOperator:
    """Matrix-free :func:`tensor_network_matrix`: ``x -> sum_i T_i X T_i^T - n tr(X) I``.

    Cost :math:`O(n^4)` per product (two ``n x n`` matrix products per slice), memory
    :math:`O(n^3)`.

    Examples
    --------
    >>> T = sample_tensor(5, rng=1)
    >>> op = tensor_network_operator(T)
    >>> x = np.arange(25.0)
    >>> bool(np.allclose(op @ x, tensor_network_matrix(T) @ x))
    True
    """
    T = _check_tensor(T)
    n = T.shape[0]
    eye = np.eye(n).reshape(-1)

    def matvec(x: np.ndarray) -> np.ndarray:
        X = np.asarray(x, dtype=float).reshape(n, n)  # X[k, k']
        Y = np.einsum("ijk,kl,iml->jm", T, X, T, optimize=True)
        return Y.reshape(-1) - n * np.trace(X) * eye

    def rmatvec(y: np.ndarray) -> np.ndarray:
        Y = np.asarray(y, dtype=float).reshape(n, n)  # Y[j, j']
        X = np.einsum("ijk,jl,ilm->km", T, Y, T, optimize=True)
        return X.reshape(-1) - n * np.trace(Y) * eye

    return LinearOperator((n * n, n * n), matvec=matvec, rmatvec=rmatvec, dtype=np.float64)
