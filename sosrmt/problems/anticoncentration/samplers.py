"""Anti-concentration instances: samplers of isotropic point sets and isotropic position.

Re-exported by :mod:`sosrmt.problems.anticoncentration`; the mathematics is on the theory
page ``docs/theory/anticoncentration.rst``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import special

from sosrmt._validation import as_rng, check_finite_array, check_int, check_memory, check_real
from sosrmt.problems.protocol import RngLike

__all__ = [
    "DISTRIBUTIONS",
    "affine_transform",
    "check_isotropic",
    "isotropy_error",
    "lp_ball_second_moment",
    "parse_distribution",
    "prepare_points",
    "sample_cube",
    "sample_gaussian",
    "sample_lp_ball",
    "sample_points",
    "sample_rademacher",
    "whiten",
]

#: Names accepted by :func:`sample_points` (``lp:P`` takes any real P >= 1).
DISTRIBUTIONS = ("gaussian", "cube", "rademacher", "lp:P")


# ----------------------------------------------------------------------------- samplers

def _check_nd(n: object, d: object) -> tuple[int, int]:
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    check_memory(8.0 * n * d * 3, f"sampling n={n} points in dimension d={d}")
    return n, d


def sample_gaussian(n: int, d: int, *, rng: RngLike = None) -> np.ndarray:
    """``n`` i.i.d. standard Gaussian points in R^d (isotropic in expectation).

    Examples
    --------
    >>> sample_gaussian(3, 2, rng=0).shape
    (3, 2)
    """
    n, d = _check_nd(n, d)
    return as_rng(rng).standard_normal((n, d))


def sample_cube(n: int, d: int, *, rng: RngLike = None) -> np.ndarray:
    """``n`` points uniform on the cube [-sqrt 3, sqrt 3]^d (isotropic bounded product).

    Examples
    --------
    >>> bool(abs(sample_cube(5, 3, rng=0)).max() <= 3 ** 0.5)
    True
    """
    n, d = _check_nd(n, d)
    s = math.sqrt(3.0)
    return as_rng(rng).uniform(-s, s, size=(n, d))


def sample_rademacher(n: int, d: int, *, rng: RngLike = None) -> np.ndarray:
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
    .. math:: \\mathbb E\\,x_1^2 = \\frac{\\Gamma(3/p)\\,\\Gamma(d/p+1)}
              {\\Gamma(1/p)\\,\\Gamma((d+2)/p+1)}.

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
    return check_real(p, "p", minimum=1.0, expected="a finite real number >= 1")


def sample_lp_ball(n: int, d: int, p: float, *, isotropic: bool = True,
                   rng: RngLike = None) -> np.ndarray:
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


def sample_points(dist: str, n: int, d: int, *, rng: RngLike = None) -> np.ndarray:
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


def affine_transform(X: npt.ArrayLike, A: npt.ArrayLike,
                     b: npt.ArrayLike | None = None) -> np.ndarray:
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


def isotropy_error(X: npt.ArrayLike) -> float:
    """||(1/n) sum_i x_i x_i^T - I||_op, the distance of ``X`` from isotropic position.

    Examples
    --------
    >>> round(float(isotropy_error(np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0],
    ...                                        [0.0, -1.0]]))), 9)
    1.0
    """
    X = check_finite_array(X, "X", ndim=2)
    S, _ = _second_moment(X, False)
    return float(np.abs(np.linalg.eigvalsh(S - np.eye(X.shape[1]))).max())


def whiten(X: npt.ArrayLike, *, center: bool = False,
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


def check_isotropic(X: npt.ArrayLike, *, tol: float = 1e-6) -> np.ndarray:
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


def prepare_points(X: npt.ArrayLike, delta: object, *, whiten_input: bool = False,
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
