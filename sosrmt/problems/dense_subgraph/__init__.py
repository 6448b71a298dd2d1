"""Planted slightly denser subgraph (a problem module, see :mod:`sosrmt.problems.protocol`).

:mod:`~sosrmt.problems.dense_subgraph.model`: samplers, program, brute force, classical
statistics, SoS value; :mod:`~sosrmt.problems.dense_subgraph.calibration`:
pseudo-calibration (signed-measure and shape forms), diagnostics and the phase-diagram cell
(the sweep job ``"sosrmt.problems.dense_subgraph:lowerbound_cell"``);
:mod:`~sosrmt.problems.dense_subgraph.matrix_free`: the matrix-free form at :math:`\\tau = 4`.
"""

from sosrmt.problems.dense_subgraph.calibration import (
    calibration_report,
    dense_subgraph_low_degree_norm,
    dense_subgraph_measure,
    dense_subgraph_shape_form,
    dense_subgraph_shape_objective,
    dense_subgraph_shape_residual,
    dense_subgraph_shapes,
    estimate_cell,
    low_degree_norm,
    lowerbound_cell,
    pseudo_calibration,
    pseudo_expectation,
    shape_report,
)
from sosrmt.problems.dense_subgraph.matrix_free import (
    dense_subgraph_structured,
    matrix_free_report,
)
from sosrmt.problems.dense_subgraph.model import (
    baselines,
    brute_force,
    edge_count,
    objective_polynomial,
    planted_value,
    program,
    sample_null,
    sample_planted,
    sos_value,
    spectral_statistic,
)

__all__ = [
    "baselines",
    "brute_force",
    "calibration_report",
    "dense_subgraph_low_degree_norm",
    "dense_subgraph_measure",
    "dense_subgraph_shape_form",
    "dense_subgraph_shape_objective",
    "dense_subgraph_shape_residual",
    "dense_subgraph_shapes",
    "dense_subgraph_structured",
    "edge_count",
    "estimate_cell",
    "low_degree_norm",
    "lowerbound_cell",
    "matrix_free_report",
    "objective_polynomial",
    "planted_value",
    "program",
    "pseudo_calibration",
    "pseudo_expectation",
    "sample_null",
    "sample_planted",
    "shape_report",
    "sos_value",
    "spectral_statistic",
]
