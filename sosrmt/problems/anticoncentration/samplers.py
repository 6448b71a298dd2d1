"""Samplers, isotropic position, exact ground truth and population references for
anti-concentration (the parts of :mod:`sosrmt.problems.anticoncentration` that need no SDP).

Everything here is re-exported by :mod:`sosrmt.problems.anticoncentration`; see its module
docstring for the mathematics and the provenance of each formula.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import integrate, special

from sosrmt._validation import as_rng, check_finite_array, check_int, check_memory

__all__ = [
    "DISTRIBUTIONS",
    "SlabOptimum",
    "affine_transform",
    "check_isotropic",
    "cube_slab_mass",
    "cube_slab_mass_worst",
    "gaussian_slab_mass",
    "isotropy_error",
    "l2_ball_density_at_zero",
    "lp_ball_second_moment",
    "lp_ball_slab_mass",
    "opt_exact",
    "parse_distribution",
    "population_opt",
    "prepare_points",
    "rademacher_slab_mass",
    "sample_cube",
    "sample_gaussian",
    "sample_lp_ball",
    "sample_points",
    "sample_rademacher",
    "slab_count",
    "slab_fraction",
    "whiten",
]

#: Names accepted by :func:`sample_points` (``lp:P`` takes any real P >= 1).
DISTRIBUTIONS = ("gaussian", "cube", "rademacher", "lp:P")

#: Relative tolerance used when a point lies exactly on a slab boundary |<x, v>| = delta.
BOUNDARY_RTOL = 1e-9


# ----------------------------------------------------------------------------- samplers

def _check_nd(n: object, d: object) -> tuple[int, int]:
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    check_memory(8.0 * n * d * 3, f"sampling n={n} points in dimension d={d}")
    return n, d


def sample_gaussian(n: int, d: int, *, rng: object = None) -> np.ndarray:
    """``n`` i.i.d. standard Gaussian points in R^d (isotropic in expectation).

    Examples
    --------
    >>> sample_gaussian(3, 2, rng=0).shape
    (3, 2)
    """
    n, d = _check_nd(n, d)
    return as_rng(rng).standard_normal((n, d))


def sample_cube(n: int, d: int, *, rng: object = None) -> np.ndarray:
    """``n`` points uniform on the cube [-sqrt 3, sqrt 3]^d (isotropic bounded product).

    Examples
    --------
    >>> bool(abs(sample_cube(5, 3, rng=0)).max() <= 3 ** 0.5)
    True
    """
    n, d = _check_nd(n, d)
    s = math.sqrt(3.0)
    return as_rng(rng).uniform(-s, s, size=(n, d))


def sample_rademacher(n: int, d: int, *, rng: object = None) -> np.ndarray:
    """``n`` points uniform on {-1, +1}^d: isotropic but *not* anti-concentrated.

    The direction (e_1 - e_2)/sqrt 2 has <x, v> = 0 for half of the cube, so the slab
    fraction is at least 1/2 for every delta >= 0 (the negative control).

    Examples
    --------
    >>> sorted(set(sample_rademacher(20, 2, rng=0).ravel().tolist()))
    [-1.0, 1.0]
    """
    n, d = _check_nd(n, d)
    return as_rng(rng).choice(np.array([-1.0, 1.0]), size=(n, d))


def lp_ball_second_moment(d: int, p: float) -> float:
    """E[x_1^2] for x uniform on the unit L_p ball of R^d.

    Notes
    -----
    E x_1^2 = Gamma(3/p) Gamma(d/p + 1) / (Gamma(1/p) Gamma((d + 2)/p + 1))
    (spec §7 row 28; follows from the Barthe–Guédon–Mendelson–Naor representation).

    Examples
    --------
    >>> round(lp_ball_second_moment(2, 2.0), 12)   # unit disc: E x_1^2 = 1/4
    0.25
    """
    d = check_int(d, "d", minimum=1)
    p = _check_p(p)
    return float(np.exp(special.gammaln(3 / p) + special.gammaln(d / p + 1)
                        - special.gammaln(1 / p) - special.gammaln((d + 2) / p + 1)))


def _check_p(p: object) -> float:
    try:
        p = float(p)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"p: expected a real number >= 1, got {p!r}") from None
    if not math.isfinite(p) or p < 1:
        raise ValueError(f"p: expected a finite real number >= 1, got {p}")
    return p


def sample_lp_ball(n: int, d: int, p: float, *, isotropic: bool = True,
                   rng: object = None) -> np.ndarray:
    """``n`` points exactly uniform on the L_p ball of R^d, p >= 1 (BGMN sampler).

    Parameters
    ----------
    n, d : int
        Number of points and dimension.
    p : float
        The norm exponent, any real p >= 1.
    isotropic : bool
        Rescale by (E x_1^2)^(-1/2) so that E x x^T = I (default); else the unit ball.
    rng : seed or Generator

    Notes
    -----
    Barthe–Guédon–Mendelson–Naor: with Y_i = eps_i G_i^(1/p), G_i ~ Gamma(1/p, 1),
    eps_i uniform signs and Z ~ Exp(1) independent, ``Y / (sum_i |Y_i|^p + Z)^(1/p)`` is
    uniform on the unit L_p ball. Then ||x||_p^d is uniform on [0, 1].

    Examples
    --------
    >>> x = sample_lp_ball(1000, 3, 1.0, isotropic=False, rng=0)
    >>> bool(np.abs(x).sum(axis=1).max() <= 1.0)
    True
    """
    n, d = _check_nd(n, d)
    p = _check_p(p)
    gen = as_rng(rng)
    g = gen.gamma(1.0 / p, 1.0, size=(n, d))
    y = gen.choice(np.array([-1.0, 1.0]), size=(n, d)) * g ** (1.0 / p)
    z = gen.exponential(1.0, size=n)
    x = y / ((g.sum(axis=1) + z) ** (1.0 / p))[:, None]
    if isotropic:
        x /= math.sqrt(lp_ball_second_moment(d, p))
    return x


def parse_distribution(dist: str) -> tuple[str, float | None]:
    """Parse a distribution name: 'gaussian', 'cube', 'rademacher' or 'lp:P' (P >= 1).

    Examples
    --------
    >>> parse_distribution("lp:4")
    ('lp', 4.0)
    """
    if not isinstance(dist, str):
        raise TypeError(f"dist: expected a string such as 'gaussian' or 'lp:4', got {dist!r}")
    name = dist.strip().lower()
    if name in ("gaussian", "cube", "rademacher"):
        return name, None
    if name.startswith("lp:"):
        return "lp", _check_p(name[3:])
    raise ValueError(f"dist: expected one of {DISTRIBUTIONS} (lp:P with P >= 1), got {dist!r}")


def sample_points(dist: str, n: int, d: int, *, rng: object = None) -> np.ndarray:
    """Sample ``n`` isotropic points of the named distribution (see :data:`DISTRIBUTIONS`).

    Examples
    --------
    >>> sample_points("lp:1", 4, 2, rng=1).shape
    (4, 2)
    """
    name, p = parse_distribution(dist)
    if name == "gaussian":
        return sample_gaussian(n, d, rng=rng)
    if name == "cube":
        return sample_cube(n, d, rng=rng)
    if name == "rademacher":
        return sample_rademacher(n, d, rng=rng)
    return sample_lp_ball(n, d, p, rng=rng)  # type: ignore[arg-type]


def affine_transform(X: object, A: object, b: object = None) -> np.ndarray:
    """Return the points x_i -> A x_i + b (rows of ``X``).

    BKRTV's certificates cover affine images of the base distributions; apply
    :func:`whiten` with ``center=True`` to bring them back to isotropic position.

    Examples
    --------
    >>> affine_transform([[1.0, 0.0]], [[2.0, 0.0], [0.0, 3.0]], [1.0, 1.0]).tolist()
    [[3.0, 1.0]]
    """
    X = check_finite_array(X, "X", ndim=2)
    A = check_finite_array(A, "A", ndim=2)
    if A.shape[1] != X.shape[1]:
        raise ValueError(f"A: expected shape (k, {X.shape[1]}) to act on points of dimension "
                         f"{X.shape[1]}, got {A.shape}")
    Y = X @ A.T
    if b is not None:
        b = check_finite_array(b, "b", ndim=1)
        if b.shape != (A.shape[0],):
            raise ValueError(f"b: expected shape ({A.shape[0]},), got {b.shape}")
        Y = Y + b
    return Y


# ----------------------------------------------------------------------------- isotropy

def _second_moment(X: np.ndarray, center: bool) -> tuple[np.ndarray, np.ndarray]:
    mu = X.mean(axis=0) if center else np.zeros(X.shape[1])
    Y = X - mu
    return Y.T @ Y / X.shape[0], mu


def isotropy_error(X: object) -> float:
    """||(1/n) sum_i x_i x_i^T - I||_op, the distance of ``X`` from isotropic position.

    Examples
    --------
    >>> float(isotropy_error(np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]])))
    1.0
    """
    X = check_finite_array(X, "X", ndim=2)
    S, _ = _second_moment(X, False)
    return float(np.abs(np.linalg.eigvalsh(S - np.eye(X.shape[1]))).max())


def whiten(X: object, *, center: bool = False,
           return_transform: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """Bring ``X`` to isotropic position: x -> S^(-1/2)(x - mu), with (1/n) sum x x^T = I after.

    Parameters
    ----------
    X : (n, d) array
    center : bool
        Subtract the mean first (needed after an affine map with a shift). The slab
        problem is about slabs through the origin, so the default keeps the origin.
    return_transform : bool
        Also return ``(W, mu)`` with ``Y = (X - mu) @ W.T``.

    Examples
    --------
    >>> Y = whiten(sample_gaussian(50, 3, rng=0))
    >>> bool(isotropy_error(Y) < 1e-12)
    True
    """
    X = check_finite_array(X, "X", ndim=2)
    n, d = X.shape
    if n <= d:
        raise ValueError(f"X: whitening needs more points than dimensions, got n={n}, d={d}")
    S, mu = _second_moment(X, center)
    lam, U = np.linalg.eigh(S)
    if lam[0] <= 1e-12 * max(lam[-1], 1e-300):
        raise ValueError("X: the points lie in a proper subspace (singular second-moment "
                         f"matrix, smallest eigenvalue {lam[0]:.3g}); cannot whiten")
    W = (U / np.sqrt(lam)) @ U.T
    Y = (X - mu) @ W.T
    return (Y, W, mu) if return_transform else Y


def check_isotropic(X: object, *, tol: float = 1e-6) -> np.ndarray:
    """Return ``X`` as an array if it is in isotropic position up to ``tol``, else raise.

    The error says how far the input is and offers :func:`whiten`.

    Examples
    --------
    >>> try:
    ...     check_isotropic(2 * whiten(sample_gaussian(20, 2, rng=0)))
    ... except ValueError as err:
    ...     print(str(err).split(";")[0][-7:])
    _op = 3
    """
    X = check_finite_array(X, "X", ndim=2)
    err = isotropy_error(X)
    if not err <= tol:
        raise ValueError("X: expected points in isotropic position ((1/n) sum x x^T = I up to "
                         f"tol={tol:g}), but ||(1/n) sum x x^T - I||_op = {err:.3g}; "
                         "call whiten(X) first or pass whiten=True")
    return X


def prepare_points(X: object, delta: object, *, whiten_input: bool = False,
                   isotropy_tol: float = 1e-6, allow_duplicates: bool = False,
                   min_d: int = 2) -> tuple[np.ndarray, float]:
    """Validate an instance (X, delta) of the slab problem; return the (whitened) points.

    Checks: a finite 2-d array with d >= ``min_d`` and n > d; no duplicated points unless
    ``allow_duplicates``; isotropic position (or whitening on request); 0 < delta < 1,
    where 1 is the scale of isotropic data (every direction has mean square 1).
    """
    X = check_finite_array(X, "X", ndim=2)
    n, d = X.shape
    if d < min_d:
        raise ValueError(f"X: expected points of dimension d >= {min_d}, got d={d} "
                         "(for d = 1 the only directions are +-1 and the problem is trivial)")
    if n <= d:
        raise ValueError(f"X: expected more points than dimensions, got n={n}, d={d}")
    if not allow_duplicates:
        _, first, counts = np.unique(X, axis=0, return_index=True, return_counts=True)
        if np.any(counts > 1):
            row = X[first[np.argmax(counts > 1)]]
            dup = np.flatnonzero(np.all(X == row, axis=1))
            raise ValueError(f"X: expected distinct points, rows {dup[:5].tolist()} are equal "
                             f"({int(np.sum(counts[counts > 1]))} rows repeated); pass "
                             "allow_duplicates=True for discrete distributions such as "
                             "Rademacher")
    X = whiten(X) if whiten_input else check_isotropic(X, tol=isotropy_tol)
    try:
        delta = float(delta)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"delta: expected a real number in (0, 1), got {delta!r}") from None
    if not (0.0 < delta < 1.0):
        raise ValueError(f"delta: expected 0 < delta < 1 (the scale of isotropic data), "
                         f"got {delta}")
    return X, delta


# ----------------------------------------------------------------------------- ground truth

@dataclass
class SlabOptimum:
    """The maximal slab fraction ``max_v (1/n) #{i : |<x_i, v>| <= delta}`` and a maximiser.

    ``exact`` is False for d >= 4, where ``value`` is a lower bound found by search.
    """

    value: float
    count: int
    direction: np.ndarray
    exact: bool
    method: str
    n_candidates: int = 0
    info: dict = field(default_factory=dict)


def slab_count(X: np.ndarray, V: np.ndarray, delta: float, *,
               rtol: float = BOUNDARY_RTOL) -> np.ndarray:
    """Number of points with ``|<x_i, v>| <= delta (1 + rtol)`` for each row v of ``V``.

    Examples
    --------
    >>> slab_count(np.eye(2), np.array([[1.0, 0.0]]), 0.5).tolist()
    [1]
    """
    V = np.atleast_2d(V)
    thr = delta * (1.0 + rtol)
    out = np.empty(V.shape[0], dtype=np.int64)
    step = max(1, int(4e6 // max(X.shape[0], 1)))
    for s in range(0, V.shape[0], step):
        out[s:s + step] = (np.abs(V[s:s + step] @ X.T) <= thr).sum(axis=1)
    return out


def slab_fraction(X: object, v: object, delta: float) -> float:
    """``(1/n) #{i : |<x_i, v/||v||>| <= delta}`` for one direction ``v``.

    Examples
    --------
    >>> slab_fraction([[0.0, 1.0], [1.0, 0.0]], [1.0, 0.0], 0.1)
    0.5
    """
    X = check_finite_array(X, "X", ndim=2)
    v = check_finite_array(v, "v", ndim=1)
    nv = float(np.linalg.norm(v))
    if v.shape != (X.shape[1],) or nv == 0:
        raise ValueError(f"v: expected a nonzero vector of length {X.shape[1]}, got {v}")
    return float(slab_count(X, v / nv, float(delta))[0]) / X.shape[0]


def _sweep_d2(X: np.ndarray, delta: float) -> SlabOptimum:
    """Exact d = 2 maximum by an angular sweep over arcs of directions (O(n log n))."""
    n = X.shape[0]
    r = np.hypot(X[:, 0], X[:, 1])
    inside = r <= delta
    base = int(inside.sum())
    Xo = X[~inside]
    ro = r[~inside]
    if Xo.shape[0] == 0:
        return SlabOptimum(1.0, n, np.array([1.0, 0.0]), True, "angular-sweep", 0)
    phi = np.arctan2(Xo[:, 1], Xo[:, 0])
    alpha = np.arcsin(np.minimum(delta / ro, 1.0))
    start = np.mod(phi + np.pi / 2 - alpha, np.pi)
    end = start + 2 * alpha
    # arcs [s, e] and their copies shifted by pi: every theta in [pi, 2 pi) then sees every
    # arc of the circle R/pi Z that contains it, and no theta sees an arc twice (2 alpha < pi)
    ang = np.concatenate([start, start + np.pi, end, end + np.pi])
    typ = np.concatenate([np.zeros(2 * len(start), np.int8), np.ones(2 * len(start), np.int8)])
    order = np.lexsort((typ, ang))  # at equal angles starts first: the arcs are closed
    steps = np.where(typ[order] == 0, 1, -1)
    run = np.cumsum(steps)
    k = int(np.argmax(run))
    theta = float(np.mod(ang[order][k], np.pi))
    v = np.array([math.cos(theta), math.sin(theta)])
    count = int(run[k]) + base
    return SlabOptimum(count / n, count, v, True, "angular-sweep", 2 * len(start),
                       {"recount": int(slab_count(X, v, delta)[0])})


def _vertices_d3(X: np.ndarray, delta: float, i: int, js: np.ndarray) -> np.ndarray:
    """Points v of S^2 with <x_i, v> = +-delta and <x_j, v> = +-delta (j in js)."""
    a = X[i]
    B = X[js]
    aa = a @ a
    ab = B @ a
    bb = np.einsum("ij,ij->i", B, B)
    det = aa * bb - ab ** 2
    ok = det > 1e-12 * aa * bb
    B, ab, bb, det = B[ok], ab[ok], bb[ok], det[ok]
    cross = np.cross(a, B)
    cross /= np.linalg.norm(cross, axis=1)[:, None]
    out = []
    for sa, sb in itertools.product((1.0, -1.0), repeat=2):
        al, be = sa * delta, sb * delta
        lam = (bb * al - ab * be) / det
        mu = (aa * be - ab * al) / det
        u = lam[:, None] * a + mu[:, None] * B
        t2 = 1.0 - (lam * al + mu * be)
        good = t2 >= -1e-12
        t = np.sqrt(np.maximum(t2[good], 0.0))[:, None]
        out.append(u[good] + t * cross[good])
        out.append(u[good] - t * cross[good])
    return np.concatenate(out) if out else np.zeros((0, 3))


def _enumerate_d3(X: np.ndarray, delta: float) -> SlabOptimum:
    """Exact d = 3 maximum: the count is attained at a vertex of the arrangement of the
    circles <x_i, v> = +-delta on S^2, or (for faces without vertices) anywhere on a circle."""
    n = X.shape[0]
    check_memory(8.0 * 8 * n * 3 + 8.0 * 8 * n * n, f"d=3 vertex enumeration with n={n}")
    r = np.linalg.norm(X, axis=1)
    best_count, best_v, ncand = -1, np.array([0.0, 0.0, 1.0]), 0

    def consider(V: np.ndarray) -> None:
        nonlocal best_count, best_v, ncand
        if V.shape[0] == 0:
            return
        ncand += V.shape[0]
        c = slab_count(X, V, delta)
        k = int(np.argmax(c))
        if c[k] > best_count:
            best_count, best_v = int(c[k]), V[k] / np.linalg.norm(V[k])

    consider(np.array([[0.0, 0.0, 1.0]]))
    # one point on every circle (faces whose boundary circles carry no vertex)
    big = np.flatnonzero(r > delta)
    if big.size:
        xh = X[big] / r[big, None]
        helper = np.where(np.abs(xh[:, [0]]) < 0.9, [[1.0, 0, 0]], [[0, 1.0, 0]])
        u = np.cross(xh, helper)
        u /= np.linalg.norm(u, axis=1)[:, None]
        c = (delta / r[big])[:, None]
        consider(np.concatenate([c * xh + np.sqrt(1 - c ** 2) * u,
                                 -c * xh + np.sqrt(1 - c ** 2) * u]))
    for i in range(n - 1):
        consider(_vertices_d3(X, delta, i, np.arange(i + 1, n)))
    return SlabOptimum(best_count / n, best_count, best_v, True, "vertex-enumeration", ncand)


def _search_lower(X: np.ndarray, delta: float, *, n_starts: int, rng: object) -> SlabOptimum:
    """d >= 4: random starts and random (d-1)-point hyperplanes, refined by re-fitting the
    hyperplane through the points nearest to it (a local search; returns a lower bound)."""
    n, d = X.shape
    gen = as_rng(rng)
    starts = [gen.standard_normal((n_starts, d))]
    # hyperplanes through d - 1 random points (the delta = 0 vertices)
    for _ in range(n_starts):
        idx = gen.choice(n, size=d - 1, replace=False)
        _, _, vt = np.linalg.svd(X[idx])
        starts.append(vt[-1][None, :])
    V = np.concatenate(starts)
    V /= np.linalg.norm(V, axis=1)[:, None]
    counts = slab_count(X, V, delta)
    best = int(np.argmax(counts))
    best_count, best_v = int(counts[best]), V[best]
    for k in np.argsort(-counts)[: min(len(counts), 4 * n_starts)]:
        v = V[k]
        for _ in range(30):
            proj = np.abs(X @ v)
            m = max(d, int(slab_count(X, v, delta)[0]) + 1)
            near = np.argpartition(proj, min(m, n - 1))[:m]
            _, _, vt = np.linalg.svd(X[near], full_matrices=False)
            w = vt[-1]
            c = int(slab_count(X, w, delta)[0])
            if c <= int(slab_count(X, v, delta)[0]):
                break
            v = w
            if c > best_count:
                best_count, best_v = c, w
    return SlabOptimum(best_count / n, best_count, best_v, False, "search-lower-bound",
                       len(V))


def opt_exact(X: object, delta: float, *, whiten: bool = False, isotropy_tol: float = 1e-6,
              allow_duplicates: bool = False, n_starts: int = 200,
              rng: object = None) -> SlabOptimum:
    """Ground truth OPT(X, delta) = max over unit v of ``(1/n) #{i : |<x_i, v>| <= delta}``.

    Parameters
    ----------
    X : (n, d) array
        Points in isotropic position (or pass ``whiten=True``).
    delta : float
        Slab half-width, 0 < delta < 1.
    whiten : bool
        Whiten the points first instead of refusing non-isotropic input.
    isotropy_tol, allow_duplicates
        See :func:`prepare_points`.
    n_starts : int
        Number of random starts for d >= 4.
    rng : seed or Generator
        Used only for d >= 4.

    Returns
    -------
    SlabOptimum
        Exact for d = 2 (angular sweep, O(n log n)) and d = 3 (vertex enumeration,
        O(n^3)); for d >= 4 ``exact`` is False and ``value`` is a lower bound.

    Notes
    -----
    d = 2: the directions v(theta) = (cos theta, sin theta), theta in [0, pi), that put x
    (``|x| = r > delta``, angle phi) in the slab form the closed arc
    theta - phi in [pi/2 - asin(delta/r), pi/2 + asin(delta/r)] mod pi; a sweep over the
    sorted arc ends finds the deepest point. Points with ``|x| <= delta`` are always inside.
    d = 3: the slab count is upper semicontinuous and constant on the cells of the
    arrangement of the circles <x_i, v> = +-delta, so its maximum is attained at a vertex
    (two circles meet; at most 8 per pair) or, for a face bounded by vertex-free circles,
    at any point of such a circle. Counting uses ``|<x_i, v>| <= delta (1 + 1e-9)``.

    Examples
    --------
    >>> X = whiten(sample_gaussian(200, 2, rng=0))
    >>> res = opt_exact(X, 0.1)
    >>> res.exact, res.count == res.info["recount"]
    (True, True)
    """
    X, delta = prepare_points(X, delta, whiten_input=whiten, isotropy_tol=isotropy_tol,
                              allow_duplicates=allow_duplicates)
    d = X.shape[1]
    if d == 2:
        return _sweep_d2(X, delta)
    if d == 3:
        return _enumerate_d3(X, delta)
    n_starts = check_int(n_starts, "n_starts", minimum=1)
    return _search_lower(X, delta, n_starts=n_starts, rng=rng)


# ----------------------------------------------------------------------------- population

def gaussian_slab_mass(delta: float) -> float:
    """``P(|g| <= delta)`` = erf(delta / sqrt 2) for g ~ N(0, 1) (every direction; spec row 24).

    Examples
    --------
    >>> round(gaussian_slab_mass(1.0), 4)
    0.6827
    """
    return float(special.erf(float(delta) / math.sqrt(2.0)))


def cube_slab_mass(delta: float, v: object) -> float:
    """``P(|<x, v>| <= delta)``, x uniform on [-sqrt 3, sqrt 3]^d, exactly (any unit-able v).

    Notes
    -----
    With ``b_k = sqrt 3 |v_k| > 0`` and U_k uniform on [-1, 1], the CDF of sum_k b_k U_k is
    F(t) = sum_{eps in {+-1}^m} (prod eps) (t + sum eps_k b_k)_+^m / (2^m m! prod b_k)
    (inclusion-exclusion for sums of uniforms). Limited to m <= 12 nonzero coordinates.

    Examples
    --------
    >>> round(cube_slab_mass(0.1, [1.0, 0.0]), 10) == round(0.1 / 3 ** 0.5, 10)
    True
    """
    v = check_finite_array(v, "v", ndim=1)
    nv = np.linalg.norm(v)
    if nv == 0:
        raise ValueError("v: expected a nonzero direction")
    b = math.sqrt(3.0) * np.abs(v / nv)
    b = b[b > 1e-12]
    m = b.size
    if m > 12:
        raise ValueError(f"v: at most 12 nonzero coordinates supported, got {m}")

    def cdf(t: float) -> float:
        tot = 0.0
        for eps in itertools.product((1.0, -1.0), repeat=m):
            e = np.array(eps)
            tot += float(np.prod(e)) * max(t + float(e @ b), 0.0) ** m
        return tot / (2 ** m * math.factorial(m) * float(np.prod(b)))

    return cdf(float(delta)) - cdf(-float(delta))


def cube_slab_mass_worst(delta: float) -> float:
    """Slab mass of the isotropic cube in the worst direction (e_1 + e_2)/sqrt 2:
    delta sqrt(2/3) - delta^2/6 for 0 <= delta <= sqrt 6 (spec §7 row 25).

    Examples
    --------
    >>> round(cube_slab_mass_worst(0.1), 6)
    0.079983
    """
    delta = float(delta)
    if not 0 <= delta <= math.sqrt(6):
        raise ValueError(f"delta: expected 0 <= delta <= sqrt 6, got {delta}")
    return delta * math.sqrt(2 / 3) - delta ** 2 / 6


def l2_ball_density_at_zero(d: int) -> float:
    """Density at 0 of <x, v> for x uniform on the isotropic L_2 ball (radius sqrt(d+2)):
    Gamma(d/2 + 1) / (sqrt(pi) Gamma((d+1)/2) sqrt(d+2)) (spec §7 row 27).

    Examples
    --------
    >>> round(l2_ball_density_at_zero(2), 4)
    0.3183
    """
    d = check_int(d, "d", minimum=1)
    return float(np.exp(special.gammaln(d / 2 + 1) - special.gammaln((d + 1) / 2))
                 / math.sqrt(math.pi * (d + 2)))


def lp_ball_slab_mass(delta: float, d: int, p: float) -> float:
    """``P(|x_1| <= delta)`` for x uniform on the *isotropic* L_p ball of R^d (coordinate slab).

    Notes
    -----
    The first coordinate of the unit L_p ball has density proportional to
    ``(1 - |t|^p)^((d-1)/p)`` on [-1, 1] (the (d-1)-volume of the section). For p = 2 the mass
    is the regularised incomplete beta I_{s^2}(1/2, (d+1)/2); otherwise a quadrature.
    By rotation invariance the p = 2 value holds in every direction.

    Examples
    --------
    >>> round(lp_ball_slab_mass(0.01, 2, 2.0) / 0.02, 3)   # density at 0 for d = 2
    0.318
    """
    d = check_int(d, "d", minimum=1)
    p = _check_p(p)
    s = float(delta) * math.sqrt(lp_ball_second_moment(d, p))
    if s >= 1:
        return 1.0
    if p == 2.0:
        return float(special.betainc(0.5, (d + 1) / 2, s * s))
    k = (d - 1) / p

    def f(t: float) -> float:
        return (1 - t ** p) ** k

    num = integrate.quad(f, 0, s, epsabs=0, epsrel=1e-12)[0]
    den = integrate.quad(f, 0, 1, epsabs=0, epsrel=1e-12)[0]
    return num / den


def rademacher_slab_mass(delta: float, v: object) -> float:
    """``P(|<x, v/||v||>| <= delta)`` for x uniform on {-1, 1}^d, by enumeration (d <= 20).

    Examples
    --------
    >>> rademacher_slab_mass(0.1, [1.0, -1.0])
    0.5
    """
    v = check_finite_array(v, "v", ndim=1)
    if v.size > 20 or not np.any(v):
        raise ValueError("v: expected a nonzero vector of length <= 20")
    v = v / np.linalg.norm(v)
    pts = np.array(list(itertools.product((-1.0, 1.0), repeat=v.size)))
    return float(np.mean(np.abs(pts @ v) <= float(delta) * (1 + BOUNDARY_RTOL)))


def population_opt(dist: str, d: int, delta: float, *, n_mc: int = 200_000,
                   n_dir: int = 360, rng: object = None) -> tuple[float, str]:
    """Population value ``sup_v P(|<x, v>| <= delta)`` and how it was obtained.

    Returns ``(value, kind)`` with kind one of ``"exact"`` (Gaussian; L_2 ball; cube via
    Ball's worst direction (e_1+e_2)/sqrt 2, valid for small delta; Rademacher with d = 2,
    where the value is 1/2 for delta < 1), ``"lower-bound"`` (Rademacher, d > 2: the
    direction (e_1 - e_2)/sqrt 2) or ``"monte-carlo"`` (L_p, p != 2: a sample of ``n_mc``
    points, max over ``n_dir`` directions in the (e_1, e_2) plane and the coordinate slab).

    Examples
    --------
    >>> population_opt("gaussian", 2, 0.1)[1]
    'exact'
    """
    name, p = parse_distribution(dist)
    d = check_int(d, "d", minimum=2)
    delta = float(delta)
    if name == "gaussian":
        return gaussian_slab_mass(delta), "exact"
    if name == "cube":
        v = np.zeros(d)
        v[:2] = 1.0
        return cube_slab_mass(delta, v), "exact"
    if name == "rademacher":
        v = np.zeros(d)
        v[0], v[1] = 1.0, -1.0
        val = rademacher_slab_mass(delta, v) if d <= 20 else 0.5
        return val, ("exact" if d == 2 and delta < 1 else "lower-bound")
    if p == 2.0:
        return lp_ball_slab_mass(delta, d, 2.0), "exact"
    X = sample_lp_ball(n_mc, d, p, rng=rng)  # type: ignore[arg-type]
    th = np.linspace(0, np.pi, n_dir, endpoint=False)
    V = np.zeros((n_dir, d))
    V[:, 0], V[:, 1] = np.cos(th), np.sin(th)
    mc = float(slab_count(X, V, delta).max()) / n_mc
    return max(mc, lp_ball_slab_mass(delta, d, p)), "monte-carlo"  # type: ignore[arg-type]
