"""The polynomial-approximation certificate of anti-concentration.

A univariate even polynomial p with (a) p >= 1 on [-delta, delta] and (b) p >= 0 on R gives
the SoS proof  A_{X,delta} |- (1/n) sum_i w_i <= Q_X(v) := (1/n) sum_i p(<x_i, v>), and a
sphere SoS bound max_{|v|=1} Q_X(v) <= B finishes it. Univariate nonnegativity is exactly
SoS (Lukács–Markov: p - 1 = s0 + s1 (delta^2 - z^2) on the interval), so (a) and (b) are
*verified exactly* here, with rational arithmetic and Sturm sequences (sympy), instead of
trusting the solver's Gram matrices.

Why cvxpy for the choice of p: it is a tiny dense SDP (Gram matrices of size r + 1 in one
variable, plus one Gram matrix over the degree-r forms in d variables) whose only role is to
*propose* p; nothing it returns is trusted. The sphere bound for the verified p goes through
the engine (:func:`sosrmt.sos.solve` on :class:`sosrmt.sos.Sphere`), whose ``bound`` is
rigorous; the joint SDP's own Gram matrix gives a second rigorous bound (eigenvalue clipping
plus the coefficient residual, |v^alpha| <= 1 on the unit sphere) and the smaller is reported.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import numpy.typing as npt
from numpy.polynomial import chebyshev as C

from sosrmt._validation import as_rng, check_int, check_memory
from sosrmt.poly import Polynomial
from sosrmt.problems.anticoncentration.samplers import prepare_points
from sosrmt.problems.protocol import RngLike
from sosrmt.sos import Sphere, solve

__all__ = ["PolyCertificate", "poly_certificate", "sphere_form_bound", "verify_slab_polynomial"]


@dataclass
class PolyCertificate:
    """A verified polynomial-approximation certificate.

    Attributes
    ----------
    bound : float or None
        Rigorous upper bound on max_v (1/n) sum_i p(<x_i, v>), hence on OPT(X, delta).
    coefficients : ndarray
        Power-basis coefficients of the verified p in z (index k is the z^k coefficient).
    degree : int
        deg p = 2r.
    value : float
        The SDP's (unverified) optimal value.
    grid_max : float
        max of Q_X over a direction grid (d = 2) or random directions: a lower bound on
        max_v Q_X(v), for the certificate's slack.
    status : str
    info : dict
        Margin added for exact verification, the engine bound and the own Gram bound, ...
    """

    bound: float | None
    coefficients: np.ndarray
    degree: int
    value: float
    grid_max: float
    status: str
    info: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    def evaluate(self, z: np.ndarray) -> np.ndarray:
        """p(z)."""
        return np.polynomial.polynomial.polyval(np.asarray(z, dtype=float), self.coefficients)


# ----------------------------------------------------------------------------- forms

def _forms(d: int, deg: int) -> list[tuple[int, ...]]:
    """Exponent tuples of the monomials of total degree ``deg`` in ``d`` variables."""
    out = []
    for combo in itertools.combinations_with_replacement(range(d), deg):
        e = [0] * d
        for a in combo:
            e[a] += 1
        out.append(tuple(e))
    return out


def _multinom(e: tuple[int, ...]) -> float:
    return math.factorial(sum(e)) / math.prod(math.factorial(k) for k in e)


def _power_sum_form(Y: np.ndarray, k: int) -> dict[tuple[int, ...], float]:
    """(1/n) sum_i <y_i, v>^k as {exponent: coefficient}."""
    d = Y.shape[1]
    out = {}
    for e in _forms(d, k):
        out[e] = _multinom(e) * float(np.mean(np.prod(Y ** np.array(e), axis=1)))
    return out


def _sphere_power(d: int, m: int) -> dict[tuple[int, ...], float]:
    """|v|^(2m) as {exponent: coefficient}."""
    return {tuple(2 * a for a in e): _multinom(e) for e in _forms(d, m)}


def _mul(f: dict, g: dict) -> dict:
    out: dict = {}
    for ef, cf in f.items():
        for eg, cg in g.items():
            e = tuple(a + b for a, b in zip(ef, eg, strict=True))
            out[e] = out.get(e, 0.0) + cf * cg
    return out


def _homogeneous_pieces(Y: np.ndarray, r: int) -> list[dict]:
    """H_k = |v|^(2(r-k)) (1/n) sum_i <y_i, v>^(2k), k = 0..r (all of degree 2r)."""
    d = Y.shape[1]
    return [_mul(_sphere_power(d, r - k), _power_sum_form(Y, 2 * k)) for k in range(r + 1)]


# ----------------------------------------------------------------------------- exact check

def _to_fracs(coefs: np.ndarray) -> list[Fraction]:
    return [Fraction(float(c)) for c in coefs]


def verify_slab_polynomial(coefs: np.ndarray, eps: float) -> bool:
    """Exactly check p >= 0 on R and p >= 1 on [-eps, eps] (strictly), p given by power
    coefficients in float (taken as exact binary rationals), with Sturm sequences.

    Examples
    --------
    >>> verify_slab_polynomial(np.array([1.5, 0.0, 1.0]), 0.1)   # 1.5 + z^2
    True
    >>> verify_slab_polynomial(np.array([1.0, 0.0, -1.0, 0.0, 1.0]), 0.1)   # 1 - z^2 + z^4
    False
    """
    import sympy

    z = sympy.Symbol("z")
    fr = _to_fracs(coefs)
    while len(fr) > 1 and fr[-1] == 0:
        fr.pop()
    if len(fr) % 2 == 0 or fr[-1] <= 0:
        return False  # odd degree or negative leading coefficient: unbounded below
    P = sympy.Poly([sympy.Rational(c.numerator, c.denominator) for c in reversed(fr)], z,
                   domain="QQ")
    if P.count_roots() != 0:  # no real root and positive leading coefficient: p > 0 on R
        return False
    e = sympy.Rational(Fraction(float(eps)).numerator, Fraction(float(eps)).denominator)
    Q = P - 1
    return Q.count_roots(-e, e) == 0 and Q.eval(0) > 0


def _min_on(coefs: np.ndarray, lo: float, hi: float) -> float:
    """Numerical minimum of a polynomial on [lo, hi] (critical points and ends)."""
    pp = np.polynomial.Polynomial(coefs)
    crit = pp.deriv().roots()
    crit = crit[np.abs(crit.imag) < 1e-9].real
    pts = np.concatenate([[lo, hi], crit[(crit >= lo) & (crit <= hi)]])
    pts = pts[np.isfinite(pts)]
    return float(pp(pts).min())


def _make_valid(coefs: np.ndarray, eps: float) -> tuple[np.ndarray, float, bool]:
    """Add the smallest constant margin (found numerically, then doubled until the exact
    check passes) that makes p >= 0 on R and p >= 1 on [-eps, eps]."""
    big = 1e6
    need = max(0.0, -_min_on(coefs, -big, big), 1.0 - _min_on(coefs, -eps, eps))
    margin = need + 1e-9 * (1.0 + need)
    for _ in range(30):
        c = coefs.copy()
        c[0] += margin
        if verify_slab_polynomial(c, eps):
            return c, margin, True
        margin = 2 * margin + 1e-9
    return coefs, margin, False


# ----------------------------------------------------------------------------- SDPs

def _cheb_gram_maps(r: int, deg: int) -> np.ndarray:
    """E[k, i, j] = coefficient of s^k in T_i(s) T_j(s), i, j <= r (k <= deg)."""
    E = np.zeros((deg + 1, r + 1, r + 1))
    for i in range(r + 1):
        for j in range(r + 1):
            ci = np.zeros(i + 1)
            ci[i] = 1
            cj = np.zeros(j + 1)
            cj[j] = 1
            pw = C.cheb2poly(C.chebmul(ci, cj))
            E[: len(pw), i, j] = pw
    return E


def _univariate_constraints(q, r: int, eps: float) -> list:
    """Constraints making q (power coefficients in s, degree 2r) SoS (b) and
    q - 1 = s0 + s1 (eps^2 - s^2) (a), with Gram matrices in the Chebyshev basis."""
    import cvxpy as cp

    deg = 2 * r
    Eb = _cheb_gram_maps(r, deg)
    Ea = _cheb_gram_maps(r - 1, deg) if r >= 1 else None
    Pb = cp.Variable((r + 1, r + 1), PSD=True)
    S0 = cp.Variable((r + 1, r + 1), PSD=True)
    cons = []
    one = np.zeros(deg + 1)
    one[0] = 1.0
    S1 = cp.Variable((r, r), PSD=True) if r >= 1 else None
    for k in range(deg + 1):
        cons.append(q[k] == cp.sum(cp.multiply(Eb[k], Pb)))
        rhs = cp.sum(cp.multiply(Eb[k], S0))
        if S1 is not None:
            rhs = rhs + eps * eps * cp.sum(cp.multiply(Ea[k], S1))
            if k >= 2:
                rhs = rhs - cp.sum(cp.multiply(Ea[k - 2], S1))
        cons.append(q[k] - one[k] == rhs)
    cons += [q[k] == 0 for k in range(1, deg + 1, 2)]
    return cons


def _solve(prob) -> str:
    import cvxpy as cp

    try:
        prob.solve(solver=cp.CLARABEL)
    except cp.error.SolverError:
        prob.solve(solver=cp.SCS, eps=1e-8, max_iters=50_000)
    return prob.status


def sphere_form_bound(coefs_by_exp: dict[tuple[int, ...], float], d: int, r: int,
                      B: float, G: np.ndarray) -> float:
    """Rigorous bound on max_{|v|=1} F(v) for a form F of degree 2r from a Gram matrix G
    (over the degree-r monomials) proposed for B |v|^(2r) - F = m^T G m.

    Clip G to its PSD part G+, let R = B |v|^(2r) - F - m^T G+ m; on the unit sphere
    F = B - m^T G+ m - R <= B + sum |R_alpha| since |v^alpha| <= 1.

    Examples
    --------
    >>> F = {(2, 0): 2.0, (0, 2): 1.0}          # 2 v1^2 + v2^2, max on the circle is 2
    >>> round(float(sphere_form_bound(F, 2, 1, 2.0, np.diag([0.0, 1.0]))), 9)
    2.0
    """
    basis = _forms(d, r)
    lam, U = np.linalg.eigh((G + G.T) / 2)
    Gp = (U * np.maximum(lam, 0.0)) @ U.T
    R = {e: B * c for e, c in _sphere_power(d, r).items()}
    for e, c in coefs_by_exp.items():
        R[e] = R.get(e, 0.0) - c
    for a, ea in enumerate(basis):
        for b, eb in enumerate(basis):
            e = tuple(x + y for x, y in zip(ea, eb, strict=True))
            R[e] = R.get(e, 0.0) - Gp[a, b]
    val = B + sum(abs(v) for v in R.values())
    return val + 1e-12 * (1 + abs(val))


def _engine_sphere_bound(form_terms: dict, d: int, r: int) -> tuple[float | None, str]:
    """Sphere SoS bound of max F through the engine (degree 2r relaxation on Sphere(d))."""
    poly = Polynomial.from_terms(list(form_terms.items()), d)
    res = solve(poly, Sphere(d), degree=2 * r, backend="scs")
    return (res.bound if res.ok else None), res.status


def _poly_certificate(X: np.ndarray, delta: float, *, degree: int = 8, reference: str = "joint",
                     engine: bool = True, n_grid: int = 4096,
                     rng: RngLike = None) -> PolyCertificate:
    """Compute the polynomial-approximation certificate (see the module docstring).

    ``reference="joint"`` chooses p to minimise the certified bound itself (one SDP: the
    univariate conditions and the sphere Gram matrix together); ``"gaussian"`` follows the
    two-stage recipe, min E_{g ~ N(0,1)} p(g), then the sphere bound.
    """
    import cvxpy as cp


    t0 = time.perf_counter()
    d = X.shape[1]
    r = degree // 2
    deg = 2 * r
    c = float(np.max(np.linalg.norm(X, axis=1)))  # scale: s = z / c lies in [-1, 1]
    Y = X / c
    eps = delta / c
    q = cp.Variable(deg + 1)
    cons = _univariate_constraints(q, r, eps)
    H = _homogeneous_pieces(Y, r)
    exps = sorted(set().union(*[h.keys() for h in H]))
    basis = _forms(d, r)
    G = cp.Variable((len(basis), len(basis)), PSD=True)
    Bv = cp.Variable()
    if reference == "joint":
        sp_r = _sphere_power(d, r)
        gram_coef: dict = {}
        for a, ea in enumerate(basis):
            for b, eb in enumerate(basis):
                e = tuple(x + y for x, y in zip(ea, eb, strict=True))
                gram_coef.setdefault(e, []).append((a, b))
        for e in exps:
            F_e = sum(q[2 * k] * H[k].get(e, 0.0) for k in range(r + 1) if H[k].get(e, 0.0))
            g_e = sum(G[a, b] for a, b in gram_coef.get(e, []))
            cons.append(Bv * sp_r.get(e, 0.0) - F_e == g_e)
        prob = cp.Problem(cp.Minimize(Bv), cons)
    elif reference == "gaussian":
        mom = np.array([0.0 if k % 2 else float(math.prod(range(k - 1, 0, -2))) * c ** -k
                        if k else 1.0 for k in range(deg + 1)])
        # E p(g) with p(z) = q(z / c): sum_k q_k E g^k / c^k
        prob = cp.Problem(cp.Minimize(mom @ q), cons)
    else:
        raise ValueError(f"reference: expected 'joint' or 'gaussian', got {reference!r}")
    status = _solve(prob)
    t1 = time.perf_counter()
    if q.value is None:
        return PolyCertificate(None, np.zeros(deg + 1), deg, float("nan"), float("nan"),
                               status, {}, {"sdp": t1 - t0})
    qs = np.array(q.value, dtype=float)
    qs[1::2] = 0.0
    qv, margin, verified = _make_valid(qs, eps)
    t2 = time.perf_counter()
    form = {}
    for k in range(r + 1):
        for e, v in H[k].items():
            form[e] = form.get(e, 0.0) + qv[2 * k] * v
    own = None
    if reference == "joint" and G.value is not None and verified:
        own = sphere_form_bound(form, d, r, float(Bv.value), np.asarray(G.value))
    # the non-homogeneous Q(v) = sum_k q_2k (1/n) sum <y_i, v>^2k for the engine
    Qterms: dict = {}
    for k in range(r + 1):
        for e, v in _power_sum_form(Y, 2 * k).items():
            Qterms[e] = Qterms.get(e, 0.0) + qv[2 * k] * v
    eng, eng_status = (None, "skipped")
    if engine and verified:
        eng, eng_status = _engine_sphere_bound(Qterms, d, r)
    t3 = time.perf_counter()
    cands = [b for b in (own, eng) if b is not None]
    bound = min(cands) if (cands and verified) else None
    # grid lower bound on max_v Q(v)
    gen = as_rng(rng)
    n_grid = int(min(n_grid, max(128, 3e7 // X.shape[0])))  # a diagnostic: cap its cost
    if d == 2:
        th = np.linspace(0, np.pi, n_grid, endpoint=False)
        V = np.c_[np.cos(th), np.sin(th)]
    else:
        V = gen.standard_normal((n_grid, d))
        V /= np.linalg.norm(V, axis=1)[:, None]
    step = max(1, int(4e6 // Y.shape[0]))  # chunks of directions: ~32 MB at a time
    grid = max(float(np.max(np.polynomial.polynomial.polyval(V[s:s + step] @ Y.T, qv)
                            .mean(axis=1))) for s in range(0, V.shape[0], step))
    # back to the variable z: p(z) = q(z / c)
    coefs_z = qv / c ** np.arange(deg + 1)
    return PolyCertificate(
        bound=bound, coefficients=coefs_z, degree=deg,
        value=float(prob.value) if prob.value is not None else float("nan"),
        grid_max=grid, status=status if verified else "unverified",
        info={"margin": margin, "verified": verified, "own_bound": own, "engine_bound": eng,
              "engine_status": eng_status, "scale": c, "reference": reference},
        timings={"sdp": t1 - t0, "verify": t2 - t1, "sphere": t3 - t2,
                 "total": time.perf_counter() - t0})


def poly_certificate(X: npt.ArrayLike, delta: float, *, degree: int = 12, reference: str = "joint",
                     engine: bool = True, whiten: bool = False, isotropy_tol: float = 1e-6,
                     allow_duplicates: bool = False, rng: RngLike = None) -> PolyCertificate:
    """Polynomial-approximation certificate of ``max_v (1/n) #{|<x_i, v>| <= delta}``.

    Parameters
    ----------
    X : (n, d) array
        Points in isotropic position (or ``whiten=True``).
    delta : float
        Slab half-width, 0 < delta < 1.
    degree : int
        Degree 2r of the univariate polynomial p (even, 2 <= degree <= 24; beyond ~16 the
        monomial-basis SDPs lose accuracy and the bound may loosen, never invalidly).
    reference : {"joint", "gaussian"}
        How p is chosen: minimise the certified bound itself, or E_{N(0,1)} p (two stages).
    engine : bool
        Also bound the sphere maximum through :func:`sosrmt.sos.solve` on ``Sphere(d)``
        (the reported bound is the smaller of the valid bounds). With ``reference=
        "gaussian"`` the engine gives the only bound, so it is always used there.
    rng : seed or Generator
        Directions for the grid lower bound when d >= 3.

    Returns
    -------
    PolyCertificate
        ``bound`` is rigorous: (a), (b) are verified exactly, the sphere step carries
        the engine's or our residual-corrected bound.

    Examples
    --------
    >>> from sosrmt.problems.anticoncentration import sample_gaussian, whiten
    >>> X = whiten(sample_gaussian(100, 2, rng=1))
    >>> c = poly_certificate(X, 0.1, degree=4)
    >>> c.info["verified"], bool(c.grid_max <= c.bound)
    (True, True)
    """
    X, delta = prepare_points(X, delta, whiten_input=whiten, isotropy_tol=isotropy_tol,
                              allow_duplicates=allow_duplicates)
    degree = check_int(degree, "degree", minimum=2, maximum=24)
    if degree % 2:
        raise ValueError(f"degree: expected an even degree, got {degree}")
    if reference not in ("joint", "gaussian"):
        raise ValueError(f"reference: expected 'joint' or 'gaussian', got {reference!r}")
    n, d = X.shape
    terms = math.comb(d + degree - 1, degree)
    check_memory(8.0 * n * (terms + 2 * d) + 8.0 * 4e6,
                 f"the degree-{degree} polynomial certificate (n={n}, d={d})")
    return _poly_certificate(X, delta, degree=degree, reference=reference,
                             engine=engine or reference == "gaussian", rng=rng)
