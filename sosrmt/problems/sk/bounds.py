"""The Sherrington--Kirkpatrick certification problem and its value chain.

Instance: :math:`W=(G+G^\\top)/\\sqrt2` with :math:`G` standard Gaussian and the diagonal set
to 0; objective :math:`x^\\top W x` over :math:`x\\in\\{\\pm1\\}^n`. The deterministic chain

.. math:: \\mathrm{OPT}\\le\\mathrm{SOS}_4\\le\\mathrm{SOS}_2\\le n\\,\\lambda_{\\max}(W)

holds on every instance (spec ``sos_lowerbounds.md`` §2.1); with rigorous bounds in place of
solver values it is a theorem, so a violation is a bug. Asymptotically
:math:`\\mathrm{OPT}\\approx1.526\\,n^{3/2}` (Parisi) while the spectral and degree-2 values
are :math:`\\approx2n^{3/2}`; at the sizes brute force reaches, finite-size effects are large.

Functions: :func:`sk_instance`, :func:`brute_force_max`, :func:`spectral_bound`,
:func:`sos_value` (degree 2 or 4 through the engine), :func:`burer_monteiro` (degree 2 at
large :math:`n` with a dual certificate), :func:`value_chain`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg

from sosrmt._validation import as_rng, check_int, check_symmetric_matrix
from sosrmt.poly import Polynomial
from sosrmt.sos import Hypercube, SosResult, solve

__all__ = [
    "BurerMonteiroResult",
    "brute_force_max",
    "burer_monteiro",
    "objective",
    "sk_instance",
    "sos_value",
    "spectral_bound",
    "validate_coupling",
    "value_chain",
]

_EPS = np.finfo(float).eps


def sk_instance(n: int, seed: int | None = None) -> np.ndarray:
    """The SK coupling matrix of seed ``seed``.

    :math:`G` = ``np.random.default_rng(seed).standard_normal((n, n))``,
    :math:`W=(G+G^\\top)/\\sqrt2`, diagonal set to 0.

    Examples
    --------
    >>> W = sk_instance(4, seed=0)
    >>> bool(np.allclose(W, W.T)) and bool(np.all(np.diag(W) == 0))
    True
    """
    n = check_int(n, "n", minimum=2)
    G = np.random.default_rng(seed).standard_normal((n, n))
    W = (G + G.T) / np.sqrt(2.0)
    np.fill_diagonal(W, 0.0)
    return W


def validate_coupling(W: Any, name: str = "W") -> np.ndarray:
    """Check a user coupling matrix: finite, square, symmetric, at least 2 x 2."""
    W = check_symmetric_matrix(W, name)
    if W.shape[0] < 2:
        raise ValueError(f"{name}: expected at least a 2 x 2 matrix, got shape {W.shape}")
    return W


def objective(W: Any) -> Polynomial:
    """The polynomial :math:`x^\\top W x` on the hypercube."""
    return Polynomial.quadratic_form(validate_coupling(W), ring="hypercube")


def brute_force_max(W: Any, *, max_n: int = 28) -> tuple[float, np.ndarray]:
    """Exact :math:`\\max_{x\\in\\{\\pm1\\}^n}x^\\top Wx` and a maximiser.

    Notes
    -----
    :math:`x_0=1` is fixed (sign symmetry), the remaining variables are split into two
    halves :math:`a, b` and
    :math:`x^\\top Wx = a^\\top W_{aa}a + b^\\top W_{bb}b + 2a^\\top W_{ab}b`, so each block of
    :math:`a`-configurations against all :math:`b`-configurations is one matrix product:
    :math:`O(2^{n-1}\\,n/2)` flops in BLAS instead of :math:`O(2^n n^2)`.

    Examples
    --------
    >>> W = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> brute_force_max(W)[0]
    2.0
    """
    W = validate_coupling(W)
    n = W.shape[0]
    check_int(n, "n", maximum=max_n)
    m = max(1, n // 2)  # first half includes x_0 = 1
    a_idx, b_idx = np.arange(m), np.arange(m, n)

    def configs(k: int, fix_first: bool) -> np.ndarray:
        free = k - 1 if fix_first else k
        bits = ((np.arange(2**free)[:, None] >> np.arange(free)[None, :]) & 1).astype(float)
        signs = 1.0 - 2.0 * bits
        if fix_first:
            signs = np.hstack([np.ones((signs.shape[0], 1)), signs])
        return signs

    A = configs(m, True)
    B = configs(n - m, False) if n > m else np.zeros((1, 0))
    Waa, Wbb, Wab = W[np.ix_(a_idx, a_idx)], W[np.ix_(b_idx, b_idx)], W[np.ix_(a_idx, b_idx)]
    qa = np.einsum("ki,ij,kj->k", A, Waa, A)
    qb = np.einsum("ki,ij,kj->k", B, Wbb, B)
    best, best_x = -np.inf, None
    rows = max(1, int(2**24 // max(1, B.shape[0])))
    for start in range(0, A.shape[0], rows):
        a = A[start : start + rows]
        vals = qa[start : start + rows, None] + qb[None, :] + 2.0 * (a @ Wab) @ B.T
        idx = np.unravel_index(np.argmax(vals), vals.shape)
        if vals[idx] > best:
            best = float(vals[idx])
            best_x = np.concatenate([a[idx[0]], B[idx[1]]])
    assert best_x is not None
    return best, best_x


def spectral_bound(W: Any) -> float:
    """:math:`n\\,\\lambda_{\\max}(W)`, an upper bound on :math:`x^\\top Wx` over the hypercube.

    The eigenvalue is raised by the backward error of the symmetric eigensolver,
    :math:`4n\\varepsilon\\|W\\|_F`, so that the bound is rigorous.
    """
    W = validate_coupling(W)
    n = W.shape[0]
    lam = float(scipy.linalg.eigh(W, eigvals_only=True, subset_by_index=[n - 1, n - 1])[0])
    return n * (lam + 4 * n * _EPS * float(np.linalg.norm(W)))


def sos_value(W: Any, degree: int = 4, *, backend: str = "scs", **options: Any) -> SosResult:
    """Degree-``degree`` SoS relaxation of :math:`\\max x^\\top Wx` over :math:`\\{\\pm1\\}^n`."""
    W = validate_coupling(W)
    return solve(objective(W), Hypercube(W.shape[0]), degree, backend=backend, **options)


@dataclass
class BurerMonteiroResult:
    """Degree-2 (Goemans--Williamson) SDP by Burer--Monteiro, with its dual certificate.

    Attributes
    ----------
    value : float
        Primal value :math:`\\langle W, VV^\\top\\rangle` (a lower bound on the SDP value).
    bound : float
        Rigorous upper bound on the SDP value from the dual point :math:`y`.
    y : ndarray
        Dual certificate :math:`y_i=(WVV^\\top)_{ii}`.
    V : ndarray
        The factor (rows of unit norm).
    rank : int
    iterations : int
    converged : bool
    """

    value: float
    bound: float
    y: np.ndarray = field(repr=False)
    V: np.ndarray = field(repr=False)
    rank: int = 0
    iterations: int = 0
    converged: bool = False

    @property
    def gap(self) -> float:
        """Relative gap between the rigorous bound and the primal value."""
        return (self.bound - self.value) / max(1.0, abs(self.bound))


def dual_certificate_bound(W: np.ndarray, y: np.ndarray) -> float:
    """Rigorous upper bound :math:`\\sum_i y_i + n\\lambda_{\\max}(W-\\mathrm{diag}\\,y)`.

    Notes
    -----
    For :math:`X\\succeq0` with :math:`X_{ii}=1`:
    :math:`\\langle W,X\\rangle=\\sum_iy_i+\\langle W-\\mathrm{diag}\\,y,X\\rangle
    \\le\\sum_iy_i+\\lambda_{\\max}(W-\\mathrm{diag}\\,y)\\operatorname{tr}X`, for any :math:`y`.
    The eigenvalue is raised by the eigensolver's backward error.
    """
    n = W.shape[0]
    A = W - np.diag(y)
    lam = float(scipy.linalg.eigh(A, eigvals_only=True, subset_by_index=[n - 1, n - 1])[0])
    lam += 4 * n * _EPS * float(np.linalg.norm(A))
    return float(np.sum(y) + n * lam + n * _EPS * np.abs(y).sum())


def burer_monteiro(
    W: Any, rank: int | None = None, *, rng: Any = None, tol: float = 1e-7, maxiter: int = 5000
) -> BurerMonteiroResult:
    """Solve :math:`\\max\\langle W,X\\rangle`, :math:`X\\succeq0`, :math:`X_{ii}=1` by low rank.

    Parameters
    ----------
    W : array_like
        Symmetric coupling matrix.
    rank : int, optional
        Factor rank :math:`k`; default :math:`\\lceil\\sqrt{2n}\\rceil+1`, above the
        Barvinok--Pataki bound, so second-order critical points are optimal generically.
    rng : seed or Generator
        Random initial factor.
    tol : float
        Stop when the Riemannian gradient norm is below ``tol`` times :math:`\\|WV\\|_F`.
    maxiter : int

    Notes
    -----
    :math:`X = VV^\\top` with unit rows :math:`v_i` (a product of spheres). Riemannian
    gradient ascent with Barzilai--Borwein steps: the gradient
    :math:`2(I-v_iv_i^\\top)(WV)_i` row by row, a step, and renormalisation of the rows (the
    retraction). One iteration is one product :math:`WV`. Hand-written because scipy's
    L-BFGS-B spends more time in its own bookkeeping than in :math:`WV` at this size and
    knows no manifold (measured: 0.2 s per iteration at n = 400 against 1 ms for the product).
    The dual certificate :math:`y_i=(WVV^\\top)_{ii}` is exact at the optimum and gives a
    rigorous bound (:func:`dual_certificate_bound`) at any point, converged or not.

    Examples
    --------
    >>> W = np.ones((3, 3)) - np.eye(3)   # SDP optimum of x^T W x: 6 at X = J
    >>> res = burer_monteiro(W, rng=0)
    >>> round(res.value, 6), bool(res.bound >= 6 - 1e-9)
    (6.0, True)
    """
    W = validate_coupling(W)
    n = W.shape[0]
    k = check_int(rank, "rank", minimum=1) if rank is not None else int(np.ceil(np.sqrt(2 * n))) + 1
    maxiter = check_int(maxiter, "maxiter", minimum=1)
    V = as_rng(rng).standard_normal((n, k))
    V /= np.linalg.norm(V, axis=1, keepdims=True)

    def grad(V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        WV = W @ V
        G = 2.0 * WV
        G -= V * np.sum(G * V, axis=1, keepdims=True)
        return WV, G

    WV, G = grad(V)
    step = 1.0 / max(float(np.abs(W).sum(axis=1).max()), 1e-300)
    converged = False
    it = 0
    for it in range(1, maxiter + 1):  # noqa: B007
        V_new = V + step * G
        V_new /= np.linalg.norm(V_new, axis=1, keepdims=True)
        WV_new, G_new = grad(V_new)
        S, Y = V_new - V, G_new - G
        sy = abs(float(np.sum(S * Y)))
        if sy > 0:
            step = float(np.sum(S * S)) / sy
        V, WV, G = V_new, WV_new, G_new
        if np.linalg.norm(G) <= tol * max(np.linalg.norm(WV), 1e-300):
            converged = True
            break
    value = float(np.sum(V * WV))
    y = np.sum(V * WV, axis=1)
    bound = dual_certificate_bound(W, y)
    return BurerMonteiroResult(
        value=value, bound=bound, y=y, V=V, rank=k, iterations=it, converged=converged
    )


def value_chain(
    W: Any,
    *,
    degrees: tuple[int, ...] = (2, 4),
    brute: bool | None = None,
    backend: str = "scs",
    **options: Any,
) -> dict[str, Any]:
    """OPT, SOS values and bounds, and the spectral bound for one instance.

    Returns
    -------
    dict
        ``n``, ``opt`` (None when brute force is skipped), ``sos2``/``sos4`` (values),
        ``sos2_bound``/``sos4_bound`` (rigorous), ``sos2_status``/``sos4_status``,
        ``spectral``, ``tight`` (degree 4 certified the optimum), ``chain_ok`` (the chain
        holds with rigorous bounds), and timings.
    """
    W = validate_coupling(W)
    n = W.shape[0]
    out: dict[str, Any] = {
        "n": n,
        "opt": None,
        "sos2": None,
        "sos4": None,
        "sos2_bound": None,
        "sos4_bound": None,
        "tight": False,
    }
    if brute is None:
        brute = n <= 24
    if brute:
        out["opt"], _ = brute_force_max(W)
    for d in degrees:
        res = sos_value(W, d, backend=backend, **options)
        out[f"sos{d}_status"] = res.status
        out[f"sos{d}"] = res.value if res.ok else None
        out[f"sos{d}_bound"] = res.bound if res.ok else None
        out[f"sos{d}_seconds"] = res.timings.get("total")
        out[f"sos{d}_iterations"] = res.stats.get("iterations")
        if d == max(degrees) and res.ok:
            out["tight"] = bool(res.tight)
    out["spectral"] = spectral_bound(W)
    chain = [out["opt"]] + [out.get(f"sos{d}_bound") for d in sorted(degrees, reverse=True)]
    chain.append(out["spectral"])
    vals = [v for v in chain if v is not None]
    # each rigorous upper bound must be >= the exact optimum and the next-lower-degree bound
    # must not be below the higher-degree SoS *value* (SOS_4 <= SOS_2)
    ok = (
        all(b >= out["opt"] - 1e-9 * max(1, abs(b)) for b in vals[1:])
        if out["opt"] is not None
        else True
    )
    for lo, hi in zip(
        sorted(degrees, reverse=True), sorted(degrees, reverse=True)[1:], strict=False
    ):
        v_lo, b_hi = out.get(f"sos{lo}"), out.get(f"sos{hi}_bound")
        if v_lo is not None and b_hi is not None:
            ok &= v_lo <= b_hi + 1e-6 * max(1, abs(b_hi))
    if out.get(f"sos{min(degrees)}") is not None:
        ok &= out[f"sos{min(degrees)}"] <= out["spectral"] + 1e-6 * abs(out["spectral"])
    out["chain_ok"] = bool(ok)
    return out


def chain_job(*, n: int, rng: np.random.Generator, degree: int = 4) -> dict[str, Any]:
    """Sweep job: the value chain of one random SK instance of size ``n``, divided by n^{3/2}.

    The instance's :math:`G` is drawn from ``rng`` (so the sweep's seed tree fixes it).
    Returns a flat dict for :func:`sosrmt.sweep.run_sweep`.
    """
    n = check_int(n, "n", minimum=2, maximum=24)
    G = as_rng(rng).standard_normal((n, n))
    W = (G + G.T) / np.sqrt(2.0)
    np.fill_diagonal(W, 0.0)
    degrees = (2, 4) if degree == 4 else (2,)
    row = value_chain(W, degrees=degrees)
    scale = n**1.5
    out: dict[str, Any] = {"chain_ok": row["chain_ok"], "tight": row["tight"]}
    for key in ("opt", "sos2", "sos2_bound", "sos4", "sos4_bound", "spectral"):
        value = row.get(key)
        out[key] = None if value is None else float(value) / scale
    return out


def plot_value_chain(table: list[dict[str, Any]], path: Any) -> Any:
    """Plot mean OPT, SOS_4, SOS_2 and spectral values (over n^{3/2}) against n as a PNG.

    ``table`` holds one dict per n with ``n`` and ``<key>_mean`` / ``<key>_se`` entries
    (the output of :func:`sosrmt.sweep.aggregate` over :func:`chain_job` rows).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ns = np.array([r["n"] for r in table], dtype=float)
    labels = {
        "opt": "OPT (brute force)",
        "sos4": "SOS$_4$",
        "sos2": "SOS$_2$ (GW)",
        "spectral": r"$n\lambda_{\max}(W)$",
    }
    for key, label in labels.items():
        mean = np.array(
            [np.nan if r.get(f"{key}_mean") is None else r[f"{key}_mean"] for r in table],
            dtype=float,
        )
        err = np.array(
            [
                0.0
                if r.get(f"{key}_se") is None or r[f"{key}_se"] != r[f"{key}_se"]
                else r[f"{key}_se"]
                for r in table
            ],
            dtype=float,
        )
        if np.all(np.isnan(mean)):
            continue
        ax.errorbar(ns, mean, yerr=err, marker="o", capsize=3, label=label)
    ax.axhline(2 * 0.7632, color="gray", ls=":", label="Parisi limit of OPT, 1.526")
    ax.axhline(2.0, color="gray", ls="--", label="spectral / SOS$_2$ limit, 2")
    ax.set_xlabel("n")
    ax.set_ylabel(r"value / $n^{3/2}$")
    ax.set_title("SK value chain: OPT <= SOS$_4$ <= SOS$_2$ <= n$\\lambda_{max}$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
