"""Planted affine planes (a problem module, see :mod:`sosrmt.problems.protocol`).

:mod:`~sosrmt.problems.planted_affine_planes.model`: samplers, program, brute force,
spectral refutation, SoS feasibility; :mod:`~sosrmt.problems.planted_affine_planes.calibration`:
pseudo-calibration (signed-measure and shape forms), diagnostics and the phase-diagram cell
(the sweep job ``"sosrmt.problems.planted_affine_planes:lowerbound_cell"``).

Stable API of the shape form: ``pap_shape_form(d, trunc=8, *, degree=4) -> ShapeForm`` (the
moments, ``.moment_matrix(degree)``, ``.report(...)``) and
``shape_report(d, trunc=8, *, degree=4) -> CalibrationReport`` (the same fields as
``calibration_report``).
"""

from sosrmt.problems.planted_affine_planes.calibration import (
    calibration_report,
    low_degree_norm,
    lowerbound_cell,
    pap_low_degree_norm,
    pap_measure,
    pap_shape_form,
    pap_shape_residuals,
    pap_shapes,
    pseudo_calibration,
    pseudo_expectation,
    shape_report,
)
from sosrmt.problems.planted_affine_planes.model import (
    baselines,
    brute_force,
    constraint_polynomials,
    program,
    sample_null,
    sample_planted,
    sos_value,
    spectral_refutation,
)

__all__ = [
    "baselines",
    "brute_force",
    "calibration_report",
    "constraint_polynomials",
    "low_degree_norm",
    "lowerbound_cell",
    "pap_low_degree_norm",
    "pap_measure",
    "pap_shape_form",
    "pap_shape_residuals",
    "pap_shapes",
    "program",
    "pseudo_calibration",
    "pseudo_expectation",
    "sample_null",
    "sample_planted",
    "shape_report",
    "sos_value",
    "spectral_refutation",
]
