"""Shape form of pseudo-calibration: :math:`\\Lambda = \\sum_\\alpha\\lambda_\\alpha M_\\alpha`
(spec §1.7), built from graph matrices of :mod:`sosrmt.graphs`.

The pseudo-calibrated moments are expanded in the orthonormal basis of the input,

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
polynomial in :math:`n` (:math:`O(n^{|V(\\alpha)|})` per shape), and the result agrees entry
by entry with the signed-measure form (tested for :math:`n\\le6`).

Implemented problems:

* **dense subgraph**, vertex truncation T2 (:math:`|V(\\alpha)|\\le\\tau`): shapes are simple
  graphs on :math:`U` plus non-isolated middle vertices,
  :math:`\\lambda_\\alpha = f(|V(\\alpha)|)(2q)^{|E(\\alpha)|}` with
  :math:`f(s) = \\Pr[U\\subseteq S]` (:math:`\\rho^s` or :math:`[k]_s/[n]_s`), Rademacher input.
* **tensor PCA**, order :math:`k = 3`, Hermite-degree truncation T1. The ordered-tuple
  noise is rewritten exactly in independent standard Gaussians: :math:`Z_O =
  \\sum_{\\pi}A_{\\pi(O)}/\\sqrt6` on 3-sets and :math:`Z'_b` (the :math:`3n-2` entries with odd
  set :math:`\\{b\\}`, normalised), so that on :math:`\\{\\pm1/\\sqrt n\\}^n`,
  :math:`\\langle A,x^{\\otimes3}\\rangle = \\sum_O\\sqrt6 Z_Ox^O + \\sum_b c\\,Z'_bx_b` with
  :math:`c = \\sqrt{3n-2}/n` (and :math:`6\\binom n3/n^3 + c^2 = 1`). Shapes have 3-uniform
  hyperedges on square vertices and "singleton" edges, represented as edges to one extra
  vertex of type ``"o"`` (range 1); :math:`\\lambda_\\alpha = \\lambda^{|l|}6^{|l_3|/2}c^{|l_1|}
  n^{-(|I|+3|l_3|+|l_1|)/2}/\\prod_e\\sqrt{l(e)!}` with even degree at middle vertices and odd
  degree at :math:`U`.

Cost and reach: a degree-4 moment matrix needs moments of degree :math:`\\le4`. Dense
subgraph with :math:`\\tau = 4` reaches :math:`n = 40` and beyond; tensor PCA with
:math:`D\\le2` reaches :math:`n = 40` (shapes have at most 5 vertices), while :math:`D = 4`
needs shapes with up to 8 vertices and is practical only for small :math:`n`.

The paper's bookkeeping (PR "Machinery": PSD mass, middle shapes, intersection terms) is
not reproduced; the decomposition here is the plain Fourier expansion.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from sosrmt._validation import check_finite_array, check_int, check_memory
from sosrmt.calibration.signed_measure import CalibrationReport, relative_min_eigenvalue
from sosrmt.poly import exponents, monomial_basis

__all__ = [
    "ShapeForm",
    "dense_subgraph_shape_form",
    "dense_subgraph_shape_objective",
    "dense_subgraph_shape_residual",
    "dense_subgraph_shapes",
    "tensor_pca_shape_form",
    "tensor_pca_shape_objective",
    "tensor_pca_shapes",
]


# ---------------------------------------------------------------------- enumeration
def _canonical(edges: tuple, j: int, w: int) -> tuple[tuple, int]:
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

    def to_shape(self) -> Any:
        """The :class:`sosrmt.graphs.Shape` (with an extra vertex of type "o" if needed)."""
        from sosrmt.graphs import Shape

        k = self.j + self.w
        root = any(-1 in e for e, _ in self.edges)
        types = ["n"] * k + (["o"] if root else [])
        edges = [tuple(k if v == -1 else v for v in e) for e, _ in self.edges]
        labels = [lab for _, lab in self.edges]
        return Shape(k + int(root), U=tuple(range(self.j)), V=(), edges=tuple(edges),
                     labels=tuple(labels), types=tuple(types))


@cache
def dense_subgraph_shapes(j: int, tau: int) -> tuple[ShapeClass, ...]:
    """Shape classes of the dense-subgraph moment :math:`\\tilde{\\mathbb E}[x_I]`,
    :math:`|I| = j`, under the vertex truncation :math:`|V(\\alpha)|\\le\\tau`.

    Examples
    --------
    >>> len(dense_subgraph_shapes(2, 2))   # no edge, or the edge between the two U vertices
    2
    """
    j = check_int(j, "j", minimum=0)
    tau = check_int(tau, "tau", minimum=j)
    out: dict[tuple, ShapeClass] = {}
    for w in range(0, tau - j + 1):
        verts = range(j + w)
        pairs = list(itertools.combinations(verts, 2))
        for r in range(len(pairs) + 1):
            for E in itertools.combinations(pairs, r):
                touched = {v for e in E for v in e}
                if any(m not in touched for m in range(j, j + w)):
                    continue
                canon, aut = _canonical(tuple((e, 1) for e in E), j, w)
                out.setdefault((w, canon), ShapeClass(j, w, canon, aut))
    return tuple(out.values())


def _tensor_dfs(j: int, w: int, cands: list, start: int, budget: int, chosen: list,
                deg: list, out: dict) -> None:
    nv = j + w
    if all(deg[v] % 2 == 1 for v in range(j)) and all(
            deg[v] > 0 and deg[v] % 2 == 0 for v in range(j, nv)):
        canon, aut = _canonical(tuple(chosen), j, w)
        out.setdefault((w, canon), ShapeClass(j, w, canon, aut))
    for c in range(start, len(cands)):
        e = cands[c]
        for lab in range(1, budget + 1):
            for v in e:
                if v >= 0:
                    deg[v] += lab
            chosen.append((e, lab))
            _tensor_dfs(j, w, cands, c + 1, budget - lab, chosen, deg, out)
            chosen.pop()
            for v in e:
                if v >= 0:
                    deg[v] -= lab


@cache
def tensor_pca_shapes(j: int, trunc: int) -> tuple[ShapeClass, ...]:
    """Shape classes of the order-3 tensor-PCA moment :math:`\\tilde{\\mathbb E}[x^I]`,
    :math:`|I| = j`, with total Hermite degree :math:`\\le D` (``trunc``).

    Edges are 3-sets of square vertices or singletons ``(b, -1)`` (to the root vertex);
    every vertex of :math:`U` has odd degree, every middle vertex even positive degree.
    The enumeration is a depth-first search over labelled edge sets (cached; about 20 s
    for :math:`D = 4`, instantaneous for :math:`D \\le 3`).

    Examples
    --------
    >>> [len(tensor_pca_shapes(j, 1)) for j in range(4)]   # empty shape; He_1 of Z'_b, Z_O
    [1, 1, 0, 1]
    """
    j = check_int(j, "j", minimum=0)
    trunc = check_int(trunc, "trunc", minimum=0)
    wmax = max(0, (3 * trunc - j) // 2)
    out: dict[tuple, ShapeClass] = {}
    for w in range(0, wmax + 1):
        nv = j + w
        cands = [*itertools.combinations(range(nv), 3), *((b, -1) for b in range(nv))]
        _tensor_dfs(j, w, cands, 0, trunc, [], [0] * nv, out)
    return tuple(out.values())


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
    moments: list
    prior_moment: Any
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

    def moments_of_keys(self, keys: object) -> np.ndarray:
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
        """The diagnostics of spec §1.8 (``negative_mass`` is NaN in this form)."""
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


def _evaluate(classes_by_j: list, coef_fn, inputs: Any, n: int) -> tuple[list, int]:
    from sosrmt.graphs import graph_matrix

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


# ---------------------------------------------------------------------- dense subgraph
def dense_subgraph_shape_form(G: object, q: float, *, tau: int, rho: float | None = None,
                              k: int | None = None, degree: int = 4) -> ShapeForm:
    """Shape form of the vertex-truncated dense-subgraph pseudo-calibration (T2).

    Parameters
    ----------
    G : array_like, shape (n, n)
        Symmetric :math:`\\pm1` matrix.
    q : float
        Density bias in [0, 1/2].
    tau : int
        Vertex truncation, ``>= degree``.
    rho, k : float or int
        Bernoulli(``rho``) or exact-``k`` prior (give one).
    degree : int
        Moments of degree ``<= degree`` are computed (moment matrix of that degree).

    Examples
    --------
    >>> G = -np.ones((6, 6)) + 2 * np.eye(6) * 0   # all edges -1
    >>> np.fill_diagonal(G, 0.0)
    >>> sf = dense_subgraph_shape_form(G, 0.0, tau=4, rho=0.5)
    >>> round(sf.e1, 12), round(sf.moment((0, 1)), 12)
    (1.0, 0.25)
    """
    from sosrmt.graphs import GraphInput

    G = check_finite_array(G, "G", ndim=2)
    n = G.shape[0]
    if G.shape != (n, n) or not np.allclose(G, G.T):
        raise ValueError(f"G: expected a symmetric square matrix, got shape {G.shape}")
    q = float(q)
    if not 0 <= q <= 0.5:
        raise ValueError(f"q: expected a density bias in [0, 1/2], got {q}")
    degree = check_int(degree, "degree", minimum=2)
    tau = check_int(tau, "tau", minimum=0)
    if tau < degree:
        raise ValueError(f"tau: expected a vertex truncation >= degree = {degree}, got {tau}")
    if (rho is None) == (k is None):
        raise ValueError("rho, k: give exactly one of rho (Bernoulli prior) or k (exact size)")
    if rho is not None:
        if not 0 < rho < 1:
            raise ValueError(f"rho: expected a probability in (0, 1), got {rho}")
        f = lambda s: rho**s  # noqa: E731
    else:
        k = check_int(k, "k", minimum=1, maximum=n)
        f = lambda s: math.perm(k, s) / math.perm(n, s) if s <= k else 0.0  # noqa: E731
    check_memory(8.0 * n**tau * 4, f"graph matrices with {tau} vertices at n={n}")
    Gs = G.copy()
    np.fill_diagonal(Gs, 0.0)
    inputs = GraphInput(model="rademacher", sizes={"n": n}, tensors={("n", "n"): Gs})
    classes = [dense_subgraph_shapes(j, tau) for j in range(degree + 1)]

    def coef(cls: ShapeClass) -> float:
        return f(cls.j + cls.w) * (2 * q) ** len(cls.edges)

    moments, count = _evaluate(classes, coef, inputs, n)
    return ShapeForm(n=n, ring="boolean", square=1.0, moments=moments,
                     prior_moment=lambda su, si: f(su), nshapes=count,
                     description=f"dense subgraph n={n} q={q:g} tau={tau} (shape form)")


# ---------------------------------------------------------------------- tensor PCA
def symmetric_gaussians(A: object) -> tuple[np.ndarray, np.ndarray]:
    """The independent standard Gaussians :math:`(Z_O, Z'_b)` of an order-3 tensor.

    Returns ``Z3`` (symmetric, zero on repeated indices, :math:`Z_O` on 3-sets) and ``Z1``.
    """
    A = check_finite_array(A, "A")
    if A.ndim != 3 or len(set(A.shape)) != 1:
        raise ValueError(f"A: expected an order-3 cubical tensor, got shape {A.shape}")
    n = A.shape[0]
    S = sum(np.transpose(A, p) for p in itertools.permutations(range(3)))  # 6 * Sym(A)
    Z3 = S / math.sqrt(6)
    idx = np.arange(n)
    mask = np.ones((n, n, n), bool)
    mask[idx, idx, :] = mask[idx, :, idx] = mask[:, idx, idx] = False
    Z3 = np.where(mask, Z3, 0.0)
    # entries with odd set {b}: (a,a,b), (a,b,a), (b,a,a) for a != b, and (b,b,b)
    diag2 = np.einsum("aab->b", A) + np.einsum("aba->b", A) + np.einsum("baa->b", A)
    Z1 = (diag2 - 2 * np.einsum("bbb->b", A)) / math.sqrt(3 * n - 2)
    return Z3, Z1


def tensor_pca_shape_form(A: object, lam: float, trunc: int, *, degree: int = 4) -> ShapeForm:
    """Shape form of the order-3 tensor-PCA pseudo-calibration (T1, Boolean-sphere prior).

    Parameters
    ----------
    A : array_like, shape (n, n, n)
        Input tensor (ordered-tuple noise model).
    lam : float
        Signal strength :math:`\\lambda\\ge0`.
    trunc : int
        Hermite-degree truncation :math:`D \\ge 1`.
    degree : int
        Moments of degree ``<= degree``.

    Examples
    --------
    >>> sf = tensor_pca_shape_form(np.zeros((4, 4, 4)), 1.0, 2)
    >>> round(sf.e1, 12)          # 1 + lambda^2 He_2(0)/2
    0.5
    """
    from sosrmt.graphs import GraphInput

    Z3, Z1 = symmetric_gaussians(A)
    n = Z3.shape[0]
    lam = float(lam)
    if not lam >= 0:
        raise ValueError(f"lam: expected a non-negative signal strength, got {lam}")
    trunc = check_int(trunc, "trunc", minimum=1)
    degree = check_int(degree, "degree", minimum=2)
    if trunc > 4:
        raise ValueError(f"trunc: the shape enumeration is implemented for D <= 4 (the number "
                         f"of shapes grows super-exponentially), got {trunc}; use the "
                         "signed-measure form for larger D at small n")
    c = math.sqrt(3 * n - 2) / n
    inputs = GraphInput(model="gaussian", sizes={"n": n, "o": 1},
                        tensors={("n", "n", "n"): Z3, ("n", "o"): Z1[:, None]})
    # largest shape: |U| = j odd-degree vertices plus (3D - j)/2 middle vertices
    biggest = min(max(j + (3 * trunc - j) // 2 for j in range(degree + 1)), n)
    check_memory(8.0 * float(n) ** biggest, f"graph matrices with {biggest} vertices at n={n}",
                 hint="lower trunc (D <= 2 reaches n >= 40) or n")
    classes = [tensor_pca_shapes(j, trunc) for j in range(degree + 1)]

    def coef(cls: ShapeClass) -> float:
        l3 = sum(lab for e, lab in cls.edges if -1 not in e)
        l1 = sum(lab for e, lab in cls.edges if -1 in e)
        norm = math.prod(math.sqrt(math.factorial(lab)) for _, lab in cls.edges)
        return (lam ** (l3 + l1) * 6 ** (l3 / 2) * c**l1
                * n ** (-(cls.j + 3 * l3 + l1) / 2) / norm)

    moments, count = _evaluate(classes, coef, inputs, n)
    sf = ShapeForm(n=n, ring="hypercube", square=1.0 / n, moments=moments,
                   prior_moment=lambda su, si: float(n) ** (-su) if su == si else 0.0,
                   nshapes=count,
                   description=f"tensor PCA k=3 n={n} lambda={lam:g} D={trunc} (shape form)")
    sf.extra["Z3"], sf.extra["Z1"] = Z3, Z1
    return sf


def tensor_pca_shape_objective(sf: ShapeForm) -> float:
    """:math:`\\tilde{\\mathbb E}[\\langle A,x^{\\otimes3}\\rangle] = \\sum_O\\sqrt6Z_Oy_O +
    \\sum_b cZ'_by_b` (needs moments of degree 3)."""
    Z3, Z1 = sf.extra["Z3"], sf.extra["Z1"]
    n = sf.n
    c = math.sqrt(3 * n - 2) / n
    # sum over 3-sets = (1/6) sum over ordered distinct triples
    return float(math.sqrt(6) * np.sum(Z3 * sf.moments[3]) / 6 + c * Z1 @ sf.moments[1])


def dense_subgraph_shape_objective(sf: ShapeForm, G: object) -> float:
    """:math:`\\tilde{\\mathbb E}[\\sum_{i<j}G_{ij}x_ix_j] = \\tfrac12\\sum_{ij}G_{ij}y_{ij}`."""
    G = check_finite_array(G, "G", ndim=2)
    return float(0.5 * np.sum(G * sf.moments[2]))


def dense_subgraph_shape_residual(sf: ShapeForm, k: int, degree: int = 4) -> float:
    """Relative residual of :math:`\\sum_i x_i = k` (spec §1.8) from the shape-form moments.

    :math:`\\tilde{\\mathbb E}[(\\sum_i x_i - k)x_J] = \\sum_{i\\notin J}y_{J+i} + (|J|-k)y_J`,
    divided by :math:`|\\tilde{\\mathbb E}[1]|\\sqrt{\\Pr[J\\subseteq S]}`, maximised over
    :math:`|J|\\le\\mathrm{degree}-1`.
    """
    degree = check_int(degree, "degree", minimum=1)
    if degree >= len(sf.moments):
        raise ValueError(f"degree: expected <= {len(sf.moments) - 1}, got {degree}")
    n = sf.n
    worst = 0.0
    for t in range(degree):
        R = sf.moments[t + 1].sum(axis=-1) + (t - k) * sf.moments[t]
        if t >= 2:
            idx = np.indices((n,) * t).reshape(t, -1)
            distinct = np.array([len(set(c)) == t for c in idx.T]).reshape((n,) * t)
            R = np.where(distinct, R, 0.0)
        elif t == 0:
            R = np.asarray(R)
        den = math.sqrt(max(sf.prior_moment(t, t), 1e-300))
        worst = max(worst, float(np.max(np.abs(R))) / den)
    return worst / abs(sf.e1) if sf.e1 else float("inf")
