"""Schatten norms of sparse matrices and the moment grid of the Efron–Stein bounds.

The recursive bounds are sums of Schatten-:math:`2q` norms minimised over integer moment
orders ``q``; this module computes both (see :doc:`/theory/efron_stein`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import svds

from sosrmt._validation import check_memory

__all__ = [
    "DENSE_BLOCK_LIMIT",
    "QGrid",
    "QMinima",
    "SchattenNorms",
    "check_q",
    "default_q_grid",
    "es_constant",
    "min_over_q",
    "schatten_norms",
]

#: Moment orders: one integer ``q >= 1`` or a sequence of them.
QGrid = int | Sequence[int] | np.ndarray

#: Largest side of one connected block whose Gram matrix we eigen-decompose densely.
DENSE_BLOCK_LIMIT = 6000


# --------------------------------------------------------------------------- q and constants


def min_over_q(values: np.ndarray | None) -> float | None:
    """The smallest entry of a bound computed per ``q``, or None where it was not computed."""
    return None if values is None else float(np.min(values))


class QMinima:
    """The minima over the moment grid ``q`` of a bound's three forms (a mixin for the
    bound dataclasses, which carry ``flattened`` and ``tree``, ``None`` where not computed,
    and ``closed``, one value per ``q``). ``value`` is the tree form's; a class whose
    headline bound is another form overrides it."""

    flattened: np.ndarray | None
    tree: np.ndarray | None
    closed: np.ndarray

    @property
    def value(self) -> float | None:
        """:math:`\\min_q` of the tree form, or None."""
        return self.tree_value

    @property
    def flattened_value(self) -> float | None:
        """:math:`\\min_q` of the flattened form, or None."""
        return min_over_q(self.flattened)

    @property
    def tree_value(self) -> float | None:
        """:math:`\\min_q` of the tree form, or None."""
        return min_over_q(self.tree)

    @property
    def closed_value(self) -> float:
        """:math:`\\min_q` of the closed form."""
        return float(np.min(self.closed))


def check_q(q: QGrid, name: str = "q") -> np.ndarray:
    """Validate a moment order or a grid of them: integers >= 1 (sorted, unique)."""
    arr = np.atleast_1d(np.asarray(q))
    if arr.size == 0:
        raise ValueError(f"{name}: expected at least one integer moment order q >= 1")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer)
                                 or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name}: expected integers >= 1, got {q!r}")
    if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
        raise ValueError(f"{name}: expected integer moment orders (the matrix Efron-Stein "
                         f"inequality is used at integer q), got {q!r}")
    if np.any(arr < 1):
        raise ValueError(f"{name}: expected q >= 1, got {q!r}")
    return np.unique(arr.astype(np.int64))


def default_q_grid(n_max: float) -> np.ndarray:
    r"""The grid :math:`q\in\{1,\dots,\lceil\ln N_{\max}\rceil+2\}`.

    Examples
    --------
    >>> default_q_grid(100).tolist()
    [1, 2, 3, 4, 5, 6, 7]
    """
    top = math.ceil(math.log(max(float(n_max), 1.0))) + 2
    return np.arange(1, top + 1, dtype=np.int64)


def es_constant(q: QGrid) -> np.ndarray:
    r"""One-level constant :math:`c_q=\sqrt{4q-2}\,2^{-1/(2q)}` of the one-level inequality.

    Examples
    --------
    >>> bool(np.isclose(es_constant(1)[0], 1.0))
    True
    """
    qs = check_q(q)
    return np.sqrt(4.0 * qs - 2.0) * 2.0 ** (-1.0 / (2.0 * qs))


# --------------------------------------------------------------------------- Schatten norms


def _log_power_sums(eigs: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """log sum_i eigs_i^q for each q, stably (eigs >= 0)."""
    eigs = np.clip(eigs, 0.0, None)
    top = float(eigs.max()) if eigs.size else 0.0
    if top <= 0.0:
        return np.full(qs.size, -np.inf)
    rel = eigs / top
    return np.array([q * math.log(top) + math.log(float(np.sum(rel ** q))) for q in qs])


@dataclass(frozen=True)
class SchattenNorms:
    r"""Schatten norms :math:`\|A\|_{S_{2q}}` of one matrix on a grid of ``q``.

    ``exact`` is False when a connected block was too large for a dense Gram
    eigen-decomposition and :math:`\operatorname{rank}^{1/2q}\|A\|` (an upper bound) was used.
    """

    q: np.ndarray
    values: np.ndarray
    operator_norm: float
    frobenius: float
    shape: tuple[int, int]
    nnz_rows: int
    nnz_cols: int
    exact: bool = True
    blocks: int = 0

    def at(self, q: int) -> float:
        idx = np.searchsorted(self.q, q)
        if idx >= self.q.size or self.q[idx] != q:
            raise ValueError(f"q: {q} is not on the grid {self.q.tolist()}")
        return float(self.values[idx])


def schatten_norms(a: ArrayLike | sp.spmatrix, q: QGrid, *,
                   dense_limit: int = DENSE_BLOCK_LIMIT) -> SchattenNorms:
    r"""Schatten-:math:`2q` norms of a (sparse) matrix for all ``q`` from one eigen-decomposition.

    Parameters
    ----------
    a : array_like or scipy.sparse matrix
        The matrix.
    q : int or sequence of int
        Moment orders, integers ``>= 1``.
    dense_limit : int
        Largest side of a connected block whose Gram matrix is eigen-decomposed densely.

    Returns
    -------
    SchattenNorms

    Notes
    -----
    Empty rows and columns are dropped, and the matrix is split into the connected blocks of
    its bipartite row/column graph (``scipy.sparse.csgraph.connected_components``); the
    singular values of ``A`` are those of its blocks. Blocks of equal shape are stacked and
    decomposed together (one batched ``numpy.linalg.eigvalsh`` of the smaller-side Gram
    matrices). :math:`\|A\|_{S_{2q}}^{2q}=\sum_i\lambda_i^q` where :math:`\lambda_i` are the
    Gram eigenvalues; sums are formed in log-space. A block larger than ``dense_limit`` on its
    smaller side gets :math:`\operatorname{rank}\cdot\sigma_{\max}^{2q}` (``svds``), an upper bound.

    Examples
    --------
    >>> s = schatten_norms(np.diag([3.0, 4.0]), [1, 2])
    >>> round(float(s.values[0]), 10), round(s.operator_norm, 10)
    (5.0, 4.0)
    """
    qs = check_q(q)
    mat = sp.csr_matrix(a, dtype=float) if not sp.issparse(a) else a.tocsr().astype(float)
    mat.eliminate_zeros()
    shape = (int(mat.shape[0]), int(mat.shape[1]))
    rows = np.flatnonzero(np.diff(mat.indptr))
    cols = np.flatnonzero(np.bincount(mat.indices, minlength=mat.shape[1]))
    if rows.size == 0:
        return SchattenNorms(qs, np.zeros(qs.size), 0.0, 0.0, shape, 0, 0, True, 0)
    if rows.size < mat.shape[0] or cols.size < mat.shape[1]:
        mat = mat[rows][:, cols].tocsr()
    m, k = mat.shape
    adj = sp.bmat([[None, mat], [mat.T, None]], format="csr")
    ncomp, labels = connected_components(adj, directed=False)
    rlab, clab = labels[:m], labels[m:]
    rcount = np.bincount(rlab, minlength=ncomp)
    ccount = np.bincount(clab, minlength=ncomp)
    # local position of each row / column inside its block
    rord = np.argsort(rlab, kind="stable")
    rloc = np.empty(m, dtype=np.int64)
    rstart = np.concatenate([[0], np.cumsum(rcount)[:-1]])
    rloc[rord] = np.arange(m) - rstart[rlab[rord]]
    cord = np.argsort(clab, kind="stable")
    cloc = np.empty(k, dtype=np.int64)
    cstart = np.concatenate([[0], np.cumsum(ccount)[:-1]])
    cloc[cord] = np.arange(k) - cstart[clab[cord]]

    coo = mat.tocoo()
    comp_of_nnz = rlab[coo.row]
    log_sums: list[np.ndarray] = []
    smax = 0.0
    exact = True
    code = rcount.astype(np.int64) * (int(ccount.max()) + 1) + ccount
    order_c = np.argsort(code, kind="stable")
    first = np.ones(ncomp, dtype=bool)
    first[1:] = code[order_c][1:] != code[order_c][:-1]
    shape_id = np.empty(ncomp, dtype=np.int64)
    shape_id[order_c] = np.cumsum(first) - 1
    uniq_codes = code[order_c][first]
    uniq_shapes = np.stack([uniq_codes // (int(ccount.max()) + 1),
                            uniq_codes % (int(ccount.max()) + 1)], axis=1)
    nnz_shape = shape_id[comp_of_nnz]
    order = np.argsort(nnz_shape, kind="stable")
    bounds = np.searchsorted(nnz_shape[order], np.arange(uniq_shapes.shape[0] + 1))
    for sid, (nr, nc) in enumerate(uniq_shapes):
        comps = np.flatnonzero(shape_id == sid)
        sel = order[bounds[sid]:bounds[sid + 1]]
        small = min(nr, nc)
        if small > dense_limit:
            for c in comps:
                block = mat[np.flatnonzero(rlab == c)][:, np.flatnonzero(clab == c)]
                top = float(svds(block, k=1, return_singular_vectors=False)[0])
                smax = max(smax, top)
                log_sums.append(math.log(small) + 2.0 * qs * math.log(max(top, 1e-300)))
                exact = False
            continue
        check_memory(8.0 * comps.size * (nr * nc + small * small),
                     "dense blocks for the Schatten norms",
                     hint="lower dense_limit or n")
        pos = np.full(ncomp, -1, dtype=np.int64)
        pos[comps] = np.arange(comps.size)
        dense = np.zeros((comps.size, nr, nc))
        dense[pos[comp_of_nnz[sel]], rloc[coo.row[sel]], cloc[coo.col[sel]]] = coo.data[sel]
        gram = dense @ dense.transpose(0, 2, 1) if nr <= nc else dense.transpose(0, 2, 1) @ dense
        eigs = np.linalg.eigvalsh(gram).ravel()
        smax = max(smax, math.sqrt(max(float(eigs.max()), 0.0)))
        log_sums.append(_log_power_sums(eigs, qs))
    total = np.logaddexp.reduce(np.vstack(log_sums), axis=0)
    values = np.exp(total / (2.0 * qs))
    frob = float(np.sqrt(np.sum(coo.data ** 2)))
    return SchattenNorms(qs, values, smax, frob, shape, m, k, exact, int(ncomp))
