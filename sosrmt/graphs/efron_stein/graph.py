"""Recursive Efron–Stein bounds specialised to graph matrices (private; see ``efron_stein``)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from sosrmt._validation import check_int, check_memory
from sosrmt.graphs._efron_stein_core import (
    DENSE_BLOCK_LIMIT,
    Level1Result,
    SchattenNorms,
    check_q,
    combine_levels,
    default_q_grid,
    level1_bound,
    schatten_norms,
)
from sosrmt.graphs.dense import graph_matrix
from sosrmt.graphs.inputs import GraphInput
from sosrmt.graphs.shape import DEFAULT_TYPE, Shape

__all__ = [
    "Assignment",
    "ClosedFormBound",
    "GraphBound",
    "TensorNetworkBound",
    "assignments",
    "closed_form_bound",
    "derivative_matrix",
    "derivative_norms",
    "es_kappa",
    "exact_bound",
    "graph_level1_bound",
    "tensor_network_bound",
    "tw_diagnostic",
]

#: Default cap on the number t! * n^(k falling) of (realisation, bijection) pairs of the exact path.
EXACT_MAX_PAIRS = 2 * 10**7


def _falling(n: int, k: int) -> int:
    return math.perm(n, k) if 0 <= k <= n else 0


def _check_shape(shape: object, model: str = "rademacher") -> Shape:
    if not isinstance(shape, Shape):
        raise TypeError(f"shape: expected a Shape (see named_shape / parse_shape), "
                        f"got {type(shape).__name__}")
    if shape.is_typed:
        raise ValueError("shape: the Efron-Stein bounds are implemented for untyped shapes only")
    if any(lab != 1 for lab in shape.labels):
        raise ValueError(f"shape: the {model} model supports only label-1 edges; Hermite labels "
                         "(gaussian inputs) have no Efron-Stein derivative bound here")
    if model == "rademacher":
        shape = shape.reduce_rademacher()
    elif not shape.is_proper():
        raise ValueError(f"shape: expected a proper shape (no repeated edge) for the {model} "
                         "model")
    return shape


def _check_model(model: object) -> str:
    if model not in ("rademacher", "pbiased"):
        raise ValueError(
            f"model: the recursive Efron-Stein bound is implemented for 'rademacher' (all "
            f"levels) and 'pbiased' (level 1 only, graph_level1_bound); got {model!r}")
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
    r"""The deterministic derivative matrix :math:`F_{r,t-r}=\partial^{R^rC^{t-r}}M_\alpha` (4.2).

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
    shape = _check_shape(shape)
    n = check_int(n, "n", minimum=max(shape.k, 1))
    t = len(shape.edges)
    r = check_int(r, "r", minimum=0, maximum=t)
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
    return sp.csr_matrix((data, (rinv, cinv)), shape=(nr, nc))


def derivative_norms(shape: Shape, n: int, q: object = None, *,
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
    shape = _check_shape(shape)
    t = len(shape.edges)
    qs = _q_for(shape, n) if q is None else check_q(q)
    return {r: schatten_norms(derivative_matrix(shape, n, r, max_pairs=max_pairs), qs,
                              dense_limit=dense_limit) for r in range(t + 1)}


def _q_for(shape: Shape, n: int) -> np.ndarray:
    """Default q grid: 1..ceil(ln N)+2 with N = t! n^k (spec Theorem 4.5, §6.4)."""
    t = len(shape.edges)
    return default_q_grid(math.factorial(t) * float(n) ** shape.k)


def tw_diagnostic(shape: Shape, n: int, norms: dict[int, SchattenNorms]) -> float:
    r"""Tulsiani–Wu-style diagnostic :math:`\sum_{a+b=t}(\log D)^{t/2}\|F_{a,b}\|` (constants 1).

    A shape-level **comparison, not a bound**: the absolute constants of the TW main theorem
    were not verified and are set to 1; the :math:`c>0` (diagonal) placements are dropped,
    which TW allow for Rademacher inputs (non-commutative Khintchine). ``D`` is the larger
    dimension of :math:`M_\alpha` and :math:`\log D` is floored at 1.
    """
    shape = _check_shape(shape)
    t = len(shape.edges)
    dim = max(_falling(n, len(shape.U)), _falling(n, len(shape.V)), 1)
    logd = max(math.log(dim), 1.0)
    return float(sum(logd ** (t / 2.0) * norms[r].operator_norm for r in range(t + 1)))


@dataclass(frozen=True)
class GraphBound:
    r"""Exact recursive Efron–Stein bound (4.3) of a dense Rademacher graph matrix.

    Attributes
    ----------
    q, flattened, tree : numpy.ndarray
        Moment orders, (4.3) and the tree form, per ``q``.
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
        """:math:`\\min_q` of (4.3)."""
        return float(np.min(self.flattened))

    @property
    def tree_value(self) -> float:
        return float(np.min(self.tree))

    @property
    def exact(self) -> bool:
        """False when some Schatten norm fell back to the rank bound (still a valid bound)."""
        return all(v.exact for v in self.norms.values())


def exact_bound(shape: Shape, n: int, q: object = None, *, model: str = "rademacher",
                dense_limit: int = DENSE_BLOCK_LIMIT,
                max_pairs: int = EXACT_MAX_PAIRS) -> GraphBound:
    r"""Exact recursive Efron–Stein bound (4.3) on :math:`\mathbb E\|M_\alpha\|` (small ``n``).

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
    last level of (4.1) survives:
    :math:`(4.3)\ \ \mathbb E\|M_\alpha\|\le(4q-2)^{t/2}\sum_r\binom tr\|F_{r,t-r}\|_{S_{2q}}`;
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
    shape = _check_shape(shape)
    n = check_int(n, "n", minimum=max(shape.k, 1))
    qs = _q_for(shape, n) if q is None else check_q(q)
    norms = derivative_norms(shape, n, qs, dense_limit=dense_limit, max_pairs=max_pairs)
    t = len(shape.edges)
    flat, tree = combine_levels({(t, r): v.values for r, v in norms.items()}, t, qs)
    return GraphBound(shape, n, qs, flat, tree, norms, tw_diagnostic(shape, n, norms))


# --------------------------------------------------------------------------- closed form


@dataclass(frozen=True)
class Assignment:
    """One assignment ``a: E(alpha) -> {R, C}`` with ``A_a``, ``B_a`` and its exponent."""

    rows: tuple[int, ...]
    A: frozenset
    B: frozenset
    exponent: float

    @property
    def separator(self) -> frozenset:
        """:math:`A_a\\cap B_a` (always a vertex separator)."""
        return self.A & self.B


def assignments(shape: Shape) -> list[Assignment]:
    r"""All :math:`2^t` edge assignments ``a: E -> {R, C}`` with their sets ``A_a``, ``B_a``.

    :math:`A_a=U\cup\bigcup_{a(e)=R}e` and :math:`B_a=V\cup\bigcup_{a(e)=C}e`.

    ``exponent`` is :math:`|W_{\rm iso}|+|A_a\triangle B_a|/2`, the power of ``n`` in the Schur
    bound of one trivial-shape term.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> sorted(a.exponent for a in assignments(named_shape("cherry")))
    [0.5, 0.5, 0.5, 1.0]
    """
    shape = _check_shape(shape)
    t = len(shape.edges)
    out = []
    wiso = len(shape.W_iso)
    for mask in range(2 ** t):
        rows = tuple(j for j in range(t) if mask >> j & 1)
        a_set = set(shape.U)
        b_set = set(shape.V)
        for j, e in enumerate(shape.edges):
            (a_set if j in rows else b_set).update(e)
        out.append(Assignment(rows, frozenset(a_set), frozenset(b_set),
                              wiso + len(a_set ^ b_set) / 2.0))
    return out


def es_kappa(shape: Shape) -> tuple[float, int]:
    r"""Largest exponent of the assignment rule and :math:`\min_a|A_a\cap B_a|`.

    Equals :math:`(\kappa(\alpha), |S_{\min}|)` of (3.1): each :math:`A_a\cap B_a` is a
    separator, and a minimum separator is attained by assigning the edges on the ``U``
    side of it to ``R`` and the others to ``C``.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> es_kappa(named_shape("Z"))
    (1.0, 2)
    """
    best = assignments(shape)
    smin = min(len(a.separator) for a in best)
    return max(a.exponent for a in best), smin


@dataclass(frozen=True)
class ClosedFormBound:
    """Closed-form Schur bound (C5) over a grid of ``q`` (any ``n``)."""

    shape: Shape
    n: int
    q: np.ndarray
    values: np.ndarray
    kappa: float
    smin: int

    @property
    def q_star(self) -> int:
        return int(self.q[int(np.argmin(self.values))])

    @property
    def value(self) -> float:
        return float(np.min(self.values))


def closed_form_bound(shape: Shape, n: int, q: object = None) -> ClosedFormBound:
    r"""Closed-form separator bound (C5) on :math:`\mathbb E\|M_\alpha\|`, valid for every ``n``.

    Parameters
    ----------
    shape : Shape
        Untyped, label-1 shape (multi-edges reduced mod 2; hyperedges allowed).
    n : int
        Number of indices (any size: the cost is :math:`O(2^t)`).
    q : int or sequence of int, optional
        Grid (default :math:`1..\lceil\ln(t!\,n^k)\rceil+2`).

    Returns
    -------
    ClosedFormBound

    Notes
    -----
    :math:`F_{r,t-r}` is a sum of :math:`r!(t-r)!` trivial-shape matrices :math:`T_{a,\beta}`
    per assignment :math:`a` with :math:`|a^{-1}(R)|=r`. The Schur test gives
    :math:`\|T_{a,\beta}\|\le\sqrt{\prod_e|e|!}\;n^{|W_{\rm iso}|+|A_a\triangle B_a|/2}`
    (:math:`2^{t/2}` for graphs), and a row of :math:`T_{a,\beta}` is fixed by
    :math:`\sigma|_{A_a}`, so
    :math:`\operatorname{rank}\le r_a:=\min(n^{\underline{|A_a|}},n^{\underline{|B_a|}})`.
    With the triangle inequality for :math:`S_{2q}` and
    :math:`\|T\|_{S_{2q}}\le\operatorname{rank}^{1/2q}\|T\|`,

    .. math:: \mathbb E\|M_\alpha\|\le(4q-2)^{t/2}\,t!\,\sqrt{\textstyle\prod_e|e|!}
              \sum_a r_a^{1/2q}\,n^{|W_{\rm iso}|+|A_a\triangle B_a|/2},

    which is :math:`\ge` (4.3) for every ``q``. With :math:`q=\lceil\ln(t!n^k)\rceil` it gives
    Theorem 4.5, :math:`O((\log n)^{t/2})\,n^{\kappa(\alpha)}`.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> b = closed_form_bound(named_shape("wigner"), 10**6)
    >>> b.kappa, b.smin, b.value > 2 * 10**3
    (0.5, 1, True)
    """
    shape = _check_shape(shape)
    n = check_int(n, "n", minimum=max(shape.k, 1))
    qs = _q_for(shape, n) if q is None else check_q(q)
    t = len(shape.edges)
    lognf = 0.5 * sum(math.lgamma(len(e) + 1) for e in shape.edges)
    terms = []
    for a in assignments(shape):
        # log of the falling factorials, summed term by term (lgamma differences lose all
        # precision for huge n)
        log_rank = min(sum(math.log(n - i) for i in range(len(a.A))),
                       sum(math.log(n - i) for i in range(len(a.B))))
        terms.append(log_rank / (2.0 * qs) + a.exponent * math.log(n))
    log_sum = np.logaddexp.reduce(np.vstack(terms), axis=0)
    log_val = (t / 2.0) * np.log(4.0 * qs - 2.0) + math.lgamma(t + 1) + lognf + log_sum
    kappa, smin = es_kappa(shape)
    return ClosedFormBound(shape, n, qs, np.exp(log_val), kappa, smin)


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
                       p: float | None = None, q: object = None, trials: int = 10,
                       rng: object = None) -> Level1Result:
    r"""Level-1 bound :math:`L_1(q)` (Monte Carlo) for a graph matrix, Rademacher or p-biased.

    Parameters
    ----------
    shape : Shape
        Untyped graph shape (pair edges, label 1).
    n : int
        Number of indices.
    model : {"rademacher", "pbiased"}
        For ``pbiased`` the stacks are weighted by :math:`w_e=\sqrt{(\chi_e^2+1)/2}` (spec §4.6).
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
    shape = _check_shape(shape, model)
    if shape.max_arity > 2:
        raise ValueError("shape: graph_level1_bound supports pair edges only")
    n = check_int(n, "n", minimum=max(shape.k, 2))
    func = _graph_func(shape, n, model, p)
    nv = n * (n - 1) // 2
    mean = None
    if not shape.edges:
        mean = func(np.zeros(nv) if model == "pbiased" else np.ones(nv))
    return level1_bound(func, nv, q=q, trials=trials, model=model,
                        p=p if model == "pbiased" else None, mean=mean, rng=rng)


# --------------------------------------------------------------------------- tensor network


@dataclass(frozen=True)
class TensorNetworkBound:
    r"""Exact recursive bound for :math:`M=\sum_iT_i\otimes T_i-\mathbb EM`."""

    n: int
    q: np.ndarray
    flattened: np.ndarray
    tree: np.ndarray
    norms: dict = field(repr=False)

    @property
    def value(self) -> float:
        return float(np.min(self.flattened))

    @property
    def tree_value(self) -> float:
        return float(np.min(self.tree))


def tensor_network_matrix(t: np.ndarray) -> np.ndarray:
    r""":math:`M[(a,b),(c,d)]=\sum_iT_{iac}T_{ibd}-n\,\mathbb 1[a=b,c=d]` for a ``±1`` tensor.

    The subtracted term is the mean :math:`\mathbb EM=n\,\mathrm{vec}(I)\mathrm{vec}(I)^\top`.

    Examples
    --------
    >>> T = np.ones((2, 2, 2))
    >>> tensor_network_matrix(T)[0].tolist()
    [0.0, 2.0, 2.0, 0.0]
    """
    n = t.shape[0]
    m = np.einsum("iac,ibd->abcd", t, t).reshape(n * n, n * n)
    vec = np.eye(n).ravel()
    return m - n * np.outer(vec, vec)


def tensor_network_bound(n: int, q: object = None, *,
                         dense_limit: int = DENSE_BLOCK_LIMIT) -> TensorNetworkBound:
    r"""Exact recursive Efron–Stein bound for the tensor network of spec §4.6.

    Parameters
    ----------
    n : int
        Side of the i.i.d. ``±1`` tensor :math:`T\in\{\pm1\}^{n\times n\times n}` (``n^3`` inputs).
    q : int or sequence of int, optional
        Grid (default :math:`1..\lceil\ln(2n^5)\rceil+2`).

    Returns
    -------
    TensorNetworkBound

    Notes
    -----
    :math:`M[(a,b),(c,d)]=\sum_iT_{iac}T_{ibd}-n\mathbb 1[a=b,c=d]` is homogeneous of degree 2
    in the :math:`n^3` inputs: for :math:`(a,c)\ne(b,d)` the monomial is
    :math:`x_{(i,a,c)}x_{(i,b,d)}` with two distinct variables, and the diagonal terms
    :math:`T_{iac}^2=1` are exactly the subtracted mean. The index sum is not injective; instead of
    the Möbius expansion into injective hypergraph pieces (§6.3), the coefficients of the
    monomials are enumerated directly over all :math:`n^5` index tuples, which gives the same
    derivative matrices :math:`F_{r,2-r}` (each entry counts the (tuple, bijection) pairs).
    Then (4.1) applies verbatim: :math:`(4q-2)\sum_r\binom2r\|F_{r,2-r}\|_{S_{2q}}`.
    The separator rule on the hypergraph gives :math:`n^{3/2}` (:math:`S_{\min}=\{a,b\}`).

    Examples
    --------
    >>> b = tensor_network_bound(3, q=[1])
    >>> round(float(b.flattened[0]) ** 2 / (2 * 3 * (3**4 - 3**2)), 9)  # ((4q-2) * 4)^2 at q=1
    64.0
    """
    n = check_int(n, "n", minimum=2)
    qs = default_q_grid(2.0 * n**5) if q is None else check_q(q)
    check_memory(8.0 * 2 * n**5 * 8, "tensor-network derivative matrices",
                 hint="use a smaller n")
    i, a, b, c, d = (x.ravel() for x in np.indices((n,) * 5))
    keep = (a != b) | (c != d)
    i, a, b, c, d = i[keep], a[keep], b[keep], c[keep], d[keep]
    e1 = (i * n + a) * n + c
    e2 = (i * n + b) * n + d
    row_idx = a * n + b
    col_idx = c * n + d
    n3 = n**3
    norms = {}
    for r in range(3):
        rows_parts, cols_parts = [], []
        for first, second in ((e1, e2), (e2, e1)):
            slots = [first, second]
            rkey = [row_idx, *slots[:r]]
            ckey = [col_idx, *slots[r:]]
            rows_parts.append(np.stack(rkey, axis=1))
            cols_parts.append(np.stack(ckey, axis=1))
        rows_all = np.vstack(rows_parts)
        cols_all = np.vstack(cols_parts)
        rinv = _compress(list(rows_all.T), [n * n] + [n3] * r)
        cinv = _compress(list(cols_all.T), [n * n] + [n3] * (2 - r))
        mat = sp.csr_matrix((np.ones(rinv.size), (rinv, cinv)))
        norms[r] = schatten_norms(mat, qs, dense_limit=dense_limit)
    flat, tree = combine_levels({(2, r): v.values for r, v in norms.items()}, 2, qs)
    return TensorNetworkBound(n, qs, flat, tree, norms)
