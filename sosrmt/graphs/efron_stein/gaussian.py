r"""Recursive Efron–Stein bound for graph matrices of Gaussian inputs (label-1 shapes).

A proper label-1 graph matrix is multilinear in its inputs, and a standard Gaussian is
:math:`g=\varepsilon|g|` with a Rademacher sign :math:`\varepsilon` independent of
:math:`|g|`. Conditionally on :math:`|g|` the matrix is a Rademacher matrix polynomial whose
deterministic last-level matrices are the derivative matrices :math:`F_{r,t-r}` with every
entry multiplied by :math:`\prod_j|g_{e_j}|` over the edges in its index — a diagonal
scaling of the rows and of the columns. The Rademacher recursion therefore applies
conditionally, and the scalar step is a moment of the largest :math:`|g_e|` (see
:doc:`/theory/efron_stein`). :func:`exhaustive_gaussian_moment` computes
:math:`|||M_\alpha|||_{2q}` exactly by tensor Gauss–Hermite quadrature at small ``n``.
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
    EXACT_MAX_PAIRS,
    _es_shape,
    _exact_bound,
    _q_for,
)
from sosrmt.graphs.efron_stein.schatten import QGrid, QMinima, check_q
from sosrmt.graphs.shape import Shape

__all__ = ["GaussianBound", "exhaustive_gaussian_moment", "gaussian_abs_moment",
           "gaussian_bound"]


def gaussian_abs_moment(m: float) -> float:
    r""":math:`\mathbb E|g|^m=2^{m/2}\Gamma((m+1)/2)/\sqrt\pi` for :math:`g\sim N(0,1)`.

    Examples
    --------
    >>> round(gaussian_abs_moment(2), 9), round(gaussian_abs_moment(4), 9)
    (1.0, 3.0)
    """
    return math.exp((m / 2.0) * math.log(2.0) + math.lgamma((m + 1.0) / 2.0)
                    - 0.5 * math.log(math.pi))


@dataclass(frozen=True)
class GaussianBound(QMinima):
    """Bound on :math:`\\mathbb E\\|M_\\alpha\\|` for Gaussian inputs, per ``q``.

    ``factor`` is :math:`(N\\,\\mathbb E|g|^{2qt})^{1/2q}`; ``flattened`` and ``tree``
    (``None`` above the exact sizes) and ``closed`` are the Rademacher bounds times it.
    """

    shape: Shape
    n: int
    q: np.ndarray
    factor: np.ndarray
    flattened: np.ndarray | None
    tree: np.ndarray | None
    closed: np.ndarray


def gaussian_bound(shape: Shape, n: int, q: QGrid | None = None, *,
                   exact: bool = True, max_pairs: int = EXACT_MAX_PAIRS) -> GaussianBound:
    r"""Recursive Efron–Stein bound on :math:`\mathbb E\|M_\alpha\|` for :math:`N(0,1)` inputs.

    Parameters
    ----------
    shape : Shape
        Proper, untyped shape with label-1 edges (for Hermite labels above 1 see
        :func:`sosrmt.graphs.efron_stein.hermite_bound`, which is also tighter here).
    n : int
        Number of indices.
    q : int or sequence of int, optional
        Moment orders (default :math:`1..\lceil\ln(t!\,n^k)\rceil+2`).
    exact : bool
        Also use the exact derivative matrices (small ``n``); otherwise the closed form only.
    max_pairs : int
        As for :func:`sosrmt.graphs.efron_stein.exact_bound`.

    Returns
    -------
    GaussianBound

    Notes
    -----
    Write :math:`g_e=\varepsilon_e r_e` with :math:`r_e=|g_e|`. Given :math:`r`,
    :math:`M_\alpha` is homogeneous of degree :math:`t` and multilinear in
    :math:`\varepsilon`, and its last-level matrices are
    :math:`D_R(r)F_{r,t-r}D_C(r)` with diagonal :math:`D_R,D_C` holding the products of
    :math:`r_e` over the row's and the column's edges, so
    :math:`\|D_RF_{r,t-r}D_C\|_{S_{2q}}\le(\max_er_e)^t\|F_{r,t-r}\|_{S_{2q}}` and the
    Rademacher bound :math:`B_q` (flattened, tree or closed form) holds conditionally with
    that factor. Averaging over :math:`r`,

    .. math:: |||M_\alpha|||_{2q}\le B_q\,(\mathbb E\max_er_e^{2qt})^{1/2q}
              \le B_q\,\big(\tbinom n2\,\mathbb E|g|^{2qt}\big)^{1/2q},

    the scalar step being a union bound over the :math:`\binom n2` inputs. With
    :math:`q\approx\ln n` the factor is :math:`O((\log n)^{t/2})`.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> b = gaussian_bound(named_shape("wigner"), 6, q=[1])
    >>> round(float(b.factor[0]), 6)  # (15 * E g^2)^(1/2)
    3.872983
    """
    shape = _es_shape(shape, "gaussian")
    n = check_int(n, "n", minimum=max(shape.k, 2))
    qs = _q_for(shape, n) if q is None else check_q(q)
    t = len(shape.edges)
    npairs = n * (n - 1) / 2.0
    factor = np.array([math.exp((math.log(npairs) + math.log(gaussian_abs_moment(2 * qq * t)))
                                / (2.0 * qq)) for qq in qs])
    flat = tree = None
    if exact:
        ex = _exact_bound(shape, n, qs, max_pairs=max_pairs)
        flat, tree = factor * ex.flattened, factor * ex.tree
    closed = factor * _closed_form_bound(shape, n, qs).values
    return GaussianBound(shape, n, qs, factor, flat, tree, closed)


def exhaustive_gaussian_moment(shape: Shape, n: int, q: QGrid) -> np.ndarray:
    r""":math:`|||M_\alpha|||_{2q}` for Gaussian inputs, exactly, by Gauss–Hermite quadrature.

    :math:`\|M\|_{S_{2q}}^{2q}=\operatorname{tr}(MM^\top)^q` is a polynomial of degree at
    most :math:`2q` in each input (label-1 shapes are multilinear), so the tensor rule with
    :math:`\max q+1` nodes per input is exact. Its cost is :math:`(\max q+1)^{\binom n2}`
    evaluations: ``n = 4`` with ``q <= 3`` (4096 nodes), ``n = 5`` with ``q <= 1``.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> m = exhaustive_gaussian_moment(named_shape("wigner"), 4, [1, 2])
    >>> round(float(m[0] ** 2), 9)  # E ||G||_F^2 = 12
    12.0
    """
    shape = _es_shape(shape, "gaussian")
    n = check_int(n, "n", minimum=max(shape.k, 2))
    qs = check_q(q)
    num_vars = n * (n - 1) // 2
    k = int(qs.max()) + 1
    if k ** num_vars > 300_000:
        raise ValueError(f"q: the exact quadrature needs ({k})^{num_vars} > 300000 nodes at "
                         f"n={n}; use a smaller n or q")
    nodes, weights = np.polynomial.hermite_e.hermegauss(k)
    weights = weights / math.sqrt(2.0 * math.pi)
    var, inc, d1, d2 = _realisation_incidence(shape, n)
    total = np.zeros(qs.size)
    grid = np.array(list(itertools.product(range(k), repeat=num_vars)))
    for start in range(0, grid.shape[0], 4096):
        idx = grid[start:start + 4096]
        g = nodes[idx]
        w = np.prod(weights[idx], axis=1)
        prod = np.prod(g[:, var], axis=2)
        mats = np.asarray((inc.T @ prod.T).T).reshape(-1, d1, d2)
        gram = mats @ mats.transpose(0, 2, 1) if d1 <= d2 else mats.transpose(0, 2, 1) @ mats
        ev = np.clip(np.linalg.eigvalsh(gram), 0.0, None)
        total += np.stack([np.sum(ev ** qq, axis=1) @ w for qq in qs])
    return total ** (1.0 / (2.0 * qs))
