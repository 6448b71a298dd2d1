"""Multilinear matrix polynomials and their recursive Efron–Stein bound (flattened and tree).

Recursing the level-1 inequality of :mod:`sosrmt.graphs.efron_stein.matrix`, a Rademacher
matrix polynomial of degree ``d`` is bounded by deterministic matrices after ``d`` steps
(Rajendran–Tulsiani, arXiv:2209.02655, Section 3; see :doc:`/theory/efron_stein`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import permutations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from sosrmt._validation import check_finite_array, check_int, check_memory
from sosrmt.graphs.efron_stein.matrix import MatrixFunction, _eval
from sosrmt.graphs.efron_stein.schatten import (
    DENSE_BLOCK_LIMIT,
    QGrid,
    SchattenNorms,
    check_q,
    default_q_grid,
    schatten_norms,
)

__all__ = ["MatrixPolynomial", "RecursiveBound", "combine_levels", "recursive_bound"]


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
    :math:`\mathbb E\,\partial^\pi F` of the recursion.

    Examples
    --------
    >>> f = MatrixPolynomial({(): np.eye(2), (0, 1): np.ones((2, 2))}, 2)
    >>> f(np.array([1.0, -1.0])).tolist()
    [[0.0, -1.0], [-1.0, 0.0]]
    >>> f.degree
    2
    """

    def __init__(self, coefficients: Mapping[Iterable[int], ArrayLike], num_vars: int):
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

    def __call__(self, x: ArrayLike) -> np.ndarray:
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
        Flattened form for each ``q``.
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
    r"""Flattened and tree forms from :math:`\|\mathbb E F_{t,r}\|_{S_{2q}}` (arrays over q).

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


def recursive_bound(poly: MatrixPolynomial, q: QGrid | None = None, *,
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
    The recursive bound (derived from the one-level inequality by
    :math:`|||G|||\le\|\mathbb EG\|_{S_{2q}}+|||G-\mathbb EG|||` and :math:`D(G-\mathbb EG)=DG`):
    with :math:`c_q=\sqrt{4q-2}\,2^{-1/2q}`,

    * tree form :math:`B(\pi)=\|\mathbb E\partial^\pi F\|_{S_{2q}}
      +c_q(B(\pi C)^{2q}+B(\pi R)^{2q})^{1/2q}`, with :math:`B(\pi)=\|\partial^\pi F\|_{S_{2q}}`
      at :math:`|\pi|=d`, and :math:`|||F|||_{2q}\le B(\emptyset)`;
    * flattened form
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
