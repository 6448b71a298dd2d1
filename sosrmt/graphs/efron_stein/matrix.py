"""Generic recursive matrix Efron–Stein machinery (no graphs needed).

Private module behind :mod:`sosrmt.graphs.efron_stein`; the mathematics and the
provenance of every constant are documented there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import permutations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import svds

from sosrmt._validation import as_rng, check_finite_array, check_int, check_memory

__all__ = [
    "Level1Result",
    "MatrixPolynomial",
    "RecursiveBound",
    "SchattenNorms",
    "TwoPointModel",
    "default_q_grid",
    "discrete_derivative",
    "es_constant",
    "level1_bound",
    "recursive_bound",
    "schatten_norms",
    "stacked_derivatives",
    "variance_proxies",
]

MatrixFunction = Callable[[np.ndarray], np.ndarray]

#: Largest side of one connected block whose Gram matrix we eigen-decompose densely.
DENSE_BLOCK_LIMIT = 6000


# --------------------------------------------------------------------------- q and constants


def check_q(q: object, name: str = "q") -> np.ndarray:
    """Validate a moment order or a grid of them: integers >= 1 (sorted, unique)."""
    arr = np.atleast_1d(np.asarray(q))
    if arr.size == 0:
        raise ValueError(f"{name}: expected at least one integer moment order q >= 1")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer)
                                 or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name}: expected integers >= 1, got {q!r}")
    if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
        raise ValueError(f"{name}: expected integer moment orders (the matrix Efron-Stein "
                         f"inequality is used at integer q), got {q!r}")
    if np.any(arr < 1):
        raise ValueError(f"{name}: expected q >= 1, got {q!r}")
    return np.unique(arr.astype(np.int64))


def default_q_grid(n_max: float) -> np.ndarray:
    r"""The grid :math:`q\in\{1,\dots,\lceil\ln N_{\max}\rceil+2\}` (spec §4.4).

    Examples
    --------
    >>> default_q_grid(100).tolist()
    [1, 2, 3, 4, 5, 6, 7]
    """
    top = math.ceil(math.log(max(float(n_max), 1.0))) + 2
    return np.arange(1, top + 1, dtype=np.int64)


def es_constant(q: object) -> np.ndarray:
    r"""One-level constant :math:`c_q=\sqrt{4q-2}\,2^{-1/(2q)}` of Lemma 4.2.

    Examples
    --------
    >>> bool(np.isclose(es_constant(1)[0], 1.0))
    True
    """
    qs = check_q(q)
    return np.sqrt(4.0 * qs - 2.0) * 2.0 ** (-1.0 / (2.0 * qs))


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


def discrete_derivative(func: MatrixFunction, x: object, i: int, *,
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
    :math:`\partial_iF=\tfrac12(F(x^{i\to+1})-F(x^{i\to-1}))` (spec §4.2).

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


def stacked_derivatives(func: MatrixFunction, x: object, *, model: str = "rademacher",
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
        Multiply block ``i`` by :math:`w_i=\sqrt{(\chi(x_i)^2+1)/2}` (spec §4.6); the
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


def variance_proxies(func: MatrixFunction, x: object, *, model: str = "rademacher",
                     p: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Proxies :math:`V_C=D_{\rm col}D_{\rm col}^\top`, :math:`V_R=D_{\rm row}^\top D_{\rm row}`.

    With the weights of spec §4.6 (trivial for Rademacher inputs) these are the two diagonal
    blocks of the PMT variance proxy of the Hermitian dilation of ``F`` (Lemma 4.2).

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


# --------------------------------------------------------------------------- Schatten norms


def _log_power_sums(eigs: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """log sum_i eigs_i^q for each q, stably (eigs >= 0)."""
    eigs = np.clip(eigs, 0.0, None)
    top = float(eigs.max()) if eigs.size else 0.0
    if top <= 0.0:
        return np.full(qs.size, -np.inf)
    rel = eigs / top
    return np.array([q * math.log(top) + math.log(float(np.sum(rel ** q))) for q in qs])


@dataclass(frozen=True)
class SchattenNorms:
    r"""Schatten norms :math:`\|A\|_{S_{2q}}` of one matrix on a grid of ``q``.

    ``exact`` is False when a connected block was too large for a dense Gram
    eigen-decomposition and :math:`\operatorname{rank}^{1/2q}\|A\|` (an upper bound) was used.
    """

    q: np.ndarray
    values: np.ndarray
    operator_norm: float
    frobenius: float
    shape: tuple[int, int]
    nnz_rows: int
    nnz_cols: int
    exact: bool = True
    blocks: int = 0

    def at(self, q: int) -> float:
        idx = np.searchsorted(self.q, q)
        if idx >= self.q.size or self.q[idx] != q:
            raise ValueError(f"q: {q} is not on the grid {self.q.tolist()}")
        return float(self.values[idx])


def schatten_norms(a: object, q: object, *, dense_limit: int = DENSE_BLOCK_LIMIT) -> SchattenNorms:
    r"""Schatten-:math:`2q` norms of a (sparse) matrix for all ``q`` from one eigen-decomposition.

    Parameters
    ----------
    a : array_like or scipy.sparse matrix
        The matrix.
    q : int or sequence of int
        Moment orders, integers ``>= 1``.
    dense_limit : int
        Largest side of a connected block whose Gram matrix is eigen-decomposed densely.

    Returns
    -------
    SchattenNorms

    Notes
    -----
    Empty rows and columns are dropped, and the matrix is split into the connected blocks of
    its bipartite row/column graph (``scipy.sparse.csgraph.connected_components``); the
    singular values of ``A`` are those of its blocks. Blocks of equal shape are stacked and
    decomposed together (one batched ``numpy.linalg.eigvalsh`` of the smaller-side Gram
    matrices). :math:`\|A\|_{S_{2q}}^{2q}=\sum_i\lambda_i^q` where :math:`\lambda_i` are the
    Gram eigenvalues; sums are formed in log-space. A block larger than ``dense_limit`` on its
    smaller side gets :math:`\operatorname{rank}\cdot\sigma_{\max}^{2q}` (``svds``), an upper bound.

    Examples
    --------
    >>> s = schatten_norms(np.diag([3.0, 4.0]), [1, 2])
    >>> round(float(s.values[0]), 10), round(s.operator_norm, 10)
    (5.0, 4.0)
    """
    qs = check_q(q)
    mat = sp.csr_matrix(a, dtype=float) if not sp.issparse(a) else a.tocsr().astype(float)
    mat.eliminate_zeros()
    shape = (int(mat.shape[0]), int(mat.shape[1]))
    rows = np.flatnonzero(np.diff(mat.indptr))
    cols = np.flatnonzero(np.bincount(mat.indices, minlength=mat.shape[1]))
    if rows.size == 0:
        return SchattenNorms(qs, np.zeros(qs.size), 0.0, 0.0, shape, 0, 0, True, 0)
    if rows.size < mat.shape[0] or cols.size < mat.shape[1]:
        mat = mat[rows][:, cols].tocsr()
    m, k = mat.shape
    adj = sp.bmat([[None, mat], [mat.T, None]], format="csr")
    ncomp, labels = connected_components(adj, directed=False)
    rlab, clab = labels[:m], labels[m:]
    rcount = np.bincount(rlab, minlength=ncomp)
    ccount = np.bincount(clab, minlength=ncomp)
    # local position of each row / column inside its block
    rord = np.argsort(rlab, kind="stable")
    rloc = np.empty(m, dtype=np.int64)
    rstart = np.concatenate([[0], np.cumsum(rcount)[:-1]])
    rloc[rord] = np.arange(m) - rstart[rlab[rord]]
    cord = np.argsort(clab, kind="stable")
    cloc = np.empty(k, dtype=np.int64)
    cstart = np.concatenate([[0], np.cumsum(ccount)[:-1]])
    cloc[cord] = np.arange(k) - cstart[clab[cord]]

    coo = mat.tocoo()
    comp_of_nnz = rlab[coo.row]
    log_sums: list[np.ndarray] = []
    smax = 0.0
    exact = True
    code = rcount.astype(np.int64) * (int(ccount.max()) + 1) + ccount
    order_c = np.argsort(code, kind="stable")
    first = np.ones(ncomp, dtype=bool)
    first[1:] = code[order_c][1:] != code[order_c][:-1]
    shape_id = np.empty(ncomp, dtype=np.int64)
    shape_id[order_c] = np.cumsum(first) - 1
    uniq_codes = code[order_c][first]
    uniq_shapes = np.stack([uniq_codes // (int(ccount.max()) + 1),
                            uniq_codes % (int(ccount.max()) + 1)], axis=1)
    nnz_shape = shape_id[comp_of_nnz]
    order = np.argsort(nnz_shape, kind="stable")
    bounds = np.searchsorted(nnz_shape[order], np.arange(uniq_shapes.shape[0] + 1))
    for sid, (nr, nc) in enumerate(uniq_shapes):
        comps = np.flatnonzero(shape_id == sid)
        sel = order[bounds[sid]:bounds[sid + 1]]
        small = min(nr, nc)
        if small > dense_limit:
            for c in comps:
                block = mat[np.flatnonzero(rlab == c)][:, np.flatnonzero(clab == c)]
                top = float(svds(block, k=1, return_singular_vectors=False)[0])
                smax = max(smax, top)
                log_sums.append(math.log(small) + 2.0 * qs * math.log(max(top, 1e-300)))
                exact = False
            continue
        check_memory(8.0 * comps.size * (nr * nc + small * small),
                     "dense blocks for the Schatten norms",
                     hint="lower dense_limit or n")
        pos = np.full(ncomp, -1, dtype=np.int64)
        pos[comps] = np.arange(comps.size)
        dense = np.zeros((comps.size, nr, nc))
        dense[pos[comp_of_nnz[sel]], rloc[coo.row[sel]], cloc[coo.col[sel]]] = coo.data[sel]
        gram = dense @ dense.transpose(0, 2, 1) if nr <= nc else dense.transpose(0, 2, 1) @ dense
        eigs = np.linalg.eigvalsh(gram).ravel()
        smax = max(smax, math.sqrt(max(float(eigs.max()), 0.0)))
        log_sums.append(_log_power_sums(eigs, qs))
    total = np.logaddexp.reduce(np.vstack(log_sums), axis=0)
    values = np.exp(total / (2.0 * qs))
    frob = float(np.sqrt(np.sum(coo.data ** 2)))
    return SchattenNorms(qs, values, smax, frob, shape, m, k, exact, int(ncomp))


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


def level1_bound(func: MatrixFunction, num_vars: int, *, q: object = None, trials: int = 20,
                 model: str = "rademacher", p: float | None = None, mean: object = None,
                 exhaustive: bool = False, rng: object = None) -> Level1Result:
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
    Lemma 4.2 (from PMT Theorem 4.2 applied to the Hermitian dilation):
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


# --------------------------------------------------------------------------- matrix polynomials


def _fwht(vals: np.ndarray) -> np.ndarray:
    """Unnormalised fast Walsh-Hadamard transform along axis 0 (length 2**N)."""
    out = vals.copy()
    total = out.shape[0]
    h = 1
    while h < total:
        view = out.reshape(total // (2 * h), 2, h, -1)
        a = view[:, 0].copy()
        b = view[:, 1]
        view[:, 0] = a + b
        view[:, 1] = a - b
        h *= 2
    return out


class MatrixPolynomial:
    r"""A multilinear matrix polynomial :math:`F(x)=\sum_{S}\chi_S(x)\,C_S` of ``N`` inputs.

    Parameters
    ----------
    coefficients : mapping
        ``{S: C_S}`` with ``S`` an iterable of distinct variable indices in ``[0, N)`` and
        ``C_S`` a ``d1 x d2`` array (all of the same shape).
    num_vars : int
        ``N``.

    Notes
    -----
    For Rademacher inputs :math:`\chi_S(x)=\prod_{i\in S}x_i`; every function on
    :math:`\{\pm1\}^N` has exactly one such expansion (:meth:`from_function` computes it with
    a fast Walsh–Hadamard transform). Then
    :math:`\mathbb E\,\partial_{i_1}\cdots\partial_{i_t}F=C_{\{i_1..i_t\}}`
    for distinct indices and 0 otherwise, which gives the deterministic matrices
    :math:`\mathbb E\,\partial^\pi F` of the recursion (spec §4.4).

    Examples
    --------
    >>> f = MatrixPolynomial({(): np.eye(2), (0, 1): np.ones((2, 2))}, 2)
    >>> f(np.array([1.0, -1.0])).tolist()
    [[0.0, -1.0], [-1.0, 0.0]]
    >>> f.degree
    2
    """

    def __init__(self, coefficients: Mapping[Iterable[int], object], num_vars: int):
        self.num_vars = check_int(num_vars, "num_vars", minimum=0)
        if not isinstance(coefficients, Mapping) or not coefficients:
            raise TypeError("coefficients: expected a non-empty mapping {S: matrix}")
        coeffs: dict[frozenset[int], np.ndarray] = {}
        shape = None
        for key, mat in coefficients.items():
            s = tuple(int(i) for i in key)
            if len(set(s)) != len(s) or any(i < 0 or i >= self.num_vars for i in s):
                raise ValueError(f"coefficients: key {key!r} must be distinct indices in "
                                 f"[0, {self.num_vars})")
            arr = check_finite_array(mat, f"coefficients[{key!r}]", ndim=2)
            if shape is None:
                shape = arr.shape
            elif arr.shape != shape:
                raise ValueError(f"coefficients: expected every matrix of shape {shape}, "
                                 f"got {arr.shape} for key {key!r}")
            fs = frozenset(s)
            coeffs[fs] = coeffs.get(fs, 0.0) + arr
        self.coefficients = {k: v for k, v in coeffs.items() if np.any(v != 0)}
        self.shape: tuple[int, int] = tuple(shape)  # type: ignore[assignment]
        keys = list(self.coefficients)
        self._mask = np.zeros((len(keys), self.num_vars), dtype=bool)
        for row, key in enumerate(keys):
            self._mask[row, list(key)] = True
        self._stack = (np.stack([self.coefficients[k] for k in keys]) if keys
                       else np.zeros((0, *self.shape)))

    @classmethod
    def from_function(cls, func: MatrixFunction, num_vars: int, *,
                      tol: float = 1e-12) -> MatrixPolynomial:
        r"""Fourier (Walsh) expansion of ``func`` on :math:`\{\pm1\}^N` from all :math:`2^N` values.

        Examples
        --------
        >>> f = MatrixPolynomial.from_function(lambda x: np.array([[x[0] * x[1] + 2.0]]), 2)
        >>> sorted((tuple(sorted(k)), float(v[0, 0])) for k, v in f.coefficients.items())
        [((), 2.0), ((0, 1), 1.0)]
        """
        num_vars = check_int(num_vars, "num_vars", minimum=0, maximum=20)
        first = _eval(func, np.ones(num_vars))
        check_memory(8.0 * 2 ** num_vars * first.size * 2, "the Walsh expansion",
                     hint="use fewer variables")
        bits = (np.arange(2 ** num_vars)[:, None] >> np.arange(num_vars)[None, :]) & 1
        pts = 1.0 - 2.0 * bits
        vals = np.stack([_eval(func, x).ravel() for x in pts])
        coef = _fwht(vals) / 2 ** num_vars
        scale = max(1.0, float(np.abs(coef).max()))
        out = {}
        for idx in np.flatnonzero(np.abs(coef).max(axis=1) > tol * scale):
            key = tuple(int(i) for i in np.flatnonzero(bits[idx]))
            out[key] = coef[idx].reshape(first.shape)
        if not out:
            out[()] = np.zeros(first.shape)
        return cls(out, num_vars)

    @property
    def degree(self) -> int:
        return max((len(s) for s in self.coefficients), default=0)

    def __call__(self, x: object) -> np.ndarray:
        xx = check_finite_array(x, "x", ndim=1)
        if xx.size != self.num_vars:
            raise ValueError(f"x: expected length {self.num_vars}, got {xx.size}")
        chi = np.prod(np.where(self._mask, xx[None, :], 1.0), axis=1)
        return np.tensordot(chi, self._stack, axes=(0, 0)) if chi.size else np.zeros(self.shape)

    def mean(self) -> np.ndarray:
        """:math:`\\mathbb EF=C_\\emptyset`."""
        return self.coefficients.get(frozenset(), np.zeros(self.shape)).copy()

    def expected_derivative(self, word: str) -> sp.csr_matrix:
        r"""The deterministic matrix :math:`\mathbb E\,\partial^\pi F` for a word ``pi`` in {R, C}.

        Rows are ``(I, i_j for j with pi_j = R)`` and columns ``(J, i_j for pi_j = C)``, flattened
        with the matrix index slowest and derivative indices in order (row index
        ``I*N**r + ...``).

        Examples
        --------
        >>> f = MatrixPolynomial({(0,): np.array([[1.0, 2.0]])}, 1)
        >>> f.expected_derivative("C").toarray().tolist()
        [[1.0, 2.0]]
        """
        if not isinstance(word, str) or any(ch not in "RC" for ch in word):
            raise ValueError(f"word: expected a string over 'R' and 'C', got {word!r}")
        t = len(word)
        nv = self.num_vars
        r = word.count("R")
        d1, d2 = self.shape
        rpos = [j for j, ch in enumerate(word) if ch == "R"]
        cpos = [j for j, ch in enumerate(word) if ch == "C"]
        nrows = d1 * nv ** r
        ncols = d2 * nv ** (t - r)
        rows, cols, vals = [], [], []
        for s, c in self.coefficients.items():
            if len(s) != t:
                continue
            ii, jj = np.nonzero(c)
            for perm in permutations(sorted(s)):
                roff = 0
                for j in rpos:
                    roff = roff * nv + perm[j]
                coff = 0
                for j in cpos:
                    coff = coff * nv + perm[j]
                rows.append(ii * nv ** r + roff)
                cols.append(jj * nv ** (t - r) + coff)
                vals.append(c[ii, jj])
        if not rows:
            return sp.csr_matrix((nrows, ncols))
        return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(nrows, ncols))


# --------------------------------------------------------------------------- recursive bound


@dataclass(frozen=True)
class RecursiveBound:
    r"""Recursive Efron–Stein bounds on :math:`|||F|||_{2q}\ge\mathbb E\|F\|` for a grid of ``q``.

    Attributes
    ----------
    q : numpy.ndarray
        Moment orders.
    flattened : numpy.ndarray
        Flattened form (4.1) for each ``q``.
    tree : numpy.ndarray
        Tree form for each ``q`` (never larger than ``flattened``).
    norms : dict
        ``{(t, r): SchattenNorms}`` of :math:`\mathbb E\,\partial^{R^rC^{t-r}}F`.
    """

    q: np.ndarray
    flattened: np.ndarray
    tree: np.ndarray
    norms: dict = field(repr=False)

    @property
    def q_star(self) -> int:
        """Minimiser of the tree form."""
        return int(self.q[int(np.argmin(self.tree))])

    @property
    def q_star_flattened(self) -> int:
        return int(self.q[int(np.argmin(self.flattened))])

    @property
    def tree_min(self) -> float:
        return float(np.min(self.tree))

    @property
    def flattened_min(self) -> float:
        return float(np.min(self.flattened))


def combine_levels(norm_values: Mapping[tuple[int, int], np.ndarray], degree: int,
                   qs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Flattened (4.1) and tree forms from :math:`\|\mathbb E F_{t,r}\|_{S_{2q}}` (arrays over q).

    ``norm_values[(t, r)]`` is the Schatten norm of the word :math:`R^rC^{t-r}`; missing keys
    count as zero. By the letter-permutation symmetry every word with ``r`` letters R has
    the same norm, so level ``t`` contributes :math:`\binom tr` copies.
    """
    qs = np.asarray(qs, dtype=float)
    zero = np.zeros(qs.size)
    flat = np.zeros(qs.size)
    for t in range(degree + 1):
        lvl = sum(math.comb(t, r) * norm_values.get((t, r), zero) for r in range(t + 1))
        flat = flat + (4.0 * qs - 2.0) ** (t / 2.0) * lvl
    c = np.sqrt(4.0 * qs - 2.0) * 2.0 ** (-1.0 / (2.0 * qs))
    # B(t, r) computed in log space: B = ||E F_{t,r}|| + c (B(t+1,r)^{2q} + B(t+1,r+1)^{2q})^{1/2q}
    below = [norm_values.get((degree, r), zero) for r in range(degree + 1)]
    for t in range(degree - 1, -1, -1):
        cur = []
        for r in range(t + 1):
            a, b = below[r], below[r + 1]
            with np.errstate(divide="ignore"):
                la = np.log(a) * 2 * qs
                lb = np.log(b) * 2 * qs
            comb = np.exp(np.logaddexp(la, lb) / (2 * qs))
            cur.append(norm_values.get((t, r), zero) + c * comb)
        below = cur
    return flat, below[0]


def recursive_bound(poly: MatrixPolynomial, q: object = None, *,
                    dense_limit: int = DENSE_BLOCK_LIMIT) -> RecursiveBound:
    r"""Recursive matrix Efron–Stein bound of a Rademacher matrix polynomial (flattened and tree).

    Parameters
    ----------
    poly : MatrixPolynomial
        :math:`F`, multilinear of degree ``d`` in ``N`` Rademacher inputs.
    q : int or sequence of int, optional
        Moment orders (default: :func:`default_q_grid` of the largest matrix dimension).
    dense_limit : int
        Passed to :func:`schatten_norms`.

    Returns
    -------
    RecursiveBound

    Notes
    -----
    Theorem 4.3 (spec; derived from Lemma 4.2 by
    :math:`|||G|||\le\|\mathbb EG\|_{S_{2q}}+|||G-\mathbb EG|||` and :math:`D(G-\mathbb EG)=DG`):
    with :math:`c_q=\sqrt{4q-2}\,2^{-1/2q}`,

    * tree form :math:`B(\pi)=\|\mathbb E\partial^\pi F\|_{S_{2q}}
      +c_q(B(\pi C)^{2q}+B(\pi R)^{2q})^{1/2q}`, with :math:`B(\pi)=\|\partial^\pi F\|_{S_{2q}}`
      at :math:`|\pi|=d`, and :math:`|||F|||_{2q}\le B(\emptyset)`;
    * flattened form (4.1)
      :math:`\sum_t(4q-2)^{t/2}\sum_{\pi\in\{R,C\}^t}\|\mathbb E\partial^\pi F\|_{S_{2q}}`,
      an upper bound on the tree form.

    Only the ``t + 1`` words :math:`R^rC^{t-r}` per level are built; the others are index
    permutations of these.

    Examples
    --------
    >>> f = MatrixPolynomial({(0,): np.array([[0.0, 1.0], [1.0, 0.0]])}, 1)
    >>> res = recursive_bound(f, q=[1])
    >>> round(float(res.flattened[0]), 6), round(float(res.tree[0]), 6)
    (4.0, 2.0)
    """
    if not isinstance(poly, MatrixPolynomial):
        raise TypeError(f"poly: expected a MatrixPolynomial, got {type(poly).__name__}")
    d = poly.degree
    nv = max(poly.num_vars, 1)
    est = sum(np.count_nonzero(c) for c in poly.coefficients.values()) * math.factorial(d) * 16.0
    check_memory(est * (d + 1), "the derivative matrices of the recursion",
                 hint="use fewer variables or a lower degree")
    if q is None:
        qs = default_q_grid(max(poly.shape) * nv ** d)
    else:
        qs = check_q(q)
    norms: dict[tuple[int, int], SchattenNorms] = {}
    for t in range(d + 1):
        for r in range(t + 1):
            mat = poly.expected_derivative("R" * r + "C" * (t - r))
            norms[(t, r)] = schatten_norms(mat, qs, dense_limit=dense_limit)
    flat, tree = combine_levels({k: v.values for k, v in norms.items()}, d, qs)
    return RecursiveBound(qs, flat, tree, norms)
