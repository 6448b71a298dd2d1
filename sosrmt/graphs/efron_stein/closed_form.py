r"""Closed-form separator bound on graph-matrix norms from the Efron–Stein recursion (any ``n``).

Each derivative matrix of a graph matrix is a sum of trivial-shape matrices, one per edge
assignment ``E -> {R, C}``; a Schur test bounds each (see :doc:`/theory/efron_stein`). The
exponent is the Ahn–Medarametla–Potechin exponent :math:`\kappa(\alpha)` (arXiv:1604.03423).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sosrmt._validation import check_int
from sosrmt.graphs.efron_stein.graph import _es_shape, _q_for
from sosrmt.graphs.efron_stein.schatten import QGrid, check_q
from sosrmt.graphs.shape import Shape

__all__ = ["Assignment", "ClosedFormBound", "assignments", "closed_form_bound", "es_kappa"]


# --------------------------------------------------------------------------- closed form


@dataclass(frozen=True)
class Assignment:
    """One assignment ``a: E(alpha) -> {R, C}`` with ``A_a``, ``B_a`` and its exponent."""

    rows: tuple[int, ...]
    A: frozenset
    B: frozenset
    exponent: float

    @property
    def separator(self) -> frozenset:
        """:math:`A_a\\cap B_a` (always a vertex separator)."""
        return self.A & self.B


def assignments(shape: Shape) -> list[Assignment]:
    r"""All :math:`2^t` edge assignments ``a: E -> {R, C}`` with their sets ``A_a``, ``B_a``.

    :math:`A_a=U\cup\bigcup_{a(e)=R}e` and :math:`B_a=V\cup\bigcup_{a(e)=C}e`.

    ``exponent`` is :math:`|W_{\rm iso}|+|A_a\triangle B_a|/2`, the power of ``n`` in the Schur
    bound of one trivial-shape term.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> sorted(a.exponent for a in assignments(named_shape("cherry")))
    [0.5, 0.5, 0.5, 1.0]
    """
    return _assignments(_es_shape(shape))


def _assignments(shape: Shape) -> list[Assignment]:
    t = len(shape.edges)
    out = []
    wiso = len(shape.W_iso)
    for mask in range(2 ** t):
        rows = tuple(j for j in range(t) if mask >> j & 1)
        a_set = set(shape.U)
        b_set = set(shape.V)
        for j, e in enumerate(shape.edges):
            (a_set if j in rows else b_set).update(e)
        out.append(Assignment(rows, frozenset(a_set), frozenset(b_set),
                              wiso + len(a_set ^ b_set) / 2.0))
    return out


def es_kappa(shape: Shape) -> tuple[float, int]:
    r"""Largest exponent of the assignment rule and :math:`\min_a|A_a\cap B_a|`.

    Equals :math:`(\kappa(\alpha), |S_{\min}|)` of (3.1): each :math:`A_a\cap B_a` is a
    separator, and a minimum separator is attained by assigning the edges on the ``U``
    side of it to ``R`` and the others to ``C``.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> es_kappa(named_shape("Z"))
    (1.0, 2)
    """
    return _es_kappa(_es_shape(shape))


def _es_kappa(shape: Shape) -> tuple[float, int]:
    best = _assignments(shape)
    smin = min(len(a.separator) for a in best)
    return max(a.exponent for a in best), smin


@dataclass(frozen=True)
class ClosedFormBound:
    """Closed-form Schur bound over a grid of ``q`` (any ``n``)."""

    shape: Shape
    n: int
    q: np.ndarray
    values: np.ndarray
    kappa: float
    smin: int

    @property
    def q_star(self) -> int:
        return int(self.q[int(np.argmin(self.values))])

    @property
    def value(self) -> float:
        return float(np.min(self.values))


def closed_form_bound(shape: Shape, n: int, q: QGrid | None = None) -> ClosedFormBound:
    r"""Closed-form separator bound on :math:`\mathbb E\|M_\alpha\|`, valid for every ``n``.

    Parameters
    ----------
    shape : Shape
        Untyped, label-1 shape (multi-edges reduced mod 2; hyperedges allowed).
    n : int
        Number of indices (any size: the cost is :math:`O(2^t)`).
    q : int or sequence of int, optional
        Grid (default :math:`1..\lceil\ln(t!\,n^k)\rceil+2`).

    Returns
    -------
    ClosedFormBound

    Notes
    -----
    :math:`F_{r,t-r}` is a sum of :math:`r!(t-r)!` trivial-shape matrices :math:`T_{a,\beta}`
    per assignment :math:`a` with :math:`|a^{-1}(R)|=r`. The Schur test gives
    :math:`\|T_{a,\beta}\|\le\sqrt{\prod_e|e|!}\;n^{|W_{\rm iso}|+|A_a\triangle B_a|/2}`
    (:math:`2^{t/2}` for graphs), and a row of :math:`T_{a,\beta}` is fixed by
    :math:`\sigma|_{A_a}`, so
    :math:`\operatorname{rank}\le r_a:=\min(n^{\underline{|A_a|}},n^{\underline{|B_a|}})`.
    With the triangle inequality for :math:`S_{2q}` and
    :math:`\|T\|_{S_{2q}}\le\operatorname{rank}^{1/2q}\|T\|`,

    .. math:: \mathbb E\|M_\alpha\|\le(4q-2)^{t/2}\,t!\,\sqrt{\textstyle\prod_e|e|!}
              \sum_a r_a^{1/2q}\,n^{|W_{\rm iso}|+|A_a\triangle B_a|/2},

    which is :math:`\ge` the exact graph bound for every ``q``. With
    :math:`q=\lceil\ln(t!n^k)\rceil` it gives
    the explicit dense bound :math:`O((\log n)^{t/2})\,n^{\kappa(\alpha)}`.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> b = closed_form_bound(named_shape("wigner"), 10**6)
    >>> b.kappa, b.smin, b.value > 2 * 10**3
    (0.5, 1, True)
    """
    shape = _es_shape(shape)
    n = check_int(n, "n", minimum=max(shape.k, 1))
    qs = _q_for(shape, n) if q is None else check_q(q)
    return _closed_form_bound(shape, n, qs)


def _closed_form_bound(shape: Shape, n: int, qs: np.ndarray) -> ClosedFormBound:
    t = len(shape.edges)
    lognf = 0.5 * sum(math.lgamma(len(e) + 1) for e in shape.edges)
    terms = []
    for a in _assignments(shape):
        # log of the falling factorials, summed term by term (lgamma differences lose all
        # precision for huge n)
        log_rank = min(sum(math.log(n - i) for i in range(len(a.A))),
                       sum(math.log(n - i) for i in range(len(a.B))))
        terms.append(log_rank / (2.0 * qs) + a.exponent * math.log(n))
    log_sum = np.logaddexp.reduce(np.vstack(terms), axis=0)
    log_val = (t / 2.0) * np.log(4.0 * qs - 2.0) + math.lgamma(t + 1) + lognf + log_sum
    kappa, smin = _es_kappa(shape)
    return ClosedFormBound(shape, n, qs, np.exp(log_val), kappa, smin)
