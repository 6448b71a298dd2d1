r"""Exact recursive Efron–Stein bound of the tensor network :math:`\sum_iT_i\otimes T_i-\mathbb E`.

The matrix itself is :func:`sosrmt.graphs.tensor.tensor_network_matrix`; this module bounds
its expected norm (Rajendran–Tulsiani, arXiv:2209.02655, who recover the tensor-network
bounds of Hopkins–Schramm–Shi–Steurer, arXiv:1512.02337).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from sosrmt._validation import check_int, check_memory
from sosrmt.graphs.efron_stein.graph import _compress
from sosrmt.graphs.efron_stein.recursion import combine_levels
from sosrmt.graphs.efron_stein.schatten import (
    DENSE_BLOCK_LIMIT,
    QGrid,
    check_q,
    default_q_grid,
    schatten_norms,
)

__all__ = ["TensorNetworkBound", "tensor_network_bound"]


# --------------------------------------------------------------------------- tensor network


@dataclass(frozen=True)
class TensorNetworkBound:
    r"""Exact recursive bound for :math:`M=\sum_iT_i\otimes T_i-\mathbb EM`."""

    n: int
    q: np.ndarray
    flattened: np.ndarray
    tree: np.ndarray
    norms: dict = field(repr=False)

    @property
    def value(self) -> float:
        return float(np.min(self.flattened))

    @property
    def tree_value(self) -> float:
        return float(np.min(self.tree))


def tensor_network_bound(n: int, q: QGrid | None = None, *,
                         dense_limit: int = DENSE_BLOCK_LIMIT) -> TensorNetworkBound:
    r"""Exact recursive Efron–Stein bound of :math:`\sum_iT_i\otimes T_i-\mathbb E` (HSSS network).

    Parameters
    ----------
    n : int
        Side of the i.i.d. ``±1`` tensor :math:`T\in\{\pm1\}^{n\times n\times n}` (``n^3`` inputs).
    q : int or sequence of int, optional
        Grid (default :math:`1..\lceil\ln(2n^5)\rceil+2`).

    Returns
    -------
    TensorNetworkBound

    Notes
    -----
    :math:`M[(a,b),(c,d)]=\sum_iT_{iac}T_{ibd}-n\mathbb 1[a=b,c=d]` is homogeneous of degree 2
    in the :math:`n^3` inputs: for :math:`(a,c)\ne(b,d)` the monomial is
    :math:`x_{(i,a,c)}x_{(i,b,d)}` with two distinct variables, and the diagonal terms
    :math:`T_{iac}^2=1` are exactly the subtracted mean. The index sum is not injective; instead of
    the Möbius expansion into injective hypergraph pieces, the coefficients of the
    monomials are enumerated directly over all :math:`n^5` index tuples, which gives the same
    derivative matrices :math:`F_{r,2-r}` (each entry counts the (tuple, bijection) pairs).
    Then the flattened bound applies verbatim: :math:`(4q-2)\sum_r\binom2r\|F_{r,2-r}\|_{S_{2q}}`.
    The separator rule on the hypergraph gives :math:`n^{3/2}` (:math:`S_{\min}=\{a,b\}`).

    Examples
    --------
    >>> b = tensor_network_bound(3, q=[1])
    >>> round(float(b.flattened[0]) ** 2 / (2 * 3 * (3**4 - 3**2)), 9)  # ((4q-2) * 4)^2 at q=1
    64.0
    """
    n = check_int(n, "n", minimum=2)
    qs = default_q_grid(2.0 * n**5) if q is None else check_q(q)
    check_memory(8.0 * 2 * n**5 * 8, "tensor-network derivative matrices",
                 hint="use a smaller n")
    i, a, b, c, d = (x.ravel() for x in np.indices((n,) * 5))
    keep = (a != b) | (c != d)
    i, a, b, c, d = i[keep], a[keep], b[keep], c[keep], d[keep]
    e1 = (i * n + a) * n + c
    e2 = (i * n + b) * n + d
    row_idx = a * n + b
    col_idx = c * n + d
    n3 = n**3
    norms = {}
    for r in range(3):
        rows_parts, cols_parts = [], []
        for first, second in ((e1, e2), (e2, e1)):
            slots = [first, second]
            rkey = [row_idx, *slots[:r]]
            ckey = [col_idx, *slots[r:]]
            rows_parts.append(np.stack(rkey, axis=1))
            cols_parts.append(np.stack(ckey, axis=1))
        rows_all = np.vstack(rows_parts)
        cols_all = np.vstack(cols_parts)
        rinv = _compress(list(rows_all.T), [n * n] + [n3] * r)
        cinv = _compress(list(cols_all.T), [n * n] + [n3] * (2 - r))
        mat = sp.csr_matrix((np.ones(rinv.size), (rinv, cinv)))
        norms[r] = schatten_norms(mat, qs, dense_limit=dense_limit)
    flat, tree = combine_levels({(2, r): v.values for r, v in norms.items()}, 2, qs)
    return TensorNetworkBound(n, qs, flat, tree, norms)
