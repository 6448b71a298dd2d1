"""One phase-diagram cell of the tensor-PCA pseudo-calibration lower bound (a sweep job),
in any of the three forms, with the up-front time and memory estimate."""

from __future__ import annotations

from math import comb

from sosrmt._validation import as_rng, check_int
from sosrmt.calibration.estimates import (
    refuse_if_too_big,
    shape_form_estimate,
    signed_form_estimate,
)
from sosrmt.problems.protocol import RngLike, matrix_free_cell_row
from sosrmt.problems.tensor_pca.calibration import (
    calibration_report,
    shape_report,
    tensor_pca_shapes,
)
from sosrmt.problems.tensor_pca.matrix_free import matrix_free_report
from sosrmt.problems.tensor_pca.model import _check_lam, _check_nk, sample_null, sample_planted

__all__ = ["estimate_cell", "lowerbound_cell"]


def estimate_cell(n: int, *, trunc: int = 4, k: int = 3, degree: int = 4,
                  form: str = "shape") -> tuple[float, float]:
    """``(seconds, bytes)`` estimated for one instance of the ``"signed"`` or ``"shape"``
    form (:mod:`sosrmt.calibration.estimates`); the matrix-free form is estimated from its
    operators by :func:`matrix_free_report`.

    Examples
    --------
    >>> s, b = estimate_cell(300, trunc=2, form="shape")
    >>> b > 8 * 2**30                       # the dense moment matrix alone is 45 GiB
    True
    """
    n = check_int(n, "n", minimum=1)
    basis = sum(comb(n, j) for j in range(degree // 2 + 1))
    if form == "signed":
        return signed_form_estimate(2.0**n, basis)
    verts = min(max(j + (k * trunc - j) // 2 for j in range(degree + 1)), n)
    nshapes = sum(len(tensor_pca_shapes(j, trunc)) for j in range(degree + 1)) if (
        k == 3 and trunc <= 3) else 100 * trunc
    return shape_form_estimate(n, verts, nshapes, basis)


def lowerbound_cell(*, rng: RngLike, n: int, ratio: float, trunc: int = 4, k: int = 3,
                    degree: int = 4, form: str = "auto",
                    max_seconds: float | None = 3600.0) -> dict[str, float | str | None]:
    """One phase-diagram cell: :math:`\\lambda = \\mathrm{ratio}\\cdot n^{k/4}`, null input and
    planted control; a sweep job (``"sosrmt.problems.tensor_pca:lowerbound_cell"``).

    ``form``: ``"signed"``, ``"shape"`` (dense shape form), ``"matrix-free"`` (the shape
    form as a structured operator, :func:`matrix_free_report`, with Lanczos; degree 4, adds
    ``mu_min_residual`` and ``lanczos_status``) or ``"auto"``. The instances are drawn from
    ``rng`` before anything depends on ``form``, so all forms analyse the same instances for
    the same ``rng``.

    Before any work, a cell whose time or memory estimate (:func:`estimate_cell`, or the
    operator count of the matrix-free form) exceeds ``max_seconds`` or the memory limit is
    refused with a ``ValueError`` that gives the estimate.

    Returns
    -------
    dict
        Results only (no parameter is echoed): ``lam``, ``form_used`` and the null
        diagnostics ``e1``, ``mu_min``, ``residual``, ``objective_ratio``,
        ``negative_mass``, with the planted control's ``planted_e1``, ``planted_mu_min``,
        ``planted_objective_ratio``.

    Examples
    --------
    >>> row = lowerbound_cell(rng=0, n=6, ratio=0.25, trunc=4)
    >>> {"lam", "mu_min", "residual", "objective_ratio", "form_used"} <= set(row)
    True
    >>> "n" in row or "ratio" in row
    False
    """
    gen = as_rng(rng)
    n, k = _check_nk(n, k)
    ratio = _check_lam(ratio)
    trunc = check_int(trunc, "trunc", minimum=1)
    degree = check_int(degree, "degree", minimum=2)
    lam = ratio * n ** (k / 4)
    if form == "auto":
        form = "signed" if n <= 18 else "shape"
    if form not in ("signed", "shape", "matrix-free"):
        raise ValueError(f"form: expected 'auto', 'signed', 'shape' or 'matrix-free', "
                         f"got {form!r}")
    if form in ("shape", "matrix-free") and k != 3:
        raise ValueError(f"k: the {form} form is implemented for k = 3, got k={k}")
    if form == "matrix-free" and degree != 4:
        raise ValueError(f"degree: the matrix-free form is degree 4, got {degree}")
    if form != "matrix-free":
        seconds, nbytes = estimate_cell(n, trunc=trunc, k=k, degree=degree, form=form)
        refuse_if_too_big(2 * seconds, nbytes, f"the {form} form at n={n}, D={trunc}",
                          max_seconds=max_seconds, hint="lower n or use --form matrix-free")
    A = sample_null(n, k, rng=gen)
    Ap, _ = sample_planted(n, k, lam, rng=gen)
    if form == "matrix-free":
        half = None if max_seconds is None else max_seconds / 2
        null_mf = matrix_free_report(A, lam, trunc, max_seconds=half)
        planted_mf = matrix_free_report(Ap, lam, trunc)
        return {"lam": lam, "form_used": form, **matrix_free_cell_row(null_mf, planted_mf)}
    make = calibration_report if form == "signed" else shape_report
    null = make(A, lam, trunc, degree=degree)
    planted = make(Ap, lam, trunc, degree=degree)
    return {"lam": lam, "form_used": form,
            "e1": null.e1, "mu_min": null.mu_min, "residual": null.residual,
            "objective_ratio": null.objective_ratio, "negative_mass": null.negative_mass,
            "planted_e1": planted.e1, "planted_mu_min": planted.mu_min,
            "planted_objective_ratio": planted.objective_ratio}
