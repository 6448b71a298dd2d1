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
    :func:`graph_matrix` (exact dense; ``index="tuple"`` default or ``"set"``).

Conventions: rows are ordered ``a``-tuples in C order (``n^a`` rows; tuples with repeated
entries give zero rows), so ``M.reshape((n,)*a + (n,)*b)[I + J]`` is the entry
:math:`M_\\alpha[I, J]`.  A plain symmetric array may be passed wherever inputs are expected
(character 1 = identity).
"""

from sosrmt.graphs.dense import graph_matrix
from sosrmt.graphs.inputs import MODELS, GraphInput, as_graph_input, character, sample_input
from sosrmt.graphs.shape import DEFAULT_TYPE, NAMED_SHAPES, Shape, named_shape, parse_shape

__all__ = [
    "DEFAULT_TYPE",
    "MODELS",
    "NAMED_SHAPES",
    "GraphInput",
    "Shape",
    "as_graph_input",
    "character",
    "graph_matrix",
    "named_shape",
    "parse_shape",
    "sample_input",
]
