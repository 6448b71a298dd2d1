"""The "2+2" moment relaxation of the canonical anti-concentration integer program, assembled
once into SCS's conic form, with a rigorous upper bound from the dual.

Why hand-assembled and not through :func:`sosrmt.sos.solve`: the "2+2" relaxation uses the
*sparse* monomial basis {1, v_a, v_a v_b, w_i, w_i v_a} (size ~ n d) rather than the full
degree-4 basis in the n + d variables (size ~ n^2 / 2), which a generic engine cannot express;
it is what makes n in the hundreds reachable. The full hierarchy goes through the engine
(:func:`ip_relaxation` with an even integer ``level``).

Moment variables (by v -> -v symmetry every odd-in-v moment is 0; w_i^2 = w_i):
Y2[ab] = E v_a v_b, Y4[abce] = E v_a v_b v_c v_e, W1[i] = E w_i, WV2[i, ab] = E w_i v_a v_b,
WW[ij] = E w_i w_j (i < j), WWV2[ij, ab] = E w_i w_j v_a v_b (i < j).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from sosrmt._validation import check_int, check_memory
from sosrmt.poly import Polynomial, basis_size, variables
from sosrmt.problems.anticoncentration.samplers import prepare_points
from sosrmt.sos import Semialgebraic, solve

__all__ = [
    "IPRelaxationResult",
    "estimate_memory_2p2",
    "ip_relaxation",
    "program",
    "solve_ip_2p2",
]

_CLARABEL_METHOD = "faer"


@dataclass
class IPRelaxationResult:
    """Result of the SoS relaxation of the anti-concentration integer program.

    Attributes
    ----------
    status : str
        Solver status ("optimal", "optimal_inaccurate", or a failure status).
    value : float
        Primal value max E~[(1/n) sum_i w_i] reported by the solver (nan on failure).
    bound : float or None
        Rigorous upper bound on the relaxation value, hence on OPT(X, delta), computed from
        the solver's dual vector projected onto the dual cone. It is valid for any dual
        vector, so it is reported even when the solver stopped early (then it may be
        loose); None only when the solver returned no finite dual vector.
    gap : float
        bound - value.
    moments : dict
        The pseudo-moments by name (``"Y2"``, ``"Y4"``, ``"W1"``, ``"WV2"``, ``"WW"``,
        ``"WWV2"``), arrays as described in the module docstring.
    moment_matrices : tuple of arrays
        The even and odd blocks of the moment matrix (PSD up to solver tolerance).
    level : str
        "2+2" or the engine degree.
    timings : dict
        Seconds spent building, solving and verifying.
    """

    status: str
    value: float
    bound: float | None
    gap: float
    moments: dict
    moment_matrices: tuple
    level: str
    timings: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)

    def check(self) -> dict:
        """Minimum eigenvalues of the moment blocks (>= -solver tolerance when feasible)."""
        return {f"min_eig_block{k}": float(np.linalg.eigvalsh(M)[0])
                for k, M in enumerate(self.moment_matrices)}


class _Index:
    """Numbering of the moment variables."""

    def __init__(self, n: int, d: int) -> None:
        self.n, self.d = n, d
        self.pairs = [(a, b) for a in range(d) for b in range(a, d)]
        self.pid = {p: k for k, p in enumerate(self.pairs)}
        self.quads = list(itertools.combinations_with_replacement(range(d), 4))
        self.qid = {q: k for k, q in enumerate(self.quads)}
        P, Q = len(self.pairs), len(self.quads)
        self.o_y2 = 0
        self.o_y4 = P
        self.o_w1 = P + Q
        self.o_wv2 = self.o_w1 + n
        self.o_ww = self.o_wv2 + n * P
        self.npairs_w = n * (n - 1) // 2
        self.o_wwv2 = self.o_ww + self.npairs_w
        self.size = self.o_wwv2 + self.npairs_w * P
        self.P = P

    def y2(self, a: int, b: int) -> int:
        return self.o_y2 + self.pid[(min(a, b), max(a, b))]

    def y4(self, *abce: int) -> int:
        return self.o_y4 + self.qid[tuple(sorted(abce))]

    def w1(self, i: int) -> int:
        return self.o_w1 + i

    def wv2(self, i: int, a: int, b: int) -> int:
        return self.o_wv2 + i * self.P + self.pid[(min(a, b), max(a, b))]

    def pw(self, i: int, j: int) -> int:
        i, j = min(i, j), max(i, j)
        return i * (2 * self.n - i - 1) // 2 + (j - i - 1)

    def ww(self, i: int, j: int) -> int:
        return self.o_ww + self.pw(i, j)

    def wwv2(self, i: int, j: int, a: int, b: int) -> int:
        return self.o_wwv2 + self.pw(i, j) * self.P + self.pid[(min(a, b), max(a, b))]


def _svec_pos(i: np.ndarray, j: np.ndarray, m: int, backend: str = "scs") -> np.ndarray:
    """Row of entry (i, j), i >= j, in the solver's svec: SCS stores the lower triangle
    column by column, Clarabel the upper triangle column by column (both scale the
    off-diagonal entries by sqrt 2)."""
    if backend == "clarabel":
        return (i * (i + 1)) // 2 + j
    return j * m - (j * (j - 1)) // 2 + (i - j)


def _smat(x: np.ndarray, m: int, backend: str = "scs") -> np.ndarray:
    jj, ii = np.triu_indices(m)  # all (i, j) with i >= j
    M = np.zeros((m, m))
    pos = _svec_pos(ii, jj, m, backend)
    vals = x[pos] / np.where(ii == jj, 1.0, math.sqrt(2.0))
    M[ii, jj] = vals
    M[jj, ii] = vals
    return M


def _svec(M: np.ndarray, backend: str = "scs") -> np.ndarray:
    m = M.shape[0]
    jj, ii = np.triu_indices(m)
    out = np.empty(m * (m + 1) // 2)
    out[_svec_pos(ii, jj, m, backend)] = M[ii, jj] * np.where(ii == jj, 1.0, math.sqrt(2.0))
    return out


def _block_even(ix: _Index) -> list[tuple[int, int, int]]:
    """Entries (row, col, var) with row >= col of the even block; var -1 is the constant 1."""
    n = ix.n
    basis = [("1",)] + [("vv", a, b) for a, b in ix.pairs] + [("w", i) for i in range(n)]
    out = []
    for r, br in enumerate(basis):
        for c in range(r + 1):
            bc = basis[c]
            out.append((r, c, _even_entry(ix, br, bc)))
    return out


def _even_entry(ix: _Index, x: tuple, y: tuple) -> int:
    kinds = (x[0], y[0])
    if kinds == ("1", "1"):
        return -1
    if "1" in kinds:
        z = y if x[0] == "1" else x
        return ix.y2(z[1], z[2]) if z[0] == "vv" else ix.w1(z[1])
    if kinds == ("vv", "vv"):
        return ix.y4(x[1], x[2], y[1], y[2])
    if kinds == ("w", "w"):
        return ix.w1(x[1]) if x[1] == y[1] else ix.ww(x[1], y[1])
    vv, w = (x, y) if x[0] == "vv" else (y, x)
    return ix.wv2(w[1], vv[1], vv[2])


def _block_odd(ix: _Index) -> list[tuple[int, int, int]]:
    n, d = ix.n, ix.d
    basis = [(-1, a) for a in range(d)] + [(i, a) for i in range(n) for a in range(d)]
    out = []
    for r, (i, a) in enumerate(basis):
        for c in range(r + 1):
            j, b = basis[c]
            if i < 0 and j < 0:
                var = ix.y2(a, b)
            elif i < 0 or j < 0:
                var = ix.wv2(max(i, j), a, b)
            elif i == j:
                var = ix.wv2(i, a, b)
            else:
                var = ix.wwv2(i, j, a, b)
            out.append((r, c, var))
    return out


def estimate_memory_2p2(n: int, d: int) -> float:
    """Bytes needed by SCS for the "2+2" relaxation (sparse data + dense eigen-workspace)."""
    mo = d + n * d
    me = 1 + d * (d + 1) // 2 + n
    nnz = (mo * (mo + 1) // 2) + (me * (me + 1) // 2) + 8 * n * n * d * d
    return 24.0 * nnz * 4 + 8.0 * 6 * (mo * mo + me * me)


def solve_ip_2p2(X: np.ndarray, delta: float, *, backend: str = "clarabel", eps: float = 1e-6,
                 max_iters: int = 20_000, verbose: bool = False) -> IPRelaxationResult:
    """Solve the "2+2" relaxation of the canonical integer program (see module doc) with
    Clarabel (interior point, accurate; default) or SCS (first order, less memory)."""
    if backend not in ("clarabel", "scs"):
        raise ValueError(f"backend: expected 'clarabel' or 'scs', got {backend!r}")
    n, d = X.shape
    check_memory(estimate_memory_2p2(n, d), f"the 2+2 anti-concentration SDP (n={n}, d={d})",
                 hint="use fewer points")
    t0 = time.perf_counter()
    ix = _Index(n, d)
    K = ix.size
    rows_z: list[tuple[list[int], list[float], float]] = []  # (vars, coefs, rhs): a.x = rhs
    # sphere sum_a v_a^2 = 1 times 1, v_b v_c, w_i, w_i w_j
    rows_z.append(([ix.y2(a, a) for a in range(d)], [1.0] * d, 1.0))
    for b, c in ix.pairs:
        rows_z.append(([ix.y4(a, a, b, c) for a in range(d)] + [ix.y2(b, c)],
                       [1.0] * d + [-1.0], 0.0))
    for i in range(n):
        rows_z.append(([ix.wv2(i, a, a) for a in range(d)] + [ix.w1(i)], [1.0] * d + [-1.0],
                       0.0))
    for i, j in itertools.combinations(range(n), 2):
        rows_z.append(([ix.wwv2(i, j, a, a) for a in range(d)] + [ix.ww(i, j)],
                       [1.0] * d + [-1.0], 0.0))
    # inequalities a.x >= rhs
    d2 = delta * delta
    xx = np.einsum("ia,ib->iab", X, X)
    sym = np.array([[1.0 if a == b else 2.0 for b in range(d)] for a in range(d)])
    rows_l: list[tuple[list[int], list[float], float]] = []
    loc_vars, loc_coef = [], []
    for i in range(n):
        vs = [ix.w1(i)] + [ix.wv2(i, a, b) for a, b in ix.pairs]
        cs = [d2] + [-xx[i, a, b] * sym[a, b] for a, b in ix.pairs]
        loc_vars.append(vs)
        loc_coef.append(cs)
        rows_l.append((vs, cs, 0.0))  # E[w_i g_i] >= 0
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            vs = [ix.ww(i, j)] + [ix.wwv2(i, j, a, b) for a, b in ix.pairs]
            cs = [d2] + [-xx[i, a, b] * sym[a, b] for a, b in ix.pairs]
            rows_l.append((vs, cs, 0.0))  # E[w_j w_i g_i] >= 0
            rows_l.append((loc_vars[i] + vs, loc_coef[i] + [-c for c in cs], 0.0))
    for i, j in itertools.combinations(range(n), 2):
        # E of squared multilinear monomials: w_i w_j, w_i (1 - w_j), (1 - w_i)(1 - w_j)
        rows_l.append(([ix.ww(i, j)], [1.0], 0.0))
        rows_l.append(([ix.w1(i), ix.ww(i, j)], [1.0, -1.0], 0.0))
        rows_l.append(([ix.w1(j), ix.ww(i, j)], [1.0, -1.0], 0.0))
        rows_l.append(([ix.w1(i), ix.w1(j), ix.ww(i, j)], [-1.0, -1.0, 1.0], -1.0))

    def lin_block(rows: list, sign: float) -> tuple[sp.csr_matrix, np.ndarray]:
        ri, ci, vv, bb = [], [], [], []
        for r, (vs, cs, rhs) in enumerate(rows):
            ri += [r] * len(vs)
            ci += vs
            vv += cs
            bb.append(rhs)
        A = sp.csr_matrix((np.array(vv) * sign, (ri, ci)), shape=(len(rows), K))
        return A, np.array(bb) * sign

    Az, bz = lin_block(rows_z, 1.0)       # A x + s = b, s = 0
    Al, bl = lin_block(rows_l, -1.0)      # -a.x + s = -rhs, s >= 0
    blocks = []
    for entries in (_block_even(ix), _block_odd(ix)):
        arr = np.array(entries, dtype=np.int64)
        m = int(arr[:, 0].max()) + 1
        pos = _svec_pos(arr[:, 0], arr[:, 1], m, backend)
        scale = np.where(arr[:, 0] == arr[:, 1], 1.0, math.sqrt(2.0))
        var = arr[:, 2]
        const = var < 0
        b = np.zeros(m * (m + 1) // 2)
        b[pos[const]] = scale[const]
        A = sp.csr_matrix((-scale[~const], (pos[~const], var[~const])),
                          shape=(m * (m + 1) // 2, K))
        blocks.append((m, A, b))
    A = sp.vstack([Az, Al] + [blk[1] for blk in blocks]).tocsc()
    b = np.concatenate([bz, bl] + [blk[2] for blk in blocks])
    c_obj = np.zeros(K)
    c_obj[ix.o_w1:ix.o_w1 + n] = 1.0 / n
    cone = {"z": Az.shape[0], "l": Al.shape[0], "s": [blk[0] for blk in blocks]}
    t1 = time.perf_counter()
    if backend == "scs":
        import scs

        solver = scs.SCS({"A": A, "b": b, "c": -c_obj}, cone, eps_abs=eps, eps_rel=eps,
                         max_iters=max_iters, verbose=verbose)
        sol = solver.solve()
        raw_status, iters = sol["info"]["status"], sol["info"]["iter"]
        status = {"solved": "optimal", "solved_inaccurate": "optimal_inaccurate"}.get(
            raw_status, "max_iters" if "max_iters" in raw_status else raw_status)
        x, y = sol["x"], sol["y"]
    else:
        import clarabel

        cones = [clarabel.ZeroConeT(cone["z"]), clarabel.NonnegativeConeT(cone["l"])]
        cones += [clarabel.PSDTriangleConeT(m) for m in cone["s"]]
        settings = clarabel.DefaultSettings()
        settings.verbose = verbose
        settings.tol_gap_abs = settings.tol_gap_rel = eps
        settings.tol_feas = eps
        settings.max_iter = min(max_iters, 500)
        settings.direct_solve_method = _CLARABEL_METHOD
        # the default static regularisation (1e-8) hits NumericalError from n ~ 30 on
        settings.static_regularization_constant = 1e-6
        settings.dynamic_regularization_eps = 1e-10
        sol = clarabel.DefaultSolver(sp.csc_matrix((K, K)), -c_obj, A, b, cones,
                                     settings).solve()
        raw_status, iters = str(sol.status), sol.iterations
        status = {"Solved": "optimal", "AlmostSolved": "optimal_inaccurate",
                  "MaxIterations": "max_iters", "PrimalInfeasible": "infeasible",
                  "DualInfeasible": "unbounded"}.get(raw_status, "error")
        x, y = np.asarray(sol.x), np.asarray(sol.z)
    t2 = time.perf_counter()
    ok = status in ("optimal", "optimal_inaccurate") and bool(np.all(np.isfinite(x)))
    value = float(c_obj @ x) if ok else float("nan")
    bound = None
    if np.all(np.isfinite(y)) and status not in ("infeasible", "unbounded"):
        # valid for *any* dual vector (see _rigorous_bound), so it is reported even when the
        # solver stopped early; ``status`` says how far the solver got
        bound = _rigorous_bound(A, b, c_obj, y, cone, backend)
    t3 = time.perf_counter()
    Me = _smat(blocks[0][2] - blocks[0][1] @ x, blocks[0][0], backend)
    Mo = _smat(blocks[1][2] - blocks[1][1] @ x, blocks[1][0], backend)
    P = ix.P
    moments = {
        "Y2": x[ix.o_y2:ix.o_y2 + P], "Y4": x[ix.o_y4:ix.o_w1], "W1": x[ix.o_w1:ix.o_wv2],
        "WV2": x[ix.o_wv2:ix.o_ww].reshape(n, P), "WW": x[ix.o_ww:ix.o_wwv2],
        "WWV2": x[ix.o_wwv2:].reshape(ix.npairs_w, P),
    }
    return IPRelaxationResult(
        status=status, value=value, bound=bound,
        gap=(bound - value) if bound is not None else float("nan"),
        moments=moments, moment_matrices=(Me, Mo), level="2+2",
        timings={"build": t1 - t0, "solve": t2 - t1, "verify": t3 - t2},
        stats={"variables": K, "zero_rows": cone["z"], "ineq_rows": cone["l"],
               "psd_sizes": cone["s"], "iterations": iters,
               "solver_status": raw_status, "backend": backend})


def _rigorous_bound(A: sp.spmatrix, b: np.ndarray, c: np.ndarray, y: np.ndarray,
                    cone: dict, backend: str) -> float:
    """Upper bound on max c.x over {x : b - A x in K} from any dual vector y.

    Project y onto K* (free on the zero cone, clip the nonnegative part, eigen-clip each PSD
    block) and let r = A^T y - c. For feasible x, y.(b - A x) >= 0 gives
    c.x <= b.y - r.x <= b.y + ||r||_1 max_k |x_k|, and max_k |x_k| <= 1 because every moment
    variable is an entry of a PSD moment block whose diagonal entries are at most 1 (they
    are E w_i, E v_a^2 v_b^2, E w_i v_a^2, which the sphere and Boolean axioms bound by 1).
    A 1e-9 relative margin covers the rounding in evaluating the bound.
    """
    y = y.copy()
    z, l = cone["z"], cone["l"]
    y[z:z + l] = np.maximum(y[z:z + l], 0.0)
    off = z + l
    for m in cone["s"]:
        ln = m * (m + 1) // 2
        M = _smat(y[off:off + ln], m, backend)
        lam, U = np.linalg.eigh(M)
        y[off:off + ln] = _svec((U * np.maximum(lam, 0.0)) @ U.T, backend)
        off += ln
    r = A.T @ y - c
    val = float(b @ y) + float(np.abs(r).sum())
    return val + 1e-9 * (1.0 + abs(val))


def ip_relaxation(X: npt.ArrayLike, delta: float, *, level: str | int = "2+2",
                  backend: str = "clarabel", eps: float = 1e-6, whiten: bool = False,
                  isotropy_tol: float = 1e-6,
                  allow_duplicates: bool = False) -> IPRelaxationResult:
    """SoS relaxation of the canonical anti-concentration integer program.

    Parameters
    ----------
    X : (n, d) array
        Points in isotropic position (or ``whiten=True``).
    delta : float
        Slab half-width, 0 < delta < 1.
    level : "2+2" or even int
        ``"2+2"``: the sparse relaxation of the module docstring, assembled directly
        (``backend`` "clarabel" or "scs"). An even integer 2t >= 4: the full degree-2t
        moment relaxation in the n + d variables through :func:`sosrmt.sos.solve`
        (``backend`` "scs" or "cvxpy"); only for tiny n (its basis has ~(n+d)^t/t! terms).
    eps : float
        Solver tolerance.
    whiten, isotropy_tol, allow_duplicates
        Input handling, see :func:`sosrmt.problems.anticoncentration.prepare_points`.

    Returns
    -------
    IPRelaxationResult
        ``value`` (primal), ``bound`` (rigorous upper bound on the relaxation, hence on
        OPT), ``gap``, the pseudo-moments and the moment blocks.

    Notes
    -----
    Every feasible pseudo-expectation satisfies OPT <= value <= bound (weak duality), and
    the relaxation value is nondecreasing in delta (the feasible set grows).

    Examples
    --------
    >>> from sosrmt.problems.anticoncentration import opt_exact, sample_gaussian, whiten
    >>> X = whiten(sample_gaussian(8, 2, rng=0))
    >>> res = ip_relaxation(X, 0.3)
    >>> res.status, bool(res.bound >= opt_exact(X, 0.3).value)
    ('optimal', True)
    """
    X, delta = prepare_points(X, delta, whiten_input=whiten, isotropy_tol=isotropy_tol,
                              allow_duplicates=allow_duplicates)
    if level == "2+2":
        res = solve_ip_2p2(X, delta, backend=backend, eps=eps)
        if res.status == "error" and backend == "clarabel":  # numerical trouble: first order
            res = solve_ip_2p2(X, delta, backend="scs", eps=max(eps, 1e-5))
            res.stats["fallback_from"] = "clarabel"
        return res
    deg = check_int(level, "level", minimum=4)
    if deg % 2:
        raise ValueError(f"level: expected '2+2' or an even degree >= 4, got {level}")
    return _ip_engine(X, delta, deg, backend=backend if backend != "clarabel" else "cvxpy",
                      eps=eps)


def program(X: npt.ArrayLike, delta: float, *, whiten: bool = False,
            isotropy_tol: float = 1e-6,
            allow_duplicates: bool = False) -> tuple[Polynomial, Semialgebraic]:
    """The canonical integer program as ``(objective, domain)`` in the variables
    :math:`(w_1..w_n, v_1..v_d)`: maximise :math:`\\frac1n\\sum_i w_i` subject to
    :math:`w_i^2 = w_i`, :math:`\\|v\\|^2 = 1`, :math:`w_i(\\delta^2 - \\langle x_i,v\\rangle^2)
    \\ge 0` (the domain carries the bound 1 on every variable).

    Examples
    --------
    >>> from sosrmt.problems.anticoncentration import sample_gaussian, whiten
    >>> X = whiten(sample_gaussian(5, 2, rng=0))
    >>> obj, dom = program(X, 0.3)
    >>> dom.nvars, len(dom.equalities), len(dom.inequalities)
    (7, 6, 5)
    """
    X, delta = prepare_points(X, delta, whiten_input=whiten, isotropy_tol=isotropy_tol,
                              allow_duplicates=allow_duplicates)
    return _program(X, delta)


def _program(X: np.ndarray, delta: float) -> tuple[Polynomial, Semialgebraic]:
    n, d = X.shape
    N = n + d
    z = variables(N)
    w, v = z[:n], z[n:]
    zero = Polynomial.constant(0.0, N)
    eqs = [wi * wi - wi for wi in w] + [sum((va * va for va in v), zero) - 1.0]
    ineqs = []
    for i in range(n):
        lin = sum((float(X[i, a]) * v[a] for a in range(d)), zero)
        ineqs.append(w[i] * (delta ** 2 - lin * lin))
    return sum(w, zero) / n, Semialgebraic(N, eqs, ineqs, bound=1.0)


def _ip_engine(X: np.ndarray, delta: float, degree: int, *, backend: str,
               eps: float) -> IPRelaxationResult:
    """Full degree-``degree`` moment relaxation of A_{X,delta} through the SoS engine."""
    n, d = X.shape
    size = basis_size(n + d, degree // 2, "general")
    check_memory(8.0 * 40 * size * size, f"the degree-{degree} relaxation with n={n}, d={d} "
                 f"(moment basis of size {size})", hint="use level='2+2' or fewer points")
    t0 = time.perf_counter()
    obj, domain = _program(X, delta)
    opts = {"eps": eps} if backend == "scs" else {}
    res = solve(obj, domain, degree=degree, backend=backend, **opts)
    ok = res.status in ("optimal", "optimal_inaccurate")
    return IPRelaxationResult(
        status=res.status, value=float(res.value), bound=res.bound,
        gap=(res.bound - res.value) if (ok and res.bound is not None) else float("nan"),
        moments={"pseudo_expectation": res.pseudo_expectation}, moment_matrices=(),
        level=str(degree), timings=dict(res.timings) | {"total": time.perf_counter() - t0},
        stats=dict(res.stats) | {"engine_result": res})
