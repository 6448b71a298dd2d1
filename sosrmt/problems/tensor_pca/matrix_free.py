"""Matrix-free degree-4 pseudo-calibration of order-3 tensor PCA: the shape form with
:math:`y_0, y_1, y_2` dense and :math:`y_3, y_4` as sums of graph operators
(:func:`sosrmt.graphs.graph_operator`), the moment operator and Lanczos.

One application costs about :math:`4n^4` operations at :math:`D\\le2` (the shapes whose two
hyperedges share one middle vertex, :math:`\\sum_e Z_{\\cdot\\cdot e}XZ_{\\cdot\\cdot e}`),
after merging the Möbius terms that compute the same contraction.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from sosrmt._validation import check_int, check_memory
from sosrmt.calibration.estimates import refuse_if_too_big
from sosrmt.calibration.matrix_free import (
    StructuredMoments,
    lanczos_min_eigenvalue_structured,
    shape_sum_operator,
)
from sosrmt.problems.tensor_pca.calibration import (
    tensor_pca_coef,
    tensor_pca_inputs,
    tensor_pca_shapes,
)
from sosrmt.problems.tensor_pca.model import _check_lam, _check_tensor

__all__ = ["matrix_free_report", "tensor_pca_structured"]


def tensor_pca_structured(A: npt.ArrayLike, lam: float, trunc: int = 2) -> StructuredMoments:
    """Matrix-free degree-4 moments of the order-3 shape form: :math:`y_0, y_1, y_2` dense
    (:math:`O(n^2)`), :math:`y_3, y_4` as sums of graph operators
    (:func:`sosrmt.graphs.graph_operator`), never forming an :math:`n^3` or :math:`n^4`
    moment tensor.

    Examples
    --------
    >>> from sosrmt.calibration import lanczos_min_eigenvalue, lanczos_min_eigenvalue_structured
    >>> from sosrmt.problems.tensor_pca import sample_null, tensor_pca_shape_form
    >>> A = sample_null(6, 3, rng=0)
    >>> a = lanczos_min_eigenvalue_structured(tensor_pca_structured(A, 0.5, 2)).mu_min
    >>> b = lanczos_min_eigenvalue(tensor_pca_shape_form(A, 0.5, 2)).mu_min
    >>> bool(abs(a - b) < 1e-6)
    True
    """
    A = _check_tensor(A)
    if A.ndim != 3:
        raise ValueError(f"A: expected an order-3 tensor, got order {A.ndim}")
    n = A.shape[0]
    lam = _check_lam(lam)
    trunc = check_int(trunc, "trunc", minimum=1, maximum=4)
    # the graph operators work on vectors of length n^2 and a few n^3 intermediates
    check_memory(8.0 * (4 * n**3 + 16 * n**2), f"the matrix-free moments at n={n}",
                 hint="lower n")
    inputs = tensor_pca_inputs(A)
    coef = tensor_pca_coef(n, lam)
    ops = {}
    for j, left in ((0, 0), (1, 1), (2, 2), (3, 1), (3, 2), (4, 2)):
        # the (1|2) and (2|2) operators only ever see symmetric n x n inputs
        ops[(j, left)] = shape_sum_operator(list(tensor_pca_shapes(j, trunc)), coef, inputs, n,
                                            left, symmetric_input=(j - left == 2))
    one = np.ones(1)
    y0 = float(ops[(0, 0)].matvec(one)[0]) if ops[(0, 0)].terms else 0.0
    y1 = ops[(1, 1)].matvec(one) if ops[(1, 1)].terms else np.zeros(n)
    Y2 = ops[(2, 2)].matvec(one).reshape(n, n) if ops[(2, 2)].terms else np.zeros((n, n))
    sm = StructuredMoments(n=n, square=1.0 / n, y0=y0, y1=y1, Y2=0.5 * (Y2 + Y2.T),
                           y3_1x2=ops[(3, 1)], y3_2x1=ops[(3, 2)], y4_2x2=ops[(4, 2)])
    flops = sum(ops[key].flops_matvec for key in ((3, 1), (3, 2), (4, 2)))
    sm.extra = {"inputs": inputs, "coef": coef, "trunc": trunc, "flops_matvec": flops}
    return sm


#: Operator applications a Lanczos solve is assumed to need, and the sustained rate (FLOP/s)
#: of the graph operators measured on a shared 2-core machine; used for the time estimate.
LANCZOS_MATVECS_ESTIMATE = 40
GRAPH_OPERATOR_FLOPS = 5e9


def matrix_free_report(A: npt.ArrayLike, lam: float, trunc: int = 2, *, tol: float = 1e-8,
                       max_seconds: float | None = None) -> dict[str, float | int | str]:
    """:math:`\\tilde{\\mathbb E}[1]`, :math:`\\mu_{\\min}` by Lanczos with its residual bound
    and status, the dimension, and the objective ratio, from :func:`tensor_pca_structured`
    (the sphere constraint holds exactly by construction). With ``max_seconds``, a solve
    whose estimated time (einsum FLOP count of one application x
    :data:`LANCZOS_MATVECS_ESTIMATE` / :data:`GRAPH_OPERATOR_FLOPS`) exceeds it is refused
    before the solve, with the estimate in the message.

    Examples
    --------
    >>> from sosrmt.problems.tensor_pca import sample_null
    >>> rep = matrix_free_report(sample_null(6, 3, rng=0), 0.5, 2)
    >>> rep["lanczos_status"], rep["dimension"]
    ('converged', 22)
    """
    sm = tensor_pca_structured(A, lam, trunc)
    estimate = sm.extra["flops_matvec"] * LANCZOS_MATVECS_ESTIMATE / GRAPH_OPERATOR_FLOPS
    refuse_if_too_big(estimate, 8.0 * (4 * sm.n**3 + 16 * sm.n**2),
                      f"the matrix-free solve at n={sm.n}", max_seconds=max_seconds,
                      hint="lower n")
    res = lanczos_min_eigenvalue_structured(sm, tol=tol)
    Z3, Z1 = sm.y3_1x2.terms[0][1].inputs.tensors[("n", "n", "n")], None
    n = sm.n
    Z1 = sm.y3_1x2.terms[0][1].inputs.tensors[("n", "o")][:, 0]
    c = math.sqrt(3 * n - 2) / n
    # sum_{a,b,d} Z3[a,b,d] y3[a,b,d]: the (1|2) operator applied to each slice Z3[a]
    y3z = sum(float(sm.y3_1x2.matvec(Z3[a].reshape(-1))[a]) for a in range(n)) \
        if sm.y3_1x2.terms else 0.0
    objective = (math.sqrt(6) * y3z / 6 + c * float(Z1 @ sm.y1)) / sm.e1 if sm.e1 else None
    return {"e1": sm.e1, "mu_min": res.mu_min, "mu_min_residual": res.residual,
            "lanczos_status": res.status, "dimension": res.dimension,
            "matvecs": res.matvecs, "residual": 0.0, "estimated_seconds": estimate,
            "objective_ratio": objective / float(lam) if (objective is not None and lam) else None}
