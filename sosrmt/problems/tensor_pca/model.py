"""Tensor PCA: samplers, polynomial program, ground truth, classical baselines.

* null: :math:`A \\in (\\mathbb R^n)^{\\otimes k}` with i.i.d. :math:`N(0,1)` entries over all
  :math:`n^k` **ordered** tuples (not symmetrised);
* planted: :math:`A = \\lambda u^{\\otimes k} + B` with :math:`u` uniform on
  :math:`\\{\\pm1/\\sqrt n\\}^n` (unit norm), so the planted value of the objective is
  :math:`\\lambda`;
* program: maximise :math:`\\langle A, x^{\\otimes k}\\rangle` subject to
  :math:`\\|x\\|^2 = 1` (``variant="sphere"``) or :math:`x_i^2 = 1/n`
  (``variant="boolean_sphere"``, whose optimum is brute-forceable).

The model is that of Hopkins, Shi, Steurer (arXiv 1507.03269) and Potechin–Rajendran
(arXiv 2011.04253); its pseudo-calibration is in
:mod:`sosrmt.problems.tensor_pca.calibration`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from sosrmt._validation import as_rng, check_finite_array, check_int, check_memory, check_real
from sosrmt.calibration import boolean_sphere
from sosrmt.calibration.reweighting import ROW_CHUNK
from sosrmt.poly import Polynomial
from sosrmt.problems.protocol import RngLike
from sosrmt.sos import Domain, Hypercube, SosResult, Sphere, solve

__all__ = [
    "baselines",
    "brute_force",
    "hss_bound",
    "objective_polynomial",
    "objective_values",
    "power_iteration",
    "program",
    "sample_null",
    "sample_planted",
    "sos_value",
    "tensor_contract",
    "unfolding_bound",
]


def _check_nk(n: object, k: object) -> tuple[int, int]:
    n = check_int(n, "n", minimum=1)
    k = check_int(k, "k", minimum=2)
    check_memory(8.0 * n**k, f"a tensor of order {k} in dimension {n}")
    return n, k


def _check_lam(lam: object) -> float:
    return check_real(lam, "lam", minimum=0.0, expected="a non-negative signal strength")


def _check_tensor(A: object) -> np.ndarray:
    A = check_finite_array(A, "A")
    if A.ndim < 2 or len(set(A.shape)) != 1:
        raise ValueError(f"A: expected a cubical tensor of order >= 2, got shape {A.shape}")
    return A


def tensor_contract(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """:math:`T_r = \\langle A, x_r^{\\otimes k}\\rangle` for each row :math:`x_r` of ``X``."""
    k = A.ndim
    out = np.empty(X.shape[0])
    for start in range(0, X.shape[0], ROW_CHUNK):
        x = X[start:start + ROW_CHUNK]
        cur = np.tensordot(x, A, axes=([1], [0]))          # (r, n, ..., n)
        for _ in range(k - 1):
            cur = np.einsum("ri,ri...->r...", x, cur)
        out[start:start + x.shape[0]] = cur
    return out


def sample_null(n: int, k: int = 3, *, rng: RngLike = None) -> np.ndarray:
    """Null tensor: i.i.d. :math:`N(0,1)` entries over all :math:`n^k` ordered tuples.

    Examples
    --------
    >>> sample_null(4, 3, rng=0).shape
    (4, 4, 4)
    """
    n, k = _check_nk(n, k)
    return as_rng(rng).standard_normal((n,) * k)


def sample_planted(n: int, k: int = 3, lam: float = 1.0, *,
                   rng: RngLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Planted tensor :math:`A = \\lambda u^{\\otimes k} + B`, :math:`u\\sim\\{\\pm1/\\sqrt n\\}^n`.

    Returns
    -------
    A : ndarray, shape (n,)*k
    u : ndarray, shape (n,)

    Examples
    --------
    >>> A, u = sample_planted(5, 3, 2.0, rng=1)
    >>> round(float(np.sum(u ** 2)), 12)
    1.0
    """
    n, k = _check_nk(n, k)
    lam = _check_lam(lam)
    gen = as_rng(rng)
    u = gen.choice([-1.0, 1.0], size=n) / np.sqrt(n)
    spike = u
    for _ in range(k - 1):
        spike = np.multiply.outer(spike, u)
    return lam * spike + gen.standard_normal((n,) * k), u


def objective_values(A: npt.ArrayLike, X: npt.ArrayLike) -> np.ndarray:
    """:math:`\\langle A, x^{\\otimes k}\\rangle` for each row ``x`` of ``X``.

    Examples
    --------
    >>> float(objective_values(np.ones((2, 2)), [[1.0, 1.0]])[0])
    4.0
    """
    A = _check_tensor(A)
    X = check_finite_array(X, "X", ndim=2)
    if X.shape[1] != A.shape[0]:
        raise ValueError(f"X: expected {A.shape[0]} columns, got {X.shape[1]}")
    return tensor_contract(A, X)


def objective_polynomial(A: npt.ArrayLike, *, ring: str = "general") -> Polynomial:
    """The objective :math:`\\langle A, x^{\\otimes k}\\rangle` as a
    :class:`sosrmt.poly.Polynomial`.

    ``ring="hypercube"`` reduces it modulo :math:`x_i^2 = 1/n` (Boolean-sphere variant).

    Examples
    --------
    >>> p = objective_polynomial(np.eye(2))
    >>> round(float(p.evaluate(np.array([0.6, 0.8]))), 9)
    1.0
    """
    A = _check_tensor(A)
    n, k = A.shape[0], A.ndim
    idx = np.indices(A.shape).reshape(k, -1).T            # all ordered tuples
    exps = np.zeros((idx.shape[0], n), dtype=np.int64)
    for t in range(k):
        np.add.at(exps, (np.arange(idx.shape[0]), idx[:, t]), 1)
    terms = list(zip(map(tuple, exps), A.reshape(-1), strict=True))
    return Polynomial.from_terms(terms, n, ring, square=1.0 / n)


def program(A: npt.ArrayLike, variant: str = "boolean_sphere") -> tuple[Polynomial, Domain]:
    """``(objective, domain)`` of the SoS program (see the module docstring).

    Parameters
    ----------
    variant : {"boolean_sphere", "sphere"}
        ``Hypercube(n, square=1/n)`` or ``Sphere(n)``.
    """
    A = _check_tensor(A)
    n = A.shape[0]
    if variant == "boolean_sphere":
        return objective_polynomial(A, ring="hypercube"), Hypercube(n, square=1.0 / n)
    if variant == "sphere":
        return objective_polynomial(A, ring="general"), Sphere(n)
    raise ValueError(f"variant: expected 'boolean_sphere' or 'sphere', got {variant!r}")


def brute_force(A: npt.ArrayLike) -> tuple[float, np.ndarray]:
    """Exact :math:`\\max_{x\\in\\{\\pm1/\\sqrt n\\}^n}\\langle A,x^{\\otimes k}\\rangle` (n <= 22).

    Examples
    --------
    >>> val, x = brute_force(np.ones((3, 3)))
    >>> round(val, 12)
    3.0
    """
    A = _check_tensor(A)
    n = A.shape[0]
    if n > 22:
        raise ValueError(f"A: brute force enumerates 2^n points; expected n <= 22, got n={n}")
    prior = boolean_sphere(n)
    vals = tensor_contract(A, prior.points)
    best = int(np.argmax(vals))
    return float(vals[best]), prior.points[best].copy()


def unfolding_bound(A: npt.ArrayLike) -> float:
    """Spectral certificate :math:`\\|\\mathrm{Mat}_{n^a\\times n^b}(\\mathrm{Sym}\\,A)\\|` with
    :math:`a = \\lfloor k/2\\rfloor`: an upper bound on :math:`\\langle A,x^{\\otimes k}\\rangle`
    over the unit sphere (hence over the Boolean sphere).

    Notes
    -----
    :math:`\\langle A,x^{\\otimes k}\\rangle = (x^{\\otimes a})^\\top M x^{\\otimes b}\\le\\|M\\|`
    for unit :math:`x`. For :math:`k = 4` and i.i.d. noise the value is about :math:`2n`
    .

    Examples
    --------
    >>> round(unfolding_bound(np.eye(3)), 12)
    1.0
    """
    A = _check_tensor(A)
    n, k = A.shape[0], A.ndim
    import itertools

    perms = list(itertools.permutations(range(k)))
    S = sum(np.transpose(A, p) for p in perms) / len(perms)
    a = k // 2
    M = S.reshape(n**a, n ** (k - a))
    return float(np.linalg.norm(M, 2))


def hss_bound(A: npt.ArrayLike) -> float:
    """Hopkins–Shi–Steurer spectral certificate for order 3: an upper bound on
    :math:`\\langle A,x^{\\otimes3}\\rangle` over the unit sphere, of order
    :math:`n^{3/4}` for i.i.d. noise (against :math:`n` for the unfolding), asymptotically.

    Notes
    -----
    With slices :math:`A_i = A[i,:,:]`, Cauchy–Schwarz gives
    :math:`\\langle A,x^{\\otimes3}\\rangle^2 \\le \\sum_i (x^\\top A_ix)^2 =
    (x\\otimes x)^\\top M(x\\otimes x)` with :math:`M = \\sum_iA_i\\otimes A_i`. Since
    :math:`(x\\otimes x)^\\top\\mathrm{vec}(I) = \\|x\\|^2 = 1`, subtracting the null
    expectation :math:`n\\,\\mathrm{vec}(I)\\mathrm{vec}(I)^\\top` gives the bound
    :math:`\\sqrt{n + \\lambda_{\\max}(\\mathrm{sym}(M - n\\,\\mathrm{vec}(I)
    \\mathrm{vec}(I)^\\top))}`, valid for every :math:`A`. Measured: at :math:`n\\le30` it is
    still about 5-20% above :func:`unfolding_bound` (the :math:`n^{3/4}` advantage is
    asymptotic).

    Examples
    --------
    >>> A = sample_null(6, 3, rng=0)
    >>> bool(hss_bound(A) >= brute_force(A)[0])
    True
    """
    A = _check_tensor(A)
    if A.ndim != 3:
        raise ValueError(f"A: expected an order-3 tensor, got order {A.ndim}")
    n = A.shape[0]
    check_memory(8.0 * n**4 * 3, f"the n^2 x n^2 HSS matrix at n={n}")
    M = np.einsum("ijk,ilm->jlkm", A, A).reshape(n * n, n * n)   # sum_i kron(A_i, A_i)
    vec_i = np.eye(n).reshape(-1)
    M = M - n * np.outer(vec_i, vec_i)
    M = 0.5 * (M + M.T)
    top = float(np.linalg.eigvalsh(M)[-1])
    return float(np.sqrt(max(n + top, 0.0)))


def power_iteration(A: npt.ArrayLike, *, restarts: int = 20, iters: int = 200,
                    rng: RngLike = None) -> tuple[float, np.ndarray]:
    """Tensor power iteration with random restarts: a lower bound on the sphere maximum.

    Examples
    --------
    >>> val, x = power_iteration(np.eye(2), rng=0)
    >>> round(val, 6)
    1.0
    """
    A = _check_tensor(A)
    restarts = check_int(restarts, "restarts", minimum=1)
    iters = check_int(iters, "iters", minimum=1)
    n, k = A.shape[0], A.ndim
    gen = as_rng(rng)
    import itertools

    perms = list(itertools.permutations(range(k)))
    S = sum(np.transpose(A, p) for p in perms) / len(perms)
    best, best_x = -np.inf, None
    for _ in range(restarts):
        x = gen.standard_normal(n)
        x /= np.linalg.norm(x)
        for _ in range(iters):
            g = S
            for _ in range(k - 1):
                g = g @ x
            nrm = np.linalg.norm(g)
            if nrm == 0:
                break
            x = g / nrm
        val = float(tensor_contract(S, x[None, :])[0])
        if val > best:
            best, best_x = val, x
    return best, best_x


def baselines(A: npt.ArrayLike, *, restarts: int = 20, rng: RngLike = 0) -> dict[str, float]:
    """Classical baselines: the spectral certificates :func:`unfolding_bound` and (order 3)
    :func:`hss_bound`, upper bounds over the unit sphere, and the lower bound
    :func:`power_iteration` (``restarts`` random starts from ``rng``).

    Examples
    --------
    >>> b = baselines(sample_null(5, 3, rng=0))
    >>> sorted(b)
    ['hss_bound', 'power_iteration', 'unfolding_bound']
    >>> bool(b["power_iteration"] <= b["unfolding_bound"] + 1e-9)
    True
    """
    A = _check_tensor(A)
    out = {"unfolding_bound": unfolding_bound(A)}
    if A.ndim == 3:
        out["hss_bound"] = hss_bound(A)
    out["power_iteration"] = power_iteration(A, restarts=restarts, rng=rng)[0]
    return out


def sos_value(A: npt.ArrayLike, degree: int = 4, *, variant: str = "boolean_sphere",
              **solve_kwargs: Any) -> SosResult:
    """The degree-``degree`` SoS relaxation value through :func:`sosrmt.sos.solve`.

    Returns the engine's ``SosResult`` (``.value``, ``.bound``, ``.pseudo_expectation``).
    Degree 4 needs ``n <= 12`` or so with SCS.
    """
    objective, domain = program(A, variant)
    return solve(objective, domain, degree=check_int(degree, "degree", minimum=2), sense="max",
                 **solve_kwargs)
