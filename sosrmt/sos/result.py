"""The result object of :func:`sosrmt.sos.solve`: everything about one solve."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sosrmt.sos.extraction import Extraction, extract_solutions

if TYPE_CHECKING:
    from sosrmt.sos.certificate import SosCertificate
    from sosrmt.sos.pseudo_expectation import PseudoExpectation
    from sosrmt.sos.relaxation import MomentRelaxation

__all__ = ["SosResult"]


@dataclass
class SosResult:
    """Outcome of an SoS relaxation solve.

    Attributes
    ----------
    status : str
        ``"optimal"``, ``"optimal_inaccurate"``, ``"infeasible"``, ``"unbounded"``,
        ``"max_iters"`` or ``"error"``.
    value : float
        The solver's objective value (NaN unless the status is optimal or
        optimal_inaccurate). It is **not a bound**: a first-order solver stopped at a loose
        tolerance may report a ``value`` on either side of the relaxation's true value
        (at ``eps=0.1``, 10% below the optimum of a maximisation with status
        ``"optimal"`` has been seen). When ``tight``, it is the objective at ``point``.
    bound : float or None
        The rigorous bound from the certificate (upper for max, lower for min), valid despite
        solver inaccuracy; None when no certificate is presented. This is the number to
        report. On a :class:`~sosrmt.sos.Semialgebraic` domain whose ``bound=B`` could not
        be derived from the constraints it is conditional on :math:`B`
        (:attr:`bound_status`).
    pseudo_expectation : PseudoExpectation or None
        The moment side (primal solution).
    certificate : SosCertificate or None
        The SoS side; None unless the status is optimal or optimal_inaccurate.
    tight : bool
        A feasible point attains the bound within ``stats["certified_gap"]``: the optimum
        of the original problem is certified (``point`` is an optimiser).
    point : ndarray or None
        The extracted point (when tight, an optimal point up to the gap).
    timings : dict
        Seconds: ``build``, ``setup``, ``solve``, ``total``.
    stats : dict
        Solver statistics (iterations, residuals, sizes, ...).
    relaxation : MomentRelaxation
    """

    status: str
    value: float
    bound: float | None
    pseudo_expectation: PseudoExpectation | None
    certificate: SosCertificate | None
    tight: bool = False
    point: np.ndarray | None = None
    timings: dict[str, float] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    relaxation: MomentRelaxation | None = field(default=None, repr=False)

    @property
    def bound_status(self) -> str:
        """``"rigorous"``, ``"conditional on |x_i| <= B"`` (unverified user B) or ``"none"``."""
        if self.bound is None:
            return "none"
        dom = None if self.relaxation is None else self.relaxation.domain
        if dom is not None and dom.assumed_bound:
            return f"conditional on |x_i| <= {dom.coordinate_bound:g}"
        return "rigorous"

    def solutions(self, *, rank_tol: float = 1e-5) -> Extraction:
        """All optimal points encoded in the pseudo-expectation (flat-extension test).

        The Henrion--Lasserre extraction of :func:`sosrmt.sos.extract_solutions`, with the
        objective evaluated at each atom. A relaxation whose optimum is attained at several
        points returns all of them when the moment matrix is flat (typically one degree
        above the degree that first gives the optimum value).

        Raises
        ------
        ValueError
            When the result has no pseudo-expectation (the solve failed).
        """
        if self.pseudo_expectation is None or self.relaxation is None:
            raise ValueError(f"result: status {self.status!r} has no pseudo-expectation")
        return extract_solutions(
            self.pseudo_expectation, self.relaxation.objective, rank_tol=rank_tol
        )

    @property
    def ok(self) -> bool:
        """True when the status is optimal (possibly inaccurate) and a certificate exists."""
        return self.status in ("optimal", "optimal_inaccurate") and self.certificate is not None

    def summary(self) -> dict[str, Any]:
        """Plain numbers for tables and JSON."""
        return {
            "status": self.status,
            "value": self.value,
            "bound": self.bound,
            "bound_status": self.bound_status,
            "tight": self.tight,
            "point": None if self.point is None else self.point.tolist(),
            "timings": dict(self.timings),
            "stats": dict(self.stats),
        }

    def __repr__(self) -> str:
        bound = "None" if self.bound is None else f"{self.bound:.8g}"
        if self.bound_status.startswith("conditional"):
            bound += f" ({self.bound_status})"
        return (
            f"SosResult(status={self.status!r}, value={self.value:.8g}, bound={bound}, "
            f"tight={self.tight})"
        )
