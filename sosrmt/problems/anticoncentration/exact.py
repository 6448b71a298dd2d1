"""Exact ground truth of the slab problem: ``OPT(X, delta)`` by angular sweep (d = 2),
vertex enumeration (d = 3) or a search labelled as a lower bound (d >= 4)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sosrmt._validation import as_rng, check_finite_array, check_int, check_memory
from sosrmt.problems.anticoncentration.samplers import prepare_points
from sosrmt.problems.protocol import RngLike

__all__ = ["BOUNDARY_RTOL", "SlabOptimum", "opt_exact", "slab_count", "slab_fraction"]

#: Relative tolerance used when a point lies exactly on a slab boundary |<x, v>| = delta.
BOUNDARY_RTOL = 1e-9

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


def slab_fraction(X: npt.ArrayLike, v: npt.ArrayLike, delta: float) -> float:
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


def _search_lower(X: np.ndarray, delta: float, *, n_starts: int, rng: RngLike) -> SlabOptimum:
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


def opt_exact(X: npt.ArrayLike, delta: float, *, whiten: bool = False, isotropy_tol: float = 1e-6,
              allow_duplicates: bool = False, n_starts: int = 200,
              rng: RngLike = None) -> SlabOptimum:
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
    >>> from sosrmt.problems.anticoncentration import sample_gaussian, whiten
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
