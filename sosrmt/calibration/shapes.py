"""Shape form of pseudo-calibration: :math:`\\Lambda = \\sum_\\alpha\\lambda_\\alpha M_\\alpha`,
built from graph matrices of :mod:`sosrmt.graphs`.

The pseudo-calibrated moments are expanded in the orthonormal basis of the input
(Hopkins, Kothari, Potechin, Raghavendra, Schramm, Steurer, arXiv 1710.05017;
Potechin–Rajendran, arXiv 2011.04253),

.. math:: \\tilde{\\mathbb E}[x^I] = \\sum_{\\alpha}
          \\frac{\\lambda_\\alpha}{|\\mathrm{Aut}_U(\\alpha)|}M_\\alpha[I],

where :math:`\\alpha` runs over isomorphism classes of shapes whose distinguished tuple
:math:`U` carries the indices of :math:`I` (middle vertices are permuted by
:math:`\\mathrm{Aut}_U`), and
:math:`M_\\alpha[I] = \\sum_\\sigma\\prod_e\\chi_{l(e)}(Y_{\\sigma(e)})`
is the graph matrix (ordered tuples, injective :math:`\\sigma`) evaluated by
:func:`sosrmt.graphs.graph_matrix`. The moment matrix is then assembled from the moment
vectors: :math:`\\Lambda[S,T] = c^{|S\\cap T|}\\,y_{S\\triangle T}` (hypercube) or
:math:`y_{S\\cup T}` (Boolean). Nothing is enumerated over the prior, so the cost is
polynomial in :math:`n` (:math:`O(n^{|V(\\alpha)|})` per shape).

This module is generic: :class:`ShapeClass` (one isomorphism class),
:func:`canonical_form` (its canonical labelling), :func:`evaluate_shapes` (the sum above)
and :class:`ShapeForm` (the moments, the moment matrix, the diagnostics). Each problem's
shape enumeration and coefficients :math:`\\lambda_\\alpha` live beside the problem
(``shape_form`` in :mod:`sosrmt.problems.tensor_pca`, :mod:`sosrmt.problems.dense_subgraph`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sosrmt._validation import check_int, check_memory
from sosrmt.calibration.signed_measure import CalibrationReport, relative_min_eigenvalue
from sosrmt.graphs import GraphInput, Shape, graph_matrix
from sosrmt.poly import exponents, monomial_basis

__all__ = [
    "BipartiteShapeClass",
    "ShapeClass",
    "ShapeForm",
    "bipartite_shapes",
    "canonical_form",
    "evaluate_shapes",
]


# ---------------------------------------------------------------------- enumeration
def canonical_form(edges: tuple, j: int, w: int) -> tuple[tuple, int]:
    """Canonical form of a labelled (hyper)edge multiset under permutations of the middle
    vertices ``j..j+w-1``, and the number of such permutations fixing it."""
    best, aut = None, 0
    middle = list(range(j, j + w))
    for perm in itertools.permutations(middle):
        rel = dict(zip(middle, perm, strict=True))
        img = tuple(sorted((tuple(sorted(rel.get(v, v) for v in e)), lab) for e, lab in edges))
        if best is None or img < best:
            best, aut = img, 1
        elif img == best:
            aut += 1
    return best, aut


@dataclass(frozen=True)
class ShapeClass:
    """One isomorphism class: ``edges`` as ((vertices), label) pairs on vertices
    ``0..j-1`` (the tuple U) and ``j..j+w-1`` (middle); ``root`` means edges to the extra
    vertex ``"o"`` (encoded as the vertex ``-1``); ``aut`` is :math:`|\\mathrm{Aut}_U|`."""

    j: int
    w: int
    edges: tuple
    aut: int

    def to_shape(self) -> Shape:
        """The :class:`sosrmt.graphs.Shape` (with an extra vertex of type "o" if needed)."""
        k = self.j + self.w
        root = any(-1 in e for e, _ in self.edges)
        types = ["n"] * k + (["o"] if root else [])
        edges = [tuple(k if v == -1 else v for v in e) for e, _ in self.edges]
        labels = [lab for _, lab in self.edges]
        return Shape(k + int(root), U=tuple(range(self.j)), V=(), edges=tuple(edges),
                     labels=tuple(labels), types=tuple(types))


# ---------------------------------------------------------------------- result object
@dataclass
class ShapeForm:
    """Moments of a pseudo-calibration computed in the shape form.

    Attributes
    ----------
    n : int
        Number of variables.
    ring : str
        ``"hypercube"`` (with ``square``) or ``"boolean"``.
    moments : list of ndarray
        ``moments[j]`` is the ordered-tuple tensor (``(n,)*j``) of
        :math:`\\tilde{\\mathbb E}[x^I]`, symmetric, zero on repeated indices.
    prior_moment : callable
        ``prior_moment(sizes_union, sizes_intersection)`` giving :math:`\\Lambda_0` entries.
    nshapes : int
        Number of shape classes evaluated.
    """

    n: int
    ring: str
    square: float
    moments: list[np.ndarray]
    prior_moment: Callable[[int, int], float]
    nshapes: int
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def e1(self) -> float:
        """:math:`\\tilde{\\mathbb E}[1]`."""
        return float(self.moments[0])

    def moment(self, index: tuple[int, ...]) -> float:
        """:math:`\\tilde{\\mathbb E}[x^I]` for a set of distinct indices."""
        idx = tuple(sorted(index))
        return float(self.moments[len(idx)][idx]) if idx else self.e1

    def basis(self, half_degree: int) -> np.ndarray:
        """Multilinear monomial keys of degree ``<= half_degree`` (as in :mod:`sosrmt.poly`)."""
        return monomial_basis(self.n, check_int(half_degree, "half_degree", minimum=0), self.ring)

    def _sets(self, keys: np.ndarray) -> list[np.ndarray]:
        exps = exponents(keys, self.n, self.ring)
        return [np.flatnonzero(row) for row in exps]

    def moments_of_keys(self, keys: npt.ArrayLike) -> np.ndarray:
        """:math:`\\tilde{\\mathbb E}[x^S]` for multilinear monomial keys (bitmasks), vectorised."""
        keys = np.asarray(keys)
        exps = exponents(keys, self.n, self.ring)
        deg = exps.sum(axis=1)
        out = np.zeros(keys.shape[0])
        for j in np.unique(deg):
            sel = deg == j
            if j == 0:
                out[sel] = self.e1
                continue
            if j >= len(self.moments):
                raise ValueError(f"keys: need moments of degree {j}, the shape form holds "
                                 f"degree <= {len(self.moments) - 1}")
            idx = np.nonzero(exps[sel])[1].reshape(-1, int(j))   # sorted indices per row
            out[sel] = self.moments[int(j)][tuple(idx.T)]
        return out

    def moment_matrix(self, degree: int = 4) -> np.ndarray:
        """:math:`\\Lambda` over the multilinear basis of degree ``<= degree // 2``."""
        degree = check_int(degree, "degree", minimum=0)
        if degree >= len(self.moments):
            raise ValueError(f"degree: the shape form holds moments up to degree "
                             f"{len(self.moments) - 1}, got {degree}")
        keys = self.basis(degree // 2)
        r = keys.shape[0]
        check_memory(24.0 * r * r, "the moment matrix")
        if keys.dtype == object:
            raise ValueError(f"n: the shape-form moment matrix supports n <= 62, got {self.n}")
        if self.ring == "hypercube":
            prod = np.bitwise_xor(keys[:, None], keys[None, :])
            factor = self.square ** np.bitwise_count(np.bitwise_and(keys[:, None],
                                                                    keys[None, :]))
        else:
            prod = np.bitwise_or(keys[:, None], keys[None, :])
            factor = 1.0
        uniq, inv = np.unique(prod, return_inverse=True)
        return self.moments_of_keys(uniq)[inv].reshape(r, r) * factor

    def prior_moment_matrix(self, degree: int = 4) -> np.ndarray:
        """:math:`\\Lambda_0 = \\mathbb E_\\pi[\\varphi\\varphi^\\top]` (analytic)."""
        keys = self.basis(check_int(degree, "degree", minimum=0) // 2)
        if keys.dtype == object:
            raise ValueError(f"n: the shape-form moment matrix supports n <= 62, got {self.n}")
        su = np.bitwise_count(np.bitwise_or(keys[:, None], keys[None, :])).astype(int)
        si = np.bitwise_count(np.bitwise_and(keys[:, None], keys[None, :])).astype(int)
        table = {(a, b): self.prior_moment(a, b)
                 for a, b in set(zip(su.ravel().tolist(), si.ravel().tolist(), strict=True))}
        lut = np.zeros((su.max() + 1, si.max() + 1))
        for (a, b), v in table.items():
            lut[a, b] = v
        return lut[su, si]

    def report(self, degree: int = 4, *, residuals: dict | None = None,
               objective: float | None = None, target: float | None = None) -> CalibrationReport:
        """The standard diagnostics (``negative_mass`` is NaN in this form)."""
        lam = self.moment_matrix(degree)
        lam0 = self.prior_moment_matrix(degree)
        e1 = self.e1
        mu = relative_min_eigenvalue(lam, lam0, scale=e1) if e1 != 0 else float("nan")
        obj = ratio = None
        if objective is not None and e1 != 0:
            obj = objective / e1
            ratio = obj / target if target else None
        return CalibrationReport(e1=e1, mu_min=mu, residuals=dict(residuals or {}),
                                 objective=obj, objective_ratio=ratio, degree=int(degree),
                                 basis_size=int(lam.shape[0]), extra=dict(self.extra))


def evaluate_shapes(classes_by_j: Sequence[Sequence[ShapeClass]],
                    coef_fn: Callable[[ShapeClass], float], inputs: GraphInput,
                    n: int) -> tuple[list[np.ndarray], int]:
    """Moment tensors
    :math:`y_j = \\sum_\\alpha\\lambda_\\alpha M_\\alpha/|\\mathrm{Aut}_U(\\alpha)|` for each list
    ``classes_by_j[j]`` of shape classes with :math:`|U| = j`, and the number of graph
    matrices evaluated (coefficient 0 and shapes too big for ``n`` are skipped).
    """

    moments: list = []
    count = 0
    for j, classes in enumerate(classes_by_j):
        acc = np.zeros((n,) * j) if j else np.zeros(())
        for cls in classes:
            coef = coef_fn(cls)
            if coef == 0:
                continue
            if cls.j + cls.w > n:
                continue                             # no injective placement: M = 0
            if cls.j + cls.w == 0 and not cls.edges:
                M = np.ones(())                      # the empty shape: M = 1
            else:
                M = graph_matrix(cls.to_shape(), inputs)
            acc = acc + (coef / cls.aut) * M.reshape((n,) * j if j else ())
            count += 1
        moments.append(acc)
    return moments, count




# ---------------------------------------------------------------------- bipartite shapes
@dataclass(frozen=True)
class BipartiteShapeClass:
    """One isomorphism class of bipartite shapes between *circle* vertices (one per sample
    or constraint) and *square* vertices (coordinates).

    Squares ``0..j-1`` form :math:`U` (``j = len(parities)``; square ``p`` has degree of
    parity ``parities[p]``), squares ``j..j+ws-1`` are middle squares (even positive
    degree), circles are numbered ``0..wc-1``; ``edges`` holds ``(circle, square, label)``
    triples, ``aut`` the number of permutations of middle squares and of circles fixing
    them.
    """

    parities: tuple[int, ...]
    ws: int
    wc: int
    edges: tuple[tuple[int, int, int], ...]
    aut: int

    @property
    def j(self) -> int:
        """Number of :math:`U` squares."""
        return len(self.parities)

    @property
    def w(self) -> int:
        """Number of middle squares (as :attr:`ShapeClass.w`)."""
        return self.ws

    def circle_degrees(self) -> list[int]:
        """Degree of each circle."""
        deg = [0] * self.wc
        for c, _, lab in self.edges:
            deg[c] += lab
        return deg

    def to_shape(self, square_type: str = "n", circle_type: str = "m") -> Shape:
        """The typed :class:`sosrmt.graphs.Shape` (edges oriented circle -> square)."""
        ns = self.j + self.ws
        types = (square_type,) * ns + (circle_type,) * self.wc
        edges = tuple((ns + c, s) for c, s, _ in self.edges)
        labels = tuple(lab for _, _, lab in self.edges)
        return Shape(ns + self.wc, U=tuple(range(self.j)), V=(), edges=edges, labels=labels,
                     types=types)


def _bipartite_canonical(edges: tuple[tuple[int, int, int], ...], j: int, ws: int,
                         wc: int) -> tuple[tuple, int]:
    best, aut = None, 0
    middle = list(range(j, j + ws))
    for ps in itertools.permutations(middle):
        smap = dict(zip(middle, ps, strict=True))
        for pc in itertools.permutations(range(wc)):
            img = tuple(sorted((pc[c], smap.get(s, s), lab) for c, s, lab in edges))
            if best is None or img < best:
                best, aut = img, 1
            elif img == best:
                aut += 1
    return best, aut


def _weak_compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    if parts == 0:
        return [()] if total == 0 else []
    return [(first, *rest) for first in range(total + 1)
            for rest in _weak_compositions(total - first, parts - 1)]


@functools.cache
def bipartite_shapes(parities: tuple[int, ...], trunc: int,
                     circle_degrees: tuple[int, ...]) -> tuple[BipartiteShapeClass, ...]:
    """All bipartite shape classes with :math:`U` parities ``parities``, total label
    :math:`\\le` ``trunc`` and every circle degree in ``circle_degrees``.

    Examples
    --------
    >>> len(bipartite_shapes((), 4, (4,)))     # empty shape; one circle of degree 4
    3
    """
    trunc = check_int(trunc, "trunc", minimum=0)
    parities = tuple(int(p) % 2 for p in parities)
    allowed = sorted({int(c) for c in circle_degrees if c > 0}, reverse=True)
    j = len(parities)
    out: dict[tuple, BipartiteShapeClass] = {}
    if not any(parities):
        out[(0, 0, ())] = BipartiteShapeClass(parities, 0, 0, (), 1)
    low = min(allowed, default=trunc + 1)
    for wc in range(1, trunc // low + 1 if allowed else 1):
        for ds in itertools.combinations_with_replacement(allowed, wc):
            total = sum(ds)
            if total > trunc:
                continue
            odd_u = sum(parities)
            for ws in range(0, (total - odd_u) // 2 + 1):
                ns = j + ws
                rows = [_weak_compositions(dc, ns) for dc in ds]
                for combo in itertools.product(*rows):
                    col = [sum(r[s] for r in combo) for s in range(ns)]
                    if any(col[s] % 2 != parities[s] for s in range(j)):
                        continue
                    if any(col[s] == 0 or col[s] % 2 for s in range(j, ns)):
                        continue
                    edges = tuple((c, s, lab) for c, r in enumerate(combo)
                                  for s, lab in enumerate(r) if lab)
                    canon, aut = _bipartite_canonical(edges, j, ws, wc)
                    out.setdefault((ws, wc, canon),
                                   BipartiteShapeClass(parities, ws, wc, canon, aut))
    return tuple(out.values())
