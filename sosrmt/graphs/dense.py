"""Exact dense evaluation of graph matrices (reference path, small ``n``)."""

from __future__ import annotations

import itertools
import math
import re
import string

import numpy as np

from sosrmt._validation import check_memory
from sosrmt.graphs.inputs import GraphInput, InputsLike, as_graph_input
from sosrmt.graphs.shape import Shape

__all__ = ["check_compatible", "edge_factors", "graph_matrix", "set_projection_indices"]

_LETTERS = string.ascii_letters


def check_compatible(shape: Shape, inputs: GraphInput) -> dict[str, int]:
    """Check that ``inputs`` can feed ``shape``; return the size of each vertex type.

    Raises ValueError for a missing type size, ``n_t`` smaller than the number of vertices
    of type ``t``, a missing signature, or a label the model does not support.
    """
    if not isinstance(shape, Shape):
        raise TypeError(f"shape: expected a Shape, got {type(shape).__name__}")
    sizes = {}
    for t in set(shape.types):
        if t not in inputs.sizes:
            raise ValueError(f"inputs: no size for vertex type {t!r} (input types: "
                             f"{sorted(inputs.sizes)})")
        count = shape.types.count(t)
        if inputs.sizes[t] < count:
            raise ValueError(f"n: expected n >= {count} (the shape has {count} vertices of type "
                             f"{t!r}), got n={inputs.sizes[t]}")
        sizes[t] = inputs.sizes[t]
    for e, lab in zip(shape.edges, shape.labels, strict=True):
        inputs.character(lab, shape.edge_signature(e))  # raises on bad label / signature
    return sizes


def edge_factors(shape: Shape, inputs: GraphInput) -> list[tuple[tuple[int, ...], np.ndarray]]:
    """Group the edges by vertex set and return ``(vertices, factor tensor)`` pairs.

    The vertices of each group are ordered by (type, id) so that they match the axes of the
    input tensor of the signature; the factor is the elementwise product of the characters
    of the edges in the group (multi-edges).
    """
    groups: dict[tuple[int, ...], np.ndarray] = {}
    for e, lab in zip(shape.edges, shape.labels, strict=True):
        verts = tuple(sorted(e, key=lambda v: (shape.types[v], v)))
        chi = inputs.character(lab, shape.edge_signature(e))
        groups[verts] = groups[verts] * chi if verts in groups else chi
    return list(groups.items())


def _largest_intermediate(spec: str, operands: list[np.ndarray]) -> float:
    _, info = np.einsum_path(spec, *operands, optimize="greedy")
    match = re.search(r"Largest intermediate:\s*([0-9.eE+-]+)", info)
    return float(match.group(1)) if match else 0.0


def set_projection_indices(n: int, a: int) -> np.ndarray:
    """Sorted ``a``-subsets of ``range(n)`` (rows of the set convention), one per row."""
    if a == 0:
        return np.zeros((1, 0), dtype=np.intp)
    return np.array(list(itertools.combinations(range(n), a)), dtype=np.intp)


def graph_matrix(shape: Shape, inputs: InputsLike, *, index: str = "tuple",
                 memory_limit: float | None = None) -> np.ndarray:
    """Exact dense graph matrix :math:`M_\\alpha` of a shape on one input sample.

    Parameters
    ----------
    shape : Shape
    inputs : GraphInput or array
        From :func:`sample_input`, or a symmetric array ``G`` (character 1 = identity).
    index : {"tuple", "set"}
        ``"tuple"`` (default): rows are all ``a``-tuples of ``[n]`` in C order (an
        ``n^a x n^b`` matrix; tuples with repeated entries give zero rows/columns).
        ``"set"``: rows are the sorted ``a``-subsets in lexicographic order.
    memory_limit : float, optional
        Bytes allowed (default: ``sosrmt._validation.DEFAULT_MEMORY_LIMIT``).

    Returns
    -------
    ndarray
        For typed shapes, the tuple index runs over the product of the type ranges.

    Notes
    -----
    Ordered-tuple convention:

    .. math:: M_\\alpha[I, J] = \\sum_{\\sigma: V(\\alpha) \\hookrightarrow [n],\\
              \\sigma(U)=I,\\ \\sigma(V)=J} \\prod_{e \\in E(\\alpha)}
              \\chi_{\\ell(e)}(x_{\\sigma(e)}),

    evaluated as one ``einsum`` over all vertex letters with a ``1 - I`` mask for every
    same-type vertex pair not already inside an edge (edge factors vanish on coinciding
    indices), an identity linking the two copies of a vertex of ``U \\cap V`` and a ones
    vector for a letter that appears nowhere else.  Set convention:
    :math:`M^{set} = P_a^\\top M P_b` with :math:`P_a[t, I] = 1[\\{t\\} = I]`.
    Cost :math:`O(n^k)`; for large ``n`` use :func:`graph_operator`.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape, sample_input
    >>> x = sample_input("rademacher", 6, rng=0)
    >>> G = x.G
    >>> M = graph_matrix(named_shape("path2"), x)
    >>> bool(np.allclose(M, G @ G - 5 * np.eye(6)))
    True
    """
    inputs = as_graph_input(inputs)
    if index not in ("tuple", "set"):
        raise ValueError(f"index: expected 'tuple' or 'set', got {index!r}")
    sizes = check_compatible(shape, inputs)
    ntype = [sizes[shape.types[v]] for v in range(shape.k)]
    letters = {v: _LETTERS[v] for v in range(shape.k)}
    extra = iter(_LETTERS[shape.k:])
    operands: list[np.ndarray] = []
    terms: list[str] = []
    covered: set[frozenset[int]] = set()
    for verts, factor in edge_factors(shape, inputs):
        operands.append(factor)
        terms.append("".join(letters[v] for v in verts))
        covered.update(frozenset(pr) for pr in itertools.combinations(verts, 2))
    for x, y in itertools.combinations(range(shape.k), 2):
        if shape.types[x] == shape.types[y] and frozenset((x, y)) not in covered:
            operands.append(1.0 - np.eye(ntype[x]))
            terms.append(letters[x] + letters[y])
    out_u = "".join(letters[u] for u in shape.U)
    out_v = ""
    for v in shape.V:
        if v in shape.U:
            fresh = next(extra)
            operands.append(np.eye(ntype[v]))
            terms.append(letters[v] + fresh)
            out_v += fresh
        else:
            out_v += letters[v]
    used = set("".join(terms))
    for v in range(shape.k):
        if letters[v] not in used:
            operands.append(np.ones(ntype[v]))
            terms.append(letters[v])
    rows = math.prod(ntype[u] for u in shape.U)
    cols = math.prod(ntype[v] for v in shape.V)
    spec = ",".join(terms) + "->" + out_u + out_v
    limit = {} if memory_limit is None else {"limit": memory_limit}
    hint = "use graph_operator(shape, inputs) for a matrix-free LinearOperator"
    check_memory(8.0 * rows * cols, f"dense graph matrix ({rows} x {cols})", hint=hint, **limit)
    check_memory(8.0 * _largest_intermediate(spec, operands),
                 "dense graph-matrix contraction", hint=hint, **limit)
    M = np.einsum(spec, *operands, optimize="greedy").reshape(rows, cols)
    if index == "tuple":
        return M
    if shape.is_typed:
        raise ValueError("index: the set convention is implemented for untyped shapes only")
    n = ntype[0] if shape.k else 0
    a, b = len(shape.U), len(shape.V)
    rows_s, cols_s = set_projection_indices(n, a), set_projection_indices(n, b)
    check_memory(8.0 * len(rows_s) * len(cols_s), "set-convention matrix", **limit)
    out = np.zeros((len(rows_s), len(cols_s)))
    for pa in itertools.permutations(range(a)):
        r = np.ravel_multi_index(tuple(rows_s[:, pa].T), (n,) * a) if a else np.zeros(1, int)
        for pb in itertools.permutations(range(b)):
            c = np.ravel_multi_index(tuple(cols_s[:, pb].T), (n,) * b) if b else np.zeros(1, int)
            out += M[np.ix_(r, c)]
    return out
