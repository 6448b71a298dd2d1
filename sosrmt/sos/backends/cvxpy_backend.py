"""cvxpy backend: the same conic data handed to any solver cvxpy knows (Clarabel default).

The PSD duals come back as Gram matrices; the free multipliers of equality rows are
recovered by least squares against the coefficient identity, which makes the backend
independent of each solver's sign conventions for equality duals. cvxpy is imported when
the backend is built (it takes about a second), not when :mod:`sosrmt.sos` is imported.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import lsqr

from sosrmt.sos.backends.base import EarlyStop, RawSolution, solver_output_to_stderr

if TYPE_CHECKING:
    from sosrmt.sos.relaxation import MomentRelaxation

__all__ = ["CvxpyBackend"]

# cvxpy's status strings -> ours
_STATUS = {
    "optimal": "optimal",
    "optimal_inaccurate": "optimal_inaccurate",
    "infeasible": "infeasible",
    "infeasible_inaccurate": "infeasible",
    "unbounded": "unbounded",
    "unbounded_inaccurate": "unbounded",
}
_SQRT2 = np.sqrt(2.0)


class CvxpyBackend:
    """Backend through cvxpy.

    Parameters
    ----------
    relaxation : MomentRelaxation
    solver : str, optional
        A cvxpy solver name (default ``"CLARABEL"``; ``"MOSEK"`` if installed, ...).
    eps : float
        Passed as the solver's tolerance where cvxpy knows the option name.
    verbose : bool
        The solver's own output (written to standard error).
    solver_options : dict
        Extra keyword arguments for :meth:`cvxpy.Problem.solve`.
    """

    name: ClassVar[str] = "cvxpy"

    def __init__(
        self,
        relaxation: MomentRelaxation,
        *,
        solver: str | None = None,
        eps: float = 1e-8,
        verbose: bool = False,
        **solver_options: Any,
    ) -> None:
        import cvxpy as cp

        t0 = time.perf_counter()
        self.relaxation = relaxation
        self.solver = (solver or "CLARABEL").upper()
        if self.solver not in cp.installed_solvers():
            raise ValueError(
                f"solver: {self.solver!r} is not installed; cvxpy has {cp.installed_solvers()}"
            )
        self.options = dict(solver_options)
        if self.solver == "CLARABEL":
            self.options.setdefault("tol_gap_abs", eps)
            self.options.setdefault("tol_gap_rel", eps)
            self.options.setdefault("tol_feas", eps)
        elif self.solver == "SCS":
            self.options.setdefault("eps", eps)
        self.verbose = verbose
        data, cone = relaxation.scs_data()
        A, b = data["A"].tocsr(), data["b"]
        self.x = cp.Variable(A.shape[1])
        self.c_param = cp.Parameter(A.shape[1])
        self.c_param.value = data["c"]
        slack = b - A @ self.x
        cons = []
        nz = cone["z"]
        if nz:
            cons.append(slack[:nz] == 0)
        self.psd_constraints = []
        # 1 x 1 blocks (scalar inequalities): one vector constraint on their rows, which
        # form SCS's nonnegative cone (contiguous, right after the equality rows)
        n_scalar = int(cone.get("l", 0))
        self.scalar_constraint = slack[nz : nz + n_scalar] >= 0 if n_scalar else None
        if self.scalar_constraint is not None:
            cons.append(self.scalar_constraint)
        for blk in relaxation.blocks:
            N, rows = blk.size, blk.rows
            if N == 1:
                continue
            ii, jj = blk.ii, blk.jj
            scale = np.where(ii == jj, 1.0, 1.0 / _SQRT2)
            r = np.arange(ii.size)
            # full column-major vec of the block from its svec rows
            S = sp.csr_matrix(
                (
                    np.concatenate([scale, scale[ii != jj]]),
                    (
                        np.concatenate([ii + N * jj, (jj + N * ii)[ii != jj]]),
                        np.concatenate([r, r[ii != jj]]),
                    ),
                ),
                shape=(N * N, ii.size),
            )
            M = cp.reshape(S @ slack[rows], (N, N), order="F")
            con = (M + M.T) / 2 >> 0
            cons.append(con)
            self.psd_constraints.append(con)
        self.problem = cp.Problem(cp.Minimize(self.c_param @ self.x), cons)
        self.setup_time = time.perf_counter() - t0

    def update_objective(self, relaxation: MomentRelaxation) -> None:
        """Swap in a new objective of the same structure."""
        self.relaxation = relaxation
        self.c_param.value = -relaxation.p[1:]

    def solve(self, early_stop: EarlyStop | None = None) -> RawSolution:
        import cvxpy as cp

        t0 = time.perf_counter()
        try:
            with solver_output_to_stderr():
                self.problem.solve(solver=self.solver, verbose=self.verbose, **self.options)
        except cp.error.SolverError as exc:
            return RawSolution(
                status="error",
                x=None,
                z=None,
                solve_time=time.perf_counter() - t0,
                setup_time=self.setup_time,
                info={"message": str(exc)},
            )
        status = _STATUS.get(self.problem.status, "error")
        if status not in ("optimal", "optimal_inaccurate"):
            return RawSolution(
                status=status,
                x=None,
                z=None,
                solve_time=time.perf_counter() - t0,
                setup_time=self.setup_time,
                info={"cvxpy_status": self.problem.status},
            )
        rel = self.relaxation
        z = np.zeros(rel.n_rows)
        if self.scalar_constraint is not None:
            nz, nl = rel.cone["z"], rel.cone["l"]
            z[nz : nz + nl] = np.asarray(self.scalar_constraint.dual_value, dtype=float)
        psd_blocks = [blk for blk in rel.blocks if blk.size > 1]
        for blk, con in zip(psd_blocks, self.psd_constraints, strict=True):
            Z = np.asarray(con.dual_value, dtype=float)
            Z = (Z + Z.T) / 2
            z[blk.rows] = np.where(blk.ii == blk.jj, 1.0, _SQRT2) * Z[blk.ii, blk.jj]
        nz = rel.cone["z"]
        if nz:
            # free multipliers: least squares on the non-constant coefficients of the identity
            F = rel.F.tocsc()
            target = -rel.p[1:] - F[nz:, 1:].T.dot(z[nz:])
            z[:nz] = lsqr(F[:nz, 1:].T, target, atol=1e-14, btol=1e-14, iter_lim=20000)[0]
        stats = self.problem.solver_stats
        return RawSolution(
            status=status,
            x=np.asarray(self.x.value, dtype=float),
            z=z,
            iterations=int(stats.num_iters or 0) if stats else 0,
            solve_time=time.perf_counter() - t0,
            setup_time=self.setup_time,
            info={"cvxpy_status": self.problem.status, "solver": self.solver},
        )
