"""The single entry point :func:`solve` and the re-usable :class:`RelaxationSolver`."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sosrmt.poly import Polynomial
from sosrmt.sos.backends import Backend, make_backend
from sosrmt.sos.certificate import SosCertificate
from sosrmt.sos.domains import Domain
from sosrmt.sos.pseudo_expectation import PseudoExpectation
from sosrmt.sos.relaxation import MomentRelaxation
from sosrmt.sos.result import SosResult
from sosrmt.sos.symmetry import check_group, group_closure, solve_with_group

__all__ = ["RelaxationSolver", "extract_point", "solve"]


def _moment_lookup(rel: MomentRelaxation, y: np.ndarray, keys: np.ndarray) -> np.ndarray:
    pos = np.searchsorted(rel.moment_keys, keys)
    pos = np.minimum(pos, rel.moment_keys.size - 1)
    found = rel.moment_keys[pos] == keys
    return np.where(found, y[pos], 0.0)


def extract_point(rel: MomentRelaxation, y: np.ndarray) -> np.ndarray | None:
    """A candidate optimiser read off the moments ``y`` (aligned with ``rel.moment_keys``).

    Notes
    -----
    Without sign symmetry the first moments are the candidate; with it (odd moments
    vanish) the candidate is :math:`\\sqrt{\\lambda_1}v_1` from the second-moment matrix
    :math:`S_{ij}=\\tilde{\\mathbb E}[x_ix_j]`, which is exact when the moment matrix is flat
    (rank one on the even block). The candidate is then mapped onto the domain (signs on
    the hypercube, rounding on the Boolean cube, normalisation on a sphere); whether it is
    feasible and optimal is decided by the caller.
    """
    dom = rel.domain
    n = dom.nvars
    shift = 8 if dom.ring == "general" else 1
    one = np.asarray([1 << (shift * i) for i in range(n)], dtype=rel.moment_keys.dtype)
    if not rel.symmetric:
        x = _moment_lookup(rel, y, one)
    else:
        # variables the sign flip acts on have vanishing first moments: read them off the
        # second-moment matrix; the others (Boolean variables of a mixed domain) directly
        flip = np.flatnonzero(dom.parity(one) == 1)
        x = _moment_lookup(rel, y, one)
        ii, jj = np.triu_indices(flip.size)
        keys, fac = dom.multiply(one[flip][ii], one[flip][jj])
        vals = _moment_lookup(rel, y, keys) * (1.0 if fac is None else fac)
        S = np.zeros((flip.size, flip.size))
        S[ii, jj] = vals
        S[jj, ii] = vals
        if rel.cliques is None and not rel.term:
            w, V = np.linalg.eigh(S)
            x[flip] = np.sqrt(max(w[-1], 0.0)) * V[:, -1]
        else:
            x[flip] = _propagate_signs(S, rel, y, keys, ii, jj)
    if dom.ring == "hypercube":
        return np.where(x >= 0, 1.0, -1.0) * np.sqrt(dom.square)
    if dom.ring == "boolean":
        return (x >= 0.5).astype(float)
    if dom.mixed:
        x = x.copy()
        x[list(dom.boolean)] = (x[list(dom.boolean)] >= 0.5).astype(float)
        x[list(dom.signs)] = np.where(x[list(dom.signs)] >= 0, 1.0, -1.0)
    radius = getattr(dom, "radius", None)
    if radius is not None:
        norm = np.linalg.norm(x)
        return None if norm == 0 else x * (radius / norm)
    return x


def _propagate_signs(
    S: np.ndarray,
    rel: MomentRelaxation,
    y: np.ndarray,
    keys: np.ndarray,
    ii: np.ndarray,
    jj: np.ndarray,
) -> np.ndarray:
    """Rank-one reading of a *partial* second-moment matrix (sparse relaxations).

    Only pairs inside a clique have moments; signs are propagated from a root along a
    maximum-weight spanning tree of the known entries (:math:`x_j = \\mathrm{sign}(S_{ij})x_i`),
    magnitudes are :math:`\\sqrt{S_{ii}}`. Exact when every clique's moment matrix has rank one.
    """
    import networkx as nx

    m = S.shape[0]
    pos = np.searchsorted(rel.moment_keys, keys)
    pos = np.minimum(pos, rel.moment_keys.size - 1)
    known = rel.moment_keys[pos] == keys
    G = nx.Graph()
    G.add_nodes_from(range(m))
    G.add_weighted_edges_from(
        (int(a), int(b), abs(S[a, b]))
        for a, b, k in zip(ii, jj, known, strict=True)
        if k and a != b
    )
    sign = np.ones(m)
    for comp in nx.connected_components(G):
        tree = nx.maximum_spanning_tree(G.subgraph(comp))
        root = min(comp)
        for a, b in nx.bfs_edges(tree, root):
            sign[b] = sign[a] * (1.0 if S[a, b] >= 0 else -1.0)
    return sign * np.sqrt(np.maximum(np.diag(S), 0.0))


def _feasible(domain: Domain, point: np.ndarray, tol: float = 1e-9) -> bool:
    """Whether ``point`` satisfies the domain's equalities and inequalities within ``tol``."""
    if any(abs(float(h.evaluate(point))) > tol for h in domain.equalities):
        return False
    return not any(float(g.evaluate(point)) < -tol for g in domain.inequalities)


def tightness(
    rel: MomentRelaxation,
    y: np.ndarray,
    bound: float | None,
    gap_tol: float,
    point: np.ndarray | None = None,
) -> tuple[bool, np.ndarray | None, float | None]:
    """Whether a feasible point attains ``bound`` within ``gap_tol`` (relative):
    ``(tight, point, certified gap)``. The point is ``point`` if given, else the one read
    off the moments ``y``."""
    if point is None:
        point = extract_point(rel, y)
    if point is None or bound is None:
        return False, point, None
    if not _feasible(rel.domain, point):
        return False, point, None
    val = float(rel.objective.evaluate(point))
    gap = (bound - val) if rel.sense == "max" else (val - bound)
    tight = gap <= gap_tol * max(1.0, abs(bound))
    return bool(tight), point, float(gap)


class RelaxationSolver:
    """Solve a relaxation, and re-solve it for new objectives without rebuilding.

    Parameters
    ----------
    relaxation : MomentRelaxation
    backend : str
        A name registered in :data:`sosrmt.sos.backends.BACKENDS` (``"scs"``, ``"cvxpy"``).
    early_stop : bool
        Stop SCS as soon as a feasible point attains the rigorous bound within ``gap_tol``
        (sound: then :math:`p(x^*)\\le\\mathrm{OPT}\\le\\mathrm{SOS}\\le` bound).
    gap_tol : float
        Relative certified gap for tightness.
    bound_tol : float, optional
        Also stop (SCS backend, between chunks) as soon as the rigorous bound of the
        current dual iterate is within ``bound_tol`` (relative) of the current moment value
        :math:`\\sum_k p_ky_k`: the bound is then as good as the relaxation's value up to
        that tolerance, whatever the solver's own residuals say. Useful on relaxations
        with many small blocks, where SCS reaches a tight rigorous bound long before its
        residuals meet ``eps`` (see the term-sparsity section of the theory page).
    candidates : sequence of array_like, optional
        Points of the domain known beforehand (a heuristic's best solution, say), tried
        besides the point read off the moments as the optimiser that the early stop and the
        tightness check look for. Where the moments have not yet collapsed to a point, the
        early stop can still succeed on a candidate; the certificate is judged the same way.
    options
        Backend options (``eps``, ``max_iters``, ``solver``, ...).
    """

    def __init__(
        self,
        relaxation: MomentRelaxation,
        backend: str = "scs",
        *,
        early_stop: bool = True,
        gap_tol: float = 1e-6,
        bound_tol: float | None = None,
        candidates: Sequence[ArrayLike] | None = None,
        **options: Any,
    ) -> None:
        if bound_tol is not None and (
            isinstance(bound_tol, bool)
            or not isinstance(bound_tol, int | float)
            or not bound_tol > 0
        ):
            raise ValueError(
                f"bound_tol: expected a positive relative tolerance, got {bound_tol!r}"
            )
        self.relaxation = relaxation
        self.backend_name = backend
        self.early_stop = early_stop
        self.gap_tol = float(gap_tol)
        self.bound_tol = None if bound_tol is None else float(bound_tol)
        nvars = relaxation.domain.nvars
        self.candidates: list[np.ndarray] = []
        for i, c in enumerate(candidates or ()):
            c = np.asarray(c, dtype=float)
            if c.shape != (nvars,) or not np.all(np.isfinite(c)):
                raise ValueError(f"candidates[{i}]: expected {nvars} finite coordinates, "
                                 f"got shape {c.shape}")
            self.candidates.append(c)
        self.backend: Backend = make_backend(backend, relaxation, **options)

    def set_objective(self, objective: Polynomial) -> None:
        """Replace the objective (same size and structure); the workspace is kept."""
        self.relaxation = self.relaxation.with_objective(objective)
        self.backend.update_objective(self.relaxation)

    def _tightness(
        self, y: np.ndarray, bound: float | None
    ) -> tuple[bool, np.ndarray | None, float | None]:
        """:func:`tightness` at the point read off ``y``, then at each candidate."""
        first = tightness(self.relaxation, y, bound, self.gap_tol)
        if first[0]:
            return first
        for point in self.candidates:
            found = tightness(self.relaxation, y, bound, self.gap_tol, point=point)
            if found[0]:
                return found
        return first

    def _best_point(self, y: np.ndarray) -> tuple[np.ndarray | None, float]:
        """The best of the point read off ``y`` and the candidates (internal sense), by
        objective value among those that satisfy the domain's constraints."""
        rel = self.relaxation
        best, best_val = None, -np.inf
        extracted = extract_point(rel, y)
        for point in ([] if extracted is None else [extracted]) + self.candidates:
            if not _feasible(rel.domain, point):
                continue
            val = float(rel.objective.evaluate(point))
            internal = val if rel.sense == "max" else -val
            if internal > best_val:
                best, best_val = point, internal
        return best, best_val

    def solve(self, objective: Polynomial | None = None) -> SosResult:
        """Solve (optionally for a new ``objective``) and return an :class:`SosResult`."""
        if objective is not None:
            self.set_objective(objective)
        rel = self.relaxation
        t0 = time.perf_counter()
        found: dict[str, Any] = {}

        def stop(x: np.ndarray, z: np.ndarray) -> bool:
            y = np.concatenate([[1.0], x])
            cert = SosCertificate(rel, z)
            if self.bound_tol is not None:
                moment_value = float(rel.p @ y)
                bound = cert.rigorous_bound()
                internal_bound = None if bound is None else (
                    bound if rel.sense == "max" else -bound
                )
                if internal_bound is not None and internal_bound - moment_value <= (
                    self.bound_tol * max(1.0, abs(moment_value))
                ):
                    found.update(bound=bound, certificate=cert)
                    return True
            if not self.early_stop:
                return False
            point, internal = self._best_point(y)
            if point is None:
                return False
            # polish only when the candidate is close to the current dual value, and not
            # when it is clearly below the current moment value (the relaxation is then not
            # tight at this point, and no certificate of its value can exist)
            scale = max(1.0, abs(internal))
            if abs(cert.lam - internal) > 0.05 * scale:
                return False
            if float(rel.p @ y) - internal > 1e-3 * scale:
                return False
            slack = 0.1 * self.gap_tol * max(1.0, abs(internal))
            polished = cert.polish(internal + slack, point=point)
            for candidate in (polished, cert):
                if candidate is None:
                    continue
                bound = candidate.rigorous_bound()
                tight, point, gap = self._tightness(y, bound)
                if tight:
                    found.update(point=point, gap=gap, bound=bound, certificate=candidate)
                    return True
            return False

        use_stop = (self.early_stop or self.bound_tol is not None) and (
            rel.domain.coordinate_bound is not None
        )
        raw = self.backend.solve(stop if use_stop else None)
        stats: dict[str, Any] = {
            "iterations": raw.iterations,
            "backend": self.backend_name,
            "stopped_early": raw.stopped_early,
            "stopped_by": "point" if "point" in found else (
                "bound_tol" if raw.stopped_early else None
            ),
            **rel.describe(),
            **raw.info,
        }
        timings = {"setup": raw.setup_time, "solve": raw.solve_time}
        if stats["stopped_by"] == "bound_tol":
            # the solver's own criteria were not met: the bound is rigorous, the value is not
            raw.status = "optimal_inaccurate"
        if raw.status not in ("optimal", "optimal_inaccurate") or raw.x is None or raw.z is None:
            timings["total"] = time.perf_counter() - t0
            return SosResult(
                status=raw.status,
                value=float("nan"),
                bound=None,
                pseudo_expectation=None,
                certificate=None,
                timings=timings,
                stats=stats,
                relaxation=rel,
            )
        y = np.concatenate([[1.0], raw.x])
        cert = found.get("certificate") or SosCertificate(rel, raw.z)
        bound = found.get("bound", cert.rigorous_bound())
        pe = PseudoExpectation(
            rel.domain,
            rel.degree,
            rel.moment_keys,
            y,
            odd_moments_zero=rel.symmetric,
            cliques=rel.cliques,
            structure=rel.structure() if rel.has_user_bases else None,
        )
        value = float(rel.p @ y) * (1 if rel.sense == "max" else -1)
        if "point" in found:
            tight, point, gap = True, found["point"], found["gap"]
        else:
            tight, point, gap = self._tightness(y, bound)
        if tight:
            value = float(rel.objective.evaluate(point))
        stats.update(
            certified_gap=gap, residual=cert.residual(), min_gram_eigenvalue=cert.min_eigenvalue()
        )
        timings["total"] = time.perf_counter() - t0
        return SosResult(
            status=raw.status,
            value=value,
            bound=bound,
            pseudo_expectation=pe,
            certificate=cert,
            tight=tight,
            point=point if tight else None,
            timings=timings,
            stats=stats,
            relaxation=rel,
        )


def solve(
    objective: Polynomial,
    domain: Domain,
    degree: int,
    *,
    sense: str = "max",
    backend: str = "scs",
    symmetry: str = "auto",
    sparsity: str | Sequence[Sequence[int]] = "none",
    ts_steps: int = 1,
    ts_closure: str = "block",
    group: Sequence[Sequence[int]] | None = None,
    moment_basis: Sequence[Polynomial] | None = None,
    localizing_bases: Mapping[int, Sequence[Polynomial]] | None = None,
    equality_bases: Mapping[int, Sequence[Polynomial]] | None = None,
    early_stop: bool = True,
    gap_tol: float = 1e-6,
    bound_tol: float | None = None,
    candidates: Sequence[ArrayLike] | None = None,
    **options: Any,
) -> SosResult:
    """Build and solve the degree-``degree`` SoS relaxation of ``sense`` ``objective``.

    Parameters
    ----------
    objective : Polynomial
    domain : Domain
    degree : int
        Full relaxation degree :math:`2d` (even).
    sense : {"max", "min"}
    backend : str
        A registered backend: ``"scs"`` calls SCS directly; ``"cvxpy"`` uses ``solver=``
        (default Clarabel).
    symmetry : {"auto", "none"}
        Sign-symmetry block diagonalisation.
    sparsity : {"none", "correlative", "term", "correlative+term"} or list of cliques
        Correlative and/or term sparsity (see :class:`MomentRelaxation`).
    ts_steps, ts_closure
        Term sparsity's support extensions and closure (see :class:`MomentRelaxation`).
    group : list of permutations, optional
        Generators of a permutation group of the variables that preserves the problem
        (``perm[i]`` is the image of variable ``i``): the SDP is block-diagonalised by it
        (:mod:`sosrmt.sos.symmetry`) and the answer mapped back to the ordinary relaxation.
        Domains without constraints only; not with ``sparsity``.
    moment_basis, localizing_bases, equality_bases
        User-chosen monomial bases (see :class:`MomentRelaxation`).
    early_stop : bool
        Stop as soon as optimality is certified by a feasible point (SCS backend).
    gap_tol : float
        Relative certified gap that counts as tight.
    bound_tol : float, optional
        Stop as soon as the rigorous bound is within this relative tolerance of the
        current moment value (SCS backend; status ``"optimal_inaccurate"``, see
        :class:`RelaxationSolver`).
    candidates : sequence of array_like, optional
        Known points of the domain tried as optimisers besides the one read off the
        moments (see :class:`RelaxationSolver`).
    options
        Backend options: ``eps``, ``max_iters``, ``verbose``, ``solver``, ...

    Returns
    -------
    SosResult
        Status, value, rigorous bound, pseudo-expectation and certificate. A result whose
        status is not optimal carries no certificate.

    Examples
    --------
    Max-cut of a triangle (maximise :math:`\\sum_{ij}(1-x_ix_j)/2`): degree 2 gives 9/4,
    the optimum is 2.

    >>> from sosrmt.sos import Hypercube
    >>> W = np.ones((3, 3)) - np.eye(3)
    >>> cut = (Polynomial.constant(3.0, 3, "hypercube") - Polynomial.quadratic_form(W) / 2) / 2
    >>> res = solve(cut, Hypercube(3), degree=2)
    >>> res.status, round(res.value, 4), bool(res.bound >= 2.25 - 1e-6)
    ('optimal', 2.25, True)
    """
    t0 = time.perf_counter()
    if group is not None and (sparsity != "none" or moment_basis is not None):
        raise ValueError("group: symmetry reduction and sparsity or user bases cannot be combined")
    if group is not None and bound_tol is not None:
        raise ValueError("bound_tol: not available with a symmetry group")
    if group is not None:
        # validate the group (closure, invariance of the objective and the domain) before
        # the relaxation is assembled
        if not isinstance(domain, Domain):
            raise TypeError(f"domain: expected a Domain, got {type(domain).__name__}")
        check_group(
            group_closure(group, domain.nvars), domain.polynomial(objective, "objective"), domain
        )
    rel = MomentRelaxation(
        objective,
        domain,
        degree,
        sense=sense,
        symmetry=symmetry,
        sparsity=sparsity,
        ts_steps=ts_steps,
        ts_closure=ts_closure,
        moment_basis=moment_basis,
        localizing_bases=localizing_bases,
        equality_bases=equality_bases,
    )
    build = time.perf_counter() - t0
    if group is not None:
        result = solve_with_group(rel, group, backend, **options)
        if result.pseudo_expectation is not None:
            y = result.pseudo_expectation.values  # sorted keys: aligned with rel.moment_keys
            tight, point, gap = tightness(rel, y, result.bound, gap_tol)
            for cand in [] if tight else list(candidates or ()):
                found = tightness(rel, y, result.bound, gap_tol,
                                  point=np.asarray(cand, dtype=float))
                if found[0]:
                    tight, point, gap = found
                    break
            result.tight, result.point = tight, point if tight else None
            result.stats["certified_gap"] = gap
            if tight:
                result.value = float(rel.objective.evaluate(point))
        result.timings["build"] += build
        result.timings["total"] = time.perf_counter() - t0
        return result
    result = RelaxationSolver(
        rel, backend, early_stop=early_stop, gap_tol=gap_tol, bound_tol=bound_tol,
        candidates=candidates, **options
    ).solve()
    result.timings["build"] = build
    result.timings["total"] = time.perf_counter() - t0
    return result
