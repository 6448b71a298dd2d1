"""The backend contract: the :class:`Backend` protocol and the :class:`RawSolution` it returns.

A backend is one small class per solver interface (as in cvxpy's ``reductions/solvers``):
it is built from a :class:`~sosrmt.sos.relaxation.MomentRelaxation`, can swap in a new
objective of the same structure, and answers :meth:`Backend.solve` with a
:class:`RawSolution` in SCS's layout (primal moments ``x``, conic dual ``z``), so the
certificate and pseudo-expectation code is shared by all backends. The registry of
backends is :data:`sosrmt.sos.backends.BACKENDS`.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from sosrmt.sos.relaxation import MomentRelaxation

__all__ = ["STATUSES", "Backend", "EarlyStop", "RawSolution", "solver_output_to_stderr"]

#: Statuses a backend may report.
STATUSES = ("optimal", "optimal_inaccurate", "infeasible", "unbounded", "max_iters", "error")

#: Callback ``(x, z) -> bool`` a backend may call between iterations; True stops the solve.
EarlyStop = Callable[[np.ndarray, np.ndarray], bool]


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
        Solver iterations.
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

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status: expected one of {STATUSES}, got {self.status!r}")


@runtime_checkable
class Backend(Protocol):
    """What every solver backend provides.

    Attributes
    ----------
    name : str
        The registry name (``solve(..., backend=name)``).
    setup_time : float
        Seconds spent in the constructor (data hand-over, factorisation).

    Notes
    -----
    Constructor: ``Backend(relaxation, **options)``; options it does not know raise a
    ``TypeError``/``ValueError`` naming them. Output written by the solver goes to
    standard error, never to standard output (so ``--json`` output stays parseable).
    A backend that cannot decide reports ``"error"`` or ``"max_iters"``, never a number.
    """

    name: ClassVar[str]
    setup_time: float

    def __init__(self, relaxation: MomentRelaxation, **options: Any) -> None: ...

    def update_objective(self, relaxation: MomentRelaxation) -> None:
        """Swap in the objective of ``relaxation`` (same structure as at construction)."""
        ...

    def solve(self, early_stop: EarlyStop | None = None) -> RawSolution:
        """Solve and return the answer in SCS layout."""
        ...


def _flush_c_stdout() -> None:
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # pragma: no cover - no C runtime handle
        pass


@contextlib.contextmanager
def solver_output_to_stderr() -> Iterator[None]:
    """Send everything written to standard output inside the block to standard error.

    Solvers written in C (SCS, Clarabel's Rust core) print to file descriptor 1, which
    :func:`contextlib.redirect_stdout` does not reach; this points descriptor 1 at
    descriptor 2 for the duration (``os.dup2``), flushing both the Python and the C
    buffers on the way in and out, and also redirects :data:`sys.stdout`.
    """
    sys.stdout.flush()
    _flush_c_stdout()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no descriptor 1 (embedded interpreters)
        with contextlib.redirect_stdout(sys.stderr):
            yield
        return
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        _flush_c_stdout()
        os.dup2(saved, 1)
        os.close(saved)
