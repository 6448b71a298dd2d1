"""From planted affine planes to Sherrington–Kirkpatrick (the reduction of Mohanty–Raghavendra–Xu,
arXiv 1911.01411, as used by Ghosh–Jeronimo–Jones–Potechin–Rajendran, arXiv 2009.01874).

Given an SK coupling :math:`W` (size :math:`N`, PAP's :math:`m`) and a subspace dimension
:math:`p` (PAP's :math:`n`), let :math:`U\\in\\mathbb R^{N\\times p}` hold the top-:math:`p`
eigenvectors of :math:`W`, :math:`O` a Haar orthogonal :math:`p\\times p` matrix and
:math:`D = \\sqrt N\\,UO`, whose rows :math:`d_u` are approximately :math:`N(0, I_p)`. A PAP
pseudo-expectation :math:`\\tilde{\\mathbb E}_{PAP}` on :math:`v` with inputs :math:`d_u` gives
:math:`\\tilde{\\mathbb E}_{SK}[f(x)] := \\tilde{\\mathbb E}_{PAP}[f(Dv)]`:

* :math:`x_u = \\langle d_u, v\\rangle`, so :math:`x_u^2 = 1` is the PAP constraint;
* :math:`x^\\top Wx - \\lambda_p\\|x\\|^2 = v^\\top D^\\top(W-\\lambda_pI)Dv` is a PSD quadratic
  form in :math:`v`, so :math:`\\tilde{\\mathbb E}_{SK}[x^\\top Wx] \\ge \\lambda_p N` whenever
  :math:`\\tilde{\\mathbb E}_{PAP}[vv^\\top] \\succeq 0` (:math:`\\|x\\|^2 = N\\|v\\|^2 = N` on the
  support, since :math:`D^\\top D = NI`);
* semicircle edge: :math:`\\lambda_p/\\sqrt N\\approx 2-(3\\pi p/(2N))^{2/3}`.

Here the PAP side is the Hermite-degree-truncated pseudo-calibration in the signed-measure
form (:func:`~sosrmt.problems.planted_affine_planes.pap_measure`, :math:`2^p` points), so the
SK constraints hold only up to the PAP residual, which is reported; for :math:`N` in the
thousands see :mod:`~sosrmt.problems.sk_transfer.at_scale`. What of this follows the papers
and what is reconstructed is said on the SK theory page. The SK instance, brute force and
spectral bound come from :mod:`sosrmt.problems.sk`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.stats
from numpy.typing import ArrayLike

from sosrmt._validation import as_rng, check_int
from sosrmt.calibration import SignedMeasure
from sosrmt.problems import sk
from sosrmt.problems.planted_affine_planes import pap_measure
from sosrmt.problems.sk.instance import SeedLike

__all__ = ["TransferResult", "edge_prediction", "pap_inputs", "transfer"]


def edge_prediction(p: int, N: int) -> float:
    """Semicircle-edge prediction :math:`2 - (3\\pi p/(2N))^{2/3}` of :math:`\\lambda_p/\\sqrt N`.

    Examples
    --------
    >>> round(edge_prediction(1, 10**9), 4)
    2.0
    """
    p = check_int(p, "p", minimum=1)
    N = check_int(N, "N", minimum=1)
    return 2.0 - (3 * math.pi * p / (2 * N)) ** (2 / 3)


def pap_inputs(W: ArrayLike, p: int, *, rng: SeedLike = None) -> tuple[np.ndarray, float]:
    """:math:`D = \\sqrt N\\,UO` (rows :math:`d_u`) and :math:`\\lambda_p(W)`.

    Examples
    --------
    >>> W = sk.sk_instance(8, seed=0)
    >>> D, lam_p = pap_inputs(W, 3, rng=0)
    >>> bool(np.allclose(D.T @ D, 8 * np.eye(3)))
    True
    """
    W = sk.validate_coupling(W)
    N = W.shape[0]
    p = check_int(p, "p", minimum=1, maximum=N)
    evals, evecs = np.linalg.eigh(W)
    U = evecs[:, -p:]
    O = scipy.stats.ortho_group.rvs(p, random_state=as_rng(rng)) if p > 1 else np.ones((1, 1))
    return math.sqrt(N) * U @ O, float(evals[-p])


@dataclass
class TransferResult:
    """Outcome of :func:`transfer`.

    Attributes
    ----------
    measure : SignedMeasure
        The PAP pseudo-calibration on :math:`v\\in\\{\\pm1/\\sqrt p\\}^p`.
    D : ndarray, shape (N, p)
        The PAP inputs.
    value : float
        :math:`\\tilde{\\mathbb E}_{SK}[x^\\top Wx]/\\tilde{\\mathbb E}[1]`.
    value_scaled : float
        ``value / N**1.5`` (compare with 2 asymptotically).
    lambda_p : float
        :math:`\\lambda_p(W)`; ``lambda_p * N`` is the certified floor when
        :math:`\\tilde{\\mathbb E}[vv^\\top]\\succeq0`.
    edge_prediction : float
        :math:`2-(3\\pi p/2N)^{2/3}`.
    residual : float
        :math:`\\max_u|\\tilde{\\mathbb E}[x_u^2 - 1]|/|\\tilde{\\mathbb E}[1]|`.
    vv_min_eigenvalue : float
        Smallest eigenvalue of :math:`\\tilde{\\mathbb E}[vv^\\top]/\\tilde{\\mathbb E}[1]`.
    gap : float
        :math:`(\\tilde{\\mathbb E}[x^\\top Wx] - \\lambda_p\\tilde{\\mathbb E}\\|x\\|^2)/
        \\tilde{\\mathbb E}[1]`, nonnegative whenever ``vv_min_eigenvalue >= 0``.
    """

    measure: SignedMeasure
    D: np.ndarray
    value: float
    value_scaled: float
    lambda_p: float
    edge_prediction: float
    residual: float
    vv_min_eigenvalue: float
    gap: float
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Numbers only (JSON-ready)."""
        return {k: getattr(self, k) for k in ("value", "value_scaled", "lambda_p",
                                              "edge_prediction", "residual",
                                              "vv_min_eigenvalue", "gap")} | self.extra


def transfer(W: ArrayLike, p: int, trunc: int = 8, *, rng: SeedLike = None) -> TransferResult:
    """Pseudo-expectation for SK from the PAP pseudo-calibration (the reduction above).

    Parameters
    ----------
    W : array_like, shape (N, N)
        SK coupling matrix (symmetric).
    p : int
        Subspace dimension (PAP's :math:`n`; enumeration of :math:`2^p` points, p <= 20).
    trunc : int
        PAP Hermite-degree truncation.
    rng : optional
        For the Haar rotation :math:`O`.

    Notes
    -----
    With ``trunc < 4`` the PAP measure is the prior itself, so
    :math:`\\tilde{\\mathbb E}[vv^\\top] = I/p` and the value is exactly :math:`N` times the
    mean of the top :math:`p` eigenvalues of :math:`W`.

    Examples
    --------
    >>> W = sk.sk_instance(12, seed=1)
    >>> res = transfer(W, 4, 2, rng=0)
    >>> bool(np.isclose(res.value, 12 * np.linalg.eigvalsh(W)[-4:].mean()))
    True
    """
    W = sk.validate_coupling(W)
    N = W.shape[0]
    D, lam_p = pap_inputs(W, p, rng=rng)
    mu = pap_measure(D, trunc)
    e1 = mu.e1
    X = mu.prior.points @ D.T                              # x = D v at every support point
    quad = np.einsum("ri,ij,rj->r", X, W, X)
    value = mu.expect_values(quad) / e1
    norm2 = (X**2).sum(axis=1)
    gap = (mu.expect_values(quad) - lam_p * mu.expect_values(norm2)) / e1
    resid = float(np.max(np.abs(mu.weights @ (X**2 - 1.0)))) / abs(e1)
    vv = mu.gram(mu.basis(1))[1:, 1:] / e1
    return TransferResult(measure=mu, D=D, value=float(value), value_scaled=value / N**1.5,
                          lambda_p=lam_p, edge_prediction=edge_prediction(p, N),
                          residual=resid, vv_min_eigenvalue=float(np.linalg.eigvalsh(vv)[0]),
                          gap=float(gap), extra={"N": N, "p": p, "trunc": trunc, "e1": e1,
                                                 "spectral": sk.spectral_bound(W)})
