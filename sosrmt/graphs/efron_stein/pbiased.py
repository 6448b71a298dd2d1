r"""Full recursive Efron–Stein bound for graph matrices of p-biased (sparse) inputs.

For :math:`G(n,p)` inputs the one-level inequality carries random weights
:math:`w_e=\sqrt{(\chi_e^2+1)/2}`. Two routes are computed:

* the **weight-bound route** bounds every weight by its largest value
  :math:`w_{\max}=\max(1/\sqrt{2p},1/\sqrt{2(1-p)})`, after which the recursion is that of
  Rademacher inputs in the character basis;
* the **concentrated route** keeps the exact weights of the last differentiation. Since
  :math:`w_e^2=1+\tfrac{c_p}2\chi_e` (:math:`c_p=(1-2p)/\sqrt{p(1-p)}`, from
  :math:`\chi^2=1+c_p\chi`), the variance proxy of the last level is a deterministic matrix
  plus a linear chaos; differentiating it once more places a derivative a second time on the
  same edge (the diagonal placement, a block-diagonal matrix bounded by
  :math:`\max_e\|C_e\|`), and the term that feeds back into itself is closed by a scalar
  quadratic inequality (:func:`last_level_bound`).

A third route, which needs no weights at all, is the symmetrised route of
:mod:`sosrmt.graphs.efron_stein.symmetrised`; its closed form is carried here as
``sym_closed`` so that every table shows the three side by side.

The derivation, and which steps are proved, reconstructed or measured, are on the theory page
:doc:`/theory/efron_stein` (Rajendran–Tulsiani, arXiv:2209.02655, reduce the non-Rademacher
case to scalar concentration; the concentrated route is the version computed here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sosrmt._validation import check_int
from sosrmt.graphs.efron_stein.closed_form import _assignments, _closed_form_bound
from sosrmt.graphs.efron_stein.graph import (
    DENSE_BLOCK_LIMIT,
    EXACT_MAX_PAIRS,
    _derivative_matrix,
    _es_shape,
    _q_for,
)
from sosrmt.graphs.efron_stein.recursion import combine_levels
from sosrmt.graphs.efron_stein.schatten import QGrid, QMinima, check_q, min_over_q, schatten_norms
from sosrmt.graphs.efron_stein.symmetrised import _sym_closed
from sosrmt.graphs.inputs import check_sparse_model
from sosrmt.graphs.shape import Shape

__all__ = ["PBiasedBound", "bernoulli_constant", "last_level_bound", "pbiased_bound",
           "weight_max"]


def weight_max(p: float) -> float:
    r"""Largest stack weight :math:`w_{\max}=\max_x\sqrt{(\chi(x)^2+1)/2}` of ``pbiased(p)``.

    Examples
    --------
    >>> weight_max(0.5), round(weight_max(0.02), 9)
    (1.0, 5.0)
    """
    return 1.0 / math.sqrt(2.0 * min(p, 1.0 - p))


def bernoulli_constant(p: float) -> float:
    r"""The constant :math:`c_p=(1-2p)/\sqrt{p(1-p)}` of :math:`\chi_p^2=1+c_p\chi_p`.

    Examples
    --------
    >>> bernoulli_constant(0.5), round(bernoulli_constant(0.2), 9)
    (0.0, 1.5)
    """
    return (1.0 - 2.0 * p) / math.sqrt(p * (1.0 - p))


def last_level_bound(stack: np.ndarray, block_max: float, rank: float, p: float,
                     q: QGrid) -> np.ndarray:
    r"""Bound on :math:`(\mathbb E\operatorname{tr}(\sum_ew_e^2C_eC_e^\top)^q)^{1/2q}`.

    For deterministic blocks :math:`C_e` and independent p-biased weights
    :math:`w_e^2=(\chi_e^2+1)/2` this is the weighted stack :math:`[w_eC_e]_e` of the last
    Efron–Stein level, i.e. :math:`|||D^w G|||_{2q}` for :math:`G=\sum_e\chi_eC_e`.

    Parameters
    ----------
    stack : numpy.ndarray
        :math:`S_q=\|[C_e]_e\|_{S_{2q}}` (the unweighted stack) for each ``q``.
    block_max : float
        :math:`\max_e\|C_e\|` (operator norm), or an upper bound on it.
    rank : float
        An upper bound ``d`` on the rank of :math:`[C_e]_e`.
    p : float
        Edge probability.
    q : int or sequence of int
        Moment orders (the grid of ``stack``).

    Returns
    -------
    numpy.ndarray
        :math:`\min\big(w_{\max}S_q,\ (\kappa_q+\sqrt{\kappa_q^2+4S_q^2})/2\big)` with
        :math:`\kappa_q=d^{1/2q}\sqrt{4q-2}\,\tfrac{|c_p|}2\,\max_e\|C_e\|`.

    Notes
    -----
    Let :math:`Y=\sum_ew_e^2B_e`, :math:`B_e=C_eC_e^\top\succeq0`. Since
    :math:`w_e^2=1+\tfrac{c_p}2\chi_e`, :math:`\mathbb EY=\sum_eB_e` with
    :math:`\|\mathbb EY\|_{S_q}=S_q^2`. The matrix Efron–Stein inequality applied to
    :math:`Y` (a second derivative on the same edge: the diagonal placement) has
    :math:`Y-Y^{(e)}=\tfrac{c_p}2(\chi_e-\chi_e')B_e`, so its variance proxy is
    :math:`\tfrac{c_p^2}4\sum_ew_e^2B_e^2\preceq\tfrac{c_p^2}4\max_e\|B_e\|\,Y`, and

    .. math:: |||Y-\mathbb EY|||_{2q}\le\sqrt{4q-2}\,\tfrac{|c_p|}2\max_e\|C_e\|\,
              (\mathbb E\operatorname{tr}Y^q)^{1/2q}.

    With :math:`u=(\mathbb E\operatorname{tr}Y^q)^{1/q}`, Minkowski and
    :math:`\|Z\|_{S_q}\le d^{1/2q}\|Z\|_{S_{2q}}` give :math:`u\le S_q^2+\kappa_q\sqrt u`: the
    term that feeds back into itself is closed by solving this scalar quadratic. The other
    bound, :math:`w_{\max}S_q`, is the weight-bound route; both are valid and the smaller is
    returned. At :math:`p=1/2`, :math:`c_p=0` and the result is :math:`S_q` (Rademacher).

    Examples
    --------
    >>> import numpy as np
    >>> last_level_bound(np.array([3.0]), 1.0, 4, 0.5, [1]).tolist()
    [3.0]
    >>> round(float(last_level_bound(np.array([100.0]), 1.0, 10**4, 0.01, [5])[0]), 3)
    129.627
    >>> round(weight_max(0.01) * 100.0, 3)  # the weight-bound route
    707.107
    """
    qs = check_q(q)
    stack = np.asarray(stack, dtype=float)
    kappa = (float(rank) ** (1.0 / (2.0 * qs)) * np.sqrt(4.0 * qs - 2.0)
             * abs(bernoulli_constant(p)) / 2.0 * float(block_max))
    closed = (kappa + np.sqrt(kappa ** 2 + 4.0 * stack ** 2)) / 2.0
    return np.minimum(weight_max(p) * stack, closed)


@dataclass(frozen=True)
class PBiasedBound(QMinima):
    """Recursive Efron–Stein bounds on :math:`\\mathbb E\\|M_\\alpha\\|` for ``pbiased(p)`` inputs.

    Per ``q``: ``flattened``, ``tree`` (``None`` when only the closed forms were computed)
    and ``closed`` are the weight-bound route; ``conc_flattened``, ``conc_tree`` and
    ``conc_closed`` the concentrated route (exact weights at the last level, see
    :func:`last_level_bound`), never larger than the weight-bound route; ``sym_closed`` the
    closed form of the symmetrised route
    (:func:`sosrmt.graphs.efron_stein.symmetrised_bound`), which reproduces the
    separator-weighted sparse exponent.
    """

    shape: Shape
    n: int
    p: float
    q: np.ndarray
    weight: float
    flattened: np.ndarray | None
    tree: np.ndarray | None
    closed: np.ndarray
    conc_flattened: np.ndarray | None = None
    conc_tree: np.ndarray | None = None
    conc_closed: np.ndarray | None = None
    sym_closed: np.ndarray | None = None

    @property
    def value(self) -> float | None:
        """:math:`\\min_q` of the flattened bound (exact derivative matrices), or None."""
        return min_over_q(self.flattened)

    @property
    def conc_value(self) -> float | None:
        """:math:`\\min_q` of the concentrated tree form (exact matrices), or None."""
        return min_over_q(self.conc_tree)

    @property
    def conc_flattened_value(self) -> float | None:
        return min_over_q(self.conc_flattened)

    @property
    def conc_closed_value(self) -> float | None:
        return min_over_q(self.conc_closed)

    @property
    def sym_closed_value(self) -> float | None:
        """:math:`\\min_q` of the symmetrised route's closed form, or None."""
        return min_over_q(self.sym_closed)

    @property
    def best_closed_value(self) -> float:
        """The smallest closed form of the three routes (each is a valid bound)."""
        vals = [self.closed_value, self.conc_closed_value, self.sym_closed_value]
        return min(v for v in vals if v is not None)


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
        forms.
    dense_limit, max_pairs : int
        As for :func:`sosrmt.graphs.efron_stein.exact_bound`.

    Returns
    -------
    PBiasedBound

    Notes
    -----
    For independent two-point inputs, :math:`F-F^{(e)}=(\chi_e-\chi_e')\,\partial_eF` and
    :math:`\mathbb E'(\chi_e-\chi_e')^2=\chi_e^2+1`, so the one-level inequality holds with
    the stacks :math:`[w_e\partial_eF]_e`.

    *Weight-bound route.* :math:`\sum_ew_e^2\,\partial_eF\,\partial_eF^\top\preceq
    w_{\max}^2\sum_e\partial_eF\,\partial_eF^\top` and :math:`\operatorname{tr}X^q` is monotone
    on PSD matrices, so each level costs at most :math:`w_{\max}`:

    .. math:: \mathbb E\|M_\alpha\|\le w_{\max}^{\,t}\,(4q-2)^{t/2}
              \sum_r\binom tr\|F_{r,t-r}\|_{S_{2q}}.

    *Concentrated route.* The first :math:`t-1` levels use :math:`w_{\max}`; after them each
    :math:`\partial^\pi M_\alpha` is of degree one, :math:`\sum_e\chi_eC_e`, with
    deterministic blocks (the blocks of :math:`F_{r,t-r}` by the edge in the last
    derivative slot), and the last weighted stack is bounded by :func:`last_level_bound`
    instead of :math:`w_{\max}\|F_{r,t-r}\|_{S_{2q}}`:

    .. math:: \mathbb E\|M_\alpha\|\le w_{\max}^{\,t-1}(4q-2)^{t/2}\sum_r
              \Big[\tbinom{t-1}{r}L_C(r)+\tbinom{t-1}{r-1}L_R(r)\Big],

    :math:`L_X(r)` being :func:`last_level_bound` of :math:`F_{r,t-r}` split by its last
    ``X`` slot (the tree form is computed as well). The closed forms (any ``n``) replace
    :math:`\|F_{r,t-r}\|_{S_{2q}}` and :math:`\max_e\|C_e\|` by Schur-test bounds per edge
    assignment (for the blocks, one edge's endpoints are fixed).

    *Symmetrised route.* ``sym_closed`` is the closed form of
    :func:`sosrmt.graphs.efron_stein.symmetrised_bound` (no weights: Jensen with an
    independent copy turns the input into a sparse Rademacher matrix).

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> from sosrmt.graphs.efron_stein import exact_bound
    >>> b = pbiased_bound(named_shape("wigner"), 6, 0.5, q=[1])
    >>> bool(np.isclose(b.value, exact_bound(named_shape("wigner"), 6, q=[1]).value))
    True
    >>> s = pbiased_bound(named_shape("wigner"), 10**4, 0.01, exact=False)
    >>> bool(s.conc_closed_value < s.closed_value)
    True
    """
    shape = _es_shape(shape, "pbiased")
    n = check_int(n, "n", minimum=max(shape.k, 2))
    p = check_sparse_model(shape, n, p)
    qs = _q_for(shape, n) if q is None else check_q(q)
    return _pbiased_bound(shape, n, p, qs, exact, dense_limit, max_pairs)


def _pnorm(a: np.ndarray, b: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """(a^{2q} + b^{2q})^{1/2q} per q, in log space (a, b >= 0)."""
    with np.errstate(divide="ignore"):
        la, lb = np.log(a) * 2 * qs, np.log(b) * 2 * qs
    return np.exp(np.logaddexp(la, lb) / (2 * qs))


def _combine_concentrated(last_c: dict[int, np.ndarray], last_r: dict[int, np.ndarray],
                          t: int, qs: np.ndarray, w: float) -> tuple[np.ndarray, np.ndarray]:
    """Flattened and tree forms of the concentrated route from L_C(r), L_R(r)."""
    zero = np.zeros(qs.size)
    flat = zero.copy()
    for r in range(t + 1):
        if r <= t - 1:
            flat = flat + math.comb(t - 1, r) * last_c[r]
        if r >= 1:
            flat = flat + math.comb(t - 1, r - 1) * last_r[r]
    flat = flat * (4.0 * qs - 2.0) ** (t / 2.0) * w ** (t - 1)
    c = np.sqrt(4.0 * qs - 2.0) * 2.0 ** (-1.0 / (2.0 * qs))
    below = [c * _pnorm(last_c[r], last_r[r + 1], qs) for r in range(t)]
    for s in range(t - 2, -1, -1):
        below = [c * w * _pnorm(below[r], below[r + 1], qs) for r in range(s + 1)]
    return flat, below[0]


def _block_max(mat, labels: np.ndarray, rows: bool) -> float:
    """max over edge ids e of the operator norm of the rows (or columns) labelled e."""
    best = 0.0
    csr = mat.tocsr() if rows else mat.tocsc()
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    for idx in np.split(order, bounds):
        sub = csr[idx] if rows else csr[:, idx]
        best = max(best, schatten_norms(sub, [1]).operator_norm)
    return best


def _exact_last_levels(shape: Shape, n: int, p: float, qs: np.ndarray, dense_limit: int,
                       max_pairs: int):
    """S_r = ||F_{r,t-r}||_{S2q} and the concentrated L_C(r), L_R(r) (exact matrices)."""
    t = len(shape.edges)
    norms, last_c, last_r = {}, {}, {}
    for r in range(t + 1):
        mat = _derivative_matrix(shape, n, r, max_pairs)
        norms[r] = schatten_norms(mat, qs, dense_limit=dense_limit)
        rank = float(min(norms[r].nnz_rows, norms[r].nnz_cols))
        if r <= t - 1:  # last slot on the columns
            _, lab = _derivative_matrix(shape, n, r, max_pairs, slot=t - 1)
            last_c[r] = last_level_bound(norms[r].values, _block_max(mat, lab, False), rank,
                                         p, qs)
        if r >= 1:  # last slot on the rows
            _, lab = _derivative_matrix(shape, n, r, max_pairs, slot=r - 1)
            last_r[r] = last_level_bound(norms[r].values, _block_max(mat, lab, True), rank,
                                         p, qs)
    return norms, last_c, last_r


def _closed_last_levels(shape: Shape, n: int, p: float, qs: np.ndarray):
    """Closed-form (Schur-test) S_r, L_C(r), L_R(r), valid for every n."""
    t = len(shape.edges)
    logn = math.log(n)
    npairs = n * (n - 1) / 2.0
    log_perm = [sum(math.log(n - i) for i in range(j)) for j in range(shape.k + 1)]
    by_r: dict[int, list] = {r: [] for r in range(t + 1)}
    for a in _assignments(shape):
        by_r[len(a.rows)].append(a)
    last_c, last_r = {}, {}
    for r, group in by_r.items():
        lf = math.lgamma(r + 1) + math.lgamma(t - r + 1) + (t / 2.0) * math.log(2.0)
        terms = [min(log_perm[len(a.A)], log_perm[len(a.B)]) / (2.0 * qs)
                 + a.exponent * logn for a in group]
        stack = np.exp(lf + np.logaddexp.reduce(np.vstack(terms), axis=0))
        log_rank = min(log_perm[len(shape.U)] + r * math.log(npairs),
                       log_perm[len(shape.V)] + (t - r) * math.log(npairs))
        rank = math.exp(min(log_rank, 700.0))
        for side, sel in (("C", r <= t - 1), ("R", r >= 1)):
            if not sel:
                continue
            expo = []
            for a in group:
                mine = [j for j in range(t) if (j in a.rows) == (side == "R")]
                other = a.B if side == "R" else a.A
                expo += [a.exponent - len(set(shape.edges[j]) - other) / 2.0 for j in mine]
            lcount = (math.lgamma(r) + math.lgamma(t - r + 1) if side == "R"
                      else math.lgamma(r + 1) + math.lgamma(t - r))
            log_bmax = (lcount + ((t + 1) / 2.0) * math.log(2.0)
                        + float(np.logaddexp.reduce(np.array(expo) * logn)))
            val = last_level_bound(stack, math.exp(log_bmax), rank, p, qs)
            (last_c if side == "C" else last_r)[r] = val
    return last_c, last_r


def _pbiased_bound(shape: Shape, n: int, p: float, qs: np.ndarray, exact: bool,
                   dense_limit: int = DENSE_BLOCK_LIMIT,
                   max_pairs: int = EXACT_MAX_PAIRS) -> PBiasedBound:
    t = len(shape.edges)
    w = weight_max(p)
    scale = w ** t
    flat = tree = cflat = ctree = None
    if exact:
        norms, last_c, last_r = _exact_last_levels(shape, n, p, qs, dense_limit, max_pairs)
        flat, tree = combine_levels({(t, r): v.values for r, v in norms.items()}, t, qs)
        flat, tree = scale * flat, scale * tree
        cflat, ctree = _combine_concentrated(last_c, last_r, t, qs, w)
    closed = scale * _closed_form_bound(shape, n, qs).values
    ccl, ccr = _closed_last_levels(shape, n, p, qs)
    cclosed = np.minimum(_combine_concentrated(ccl, ccr, t, qs, w)[0], closed)
    return PBiasedBound(shape, n, p, qs, w, flat, tree, closed, cflat, ctree, cclosed,
                        _sym_closed(shape, n, p, qs))
