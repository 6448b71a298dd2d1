"""Graph matrices: shapes, random inputs, exact and matrix-free evaluation, norm predictions.

Public API (stable; other subpackages build on exactly these names)
-------------------------------------------------------------------
Shapes
    :class:`Shape` (vertices ``0..k-1`` with optional types, ordered ``U``/``V`` tuples,
    labelled edges, multi-edges and ``r``-uniform hyperedges; ``W``, ``W_iso``,
    ``transpose()``, ``to_json()``/``from_json()``, ``to_networkx()``),
    :func:`named_shape` (``wigner``, ``path2``, ``cherry``, ``Z``, ``K22``, ``iso``,
    ``degdiag``, ``JminusI``, ``nI``, ``wishart``, ``tensor_hsss``), :data:`NAMED_SHAPES`,
    :func:`parse_shape` (name, JSON or compact text ``"U=a,b; V=c,d; E=a-c,c-b,b-d"``).
Inputs
    :func:`sample_input` (``"rademacher"``, ``"gaussian"`` with Hermite labels,
    ``"pbiased"`` with ``p=``; ``rng=``) returning a :class:`GraphInput` (``.G`` is the
    symmetric zero-diagonal variable matrix), :func:`character` (orthonormal characters).
Matrices
    :func:`graph_matrix` (exact dense; ``index="tuple"`` default or ``"set"``),
    :func:`graph_operator` (matrix-free ``scipy.sparse.linalg.LinearOperator`` by Möbius
    inversion; :func:`mobius_partitions` lists its terms).  Spectral norms:
    :func:`sosrmt.linalg.spectral_norm`.
Separators and predictions
    :func:`min_vertex_separator` (max-flow, optional vertex weights), :func:`is_separator`,
    :func:`kappa`, :func:`log_norm_exponent` (multi-type), :func:`sparse_norm_bound`,
    :func:`sparse_exponent` (the exponent for ``p = c n^-a``).
Sparse (p-biased) inputs
    :func:`check_sparse_model` (one-line errors), :func:`parse_edge_probability`
    (``"10/n"``, ``"n^-0.5"``), :func:`sparse_graph_operator` (matrix-free through the
    input's nonzeros).
Enumeration and drawing
    :func:`enumerate_shapes`, :func:`count_shapes`, :func:`draw_shape` (PNG; ``U`` left,
    ``V`` right, middle vertices between).
Other modules
    :mod:`sosrmt.graphs.jobs` (``norm_job(*, shape, model, n, rng)`` for
    :mod:`sosrmt.sweep`), :mod:`sosrmt.graphs.tensor` (the HSSS tensor network
    sum_i T_i (x) T_i - E, dense and matrix-free).

Conventions: rows are ordered ``a``-tuples in C order (``n^a`` rows; tuples with repeated
entries give zero rows), so ``M.reshape((n,)*a + (n,)*b)[I + J]`` is the entry
:math:`M_\\alpha[I, J]`.  A plain symmetric array may be passed wherever inputs are expected
(character 1 = identity).
"""

from sosrmt.graphs.dense import graph_matrix
from sosrmt.graphs.draw import draw_shape
from sosrmt.graphs.enumerate import count_shapes, enumerate_shapes
from sosrmt.graphs.inputs import (
    MODELS,
    EdgeProbability,
    GraphInput,
    as_graph_input,
    character,
    check_sparse_model,
    parse_edge_probability,
    sample_input,
)
from sosrmt.graphs.operator import GraphOperator, graph_operator, mobius_partitions
from sosrmt.graphs.separators import (
    SparseBound,
    SparseExponent,
    is_separator,
    kappa,
    log_norm_exponent,
    min_vertex_separator,
    sparse_exponent,
    sparse_norm_bound,
)
from sosrmt.graphs.shape import (
    DEFAULT_TYPE,
    NAMED_SHAPES,
    Shape,
    check_shape,
    named_shape,
    parse_shape,
)
from sosrmt.graphs.sparse import SparseGraphOperator, sparse_graph_operator

__all__ = [
    "DEFAULT_TYPE",
    "MODELS",
    "NAMED_SHAPES",
    "EdgeProbability",
    "GraphInput",
    "GraphOperator",
    "Shape",
    "SparseBound",
    "SparseExponent",
    "SparseGraphOperator",
    "as_graph_input",
    "character",
    "check_shape",
    "check_sparse_model",
    "count_shapes",
    "draw_shape",
    "enumerate_shapes",
    "graph_matrix",
    "graph_operator",
    "is_separator",
    "kappa",
    "log_norm_exponent",
    "min_vertex_separator",
    "mobius_partitions",
    "named_shape",
    "parse_edge_probability",
    "parse_shape",
    "sample_input",
    "sparse_exponent",
    "sparse_graph_operator",
    "sparse_norm_bound",
]
