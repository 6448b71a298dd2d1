r"""Full recursive Efron–Stein bound for graph matrices of p-biased (sparse) inputs.

For :math:`G(n,p)` inputs the one-level inequality carries random weights
:math:`w_e=\sqrt{(\chi_e^2+1)/2}`. Here they are bounded by their largest value
:math:`w_{\max}=\max(1/\sqrt{2p},1/\sqrt{2(1-p)})` — a conservative replacement for the
scalar concentration step of Rajendran–Tulsiani (arXiv:2209.02655), stated on the theory
page — after which the recursion is that of Rademacher inputs in the character basis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sosrmt._validation import check_int
from sosrmt.graphs.efron_stein.closed_form import _closed_form_bound
from sosrmt.graphs.efron_stein.graph import (
    DENSE_BLOCK_LIMIT,
    EXACT_MAX_PAIRS,
    _derivative_norms,
    _es_shape,
    _q_for,
)
from sosrmt.graphs.efron_stein.recursion import combine_levels
from sosrmt.graphs.efron_stein.schatten import QGrid, check_q
from sosrmt.graphs.inputs import check_sparse_model
from sosrmt.graphs.shape import Shape

__all__ = ["PBiasedBound", "pbiased_bound", "weight_max"]


def weight_max(p: float) -> float:
    r"""Largest stack weight :math:`w_{\max}=\max_x\sqrt{(\chi(x)^2+1)/2}` of ``pbiased(p)``.

    Examples
    --------
    >>> weight_max(0.5), round(weight_max(0.02), 9)
    (1.0, 5.0)
    """
    return 1.0 / math.sqrt(2.0 * min(p, 1.0 - p))


@dataclass(frozen=True)
class PBiasedBound:
    """Recursive Efron–Stein bound on :math:`\\mathbb E\\|M_\\alpha\\|` for ``pbiased(p)`` inputs.

    ``flattened`` and ``tree`` are per ``q`` (``None`` when only the closed form was
    computed); ``closed`` is the closed form (any ``n``).
    """

    shape: Shape
    n: int
    p: float
    q: np.ndarray
    weight: float
    flattened: np.ndarray | None
    tree: np.ndarray | None
    closed: np.ndarray

    @property
    def value(self) -> float | None:
        """:math:`\\min_q` of the flattened bound (exact derivative matrices), or None."""
        return None if self.flattened is None else float(np.min(self.flattened))

    @property
    def tree_value(self) -> float | None:
        return None if self.tree is None else float(np.min(self.tree))

    @property
    def closed_value(self) -> float:
        return float(np.min(self.closed))


def pbiased_bound(shape: Shape, n: int, p: float, q: QGrid | None = None, *,
                  exact: bool = True, dense_limit: int = DENSE_BLOCK_LIMIT,
                  max_pairs: int = EXACT_MAX_PAIRS) -> PBiasedBound:
    r"""Full recursive Efron–Stein bound for a graph matrix of p-biased inputs.

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
        Also build the exact derivative matrices (small ``n``); otherwise only the closed
        form.
    dense_limit, max_pairs : int
        As for :func:`sosrmt.graphs.efron_stein.exact_bound`.

    Returns
    -------
    PBiasedBound

    Notes
    -----
    For independent two-point inputs, :math:`F-F^{(e)}=(\chi_e-\chi_e')\,\partial_eF` and
    :math:`\mathbb E'(\chi_e-\chi_e')^2=\chi_e^2+1`, so the one-level inequality holds with
    the stacks :math:`[w_e\partial_eF]_e`. Since
    :math:`\sum_ew_e^2\,\partial_eF\,\partial_eF^\top\preceq w_{\max}^2\sum_e\partial_eF\,
    \partial_eF^\top` and :math:`\operatorname{tr}X^q` is monotone on PSD matrices, each
    level costs at most a factor :math:`w_{\max}` over the unweighted stacks. The unweighted
    recursion in the character basis has :math:`\mathbb E\,\partial^\pi M_\alpha` equal to the
    coefficient matrices, which for a proper shape are the Rademacher derivative matrices
    :math:`F_{r,t-r}` (only the last level survives), hence

    .. math:: \mathbb E\|M_\alpha\|\le w_{\max}^{\,t}\,(4q-2)^{t/2}
              \sum_r\binom tr\|F_{r,t-r}\|_{S_{2q}},

    and the same factor on the tree and closed forms. The weight bound replaces the random
    weights by their supremum instead of concentrating them (the diagonal placements that
    differentiating a weight creates are therefore never needed); it is valid but loose by up
    to :math:`w_{\max}^t\sim(2p)^{-t/2}`.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> from sosrmt.graphs.efron_stein import exact_bound
    >>> b = pbiased_bound(named_shape("wigner"), 6, 0.5, q=[1])
    >>> bool(np.isclose(b.value, exact_bound(named_shape("wigner"), 6, q=[1]).value))
    True
    """
    shape = _es_shape(shape, "pbiased")
    n = check_int(n, "n", minimum=max(shape.k, 2))
    p = check_sparse_model(shape, n, p)
    qs = _q_for(shape, n) if q is None else check_q(q)
    return _pbiased_bound(shape, n, p, qs, exact, dense_limit, max_pairs)


def _pbiased_bound(shape: Shape, n: int, p: float, qs: np.ndarray, exact: bool,
                   dense_limit: int = DENSE_BLOCK_LIMIT,
                   max_pairs: int = EXACT_MAX_PAIRS) -> PBiasedBound:
    t = len(shape.edges)
    scale = weight_max(p) ** t
    flat = tree = None
    if exact:
        norms = _derivative_norms(shape, n, qs, dense_limit, max_pairs)
        flat, tree = combine_levels({(t, r): v.values for r, v in norms.items()}, t, qs)
        flat, tree = scale * flat, scale * tree
    closed = scale * _closed_form_bound(shape, n, qs).values
    return PBiasedBound(shape, n, p, qs, weight_max(p), flat, tree, closed)
