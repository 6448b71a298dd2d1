"""Population references: the slab mass of each distribution in its worst direction."""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy.typing as npt
from scipy import integrate, special

from sosrmt._validation import check_finite_array, check_int
from sosrmt.problems.anticoncentration.exact import BOUNDARY_RTOL, slab_count
from sosrmt.problems.anticoncentration.samplers import (
    _check_p,
    lp_ball_second_moment,
    parse_distribution,
    sample_lp_ball,
)
from sosrmt.problems.protocol import RngLike

__all__ = [
    "cube_slab_mass",
    "cube_slab_mass_worst",
    "gaussian_slab_mass",
    "l2_ball_density_at_zero",
    "lp_ball_slab_mass",
    "population_opt",
    "rademacher_slab_mass",
]

def gaussian_slab_mass(delta: float) -> float:
    """``P(|g| <= delta)`` = erf(delta / sqrt 2) for g ~ N(0, 1) (every direction).

    Examples
    --------
    >>> round(gaussian_slab_mass(1.0), 4)
    0.6827
    """
    return float(special.erf(float(delta) / math.sqrt(2.0)))


def cube_slab_mass(delta: float, v: npt.ArrayLike) -> float:
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
    delta sqrt(2/3) - delta^2/6 for 0 <= delta <= sqrt 6.

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
    Gamma(d/2 + 1) / (sqrt(pi) Gamma((d+1)/2) sqrt(d+2)).

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


def rademacher_slab_mass(delta: float, v: npt.ArrayLike) -> float:
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
                   n_dir: int = 360, rng: RngLike = None) -> tuple[float, str]:
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
