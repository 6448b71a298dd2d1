"""Enumeration of shapes up to isomorphism."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from sosrmt._validation import check_int, check_memory
from sosrmt.graphs.shape import Shape

__all__ = ["count_shapes", "enumerate_shapes"]


def _overlap_patterns(a: int, b: int, overlap: int | None) -> list[tuple[int, ...]]:
    """``V`` tuples: ``U = (0..a-1)``; shared positions map to ``U`` vertices, others new."""
    out = []
    shared_counts = range(min(a, b) + 1) if overlap is None else [overlap]
    for s in shared_counts:
        for pos in itertools.combinations(range(b), s):
            for targets in itertools.permutations(range(a), s):
                v, fresh = [], a
                for j in range(b):
                    if j in pos:
                        v.append(targets[pos.index(j)])
                    else:
                        v.append(fresh)
                        fresh += 1
                out.append(tuple(v))
    return out


def _symmetries(k: int, U: tuple[int, ...], V: tuple[int, ...], index: str
                ) -> list[tuple[int, ...]]:
    """Vertex permutations preserving ``U`` and ``V`` (as tuples, or as sets for 'set')."""
    W = [v for v in range(k) if v not in U and v not in V]
    if index == "tuple":
        classes = [W]
    else:
        both = [v for v in U if v in V]
        classes = [both, [u for u in U if u not in V], [v for v in V if v not in U], W]
    perms = []
    for combo in itertools.product(*(itertools.permutations(c) for c in classes)):
        p = list(range(k))
        for cls, img in zip(classes, combo, strict=True):
            for src, dst in zip(cls, img, strict=True):
                p[src] = dst
        perms.append(tuple(p))
    return perms


def enumerate_shapes(k: int, a: int, b: int, *, overlap: int | None = 0,
                     max_edges: int | None = None, index: str = "tuple",
                     connected: bool = False, no_isolated_middle: bool = False,
                     max_label: int = 1) -> Iterator[Shape]:
    """All shapes with ``k`` vertices, ``|U| = a``, ``|V| = b``, up to isomorphism.

    Proper shapes by default; with ``max_label > 1``, each pair carries a label
    (Hermite degree) in ``1..max_label`` when present (Gaussian shapes).

    Parameters
    ----------
    k, a, b : int
        Number of vertices and lengths of the ``U`` and ``V`` tuples.
    overlap : int or None
        Number of shared vertices ``|U ∩ V|`` (default 0); ``None``: every overlap.
    max_edges : int, optional
        Edge budget ``|E| <= max_edges``.
    index : {"tuple", "set"}
        Isomorphisms fix ``U`` and ``V`` pointwise (``"tuple"``: only middle vertices
        permute) or setwise (``"set"``: also permute within ``U∖V``, ``V∖U``, ``U∩V``).
        For ``"set"`` only the overlap size matters, so one placement per size is used.
    connected : bool
        Keep only shapes whose graph is connected.
    no_isolated_middle : bool
        Drop shapes with an isolated middle vertex.
    max_label : int
        Largest edge label (default 1: proper shapes).

    Yields
    ------
    Shape
        One canonical representative per class: ``U = (0..a-1)``, ``V`` new vertices in
        order (shared ones point into ``U``), the lexicographically smallest edge bitmask.

    Notes
    -----
    Canonical form: the minimum, over the symmetry group, of the base-``(max_label+1)``
    code of the labelled edge set (vectorised over all
    :math:`(L+1)^{\\binom k2}` configurations).  Counts for
    ``overlap=0``, tuple convention: ``k=3,4,5`` with ``a=b=1`` give 8, 40, 240 and
    ``k=4, a=b=2`` gives 64 (Burnside).

    Examples
    --------
    >>> sum(1 for _ in enumerate_shapes(4, 1, 1))
    40
    >>> sum(1 for _ in enumerate_shapes(3, 1, 1, max_edges=1))
    4
    >>> sum(1 for _ in enumerate_shapes(2, 1, 1, max_label=3))  # no edge, or labels 1..3
    4
    """
    k = check_int(k, "k", minimum=1, maximum=7)
    a = check_int(a, "a", minimum=0, maximum=k)
    b = check_int(b, "b", minimum=0, maximum=k)
    if index not in ("tuple", "set"):
        raise ValueError(f"index: expected 'tuple' or 'set', got {index!r}")
    if overlap is not None:
        overlap = check_int(overlap, "overlap", minimum=0, maximum=min(a, b))
    if max_edges is not None:
        max_edges = check_int(max_edges, "max_edges", minimum=0)
    max_label = check_int(max_label, "max_label", minimum=1)
    pairs = list(itertools.combinations(range(k), 2))
    m = len(pairs)
    base = max_label + 1
    total = base**m
    check_memory(8.0 * total * (m + 4), f"enumeration over {base}^{m} labelled edge sets",
                 hint="lower k or max_label")
    if total > 2**40:
        raise ValueError(f"k, max_label: {base}^{m} configurations are too many to enumerate")
    masks = np.arange(total, dtype=np.int64)
    digits = (masks[:, None] // (np.int64(base) ** np.arange(m))) % base
    popcount = (digits > 0).sum(1)
    seen: set[tuple] = set()
    for V in _overlap_patterns(a, b, overlap):
        U = tuple(range(a))
        if a + b - len(set(U) & set(V)) > k:
            continue
        if index == "set":
            key = (len(set(U) & set(V)),)
            if key in seen:
                continue
            seen.add(key)
            shared = sorted(set(U) & set(V))
            V = tuple(shared) + tuple(v for v in V if v not in shared)
        canon = masks.copy()
        for perm in _symmetries(k, U, V, index):
            img = np.array([pairs.index(tuple(sorted((perm[x], perm[y])))) for x, y in pairs])
            canon = np.minimum(canon, digits @ (np.int64(base) ** img))
        keep = canon == masks
        if max_edges is not None:
            keep &= popcount <= max_edges
        for mask in masks[keep]:
            code = [(int(mask) // base**i) % base for i in range(m)]
            edges = [pairs[i] for i in range(m) if code[i]]
            labels = [code[i] for i in range(m) if code[i]]
            shape = Shape(k, U, V, edges, labels)
            if no_isolated_middle and shape.W_iso:
                continue
            if connected and k > 1:
                import networkx as nx
                if not nx.is_connected(shape.adjacency_graph()):
                    continue
            yield shape


def count_shapes(k: int, a: int, b: int, **kwargs: int | str | bool | None) -> int:
    """Number of shapes :func:`enumerate_shapes` yields with the same arguments.

    Examples
    --------
    >>> [count_shapes(k, 1, 1) for k in (3, 4, 5)], count_shapes(4, 2, 2)
    ([8, 40, 240], 64)
    """
    return sum(1 for _ in enumerate_shapes(k, a, b, **kwargs))
