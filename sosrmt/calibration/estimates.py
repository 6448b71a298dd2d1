"""Time and memory estimates of the three forms of a degree-4 pseudo-calibration, and the
up-front refusal of a computation that would exceed the machine.

Estimates are operation counts divided by an assumed sustained rate (:data:`FLOPS`, a
shared 2-core machine) and byte counts of the largest arrays. They are meant to refuse
hopeless sizes before any work (an hour instead of ten minutes is refused; a factor two
is not resolved), not to predict run times.

* **signed** (enumerated prior of size :math:`P`, basis of size :math:`r`): the Gram
  matrix :math:`\\Phi^\\top\\mathrm{diag}(w)\\Phi`, :math:`2Pr^2` operations, and the dense
  eigenproblem;
* **shape** (graph matrices with up to :math:`v` vertices): :math:`N_{\\rm shapes}n^{v}`
  operations for the moment tensors, :math:`8n^4` bytes for :math:`y_4`, and the dense
  eigenproblem;
* **dense eigenproblem** (:math:`r\\times r`): :math:`10r^3` operations, three
  :math:`r\\times r` arrays;
* **matrix-free**: per problem (its ``estimate_matrix_free``), one operator application
  times the number a Lanczos solve needs.
"""

from __future__ import annotations

from sosrmt._validation import DEFAULT_MEMORY_LIMIT, check_int

__all__ = ["FLOPS", "dense_eig_estimate", "refuse_if_too_big", "shape_form_estimate",
           "signed_form_estimate"]

#: Sustained operations per second assumed by every estimate.
FLOPS = 2e9


def dense_eig_estimate(basis_size: int) -> tuple[float, float]:
    """``(seconds, bytes)`` of the dense relative eigenproblem on ``basis_size`` monomials.

    Examples
    --------
    >>> s, b = dense_eig_estimate(45151)          # n = 300, degree 4
    >>> s > 3600, round(b / 2**30, 1)
    (True, 45.6)
    """
    r = check_int(basis_size, "basis_size", minimum=1)
    return 10.0 * float(r) ** 3 / FLOPS, 3 * 8.0 * float(r) ** 2


def signed_form_estimate(prior_size: float, basis_size: int) -> tuple[float, float]:
    """``(seconds, bytes)`` of the signed-measure form (Gram matrix over the prior, then the
    dense eigenproblem).

    Examples
    --------
    >>> s, _ = signed_form_estimate(2.0**40, 100)
    >>> s > 3600
    True
    """
    r = check_int(basis_size, "basis_size", minimum=1)
    s, b = dense_eig_estimate(r)
    return s + 2.0 * float(prior_size) * r * r / FLOPS, b + 8.0 * 4096 * r


def shape_form_estimate(n: int, max_vertices: int, nshapes: int,
                        basis_size: int) -> tuple[float, float]:
    """``(seconds, bytes)`` of the shape form (moment tensors from graph matrices, then the
    dense eigenproblem).

    Examples
    --------
    >>> s, b = shape_form_estimate(60, 5, 40, 1891)
    >>> s < 600 and b < 2**30
    True
    """
    n = check_int(n, "n", minimum=1)
    s, b = dense_eig_estimate(basis_size)
    return (s + float(nshapes) * float(n) ** max_vertices / FLOPS,
            b + 2 * 8.0 * float(n) ** 4)


def refuse_if_too_big(seconds: float, nbytes: float, what: str, *,
                      max_seconds: float | None = None,
                      memory_limit: float = DEFAULT_MEMORY_LIMIT, hint: str = "") -> None:
    """Raise ``ValueError`` (one line, with the estimate) when ``nbytes`` exceeds
    ``memory_limit`` or ``seconds`` exceeds ``max_seconds``.

    Examples
    --------
    >>> refuse_if_too_big(10.0, 1e6, "a cell", max_seconds=60)
    >>> try:
    ...     refuse_if_too_big(7200.0, 1e6, "the shape form at n=80", max_seconds=600)
    ... except ValueError as exc:
    ...     print(exc)
    the shape form at n=80 is estimated at 7200 s and 0.00 GiB, above max_seconds=600
    """
    over = []
    if nbytes > memory_limit:
        over.append(f"the memory limit of {memory_limit / 2**30:.2f} GiB")
    if max_seconds is not None and seconds > max_seconds:
        over.append(f"max_seconds={max_seconds:g}")
    if over:
        msg = (f"{what} is estimated at {seconds:.0f} s and {nbytes / 2**30:.2f} GiB, above "
               + " and ".join(over))
        raise ValueError(msg + (f"; {hint}" if hint else ""))
