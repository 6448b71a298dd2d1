"""Wishart sparse PCA (a problem module, see :mod:`sosrmt.problems.protocol`).

:mod:`~sosrmt.problems.sparse_pca.model`: samplers, program, brute force, classical
statistics and the degree-2 relaxation, SoS value; :mod:`~sosrmt.problems.sparse_pca.calibration`:
pseudo-calibration (signed-measure and shape forms), diagnostics and the phase-diagram cell
(the sweep job ``"sosrmt.problems.sparse_pca:lowerbound_cell"``);
:mod:`~sosrmt.problems.sparse_pca.matrix_free`: the matrix-free form (degree 4).
"""

from sosrmt.problems.sparse_pca.calibration import (
    SparseShapeForm,
    calibration_report,
    estimate_cell,
    low_degree_norm,
    lowerbound_cell,
    pseudo_calibration,
    pseudo_expectation,
    shape_report,
    sparse_pca_low_degree_norm,
    sparse_pca_measure,
    sparse_pca_shape_form,
)
from sosrmt.problems.sparse_pca.matrix_free import matrix_free_report, sparse_pca_structured
from sosrmt.problems.sparse_pca.model import (
    baselines,
    brute_force,
    degree2_sdp,
    diagonal_statistic,
    objective_polynomial,
    planted_value,
    program,
    sample_null,
    sample_planted,
    sample_spike,
    sos_value,
    spectral_statistic,
)

__all__ = [
    "SparseShapeForm",
    "baselines",
    "brute_force",
    "calibration_report",
    "degree2_sdp",
    "diagonal_statistic",
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
    "sample_spike",
    "shape_report",
    "sos_value",
    "sparse_pca_low_degree_norm",
    "sparse_pca_measure",
    "sparse_pca_shape_form",
    "sparse_pca_structured",
    "spectral_statistic",
]
