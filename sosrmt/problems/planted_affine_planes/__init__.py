"""Planted affine planes (a problem module, see :mod:`sosrmt.problems.protocol`).

:mod:`~sosrmt.problems.planted_affine_planes.model`: samplers, program, brute force,
spectral refutation, SoS feasibility; :mod:`~sosrmt.problems.planted_affine_planes.calibration`:
pseudo-calibration (signed-measure and shape forms), diagnostics and the phase-diagram cell
(the sweep job ``"sosrmt.problems.planted_affine_planes:lowerbound_cell"``);
:mod:`~sosrmt.problems.planted_affine_planes.factored`: the single-circle shape form
(Hermite degree at most 7) in closed form, factored through the inputs, with the degree-4
moment matrix as an operator (:func:`pap_factored_moments`), for :math:`n` in the hundreds and
:math:`m` in the thousands.

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
from sosrmt.problems.planted_affine_planes.factored import (
    FACTORED_MAX_TRUNC,
    FactoredMoments,
    factored_memory,
    pap_factored_moments,
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
    "FACTORED_MAX_TRUNC",
    "FactoredMoments",
    "baselines",
    "brute_force",
    "calibration_report",
    "constraint_polynomials",
    "factored_memory",
    "low_degree_norm",
    "lowerbound_cell",
    "pap_factored_moments",
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
