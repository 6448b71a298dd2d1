"""Tensor PCA (a problem module, see :mod:`sosrmt.problems.protocol`).

:mod:`~sosrmt.problems.tensor_pca.model`: samplers, program, brute force, spectral
certificates, SoS value; :mod:`~sosrmt.problems.tensor_pca.calibration`: pseudo-calibration
(signed-measure and shape forms) and diagnostics; :mod:`~sosrmt.problems.tensor_pca.matrix_free`:
the matrix-free form (Lanczos on the moment operator); :mod:`~sosrmt.problems.tensor_pca.cell`:
the phase-diagram cell (the sweep job ``"sosrmt.problems.tensor_pca:lowerbound_cell"``).
"""

from sosrmt.problems.tensor_pca.calibration import (
    calibration_report,
    low_degree_norm,
    pseudo_calibration,
    pseudo_expectation,
    shape_report,
    symmetric_gaussians,
    tensor_pca_coef,
    tensor_pca_inputs,
    tensor_pca_measure,
    tensor_pca_shape_form,
    tensor_pca_shape_objective,
    tensor_pca_shapes,
)
from sosrmt.problems.tensor_pca.cell import estimate_cell, lowerbound_cell
from sosrmt.problems.tensor_pca.matrix_free import matrix_free_report, tensor_pca_structured
from sosrmt.problems.tensor_pca.model import (
    baselines,
    brute_force,
    hss_bound,
    objective_polynomial,
    objective_values,
    power_iteration,
    program,
    sample_null,
    sample_planted,
    sos_value,
    tensor_contract,
    unfolding_bound,
)

__all__ = [
    "baselines",
    "brute_force",
    "calibration_report",
    "estimate_cell",
    "hss_bound",
    "low_degree_norm",
    "lowerbound_cell",
    "matrix_free_report",
    "objective_polynomial",
    "objective_values",
    "power_iteration",
    "program",
    "pseudo_calibration",
    "pseudo_expectation",
    "sample_null",
    "sample_planted",
    "shape_report",
    "sos_value",
    "symmetric_gaussians",
    "tensor_contract",
    "tensor_pca_coef",
    "tensor_pca_inputs",
    "tensor_pca_measure",
    "tensor_pca_shape_form",
    "tensor_pca_shape_objective",
    "tensor_pca_shapes",
    "tensor_pca_structured",
    "unfolding_bound",
]
