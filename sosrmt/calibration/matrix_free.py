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

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse.linalg as spla

from sosrmt._validation import check_int
from sosrmt.calibration.shapes import ShapeClass, ShapeForm
from sosrmt.graphs import GraphInput, Shape, graph_operator
from sosrmt.graphs.operator import GraphOperator, MobiusTerm

__all__ = [
    "LanczosResult",
    "StructuredMoments",
    "lanczos_min_eigenvalue",
    "lanczos_min_eigenvalue_structured",
    "lanczos_relative_min",
    "moment_operator",
    "operator_basis",
    "shape_sum_operator",
    "structured_operator",
]


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
    return _lanczos(moment_operator(sf), sf.n, sf.square, sf.e1, tol=tol, maxiter=maxiter,
                    seed=seed)


def _lanczos(op: spla.LinearOperator, n: int, square: float, e1: float, *, tol: float,
             maxiter: int | None, seed: int) -> LanczosResult:
    size = op.shape[0]
    scale = np.concatenate([[1.0], np.full(n, square ** -0.5),
                            np.full(size - 1 - n, 1.0 / square)])      # Lambda_0^(-1/2)
    whitener = spla.LinearOperator((size, size), matvec=lambda v: scale * np.ravel(v),
                                   rmatvec=lambda v: scale * np.ravel(v), dtype=float)
    return lanczos_relative_min(op, whitener, e1, tol=tol, maxiter=maxiter, seed=seed)


def lanczos_relative_min(op: spla.LinearOperator, whitener: spla.LinearOperator, e1: float, *,
                         tol: float = 1e-8, maxiter: int | None = None,
                         seed: int = 0) -> LanczosResult:
    """Smallest eigenvalue of :math:`A = W\\Lambda W^\\top/\\tilde{\\mathbb E}[1]` by Lanczos,
    with the residual norm of the Ritz pair.

    Parameters
    ----------
    op : LinearOperator
        The symmetric moment matrix :math:`\\Lambda` (size ``N``).
    whitener : LinearOperator
        :math:`W` of shape ``(r, N)`` with :math:`W\\Lambda_0W^\\top = I_r` (``matvec``
        applies :math:`W`, ``rmatvec`` :math:`W^\\top`); for a diagonal :math:`\\Lambda_0`,
        :math:`W = \\Lambda_0^{-1/2}`. Any such :math:`W` gives the same eigenvalues
        (congruence), equal to those of :func:`~sosrmt.calibration.relative_min_eigenvalue`.
    e1 : float
        :math:`\\tilde{\\mathbb E}[1]` (nonzero).

    Returns
    -------
    LanczosResult
        ``status`` is ``"not_converged"`` when ARPACK stops early; ``mu_min`` is then the
        best Ritz value and ``residual`` says how far it may be from the spectrum.

    Examples
    --------
    >>> import scipy.sparse.linalg as spla
    >>> lam = spla.aslinearoperator(np.diag([3.0, 2.0, 5.0]))
    >>> w = spla.aslinearoperator(np.eye(3))
    >>> res = lanczos_relative_min(lam, w, 1.0)
    >>> round(res.mu_min, 9), res.status
    (2.0, 'converged')
    """
    if e1 == 0:
        raise ValueError("sf: E~[1] = 0, the relative eigenvalue is undefined")
    size = whitener.shape[0]
    count = {"matvecs": 0}

    def white(v: np.ndarray) -> np.ndarray:
        count["matvecs"] += 1
        v = np.asarray(v, dtype=float).reshape(-1)
        return np.asarray(whitener.matvec(op.matvec(whitener.rmatvec(v)))).reshape(-1) / e1

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


# ---------------------------------------------------------------------- from shapes
def _split(shape: Shape, left: int) -> Shape:
    """The same shape with its ``U`` tuple split: first ``left`` vertices as rows, the rest
    as columns."""
    U = tuple(shape.U)
    return Shape(shape.k, U=U[:left], V=U[left:], edges=shape.edges, labels=shape.labels,
                 types=shape.types)


def _term_key(t: MobiusTerm, swap_input: bool) -> tuple:
    """The computation of one Möbius term up to renaming of its einsum letters (and, with
    ``swap_input``, up to transposing a two-index input)."""
    inp = t.v_letters[::-1] if swap_input else t.v_letters
    name: dict[str, str] = {}
    for c in t.u_letters + inp:
        name.setdefault(c, chr(65 + len(name)))
    order = sorted(range(len(t.factors)),
                   key=lambda i: (repr(t.factor_keys[i]),
                                  "".join(name.get(c, "?") for c in t.factor_letters[i])))
    for i in order:
        for c in t.factor_letters[i]:
            name.setdefault(c, chr(65 + len(name)))
    for c, _ in t.extra_u:
        name.setdefault(c, chr(65 + len(name)))
    return (tuple((repr(t.factor_keys[i]), "".join(name[c] for c in t.factor_letters[i]))
                  for i in order),
            tuple(name[c] for c, _ in t.extra_u), "".join(name[c] for c in inp),
            "".join(name[c] for c in t.u_letters))


class _ShapeSum(spla.LinearOperator):
    """:math:`\\sum_\\alpha (\\lambda_\\alpha/|\\mathrm{Aut}|)M_\\alpha` with each graph matrix
    matrix-free (:func:`sosrmt.graphs.graph_operator`), rows/columns over ordered tuples.

    Möbius terms that compute the same contraction (up to renaming the einsum letters, and
    up to transposing the input when ``symmetric_input``) are merged into one einsum with
    the summed coefficient, so each distinct contraction is evaluated once per product."""

    def __init__(self, terms: list[tuple[float, spla.LinearOperator]], shape: tuple[int, int],
                 symmetric_input: bool = False):
        self.terms = terms
        self.symmetric_input = symmetric_input
        self.others: list[tuple[float, spla.LinearOperator]] = []
        self.merged: dict[tuple, list] = {}
        self.masks: tuple | None = None
        for coef, op in terms:
            if not isinstance(op, GraphOperator) or (
                    self.masks is not None and not (
                        op.inputs is self.masks[2]
                        and np.array_equal(op.row_mask, self.masks[0])
                        and np.array_equal(op.col_mask, self.masks[1]))):
                self.others.append((coef, op))
                continue
            if self.masks is None:
                self.masks = (op.row_mask, op.col_mask, op.inputs, op.row_dims, op.col_dims)
            two = symmetric_input and len(op.col_dims) == 2
            for t in op.terms:
                keys = [_term_key(t, False)] + ([_term_key(t, True)] if two else [])
                key = min(keys)
                if key in self.merged:
                    self.merged[key][0] += coef * t.coeff
                else:
                    self.merged[key] = [coef * t.coeff, t]
        super().__init__(dtype=np.float64, shape=shape)

    @property
    def flops_matvec(self) -> float:
        """Einsum FLOP estimate of one product after merging."""
        return float(sum(t.matvec_flops for _, t in self.merged.values())
                     + sum(float(getattr(op, "flops_matvec", 0.0)) for _, op in self.others))

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float).reshape(-1)
        out = np.zeros(self.shape[0])
        if self.merged:
            row_mask, col_mask, _, row_dims, col_dims = self.masks
            xt = x.reshape(col_dims) * col_mask
            y = np.zeros(row_dims)
            for coeff, t in self.merged.values():
                if coeff != 0:
                    y += coeff * np.einsum(t.matvec_spec, *t.factors, *t.matvec_ops, xt,
                                           optimize=t.matvec_path)
            out += (y * row_mask).reshape(-1)
        for coef, op in self.others:
            out += coef * np.asarray(op.matvec(x)).reshape(-1)
        return out


def shape_sum_operator(classes: list[ShapeClass], coef_fn: Callable[[ShapeClass], float],
                       inputs: GraphInput, n: int, left: int, *,
                       symmetric_input: bool = False) -> spla.LinearOperator:
    """The moment tensor :math:`y_j` (shape classes with :math:`|U| = j`) as an
    :math:`n^{\\mathrm{left}}\\times n^{j-\\mathrm{left}}` operator, never formed.

    With ``symmetric_input=True`` (only for operators applied to symmetric two-index
    inputs, as the moment operators do), Möbius terms that differ by transposing the
    input are merged too.

    Examples
    --------
    >>> from sosrmt.problems.tensor_pca import sample_null, tensor_pca_shapes
    >>> from sosrmt.problems.tensor_pca.calibration import tensor_pca_inputs, tensor_pca_coef
    >>> A = sample_null(5, 3, rng=0)
    >>> op = shape_sum_operator(list(tensor_pca_shapes(3, 2)), tensor_pca_coef(5, 1.0),
    ...                         tensor_pca_inputs(A), 5, 1)
    >>> op.shape
    (5, 25)
    """
    j = classes[0].j if classes else left
    terms = []
    for cls in classes:
        coef = coef_fn(cls)
        if coef == 0 or cls.j + cls.w > n:
            continue
        if cls.j + cls.w == 0 and not cls.edges:              # the empty shape: M = 1
            terms.append((coef / cls.aut, spla.aslinearoperator(np.ones((1, 1)))))
            continue
        terms.append((coef / cls.aut, graph_operator(_split(cls.to_shape(), left), inputs)))
    return _ShapeSum(terms, (n**left, n ** (j - left)), symmetric_input)


@dataclass
class StructuredMoments:
    """Degree-4 hypercube moments with :math:`y_0, y_1, y_2` dense and :math:`y_3, y_4` as
    operators (see :func:`structured_operator`)."""

    n: int
    square: float
    y0: float
    y1: np.ndarray
    Y2: np.ndarray
    y3_1x2: spla.LinearOperator
    y3_2x1: spla.LinearOperator
    y4_2x2: spla.LinearOperator
    extra: dict = field(default_factory=dict)

    @property
    def e1(self) -> float:
        """:math:`\\tilde{\\mathbb E}[1]`."""
        return float(self.y0)


def structured_operator(sm: StructuredMoments) -> spla.LinearOperator:
    """:math:`\\Lambda` of degree 4 (hypercube ring) from :class:`StructuredMoments`: the
    blocks of :func:`moment_operator`, with the :math:`y_3`, :math:`y_4` contractions done
    by matrix-free graph operators; memory :math:`O(n^2)` plus the graph operators'."""
    n, c, y0, y1, Y2 = sm.n, float(sm.square), sm.y0, sm.y1, sm.Y2
    iu, ju = np.triu_indices(n, 1)
    size = 1 + n + iu.size

    def matvec(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float).reshape(-1)
        x0, x1 = v[0], v[1:1 + n]
        X2 = np.zeros((n, n))
        X2[iu, ju] = v[1 + n:]
        X2 = X2 + X2.T
        vecX = X2.reshape(-1)
        out0 = y0 * x0 + y1 @ x1 + 0.5 * np.sum(Y2 * X2)
        out1 = (y1 * x0 + c * y0 * x1 + Y2 @ x1 + c * (X2 @ y1)
                + 0.5 * sm.y3_1x2.matvec(vecX))
        XY = X2 @ Y2
        out2 = (Y2 * x0 + c * (np.outer(x1, y1) + np.outer(y1, x1))
                + sm.y3_2x1.matvec(x1).reshape(n, n)
                + c * c * y0 * X2 + c * (XY + XY.T)
                + 0.5 * sm.y4_2x2.matvec(vecX).reshape(n, n))
        return np.concatenate([[out0], out1, out2[iu, ju]])

    return spla.LinearOperator((size, size), matvec=matvec, rmatvec=matvec, dtype=float)


def lanczos_min_eigenvalue_structured(sm: StructuredMoments, *, tol: float = 1e-8,
                                      maxiter: int | None = None,
                                      seed: int = 0) -> LanczosResult:
    """:func:`lanczos_min_eigenvalue` for :class:`StructuredMoments`."""
    return _lanczos(structured_operator(sm), sm.n, sm.square, sm.e1, tol=tol,
                    maxiter=maxiter, seed=seed)
