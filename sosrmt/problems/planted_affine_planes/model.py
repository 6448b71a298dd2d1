"""Planted affine planes (PAP; Ghosh–Jeronimo–Jones–Potechin–Rajendran, arXiv 2009.01874).

Given :math:`d_1,\\dots,d_m\\in\\mathbb R^n`, is there :math:`v` with
:math:`\\langle v,d_u\\rangle^2 = 1` for all :math:`u`? (A refutation problem: no objective.)

Formulation:

* null: :math:`d_u\\sim N(0,I_n)` i.i.d.;
* planted: :math:`v` uniform on :math:`\\{\\pm1/\\sqrt n\\}^n`, :math:`b` uniform on
  :math:`\\{\\pm1\\}^m`, :math:`d_u = b_uv + (I - vv^\\top)g_u` (Gaussian conditioned on
  :math:`\\langle v,d_u\\rangle = b_u`);
* the pseudo-calibration is in :mod:`sosrmt.problems.planted_affine_planes.calibration`.

The Boolean-:math:`d_u` variant is not implemented.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import numpy.typing as npt

from sosrmt._validation import as_rng, check_finite_array, check_int, check_memory
from sosrmt.poly import Polynomial
from sosrmt.problems.protocol import RngLike
from sosrmt.sos import Domain, Semialgebraic, SosResult, solve

__all__ = [
    "baselines",
    "brute_force",
    "constraint_polynomials",
    "program",
    "sample_null",
    "sample_planted",
    "sos_value",
    "spectral_refutation",
]


def _check_mn(m: object, n: object) -> tuple[int, int]:
    m = check_int(m, "m", minimum=1)
    n = check_int(n, "n", minimum=1)
    check_memory(8.0 * m * n, f"{m} vectors in dimension {n}")
    return m, n


def sample_null(m: int, n: int, *, rng: RngLike = None) -> np.ndarray:
    """``m`` i.i.d. :math:`N(0, I_n)` vectors as rows.

    Examples
    --------
    >>> sample_null(4, 3, rng=0).shape
    (4, 3)
    """
    m, n = _check_mn(m, n)
    return as_rng(rng).standard_normal((m, n))


def sample_planted(m: int, n: int, *, rng: RngLike = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Planted instance ``(d, v, b)`` with :math:`\\langle v, d_u\\rangle = b_u` exactly.

    Examples
    --------
    >>> d, v, b = sample_planted(5, 4, rng=0)
    >>> bool(np.allclose(d @ v, b))
    True
    """
    m, n = _check_mn(m, n)
    gen = as_rng(rng)
    v = gen.choice([-1.0, 1.0], size=n) / np.sqrt(n)
    b = gen.choice([-1.0, 1.0], size=m)
    g = gen.standard_normal((m, n))
    d = np.outer(b, v) + g - np.outer(g @ v, v)
    return d, v, b


def constraint_polynomials(d: npt.ArrayLike) -> list[Polynomial]:
    """The constraints :math:`\\langle v,d_u\\rangle^2 - 1` as general-ring polynomials."""
    d = check_finite_array(d, "d", ndim=2)
    n = d.shape[1]
    return [Polynomial.quadratic_form(np.outer(du, du), ring="general")
            - Polynomial.constant(1.0, n) for du in d]


def program(d: npt.ArrayLike) -> tuple[Polynomial, Domain]:
    """``(objective, domain)`` of the feasibility problem: the objective is 0 and the domain
    is :math:`\\{v : \\langle v,d_u\\rangle^2 = 1\\ \\forall u\\}` (``Semialgebraic``).

    Examples
    --------
    >>> obj, dom = program(sample_null(4, 3, rng=0))
    >>> dom.nvars, len(dom.equalities)
    (3, 4)
    """
    d = check_finite_array(d, "d", ndim=2)
    n = d.shape[1]
    return Polynomial.constant(0.0, n), Semialgebraic(n, equalities=constraint_polynomials(d))


def sos_value(d: npt.ArrayLike, degree: int = 4, **solve_kwargs: Any) -> SosResult:
    """Degree-``degree`` SoS feasibility (objective 0) through :func:`sosrmt.sos.solve`; an
    ``"infeasible"`` status is an SoS refutation."""
    objective, domain = program(d)
    return solve(objective, domain, degree=check_int(degree, "degree", minimum=2),
                 sense="max", **solve_kwargs)


def brute_force(d: npt.ArrayLike) -> tuple[float, np.ndarray]:
    """Exact answer: :math:`\\min_{b\\in\\{\\pm1\\}^m}\\|(I-P)b\\|^2` with :math:`P` the projector
    onto the column span of :math:`D` (``m <= 24``).

    A solution :math:`v` exists iff the minimum is 0 (then :math:`Dv = b`). Returns the
    minimum and the minimising :math:`b`.

    Examples
    --------
    >>> d, v, b = sample_planted(8, 3, rng=1)
    >>> brute_force(d)[0] < 1e-9
    True
    """
    d = check_finite_array(d, "d", ndim=2)
    m, _n = d.shape
    if m > 24:
        raise ValueError(f"d: brute force enumerates 2^(m-1) sign vectors; expected m <= 24, "
                         f"got m={m}")
    Q, _ = np.linalg.qr(d)
    best, best_b = np.inf, None
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=max(m - 1, 0))))
    B = np.hstack([np.ones((signs.shape[0], 1)), signs])
    for start in range(0, B.shape[0], 65536):
        blk = B[start:start + 65536]
        res = m - ((blk @ Q) ** 2).sum(axis=1)
        r = int(np.argmin(res))
        if res[r] < best:
            best, best_b = float(max(res[r], 0.0)), blk[r]
    return best, best_b


def spectral_refutation(d: npt.ArrayLike) -> dict[str, float | bool]:
    """Degree-4 spectral refutation (valid certificate, effective for :math:`m\\gg n^2`).

    Notes
    -----
    If :math:`\\langle v,d_u\\rangle^2 = 1` for all :math:`u`, then
    :math:`m = v^\\top D^\\top Dv \\le \\lambda_{\\max}(D^\\top D)\\|v\\|^2` and
    :math:`m = \\sum_u\\langle v,d_u\\rangle^4 \\ge \\mu\\|v\\|^4` with :math:`\\mu` the smallest
    eigenvalue of :math:`\\sum_u (d_u\\otimes d_u)(d_u\\otimes d_u)^\\top` on symmetric
    matrices. Hence :math:`\\mu\\,(m/\\lambda_{\\max})^2 > m` refutes.

    Examples
    --------
    >>> out = spectral_refutation(sample_null(400, 3, rng=0))
    >>> out["refuted"]
    True
    """
    d = check_finite_array(d, "d", ndim=2)
    m, n = d.shape
    lam_max = float(np.linalg.eigvalsh(d.T @ d)[-1])
    iu, ju = np.triu_indices(n)
    scale = np.where(iu == ju, 1.0, np.sqrt(2.0))
    F = d[:, iu] * d[:, ju] * scale                 # orthonormal coordinates of d d^T
    mu = float(np.linalg.eigvalsh(F.T @ F)[0])
    lhs = mu * (m / lam_max) ** 2
    return {"mu_sym": mu, "lambda_max": lam_max, "bound": lhs, "refuted": bool(lhs > m)}


def baselines(d: npt.ArrayLike) -> dict[str, float]:
    """The degree-4 spectral refutation of :func:`spectral_refutation` as numbers:
    ``spectral_bound`` (it refutes when it exceeds ``m``), ``mu_sym``, ``lambda_max``.

    Examples
    --------
    >>> b = baselines(sample_null(400, 3, rng=0))
    >>> bool(b["spectral_bound"] > 400)
    True
    """
    out = spectral_refutation(d)
    return {"spectral_bound": float(out["bound"]), "mu_sym": float(out["mu_sym"]),
            "lambda_max": float(out["lambda_max"])}
