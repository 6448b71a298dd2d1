"""Pseudo-calibration, generic part: priors, Hermite/Fourier machinery, signed measures and
the shape form.

Two exact constructions of a pseudo-calibrated pseudo-expectation that agree entry by entry
(Barak, Hopkins, Kelner, Kothari, Moitra, Potechin, arXiv 1604.03084; Hopkins, Kothari,
Potechin, Raghavendra, Schramm, Steurer, arXiv 1710.05017):

* the **signed-measure form** (:class:`SignedMeasure`): enumerate the prior and reweight it
  by the truncated likelihood ratio :math:`F_D`;
* the **shape form** (:class:`ShapeForm`, :mod:`~sosrmt.calibration.shapes`):
  :math:`\\Lambda = \\sum_\\alpha\\lambda_\\alpha M_\\alpha` over graph-matrix shapes, which
  scales polynomially in :math:`n`.

Either can be wrapped as a :class:`sosrmt.sos.PseudoExpectation`, so every check of the
SoS engine applies unchanged. At degree 4 the moment matrix can also be applied without
being formed (:mod:`~sosrmt.calibration.matrix_free` for the hypercube ring and the Lanczos
solver, :mod:`~sosrmt.calibration.boolean_operator`,
:mod:`~sosrmt.calibration.ternary_operator`); :mod:`~sosrmt.calibration.estimates` refuses
sizes beyond the machine and :mod:`~sosrmt.calibration.phase` locates PSD boundaries.
:mod:`~sosrmt.calibration.fourier` holds the brute-force pseudo-calibration (the
definition, summed term by term) used as a test oracle. The closed forms of :math:`F_D`
and the shape coefficients of each problem live beside the problem in
:mod:`sosrmt.problems`; :mod:`~sosrmt.calibration.reweighting` holds what they share.
"""

from sosrmt.calibration.hermite import (
    gaussian_hermite_moment,
    hermite_e,
    hermite_e_table,
    rademacher_hermite_mean,
    series_multiply,
)
from sosrmt.calibration.matrix_free import (
    LanczosResult,
    StructuredMoments,
    lanczos_min_eigenvalue,
    lanczos_min_eigenvalue_structured,
    lanczos_relative_min,
    moment_operator,
    operator_basis,
    shape_sum_operator,
    structured_operator,
)
from sosrmt.calibration.priors import (
    EnumeratedPrior,
    boolean_sphere,
    sparse_ternary,
    subset_prior,
)
from sosrmt.calibration.reweighting import (
    elementary_symmetric,
    pair_overlap_expectation,
    subset_mobius_weights,
)
from sosrmt.calibration.shapes import (
    BipartiteShapeClass,
    ShapeClass,
    ShapeForm,
    bipartite_shapes,
    canonical_form,
    evaluate_shapes,
)
from sosrmt.calibration.signed_measure import (
    CalibrationReport,
    SignedMeasure,
    relative_min_eigenvalue,
)

__all__ = [
    "BipartiteShapeClass",
    "CalibrationReport",
    "EnumeratedPrior",
    "LanczosResult",
    "ShapeClass",
    "ShapeForm",
    "SignedMeasure",
    "StructuredMoments",
    "bipartite_shapes",
    "boolean_sphere",
    "canonical_form",
    "elementary_symmetric",
    "evaluate_shapes",
    "gaussian_hermite_moment",
    "hermite_e",
    "hermite_e_table",
    "lanczos_min_eigenvalue",
    "lanczos_min_eigenvalue_structured",
    "lanczos_relative_min",
    "moment_operator",
    "operator_basis",
    "pair_overlap_expectation",
    "rademacher_hermite_mean",
    "relative_min_eigenvalue",
    "series_multiply",
    "shape_sum_operator",
    "sparse_ternary",
    "structured_operator",
    "subset_mobius_weights",
    "subset_prior",
]
