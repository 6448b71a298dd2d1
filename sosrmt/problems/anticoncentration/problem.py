"""The anti-concentration study as a problem module (see :mod:`sosrmt.problems.protocol`):
null sampler, program, exact ground truth, baselines and SoS value.

It has no planted distribution and no pseudo-calibration lower bound (documented
exemptions of the contract).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from sosrmt._validation import check_int
from sosrmt.problems.anticoncentration.exact import BOUNDARY_RTOL, opt_exact
from sosrmt.problems.anticoncentration.polynomial import poly_certificate
from sosrmt.problems.anticoncentration.relaxation import program
from sosrmt.problems.anticoncentration.samplers import prepare_points, sample_points, whiten
from sosrmt.problems.protocol import RngLike
from sosrmt.sos import SosResult, solve

__all__ = ["baselines", "brute_force", "sample_null", "sos_value"]


def sample_null(n: int, d: int, dist: str = "gaussian", *, rng: RngLike = None) -> np.ndarray:
    """``n`` points of the named distribution in dimension ``d``, whitened to exact
    isotropic position (the input of every certificate here).

    Examples
    --------
    >>> X = sample_null(50, 2, rng=0)
    >>> bool(np.allclose(X.T @ X / 50, np.eye(2)))
    True
    """
    return whiten(sample_points(dist, n, d, rng=rng))


def brute_force(X: npt.ArrayLike, delta: float, *,
                allow_duplicates: bool = False) -> tuple[float, np.ndarray]:
    """Exact optimum of :func:`program` and a maximiser :math:`(w, v)`, for d = 2 or 3.

    ``w`` is the 0/1 indicator of the points in the slab of the optimal direction ``v``.
    For d >= 4 only a search lower bound exists (:func:`opt_exact`), which is refused here.

    Examples
    --------
    >>> X = sample_null(30, 2, rng=1)
    >>> value, point = brute_force(X, 0.2)
    >>> point.shape, bool(np.isclose(value, point[:30].mean()))
    ((32,), True)
    """
    X, delta = prepare_points(X, delta, allow_duplicates=allow_duplicates)
    if X.shape[1] > 3:
        raise ValueError(f"X: the exact optimum is computed for d <= 3, got d={X.shape[1]} "
                         "(opt_exact gives a search lower bound there)")
    opt = opt_exact(X, delta, allow_duplicates=allow_duplicates)
    v = np.asarray(opt.direction, dtype=float)
    v = v / np.linalg.norm(v)
    w = (np.abs(X @ v) <= delta * (1.0 + BOUNDARY_RTOL)).astype(float)
    return float(opt.value), np.concatenate([w, v])


def baselines(X: npt.ArrayLike, delta: float, *, degree: int = 12,
              allow_duplicates: bool = False, rng: RngLike = 0) -> dict[str, float]:
    """The verified polynomial-approximation certificate (:func:`poly_certificate`), an
    upper bound on OPT that needs no relaxation of the integer program.

    Examples
    --------
    >>> X = sample_null(60, 2, rng=0)
    >>> b = baselines(X, 0.2, degree=4)
    >>> bool(b["poly_certificate"] >= brute_force(X, 0.2)[0])
    True
    """
    cert = poly_certificate(X, delta, degree=degree, allow_duplicates=allow_duplicates,
                            rng=rng)
    return {"poly_certificate": float(cert.bound)}


def sos_value(X: npt.ArrayLike, delta: float, degree: int = 4,
              **solve_kwargs: Any) -> SosResult:
    """The full degree-``degree`` moment relaxation of :func:`program` through
    :func:`sosrmt.sos.solve` (tiny n only: the basis has about (n+d)^(degree/2) terms; the
    sparse "2+2" level for larger n is :func:`ip_relaxation`).

    Examples
    --------
    >>> X = sample_null(5, 2, rng=0)
    >>> res = sos_value(X, 0.3, backend="scs")
    >>> bool(res.bound >= brute_force(X, 0.3)[0] - 1e-6)
    True
    """
    objective, domain = program(X, delta)
    return solve(objective, domain, degree=check_int(degree, "degree", minimum=2), sense="max",
                 **solve_kwargs)
