"""Spectral norms of dense matrices and matrix-free operators."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, aslinearoperator, eigsh, svds

from sosrmt._validation import as_rng, check_finite_array

__all__ = ["NormResult", "spectral_norm"]


@dataclass(frozen=True)
class NormResult:
    """Result of :func:`spectral_norm`.

    Attributes
    ----------
    value : float
        The largest singular value found.
    residual : float
        :math:`\\max(\\|Av - su\\|, \\|A^\\top u - sv\\|)` for the returned unit singular
        vectors ``u``, ``v`` (absolute; divide by ``value`` for a relative residual).
    matvecs : int
        Products with ``A`` or ``A^T`` used (0 on the dense path).
    method : str
        ``"dense"`` (LAPACK SVD), ``"normal"`` (ARPACK ``eigsh`` on the smaller normal
        operator), ``"svds"`` (scipy ``svds``) or ``"hermitian"`` (``eigsh`` on ``A``).
    seconds : float
        Wall-clock time.
    u, v : ndarray
        Left and right singular vectors.
    """

    value: float
    residual: float
    matvecs: int
    method: str
    seconds: float
    u: np.ndarray = field(repr=False)
    v: np.ndarray = field(repr=False)

    @property
    def relative_residual(self) -> float:
        """``residual / value`` (``inf`` if the value is zero and the residual is not)."""
        if self.value == 0:
            return 0.0 if self.residual == 0 else float("inf")
        return self.residual / self.value


class _Counting(LinearOperator):
    def __init__(self, op: LinearOperator) -> None:
        self.op = op
        self.count = 0
        super().__init__(dtype=np.float64, shape=op.shape)

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        self.count += 1
        return self.op.matvec(x)

    def _rmatvec(self, x: np.ndarray) -> np.ndarray:
        self.count += 1
        return self.op.rmatvec(x)

    def _matmat(self, X: np.ndarray) -> np.ndarray:
        return np.column_stack([self._matvec(X[:, j]) for j in range(X.shape[1])])

    def _rmatmat(self, X: np.ndarray) -> np.ndarray:
        return np.column_stack([self._rmatvec(X[:, j]) for j in range(X.shape[1])])


def spectral_norm(A: np.ndarray | sp.spmatrix | LinearOperator, *, tol: float = 1e-6,
                  dense_threshold: int = 1500, method: str = "auto", hermitian: bool = False,
                  rng: int | np.random.SeedSequence | np.random.Generator | None = None,
                  maxiter: int | None = None, ncv: int | None = None) -> NormResult:
    """Largest singular value of a matrix or a ``LinearOperator``.

    Parameters
    ----------
    A : array_like or LinearOperator
    tol : float
        Relative tolerance of ARPACK (on the eigenvalue of the normal operator).
    dense_threshold : int
        With ``method="auto"``, arrays and operators whose smaller dimension is at most
        this are handled densely (an operator is formed with ``min(shape)`` products).
    method : {"auto", "dense", "normal", "svds"}
        ``"auto"``: dense below the threshold, else ``"normal"`` (ARPACK ``eigsh`` on
        :math:`A^\top A` or :math:`AA^\top`, whichever is smaller; fewer products than
        ``svds`` in our measurements) or, with ``hermitian=True``, ``eigsh`` on ``A``.
    hermitian : bool
        Promise that ``A`` is symmetric: one product per Lanczos step instead of two.
    rng : None, int, SeedSequence or Generator
        Seeds ARPACK's start vector (results are reproducible).
    maxiter : int, optional
        ARPACK iteration limit.
    ncv : int, optional
        Lanczos basis size (ARPACK default 20 for one eigenvalue).

    Returns
    -------
    NormResult

    Notes
    -----
    ``svds(A, k=1)`` runs implicitly restarted Lanczos on :math:`A^\\top A` (or
    :math:`AA^\\top`, the smaller side), so each iteration costs one matvec and one
    rmatvec.  The residual :math:`\\max(\\|Av-\\sigma u\\|, \\|A^\\top u-\\sigma v\\|)`
    certifies that :math:`\\sigma` is within that distance of a singular value
    (Weyl); it does not certify that it is the largest one.

    Examples
    --------
    >>> r = spectral_norm(np.diag([3.0, -5.0, 1.0]))
    >>> round(r.value, 9), r.method
    (5.0, 'dense')
    >>> from scipy.sparse.linalg import aslinearoperator
    >>> d = np.ones(2000)
    >>> d[0] = 7.0
    >>> r = spectral_norm(aslinearoperator(np.diag(d)), rng=0)
    >>> round(r.value, 6), r.method, r.matvecs > 0
    (7.0, 'normal', True)
    """
    if method not in ("auto", "dense", "normal", "svds"):
        raise ValueError(f"method: expected 'auto', 'dense', 'normal' or 'svds', got {method!r}")
    if not (isinstance(tol, int | float) and tol >= 0):
        raise ValueError(f"tol: expected a non-negative number, got {tol!r}")
    start = time.perf_counter()
    is_op = isinstance(A, LinearOperator)
    if not is_op:
        A = check_finite_array(A, "A", ndim=2)
    m, n = A.shape
    if m == 0 or n == 0:
        raise ValueError(f"A: expected a non-empty matrix, got shape {A.shape}")
    use_dense = method == "dense" or (method == "auto" and min(m, n) <= dense_threshold)
    if use_dense:
        if is_op:
            dense = A.matmat(np.eye(n)) if n <= m else A.rmatmat(np.eye(m)).T
            dense = np.asarray(dense)
        else:
            dense = A
        U, s, Vt = np.linalg.svd(dense, full_matrices=False)
        u, v, value = U[:, 0], Vt[0], float(s[0])
        res = max(np.linalg.norm(dense @ v - value * u), np.linalg.norm(dense.T @ u - value * v))
        return NormResult(value, float(res), 0, "dense", time.perf_counter() - start, u, v)
    op = _Counting(A if is_op else aslinearoperator(A))
    gen = as_rng(rng)
    if min(m, n) < 3:
        raise ValueError("A: the Lanczos paths need both dimensions >= 3; use method='dense'")
    if hermitian and m != n:
        raise ValueError(f"hermitian: a symmetric matrix must be square, got shape {A.shape}")
    if method == "svds":
        u, s, vt = svds(op, k=1, tol=tol, v0=gen.standard_normal(min(m, n)), maxiter=maxiter,
                        ncv=ncv, solver="arpack")
        u, v, value, used = u[:, 0], vt[0], float(s[0]), "svds"
    elif hermitian:
        w, vec = eigsh(op, k=1, which="LM", tol=tol, v0=gen.standard_normal(n),
                       maxiter=maxiter, ncv=ncv)
        v = vec[:, 0] / np.linalg.norm(vec[:, 0])
        value, used = abs(float(w[0])), "hermitian"
        u = np.sign(w[0]) * v if w[0] != 0 else v
    else:
        small = n if n <= m else m
        fwd, bwd = (op.matvec, op.rmatvec) if n <= m else (op.rmatvec, op.matvec)
        normal = LinearOperator((small, small), matvec=lambda z: bwd(fwd(z)), dtype=np.float64)
        w, vec = eigsh(normal, k=1, which="LA", tol=tol, v0=gen.standard_normal(small),
                       maxiter=maxiter, ncv=ncv)
        z = vec[:, 0] / np.linalg.norm(vec[:, 0])
        image = fwd(z)
        value = float(np.linalg.norm(image))
        other = image / value if value > 0 else image
        u, v = (other, z) if n <= m else (z, other)
        used = "normal"
    count = op.count
    res = max(np.linalg.norm(op.matvec(v) - value * u), np.linalg.norm(op.rmatvec(u) - value * v))
    return NormResult(value, float(res), count, used, time.perf_counter() - start, u, v)
