r"""Recursive matrix Efron–Stein norm bounds (Rajendran–Tulsiani), computed as numbers.

A matrix :math:`F(x)` of independent inputs is bounded by "differentiating" it: the matrix
Efron–Stein inequality of Paulin–Mackey–Tropp (arXiv:1408.3470, Theorem 4.2) bounds
:math:`F-\mathbb EF` by stacked discrete derivatives; recursing, a Rademacher polynomial of
degree ``d`` is bounded by deterministic matrices after ``d`` steps (Rajendran–Tulsiani,
arXiv:2209.02655). The mathematics, and which statements are proved, reconstructed or only
measured, are on the theory page :doc:`/theory/efron_stein`.

Modules
-------
:mod:`~sosrmt.graphs.efron_stein.schatten`
    Schatten norms of sparse matrices, the ``q`` grid, the one-level constant.
:mod:`~sosrmt.graphs.efron_stein.matrix`
    Two-point input models, discrete derivatives, the level-1 bound of any matrix function.
:mod:`~sosrmt.graphs.efron_stein.recursion`
    Matrix polynomials and their recursive bound (flattened and tree forms).
:mod:`~sosrmt.graphs.efron_stein.graph`
    Exact derivative matrices and bound of dense Rademacher graph matrices; level 1 on graphs.
:mod:`~sosrmt.graphs.efron_stein.closed_form`
    The closed-form separator bound (any ``n``) and the assignment rule for :math:`\kappa`.
:mod:`~sosrmt.graphs.efron_stein.pbiased`
    The full recursive bound for p-biased (sparse) inputs: weights bounded by their maximum,
    and the concentrated route (exact weights at the last level, diagonal placement).
:mod:`~sosrmt.graphs.efron_stein.symmetrised`
    The symmetrised route for p-biased inputs (Jensen with an independent copy: a sparse
    Rademacher matrix, no weights), exact over the difference graph at small ``n`` and in
    closed form at any ``n``, with the separator-weighted sparse exponent.
:mod:`~sosrmt.graphs.efron_stein.gaussian`
    Gaussian inputs (label-1 shapes): the Rademacher recursion given :math:`|g|`, and the
    exact Schatten moments by Gauss–Hermite quadrature.
:mod:`~sosrmt.graphs.efron_stein.hermite`
    Gaussian inputs with any Hermite labels: the Rademacher recursion in the central-limit
    limit, and the exact moments by Gauss–Hermite quadrature.
:mod:`~sosrmt.graphs.efron_stein.exhaustive`
    Exact expectations over every p-biased input at ``n <= 6`` (the checks of the bounds).
:mod:`~sosrmt.graphs.efron_stein.ratio`
    The ratio of the p-biased bounds to the empirical norm, for several ``p``.
:mod:`~sosrmt.graphs.efron_stein.tensor_network`
    The bound for :math:`\sum_iT_i\otimes T_i-\mathbb E`.
:mod:`~sosrmt.graphs.efron_stein.table`
    The ``sosrmt graphs bound`` table and its plot.

Examples
--------
>>> from sosrmt.graphs import named_shape
>>> b = exact_bound(named_shape("Z"), 8, q=[1])
>>> round(b.value, 2)
2271.77
"""

from sosrmt.graphs.efron_stein.closed_form import (
    Assignment,
    ClosedFormBound,
    assignments,
    closed_form_bound,
    es_kappa,
)
from sosrmt.graphs.efron_stein.exhaustive import exhaustive_last_level, exhaustive_moment
from sosrmt.graphs.efron_stein.gaussian import (
    GaussianBound,
    exhaustive_gaussian_moment,
    gaussian_abs_moment,
    gaussian_bound,
)
from sosrmt.graphs.efron_stein.graph import (
    EXACT_MAX_PAIRS,
    GraphBound,
    derivative_matrix,
    derivative_norms,
    exact_bound,
    graph_level1_bound,
    tw_diagnostic,
)
from sosrmt.graphs.efron_stein.hermite import (
    HermiteBound,
    exhaustive_hermite_moment,
    hermite_bound,
    hermite_multigraph,
)
from sosrmt.graphs.efron_stein.matrix import (
    Level1Result,
    TwoPointModel,
    discrete_derivative,
    level1_bound,
    stacked_derivatives,
    variance_proxies,
)
from sosrmt.graphs.efron_stein.pbiased import (
    PBiasedBound,
    bernoulli_constant,
    last_level_bound,
    pbiased_bound,
    weight_max,
)
from sosrmt.graphs.efron_stein.ratio import format_ratio_table, ratio_table
from sosrmt.graphs.efron_stein.recursion import (
    MatrixPolynomial,
    RecursiveBound,
    combine_levels,
    recursive_bound,
)
from sosrmt.graphs.efron_stein.schatten import (
    DENSE_BLOCK_LIMIT,
    SchattenNorms,
    default_q_grid,
    es_constant,
    schatten_norms,
)
from sosrmt.graphs.efron_stein.symmetrised import (
    SymmetrisedBound,
    binomial_log_moment,
    symmetrised_bound,
)
from sosrmt.graphs.efron_stein.table import bound_table, format_bound_table, plot_bound_table
from sosrmt.graphs.efron_stein.tensor_network import TensorNetworkBound, tensor_network_bound
from sosrmt.graphs.tensor import tensor_network_matrix

__all__ = [
    "DENSE_BLOCK_LIMIT",
    "EXACT_MAX_PAIRS",
    "Assignment",
    "ClosedFormBound",
    "GaussianBound",
    "GraphBound",
    "HermiteBound",
    "Level1Result",
    "MatrixPolynomial",
    "PBiasedBound",
    "RecursiveBound",
    "SchattenNorms",
    "SymmetrisedBound",
    "TensorNetworkBound",
    "TwoPointModel",
    "assignments",
    "bernoulli_constant",
    "binomial_log_moment",
    "bound_table",
    "closed_form_bound",
    "combine_levels",
    "default_q_grid",
    "derivative_matrix",
    "derivative_norms",
    "discrete_derivative",
    "es_constant",
    "es_kappa",
    "exact_bound",
    "exhaustive_gaussian_moment",
    "exhaustive_hermite_moment",
    "exhaustive_last_level",
    "exhaustive_moment",
    "format_bound_table",
    "format_ratio_table",
    "gaussian_abs_moment",
    "gaussian_bound",
    "graph_level1_bound",
    "hermite_bound",
    "hermite_multigraph",
    "last_level_bound",
    "level1_bound",
    "pbiased_bound",
    "plot_bound_table",
    "ratio_table",
    "recursive_bound",
    "schatten_norms",
    "stacked_derivatives",
    "symmetrised_bound",
    "tensor_network_bound",
    "tensor_network_matrix",
    "tw_diagnostic",
    "variance_proxies",
    "weight_max",
]
