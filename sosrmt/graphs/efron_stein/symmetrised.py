r"""The symmetrised route for p-biased inputs: sparse Rademacher matrices, no weights.

A p-biased graph matrix is a multilinear polynomial in the centred characters
:math:`\chi_e`, so Jensen's inequality with an independent copy gives
:math:`|||M_\alpha(\chi)|||_{2q}\le|||M_\alpha(\chi-\chi')|||_{2q}`, and
:math:`\chi_e-\chi'_e` is symmetric: in law it is :math:`\varepsilon_e s_e/\sqrt{p(1-p)}`
with Rademacher signs :math:`\varepsilon_e` and :math:`s_e=[x_e\ne x'_e]`, a
:math:`G(n,\rho)` graph, :math:`\rho=2p(1-p)`. Given ``s`` the matrix is a Rademacher
polynomial, and its recursion (no weights, no diagonal placements) ends in the derivative
matrices :math:`F_{r,t-r}` restricted to the edges of ``s``; what is left is the scalar
concentration of the restricted matrices, bounded by moments of binomial co-degrees
(Rajendran–Tulsiani, arXiv:2209.02655, reduce the non-Rademacher case to scalar
concentration; this is the version computed here). The derivation, and which steps are
proved, reconstructed or measured, are on the theory page :doc:`/theory/efron_stein`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from sosrmt._validation import check_int
from sosrmt.graphs.efron_stein.closed_form import _assignments
from sosrmt.graphs.efron_stein.graph import EXACT_MAX_PAIRS, _derivative_matrix, _es_shape, _q_for
from sosrmt.graphs.efron_stein.schatten import QGrid, QMinima, check_q
from sosrmt.graphs.inputs import check_sparse_model
from sosrmt.graphs.shape import Shape

__all__ = ["SymmetrisedBound", "binomial_log_moment", "symmetrised_bound"]

#: Largest number of input variables for the exact average over the difference graph ``s``.
SYM_EXACT_MAX_VARIABLES = 15
_CHUNK = 1024


def binomial_log_moment(trials: int, prob: float, power: float) -> float:
    r""":math:`\log\mathbb E\,B^\gamma` for :math:`B\sim\mathrm{Bin}(N,\pi)`, :math:`\gamma>0`.

    Summed exactly over the window of ``k`` where the terms are within :math:`e^{-60}` of the
    largest (the summand :math:`\log\Pr[B=k]+\gamma\log k` is concave in ``k``), so the
    cost does not grow with ``N``.

    Examples
    --------
    >>> round(math.exp(binomial_log_moment(10, 0.5, 1.0)), 9)  # the mean
    5.0
    >>> round(math.exp(binomial_log_moment(10, 0.5, 2.0)), 9)  # 25 + 2.5
    27.5
    """
    trials = int(trials)
    if trials <= 0 or prob <= 0.0:
        return -math.inf
    if prob >= 1.0:
        return power * math.log(trials)
    lq = math.log1p(-prob)
    lp = math.log(prob)
    head = math.lgamma(trials + 1)

    def term(k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        return (head - gammaln(k + 1) - gammaln(trials - k + 1) + k * lp
                + (trials - k) * lq + power * np.log(k))

    # the maximiser: ternary search on integers of a concave function
    lo, hi = 1, trials
    while hi - lo > 2:
        m1 = lo + (hi - lo) // 3
        m2 = hi - (hi - lo) // 3
        if term(m1) < term(m2):
            lo = m1 + 1
        else:
            hi = m2 - 1
    ks = np.arange(lo, hi + 1)
    top_k = int(ks[int(np.argmax(term(ks)))])
    top = float(term(top_k))

    def edge(a: int, b: int, rising: bool) -> int:
        # last k in [a, b] (searching away from the top) whose term is >= top - 60
        while b - a > 1:
            mid = (a + b) // 2
            if (float(term(mid)) >= top - 60.0) == rising:
                a = mid
            else:
                b = mid
        return a if rising else b

    left = 1 if float(term(1)) >= top - 60.0 else edge(1, top_k, False)
    right = trials if float(term(trials)) >= top - 60.0 else edge(top_k, trials, True)
    return float(np.logaddexp.reduce(term(np.arange(left, right + 1))))


@dataclass(frozen=True)
class SymmetrisedBound(QMinima):
    r"""Symmetrised-route bounds on :math:`\mathbb E\|M_\alpha\|` for ``pbiased(p)`` inputs.

    Per ``q``: ``flattened`` and ``tree`` average the restricted derivative matrices exactly
    over every difference graph ``s`` (``None`` unless computed, :math:`\binom n2\le15`);
    ``closed`` is the closed form, valid for every ``n``.
    """

    shape: Shape
    n: int
    p: float
    q: np.ndarray
    flattened: np.ndarray | None
    tree: np.ndarray | None
    closed: np.ndarray


    @property
    def q_star(self) -> int:
        """The ``q`` of the closed form's minimum."""
        return int(self.q[int(np.argmin(self.closed))])


def symmetrised_bound(shape: Shape, n: int, p: float, q: QGrid | None = None, *,
                      exact: bool = False) -> SymmetrisedBound:
    r"""Recursive Efron–Stein bound for p-biased inputs by symmetrisation (any ``n``).

    Parameters
    ----------
    shape : Shape
        Proper, untyped, label-1 shape with every vertex on an edge.
    n : int
        Number of indices.
    p : float
        Edge probability, :math:`0<p<1`, :math:`pn^2\ge1`.
    q : int or sequence of int, optional
        Moment orders (default :math:`1..\lceil\ln(t!\,n^k)\rceil+2`).
    exact : bool
        Also average the restricted derivative matrices exactly over all
        :math:`2^{\binom n2}` difference graphs (:math:`n\le6`).

    Returns
    -------
    SymmetrisedBound

    Notes
    -----
    With :math:`\rho=2p(1-p)`, :math:`s\sim G(n,\rho)` and :math:`D_R(s)`, :math:`D_C(s)`
    the 0/1 diagonals that keep the rows and columns of :math:`F_{r,t-r}` whose derivative
    slots are all edges of ``s``,

    .. math:: \mathbb E\|M_\alpha\|\le|||M_\alpha|||_{2q}\le\frac{(4q-2)^{t/2}}{(p(1-p))^{t/2}}
              \sum_r\binom tr\big(\mathbb E_s\|D_RF_{r,t-r}D_C\|_{S_{2q}}^{2q}\big)^{1/2q}

    (flattened form; the tree form is :math:`c_q^t(p(1-p))^{-t/2}
    (\sum_r\binom tr\mathbb E_s\|D_RF_{r,t-r}D_C\|_{S_{2q}}^{2q})^{1/2q}`).

    *Closed form.* Per edge assignment ``a`` with :math:`S=A_a\cap B_a` the restricted
    term is block-diagonal over the images :math:`\tau` of ``S``; a block is entrywise below
    :math:`Z_\tau uv^\top` (:math:`Z_\tau` the product of ``s`` over the edges inside
    :math:`\tau(S)`, ``u`` and ``v`` the indicators of the extensions of :math:`\tau` to
    :math:`A\setminus S` and :math:`B\setminus S` whose edges are in ``s``), so its norm is
    at most :math:`\sqrt{N_AN_B}` and its rank at most :math:`\min(N_A,N_B)`. Adding the
    vertices of :math:`A\setminus S` one at a time, each has at most
    :math:`K_d=\max_{|D|=d}\#\{\text{common neighbours of }D\}` choices, :math:`d` its
    number of edges to ``S`` and the vertices before it; :math:`\mathbb EK_d^\gamma\le
    \binom nd\,\mathbb E\,\mathrm{Bin}(n-d,\rho^d)^\gamma` (:func:`binomial_log_moment`).
    :math:`Z_\tau` is independent of the co-degrees (their edges leave :math:`\tau(S)`), and
    Hölder over the :math:`m=|A\triangle B|` factors gives

    .. math:: \mathbb E\|T_a(s)\|_{S_{2q}}^{2q}\le n^{\underline{|S|}}\rho^{|E(S)|}
              \prod_{x\in A\triangle B}\big(\mathbb EK_{d_x}^{m\,j_x}\big)^{1/m},

    :math:`j_x=q+1` on the side with fewer vertices (the rank) and :math:`q` on the other,
    minimised over the vertex orders. The :math:`t!\,2^{t/2}` of the dense closed form
    (bijections, edge orientations) multiplies the sum over assignments, as in
    :func:`sosrmt.graphs.efron_stein.closed_form_bound`. Up to the
    :math:`(\cdot)^{1/2q}` factors the term is
    :math:`2^{t/2}n^{|A\triangle B|/2}p^{-|E(S)|/2}` when the co-degrees concentrate: the
    separator-weighted exponent of the sparse bound.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> b = symmetrised_bound(named_shape("Z"), 10**4, 10 / 10**4)
    >>> from sosrmt.graphs.efron_stein import pbiased_bound
    >>> w = pbiased_bound(named_shape("Z"), 10**4, 10 / 10**4, exact=False)
    >>> bool(b.closed_value < w.conc_closed_value / 10)
    True
    """
    shape = _es_shape(shape, "pbiased")
    n = check_int(n, "n", minimum=max(shape.k, 2))
    p = check_sparse_model(shape, n, p)
    qs = _q_for(shape, n) if q is None else check_q(q)
    if exact and n * (n - 1) // 2 > SYM_EXACT_MAX_VARIABLES:
        raise ValueError(f"n: the exact average over the difference graph needs "
                         f"n(n-1)/2 <= {SYM_EXACT_MAX_VARIABLES} input variables (n <= 6), "
                         f"got n={n}; use exact=False for the closed form")
    return _symmetrised_bound(shape, n, p, qs, exact)


def _symmetrised_bound(shape: Shape, n: int, p: float, qs: np.ndarray,
                       exact: bool = False) -> SymmetrisedBound:
    flat = tree = None
    if exact:
        flat, tree = _sym_exact(shape, n, p, qs)
    return SymmetrisedBound(shape, n, p, qs, flat, tree, _sym_closed(shape, n, p, qs))


def _prefix(t: int, p: float, qs: np.ndarray) -> np.ndarray:
    """log of (p(1-p))^{-t/2}."""
    return np.full(qs.size, -0.5 * t * math.log(p * (1.0 - p)))


# --------------------------------------------------------------------------- exact over s


def _sym_exact(shape: Shape, n: int, p: float, qs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flattened and tree forms with E_s ||D_R F_r D_C||_{S2q}^{2q} summed over every s."""
    t = len(shape.edges)
    rho = 2.0 * p * (1.0 - p)
    num_vars = n * (n - 1) // 2
    iu, ju = np.triu_indices(n, 1)
    var_of = np.full(n * n, -1, dtype=np.int64)
    var_of[iu * n + ju] = np.arange(num_vars)
    log_m = {}
    for r in range(t + 1):
        mat = _derivative_matrix(shape, n, r, EXACT_MAX_PAIRS)
        dense = mat.toarray()
        row_vars = [var_of[_derivative_matrix(shape, n, r, EXACT_MAX_PAIRS, slot=j)[1]]
                    for j in range(r)]
        col_vars = [var_of[_derivative_matrix(shape, n, r, EXACT_MAX_PAIRS, slot=j)[1]]
                    for j in range(r, t)]
        logs = []
        for start in range(0, 2 ** num_vars, _CHUNK):
            codes = np.arange(start, min(start + _CHUNK, 2 ** num_vars), dtype=np.int64)
            bits = ((codes[:, None] >> np.arange(num_vars)[None, :]) & 1).astype(float)
            ones = bits.sum(axis=1)
            logp = ones * math.log(rho) + (num_vars - ones) * math.log1p(-rho)
            rmask = np.ones((codes.size, dense.shape[0]))
            for v in row_vars:
                rmask *= bits[:, v]
            cmask = np.ones((codes.size, dense.shape[1]))
            for v in col_vars:
                cmask *= bits[:, v]
            mats = rmask[:, :, None] * dense[None, :, :] * cmask[:, None, :]
            gram = (mats @ mats.transpose(0, 2, 1) if dense.shape[0] <= dense.shape[1]
                    else mats.transpose(0, 2, 1) @ mats)
            ev = np.clip(np.linalg.eigvalsh(gram), 0.0, None)
            logs.append(_log_power_sums(ev, qs) + logp[:, None])
        log_m[r] = np.logaddexp.reduce(np.vstack(logs), axis=0)
    pre = _prefix(t, p, qs)
    flat = np.zeros(qs.size)
    for r in range(t + 1):
        flat = flat + math.comb(t, r) * np.exp(log_m[r] / (2.0 * qs))
    flat = np.exp(pre) * (4.0 * qs - 2.0) ** (t / 2.0) * flat
    log_sum = np.logaddexp.reduce(
        np.vstack([math.log(math.comb(t, r)) + log_m[r] for r in range(t + 1)]), axis=0)
    cq = np.sqrt(4.0 * qs - 2.0) * 2.0 ** (-1.0 / (2.0 * qs))
    tree = np.exp(pre + log_sum / (2.0 * qs)) * cq ** t
    return flat, tree


def _log_power_sums(ev: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """log sum_i ev[b, i]^q per batch row and q (ev >= 0; -inf for a zero matrix)."""
    top = ev.max(axis=1, keepdims=True)
    safe = np.where(top > 0, top, 1.0)
    sums = np.stack([np.sum((ev / safe) ** q, axis=1) for q in qs], axis=1)
    with np.errstate(divide="ignore"):
        return np.where(top > 0, qs[None, :] * np.log(safe) + np.log(sums), -np.inf)


# --------------------------------------------------------------------------- closed form


def _back_degrees(shape: Shape, side: frozenset, base: frozenset) -> set[tuple[int, ...]]:
    """Per order of the vertices of ``side``: how many edges each has to ``base`` and the
    vertices before it."""
    out = set()
    for order in itertools.permutations(sorted(side)):
        seen = set(base)
        ds = []
        for x in order:
            ds.append(sum(1 for e in shape.edges if x in e and set(e) - {x} <= seen))
            seen.add(x)
        out.add(tuple(ds))
    return out


def _log_codegree_moment(n: int, rho: float, d: int, power: float,
                         cache: dict[tuple[int, float], float]) -> float:
    """log of an upper bound on E K_d^power (K_0 = n)."""
    key = (d, power)
    if key not in cache:
        if d == 0:
            cache[key] = power * math.log(n)
        else:
            union = math.lgamma(n + 1) - math.lgamma(d + 1) - math.lgamma(n - d + 1)
            cache[key] = min(union + binomial_log_moment(n - d, rho ** d, power),
                             power * math.log(n - d))
    return cache[key]


def _sym_closed(shape: Shape, n: int, p: float, qs: np.ndarray) -> np.ndarray:
    t = len(shape.edges)
    rho = 2.0 * p * (1.0 - p)
    cache: dict[tuple[int, float], float] = {}
    plan = []
    for a in _assignments(shape):
        sep = a.A & a.B
        inside = sum(1 for e in shape.edges if set(e) <= sep)
        side_a, side_b = a.A - sep, a.B - sep
        log_blocks = (sum(math.log(n - i) for i in range(len(sep)))
                      + inside * math.log(rho))
        plan.append((log_blocks, len(side_a) <= len(side_b),
                     _back_degrees(shape, side_a, sep), _back_degrees(shape, side_b, sep),
                     len(side_a) + len(side_b)))
    out = np.empty(qs.size)
    for i, q in enumerate(qs):
        terms = []
        for log_blocks, rank_on_a, degs_a, degs_b, m in plan:
            best = math.inf
            ja, jb = (q + 1, q) if rank_on_a else (q, q + 1)
            for da in degs_a:
                for db in degs_b:
                    val = log_blocks
                    val += sum(_log_codegree_moment(n, rho, d, m * ja, cache)
                               for d in da) / max(m, 1)
                    val += sum(_log_codegree_moment(n, rho, d, m * jb, cache)
                               for d in db) / max(m, 1)
                    best = min(best, val)
            terms.append(best / (2.0 * q))
        out[i] = (float(np.logaddexp.reduce(terms)) + math.lgamma(t + 1)
                  + 0.5 * t * math.log(2.0) + 0.5 * t * math.log(4.0 * q - 2.0))
    return np.exp(_prefix(t, p, qs) + out)
