"""Degree-4 SoS for SK beyond brute force: both sides of SOS_4 certified, by ADMM.

:func:`sos4_bounds` solves the sign-symmetric degree-4 relaxation of one instance with the
engine's projection-only ADMM backend (:class:`sosrmt.sos.backends.AdmmBackend`) with
Anderson acceleration, from a cold start, trying the best cut found (many-restart local
search from Burer--Monteiro roundings) as the optimiser at each check, and returns two
numbers that do not depend on the solver's accuracy:

* ``upper``: a rigorous upper bound on :math:`\\mathrm{SOS}_4` (hence on OPT), the
  engine's :meth:`~sosrmt.sos.SosCertificate.rigorous_bound` of the dual point, after
  alternating-projection polishing where that lowers it;
* ``lower``: a certified lower bound on :math:`\\mathrm{SOS}_4`, from the primal moments
  mixed with the uniform measure (:func:`sosrmt.sos.backends.admm.primal_bound`); on a
  certified tight instance the optimum itself.

``lower > best_found`` certifies that degree 4 does not certify the best cut known
(:attr:`Sos4Bounds.certified_gap`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sosrmt._validation import check_int
from sosrmt.problems.sk.bounds import _burer_monteiro
from sosrmt.problems.sk.heuristic import _best_cut
from sosrmt.problems.sk.instance import SeedLike, _objective, validate_coupling
from sosrmt.problems.sk.resources import check_resources, estimate_resources
from sosrmt.sos import Hypercube, MomentRelaxation, RelaxationSolver, SosCertificate
from sosrmt.sos.backends.admm import primal_bound

__all__ = ["Sos4Bounds", "sos4_bounds"]


@dataclass
class Sos4Bounds:
    """Both certified sides of the degree-4 SoS value of one SK instance.

    Attributes
    ----------
    n : int
    status : str
        The ADMM status (``"optimal"``, ``"optimal_inaccurate"``, ``"max_iters"``, ...):
        how far the solver got. ``upper`` and ``lower`` are certified whatever it is.
    upper : float or None
        Rigorous upper bound on SOS_4 (and on OPT).
    lower : float or None
        Certified lower bound on SOS_4.
    value : float
        The solver's primal value :math:`p^\\top y` (not a bound).
    best_found : float
        The best cut found (a lower bound on OPT, never OPT), ``cut`` its signs.
    tight : bool
        A cut attains ``upper`` within the solver's gap tolerance: OPT is certified.
    iterations : int
    seconds : dict
        ``best_found``, ``setup``, ``solve``, ``polish``, ``total``.
    info : dict
        Solver details (residuals, penalty, eigendecompositions full and partial).
    """

    n: int
    status: str
    upper: float | None
    lower: float | None
    value: float
    best_found: float
    cut: np.ndarray = field(repr=False)
    tight: bool = False
    iterations: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def certified_gap(self) -> float | None:
        """``(lower - best_found) / best_found``: positive when SOS_4 provably exceeds the
        best cut found (degree 4 does not certify it); None without a lower bound."""
        if self.lower is None:
            return None
        return (self.lower - self.best_found) / abs(self.best_found)

    def as_dict(self) -> dict[str, Any]:
        """A flat, JSON-ready dict (the cut as a list of signs)."""
        out = {k: getattr(self, k) for k in ("n", "status", "upper", "lower", "value",
                                             "best_found", "tight", "iterations")}
        out["certified_gap"] = self.certified_gap
        out["cut"] = [int(v) for v in self.cut]
        out["seconds"] = dict(self.seconds)
        out.update({f"solver_{k}": v for k, v in self.info.items()})
        return out


def sos4_bounds(
    W: ArrayLike,
    *,
    rng: SeedLike = 0,
    eps: float = 1e-6,
    time_limit: float | None = None,
    max_iters: int = 20_000,
    polish: int = 8,
    anderson: int = 10,
    threads: int | None = 1,
    memory_limit: float | None = None,
    verbose: bool = False,
) -> Sos4Bounds:
    """Certified upper and lower bounds on degree-4 SoS of :math:`\\max x^\\top Wx` by ADMM.

    Parameters
    ----------
    W : array_like
        Symmetric, finite coupling matrix.
    rng : seed or Generator
        For the best cut found and Burer--Monteiro's start.
    eps : float
        ADMM tolerance (relative residuals and gap).
    time_limit : float, optional
        Seconds of ADMM iterations; the bounds are certified wherever it stops.
    max_iters : int
    polish : int
        Alternating-projection iterations on the dual (each one eigendecomposition per
        block) to lower the rigorous upper bound; 0 skips.
    anderson : int
        Memory of the ADMM's Anderson acceleration (0: plain ADMM).
    threads : int or None
        BLAS threads of the solve (see :class:`~sosrmt.sos.backends.AdmmBackend`).
    memory_limit : float, optional
        Refuse before any work when the estimate exceeds it (default: what the machine has).
    verbose : bool
        The solver's progress on standard error.

    Returns
    -------
    Sos4Bounds

    Examples
    --------
    >>> from sosrmt.problems.sk import sk_instance, brute_force_max
    >>> W = sk_instance(8, seed=0)
    >>> b = sos4_bounds(W)
    >>> opt = brute_force_max(W)[0]
    >>> bool(b.lower - 1e-9 <= opt <= b.upper + 1e-9), b.tight
    (True, True)
    """
    W = validate_coupling(W)
    n = W.shape[0]
    max_iters = check_int(max_iters, "max_iters", minimum=1)
    polish = check_int(polish, "polish", minimum=0)
    check_resources(estimate_resources(n, degrees=(4,), backend="admm"),
                    memory_limit=memory_limit)
    t_start = time.perf_counter()
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    bm = _burer_monteiro(W, None, rng=rng, tol=1e-7, maxiter=5000, progress=False)
    best, cut = _best_cut(W, rng=rng, V=bm.V)
    seconds["best_found"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    rel = MomentRelaxation(_objective(W), Hypercube(n), 4)
    # penalty: dual scale over primal scale, value / N^{3/2} for a moment block of size N
    # with unit diagonal, halved, kept fixed. Cold start with Anderson acceleration: at
    # n = 32 (seed 0) it certifies OPT after 100 iterations, where the start at the best
    # cut's moments and the degree-2 certificate took 1,540 to 5,920 (over penalties
    # 1/4 ... 256 times this one; measured). The early stop tries the best cut as the
    # optimiser at every check, whatever the iterate's rank.
    size = sum(b.size for b in rel.blocks)
    solver = RelaxationSolver(
        rel, "admm", candidates=[cut], eps=eps, max_iters=max_iters, time_limit=time_limit,
        threads=threads, verbose=verbose, rho=0.5 * max(best, 1.0) / size**1.5,
        adapt_rho=False, anderson=anderson, early_stop_tol=5e-2, early_stop_rank=None)
    seconds["setup"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = solver.solve()
    seconds["solve"] = time.perf_counter() - t0
    backend = solver.backend
    info = {k: res.stats.get(k) for k in ("res_pri", "res_dual", "gap", "rho", "eig_full",
                                          "eig_partial", "ranks", "primal_from",
                                          "early_stop_calls", "early_stop_seconds",
                                          "anderson_accepted", "anderson_rejected")}
    if res.ok and res.certificate is not None:
        cert, upper, lower = res.certificate, res.bound, res.stats.get("primal_bound")
    else:  # not converged: the last iterates still certify both sides
        cert = SosCertificate(rel, backend.rho * backend.u)
        upper = cert.rigorous_bound()
        lower = primal_bound(rel, backend.x)
    tight = bool(res.tight)
    if res.tight and res.point is not None:
        val = float(res.point @ W @ res.point)
        lower = val if lower is None else max(lower, val)
        if val > best:
            best, cut = val, res.point.copy()
    t0 = time.perf_counter()
    if polish and not res.tight and upper is not None:
        # first on the face of the best cut (certifies OPT when degree 4 is tight there),
        # then just above the dual value
        targets = [(best * (1 + 1e-7), cut)] + [(cert.lam * (1 + s), None) for s in (1e-4, 1e-3)]
        for target, point in targets:
            polished = cert.polish(target, iterations=polish, point=point)
            bound = None if polished is None else polished.rigorous_bound()
            if bound is not None and bound < upper:
                upper = bound
                if point is not None and bound <= best * (1 + 1e-6):
                    tight = True
                break
    seconds["polish"] = time.perf_counter() - t0
    seconds["total"] = time.perf_counter() - t_start
    return Sos4Bounds(
        n=n,
        status=res.status,
        upper=None if upper is None else float(upper),
        lower=None if lower is None else float(lower),
        value=float(res.value) if np.isfinite(res.value) else float(backend.relaxation.p[0]
                                                                    - backend.c @ backend.x),
        best_found=float(best),
        cut=cut,
        tight=tight,
        iterations=int(res.stats.get("iterations") or 0),
        seconds=seconds,
        info=info,
    )
