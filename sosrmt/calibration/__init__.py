"""Pseudo-calibrated pseudo-expectations (spec §1.4–§1.8).

Two exact constructions that agree entry by entry:

* the **signed-measure form** (:class:`SignedMeasure`, :mod:`~sosrmt.calibration.models`):
  enumerate the prior and reweight it by the truncated likelihood ratio :math:`F_D`;
* the **shape form** (:mod:`~sosrmt.calibration.shapes`):
  :math:`\\Lambda = \\sum_\\alpha\\lambda_\\alpha M_\\alpha` over graph-matrix shapes, which
  scales polynomially in :math:`n`.

Either can be wrapped as a :class:`sosrmt.sos.PseudoExpectation`, so every check of the
SoS engine applies unchanged. :mod:`~sosrmt.calibration.fourier` holds the brute-force
pseudo-calibration (the definition, summed term by term) used as a test oracle.
"""

from sosrmt.calibration.hermite import (
    gaussian_hermite_moment,
    hermite_e,
    hermite_e_table,
    rademacher_hermite_mean,
    series_multiply,
)
from sosrmt.calibration.models import (
    dense_subgraph_low_degree_norm,
    dense_subgraph_measure,
    pap_low_degree_norm,
    pap_measure,
    sparse_pca_low_degree_norm,
    sparse_pca_measure,
    subset_mobius_weights,
    tensor_pca_low_degree_norm,
    tensor_pca_measure,
)
from sosrmt.calibration.priors import (
    EnumeratedPrior,
    boolean_sphere,
    sparse_ternary,
    subset_prior,
)
from sosrmt.calibration.shapes import (
    ShapeForm,
    dense_subgraph_shape_form,
    tensor_pca_shape_form,
)
from sosrmt.calibration.signed_measure import (
    CalibrationReport,
    SignedMeasure,
    relative_min_eigenvalue,
)

__all__ = [
    "CalibrationReport",
    "EnumeratedPrior",
    "ShapeForm",
    "SignedMeasure",
    "boolean_sphere",
    "dense_subgraph_low_degree_norm",
    "dense_subgraph_measure",
    "dense_subgraph_shape_form",
    "gaussian_hermite_moment",
    "hermite_e",
    "hermite_e_table",
    "pap_low_degree_norm",
    "pap_measure",
    "rademacher_hermite_mean",
    "relative_min_eigenvalue",
    "series_multiply",
    "sparse_pca_low_degree_norm",
    "sparse_pca_measure",
    "sparse_ternary",
    "subset_mobius_weights",
    "subset_prior",
    "tensor_pca_low_degree_norm",
    "tensor_pca_measure",
    "tensor_pca_shape_form",
]
