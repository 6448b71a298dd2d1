"""Vertex separators and the norm exponents they predict (AMP; sparse form of JPRTX/RT)."""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from sosrmt.graphs.shape import DEFAULT_TYPE, Shape, check_shape

__all__ = [
    "SparseBound",
    "SparseExponent",
    "is_separator",
    "kappa",
    "log_norm_exponent",
    "min_vertex_separator",
    "sparse_exponent",
    "sparse_norm_bound",
]


def is_separator(shape: Shape, S: Iterable[int]) -> bool:
    """True if every path from ``U`` to ``V`` (length 0 included) meets ``S``.

    Hyperedges connect all their vertices.  ``U`` and ``V`` are always separators.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> z = named_shape("Z")
    >>> is_separator(z, {1, 2}), is_separator(z, {0, 3})
    (True, False)
    """
    shape = check_shape(shape)
    S = set(S)
    if not set(shape.U) & set(shape.V) <= S:
        return False
    g = shape.adjacency_graph()
    g.remove_nodes_from(S)
    sources = [u for u in shape.U if u not in S]
    targets = {v for v in shape.V if v not in S}
    if not sources or not targets:
        return True
    reach = set()
    for u in sources:
        reach |= nx.node_connected_component(g, u)
    return not (reach & targets)


def _weights(shape: Shape, weights: Mapping[int, float] | None) -> dict[int, float]:
    if weights is None:
        return {v: 1.0 for v in range(shape.k)}
    out = {}
    for v in range(shape.k):
        if v not in weights:
            raise ValueError(f"weights: missing a weight for vertex {v}")
        w = weights[v]
        if not isinstance(w, numbers.Real) or not w >= 0 or not math.isfinite(w):
            raise ValueError(f"weights: expected finite non-negative numbers, vertex {v}: {w!r}")
        out[v] = float(w)
    return out


def min_vertex_separator(shape: Shape, weights: Mapping[int, float] | None = None
                         ) -> frozenset[int]:
    """A minimum (weight) vertex separator between ``U`` and ``V``.

    Parameters
    ----------
    shape : Shape
    weights : dict vertex -> float, optional
        Vertex weights (default 1: minimum cardinality).  For multi-type shapes use
        :math:`\\omega(x) = \\tfrac12 \\log n_{\\tau(x)}` (see :func:`log_norm_exponent`).

    Returns
    -------
    frozenset of int

    Notes
    -----
    Vertex-split max-flow (Menger): each vertex ``x`` becomes an arc
    ``x_in -> x_out`` of capacity :math:`\\omega(x)`; each (hyper)edge gives infinite arcs
    ``x_out -> y_in`` both ways; a super-source feeds every ``u_in`` (``u`` in ``U``) and
    every ``v_out`` feeds a super-sink.  A vertex of ``U \\cap V`` therefore lies on a
    length-0 path and is always cut.  The min cut (``networkx.minimum_cut``) is
    :math:`\\min_S \\omega(S)` over separators ``S``.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> sorted(min_vertex_separator(named_shape("wigner")))
    [1]
    >>> len(min_vertex_separator(named_shape("Z")))
    2
    """
    shape = check_shape(shape)
    w = _weights(shape, weights)
    if not shape.U or not shape.V:
        return frozenset()
    g = nx.DiGraph()
    for v in range(shape.k):
        g.add_edge(("in", v), ("out", v), capacity=w[v])
    adj = shape.adjacency_graph()
    for x, y in adj.edges():
        g.add_edge(("out", x), ("in", y))
        g.add_edge(("out", y), ("in", x))
    for u in shape.U:
        g.add_edge("s", ("in", u))
    for v in shape.V:
        g.add_edge(("out", v), "t")
    if not nx.has_path(g, "s", "t"):
        return frozenset()
    value, (reach, _) = nx.minimum_cut(g, "s", "t")
    if not math.isfinite(value):  # cannot happen: cutting all of U is finite
        raise RuntimeError("min_vertex_separator: infinite cut")
    return frozenset(v for v in range(shape.k) if ("in", v) in reach and ("out", v) not in reach)


def kappa(shape: Shape) -> float:
    """AMP exponent :math:`\\kappa(\\alpha) = (|V(\\alpha)| - |S_{min}| + |W_{iso}|)/2`.

    :math:`\\|M_\\alpha\\| = \\tilde O(n^{\\kappa})` for proper shapes with ``+-1`` input
    (Ahn–Medarametla–Potechin, arXiv:1604.03423; polylog factors not asserted), and the same
    exponent for Hermite labelled Gaussian shapes (Potechin–Rajendran, arXiv:2011.04253).

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> [kappa(named_shape(s)) for s in ("wigner", "path2", "Z", "iso", "JminusI")]
    [0.5, 1.0, 1.0, 1.5, 1.0]
    """
    shape = check_shape(shape)
    s_min = min_vertex_separator(shape)
    return (shape.k - len(s_min) + len(shape.W_iso)) / 2


def log_norm_exponent(shape: Shape, sizes: int | Mapping[str, int]) -> float:
    """Natural log of the separator prediction for a multi-type shape.

    :math:`\\omega(V(\\alpha)) + \\omega(W_{iso}) - \\min_S \\omega(S)` with
    :math:`\\omega(x) = \\tfrac12 \\log n_{\\tau(x)}`, so that the prediction is
    ``exp(log_norm_exponent)`` (equal to :math:`n^\\kappa` for one type).

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> import math
    >>> round(math.exp(log_norm_exponent(named_shape("wishart"), {"n": 100, "m": 400})), 6)
    200.0
    """
    shape = check_shape(shape)
    if isinstance(sizes, Mapping):
        size_map = dict(sizes)
    else:
        size_map = {DEFAULT_TYPE: sizes}
    for t in set(shape.types):
        n_t = size_map.get(t)
        if isinstance(n_t, bool) or not isinstance(n_t, numbers.Integral) or n_t < 1:
            raise ValueError(f"sizes: expected a positive integer size for type {t!r}, "
                             f"got {n_t!r}")
    omega = {v: 0.5 * math.log(size_map[shape.types[v]]) for v in range(shape.k)}
    s_min = min_vertex_separator(shape, omega)
    return (sum(omega.values()) + sum(omega[w] for w in shape.W_iso)
            - sum(omega[v] for v in s_min))


@dataclass(frozen=True)
class SparseBound:
    """Maximiser of the sparse separator bound (3.2)."""

    value: float
    separator: frozenset[int]
    edges_inside: int


def sparse_norm_bound(shape: Shape, n: int, p: float) -> SparseBound:
    """Sparse (``G(n, p)``) separator bound, without polylog factors.

    .. math:: \\max_{S\\ \\mathrm{separator}} n^{(|V(\\alpha)| - |S| + |W_{iso}|)/2}
              \\Big(\\sqrt{(1-p)/p}\\Big)^{|E(S)|},

    with :math:`E(S)` the (hyper)edges (with multiplicity) whose vertices all lie in ``S``.
    Brute force over the :math:`2^k` subsets (``k <= 16``).  At ``p = 1/2`` this is
    :math:`n^\\kappa`.  The weight :math:`|E(S)|` is the reconstructed form of the sparse
    bound of Jones–Potechin–Rajendran–Tulsiani–Xu (arXiv:2111.09250; see the theory
    page); it matches the largest
    entry :math:`\\sqrt{(1-p)/p}` for ``wigner``.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> b = sparse_norm_bound(named_shape("wigner"), 100, 0.001)
    >>> round(b.value, 4), sorted(b.separator)
    (31.607, [0, 1])
    """
    shape = check_shape(shape)
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n: expected a positive integer, got {n!r}")
    if not isinstance(p, numbers.Real) or not 0 < p < 1:
        raise ValueError(f"p: expected a probability strictly between 0 and 1, got {p!r}")
    if shape.k > 16:
        raise ValueError(f"shape: brute force over 2^k subsets needs k <= 16, got k={shape.k}")
    if shape.is_typed:
        raise ValueError("shape: the sparse bound is implemented for untyped shapes only")
    log_l = 0.5 * math.log((1 - p) / p)
    best = None
    n_iso = len(shape.W_iso)
    for S, inside in _separators_with_inside(shape):
        logv = 0.5 * (shape.k - len(S) + n_iso) * math.log(n) + inside * log_l
        if best is None or logv > best[0] + 1e-12:
            best = (logv, S, inside)
    assert best is not None  # U itself is always a separator
    return SparseBound(math.exp(best[0]), best[1], best[2])


def _separators_with_inside(shape: Shape) -> list[tuple[frozenset[int], int]]:
    """Every separator ``S`` (brute force over subsets) with the number of edges inside it."""
    out = []
    for r in range(shape.k + 1):
        for S in itertools.combinations(range(shape.k), r):
            if is_separator(shape, S):
                s = set(S)
                out.append((frozenset(S), sum(all(v in s for v in e) for e in shape.edges)))
    return out


@dataclass(frozen=True)
class SparseExponent:
    """The sparse analogue of :math:`\\kappa` for :math:`p=c\\,n^{-a}` and its maximiser."""

    exponent: float
    separator: frozenset[int]
    edges_inside: int
    a: float


def sparse_exponent(shape: Shape, a: float) -> SparseExponent:
    """Predicted growth exponent of :math:`\\mathbb E\\|M_\\alpha\\|` for :math:`p=c\\,n^{-a}`.

    With :math:`\\sqrt{(1-p)/p}\\sim c^{-1/2}n^{a/2}`, the sparse separator bound of
    :func:`sparse_norm_bound` grows like :math:`n^{\\kappa_a}` with

    .. math:: \\kappa_a=\\max_{S\\ \\mathrm{separator}}
              \\frac{|V(\\alpha)|-|S|+|W_{iso}|+a\\,|E(S)|}{2},

    the separators weighted by :math:`p` (:math:`\\kappa_0=\\kappa`). Polylog factors are
    not included; the weight :math:`|E(S)|` is the reconstructed form discussed on the
    theory page.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> e = sparse_exponent(named_shape("Z"), 0.5)
    >>> e.exponent, sorted(e.separator), e.edges_inside
    (1.25, [1, 2], 1)
    >>> sparse_exponent(named_shape("wigner"), 1.0).exponent
    0.5
    """
    shape = check_shape(shape)
    if isinstance(a, bool) or not isinstance(a, numbers.Real) or not 0.0 <= float(a) <= 2.0:
        raise ValueError(f"a: expected the sparsity exponent of p = c n^-a in [0, 2], got {a!r}")
    if shape.k > 16:
        raise ValueError(f"shape: brute force over 2^k subsets needs k <= 16, got k={shape.k}")
    if shape.is_typed:
        raise ValueError("shape: the sparse bound is implemented for untyped shapes only")
    n_iso = len(shape.W_iso)
    best = None
    for S, inside in _separators_with_inside(shape):
        val = 0.5 * (shape.k - len(S) + n_iso + float(a) * inside)
        if best is None or val > best[0] + 1e-12:
            best = (val, S, inside)
    assert best is not None
    return SparseExponent(best[0], best[1], best[2], float(a))
