r"""Two-point input models, discrete derivatives and the level-1 matrix Efron–Stein bound.

A matrix function :math:`F(x)` of independent two-point inputs (Rademacher or p-biased) is
"differentiated" coordinate by coordinate; the matrix Efron–Stein inequality of
Paulin–Mackey–Tropp (arXiv:1408.3470, Theorem 4.2) bounds :math:`F-\mathbb EF` by the
stacked derivatives (see :doc:`/theory/efron_stein`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from sosrmt._validation import as_rng, check_finite_array, check_int
from sosrmt.graphs.efron_stein.schatten import QGrid, _log_power_sums, check_q, default_q_grid
from sosrmt.graphs.inputs import RngLike

__all__ = [
    "Level1Result",
    "MatrixFunction",
    "RngLike",
    "TwoPointModel",
    "discrete_derivative",
    "level1_bound",
    "stacked_derivatives",
    "variance_proxies",
]

MatrixFunction = Callable[[np.ndarray], np.ndarray]


# --------------------------------------------------------------------------- input models


@dataclass(frozen=True)
class TwoPointModel:
    r"""A two-point input distribution with its normalised character.

    ``values = (v0, v1)`` with :math:`\Pr[x=v_1]=p`; ``chi`` maps a value to the
    mean-zero, variance-one character :math:`\chi(x)`.
    """

    name: str
    p: float
    values: tuple[float, float]

    @classmethod
    def from_name(cls, model: str, p: float | None = None) -> TwoPointModel:
        if not isinstance(model, str):
            raise TypeError(f"model: expected a string, got {type(model).__name__}")
        if model == "rademacher":
            if p not in (None, 0.5):
                raise ValueError(f"p: the rademacher model has p = 1/2, got {p!r}")
            return cls("rademacher", 0.5, (-1.0, 1.0))
        if model == "pbiased":
            if p is None or not isinstance(p, int | float) or not 0.0 < float(p) < 1.0:
                raise ValueError(f"p: the pbiased model needs 0 < p < 1, got {p!r}")
            return cls("pbiased", float(p), (0.0, 1.0))
        raise ValueError(
            f"model: expected 'rademacher' or 'pbiased' (two-point inputs; the Efron-Stein "
            f"derivative step is implemented only for them), got {model!r}")

    def chi(self, x: np.ndarray) -> np.ndarray:
        if self.name == "rademacher":
            return np.asarray(x, dtype=float)
        p = self.p
        return (np.asarray(x, dtype=float) - p) / math.sqrt(p * (1.0 - p))

    @property
    def chi_gap(self) -> float:
        """chi(v1) - chi(v0): 2 for Rademacher, 1/sqrt(p(1-p)) for p-biased."""
        lo, hi = self.chi(np.array(self.values))
        return float(hi - lo)

    def sample(self, num_vars: int, rng: np.random.Generator) -> np.ndarray:
        hit = rng.random(num_vars) < self.p
        return np.where(hit, self.values[1], self.values[0])

    def weights(self, x: np.ndarray) -> np.ndarray:
        r"""Stack weights :math:`w_e=\sqrt{(\chi(x_e)^2+1)/2}` (all ones for Rademacher)."""
        return np.sqrt((self.chi(x) ** 2 + 1.0) / 2.0)


# --------------------------------------------------------------------------- derivatives


def _eval(func: MatrixFunction, x: np.ndarray) -> np.ndarray:
    out = np.asarray(func(x), dtype=float)
    if out.ndim != 2:
        raise ValueError(f"func: expected a function returning a 2-d matrix, got shape {out.shape}")
    return out


def _check_point(x: object, model: TwoPointModel) -> np.ndarray:
    arr = check_finite_array(x, "x", ndim=1)
    if not np.all(np.isin(arr, model.values)):
        raise ValueError(f"x: expected entries in {model.values} for the {model.name} model")
    return arr


def _flip(x: np.ndarray, i: int, model: TwoPointModel) -> np.ndarray:
    y = x.copy()
    v0, v1 = model.values
    y[i] = v0 if x[i] == v1 else v1
    return y


def discrete_derivative(func: MatrixFunction, x: ArrayLike, i: int, *,
                        model: str = "rademacher", p: float | None = None) -> np.ndarray:
    r"""Discrete derivative :math:`\partial_iF(x)` of a matrix function of two-point inputs.

    Parameters
    ----------
    func : callable
        Maps an input vector ``x`` (length ``N``) to a 2-d array.
    x : array_like
        The point, entries ``±1`` (``rademacher``) or ``0/1`` (``pbiased``).
    i : int
        Coordinate, ``0 <= i < N``.
    model, p : str, float
        Input model; ``p`` only for ``pbiased``.

    Returns
    -------
    numpy.ndarray
        :math:`\partial_iF(x)=\big(F(x^{i\to v_1})-F(x^{i\to v_0})\big)/(\chi(v_1)-\chi(v_0))`,
        which does not depend on :math:`x_i`.

    Notes
    -----
    Every function of two-point inputs is affine in each character, so
    :math:`F=\chi(x_i)\,\partial_iF+(\text{terms free of }x_i)`; for Rademacher inputs this is
    :math:`\partial_iF=\tfrac12(F(x^{i\to+1})-F(x^{i\to-1}))`.

    Examples
    --------
    >>> f = lambda x: np.array([[x[0] * x[1]]])
    >>> discrete_derivative(f, np.array([1.0, -1.0]), 0).tolist()
    [[-1.0]]
    """
    m = TwoPointModel.from_name(model, p)
    xx = _check_point(x, m)
    i = check_int(i, "i", minimum=0, maximum=xx.size - 1)
    hi = xx.copy()
    lo = xx.copy()
    hi[i], lo[i] = m.values[1], m.values[0]
    return (_eval(func, hi) - _eval(func, lo)) / m.chi_gap


def _all_derivatives(func: MatrixFunction, x: np.ndarray, m: TwoPointModel):
    """Yield (i, d_i F(x)) for every coordinate using N + 1 evaluations."""
    base = _eval(func, x)
    gap = m.chi_gap
    for i in range(x.size):
        other = _eval(func, _flip(x, i, m))
        sign = 1.0 if x[i] == m.values[1] else -1.0
        yield i, sign * (base - other) / gap


def stacked_derivatives(func: MatrixFunction, x: ArrayLike, *, model: str = "rademacher",
                        p: float | None = None,
                        weighted: bool = True) -> tuple[np.ndarray, np.ndarray]:
    r"""Stacked derivative matrices :math:`D_{\rm col}F(x)` and :math:`D_{\rm row}F(x)`.

    Parameters
    ----------
    func : callable
        Maps an input vector (length ``N``) to a ``d1 x d2`` array.
    x : array_like
        The point.
    model, p : str, float
        ``rademacher`` or ``pbiased`` (with ``p``).
    weighted : bool
        Multiply block ``i`` by :math:`w_i=\sqrt{(\chi(x_i)^2+1)/2}`; the
        weights are 1 for Rademacher inputs.

    Returns
    -------
    D_col : numpy.ndarray
        ``d1 x (N d2)``, block ``i`` = :math:`w_i\partial_iF`; the derivative index joins the
        columns (block index is the slow index).
    D_row : numpy.ndarray
        ``(N d1) x d2``, the same blocks stacked vertically.

    Notes
    -----
    :math:`D_{\rm col}D_{\rm col}^\top=\sum_i w_i^2\partial_iF\,\partial_iF^\top` and
    :math:`D_{\rm row}^\top D_{\rm row}=\sum_i w_i^2\partial_iF^\top\partial_iF`.

    Examples
    --------
    >>> f = lambda x: np.array([[x[0], x[1]]])
    >>> dc, dr = stacked_derivatives(f, np.array([1.0, 1.0]))
    >>> dc.shape, dr.shape
    ((1, 4), (2, 2))
    """
    m = TwoPointModel.from_name(model, p)
    xx = _check_point(x, m)
    w = m.weights(xx) if weighted else np.ones(xx.size)
    blocks = [w[i] * d for i, d in _all_derivatives(func, xx, m)]
    return np.hstack(blocks), np.vstack(blocks)


def variance_proxies(func: MatrixFunction, x: ArrayLike, *, model: str = "rademacher",
                     p: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Proxies :math:`V_C=D_{\rm col}D_{\rm col}^\top`, :math:`V_R=D_{\rm row}^\top D_{\rm row}`.

    With the weights :math:`w_i` (trivial for Rademacher inputs) these are the two diagonal
    blocks of the PMT variance proxy of the Hermitian dilation of ``F`` (the one-level inequality).

    Examples
    --------
    >>> def wigner(x):
    ...     g = np.zeros((3, 3)); iu = np.triu_indices(3, 1)
    ...     g[iu] = x; return g + g.T
    >>> vc, vr = variance_proxies(wigner, np.array([1.0, -1.0, 1.0]))
    >>> np.allclose(vc, 2 * np.eye(3)) and np.allclose(vr, 2 * np.eye(3))
    True
    """
    m = TwoPointModel.from_name(model, p)
    xx = _check_point(x, m)
    w2 = m.weights(xx) ** 2
    vc = vr = None
    for i, d in _all_derivatives(func, xx, m):
        if vc is None:
            vc = np.zeros((d.shape[0], d.shape[0]))
            vr = np.zeros((d.shape[1], d.shape[1]))
        vc += w2[i] * (d @ d.T)
        vr += w2[i] * (d.T @ d)
    if vc is None:
        raise ValueError("x: expected at least one input variable")
    return vc, vr


# --------------------------------------------------------------------------- level 1 (Monte Carlo)


@dataclass(frozen=True)
class Level1Result:
    r"""Level-1 Efron–Stein quantity :math:`L_1(q)` and the moment quantity on the same samples.

    Attributes
    ----------
    q : numpy.ndarray
        Moment orders.
    l1 : numpy.ndarray
        :math:`L_1(q)=\sqrt{4q-2}\,2^{-1/2q}
        (\widehat{\mathbb E}[\operatorname{tr}V_C^q+\operatorname{tr}V_R^q])^{1/2q}`.
    moment : numpy.ndarray
        :math:`(\widehat{\mathbb E}\|F-\mathbb EF\|_{S_{2q}}^{2q})^{1/2q}` on the same samples.
    empirical_norm, empirical_se : float
        Mean of :math:`\|F-\mathbb EF\|` and its standard error (``nan`` for one sample).
    trials : int
        Number of samples (or ``2**N`` when ``exhaustive``).
    exhaustive : bool
        Whether the expectation was computed exactly over all inputs.
    """

    q: np.ndarray
    l1: np.ndarray
    moment: np.ndarray
    empirical_norm: float
    empirical_se: float
    trials: int
    exhaustive: bool = False

    @property
    def q_star(self) -> int:
        """The q minimising L1."""
        return int(self.q[int(np.argmin(self.l1))])

    @property
    def l1_min(self) -> float:
        return float(np.min(self.l1))


def _all_points(num_vars: int, m: TwoPointModel) -> tuple[np.ndarray, np.ndarray]:
    bits = (np.arange(2 ** num_vars)[:, None] >> np.arange(num_vars)[None, :]) & 1
    pts = np.where(bits == 1, m.values[1], m.values[0])
    probs = np.prod(np.where(bits == 1, m.p, 1.0 - m.p), axis=1)
    return pts, probs


def level1_bound(func: MatrixFunction, num_vars: int, *, q: QGrid | None = None, trials: int = 20,
                 model: str = "rademacher", p: float | None = None, mean: ArrayLike | None = None,
                 exhaustive: bool = False, rng: RngLike = None) -> Level1Result:
    r"""Level-1 matrix Efron–Stein bound :math:`L_1(q)` by Monte Carlo (or exactly).

    Parameters
    ----------
    func : callable
        Maps an input vector of length ``num_vars`` to a ``d1 x d2`` matrix.
    num_vars : int
        Number ``N`` of independent inputs.
    q : int or sequence of int, optional
        Moment orders (default :func:`default_q_grid` of ``max(d1, d2)``).
    trials : int
        Monte Carlo samples (ignored when ``exhaustive``).
    model, p : str, float
        ``rademacher`` (inputs ``±1``) or ``pbiased`` (inputs ``0/1``, :math:`\Pr[1]=p`).
    mean : array_like, optional
        :math:`\mathbb EF` (default zero); the moment quantity is that of ``F - mean``.
    exhaustive : bool
        Average exactly over all :math:`2^N` inputs (``N <= 16``) instead of sampling.
    rng : None, int, SeedSequence or Generator
        Randomness.

    Returns
    -------
    Level1Result

    Notes
    -----
    The one-level inequality (Paulin–Mackey–Tropp, arXiv:1408.3470, Theorem 4.2, applied
    to the Hermitian dilation):
    :math:`|||F-\mathbb EF|||_{2q}\le\sqrt{4q-2}\,2^{-1/2q}\,
    (\mathbb E[\operatorname{tr}V_C^q+\operatorname{tr}V_R^q])^{1/2q}`
    with :math:`V_C=\sum_iw_i^2\partial_iF\partial_iF^\top`,
    :math:`V_R=\sum_iw_i^2\partial_iF^\top\partial_iF`.
    The weights :math:`w_i^2=(\chi(x_i)^2+1)/2=\tfrac12\mathbb E'(\chi_i-\chi_i')^2` are 1 for
    Rademacher inputs. Each sample costs ``N + 1`` evaluations of ``func``.

    Examples
    --------
    >>> def wigner(x):
    ...     g = np.zeros((4, 4)); g[np.triu_indices(4, 1)] = x; return g + g.T
    >>> res = level1_bound(wigner, 6, q=[1, 2], trials=3, rng=0)
    >>> bool(np.allclose(res.l1, np.sqrt(4 * res.q - 2) * (4 * 3.0 ** res.q) ** (1 / (2 * res.q))))
    True
    """
    mod = TwoPointModel.from_name(model, p)
    num_vars = check_int(num_vars, "num_vars", minimum=1)
    if exhaustive:
        if num_vars > 16:
            raise ValueError(f"num_vars: exhaustive averaging needs num_vars <= 16, got {num_vars}")
        points, probs = _all_points(num_vars, mod)
    else:
        trials = check_int(trials, "trials", minimum=1)
        gen = as_rng(rng)
        points = np.stack([mod.sample(num_vars, gen) for _ in range(trials)])
        probs = np.full(trials, 1.0 / trials)
    first = _eval(func, points[0])
    d1, d2 = first.shape
    qs = default_q_grid(max(d1, d2)) if q is None else check_q(q)
    mu = np.zeros((d1, d2)) if mean is None else check_finite_array(mean, "mean", ndim=2)
    if mu.shape != (d1, d2):
        raise ValueError(f"mean: expected shape {(d1, d2)}, got {mu.shape}")
    log_tr = []
    log_mom = []
    norms = []
    for x in points:
        vc, vr = variance_proxies(func, x, model=mod.name,
                                  p=mod.p if mod.name == "pbiased" else None)
        ev = np.concatenate([np.linalg.eigvalsh(vc), np.linalg.eigvalsh(vr)])
        log_tr.append(_log_power_sums(ev, qs))
        dev = _eval(func, x) - mu
        gram = dev @ dev.T if d1 <= d2 else dev.T @ dev
        sv2 = np.linalg.eigvalsh(gram)
        log_mom.append(_log_power_sums(sv2, qs))
        norms.append(math.sqrt(max(float(sv2.max()), 0.0)))
    lw = np.log(probs)[:, None]
    log_e_tr = np.logaddexp.reduce(np.vstack(log_tr) + lw, axis=0)
    log_e_mom = np.logaddexp.reduce(np.vstack(log_mom) + lw, axis=0)
    l1 = np.sqrt(4.0 * qs - 2.0) * np.exp((log_e_tr - math.log(2.0)) / (2.0 * qs))
    moment = np.exp(log_e_mom / (2.0 * qs))
    norms_arr = np.asarray(norms)
    emp = float(np.sum(probs * norms_arr))
    if exhaustive:
        se = 0.0
    elif norms_arr.size > 1:
        se = float(norms_arr.std(ddof=1) / math.sqrt(norms_arr.size))
    else:
        se = float("nan")
    return Level1Result(qs, l1, moment, emp, se, int(points.shape[0]), bool(exhaustive))
