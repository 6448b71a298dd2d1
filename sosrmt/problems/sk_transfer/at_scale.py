"""The PAP-to-SK transfer at :math:`N` in the thousands (shape form, matrix-free).

The PAP side is the factored single-circle shape form
(:func:`~sosrmt.problems.planted_affine_planes.pap_factored_moments`, Hermite truncation
:math:`D\\le7`); :math:`p` follows the rule of :func:`choose_p`. Per instance
:func:`transfer_at_scale` reports

* the value :math:`\\tilde{\\mathbb E}[x^\\top Wx]/(\\tilde{\\mathbb E}[1]N^{3/2})`;
* the relative :math:`\\mu_{\\min}` of the PAP degree-4 moment matrix (dimension
  :math:`1+p+\\binom p2`), which decides the sign of the SK one: the SK degree-4 moment
  matrix of :math:`\\tilde{\\mathbb E}_{SK}` is :math:`T^\\top\\Lambda_{PAP}T`, with
  :math:`T` onto (see :func:`sk_moment_operator`);
* optionally :math:`\\lambda_{\\min}` of that SK matrix itself (dimension
  :math:`1+N+\\binom N2`, about :math:`2\\cdot10^6` at :math:`N=2000`) by Lanczos on an
  operator, never formed;
* the constraint residuals :math:`|\\tilde{\\mathbb E}[(x_u^2-1)q]|/\\tilde{\\mathbb E}[1]`
  for :math:`q=1` (every :math:`u`) and :math:`q=x_ax_b` (every :math:`a\\ne b`, for a sample
  of :math:`u`); for :math:`q=x_a` they vanish identically (all odd moments are 0).

Sizes are checked against memory before any work (:func:`transfer_resources`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse.linalg as spla
import scipy.stats
from numpy.typing import ArrayLike

from sosrmt._validation import as_rng, check_int, check_memory
from sosrmt.calibration.matrix_free import LanczosResult
from sosrmt.problems import sk
from sosrmt.problems.planted_affine_planes.factored import (
    FACTORED_MAX_TRUNC,
    FactoredMoments,
    factored_memory,
    pap_factored_moments,
)
from sosrmt.problems.sk.instance import SeedLike
from sosrmt.problems.sk_transfer.reduction import edge_prediction

__all__ = [
    "BASES",
    "ScaleTransferResult",
    "choose_p",
    "lanczos_smallest",
    "pap_basis",
    "sk_min_eigenvalue",
    "sk_moment_operator",
    "transfer_at_scale",
    "transfer_resources",
    "transfer_scale_cell",
]

#: Default exponent margin of :func:`choose_p`: :math:`p = \lceil N^{2/3+\varepsilon}\rceil`.
DEFAULT_EPS = 0.05
#: The two bases of the top eigenspace the PAP inputs can be taken in (:func:`pap_basis`).
BASES = ("frame", "gaussian")


def choose_p(N: int, eps: float = DEFAULT_EPS) -> int:
    """The subspace dimension :math:`p=\\lceil N^{2/3+\\varepsilon}\\rceil`.

    GJJPR's PAP theorem needs :math:`m\\le n^{3/2-\\varepsilon'}` (here :math:`m=N`,
    :math:`n=p`), i.e. :math:`p\\ge N^{2/3+\\varepsilon}`; larger :math:`p` lowers the value
    floor :math:`\\lambda_p N` (semicircle edge :math:`2-(3\\pi p/2N)^{2/3}`), so :math:`p`
    is taken as small as the theorem's regime allows.

    Examples
    --------
    >>> [choose_p(N) for N in (200, 500, 1000, 2000)]
    [45, 86, 142, 233]
    """
    N = check_int(N, "N", minimum=8)
    eps = float(eps)
    if not 0.0 <= eps < 1.0 / 3.0:
        raise ValueError(f"eps: expected 0 <= eps < 1/3, got {eps!r}")
    return math.ceil(N ** (2.0 / 3.0 + eps) - 1e-9)


def _check_sizes(N: int, p: int) -> None:
    if not 2 <= p < N:
        raise ValueError(f"p: expected 2 <= p < N (N={N} is too small for p={p}: the "
                         f"reduction needs p top eigenvectors of an N x N coupling and p < N)")


def transfer_resources(N: int, p: int, *, sk_lanczos: bool = True) -> dict[str, float]:
    """Memory (bytes) and work (flops per operator product) of :func:`transfer_at_scale`.

    The largest items: the coupling and its partial eigendecomposition (about
    :math:`4N^2` floats), the factored PAP moments (:func:`factored_memory`), and with
    ``sk_lanczos`` the SK Lanczos vectors (24 of size :math:`1+N+\\binom N2`) and four
    :math:`N\\times N` work arrays; with a 25% margin over the count (the measured peak was
    up to 18% above it).

    Examples
    --------
    >>> r = transfer_resources(2000, 232)
    >>> 0.3 < r["memory_bytes"] / 2**30 < 2
    True
    """
    N = check_int(N, "N", minimum=8)
    p = check_int(p, "p", minimum=2)
    _check_sizes(N, p)
    sk_dim = 1 + N + N * (N - 1) // 2
    pap_dim = 1 + p + p * (p - 1) // 2
    mem = 8.0 * 4 * N * N + factored_memory(N, p)
    if sk_lanczos:
        mem += 8.0 * (24 * sk_dim + 4 * N * N)
    mem *= 1.25          # peak traced memory was 1.13-1.18 times the count at N = 200..1000
    pap_flops = 2.0 * 12 * N * p * p + 6.0 * p**3
    return {"memory_bytes": mem, "pap_dimension": float(pap_dim),
            "sk_dimension": float(sk_dim), "flops_pap_matvec": pap_flops,
            "flops_sk_matvec": 8.0 * N * N * p + 4.0 * N * p * p + pap_flops}


def pap_basis(U: np.ndarray, basis: str = "frame", *, rng: SeedLike = None) -> np.ndarray:
    """The PAP inputs :math:`D` (rows :math:`d_u`) with column span that of ``U``.

    Parameters
    ----------
    U : ndarray, shape (N, p)
        Orthonormal columns (the top-:math:`p` eigenvectors of :math:`W`).
    basis : {"frame", "gaussian"}
        ``"frame"``: :math:`D=\\sqrt N\\,UO`, :math:`O` Haar on :math:`O(p)`, so
        :math:`D^\\top D=NI`. ``"gaussian"``: :math:`D=UO\\,(G^\\top G)^{1/2}`, :math:`G` an
        independent :math:`N\\times p` standard Gaussian matrix.
    rng : optional
        For :math:`O` (and :math:`G`).

    Notes
    -----
    The reduction only needs the column span of :math:`D` to be that of :math:`U`
    (:math:`x=Dv` then lies in the top eigenspace). If the span of :math:`U` is uniformly
    distributed (orthogonally invariant :math:`W`), then :math:`UO` is a Haar frame
    independent of :math:`G`, and :math:`G = Q(G^\\top G)^{1/2}` with :math:`Q` a Haar frame
    independent of :math:`(G^\\top G)^{1/2}`; so ``"gaussian"`` rows are i.i.d.
    :math:`N(0,I_p)`, the null distribution the PAP pseudo-calibration is built for. The
    ``"frame"`` rows have :math:`\\sum_u d_ud_u^\\top = NI` exactly and row norms more
    concentrated than Gaussian ones.

    Examples
    --------
    >>> U = np.linalg.qr(np.random.default_rng(0).standard_normal((30, 4)))[0]
    >>> D = pap_basis(U, "frame", rng=0)
    >>> bool(np.allclose(D.T @ D, 30 * np.eye(4)))
    True
    >>> G = pap_basis(U, "gaussian", rng=0)
    >>> bool(np.allclose(U @ (U.T @ G), G))          # same column span
    True
    """
    U = np.asarray(U, dtype=float)
    if U.ndim != 2 or U.shape[1] < 1 or U.shape[0] < U.shape[1]:
        raise ValueError(f"U: expected an N x p array with N >= p >= 1, got shape {U.shape}")
    if basis not in BASES:
        raise ValueError(f"basis: expected one of {BASES}, got {basis!r}")
    N, p = U.shape
    gen = as_rng(rng)
    O = scipy.stats.ortho_group.rvs(p, random_state=gen) if p > 1 else np.ones((1, 1))
    if basis == "frame":
        return math.sqrt(N) * U @ O
    G = gen.standard_normal((N, p))
    s, V = np.linalg.eigh(G.T @ G)
    return U @ O @ ((V * np.sqrt(np.maximum(s, 0.0))) @ V.T)


# ---------------------------------------------------------------------- SK operator
def sk_moment_operator(fm: FactoredMoments, D: np.ndarray) -> spla.LinearOperator:
    """The SK degree-4 moment matrix :math:`M[S,T]=\\tilde{\\mathbb E}_{PAP}[x^Sx^T]`,
    :math:`x = Dv`, :math:`|S|,|T|\\le2`, as an operator (basis
    :func:`sosrmt.calibration.matrix_free.operator_basis` ``(N)``).

    Notes
    -----
    A coefficient vector :math:`(\\alpha_0,\\alpha_u,A_{uw})` is the polynomial
    :math:`q(x)=\\alpha_0+\\sum_u\\alpha_ux_u+\\sum_{u<w}A_{uw}x_ux_w`; :math:`T` maps it to
    :math:`q(Dv)` in the PAP basis (:math:`v_i^2=1/p`), so :math:`M = T^\\top\\Lambda_{PAP}
    T` and :math:`\\alpha^\\top M\\alpha=\\tilde{\\mathbb E}_{PAP}[q(Dv)^2]`. Since the
    :math:`z_u=\\langle d_u,v\\rangle` span the linear forms (:math:`D` has rank :math:`p`),
    :math:`T` is onto the polynomials of degree :math:`\\le2` in :math:`v`: :math:`M\\succeq0`
    if and only if :math:`\\Lambda_{PAP}\\succeq0`. Entries with :math:`S\\cap T\\ne\\emptyset`
    keep :math:`x_u^2` unreduced; the multilinear SK matrix differs from :math:`M` exactly
    by the constraint residuals. Cost per product :math:`O(N^2p+Np^2)`.
    """
    D = np.asarray(D, dtype=float)
    N, p = D.shape
    if p != fm.n:
        raise ValueError(f"D: expected {fm.n} columns (the PAP dimension), got {p}")
    c = fm.square
    iu, ju = np.triu_indices(N, 1)
    piu, pju = np.triu_indices(p, 1)
    pap = fm.moment_operator()
    size = 1 + N + iu.size

    def matvec(vec: np.ndarray) -> np.ndarray:
        vec = np.asarray(vec, dtype=float).reshape(-1)
        a0, a1 = vec[0], vec[1:1 + N]
        X = np.zeros((N, N))
        X[iu, ju] = vec[1 + N:]
        X = X + X.T
        B = 0.5 * (D.T @ (X @ D))                           # q's quadratic part: v^T B v
        G = 2.0 * B
        np.fill_diagonal(G, 0.0)
        pv = np.concatenate([[a0 + c * np.trace(B)], D.T @ a1, G[piu, pju]])
        out = pap.matvec(pv)
        Psi = np.zeros((p, p))
        Psi[piu, pju] = out[1 + p:]
        Psi = Psi + Psi.T
        np.fill_diagonal(Psi, c * out[0])
        Z = (D @ Psi) @ D.T
        return np.concatenate([[out[0]], D @ out[1:1 + p], Z[iu, ju]])

    return spla.LinearOperator((size, size), matvec=matvec, rmatvec=matvec, dtype=float)


def lanczos_smallest(op: spla.LinearOperator, e1: float, *, tol: float = 1e-6,
                     maxiter: int | None = None, seed: int = 0) -> LanczosResult:
    """Smallest eigenvalue of ``op / e1`` by Lanczos (ARPACK), with its residual.

    The smallest eigenvalue of a PSD moment matrix with a large null space is 0, and
    ARPACK's tolerance is relative to :math:`|\\theta|`, so Lanczos runs on
    :math:`A + I` and the shift is undone. A negative Ritz value is a Rayleigh quotient, so
    certain; a nonnegative one is not a certificate.

    Examples
    --------
    >>> A = spla.aslinearoperator(np.diag([3.0, -1.0, 2.0, 5.0]))
    >>> round(lanczos_smallest(A, 2.0).mu_min, 6)
    -0.5
    """
    if e1 == 0:
        raise ValueError("e1: E~[1] = 0, the relative eigenvalue is undefined")
    count = {"n": 0}

    def scaled(v: np.ndarray) -> np.ndarray:
        count["n"] += 1
        return op.matvec(v) / e1

    def shifted(v: np.ndarray) -> np.ndarray:
        return scaled(v) + v

    size = op.shape[0]
    A = spla.LinearOperator((size, size), matvec=shifted, rmatvec=shifted, dtype=float)
    v0 = np.random.default_rng(seed).standard_normal(size)
    status = "converged"
    try:
        w, V = spla.eigsh(A, k=1, which="SA", tol=tol, v0=v0,
                          maxiter=maxiter if maxiter is not None else 300)
        theta, vec = float(w[0]) - 1.0, V[:, 0]
    except spla.ArpackNoConvergence as exc:
        status = "not_converged"
        if exc.eigenvalues.size:
            theta, vec = float(exc.eigenvalues[0]) - 1.0, exc.eigenvectors[:, 0]
        else:
            vec = v0 / np.linalg.norm(v0)
            theta = float(vec @ scaled(vec))
    vec = vec / np.linalg.norm(vec)
    residual = float(np.linalg.norm(scaled(vec) - theta * vec))
    return LanczosResult(status=status, mu_min=theta, residual=residual, dimension=size,
                         matvecs=count["n"])


def sk_min_eigenvalue(fm: FactoredMoments, D: np.ndarray, *, tol: float = 1e-6,
                      maxiter: int | None = None, seed: int = 0) -> LanczosResult:
    """:math:`\\lambda_{\\min}(M)/\\tilde{\\mathbb E}[1]` of :func:`sk_moment_operator` by
    Lanczos (:func:`lanczos_smallest`; the SK prior's moment matrix is the identity, so this
    is the relative :math:`\\mu_{\\min}`). When :math:`\\Lambda_{PAP}\\succeq0` it is 0 (the
    null space of :math:`T` is large); a negative value is the PAP one seen through
    :math:`T`."""
    if fm.e1 == 0:
        raise ValueError("fm: E~[1] = 0, the relative eigenvalue is undefined")
    return lanczos_smallest(sk_moment_operator(fm, D), fm.e1, tol=tol, maxiter=maxiter,
                            seed=seed)


# ---------------------------------------------------------------------- residuals
def _residuals(fm: FactoredMoments, D: np.ndarray, circles: int) -> dict[str, Any]:
    N = D.shape[0]
    e1 = abs(fm.e1)
    Z2 = fm.second_moment()
    r_const = np.einsum("ui,ui->u", D @ Z2, D) - fm.y0            # E~[x_u^2 - 1]
    chosen = (np.arange(N) if circles >= N
              else np.unique(np.linspace(0, N - 1, max(circles, 1)).round().astype(int)))
    worst = 0.0
    square = math.inf
    op_norm = 0.0
    # the nonzero eigenvalues of D R D^T are those of S R S, S = (D^T D)^{1/2}
    s_eig, s_vec = np.linalg.eigh(D.T @ D)
    S = (s_vec * np.sqrt(np.maximum(s_eig, 0.0))) @ s_vec.T
    for u in chosen:
        du = D[u]
        G = 2.0 * np.outer(du, du)
        np.fill_diagonal(G, 0.0)
        g0 = fm.square * float(du @ du) - 1.0
        e_g, R = fm.apply_polynomial(g0, G)
        # E~[g^2] for g = x_u^2 - 1 = g0 + sum_{k!=l} G_kl v_k v_l / 2, against the prior's
        prior = g0 * g0 + 0.5 * fm.square**2 * float(np.sum(G * G))
        square = min(square, (g0 * e_g + 0.5 * float(np.sum(G * R))) / prior)
        op_eig = np.linalg.eigvalsh(S @ R @ S)                  # E~[(x_u^2-1)<c,x>^2]
        op_norm = max(op_norm, float(np.max(np.abs(op_eig))))
        M = (D @ R) @ D.T                                         # E~[(x_u^2-1) x_a x_b]
        np.fill_diagonal(M, 0.0)
        worst = max(worst, float(np.max(np.abs(M))))
    return {"residual": float(np.max(np.abs(r_const))) / e1,
            "residual_mean": float(np.mean(np.abs(r_const))) / e1,
            "residual_quad": worst / e1, "residual_quad_circles": int(chosen.size),
            "residual_square_min": square / fm.e1, "residual_quad_op": op_norm / e1}


# ---------------------------------------------------------------------- the transfer
@dataclass
class ScaleTransferResult:
    """Outcome of :func:`transfer_at_scale`; :meth:`as_dict` has the keys of
    :meth:`~sosrmt.problems.sk_transfer.TransferResult.as_dict` and more.

    Attributes
    ----------
    moments : FactoredMoments
        The PAP moments.
    D : ndarray, shape (N, p)
        The PAP inputs.
    row : dict
        The numbers (see :func:`transfer_at_scale`).
    """

    moments: FactoredMoments
    D: np.ndarray
    row: dict[str, Any] = field(default_factory=dict)

    @property
    def value_scaled(self) -> float:
        """:math:`\\tilde{\\mathbb E}[x^\\top Wx]/(\\tilde{\\mathbb E}[1]N^{3/2})`."""
        return float(self.row["value_scaled"])

    @property
    def psd(self) -> bool | None:
        """PSD verdict of the PAP (hence SK) moment matrix, None if undecided."""
        return self.row["psd"]

    def as_dict(self) -> dict[str, Any]:
        """Numbers only (JSON-ready)."""
        return dict(self.row)


def _psd_verdict(res: LanczosResult) -> tuple[bool | None, str]:
    if res.status == "dense":
        return bool(res.mu_min >= 0), "dense eigendecomposition"
    if res.mu_min < 0:
        return False, "Lanczos Ritz value < 0 (a Rayleigh quotient, so certain)"
    if res.status == "converged":
        return True, "Lanczos converged, smallest Ritz value >= 0 (not a certificate)"
    return None, "Lanczos did not converge"


def transfer_at_scale(W: ArrayLike, p: int | None = None, trunc: int = 6, *,
                      rng: SeedLike = None, eps: float = DEFAULT_EPS, basis: str = "frame",
                      sk_lanczos: bool = True, residual_circles: int = 32,
                      tol: float = 1e-6, maxiter: int | None = None) -> ScaleTransferResult:
    """The PAP-to-SK transfer with the factored shape form, for :math:`N` up to thousands.

    Parameters
    ----------
    W : array_like, shape (N, N)
        SK coupling (symmetric, finite).
    p : int, optional
        Subspace dimension; default :func:`choose_p` ``(N, eps)``. Needs :math:`2\\le p<N`.
    trunc : int
        PAP Hermite-degree truncation, :math:`0\\le D\\le7`.
    rng : optional
        For the Haar rotation :math:`O`.
    eps : float
        Margin of :func:`choose_p` when ``p`` is None.
    basis : {"frame", "gaussian"}
        Basis of the top eigenspace the PAP inputs are taken in (:func:`pap_basis`).
    sk_lanczos : bool
        Also run Lanczos on the SK moment operator (dimension :math:`1+N+\\binom N2`).
    residual_circles : int
        Number of :math:`u` (evenly spaced) for the quadratic residuals (all when
        :math:`\\ge N`).
    tol, maxiter
        Lanczos tolerance and iteration cap (both Lanczos runs).

    Returns
    -------
    ScaleTransferResult
        ``row`` keys: those of :func:`~sosrmt.problems.sk_transfer.transfer` (``value``,
        ``value_scaled``, ``lambda_p``, ``edge_prediction``, ``residual``,
        ``vv_min_eigenvalue``, ``gap``, ``N``, ``p``, ``trunc``, ``e1``, ``spectral``;
        ``gap`` is :math:`(\\tilde{\\mathbb E}[x^\\top Wx]-\\lambda_p\\tilde{\\mathbb E}
        \\|x\\|^2)/\\tilde{\\mathbb E}[1]`), ``basis``, ``exponent``
        (:math:`\\log p/\\log N`), ``residual_quad_op`` and ``residual_square_min`` (see
        Notes) and
        ``value_prior_scaled`` (the prior's value, :math:`N` times the mean top-:math:`p`
        eigenvalue, over :math:`N^{3/2}`), ``mu_min``, ``mu_min_residual``,
        ``mu_min_status``, ``pap_dimension``, ``psd``, ``psd_evidence``, ``sk_mu_min``,
        ``sk_mu_min_residual``, ``sk_status``, ``sk_dimension`` (None without
        ``sk_lanczos``), ``residual_mean``, ``residual_quad``, ``residual_quad_circles``,
        ``memory_estimate_bytes`` and the seconds ``time_eig``, ``time_moments``,
        ``time_pap_lanczos``, ``time_sk_lanczos``, ``time_residuals``, ``time_total``.

    Notes
    -----
    ``psd`` is the verdict on :math:`\\Lambda_{PAP}`, which is the verdict on the SK
    matrix (:func:`sk_moment_operator`). It is never repaired: a non-PSD instance is
    reported as such (``psd`` False).

    ``residual_quad_op`` is :math:`\\max_u\\sup_{\\|c\\|=1}|\\tilde{\\mathbb E}[(x_u^2-1)
    \\langle c,x\\rangle^2]|/\\tilde{\\mathbb E}[1]` over the sampled :math:`u` (the operator
    norm of the matrix whose largest entry is ``residual_quad``; the uniform measure has
    :math:`\\mathbb E\\langle c,x\\rangle^2 = 1`): the size of the residual that the
    multilinear reduction subtracts from the moment matrix
    (:mod:`~sosrmt.problems.sk_transfer.multilinear`).

    ``residual_square_min`` is :math:`\\min_u\\tilde{\\mathbb E}[(x_u^2-1)^2]/
    (\\tilde{\\mathbb E}[1]\\,\\mathbb E_{\\rm prior}[(x_u^2-1)^2])` over the sampled
    :math:`u`: the Rayleigh quotient of the moment matrix at the constraint polynomial
    itself (relative to the prior, as ``mu_min``). An exact pseudo-expectation gives 0
    there; a negative value is a witness that the matrix is not PSD.

    Examples
    --------
    >>> W = sk.sk_instance(40, seed=0)
    >>> res = transfer_at_scale(W, 6, 4, rng=0)
    >>> sorted(k for k in ("psd", "mu_min", "residual_quad") if k in res.as_dict())
    ['mu_min', 'psd', 'residual_quad']
    """
    t_start = time.perf_counter()
    W = sk.validate_coupling(W)
    N = W.shape[0]
    p = choose_p(N, eps) if p is None else check_int(p, "p", minimum=2)
    _check_sizes(N, p)
    trunc = check_int(trunc, "trunc", minimum=0)
    if trunc > FACTORED_MAX_TRUNC:
        raise ValueError(f"trunc: the factored form holds single-circle shapes only, "
                         f"expected D <= {FACTORED_MAX_TRUNC}, got {trunc}")
    residual_circles = check_int(residual_circles, "residual_circles", minimum=1)
    est = transfer_resources(N, p, sk_lanczos=sk_lanczos)
    check_memory(est["memory_bytes"], f"the PAP-to-SK transfer at N={N}, p={p}",
                 hint="lower N, or pass sk_lanczos=False")
    if basis not in BASES:
        raise ValueError(f"basis: expected one of {BASES}, got {basis!r}")
    gen = as_rng(rng)

    t0 = time.perf_counter()
    evals, U = scipy.linalg.eigh(W, subset_by_index=[N - p, N - 1])
    D = pap_basis(U, basis, rng=gen)
    lam_p = float(evals[0])
    spectral = sk.spectral_bound(W)
    time_eig = time.perf_counter() - t0

    t0 = time.perf_counter()
    fm = pap_factored_moments(D, trunc)
    e1 = fm.e1
    B = D.T @ W @ D
    raw = float(np.sum(B * fm.Y2)) + fm.square * fm.y0 * float(np.trace(B))
    value = raw / e1
    vv = fm.second_moment() / e1
    norm2 = float(np.sum((D.T @ D) * vv))                 # E~[|x|^2] / E~[1]
    time_moments = time.perf_counter() - t0

    t0 = time.perf_counter()
    lz = fm.min_eigenvalue(tol=tol, maxiter=maxiter)
    time_pap = time.perf_counter() - t0
    psd, evidence = _psd_verdict(lz)

    t0 = time.perf_counter()
    sk_res = sk_min_eigenvalue(fm, D, tol=tol, maxiter=maxiter) if sk_lanczos else None
    time_sk = time.perf_counter() - t0 if sk_lanczos else None

    t0 = time.perf_counter()
    resid = _residuals(fm, D, residual_circles)
    time_res = time.perf_counter() - t0

    scale = N**1.5
    row: dict[str, Any] = {
        "value": value, "value_scaled": value / scale, "lambda_p": lam_p,
        "edge_prediction": edge_prediction(p, N), "residual": resid["residual"],
        "vv_min_eigenvalue": float(np.linalg.eigvalsh(vv)[0]),
        "gap": value - lam_p * norm2, "N": N, "p": p, "trunc": trunc, "basis": basis,
        "exponent": math.log(p) / math.log(N), "e1": e1, "spectral": spectral,
        "value_prior_scaled": float(N * np.mean(evals)) / scale,
        "mu_min": lz.mu_min, "mu_min_residual": lz.residual, "mu_min_status": lz.status,
        "pap_dimension": lz.dimension, "psd": psd, "psd_evidence": evidence,
        "sk_mu_min": None if sk_res is None else sk_res.mu_min,
        "sk_mu_min_residual": None if sk_res is None else sk_res.residual,
        "sk_status": None if sk_res is None else sk_res.status,
        "sk_dimension": None if sk_res is None else sk_res.dimension,
        "residual_mean": resid["residual_mean"], "residual_quad": resid["residual_quad"],
        "residual_quad_circles": resid["residual_quad_circles"],
        "residual_square_min": resid["residual_square_min"],
        "residual_quad_op": resid["residual_quad_op"],
        "memory_estimate_bytes": est["memory_bytes"],
        "time_eig": time_eig, "time_moments": time_moments, "time_pap_lanczos": time_pap,
        "time_sk_lanczos": time_sk, "time_residuals": time_res,
        "time_total": time.perf_counter() - t_start,
    }
    return ScaleTransferResult(moments=fm, D=D, row=row)


def transfer_scale_cell(*, rng: SeedLike, N: int, trunc: int = 6, eps: float = DEFAULT_EPS,
                        p: int | None = None, sk_lanczos: bool = True,
                        residual_circles: int = 32, basis: str = "frame") -> dict[str, Any]:
    """Sweep job (``"sosrmt.problems.sk_transfer:transfer_scale_cell"``): a null SK
    instance of size ``N`` (:func:`sosrmt.problems.sk.sample_null`) and
    :func:`transfer_at_scale` on it; results only (the row of :meth:`as_dict` without the
    echoed ``N``, ``trunc`` and ``basis``; ``p`` stays, since it is derived when not given).

    Examples
    --------
    >>> row = transfer_scale_cell(rng=0, N=30, trunc=4, p=5)
    >>> row["p"], isinstance(row["psd"], bool)
    (5, True)
    """
    N = check_int(N, "N", minimum=8)
    p_used = choose_p(N, eps) if p is None else check_int(p, "p", minimum=2)
    _check_sizes(N, p_used)
    check_memory(transfer_resources(N, p_used, sk_lanczos=sk_lanczos)["memory_bytes"],
                 f"the PAP-to-SK transfer at N={N}, p={p_used}", hint="lower N")
    gen = as_rng(rng)
    W = sk.sample_null(N, rng=gen)
    row = transfer_at_scale(W, p_used, trunc, rng=gen, sk_lanczos=sk_lanczos,
                            residual_circles=residual_circles, basis=basis).as_dict()
    for echo in ("N", "trunc", "basis"):
        row.pop(echo, None)
    return row
