"""Clarabel (interior point) called directly on the assembled conic data.

The same data as SCS's (:meth:`~sosrmt.sos.relaxation.MomentRelaxation.scs_data`): zero
cone, nonnegative cone, PSD blocks. Clarabel's PSD triangle stores the *upper* triangle
column by column with the same :math:`\\sqrt2` scaling, SCS's svec the lower triangle
column by column, so each block's rows are permuted on the way in and the dual is
permuted back. Without cvxpy in between there is no reformulation of the PSD blocks and no
compilation step, which is what the ``"cvxpy"`` backend pays on relaxations with many
blocks.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import scipy.sparse as sp

from sosrmt.sos.backends.base import EarlyStop, RawSolution, solver_output_to_stderr

if TYPE_CHECKING:
    from sosrmt.sos.relaxation import MomentRelaxation

__all__ = ["ClarabelBackend"]

_STATUS = {
    "Solved": "optimal",
    "AlmostSolved": "optimal_inaccurate",
    "PrimalInfeasible": "infeasible",
    "AlmostPrimalInfeasible": "infeasible",
    "DualInfeasible": "unbounded",
    "AlmostDualInfeasible": "unbounded",
    "MaxIterations": "max_iters",
    "MaxTime": "max_iters",
}


def _triangle_permutation(cone: dict) -> np.ndarray:
    """``perm`` with ``clarabel_rows = scs_rows[perm]`` (zero and nonnegative rows kept)."""
    head = int(cone.get("z", 0)) + int(cone.get("l", 0))
    parts = [np.arange(head)]
    offset = head
    for N in cone.get("s", []):
        # Clarabel's order: column j, then rows i <= j (upper triangle), i.e. the lower
        # entries (row j, column i) in row-major order; their SCS index: the lower columns
        # before i hold sum_{c < i} (N - c) entries, then j - i down column i
        jj, ii = np.tril_indices(N)
        pos = _column_start(N, ii) + (jj - ii)
        parts.append(offset + pos)
        offset += N * (N + 1) // 2
    return np.concatenate(parts)


def _column_start(N: int, col: np.ndarray) -> np.ndarray:
    """First SCS svec index of lower-triangle column ``col`` of an N x N block."""
    return col * N - col * (col - 1) // 2


class ClarabelBackend:
    """Direct Clarabel backend.

    Parameters
    ----------
    relaxation : MomentRelaxation
    eps : float
        Clarabel's ``tol_gap_abs``, ``tol_gap_rel`` and ``tol_feas``.
    verbose : bool
        Clarabel's own output (written to standard error).
    settings : dict
        Any other Clarabel setting (``static_regularization_constant``, ``max_iter``, ...).
    """

    name: ClassVar[str] = "clarabel"

    def __init__(
        self,
        relaxation: MomentRelaxation,
        *,
        eps: float = 1e-8,
        verbose: bool = False,
        **settings: Any,
    ) -> None:
        import clarabel

        if not eps > 0:
            raise ValueError(f"eps: expected a positive tolerance, got {eps!r}")
        t0 = time.perf_counter()
        self._settings = clarabel.DefaultSettings()
        self._settings.verbose = bool(verbose)
        self._settings.tol_gap_abs = self._settings.tol_gap_rel = eps
        self._settings.tol_feas = eps
        for key, value in settings.items():
            if not hasattr(self._settings, key):
                raise ValueError(f"settings: Clarabel has no setting {key!r}")
            setattr(self._settings, key, value)
        data, cone = relaxation.scs_data()
        self._perm = _triangle_permutation(cone)
        self._A = data["A"].tocsr()[self._perm].tocsc()
        self._b = data["b"][self._perm]
        self._c = data["c"]
        self._cones = []
        if cone.get("z", 0):
            self._cones.append(clarabel.ZeroConeT(int(cone["z"])))
        if cone.get("l", 0):
            self._cones.append(clarabel.NonnegativeConeT(int(cone["l"])))
        self._cones += [clarabel.PSDTriangleConeT(int(N)) for N in cone.get("s", [])]
        self.setup_time = time.perf_counter() - t0

    def update_objective(self, relaxation: MomentRelaxation) -> None:
        """Swap in the objective of ``relaxation`` (same structure)."""
        self._c = -relaxation.p[1:]

    def solve(self, early_stop: EarlyStop | None = None) -> RawSolution:
        """Solve (the early-stop callback is not used: an interior point has no chunks)."""
        import clarabel

        t0 = time.perf_counter()
        n = self._A.shape[1]
        with solver_output_to_stderr():
            solver = clarabel.DefaultSolver(
                sp.csc_matrix((n, n)), self._c, self._A, self._b, self._cones, self._settings
            )
            sol = solver.solve()
        raw = str(sol.status)
        status = _STATUS.get(raw, "error")
        ok = status in ("optimal", "optimal_inaccurate")
        z = None
        if ok:
            z = np.empty(self._perm.size)
            z[self._perm] = np.asarray(sol.z)
        return RawSolution(
            status=status,
            x=np.asarray(sol.x) if ok else None,
            z=z,
            iterations=int(sol.iterations),
            solve_time=time.perf_counter() - t0,
            setup_time=self.setup_time,
            info={"status": raw, "pobj": float(sol.obj_val)},
        )
