"""Exact recursive Efron–Stein bound of dense Rademacher graph matrices, and level 1 on graphs.

The derivative matrices :math:`F_{r,t-r}` of a graph matrix are built exactly by enumerating
(realisation, edge bijection) pairs; their Schatten norms give the bound
(Rajendran–Tulsiani, arXiv:2209.02655; see :doc:`/theory/efron_stein`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from sosrmt._validation import check_int, check_memory
from sosrmt.graphs.dense import graph_matrix
from sosrmt.graphs.efron_stein.matrix import Level1Result, RngLike, level1_bound
from sosrmt.graphs.efron_stein.recursion import combine_levels
from sosrmt.graphs.efron_stein.schatten import (
    DENSE_BLOCK_LIMIT,
    QGrid,
    SchattenNorms,
    check_q,
    default_q_grid,
    schatten_norms,
)
from sosrmt.graphs.inputs import GraphInput
from sosrmt.graphs.shape import DEFAULT_TYPE, Shape, check_shape

__all__ = [
    "EXACT_MAX_PAIRS",
    "GraphBound",
    "derivative_matrix",
    "derivative_norms",
    "exact_bound",
    "graph_level1_bound",
    "tw_diagnostic",
]

#: Default cap on the number t! * n^(k falling) of (realisation, bijection) pairs of the exact path.
EXACT_MAX_PAIRS = 2 * 10**7


def _falling(n: int, k: int) -> int:
    return math.perm(n, k) if 0 <= k <= n else 0


def _es_shape(shape: Shape, model: str = "rademacher") -> Shape:
    """Validate a shape for the Efron-Stein bounds once; Rademacher shapes are reduced mod 2.

    Public functions call this once and pass the result to the private ``_`` workers.
    """
    shape = check_shape(shape)
    if shape.is_typed:
        raise ValueError("shape: the Efron-Stein bounds are implemented for untyped shapes only")
    if any(lab != 1 for lab in shape.labels):
        raise ValueError(f"shape: the {model} model supports only label-1 edges; Hermite labels "
                         "are bounded for Gaussian inputs by hermite_bound (graphs bound "
                         "--model gaussian)")
    if model == "rademacher":
        shape = shape.reduce_rademacher()
    elif not shape.is_proper():
        raise ValueError(f"shape: expected a proper shape (no repeated edge) for the {model} "
                         "model")
    return shape


def _check_model(model: str) -> str:
    if model not in ("rademacher", "pbiased"):
        raise ValueError(
            f"model: the recursive Efron-Stein bound is implemented for 'rademacher' and "
            f"'pbiased' inputs; got {model!r}")
    return str(model)


# --------------------------------------------------------------------------- enumeration


def _injections(n: int, k: int) -> np.ndarray:
    """All injective maps [k] -> [n] as an (n^(k falling), k) int array (vectorised)."""
    count = _falling(n, k)
    check_memory(8.0 * count * (k + 1) * 2, f"enumerating {count} realisations",
                 hint="use closed_form_bound for large n")
    if k == 0:
        return np.zeros((1, 0), dtype=np.int64)
    arr = np.arange(n, dtype=np.int64)[:, None]
    for _ in range(1, k):
        m = arr.shape[0]
        new = np.repeat(arr, n, axis=0)
        col = np.tile(np.arange(n, dtype=np.int64), m)
        ok = np.all(new != col[:, None], axis=1)
        arr = np.hstack([new[ok], col[ok, None]])
    return arr


def _edge_ids(sig: np.ndarray, edges: tuple[tuple[int, ...], ...], n: int) -> np.ndarray:
    """Integer id of the unordered image set of every edge under every realisation: (m, t)."""
    out = np.empty((sig.shape[0], len(edges)), dtype=np.int64)
    for j, e in enumerate(edges):
        img = np.sort(sig[:, list(e)], axis=1)
        code = np.zeros(sig.shape[0], dtype=np.int64)
        for col in range(img.shape[1]):
            code = code * n + img[:, col]
        out[:, j] = code
    return out


def _compress(columns: list[np.ndarray], radices: list[int]) -> np.ndarray:
    """Dense 0..R-1 labels of the distinct rows of the stacked integer columns."""
    if not columns:
        return np.zeros(0, dtype=np.int64)
    if math.prod(radices) < 2**62:
        key = np.zeros(columns[0].shape[0], dtype=np.int64)
        for col, rad in zip(columns, radices, strict=True):
            key = key * rad + col
        _, inv = np.unique(key, return_inverse=True)
    else:
        _, inv = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)
    return np.asarray(inv).ravel()


def derivative_matrix(shape: Shape, n: int, r: int, *,
                      max_pairs: int = EXACT_MAX_PAIRS) -> sp.csr_matrix:
    r"""The deterministic derivative matrix :math:`F_{r,t-r}=\partial^{R^rC^{t-r}}M_\alpha`.

    Parameters
    ----------
    shape : Shape
        Untyped shape with label-1 edges (multi-edges are reduced mod 2, Rademacher inputs).
    n : int
        Number of indices.
    r : int
        Number of derivative indices joined to the rows, ``0 <= r <= t = |E(alpha)|``.
    max_pairs : int
        Refuse when :math:`t!\,n^{\underline k}` exceeds this (use :func:`closed_form_bound`).

    Returns
    -------
    scipy.sparse.csr_matrix
        Integer counts, restricted to its nonzero rows and columns (the singular values are
        those of the full matrix); rows are ``(I, e_1..e_r)``, columns ``(J, e_{r+1}..e_t)``.

    Notes
    -----
    Entry = number of pairs :math:`(\sigma,\beta)`, :math:`\sigma` a realisation with
    :math:`\sigma(U)=I,\sigma(V)=J`, :math:`\beta:[t]\to E(\alpha)` a bijection with
    :math:`\sigma(\beta(j))=e_j`. Built in one vectorised pass over all
    :math:`t!\,n^{\underline k}` pairs: image-edge ids, row/column keys packed into int64,
    ``numpy.unique`` and a COO sum (a pure-Python enumeration needed 150 s for ``Z`` at
    ``n = 8``).

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> F = derivative_matrix(named_shape("wigner"), 5, 1)
    >>> F.shape, int(F.sum())
    ((20, 5), 20)
    """
    shape = _es_shape(shape)
    n = check_int(n, "n", minimum=max(shape.k, 1))
    r = check_int(r, "r", minimum=0, maximum=len(shape.edges))
    return _derivative_matrix(shape, n, r, max_pairs)


def _derivative_matrix(shape: Shape, n: int, r: int, max_pairs: int,
                       slot: int | None = None):
    """F_{r,t-r}; with ``slot = j`` also the edge id in derivative slot ``j`` of each row
    (``j < r``) or column (``j >= r``), returned as ``(F, labels)``."""
    t = len(shape.edges)
    pairs = math.factorial(t) * _falling(n, shape.k)
    if pairs > max_pairs:
        raise ValueError(
            f"n: the exact derivative matrices of this shape at n={n} have {pairs} "
            f"(realisation, bijection) pairs, above max_pairs={max_pairs} (about "
            f"{pairs * 8 * (shape.k + 2 * t + 4) / 2**30:.1f} GiB); use closed_form_bound(shape, "
            f"n) for large n")
    check_memory(8.0 * pairs * (shape.k + 2 * t + 6), "the exact derivative matrices",
                 hint="use closed_form_bound(shape, n) for large n")
    sig = _injections(n, shape.k)
    ids = _edge_ids(sig, shape.edges, n)
    arity_rad = [n ** len(e) for e in shape.edges]
    rad_e = max(arity_rad, default=1)
    rows_parts, cols_parts = [], []
    u_cols = [sig[:, u] for u in shape.U]
    v_cols = [sig[:, v] for v in shape.V]
    for perm in itertools.permutations(range(t)):
        rows_parts.append(np.stack(u_cols + [ids[:, perm[j]] for j in range(r)], axis=1)
                          if (shape.U or r) else np.zeros((sig.shape[0], 0), dtype=np.int64))
        cols_parts.append(np.stack(v_cols + [ids[:, perm[j]] for j in range(r, t)], axis=1)
                          if (shape.V or t - r) else np.zeros((sig.shape[0], 0), dtype=np.int64))
    rows_all = np.vstack(rows_parts)
    cols_all = np.vstack(cols_parts)
    rrad = [n] * len(shape.U) + [rad_e] * r
    crad = [n] * len(shape.V) + [rad_e] * (t - r)
    rinv = (_compress(list(rows_all.T), rrad) if rows_all.shape[1]
            else np.zeros(rows_all.shape[0], dtype=np.int64))
    cinv = (_compress(list(cols_all.T), crad) if cols_all.shape[1]
            else np.zeros(cols_all.shape[0], dtype=np.int64))
    nr = int(rinv.max()) + 1 if rinv.size else 0
    nc = int(cinv.max()) + 1 if cinv.size else 0
    data = np.ones(rinv.size)
    mat = sp.csr_matrix((data, (rinv, cinv)), shape=(nr, nc))
    if slot is None:
        return mat
    # the slot's edge id is a function of the row (slot < r) or column (slot >= r) key
    col = len(shape.U) + slot if slot < r else len(shape.V) + slot - r
    source, inv, size = (rows_all, rinv, nr) if slot < r else (cols_all, cinv, nc)
    labels = np.zeros(size, dtype=np.int64)
    labels[inv] = source[:, col]
    return mat, labels


def derivative_norms(shape: Shape, n: int, q: QGrid | None = None, *,
                     dense_limit: int = DENSE_BLOCK_LIMIT,
                     max_pairs: int = EXACT_MAX_PAIRS) -> dict[int, SchattenNorms]:
    r"""Schatten norms of :math:`F_{r,t-r}` for ``r = 0..t``, from one eigen-decomposition each.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> norms = derivative_norms(named_shape("wigner"), 6, q=[1, 2])
    >>> [round(norms[r].operator_norm ** 2, 9) for r in (0, 1)]
    [5.0, 5.0]
    """
    shape = _es_shape(shape)
    n = check_int(n, "n", minimum=max(shape.k, 1))
    qs = _q_for(shape, n) if q is None else check_q(q)
    return _derivative_norms(shape, n, qs, dense_limit, max_pairs)


def _derivative_norms(shape: Shape, n: int, qs: np.ndarray, dense_limit: int,
                      max_pairs: int) -> dict[int, SchattenNorms]:
    return {r: schatten_norms(_derivative_matrix(shape, n, r, max_pairs), qs,
                              dense_limit=dense_limit) for r in range(len(shape.edges) + 1)}


def _q_for(shape: Shape, n: int) -> np.ndarray:
    """Default q grid: 1..ceil(ln N)+2 with N = t! n^k (the explicit dense bound)."""
    t = len(shape.edges)
    return default_q_grid(math.factorial(t) * float(n) ** shape.k)


def tw_diagnostic(shape: Shape, n: int, norms: dict[int, SchattenNorms]) -> float:
    r"""Tulsiani–Wu-style diagnostic :math:`\sum_{a+b=t}(\log D)^{t/2}\|F_{a,b}\|` (constants 1).

    A shape-level **comparison, not a bound**: the absolute constants of the TW main theorem
    were not verified and are set to 1; the :math:`c>0` (diagonal) placements are dropped,
    which TW allow for Rademacher inputs (non-commutative Khintchine). ``D`` is the larger
    dimension of :math:`M_\alpha` and :math:`\log D` is floored at 1.
    """
    return _tw_diagnostic(_es_shape(shape), n, norms)


def _tw_diagnostic(shape: Shape, n: int, norms: dict[int, SchattenNorms]) -> float:
    t = len(shape.edges)
    dim = max(_falling(n, len(shape.U)), _falling(n, len(shape.V)), 1)
    logd = max(math.log(dim), 1.0)
    return float(sum(logd ** (t / 2.0) * norms[r].operator_norm for r in range(t + 1)))


@dataclass(frozen=True)
class GraphBound:
    r"""Exact recursive Efron–Stein bound of a dense Rademacher graph matrix.

    Attributes
    ----------
    q, flattened, tree : numpy.ndarray
        Moment orders, the flattened graph bound and the tree form, per ``q``.
    norms : dict
        ``{r: SchattenNorms of F_{r,t-r}}``.
    tw : float
        :func:`tw_diagnostic` (a comparison, not a bound).
    """

    shape: Shape
    n: int
    q: np.ndarray
    flattened: np.ndarray
    tree: np.ndarray
    norms: dict = field(repr=False)
    tw: float = float("nan")

    @property
    def q_star(self) -> int:
        return int(self.q[int(np.argmin(self.flattened))])

    @property
    def value(self) -> float:
        """:math:`\\min_q` of the flattened graph bound."""
        return float(np.min(self.flattened))

    @property
    def tree_value(self) -> float:
        return float(np.min(self.tree))

    @property
    def exact(self) -> bool:
        """False when some Schatten norm fell back to the rank bound (still a valid bound)."""
        return all(v.exact for v in self.norms.values())


def exact_bound(shape: Shape, n: int, q: QGrid | None = None, *, model: str = "rademacher",
                dense_limit: int = DENSE_BLOCK_LIMIT,
                max_pairs: int = EXACT_MAX_PAIRS) -> GraphBound:
    r"""Exact recursive Efron–Stein bound on :math:`\mathbb E\|M_\alpha\|` (small ``n``).

    Parameters
    ----------
    shape : Shape
        Untyped, label-1 shape (multi-edges reduced mod 2).
    n : int
        Number of indices.
    q : int or sequence of int, optional
        Grid (default :math:`1..\lceil\ln(t!\,n^k)\rceil+2`).
    model : str
        Only ``"rademacher"``: for other inputs the recursion does not end in deterministic
        matrices (``pbiased``: use :func:`graph_level1_bound`).
    dense_limit, max_pairs : int
        See :func:`schatten_norms` and :func:`derivative_matrix`.

    Returns
    -------
    GraphBound

    Notes
    -----
    For a proper shape with :math:`t` edges, :math:`M_\alpha` is homogeneous of degree
    :math:`t`, so :math:`\mathbb E\partial^\pi M_\alpha=0` for :math:`|\pi|<t` and only the
    last level of the flattened form survives:
    :math:`\mathbb E\|M_\alpha\|\le(4q-2)^{t/2}\sum_r\binom tr\|F_{r,t-r}\|_{S_{2q}}`;
    the tree form is :math:`c_q^t(\sum_r\binom tr\|F_{r,t-r}\|_{S_{2q}}^{2q})^{1/2q}`.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> b = exact_bound(named_shape("wigner"), 6, q=[1])
    >>> round(b.value, 2)
    15.49
    """
    if model != "rademacher":
        _check_model(model)
        raise ValueError(f"model: the exact recursive bound needs Rademacher inputs (the "
                         f"recursion ends in deterministic matrices only then); for {model!r} "
                         "only the level-1 bound graph_level1_bound is implemented")
    shape = _es_shape(shape)
    n = check_int(n, "n", minimum=max(shape.k, 1))
    qs = _q_for(shape, n) if q is None else check_q(q)
    return _exact_bound(shape, n, qs, dense_limit, max_pairs)


def _exact_bound(shape: Shape, n: int, qs: np.ndarray, dense_limit: int = DENSE_BLOCK_LIMIT,
                 max_pairs: int = EXACT_MAX_PAIRS) -> GraphBound:
    norms = _derivative_norms(shape, n, qs, dense_limit, max_pairs)
    t = len(shape.edges)
    flat, tree = combine_levels({(t, r): v.values for r, v in norms.items()}, t, qs)
    return GraphBound(shape, n, qs, flat, tree, norms, _tw_diagnostic(shape, n, norms))


# --------------------------------------------------------------------------- level 1 on graphs


def _graph_func(shape: Shape, n: int, model: str, p: float | None):
    iu = np.triu_indices(n, 1)

    def func(x: np.ndarray) -> np.ndarray:
        g = np.zeros((n, n))
        g[iu] = x
        g = g + g.T
        inp = GraphInput(model, {DEFAULT_TYPE: n}, {(DEFAULT_TYPE, DEFAULT_TYPE): g},
                         p if model == "pbiased" else None)
        return graph_matrix(shape, inp)

    return func


def graph_level1_bound(shape: Shape, n: int, *, model: str = "rademacher",
                       p: float | None = None, q: QGrid | None = None, trials: int = 10,
                       rng: RngLike = None) -> Level1Result:
    r"""Level-1 bound :math:`L_1(q)` (Monte Carlo) for a graph matrix, Rademacher or p-biased.

    Parameters
    ----------
    shape : Shape
        Untyped graph shape (pair edges, label 1).
    n : int
        Number of indices.
    model : {"rademacher", "pbiased"}
        For ``pbiased`` the stacks are weighted by :math:`w_e=\sqrt{(\chi_e^2+1)/2}`.
    p : float, optional
        Edge probability of ``pbiased``.
    q, trials, rng
        Grid, Monte Carlo samples and randomness.

    Returns
    -------
    Level1Result
        With the moment quantity and empirical norm of the same samples
        (:math:`\mathbb EM_\alpha=0` for a proper shape with an edge).

    Notes
    -----
    Each sample costs :math:`\binom n2+1` dense evaluations of :math:`M_\alpha`.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> res = graph_level1_bound(named_shape("wigner"), 6, q=[1, 2], trials=2, rng=0)
    >>> bool(np.all(res.l1 >= res.moment))
    True
    """
    model = _check_model(model)
    shape = _es_shape(shape, model)
    n = check_int(n, "n", minimum=max(shape.k, 2))
    return _graph_level1(shape, n, model, p, q, trials, rng)


def _graph_level1(shape: Shape, n: int, model: str, p: float | None, q: QGrid | None,
                  trials: int, rng: RngLike) -> Level1Result:
    if shape.max_arity > 2:
        raise ValueError("shape: graph_level1_bound supports pair edges only")
    func = _graph_func(shape, n, model, p)
    nv = n * (n - 1) // 2
    mean = None
    if not shape.edges:
        mean = func(np.zeros(nv) if model == "pbiased" else np.ones(nv))
    return level1_bound(func, nv, q=q, trials=trials, model=model,
                        p=p if model == "pbiased" else None, mean=mean, rng=rng)
