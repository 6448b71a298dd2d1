"""From planted affine planes to Sherrington–Kirkpatrick.

:mod:`~sosrmt.problems.sk_transfer.reduction`: the reduction (Mohanty–Raghavendra–Xu, arXiv
1911.01411, as used by Ghosh–Jeronimo–Jones–Potechin–Rajendran, arXiv 2009.01874) with the
signed-measure form of the PAP pseudo-calibration, :math:`2^p` points (:func:`transfer`);
:mod:`~sosrmt.problems.sk_transfer.at_scale`: the same reduction with the factored shape
form and matrix-free moment matrices, for :math:`N` in the thousands
(:func:`transfer_at_scale`, the sweep job
``"sosrmt.problems.sk_transfer:transfer_scale_cell"``);
:mod:`~sosrmt.problems.sk_transfer.multilinear`: the same point with the SK constraints
imposed exactly (multilinear reduction), its smallest eigenvalue and the mixture with the
uniform measure that makes it PSD (:func:`exact_constraint_point`, the sweep job
``"sosrmt.problems.sk_transfer:exact_constraint_cell"``);
:mod:`~sosrmt.problems.sk_transfer.scaling`: log-log fits against :math:`N` and the figure.
"""

from sosrmt.problems.sk_transfer.at_scale import (
    BASES,
    ScaleTransferResult,
    choose_p,
    pap_basis,
    sk_min_eigenvalue,
    sk_moment_operator,
    transfer_at_scale,
    transfer_resources,
    transfer_scale_cell,
)
from sosrmt.problems.sk_transfer.multilinear import (
    exact_constraint_cell,
    exact_constraint_point,
    multilinear_memory,
    multilinear_operator,
    signed_exact_constraint_point,
)
from sosrmt.problems.sk_transfer.reduction import (
    TransferResult,
    edge_prediction,
    pap_inputs,
    transfer,
)
from sosrmt.problems.sk_transfer.scaling import plot_transfer_scaling, scaling_fits

__all__ = [
    "BASES",
    "ScaleTransferResult",
    "TransferResult",
    "choose_p",
    "edge_prediction",
    "exact_constraint_cell",
    "exact_constraint_point",
    "multilinear_memory",
    "multilinear_operator",
    "pap_basis",
    "pap_inputs",
    "plot_transfer_scaling",
    "scaling_fits",
    "signed_exact_constraint_point",
    "sk_min_eigenvalue",
    "sk_moment_operator",
    "transfer",
    "transfer_at_scale",
    "transfer_resources",
    "transfer_scale_cell",
]
