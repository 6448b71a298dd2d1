"""Gaussian LTI systems driven by segment-wise Gaussian controls: the data of the LTI study.

Rajendran, Reizinger, Brendel, Ravikumar, *An Interventional Perspective on Identifiability in
Gaussian LTI Systems with Independent Component Analysis*, CLeaR 2024, PMLR 236:41-70
(arXiv:2311.18048). As in the authors' code (github.com/rpatrik96/lti-ica, simulator submodule
rpatrik96/state-space-models): ``A ~ N(0,1)^{n x n}`` rescaled to spectral radius 0.9,
``B, C ~ N(0,1)^{n x n}`` re-drawn until ``(A, B)`` is controllable and ``(A, C)`` observable,
simulated with :func:`scipy.signal.dlsim`; ``n+1`` control segments with variances
``|N(0,1)|/2`` and means ``N(0,1)``; the DC motor of the authors' simulator.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from sosrmt._validation import as_rng, check_finite_array, check_int, check_memory
from sosrmt.ml.study import RngLike

__all__ = [
    "controllable_lti",
    "dc_motor",
    "markov_parameters",
    "segment_stats",
    "simulate_segments",
]


def _ctrb(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    blocks = [B]
    for _ in range(A.shape[0] - 1):
        blocks.append(A @ blocks[-1])
    return np.hstack(blocks)


def controllable_lti(n: int, rng: RngLike = None, *, use_B: bool = True, use_C: bool = True,
                     spectral_radius: float = 0.9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random stable, controllable and observable discrete LTI system ``(A, B, C)``.

    Parameters
    ----------
    n : int
        State, input and output dimension (as in the authors' ``controllable_system(n, n)``).
    rng : None, int or Generator
        Randomness.
    use_B, use_C : bool
        Draw ``B`` (resp. ``C``) from ``N(0,1)``; otherwise the identity.
    spectral_radius : float
        ``A`` is rescaled so that ``max |eig(A)|`` equals this value.

    Returns
    -------
    A, B, C : ndarray of shape (n, n)

    Notes
    -----
    Controllability: :math:`\\operatorname{rank}[B, AB, \\dots, A^{n-1}B] = n`; observability is
    controllability of :math:`(A^\\top, C^\\top)`. Both are checked by hand (no ``control``
    dependency), and ``B``/``C`` are re-drawn until they hold; ``B`` and ``C`` are also required
    to be invertible so that :math:`u_t = (CB)^{-1}(y_{t+1} - CAC^{-1}y_t)` exists.

    Examples
    --------
    >>> A, B, C = controllable_lti(3, rng=0)
    >>> round(float(np.max(np.abs(np.linalg.eigvals(A)))), 6)
    0.9
    """
    n = check_int(n, "n", minimum=1, maximum=200)
    if not 0 < spectral_radius < 1:
        raise ValueError(f"spectral_radius: expected a value in (0, 1), got {spectral_radius}")
    rng = as_rng(rng)
    A = rng.standard_normal((n, n))
    A *= spectral_radius / np.max(np.abs(np.linalg.eigvals(A)))
    for _ in range(1000):
        B = rng.standard_normal((n, n)) if use_B else np.eye(n)
        C = rng.standard_normal((n, n)) if use_C else np.eye(n)
        ok = (np.linalg.matrix_rank(_ctrb(A, B)) == n
              and np.linalg.matrix_rank(_ctrb(A.T, C.T)) == n
              and np.linalg.cond(B) < 1e6 and np.linalg.cond(C) < 1e6)
        if ok:
            return A, B, C
    raise RuntimeError("controllable_lti: no controllable and observable system in 1000 draws")


def dc_motor(dt: float = 1e-2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The discretised DC motor of the authors' simulator (``DCMotor.from_params``).

    Parameters
    ----------
    dt : float
        Zero-order-hold sampling period.

    Returns
    -------
    A : ndarray of shape (2, 2)
    B : ndarray of shape (2, 1)
    C : ndarray of shape (2, 2), the identity.

    Notes
    -----
    State :math:`x = (\\dot\\theta, i)`, input the voltage :math:`V`, with
    :math:`R=1, L=0.5, K=0.01, J=0.01, b=0.1`
    (https://ctms.engin.umich.edu/CTMS/index.php?example=MotorSpeed&section=SystemModeling):

    .. math:: \\dot x = \\begin{pmatrix}-b/J & K/J\\\\ -K/L & -R/L\\end{pmatrix}x
              + \\begin{pmatrix}0\\\\ 1/L\\end{pmatrix}V,

    discretised by :func:`scipy.signal.cont2discrete` (zero-order hold).

    Examples
    --------
    >>> A, B, C = dc_motor()
    >>> A.shape, B.shape, bool(np.all(np.abs(np.linalg.eigvals(A)) < 1))
    ((2, 2), (2, 1), True)
    """
    if not dt > 0:
        raise ValueError(f"dt: expected a positive sampling period, got {dt}")
    R, L, K, J, b = 1.0, 0.5, 0.01, 0.01, 0.1
    Ac = np.array([[-b / J, K / J], [-K / L, -R / L]])
    Bc = np.array([[0.0], [1.0 / L]])
    Ad, Bd, Cd, _, _ = signal.cont2discrete((Ac, Bc, np.eye(2), np.zeros((2, 1))), dt,
                                            method="zoh")
    return Ad, Bd, Cd


def segment_stats(m: int, n_segments: int | None = None, rng: RngLike = None, *,
                  mode: str = "random",
                  zero_means: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Per-segment means and variances of the control input (``generate_segment_stats``).

    Parameters
    ----------
    m : int
        Input dimension.
    n_segments : int, optional
        Number of segments; default ``m + 1`` (``"random"``, ``"max_variability"``) or 1
        (``"single"``).
    rng : None, int or Generator
    mode : {'random', 'max_variability', 'single'}
        ``'random'``: variances ``|N(0,1)|/2``, re-drawn until the precision differences to
        segment 0 have rank ``m``; ``'max_variability'``: segment 0 has variances 1e-4 and
        segment ``k`` adds 0.9999 on input ``k``; ``'single'``: one segment (no diversity).
    zero_means : bool
        Zero means instead of ``N(0,1)`` means.

    Returns
    -------
    means, variances : ndarray of shape (n_segments, m)

    Notes
    -----
    "Sufficient variability": the matrix with rows :math:`1/\\sigma^2_{s} - 1/\\sigma^2_{0}`,
    :math:`s = 1..S-1`, must have rank :math:`m`.

    Examples
    --------
    >>> means, var = segment_stats(2, mode="max_variability", zero_means=True)
    >>> var.tolist()
    [[0.0001, 0.0001], [1.0, 0.0001], [0.0001, 1.0]]
    """
    m = check_int(m, "m", minimum=1)
    if mode not in {"random", "max_variability", "single"}:
        raise ValueError(f"mode: expected 'random', 'max_variability' or 'single', got {mode!r}")
    rng = as_rng(rng)
    if n_segments is None:
        n_segments = 1 if mode == "single" else m + 1
    n_segments = check_int(n_segments, "n_segments", minimum=1)
    if mode == "max_variability":
        if n_segments != m + 1:
            raise ValueError(f"n_segments: max_variability needs m + 1 = {m + 1}, got {n_segments}")
        variances = np.full((m + 1, m), 1e-4)
        variances[1:] += 0.9999 * np.eye(m)
    elif mode == "single" or n_segments == 1:
        variances = np.abs(rng.standard_normal((n_segments, m))) / 2
    else:
        for _ in range(1000):
            variances = np.abs(rng.standard_normal((n_segments, m))) / 2
            diffs = 1 / variances[1:] - 1 / variances[:1]
            if np.linalg.matrix_rank(diffs) == m and variances.min() > 1e-3:
                break
        else:  # pragma: no cover - probability zero
            raise RuntimeError("segment_stats: no sufficiently variable segments in 1000 draws")
    means = np.zeros((n_segments, m)) if zero_means else rng.standard_normal((n_segments, m))
    return means, variances


def simulate_segments(A: np.ndarray, B: np.ndarray, C: np.ndarray, means: np.ndarray,
                      variances: np.ndarray, T: int, rng: RngLike = None, *,
                      obs_noise_var: float = 0.0) -> dict[str, np.ndarray]:
    """Simulate the system through consecutive segments of Gaussian control input.

    Parameters
    ----------
    A, B, C : ndarray
        System matrices, shapes (n, n), (n, m), (p, n).
    means, variances : ndarray of shape (S, m)
        Segment statistics of :func:`segment_stats`.
    T : int
        Time steps per segment.
    rng : None, int or Generator
    obs_noise_var : float
        Variance of i.i.d. Gaussian noise added to every output.

    Returns
    -------
    dict
        ``pairs`` (N, 2p) rows :math:`(y_t, y_{t+1})`, ``u`` (N, m) the inputs :math:`u_t`,
        ``seg`` (N,) segment labels, with :math:`N = S T - 1`.

    Notes
    -----
    :math:`x_{t+1} = Ax_t + Bu_t`, :math:`y_t = Cx_t (+\\varepsilon_t)`, :math:`x_0 = 0`, through
    :func:`scipy.signal.dlsim`; the segments follow each other in one trajectory, as in the
    authors' simulator, and the pair :math:`(y_t, y_{t+1})` carries the label of :math:`u_t`.

    Examples
    --------
    >>> A, B, C = controllable_lti(2, rng=0)
    >>> means, var = segment_stats(2, rng=0)
    >>> data = simulate_segments(A, B, C, means, var, T=50, rng=0)
    >>> data["pairs"].shape, data["u"].shape
    ((149, 4), (149, 2))
    """
    A = check_finite_array(A, "A", ndim=2)
    B = check_finite_array(B, "B", ndim=2)
    C = check_finite_array(C, "C", ndim=2)
    means = check_finite_array(means, "means", ndim=2)
    variances = check_finite_array(variances, "variances", ndim=2)
    n = A.shape[0]
    if A.shape != (n, n) or B.shape[0] != n or C.shape[1] != n:
        raise ValueError(f"A, B, C: incompatible shapes {A.shape}, {B.shape}, {C.shape}")
    if means.shape != variances.shape or means.shape[1] != B.shape[1]:
        raise ValueError(f"means, variances: expected shape (S, {B.shape[1]}), got "
                         f"{means.shape} and {variances.shape}")
    if np.any(variances <= 0):
        raise ValueError("variances: expected positive entries")
    if obs_noise_var < 0:
        raise ValueError(f"obs_noise_var: expected a non-negative variance, got {obs_noise_var}")
    T = check_int(T, "T", minimum=2)
    S, m = means.shape
    check_memory(8.0 * S * T * (2 * C.shape[0] + m + n) * 3, "simulate_segments",
                 hint="use a smaller T")
    rng = as_rng(rng)
    u = (means[:, None, :] + np.sqrt(variances)[:, None, :]
         * rng.standard_normal((S, T, m))).reshape(S * T, m)
    seg = np.repeat(np.arange(S), T)
    sys = signal.dlti(A, B, C, np.zeros((C.shape[0], m)), dt=1.0)
    _, y, _ = signal.dlsim(sys, u)
    y = np.asarray(y).reshape(S * T, C.shape[0])
    if obs_noise_var > 0:
        y = y + np.sqrt(obs_noise_var) * rng.standard_normal(y.shape)
    pairs = np.hstack([y[:-1], y[1:]])
    return {"pairs": pairs, "u": u[:-1], "seg": seg[:-1]}


def markov_parameters(A: np.ndarray, B: np.ndarray, C: np.ndarray, k: int) -> np.ndarray:
    """Markov parameters ``[CB, CAB, ..., CA^{k-1}B]`` stacked as an array (k, p, m).

    Examples
    --------
    >>> markov_parameters(np.diag([0.5]), np.ones((1, 1)), np.ones((1, 1)), 3).ravel().tolist()
    [1.0, 0.5, 0.25]
    """
    k = check_int(k, "k", minimum=1)
    out = []
    Ak_B = np.asarray(B, float)
    for _ in range(k):
        out.append(C @ Ak_B)
        Ak_B = A @ Ak_B
    return np.stack(out)
