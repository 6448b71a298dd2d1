"""SCS called directly on the assembled conic data, with its workspace kept.

A new objective on the same structure (a new random instance of the same size) only
changes SCS's ``c`` vector, so :meth:`ScsBackend.update_objective` re-uses the factorised
workspace and the previous solution as a warm start.

2 x 2 blocks are handed to SCS as second-order cones: with svec entries
:math:`s = (a, \\sqrt2 b, c)` of the block with rows :math:`(a, b)` and :math:`(b, c)`, the
orthogonal map :math:`T s = ((a+c)/\\sqrt2, (a-c)/\\sqrt2, \\sqrt2 b)` sends the PSD cone
onto :math:`\\{(t, u): t\\ge\\|u\\|\\}` (:math:`t^2-\\|u\\|^2 = 2(ac-b^2)`), and, being
orthogonal, sends the dual cone onto the dual cone, so SCS's dual is mapped back by
:math:`T^\\top`. A second-order cone projection is a few flops; SCS's PSD projection of a
2 x 2 block costs a LAPACK call (on term-sparse relaxations with thousands of 2 x 2
blocks, a sizeable part of each iteration).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import scipy.sparse as sp
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
    soc_2x2 : bool
        Hand 2 x 2 blocks to SCS as second-order cones (see the module notes).
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
        soc_2x2: bool = True,
        **settings: Any,
    ) -> None:
        if not eps > 0:
            raise ValueError(f"eps: expected a positive tolerance, got {eps!r}")
        self.max_iters = int(max_iters)
        self.chunk = int(min(chunk, max_iters))
        t0 = time.perf_counter()
        data, cone = relaxation.scs_data()
        self._map = _soc_map(relaxation, cone) if soc_2x2 else None
        if self._map is not None:
            P, cone = self._map
            data = {"A": (P @ data["A"]).tocsc(), "b": P @ data["b"], "c": data["c"]}
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

    def _dual(self, y: np.ndarray | None) -> np.ndarray:
        """SCS's dual vector in the relaxation's row layout."""
        y = np.asarray(y)
        if self._map is None or y.ndim == 0:
            return y
        return self._map[0].T @ y

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
            if early_stop is not None and early_stop(sol["x"], self._dual(sol["y"])):
                status, stopped = "optimal", True
                break
            if total >= self.max_iters:
                status = "optimal_inaccurate" if raw == "solved_inaccurate" else "max_iters"
        return RawSolution(
            status=status,
            x=np.asarray(sol.get("x")),
            z=self._dual(sol.get("y")),
            iterations=total,
            solve_time=time.perf_counter() - t0,
            setup_time=self.setup_time,
            stopped_early=stopped,
            info={
                k: info.get(k)
                for k in ("status", "pobj", "dobj", "res_pri", "res_dual", "gap", "iter")
            },
        )


def _soc_map(relaxation: MomentRelaxation, cone: dict) -> tuple[sp.csr_matrix, dict] | None:
    """The orthogonal row map ``P`` (zero and nonnegative rows kept, each 2 x 2 PSD block's
    svec rows sent to a second-order cone, the other PSD blocks after them, in order) and
    the new cone; None when there is no 2 x 2 block."""
    sizes = [int(N) for N in cone.get("s", [])]
    if 2 not in sizes or set(cone) - {"z", "l", "s"}:
        return None
    head = int(cone.get("z", 0)) + int(cone.get("l", 0))
    r = 1.0 / np.sqrt(2.0)
    # svec rows of a 2 x 2 block: (a, sqrt2 b, c) -> ((a+c)/sqrt2, (a-c)/sqrt2, sqrt2 b)
    t_rows = np.array([0, 0, 1, 1, 2])
    t_cols = np.array([0, 2, 0, 2, 1])
    t_vals = np.array([r, r, r, -r, 1.0])
    starts = head + np.concatenate([[0], np.cumsum([N * (N + 1) // 2 for N in sizes])])
    rows, cols, vals = [np.arange(head)], [np.arange(head)], [np.ones(head)]
    new = head
    for N, start in zip(sizes, starts, strict=False):
        if N == 2:
            rows.append(new + t_rows)
            cols.append(start + t_cols)
            vals.append(t_vals)
            new += 3
    for N, start in zip(sizes, starts, strict=False):
        if N != 2:
            n = N * (N + 1) // 2
            rows.append(np.arange(new, new + n))
            cols.append(np.arange(start, start + n))
            vals.append(np.ones(n))
            new += n
    m = relaxation.n_rows
    P = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m, m)
    )
    out = {k: v for k, v in cone.items() if k in ("z", "l")}
    out["q"] = [3] * sizes.count(2)
    out["s"] = [N for N in sizes if N != 2]
    return P, out
