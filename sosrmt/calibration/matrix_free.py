"""Matrix-free degree-4 pseudo-expectation: :math:`\\Lambda` as a structured product.

For a shape form (:class:`~sosrmt.calibration.ShapeForm`) on the hypercube ring
(:math:`x_i^2 = c`), the degree-4 moment matrix over multilinear monomials of degree
:math:`\\le 2` is the XOR convolution :math:`\\Lambda[S,T] = c^{|S\\cap T|}y_{S\\triangle T}`.
:func:`moment_operator` applies it block by block (:math:`|S|, |T|\\in\\{0,1,2\\}`) from the
moment tensors :math:`y_0,\\dots,y_4` with ``einsum``/matrix products, never forming the
:math:`\\binom n2\\times\\binom n2` block. :func:`lanczos_min_eigenvalue` then finds
:math:`\\mu_{\\min}` (relative to the prior's diagonal :math:`\\Lambda_0 =
\\mathrm{diag}(c^{|S|})`) by Lanczos (:func:`scipy.sparse.linalg.eigsh`) and reports the
residual norm :math:`\\|Av-\\theta v\\|` of the Ritz pair, which bounds the distance from
:math:`\\theta` to the spectrum of the symmetric operator (so
:math:`|\\mu_{\\min}-\\theta| \\le` ``residual`` when :math:`\\theta` approximates the
smallest eigenvalue).

Reach: the operator stores no matrix, but the moment tensor :math:`y_4` is a dense
:math:`n^4` array (as the shape form computes it), so memory grows like :math:`8n^4`
bytes, the same order as the dense moment matrix; a per-shape factorised :math:`y_4` is not
implemented.

Basis order: :math:`\\emptyset`, then :math:`\\{i\\}` for :math:`i < n`, then :math:`\\{i, j\\}`,
:math:`i<j`, in the order of ``numpy.triu_indices(n, 1)`` (:func:`operator_basis`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse.linalg as spla

from sosrmt._validation import check_int
from sosrmt.calibration.shapes import ShapeForm

__all__ = ["LanczosResult", "lanczos_min_eigenvalue", "moment_operator", "operator_basis"]


def operator_basis(n: int) -> list[tuple[int, ...]]:
    """The sets indexing the operator's rows, in order (see the module docstring).

    Examples
    --------
    >>> operator_basis(3)
    [(), (0,), (1,), (2,), (0, 1), (0, 2), (1, 2)]
    """
    n = check_int(n, "n", minimum=1)
    iu, ju = np.triu_indices(n, 1)
    return [(), *((i,) for i in range(n)),
            *((int(a), int(b)) for a, b in zip(iu, ju, strict=True))]


def _check_form(sf: ShapeForm) -> None:
    if not isinstance(sf, ShapeForm):
        raise TypeError(f"sf: expected a ShapeForm, got {type(sf).__name__}")
    if sf.ring != "hypercube":
        raise ValueError(f"sf: the matrix-free operator is implemented for the hypercube ring "
                         f"(x_i^2 = c), got ring {sf.ring!r}")
    if len(sf.moments) < 5:
        raise ValueError(f"sf: expected moments up to degree 4, got degree "
                         f"{len(sf.moments) - 1}")


def moment_operator(sf: ShapeForm) -> spla.LinearOperator:
    """:math:`\\Lambda` of degree 4 as a :class:`scipy.sparse.linalg.LinearOperator`.

    Parameters
    ----------
    sf : ShapeForm
        Hypercube-ring shape form with moments up to degree 4 (tensor PCA, PAP).

    Returns
    -------
    LinearOperator
        Symmetric, of size :math:`1 + n + \\binom n2`, in the order of
        :func:`operator_basis`.

    Examples
    --------
    >>> from sosrmt.problems.tensor_pca import tensor_pca_shape_form
    >>> sf = tensor_pca_shape_form(np.zeros((4, 4, 4)), 1.0, 2)
    >>> op = moment_operator(sf)
    >>> op.shape
    (11, 11)
    """
    _check_form(sf)
    n, c = sf.n, float(sf.square)
    y0 = float(sf.moments[0])
    y1, Y2, Y3, Y4 = (np.asarray(sf.moments[t]) for t in (1, 2, 3, 4))
    iu, ju = np.triu_indices(n, 1)
    npair = iu.size
    size = 1 + n + npair

    def matvec(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v).reshape(-1)
        x0, x1 = v[0], v[1:1 + n]
        X2 = np.zeros((n, n), dtype=v.dtype)
        X2[iu, ju] = v[1 + n:]
        X2 = X2 + X2.T
        # |S| = 0
        out0 = y0 * x0 + y1 @ x1 + 0.5 * np.sum(Y2 * X2)
        # |S| = 1
        out1 = (y1 * x0 + c * y0 * x1 + Y2 @ x1 + c * (X2 @ y1)
                + 0.5 * np.einsum("abd,bd->a", Y3, X2))
        # |S| = 2 (as a symmetric matrix; entries a < e are kept)
        XY = X2 @ Y2
        out2 = (Y2 * x0 + c * (np.outer(x1, y1) + np.outer(y1, x1)) + Y3 @ x1
                + c * c * y0 * X2 + c * (XY + XY.T)
                + 0.5 * np.einsum("aebd,bd->ae", Y4, X2))
        return np.concatenate([[out0], out1, out2[iu, ju]])

    return spla.LinearOperator((size, size), matvec=matvec, rmatvec=matvec, dtype=float)


@dataclass(frozen=True)
class LanczosResult:
    """Smallest relative eigenvalue of a matrix-free moment matrix.

    Attributes
    ----------
    status : str
        ``"converged"`` or ``"not_converged"`` (then ``mu_min`` is the best Ritz value,
        not a certified number; read ``residual``).
    mu_min : float
        :math:`\\theta`, the smallest Ritz value of
        :math:`A = \\Lambda_0^{-1/2}\\Lambda\\Lambda_0^{-1/2}/\\tilde{\\mathbb E}[1]` (as in
        :func:`~sosrmt.calibration.relative_min_eigenvalue`).
    residual : float
        :math:`\\|Av-\\theta v\\|` for the unit Ritz vector :math:`v`: an eigenvalue of
        :math:`A` lies within this distance of ``mu_min``.
    dimension : int
        Size of the operator.
    matvecs : int
        Operator applications used.
    """

    status: str
    mu_min: float
    residual: float
    dimension: int
    matvecs: int


def lanczos_min_eigenvalue(sf: ShapeForm, *, tol: float = 1e-8, maxiter: int | None = None,
                           seed: int = 0) -> LanczosResult:
    """:math:`\\mu_{\\min}` of the degree-4 moment matrix of ``sf`` without forming it.

    Examples
    --------
    >>> from sosrmt.problems.tensor_pca import sample_null, tensor_pca_shape_form
    >>> sf = tensor_pca_shape_form(sample_null(6, 3, rng=0), 0.5, 2)
    >>> res = lanczos_min_eigenvalue(sf)
    >>> res.status, bool(res.residual < 1e-6)
    ('converged', True)
    """
    _check_form(sf)
    op = moment_operator(sf)
    n, size = sf.n, op.shape[0]
    scale = np.concatenate([[1.0], np.full(n, sf.square ** -0.5),
                            np.full(size - 1 - n, 1.0 / sf.square)])   # Lambda_0^(-1/2)
    count = {"matvecs": 0}
    e1 = sf.e1
    if e1 == 0:
        raise ValueError("sf: E~[1] = 0, the relative eigenvalue is undefined")

    def white(v: np.ndarray) -> np.ndarray:
        count["matvecs"] += 1
        v = np.asarray(v).reshape(-1)
        return scale * op.matvec(scale * v) / e1

    A = spla.LinearOperator((size, size), matvec=white, rmatvec=white, dtype=float)
    v0 = np.random.default_rng(seed).standard_normal(size)
    maxiter = maxiter if maxiter is not None else max(1000, 20 * size)
    status = "converged"
    if size <= 2:
        dense = np.column_stack([white(col) for col in np.eye(size)])
        w, V = np.linalg.eigh(0.5 * (dense + dense.T))
        theta, vec = float(w[0]), V[:, 0]
    else:
        try:
            w, V = spla.eigsh(A, k=1, which="SA", tol=tol, maxiter=maxiter, v0=v0)
            theta, vec = float(w[0]), V[:, 0]
        except spla.ArpackNoConvergence as exc:
            status = "not_converged"
            if exc.eigenvalues.size:
                theta, vec = float(exc.eigenvalues[0]), exc.eigenvectors[:, 0]
            else:                                  # no Ritz pair: Rayleigh quotient of v0
                vec = v0 / np.linalg.norm(v0)
                theta = float(vec @ white(vec))
    vec = vec / np.linalg.norm(vec)
    residual = float(np.linalg.norm(white(vec) - theta * vec))
    return LanczosResult(status=status, mu_min=theta, residual=residual,
                         dimension=size, matvecs=count["matvecs"])
