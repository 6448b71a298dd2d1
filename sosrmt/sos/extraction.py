"""Extraction of several optimal points from a flat moment matrix (Henrion--Lasserre).

When the optimum of a polynomial program is attained at several points, an optimal
pseudo-expectation is (at best) a mixture of the point masses, and its moment matrix has
rank above one. If the moment matrix is *flat* -- :math:`\\mathrm{rank}\\,M_s(y) =
\\mathrm{rank}\\,M_{s-d_K}(y)` for some :math:`s` (Curto--Fialkow; :math:`d_K` the half
degree of the constraints, 1 on the hypercube and the Boolean cube) -- then :math:`y` is the
moment vector of a unique :math:`r`-atomic measure, :math:`r` the rank, and its atoms are
global optimisers. They are read off as in Henrion and Lasserre, "Detecting global
optimality and extracting solutions in GloptiPoly" (2005), Section 2.3:

1. factor :math:`M_s = VV^\\top` (rank :math:`r`, from the eigen-decomposition);
2. reduce :math:`V` to column echelon form :math:`U` (``U[w] = I`` on :math:`r` pivot
   monomials :math:`w`, chosen greedily in graded order, all of degree :math:`< s` when
   the matrix is flat);
3. the multiplication matrices :math:`N_i` of :math:`x_i` on the quotient algebra are the
   rows of :math:`U` at the monomials :math:`x_iw_j` (reduced in the domain's ring);
4. a random combination :math:`N=\\sum_i\\lambda_iN_i` is put in ordered real Schur form
   :math:`N = QTQ^\\top`; atom :math:`k` has coordinates :math:`x_i = q_k^\\top N_i q_k`.

Every atom is then checked: feasibility (constraints evaluated, points of a finite
domain rounded and compared), objective value, and the weights that reproduce the moments
by nonnegative least squares.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.optimize

from sosrmt.poly import Polynomial, exponents
from sosrmt.sos.pseudo_expectation import PseudoExpectation

__all__ = ["Extraction", "extract_solutions"]


@dataclass(frozen=True)
class Extraction:
    """The outcome of :func:`extract_solutions`.

    Attributes
    ----------
    flat : bool
        A flat order :math:`s` was found (then ``points`` holds the atoms).
    order : int or None
        The half degree :math:`s` at which the moment matrix is flat.
    rank : int or None
        Its numerical rank :math:`r` (the number of atoms).
    ranks : tuple of int
        Numerical ranks of :math:`M_0, M_1, \\dots, M_d`.
    points : ndarray
        ``(r, n)`` atoms (rounded onto the domain's points on the hypercube/Boolean cube).
    weights : ndarray
        Their weights (nonnegative least squares on the moments of order ``order``).
    values : ndarray
        The objective at each point (NaN without an objective).
    max_domain_error : float
        Largest distance of an unrounded atom from the domain (constraint violation or
        distance to the rounded point).
    moment_residual : float
        :math:`\\max|y - \\sum_k w_k m(x_k)|` over the moments of order ``order``.
    reason : str
        A summary, or why extraction was not possible.
    """

    flat: bool
    order: int | None
    rank: int | None
    ranks: tuple[int, ...]
    points: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)
    max_domain_error: float = float("nan")
    moment_residual: float = float("nan")
    reason: str = ""

    def optimal_points(self, optimum: float, tol: float = 1e-6) -> np.ndarray:
        """The atoms whose objective value is within ``tol * max(1, |optimum|)`` of ``optimum``."""
        ok = np.abs(self.values - optimum) <= tol * max(1.0, abs(optimum))
        return self.points[ok]


def _rank(M: np.ndarray, tol: float) -> int:
    if M.size == 0:
        return 0
    s = np.linalg.eigvalsh((M + M.T) / 2)[::-1]
    return int(np.count_nonzero(s > tol * max(1.0, s[0])))


def _constraint_half_degree(pe: PseudoExpectation) -> int:
    dom = pe.domain
    degs = [(g.degree + 1) // 2 for g in (*dom.equalities, *dom.inequalities)]
    return max([1, *degs])


def extract_solutions(
    pe: PseudoExpectation,
    objective: Polynomial | None = None,
    *,
    rank_tol: float = 1e-5,
    seed: int = 0,
) -> Extraction:
    """Flat-extension test and multi-point extraction from a pseudo-expectation.

    Parameters
    ----------
    pe : PseudoExpectation
        Typically ``SosResult.pseudo_expectation``.
    objective : Polynomial, optional
        Evaluated at each atom (``values``).
    rank_tol : float
        Eigenvalues below ``rank_tol`` times the largest (at least 1) count as zero.
    seed : int
        Seed of the random combination of multiplication matrices (any generic choice
        gives the same atoms; the seed only fixes their order before sorting).

    Returns
    -------
    Extraction
        ``flat=False`` (with the ranks, and no points) when no order is flat: then the
        relaxation degree must be raised, or the solution is not a finite mixture.

    Notes
    -----
    Interior-point solvers (``backend="cvxpy"``) return a maximal-rank point of the optimal
    face, hence all optimisers when the face is the convex hull of their point masses;
    a first-order solver may return another point of the face, a mixture over a subset.
    The atoms are sorted lexicographically.

    Examples
    --------
    Two optimal cuts of a path with a single edge, :math:`\\max (1 - x_0x_1)/2`:

    >>> from sosrmt.poly import variables
    >>> from sosrmt.sos import Hypercube, solve
    >>> x = variables(2, ring="hypercube")
    >>> cut = (1 - x[0] * x[1]) * 0.5
    >>> res = solve(cut, Hypercube(2), 4)  # degree 2 gives ranks 1, 2: not flat
    >>> ext = extract_solutions(res.pseudo_expectation, cut)
    >>> ext.flat, ext.points.tolist(), np.round(ext.values, 9).tolist()
    (True, [[-1.0, 1.0], [1.0, -1.0]], [1.0, 1.0])
    """
    if not isinstance(pe, PseudoExpectation):
        raise TypeError(f"pe: expected a PseudoExpectation, got {type(pe).__name__}")
    if not rank_tol > 0:
        raise ValueError(f"rank_tol: expected a positive tolerance, got {rank_tol!r}")
    dom = pe.domain
    n, ring, square = dom.nvars, dom.ring, dom.square
    if pe.cliques is not None:
        raise ValueError(
            "pe: multi-point extraction needs the dense moment matrix; this pseudo-expectation "
            "comes from a correlatively sparse relaxation"
        )
    d = pe.degree // 2
    dk = _constraint_half_degree(pe)
    mats = [pe.moment_matrix(s) for s in range(d + 1)]
    ranks = tuple(_rank(M, rank_tol) for M in mats)
    empty = np.zeros((0, n))
    nan = np.zeros(0)
    order = next((s for s in range(d, dk - 1, -1) if ranks[s] == ranks[s - dk]), None)
    if order is None:
        return Extraction(
            False,
            None,
            None,
            ranks,
            empty,
            nan,
            nan,
            reason=f"no flat order: ranks of M_0..M_{d} are {list(ranks)}; raise the degree",
        )
    r = ranks[order]
    basis = dom.basis(order)
    M = (mats[order] + mats[order].T) / 2
    w, Q = np.linalg.eigh(M)
    V = Q[:, -r:] * np.sqrt(np.maximum(w[-r:], 0.0))
    # (2) column echelon form: greedy pivot rows in graded order
    pivots: list[int] = []
    for i in range(basis.size):
        cand = [*pivots, i]
        if np.linalg.matrix_rank(V[cand], tol=rank_tol * max(1.0, np.abs(V).max())) == len(cand):
            pivots.append(i)
            if len(pivots) == r:
                break
    U = V @ np.linalg.inv(V[pivots])
    pos = {int(k): idx for idx, k in enumerate(basis.tolist())}
    shift = 8 if ring == "general" else 1
    # (3) multiplication matrices
    Ns = []
    for i in range(n):
        xi = np.asarray([1 << (shift * i)], dtype=basis.dtype)
        keys, fac = dom.multiply(basis[pivots], xi)
        rows = []
        for j, k in enumerate(keys.tolist()):
            if int(k) not in pos:
                return Extraction(
                    False,
                    order,
                    r,
                    ranks,
                    empty,
                    nan,
                    nan,
                    reason="a pivot monomial times a variable leaves the basis of order "
                    f"{order}: the moment matrix is numerically not flat",
                )
            rows.append(U[pos[int(k)]] * (1.0 if fac is None else float(fac[j])))
        Ns.append(np.asarray(rows))
    # (4) common eigenvectors by an ordered Schur decomposition of a random combination
    lam = np.random.default_rng(seed).uniform(0.5, 1.5, size=n)
    lam /= lam.sum()
    N = sum(c * Ni for c, Ni in zip(lam, Ns, strict=True))
    _, Qs = scipy.linalg.schur(N, output="real")
    pts = np.array([[Qs[:, k] @ Ni @ Qs[:, k] for Ni in Ns] for k in range(r)])
    # check and round onto the domain
    if ring in ("hypercube", "boolean"):
        root = np.sqrt(square)
        target = np.where(pts >= (0.0 if ring == "hypercube" else 0.5), 1.0, -1.0)
        rounded = target * root if ring == "hypercube" else (target > 0).astype(float)
        dom_err = float(np.abs(pts - rounded).max(initial=0.0))
        pts = rounded
    else:
        snap = np.zeros(pts.shape, dtype=bool)
        snap[:, list(dom.boolean)] = True
        snap[:, list(dom.signs)] = True
        near = np.where(pts >= 0.5, 1.0, 0.0)
        rounded = np.where(np.isin(np.arange(n), dom.signs), np.where(pts >= 0, 1.0, -1.0), near)
        snap_err = float(np.abs(pts - rounded)[snap].max(initial=0.0))
        pts = np.where(snap, rounded, pts)
        viol = [np.full(r, snap_err)]
        viol += [np.abs(h.evaluate(pts)) for h in dom.equalities]
        viol += [np.maximum(-np.asarray(g.evaluate(pts)), 0.0) for g in dom.inequalities]
        dom_err = float(max((float(np.max(v)) for v in viol), default=0.0))
    pts = pts[np.lexsort(pts.T[::-1])]
    # weights reproducing the moments of the flat order
    keys = dom.basis(2 * order)
    ymom = np.asarray([pe.moment(int(k)) for k in keys.tolist()])
    exps = exponents(keys, n, ring)
    A = np.prod(pts[:, None, :] ** exps[None, :, :], axis=2).T
    weights, _ = scipy.optimize.nnls(A, ymom)
    residual = float(np.abs(A @ weights - ymom).max(initial=0.0))
    values = np.full(r, np.nan) if objective is None else np.atleast_1d(objective.evaluate(pts))
    return Extraction(
        True,
        order,
        r,
        ranks,
        pts,
        weights,
        np.asarray(values, dtype=float),
        max_domain_error=dom_err,
        moment_residual=residual,
        reason=f"flat at order {order} (rank {r}): {r} atoms extracted",
    )
