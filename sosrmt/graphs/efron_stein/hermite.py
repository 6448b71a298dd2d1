r"""Gaussian inputs with Hermite labels: the Rademacher recursion in the central-limit limit.

A standard Gaussian is the limit of :math:`m^{-1/2}\sum_{i\le m}\varepsilon_i`, and the
normalised Hermite polynomial :math:`h_\ell=\mathrm{He}_\ell/\sqrt{\ell!}` of it is the limit
of :math:`\sqrt{\ell!}\,m^{-\ell/2}e_\ell(\varepsilon_1,\dots,\varepsilon_m)` (elementary
symmetric polynomial). So a graph matrix with Hermite labels is the limit, in every moment,
of a multilinear Rademacher polynomial of degree :math:`T=\sum_e\ell(e)`, to which the
Rademacher recursion applies; the limits of its derivative matrices are those of the
multigraph with every label-:math:`\ell` edge repeated :math:`\ell` times, scaled by
:math:`\prod_e(\ell_e!)^{-1/2}`. :func:`exhaustive_hermite_moment` is the oracle: the exact
moment by Gauss–Hermite quadrature. See :doc:`/theory/efron_stein`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from sosrmt._validation import check_int
from sosrmt.graphs.efron_stein.closed_form import _closed_form_bound
from sosrmt.graphs.efron_stein.exhaustive import _realisation_incidence
from sosrmt.graphs.efron_stein.graph import (
    DENSE_BLOCK_LIMIT,
    EXACT_MAX_PAIRS,
    _derivative_matrix,
    _q_for,
)
from sosrmt.graphs.efron_stein.recursion import combine_levels
from sosrmt.graphs.efron_stein.schatten import QGrid, QMinima, check_q, schatten_norms
from sosrmt.graphs.inputs import _hermite
from sosrmt.graphs.shape import Shape, check_shape

__all__ = ["HermiteBound", "exhaustive_hermite_moment", "hermite_bound", "hermite_multigraph"]

#: Largest number of quadrature nodes of :func:`exhaustive_hermite_moment`.
QUADRATURE_MAX_NODES = 300_000


def _check_labelled(shape: Shape) -> Shape:
    shape = check_shape(shape)
    if shape.is_typed:
        raise ValueError("shape: the Hermite bound is implemented for untyped shapes only")
    if shape.max_arity > 2:
        raise ValueError("shape: the Hermite bound needs pair edges (graph shapes)")
    if len(set(shape.edges)) != len(shape.edges):
        raise ValueError("shape: expected distinct edges (a product of Hermite polynomials of "
                         "one input is a single edge with its own label)")
    if not shape.edges:
        raise ValueError("shape: expected at least one edge")
    return shape


def hermite_multigraph(shape: Shape) -> Shape:
    """The multigraph with every label-``l`` edge of ``shape`` repeated ``l`` times.

    Examples
    --------
    >>> from sosrmt.graphs import Shape
    >>> s = Shape(2, U=(0,), V=(1,), edges=[(0, 1)], labels=[3])
    >>> hermite_multigraph(s).edges
    ((0, 1), (0, 1), (0, 1))
    """
    shape = _check_labelled(shape)
    edges = [e for e, lab in zip(shape.edges, shape.labels, strict=True) for _ in range(lab)]
    return Shape(shape.k, shape.U, shape.V, edges, name=shape.name)


@dataclass(frozen=True)
class HermiteBound(QMinima):
    """Bound on :math:`\\mathbb E\\|M_\\alpha\\|` for Gaussian inputs with Hermite labels.

    Per ``q``: ``flattened`` and ``tree`` from the exact limit derivative matrices (``None``
    above the exact sizes), ``closed`` the closed form; ``degree`` is
    :math:`T=\\sum_e\\ell(e)`.
    """

    shape: Shape
    n: int
    q: np.ndarray
    degree: int
    flattened: np.ndarray | None
    tree: np.ndarray | None
    closed: np.ndarray


def hermite_bound(shape: Shape, n: int, q: QGrid | None = None, *, exact: bool = True,
                  dense_limit: int = DENSE_BLOCK_LIMIT,
                  max_pairs: int = EXACT_MAX_PAIRS) -> HermiteBound:
    r"""Recursive Efron–Stein bound for Gaussian inputs, any Hermite labels.

    Parameters
    ----------
    shape : Shape
        Untyped graph shape with distinct edges and labels :math:`\ell(e)\ge1`.
    n : int
        Number of indices.
    q : int or sequence of int, optional
        Moment orders (default :math:`1..\lceil\ln(T!\,n^k)\rceil+2`).
    exact : bool
        Also build the exact derivative matrices (small ``n``); otherwise the closed form
        only.
    dense_limit, max_pairs : int
        As for :func:`sosrmt.graphs.efron_stein.exact_bound`.

    Returns
    -------
    HermiteBound

    Notes
    -----
    Let :math:`X^{(m)}_{f,\ell}=\sqrt{\ell!}\,m^{-\ell/2}e_\ell(\varepsilon_{f,1},\dots,
    \varepsilon_{f,m})` for every input pair ``f``. Newton's identities with
    :math:`\sum_i\varepsilon_i^2=m` give :math:`X^{(m)}_{f,\ell}=h_\ell(S_f)+O(1/m)` as a
    polynomial in :math:`S_f=m^{-1/2}\sum_i\varepsilon_{f,i}`, and :math:`S_f\to g_f` with
    all moments, so :math:`|||M^{(m)}|||_{2q}\to|||M_\alpha|||_{2q}` for the matrix
    :math:`M^{(m)}` with :math:`X^{(m)}` in place of :math:`h_\ell(g)`. :math:`M^{(m)}` is a
    multilinear Rademacher polynomial, homogeneous of degree :math:`T`, and the Rademacher
    recursion bounds it by :math:`(4q-2)^{T/2}\sum_r\binom Tr\|F^{(m)}_{r,T-r}\|_{S_{2q}}`.
    A derivative slot is a pair (input, copy); for fixed input pairs in the slots the copy
    indices form, per input, the matrix :math:`m^{-\ell/2}\mathbf 1[\text{copies distinct}]`,
    which is a unit rank-one matrix up to :math:`O(m^{-1/2})` in Frobenius norm. Hence
    :math:`\|F^{(m)}_{r,T-r}\|_{S_{2q}}\to\|\hat G_r\|_{S_{2q}}`, where
    :math:`\hat G_r=\prod_e(\ell_e!)^{-1/2}\,F_{r,T-r}` and :math:`F_{r,T-r}` is the
    derivative matrix of :func:`hermite_multigraph` (which counts the :math:`\ell_e!`
    orders of the copies of each edge). Every label-1 shape gets the Rademacher bound
    itself, without the :math:`|g|` factor of
    :func:`sosrmt.graphs.efron_stein.gaussian_bound`. The closed form is
    :func:`sosrmt.graphs.efron_stein.closed_form_bound` of the multigraph, with the same scale.

    Examples
    --------
    >>> from sosrmt.graphs import Shape
    >>> h2 = Shape(2, U=(0,), V=(1,), edges=[(0, 1)], labels=[2], name="wigner_h2")
    >>> b = hermite_bound(h2, 5, q=[1])
    >>> round(b.value ** 2, 9)  # tree form at q = 1: sum_r C(2,r) ||G_r||_F^2 = 4 * 2 * 20
    160.0
    """
    shape = _check_labelled(shape)
    n = check_int(n, "n", minimum=max(shape.k, 2))
    multi = hermite_multigraph(shape)
    qs = _q_for(multi, n) if q is None else check_q(q)
    return _hermite_bound(shape, multi, n, qs, exact, dense_limit, max_pairs)


def _hermite_bound(shape: Shape, multi: Shape, n: int, qs: np.ndarray, exact: bool,
                   dense_limit: int = DENSE_BLOCK_LIMIT,
                   max_pairs: int = EXACT_MAX_PAIRS) -> HermiteBound:
    big_t = len(multi.edges)
    scale = math.exp(-0.5 * sum(math.lgamma(lab + 1) for lab in shape.labels))
    flat = tree = None
    if exact:
        norms = {r: schatten_norms(_derivative_matrix(multi, n, r, max_pairs), qs,
                                   dense_limit=dense_limit).values
                 for r in range(big_t + 1)}
        flat, tree = combine_levels({(big_t, r): scale * v for r, v in norms.items()}, big_t,
                                    qs)
    closed = scale * _closed_form_bound(multi, n, qs).values
    return HermiteBound(shape, n, qs, big_t, flat, tree, closed)


def exhaustive_hermite_moment(shape: Shape, n: int, q: QGrid) -> np.ndarray:
    r""":math:`|||M_\alpha|||_{2q}` for Gaussian inputs with Hermite labels, exactly.

    :math:`\operatorname{tr}(MM^\top)^q` has degree at most :math:`2q\ell_{\max}` in each input,
    so tensor Gauss–Hermite quadrature with :math:`q\ell_{\max}+1` nodes per input is exact;
    the cost is :math:`(q\ell_{\max}+1)^{\binom n2}` evaluations (at most
    :data:`QUADRATURE_MAX_NODES`).

    Examples
    --------
    >>> from sosrmt.graphs import Shape
    >>> h2 = Shape(2, U=(0,), V=(1,), edges=[(0, 1)], labels=[2])
    >>> round(float(exhaustive_hermite_moment(h2, 4, [1])[0] ** 2), 9)  # 12 E h_2^2
    12.0
    """
    shape = _check_labelled(shape)
    n = check_int(n, "n", minimum=max(shape.k, 2))
    qs = check_q(q)
    num_vars = n * (n - 1) // 2
    k = int(qs.max()) * max(shape.labels) + 1
    if float(k) ** num_vars > QUADRATURE_MAX_NODES:
        raise ValueError(f"q: the exact quadrature needs {k}^{num_vars} > "
                         f"{QUADRATURE_MAX_NODES} nodes at n={n}; use a smaller n or q")
    nodes, weights = np.polynomial.hermite_e.hermegauss(k)
    weights = weights / math.sqrt(2.0 * math.pi)
    table = np.stack([_hermite(lab, nodes) for lab in range(max(shape.labels) + 1)])
    var, inc, d1, d2 = _realisation_incidence(shape, n)
    labels = np.array(shape.labels)
    total = np.zeros(qs.size)
    grid = np.array(list(itertools.product(range(k), repeat=num_vars)))
    for start in range(0, grid.shape[0], 4096):
        idx = grid[start:start + 4096]
        w = np.prod(weights[idx], axis=1)
        # value of h_{label(e)} at the node of the input of edge e, per realisation
        vals = table[labels[None, None, :], idx[:, var]]
        prod = np.prod(vals, axis=2)
        mats = np.asarray((inc.T @ prod.T).T).reshape(-1, d1, d2)
        gram = mats @ mats.transpose(0, 2, 1) if d1 <= d2 else mats.transpose(0, 2, 1) @ mats
        ev = np.clip(np.linalg.eigvalsh(gram), 0.0, None)
        total += np.stack([np.sum(ev ** qq, axis=1) @ w for qq in qs])
    return total ** (1.0 / (2.0 * qs))
