"""Closed forms of the pseudo-calibrated reweighting :math:`F_D` for the four problems (§1.5).

Each ``*_measure`` function returns a :class:`~sosrmt.calibration.SignedMeasure` whose
weights are :math:`\\pi(x)F_D(x;Y)` on the enumerated prior; each ``*_low_degree_norm``
returns :math:`\\mathbb E_{x,x'\\sim\\pi}K_D(x,x')`, so that
:math:`\\mathrm{Var}_\\nu\\tilde{\\mathbb E}[1] = \\mathbb E K_D - 1` (§1.6).

Formulations implemented (spec §§2.2, 3.2, 4.2, 5.2; derived there, [D ✓]):

* tensor PCA: :math:`A` with i.i.d. :math:`N(0,1)` entries over all :math:`n^k` ordered
  tuples, planted :math:`A = \\lambda u^{\\otimes k} + B`, :math:`u` uniform on
  :math:`\\{\\pm1/\\sqrt n\\}^n`; :math:`F_D = \\sum_{j\\le D}\\lambda^j He_j(T)/j!`,
  :math:`T = \\langle A, u^{\\otimes k}\\rangle`.
* planted affine planes: :math:`d_u = b_u v + (I - vv^\\top)g_u`, :math:`v` uniform on
  :math:`\\{\\pm1/\\sqrt n\\}^n`, :math:`b` uniform on :math:`\\{\\pm1\\}^m`;
  :math:`F_D = [t^{\\le D}]\\prod_u(1 + \\sum_{k\\ge4\\text{ even}} c_k He_k(z_u)t^k/k!)`.
* sparse PCA (Wishart): :math:`v_j \\sim N(0, I + \\Delta uu^\\top)`;
  :math:`F_D = [t^{\\le D}]\\prod_j\\sum_l (a/2)^l He_{2l}(z_j)t^{2l}/l!`,
  :math:`a = \\Delta\\|u\\|^2`.
* planted slightly denser subgraph: :math:`\\mathbb E_\\mu[x_I\\chi_T] = \\Pr[I\\cup V(T)
  \\subseteq S](2q)^{|T|}`; truncation T1 (:math:`|T|\\le D`, elementary symmetric
  polynomials) or T2 (:math:`|V(T)\\cup I|\\le\\tau`, Möbius inversion over vertex sets).

Papers: the full texts of GJJPR (arXiv 2009.01874), Potechin–Rajendran (arXiv 2011.04253)
and the thesis (arXiv 2302.04462) could not be retrieved with the search tools available
here (abstracts only, plus one excerpt of GJJPR's spider-killing section confirming that
circle vertices of the PAP shapes have even degree at least 4, i.e. :math:`c_2 = 0`).
The papers truncate by shape size (:math:`|V(\\alpha)|\\le n^\\tau`, with edge limits),
which is not reproduced; the spec's derived truncations T1/T2 are implemented instead.
"""

from __future__ import annotations

import math
from math import comb

import numpy as np

from sosrmt._validation import check_finite_array, check_int
from sosrmt.calibration.hermite import hermite_e_table, rademacher_hermite_mean, series_multiply
from sosrmt.calibration.priors import (
    EnumeratedPrior,
    boolean_sphere,
    sparse_ternary,
    subset_prior,
)
from sosrmt.calibration.signed_measure import SignedMeasure

__all__ = [
    "dense_subgraph_low_degree_norm",
    "dense_subgraph_measure",
    "pap_low_degree_norm",
    "pap_measure",
    "sparse_pca_low_degree_norm",
    "sparse_pca_measure",
    "subset_mobius_weights",
    "tensor_pca_low_degree_norm",
    "tensor_pca_measure",
]

_ROW_CHUNK = 4096


def _check_trunc(trunc: object, minimum: int, what: str) -> int:
    trunc = check_int(trunc, "trunc", minimum=0)
    if trunc < minimum:
        raise ValueError(f"trunc: expected a truncation >= {minimum} ({what}), got {trunc}")
    return trunc


def _check_positive(value: object, name: str, *, allow_zero: bool = True) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a real number, got {value!r}") from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name}: expected a {'non-negative' if allow_zero else 'positive'} "
                         f"finite number, got {value!r}")
    return v


# ---------------------------------------------------------------------- tensor PCA
def tensor_contract(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """:math:`T_r = \\langle A, x_r^{\\otimes k}\\rangle` for each row :math:`x_r` of ``X``."""
    k = A.ndim
    out = np.empty(X.shape[0])
    for start in range(0, X.shape[0], _ROW_CHUNK):
        x = X[start:start + _ROW_CHUNK]
        cur = np.tensordot(x, A, axes=([1], [0]))          # (r, n, ..., n)
        for _ in range(k - 1):
            cur = np.einsum("ri,ri...->r...", x, cur)
        out[start:start + x.shape[0]] = cur
    return out


def tensor_pca_measure(A: object, lam: float, trunc: int, *,
                       prior: EnumeratedPrior | None = None) -> SignedMeasure:
    """Pseudo-calibrated signed measure for tensor PCA (spec §3.2).

    Parameters
    ----------
    A : array_like, shape (n,)*k
        Input tensor (order ``k >= 2``).
    lam : float
        Signal strength :math:`\\lambda \\ge 0` (unit-norm spike).
    trunc : int
        Hermite-degree truncation :math:`D` (T1), at least 1 (the objective has degree 1
        in :math:`A`).
    prior : EnumeratedPrior, optional
        Default :func:`~sosrmt.calibration.priors.boolean_sphere` ``(n)``.

    Notes
    -----
    :math:`F_D(u;A) = \\sum_{j=0}^{D}\\frac{\\lambda^j}{j!}He_j(\\langle A,u^{\\otimes k}\\rangle)`
    (H5 with :math:`w = \\lambda u^{\\otimes k}`, :math:`\\|w\\| = \\lambda`).

    Examples
    --------
    >>> A = np.zeros((3, 3, 3))
    >>> round(tensor_pca_measure(A, 1.0, 4).e1, 12)   # He_j(0) terms: 1 - 1/2 + 3/24
    0.625
    """
    A = check_finite_array(A, "A")
    if A.ndim < 2 or len(set(A.shape)) != 1:
        raise ValueError(f"A: expected a cubical tensor of order >= 2, got shape {A.shape}")
    lam = _check_positive(lam, "lam")
    trunc = _check_trunc(trunc, 1, "the objective <A, x^k> has degree 1 in A")
    n = A.shape[0]
    prior = boolean_sphere(n) if prior is None else prior
    if prior.n != n:
        raise ValueError(f"prior: expected a prior on {n} variables, got {prior.n}")
    T = tensor_contract(A, prior.points)
    He = hermite_e_table(T, trunc)
    coef = np.array([lam**j / math.factorial(j) for j in range(trunc + 1)])
    F = coef @ He
    return SignedMeasure(prior, prior.probs * F,
                         f"tensor PCA k={A.ndim} n={n} lambda={lam:g} D={trunc}")


def tensor_pca_low_degree_norm(n: int, k: int, lam: float, trunc: int) -> float:
    """:math:`\\mathbb E_{u,u'}K_D(u,u')` for tensor PCA with the Boolean-sphere prior.

    Notes
    -----
    :math:`K_D(u,u') = \\sum_{j\\le D}\\lambda^{2j}\\langle u,u'\\rangle^{kj}/j!`, and
    :math:`\\langle u,u'\\rangle = (n-2H)/n` with :math:`H\\sim\\mathrm{Bin}(n,1/2)`.

    Examples
    --------
    >>> round(tensor_pca_low_degree_norm(6, 3, 2.0, 4) - 1, 3)
    0.736
    """
    n = check_int(n, "n", minimum=1)
    k = check_int(k, "k", minimum=1)
    lam = _check_positive(lam, "lam")
    trunc = check_int(trunc, "trunc", minimum=0)
    h = np.arange(n + 1)
    p = np.array([comb(n, int(i)) for i in h], dtype=float) / 2.0**n
    rho = (n - 2.0 * h) / n
    kern = sum(lam ** (2 * j) * rho ** (k * j) / math.factorial(j) for j in range(trunc + 1))
    return float(p @ kern)


# ---------------------------------------------------------------------- PAP
def _pap_series(z: np.ndarray, trunc: int) -> np.ndarray:
    """Per-constraint series 1 + sum_{k>=4 even} c_k He_k(z) t^k / k!, shape z.shape+(D+1,)."""
    He = hermite_e_table(z, trunc)
    out = np.zeros((*z.shape, trunc + 1))
    out[..., 0] = 1.0
    for k in range(4, trunc + 1, 2):
        out[..., k] = rademacher_hermite_mean(k) / math.factorial(k) * He[k]
    return out


def pap_measure(d: object, trunc: int, *, prior: EnumeratedPrior | None = None) -> SignedMeasure:
    """Pseudo-calibrated signed measure for planted affine planes (spec §2.2).

    Parameters
    ----------
    d : array_like, shape (m, n)
        The vectors :math:`d_u` as rows.
    trunc : int
        Hermite-degree truncation :math:`D \\ge 0` (T1, total degree over all :math:`d_u`).
    prior : EnumeratedPrior, optional
        Prior of :math:`v`; default :func:`~sosrmt.calibration.priors.boolean_sphere` ``(n)``.

    Notes
    -----
    With :math:`z_u = \\langle v, d_u\\rangle`,
    :math:`F_D(v;d) = [t^{\\le D}]\\prod_u(1+\\sum_{k\\in\\{4,6,\\dots\\}}c_k He_k(z_u)t^k/k!)`,
    evaluated by truncated series multiplication, :math:`O(mD^2)` per support point.
    :math:`c_2 = 0` encodes the constraint :math:`\\langle v,d_u\\rangle^2 = 1` itself.

    Examples
    --------
    >>> pap_measure(np.ones((3, 2)), 2).e1       # D < 4: F = 1
    1.0
    """
    d = check_finite_array(d, "d", ndim=2)
    trunc = _check_trunc(trunc, 0, "Hermite degree")
    m, n = d.shape
    prior = boolean_sphere(n) if prior is None else prior
    if prior.n != n:
        raise ValueError(f"prior: expected a prior on {n} variables, got {prior.n}")
    F = np.empty(prior.size)
    for start in range(0, prior.size, _ROW_CHUNK):
        z = prior.points[start:start + _ROW_CHUNK] @ d.T          # (r, m)
        ser = _pap_series(z, trunc)                               # (r, m, D+1)
        acc = ser[:, 0, :]
        for u in range(1, m):
            acc = series_multiply(acc, ser[:, u, :])
        F[start:start + z.shape[0]] = acc.sum(axis=1)
    return SignedMeasure(prior, prior.probs * F, f"PAP m={m} n={n} D={trunc}")


def pap_low_degree_norm(n: int, m: int, trunc: int) -> float:
    """:math:`\\mathbb E K_D` for PAP with the Boolean-sphere prior (spec §2.2).

    Notes
    -----
    :math:`K_D(v,v') = [t^{\\le D}](\\sum_{k\\text{ even}}c_k^2\\rho^k t^k/k!)^m`,
    :math:`\\rho = \\langle v,v'\\rangle`.

    Examples
    --------
    >>> pap_low_degree_norm(4, 3, 2)
    1.0
    """
    n = check_int(n, "n", minimum=1)
    m = check_int(m, "m", minimum=1)
    trunc = check_int(trunc, "trunc", minimum=0)
    h = np.arange(n + 1)
    p = np.array([comb(n, int(i)) for i in h], dtype=float) / 2.0**n
    rho = (n - 2.0 * h) / n
    ser = np.zeros((n + 1, trunc + 1))
    ser[:, 0] = 1.0
    for k in range(4, trunc + 1, 2):
        ser[:, k] = rademacher_hermite_mean(k) ** 2 * rho**k / math.factorial(k)
    acc = ser.copy()
    for _ in range(m - 1):
        acc = series_multiply(acc, ser)
    return float(p @ acc.sum(axis=1))


# ---------------------------------------------------------------------- sparse PCA
def sparse_pca_measure(V: object, delta: float, k: int, trunc: int, *, exact: bool = False,
                       prior: EnumeratedPrior | None = None) -> SignedMeasure:
    """Pseudo-calibrated signed measure for Wishart sparse PCA (spec §4.2).

    Parameters
    ----------
    V : array_like, shape (m, d)
        Samples :math:`v_j` as rows.
    delta : float
        Spike strength :math:`\\Delta \\ge 0`.
    k : int
        Sparsity, ``1 <= k <= d``.
    trunc : int
        Hermite-degree truncation :math:`D \\ge 2` (the objective has degree 2 in the data).
    exact : bool
        Exact-``k`` prior instead of the Bernoulli prior (default).
    prior : EnumeratedPrior, optional
        Overrides the prior.

    Notes
    -----
    :math:`\\mathbb E[He_{\\alpha_j}(v_j)\\mid u] = \\mathbf 1[|\\alpha_j|\\text{ even}]
    (|\\alpha_j|-1)!!\\,\\Delta^{|\\alpha_j|/2}u^{\\alpha_j}` (H4); summing with H5 gives
    :math:`F_D = [t^{\\le D}]\\prod_j\\sum_l\\frac{(a/2)^l}{l!}He_{2l}(z_j)t^{2l}` with
    :math:`z_j = \\langle u,v_j\\rangle/\\|u\\|`, :math:`a = \\Delta\\|u\\|^2`
    (:math:`F \\equiv 1` at :math:`u = 0`).

    Examples
    --------
    >>> mu = sparse_pca_measure(np.zeros((2, 3)), 1.0, 1, 2)
    >>> abs(round(mu.e1, 12))   # E_u [1 + sum_j (a/2) He_2(0)] = 1 - 2 * E a / 2
    0.0
    """
    V = check_finite_array(V, "V", ndim=2)
    delta = _check_positive(delta, "delta")
    m, d = V.shape
    k = check_int(k, "k", minimum=1)
    if k > d:
        raise ValueError(f"k: expected a sparsity 1 <= k <= d = {d}, got {k}")
    trunc = _check_trunc(trunc, 2, "the objective sum_j <v_j, x>^2 has degree 2 in the data")
    prior = sparse_ternary(d, k, exact=exact) if prior is None else prior
    if prior.n != d:
        raise ValueError(f"prior: expected a prior on {d} variables, got {prior.n}")
    F = np.empty(prior.size)
    L = trunc // 2
    for start in range(0, prior.size, _ROW_CHUNK):
        u = prior.points[start:start + _ROW_CHUNK]
        norm2 = (u**2).sum(axis=1)
        safe = np.where(norm2 > 0, np.sqrt(norm2), 1.0)
        z = (u @ V.T) / safe[:, None]                           # (r, m)
        a = delta * norm2                                       # (r,)
        He = hermite_e_table(z, 2 * L)
        ser = np.zeros((*z.shape, trunc + 1))
        for l in range(L + 1):
            ser[..., 2 * l] = ((a / 2) ** l / math.factorial(l))[:, None] * He[2 * l]
        acc = ser[:, 0, :]
        for j in range(1, m):
            acc = series_multiply(acc, ser[:, j, :])
        F[start:start + u.shape[0]] = acc.sum(axis=1)
    return SignedMeasure(prior, prior.probs * F,
                         f"sparse PCA m={m} d={d} k={k} Delta={delta:g} D={trunc}")


def _pair_overlap_expectation(prior: EnumeratedPrior, kernel, max_points: int = 6000) -> float:
    if prior.size > max_points:
        raise ValueError(f"prior: {prior.size} support points; the pair enumeration is limited "
                         f"to {max_points}")
    G = prior.points @ prior.points.T
    return float(prior.probs @ kernel(G) @ prior.probs)


def sparse_pca_low_degree_norm(d: int, k: int, m: int, delta: float, trunc: int, *,
                               exact: bool = False) -> float:
    """:math:`\\mathbb E K_D` for sparse PCA, by enumerating pairs of prior points.

    Notes
    -----
    :math:`K_D = [t^{\\le D}](\\sum_l\\binom{2l}{l}(\\Delta\\rho/2)^{2l}t^{2l})^m`,
    :math:`\\rho = \\langle u,u'\\rangle`.

    Examples
    --------
    >>> sparse_pca_low_degree_norm(3, 1, 2, 0.0, 4)
    1.0
    """
    prior = sparse_ternary(d, k, exact=exact)
    m = check_int(m, "m", minimum=1)
    delta = _check_positive(delta, "delta")
    trunc = check_int(trunc, "trunc", minimum=0)

    def kernel(rho: np.ndarray) -> np.ndarray:
        ser = np.zeros((*rho.shape, trunc + 1))
        for l in range(trunc // 2 + 1):
            ser[..., 2 * l] = comb(2 * l, l) * (delta * rho / 2) ** (2 * l)
        acc = ser.copy()
        for _ in range(m - 1):
            acc = series_multiply(acc, ser)
        return acc.sum(axis=-1)

    return _pair_overlap_expectation(prior, kernel)


# ---------------------------------------------------------------------- dense subgraph
def _elementary_symmetric(values: np.ndarray, order: int) -> np.ndarray:
    """e_0..e_order of the columns of ``values`` (rows: points), by the standard DP."""
    out = np.zeros((values.shape[0], order + 1))
    out[:, 0] = 1.0
    for c in range(values.shape[1]):
        y = values[:, c:c + 1]
        out[:, 1:] = out[:, 1:] + y * out[:, :-1]
    return out


def subset_mobius_weights(n: int, tau: int, subset_prob) -> np.ndarray:
    """Weights :math:`w_t` (``t = 0..tau``) with :math:`\\sum_{W\\supseteq U,|W|\\le\\tau}
    w_{|W|} = f(|U|)` for every :math:`|U|\\le\\tau`.

    ``subset_prob(s)`` is :math:`f(s) = \\Pr[U\\subseteq S]` for :math:`|U| = s`. Solved by back
    substitution: :math:`w_s = f(s) - \\sum_{r\\ge1}\\binom{n-s}{r}w_{s+r}`.

    Examples
    --------
    >>> w = subset_mobius_weights(5, 2, lambda s: 0.5**s)
    >>> [round(float(x), 10) for x in w]   # rho^t beta_{tau-t}(n-t)
    [1.0, -0.5, 0.25]
    """
    n = check_int(n, "n", minimum=1)
    tau = check_int(tau, "tau", minimum=0)
    w = np.zeros(tau + 1)
    for s in range(tau, -1, -1):
        w[s] = subset_prob(s) - sum(comb(n - s, r) * w[s + r] for r in range(1, tau - s + 1))
    return w


def _subset_prob_fn(n: int, rho: float | None, k: int | None):
    if rho is not None:
        return lambda s: rho**s
    return lambda s: (math.perm(k, s) / math.perm(n, s)) if s <= k else 0.0


def dense_subgraph_measure(G: object, q: float, *, rho: float | None = None,
                           k: int | None = None, trunc: int | None = None,
                           tau: int | None = None) -> SignedMeasure:
    """Pseudo-calibrated signed measure for the planted slightly denser subgraph (spec §5.2).

    Parameters
    ----------
    G : array_like, shape (n, n)
        Symmetric :math:`\\pm1` adjacency matrix (diagonal ignored).
    q : float
        Density bias, :math:`0 \\le q \\le 1/2` (:math:`q = 1/2`: planted clique).
    rho, k : float or int
        Prior: Bernoulli(``rho``) membership, or a uniform ``k``-subset (give one).
    trunc : int, optional
        T1: Fourier degree :math:`|T| \\le D` (``>= 1``: the objective has degree 1 in G).
    tau : int, optional
        T2: vertex count :math:`|V(T)\\cup I|\\le\\tau` (BHKKMP). Give exactly one of
        ``trunc`` and ``tau``. The resulting measure is exact for moments of degree
        ``<= tau``; moment matrices need ``degree <= tau``.

    Notes
    -----
    T1: :math:`F_D(S;G) = \\sum_{j\\le D}e_j(\\{2qG_e\\}_{e\\subseteq S})`.
    T2 (Möbius inversion): :math:`\\tilde{\\mathbb E}[x_I] = \\sum_{W\\supseteq I,|W|\\le\\tau}
    w_{|W|}\\prod_{e\\subseteq W}(1+2qG_e)` with :math:`w` from :func:`subset_mobius_weights`
    (Bernoulli prior: :math:`w_t = \\rho^t\\beta_{\\tau-t}(n-t)`). This is a signed measure on
    the indicator vectors of sets of size :math:`\\le\\tau`; its "prior" (used for
    :math:`\\Lambda_0`) is the same construction at :math:`q = 0`, which reproduces the
    prior moments of degree :math:`\\le\\tau`.

    Examples
    --------
    >>> G = -np.ones((4, 4))
    >>> mu = dense_subgraph_measure(G, 0.0, rho=0.5, tau=4)
    >>> round(mu.e1, 12), round(mu.expect(lambda X: X[:, 0] * X[:, 1]), 12)
    (1.0, 0.25)
    """
    G = check_finite_array(G, "G", ndim=2)
    n = G.shape[0]
    if G.shape != (n, n):
        raise ValueError(f"G: expected a square matrix, got shape {G.shape}")
    q = _check_positive(q, "q")
    if q > 0.5:
        raise ValueError(f"q: expected a density bias in [0, 1/2], got {q}")
    if (trunc is None) == (tau is None):
        raise ValueError("trunc, tau: give exactly one truncation (trunc: T1, tau: T2)")
    iu, ju = np.triu_indices(n, 1)
    if trunc is not None:
        trunc = _check_trunc(trunc, 1, "the objective has degree 1 in G")
        prior = subset_prior(n, rho=rho, k=k)
        X = prior.points
        F = np.empty(prior.size)
        for start in range(0, prior.size, _ROW_CHUNK):
            x = X[start:start + _ROW_CHUNK]
            vals = 2 * q * G[iu, ju][None, :] * x[:, iu] * x[:, ju]
            F[start:start + x.shape[0]] = _elementary_symmetric(vals, trunc).sum(axis=1)
        return SignedMeasure(prior, prior.probs * F,
                             f"dense subgraph n={n} q={q:g} D={trunc} (T1)")
    tau = _check_trunc(tau, 2, "the objective has degree 2 in x")
    base = subset_prior(n, rho=rho, k=k, max_size=tau) if k is None else None
    if k is not None:
        k = check_int(k, "k", minimum=1)
        if k > n:
            raise ValueError(f"k: expected a subset size 1 <= k <= n = {n}, got {k}")
        base = subset_prior(n, rho=0.5, max_size=tau)   # support only; weights set below
    if rho is not None and not 0 < float(rho) < 1:
        raise ValueError(f"rho: expected a probability in (0, 1), got {rho}")
    X = base.points
    sizes = X.sum(axis=1).astype(int)
    w = subset_mobius_weights(n, tau, _subset_prob_fn(n, rho, k))
    wt = w[sizes]
    prod = np.empty(base.size)
    for start in range(0, base.size, _ROW_CHUNK):
        x = X[start:start + _ROW_CHUNK]
        inside = x[:, iu] * x[:, ju]
        prod[start:start + x.shape[0]] = np.prod(1 + 2 * q * G[iu, ju][None, :] * inside, axis=1)
    prior = EnumeratedPrior(X, wt, "boolean", 1.0,
                            f"Möbius-truncated subset measure, |W| <= {tau}")
    return SignedMeasure(prior, wt * prod, f"dense subgraph n={n} q={q:g} tau={tau} (T2)")


def dense_subgraph_low_degree_norm(n: int, q: float, trunc: int, *, rho: float | None = None,
                                   k: int | None = None) -> float:
    """:math:`\\mathbb E K_D` for the dense subgraph problem under T1 (spec §5.2).

    Notes
    -----
    :math:`K_D(S,S') = \\sum_{j\\le D}\\binom{\\binom{|S\\cap S'|}2}{j}(4q^2)^j`.

    Examples
    --------
    >>> dense_subgraph_low_degree_norm(4, 0.0, 3, rho=0.5)
    1.0
    """
    prior = subset_prior(n, rho=rho, k=k)
    q = _check_positive(q, "q")
    trunc = check_int(trunc, "trunc", minimum=0)

    def kernel(ov: np.ndarray) -> np.ndarray:
        e = np.rint(ov).astype(int)
        pairs = e * (e - 1) // 2
        tab = np.array([[comb(int(p), j) for j in range(trunc + 1)]
                        for p in range(int(pairs.max()) + 1)], dtype=float)
        return tab[pairs] @ ((4 * q * q) ** np.arange(trunc + 1))

    return _pair_overlap_expectation(prior, kernel, max_points=2**13)
