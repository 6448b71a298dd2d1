"""SCS called directly on the assembled conic data, with its workspace kept.

A new objective on the same structure (a new random instance of the same size) only
changes SCS's ``c`` vector, so :meth:`ScsBackend.update_objective` re-uses the factorised
workspace and the previous solution as a warm start.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import scs

from sosrmt.sos.backends.base import EarlyStop, RawSolution, solver_output_to_stderr

if TYPE_CHECKING:
    from sosrmt.sos.relaxation import MomentRelaxation

__all__ = ["ScsBackend"]

_STATUS = {
    "solved": "optimal",
    "solved_inaccurate": "optimal_inaccurate",
    "infeasible": "infeasible",
    "infeasible_inaccurate": "infeasible",
    "unbounded": "unbounded",
    "unbounded_inaccurate": "unbounded",
}


class ScsBackend:
    """Direct SCS backend.

    Parameters
    ----------
    relaxation : MomentRelaxation
    eps : float
        SCS's ``eps_abs`` and ``eps_rel``.
    max_iters : int
        Total iteration budget.
    chunk : int
        Iterations between early-stop checks (the solve is resumed warm after each).
    verbose : bool
        SCS's own output (written to standard error, as are SCS's error messages).
    settings : dict
        Any other SCS setting (``acceleration_lookback``, ``scale``, ...).
    """

    name: ClassVar[str] = "scs"

    def __init__(
        self,
        relaxation: MomentRelaxation,
        *,
        eps: float = 1e-7,
        max_iters: int = 200_000,
        chunk: int = 400,
        verbose: bool = False,
        **settings: Any,
    ) -> None:
        if not eps > 0:
            raise ValueError(f"eps: expected a positive tolerance, got {eps!r}")
        self.max_iters = int(max_iters)
        self.chunk = int(min(chunk, max_iters))
        t0 = time.perf_counter()
        data, cone = relaxation.scs_data()
        with solver_output_to_stderr():
            self._solver = scs.SCS(
                data,
                cone,
                eps_abs=eps,
                eps_rel=eps,
                max_iters=self.chunk,
                verbose=verbose,
                **settings,
            )
        self.setup_time = time.perf_counter() - t0
        self._solved_once = False

    def update_objective(self, relaxation: MomentRelaxation) -> None:
        """Swap in the objective of ``relaxation`` (same structure), keeping the workspace."""
        self._solver.update(c=-relaxation.p[1:])

    def solve(self, early_stop: EarlyStop | None = None) -> RawSolution:
        """Run SCS in chunks until solved, stopped early, or out of iterations."""
        t0 = time.perf_counter()
        total = 0
        status = "max_iters"
        info: dict[str, Any] = {}
        sol: dict[str, Any] = {}
        stopped = False
        while total < self.max_iters:
            with solver_output_to_stderr():
                sol = self._solver.solve(warm_start=self._solved_once)
            self._solved_once = True
            info = sol["info"]
            total += int(info["iter"])
            raw = info["status"]
            if raw == "solved":
                status = "optimal"
                break
            if raw in ("infeasible", "unbounded", "infeasible_inaccurate", "unbounded_inaccurate"):
                status = _STATUS[raw]
                break
            if raw not in ("solved_inaccurate", "unfinished") and not raw.startswith("solved"):
                status = "error"
                break
            if early_stop is not None and early_stop(sol["x"], sol["y"]):
                status, stopped = "optimal", True
                break
            if total >= self.max_iters:
                status = "optimal_inaccurate" if raw == "solved_inaccurate" else "max_iters"
        return RawSolution(
            status=status,
            x=np.asarray(sol.get("x")),
            z=np.asarray(sol.get("y")),
            iterations=total,
            solve_time=time.perf_counter() - t0,
            setup_time=self.setup_time,
            stopped_early=stopped,
            info={
                k: info.get(k)
                for k in ("status", "pobj", "dobj", "res_pri", "res_dual", "gap", "iter")
            },
        )
