"""Solver backends: one small class per solver interface (as cvxpy does).

Each backend is built from a :class:`~sosrmt.sos.relaxation.MomentRelaxation` and returns
a :class:`RawSolution` in SCS's layout (primal moments ``x``, conic dual ``z``), so the
certificate and pseudo-expectation code is shared by all of them.
"""

from sosrmt.sos.backends.base import RawSolution, make_backend

__all__ = ["RawSolution", "make_backend"]
