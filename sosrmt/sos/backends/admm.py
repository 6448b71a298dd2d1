"""A projection-only ADMM backend on SCS's conic data, with a partial eigensolver.

The relaxation's conic form (:meth:`~sosrmt.sos.relaxation.MomentRelaxation.scs_data`) is
:math:`\\min c^\\top x` subject to :math:`s = b - Ax \\in \\mathcal K`, where
:math:`\\mathcal K` is a zero cone (moment equalities) times PSD blocks in svec layout and
:math:`x` are the moments except the constant. The alternating direction method of
multipliers on the splitting :math:`s = b - Ax` (Boyd, Parikh, Chu, Peleato, Eckstein,
"Distributed optimization and statistical learning via ADMM", Found. Trends Mach. Learn.
3, 2011, section 3; over-relaxation and residual balancing from sections 3.4.1 and 3.4.3):

.. math::

    x &\\leftarrow (A^\\top A)^{-1}\\big(A^\\top(b - s - u) - c/\\rho\\big),\\\\
    h &\\leftarrow \\alpha(b - Ax) + (1-\\alpha)s,\\qquad
    s \\leftarrow \\Pi_{\\mathcal K}(h - u),\\qquad u \\leftarrow u + s - h .

The conic dual is :math:`z = \\rho u`, in SCS's layout, so the certificate and
pseudo-expectation code of the engine applies unchanged. :math:`A^\\top A` does not depend
on :math:`\\rho`: it is factorised once, and on relaxations whose cone entries are single
moments (the moment matrices of the hypercube and the Boolean cube, with or without sign
symmetry, correlative or term sparsity) it is diagonal, so the :math:`x`-step is a weighted
average. The cost of an iteration is then the projection onto the PSD blocks: one
eigendecomposition per block, or, once the positive (or negative) part of a block has low
rank, its few eigenpairs by LOBPCG (Knyazev, SIAM J. Sci. Comput. 23, 2001) warm-started
from the previous iteration's, checked by their residuals and replaced by a full
eigendecomposition where they fail.

Besides the dual certificate, :func:`primal_bound` certifies the relaxation's value from
the primal side when the constant moment vector :math:`e_0` (the uniform measure on the
hypercube) is strictly feasible. (One module of about 500 lines: the backend, its PSD-block
projector and that certificate share the cone layout.)
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from threadpoolctl import threadpool_limits

from sosrmt.sos.backends.anderson import AndersonMixer
from sosrmt.sos.backends.base import EarlyStop, RawSolution

if TYPE_CHECKING:
    from sosrmt.sos.relaxation import MomentRelaxation

__all__ = ["AdmmBackend", "primal_bound"]

_SQRT2 = math.sqrt(2.0)
_EPS = float(np.finfo(float).eps)
EIG_MODES = ("auto", "full", "partial")


class _PsdBlock:
    """One PSD block of the cone: svec <-> dense conversion and the projection onto PSD."""

    def __init__(self, size: int, start: int, mode: str, fraction: float) -> None:
        self.N = size
        self.rows = slice(start, start + size * (size + 1) // 2)
        jj, ii = np.triu_indices(size)  # SCS's svec order: lower triangle column by column
        self.lower = ii * size + jj
        self.upper = jj * size + ii
        self.off = ii != jj
        self.mode, self.fraction = mode, fraction
        self.side = 0  # +1: keep the positive part's eigenvectors, -1: the negative part's
        self.rank = size
        self.U: np.ndarray | None = None
        self.full = self.partial = 0
        self.since_full = 0
        self.single = False
        self.refresh = 50  # partial steps between full eigendecompositions (rank check)

    def matrix(self, v: np.ndarray) -> np.ndarray:
        vals = v.copy()
        vals[self.off] /= _SQRT2
        M = np.empty(self.N * self.N)
        M[self.lower] = vals
        M[self.upper] = vals
        return M.reshape(self.N, self.N)

    def svec(self, M: np.ndarray) -> np.ndarray:
        out = M.reshape(-1)[self.lower]  # a copy (fancy indexing)
        out[self.off] *= _SQRT2
        return out

    def project(self, v: np.ndarray) -> np.ndarray:
        """svec of the projection of the block ``v`` (svec) onto the PSD cone."""
        M = self.matrix(v)
        if self.mode != "full" and self.side and self.N >= 200:
            P = self._partial(M)
            if P is not None:
                self.partial += 1
                return self.svec(P)
        self.full += 1
        self.since_full = 0
        # single precision while the iterates are far from converged (1.75 times faster
        # at size 2017, one thread; its error, ~1e-7 of the norm, is far below the residuals)
        Mw = M.astype(np.float32) if self.single else M
        w, U = scipy.linalg.eigh(Mw, overwrite_a=self.single, check_finite=False, driver="evd")
        pos = w > 0
        npos = int(pos.sum())
        if npos <= self.N - npos:  # rebuild from the smaller side
            P = ((U[:, pos] * w[pos]) @ U[:, pos].T).astype(float)
        else:
            P = M - ((U[:, ~pos] * w[~pos]) @ U[:, ~pos].T).astype(float)
        U = U.astype(float)
        if npos <= self.N - npos:
            self.side, self.rank, self.U = 1, npos, U[:, pos][:, ::-1]
        else:
            self.side, self.rank, self.U = -1, self.N - npos, U[:, ~pos]
        return self.svec(P)

    def _partial(self, M: np.ndarray) -> np.ndarray | None:
        """The low-rank side by a warm-started block Krylov Rayleigh--Ritz step; None where
        its answer cannot be trusted (the rank grew, or residuals too large).

        Hand-written rather than scipy's ``lobpcg``: LOBPCG insists on converging every
        vector of its block, including the padding vectors in the negative bulk, and spent
        40 iterations (~90 ms at size 121) where one Krylov step from the previous
        eigenvectors suffices; here only the positive Ritz pairs are checked.
        """
        if self.since_full >= self.refresh:
            return None
        k = self.rank + max(4, self.rank // 4)
        if k > self.fraction * self.N:
            return None
        S = M if self.side > 0 else -M
        X = np.random.default_rng(self.since_full).standard_normal((self.N, k))
        if self.U is not None and self.U.shape[1]:
            m = min(self.U.shape[1], k)
            X[:, :m] = self.U[:, :m]
        scale = max(float(np.abs(M).max()), 1e-300) * self.N
        for _ in range(3):
            SX = S @ X
            Q, _r = np.linalg.qr(np.hstack([X, SX]))
            SQ = S @ Q
            T = Q.T @ SQ
            w, Y = np.linalg.eigh((T + T.T) / 2)
            order = np.argsort(w)[::-1][:k]
            w, V, SV = w[order], Q @ Y[:, order], SQ @ Y[:, order]
            keep = w > 0
            r = int(keep.sum())
            if r >= k:  # the positive part may be larger than the subspace
                return None
            res = np.linalg.norm(SV[:, keep] - V[:, keep] * w[keep], axis=0)
            if not r or res.max() <= 1e-9 * scale:
                break
            X = V
        else:
            return None
        self.rank, self.since_full = r, self.since_full + 1
        self.U = V[:, : max(r, 1)]
        Vk = V[:, keep]
        Pside = (Vk * w[keep]) @ Vk.T
        return Pside if self.side > 0 else M + Pside


def primal_bound(relaxation: Any, x: np.ndarray) -> float | None:
    """A certified bound on the relaxation's optimum from primal moments ``x`` (``y[1:]``).

    For a maximisation the value returned is a lower bound on the relaxation's value
    (on :math:`\\mathrm{SOS}_d`), for a minimisation an upper bound; None where the
    construction does not apply (moment equalities, or :math:`e_0` not strictly feasible).

    Notes
    -----
    The moments :math:`y = (1, x)` satisfy every linear constraint exactly by construction
    (the cone entries :math:`s = b - Ax` are read off :math:`y`); only PSD can fail. With
    :math:`e = \\max(0, -\\min_b\\lambda_{\\min}(S_b))` and
    :math:`\\beta = \\min_b \\lambda_{\\min}(B_b) > 0` for the blocks :math:`B_b` of
    :math:`b` (the moment matrices of :math:`e_0`; on the hypercube the identity, the
    moments of the uniform measure), the mixture :math:`y' = (1-t)y + te_0` has blocks
    :math:`(1-t)S_b + tB_b \\succeq 0` for :math:`t = e/(e+\\beta)`, so it is feasible and

    .. math:: \\mathrm{SOS} \\ge (1-t)\\,p^\\top y + t\\,p_0 .

    Eigenvalues are moved by the eigensolver's backward error
    :math:`4N\\varepsilon\\|S\\|_F` (down for :math:`S_b`, and for :math:`B_b`), and
    :math:`p^\\top y` by the rounding error of its evaluation, so the bound is rigorous.

    Examples
    --------
    >>> from sosrmt.poly import Polynomial
    >>> from sosrmt.sos import Hypercube, MomentRelaxation
    >>> rel = MomentRelaxation(Polynomial.quadratic_form([[0, 1], [1, 0]]), Hypercube(2), 2)
    >>> x = np.zeros(rel.moment_keys.size - 1)       # the uniform measure: value 0
    >>> primal_bound(rel, x)
    0.0
    """
    data, cone = relaxation.scs_data()
    if cone.get("z", 0):
        return None
    A, b = data["A"], data["b"]
    x = np.asarray(x, dtype=float)
    if x.shape != (A.shape[1],) or not np.all(np.isfinite(x)):
        raise ValueError(f"x: expected {A.shape[1]} finite moments, got shape {x.shape}")
    s = b - A @ x
    nl = int(cone.get("l", 0))
    # the nonnegative rows are 1 x 1 blocks (their entries are exact: no eigensolver)
    e = max(0.0, -float(s[:nl].min(initial=0.0)))
    beta = float(b[:nl].min(initial=math.inf))
    start = nl
    for N in cone.get("s", []):
        blk = _PsdBlock(N, start, "full", 0.0)
        start = blk.rows.stop
        for vec, is_ref in ((s[blk.rows], False), (b[blk.rows], True)):
            M = blk.matrix(vec)
            err = 4 * N * _EPS * float(np.linalg.norm(M))
            lam = float(scipy.linalg.eigh(M, eigvals_only=True, subset_by_index=[0, 0],
                                          check_finite=False)[0]) - err
            if is_ref:
                beta = min(beta, lam)
            else:
                e = max(e, -lam)
    if not beta > 0:
        return None
    p = relaxation.p
    terms = np.concatenate([[p[0]], p[1:] * x])
    value = math.fsum(terms.tolist())
    # each product is rounded once (relative eps), fsum once more
    value -= _EPS * (float(np.abs(terms).sum()) + abs(value))
    t = 0.0 if e == 0 else min(1.0, e / (e + beta) * (1 + 4 * _EPS))
    low = (1 - t) * value + t * float(p[0])
    low -= 4 * _EPS * (abs(value) + abs(float(p[0])))
    sense = getattr(relaxation, "sense", "max")
    return float(low if sense == "max" else -low)


class AdmmBackend:
    """Projection-only ADMM on the conic data (see the module notes).

    Parameters
    ----------
    relaxation : MomentRelaxation
    eps : float
        Relative tolerance of the primal residual, dual residual and duality gap (infinity
        norms, each relative to the largest of its terms, as SCS does).
    eps_inaccurate : float
        When the iterations or the time run out, residuals and gap below this give status
        ``"optimal_inaccurate"`` (the certificate is judged by its rigorous bound anyway);
        above it, ``"max_iters"``.
    max_iters : int
    time_limit : float, optional
        Seconds; the solve stops after the iteration that exceeds it.
    rho : float, optional
        Initial penalty; default from the data's scale. Adapted by residual balancing
        every ``check_every`` iterations unless ``adapt_rho`` is False.
    alpha : float
        Over-relaxation in (0, 2).
    check_every : int
        Iterations between convergence checks (and early-stop checks).
    eig : {"auto", "full", "partial"}
        ``"full"``: a dense eigendecomposition per block per iteration; ``"auto"`` (or
        ``"partial"``): LOBPCG on the low-rank side once it has rank below ``fraction``
        of the block, a dense eigendecomposition where LOBPCG's answer fails its checks.
    fraction : float
        Largest rank, relative to the block size, handed to LOBPCG.
    warm_start : tuple of (x, z), optional
        Initial moments (``y[1:]``) and conic dual, in SCS layout.
    threads : int or None
        BLAS threads during the solve (None: leave the setting alone). Default 1: on two
        shared cores, two threads made the eigendecompositions 10 to 40 times slower
        (measured at block sizes 121 and 781 under a load of 10); on an idle machine more
        threads speed up large blocks.
    single_until : float or None
        Dense eigendecompositions in single precision while the largest relative residual
        exceeds this (None: always double). The certificates are computed in double
        precision whatever the iterates were.
    early_stop_tol : float
        The early-stop callback (a feasible point attaining the certified bound) is tried
        only once the largest relative residual is below this, the moment blocks' iterates
        have rank at most 2, and then at doubling intervals (each try costs
        eigendecompositions). The moments returned after an early stop are as accurate as
        this tolerance.
    verbose : bool
        One line per check on standard error.
    """

    name: ClassVar[str] = "admm"

    def __init__(
        self,
        relaxation: MomentRelaxation,
        *,
        eps: float = 1e-8,
        eps_inaccurate: float = 1e-4,
        max_iters: int = 10_000,
        time_limit: float | None = None,
        rho: float | None = None,
        alpha: float = 1.6,
        adapt_rho: bool = True,
        check_every: int = 20,
        eig: str = "auto",
        fraction: float = 0.1,
        warm_start: tuple[np.ndarray, np.ndarray] | None = None,
        threads: int | None = 1,
        single_until: float | None = 1e-2,
        early_stop_tol: float = 1e-3,
        early_stop_rank: int | None = 2,
        anderson: int = 10,
        verbose: bool = False,
    ) -> None:
        if not eps > 0 or not eps_inaccurate > 0:
            raise ValueError(f"eps: expected positive tolerances, got {eps!r}, {eps_inaccurate!r}")
        if not 0 < alpha < 2:
            raise ValueError(f"alpha: expected a relaxation parameter in (0, 2), got {alpha!r}")
        if eig not in EIG_MODES:
            raise ValueError(f"eig: expected one of {EIG_MODES}, got {eig!r}")
        if rho is not None and not rho > 0:
            raise ValueError(f"rho: expected a positive penalty, got {rho!r}")
        if time_limit is not None and not time_limit > 0:
            raise ValueError(f"time_limit: expected positive seconds, got {time_limit!r}")
        if threads is not None and (isinstance(threads, bool) or int(threads) < 1):
            raise ValueError(f"threads: expected a positive integer or None, got {threads!r}")
        self.threads = None if threads is None else int(threads)
        self.single_until = None if single_until is None else float(single_until)
        self.early_stop_tol = float(early_stop_tol)
        if early_stop_rank is not None:
            early_stop_rank = int(early_stop_rank)
        self.early_stop_rank = early_stop_rank
        if isinstance(anderson, bool) or int(anderson) < 0:
            raise ValueError(f"anderson: expected a nonnegative memory, got {anderson!r}")
        self.anderson = int(anderson)
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction: expected a number in (0, 1], got {fraction!r}")
        t0 = time.perf_counter()
        self.eps, self.eps_inaccurate = float(eps), float(eps_inaccurate)
        self.max_iters = max(1, int(max_iters))
        self.time_limit = time_limit
        self.alpha, self.adapt_rho = float(alpha), bool(adapt_rho)
        self.check_every = max(1, int(check_every))
        self.verbose = bool(verbose)
        self.relaxation = relaxation
        data, cone = relaxation.scs_data()
        self.A = sp.csc_matrix(data["A"])
        self.AT = self.A.T.tocsr()
        self.b = np.asarray(data["b"], dtype=float)
        self.c = np.asarray(data["c"], dtype=float)
        self.n_zero = int(cone.get("z", 0))
        self.nonneg = slice(self.n_zero, self.n_zero + int(cone.get("l", 0)))
        self.blocks: list[_PsdBlock] = []
        start = self.nonneg.stop
        for N in cone.get("s", []):
            self.blocks.append(_PsdBlock(int(N), start, eig, float(fraction)))
            start = self.blocks[-1].rows.stop
        for blk in self.blocks:  # far from converged at the start
            blk.single = self.single_until is not None
        if start != self.A.shape[0] or set(cone) - {"z", "l", "s"}:
            raise ValueError(
                "relaxation: the admm backend handles zero, nonnegative and PSD cones only"
            )
        AtA = (self.AT @ self.A).tocsr()
        diag = AtA.diagonal()
        if AtA.nnz == np.count_nonzero(diag) and np.all(diag > 0):
            self._inv_diag: np.ndarray | None = 1.0 / diag
            self._lu = None
        else:  # rows mixing moments (localizing matrices, equalities): one factorisation
            self._inv_diag = None
            reg = 1e-12 * max(float(diag.max(initial=0.0)), 1.0)
            self._lu = spla.splu((AtA + reg * sp.identity(AtA.shape[0])).tocsc())
        m = self.A.shape[1]
        self.x = np.zeros(m)
        self.s = self._project(self.b.copy())
        self.u = np.zeros(self.A.shape[0])
        nb, nc = np.linalg.norm(self.b), np.linalg.norm(self.c)
        self.rho = float(rho) if rho is not None else max(nc, 1e-3) / max(nb, 1.0) ** 2 / 4
        if warm_start is not None:
            wx, wz = (np.asarray(v, dtype=float) for v in warm_start)
            if wx.shape != (m,) or wz.shape != (self.A.shape[0],):
                raise ValueError(
                    f"warm_start: expected moments of shape ({m},) and a dual of shape "
                    f"({self.A.shape[0]},), got {wx.shape} and {wz.shape}"
                )
            self.x = wx
            self.s = self._project(self.b - self.A @ wx)
            self.u = wz / self.rho
        self.setup_time = time.perf_counter() - t0

    # ------------------------------------------------------------------ steps
    def _solve_x(self, rhs: np.ndarray) -> np.ndarray:
        if self._inv_diag is not None:
            return rhs * self._inv_diag
        return self._lu.solve(rhs)

    def _project(self, v: np.ndarray) -> np.ndarray:
        out = np.empty_like(v)
        out[: self.n_zero] = 0.0
        out[self.nonneg] = np.maximum(v[self.nonneg], 0.0)
        for blk in self.blocks:
            out[blk.rows] = blk.project(v[blk.rows])
        return out

    def update_objective(self, relaxation: MomentRelaxation) -> None:
        """Swap in the objective of ``relaxation`` (same structure); iterates are kept warm."""
        self.relaxation = relaxation
        self.c = -np.asarray(relaxation.p[1:], dtype=float)

    def _measures(self, x: np.ndarray, s: np.ndarray) -> dict[str, float]:
        z = self.rho * self.u
        Ax = self.A @ x
        ATz = self.AT @ z
        inf = lambda v: float(np.abs(v).max(initial=0.0))  # noqa: E731
        pobj, dobj = float(self.c @ x), float(-self.b @ z)
        res_pri = inf(Ax + s - self.b) / max(1.0, inf(Ax), inf(s), inf(self.b))
        res_dual = inf(ATz + self.c) / max(1.0, inf(ATz), inf(self.c))
        gap = abs(pobj - dobj) / max(1.0, abs(pobj), abs(dobj))
        return {"pobj": pobj, "dobj": dobj, "res_pri": res_pri, "res_dual": res_dual, "gap": gap}

    def solve(self, early_stop: EarlyStop | None = None) -> RawSolution:
        """Iterate until the residuals and gap are below ``eps``, stopped early, or out of
        iterations or time; then certify the primal side (:func:`primal_bound`)."""
        if self.threads is None:
            return self._solve(early_stop)
        with threadpool_limits(self.threads):
            return self._solve(early_stop)

    def _solve(self, early_stop: EarlyStop | None) -> RawSolution:
        t0 = time.perf_counter()
        A, AT, b, alpha = self.A, self.AT, self.b, self.alpha
        x, s, u = self.x, self.s, self.u
        status, stopped, it = "max_iters", False, 0
        meas: dict[str, float] = {}
        next_stop = self.check_every
        ns = s.size
        mixer = AndersonMixer(self.anderson) if self.anderson else None
        s_next = u_next = None
        stop_calls, stop_seconds = 0, 0.0
        try:
            for it in range(1, self.max_iters + 1):
                x = self._solve_x(AT @ (b - s - u) - self.c / self.rho)
                bAx = b - A @ x
                h = alpha * bAx + (1 - alpha) * s
                s_new = self._project(h - u)
                u_new = u + s_new - h
                s_old = s
                if mixer is not None:  # the next state; the checks below use the plain step
                    w = mixer.step(np.concatenate([s, u]), np.concatenate([s_new, u_new]))
                    s_next, u_next = w[:ns], w[ns:]
                s, u = s_new, u_new
                last = it == self.max_iters or (
                    self.time_limit is not None and time.perf_counter() - t0 > self.time_limit
                )
                if it % self.check_every and not last:
                    if mixer is not None:
                        s, u = s_next, u_next
                    continue
                self.u = u
                meas = self._measures(x, s)
                if self.verbose:
                    import sys

                    ranks = [blk.rank for blk in self.blocks]
                    print(f"admm it={it} rho={self.rho:.3g} pobj={meas['pobj']:.6g} "
                          f"dobj={meas['dobj']:.6g} res_pri={meas['res_pri']:.2e} "
                          f"res_dual={meas['res_dual']:.2e} gap={meas['gap']:.2e} "
                          f"ranks={ranks} t={time.perf_counter() - t0:.1f}s", file=sys.stderr)
                worst = max(meas["res_pri"], meas["res_dual"], meas["gap"])
                for blk in self.blocks:
                    blk.single = self.single_until is not None and worst > self.single_until
                if worst <= self.eps:
                    status = "optimal"
                    break
                if (early_stop is not None and it >= next_stop and worst < self.early_stop_tol
                        and (self.early_stop_rank is None
                             or all(blk.rank <= self.early_stop_rank
                                    for blk in self.blocks if blk.side > 0))):
                    t_stop = time.perf_counter()
                    found = early_stop(x, self.rho * u)
                    stop_calls += 1
                    stop_seconds += time.perf_counter() - t_stop
                    if found:
                        status, stopped = "optimal", True
                        break
                    next_stop = 2 * it  # back off: a failed check costs eigendecompositions
                if last:
                    status = "optimal_inaccurate" if worst <= self.eps_inaccurate else "max_iters"
                    break
                factor = 1.0
                if self.adapt_rho:
                    # residual balancing on the scaled residuals (Boyd et al., 3.4.1)
                    rp = meas["res_pri"]
                    rd = max(float(np.abs(AT @ (s - s_old)).max(initial=0.0)) * self.rho
                             / max(1.0, float(np.abs(self.c).max(initial=0.0))), 1e-300)
                    factor = 2.0 if rp > 50 * rd else 0.5 if rd > 50 * rp else 1.0
                if factor != 1.0:
                    self.rho *= factor
                    u = u / factor
                    if mixer is not None:  # a new map: the history no longer applies
                        mixer.reset()
                elif mixer is not None:
                    s, u = s_next, u_next
        except np.linalg.LinAlgError as exc:  # pragma: no cover - eigensolver breakdown
            status, meas = "error", {**meas, "message": str(exc)}
        self.x, self.s, self.u = x, s, u
        z = self.rho * u
        info: dict[str, Any] = {
            "status": status,
            "iter": it,
            "rho": self.rho,
            "eig_full": sum(blk.full for blk in self.blocks),
            "eig_partial": sum(blk.partial for blk in self.blocks),
            "ranks": [blk.rank if blk.side > 0 else blk.N - blk.rank for blk in self.blocks],
            "early_stop_calls": stop_calls,
            "early_stop_seconds": stop_seconds,
            "anderson_accepted": 0 if mixer is None else mixer.accepted,
            "anderson_rejected": 0 if mixer is None else mixer.rejected,
            **meas,
        }
        x_out = x
        if status in ("optimal", "optimal_inaccurate") and not stopped:
            info["primal_bound"], x_out = self._best_primal(x, s, info)
        return RawSolution(
            status=status,
            x=x_out,
            z=z,
            iterations=it,
            solve_time=time.perf_counter() - t0,
            setup_time=self.setup_time,
            stopped_early=stopped,
            info=info,
        )

    def _best_primal(
        self, x: np.ndarray, s: np.ndarray, info: dict[str, Any]
    ) -> tuple[float | None, np.ndarray]:
        """:func:`primal_bound` of the iterate and of the moments nearest the PSD iterate ``s``:
        the better bound and its moments."""
        if self.n_zero:
            return None, x
        x_hat = self._solve_x(self.AT @ (self.b - s))  # least squares: b - A x_hat ~ s
        best, best_x = None, x
        sense = getattr(self.relaxation, "sense", "max")
        for cand in (x, x_hat):
            val = primal_bound(self.relaxation, cand)
            if val is None:
                continue
            better = best is None or (val > best if sense == "max" else val < best)
            if better:
                best, best_x = val, cand
        info["primal_from"] = "iterate" if best_x is x else "projected"
        return best, best_x
