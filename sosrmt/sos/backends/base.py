"""The backend contract and the backend registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sosrmt.sos.relaxation import MomentRelaxation

__all__ = ["BACKENDS", "RawSolution", "make_backend"]

#: Statuses a backend may report.
STATUSES = ("optimal", "optimal_inaccurate", "infeasible", "unbounded", "max_iters", "error")


@dataclass
class RawSolution:
    """A solver's answer in SCS layout.

    Attributes
    ----------
    status : str
        One of :data:`STATUSES`.
    x : ndarray or None
        Moments except the constant (``y[1:]``).
    z : ndarray or None
        Conic dual vector (zero-cone rows, then svec of each PSD block).
    iterations : int
    solve_time, setup_time : float
        Seconds.
    stopped_early : bool
        The early-stop callback ended the solve (a certified tight instance).
    info : dict
        Raw solver information.
    """

    status: str
    x: np.ndarray | None
    z: np.ndarray | None
    iterations: int = 0
    solve_time: float = 0.0
    setup_time: float = 0.0
    stopped_early: bool = False
    info: dict[str, Any] = field(default_factory=dict)


EarlyStop = Callable[[np.ndarray, np.ndarray], bool]


def make_backend(name: str, relaxation: MomentRelaxation, **options: Any) -> Any:
    """Instantiate backend ``name`` ("scs" or "cvxpy") for ``relaxation``."""
    if name == "scs":
        from sosrmt.sos.backends.scs_backend import ScsBackend

        return ScsBackend(relaxation, **options)
    if name == "cvxpy":
        from sosrmt.sos.backends.cvxpy_backend import CvxpyBackend

        return CvxpyBackend(relaxation, **options)
    raise ValueError(f"backend: expected one of {BACKENDS}, got {name!r}")


BACKENDS = ("scs", "cvxpy")
