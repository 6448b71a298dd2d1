"""Correlative sparsity: one moment matrix per clique of a chordal extension.

Waki, Kim, Kojima and Muramatsu, "Sums of squares and semidefinite program relaxations
for polynomial optimization problems with structured sparsity" (SIAM J. Optim. 17, 2006),
and Lasserre (SIAM J. Optim. 17, 2006) for the convergence of the sparse hierarchy: the
*correlative sparsity graph* joins two variables that appear together in a monomial of the
objective or in one constraint; a chordal extension of it (networkx's
``complete_to_chordal_graph``, a minimum-degree elimination) has maximal cliques
:math:`C_1,\\dots,C_m`, and the dense moment matrix is replaced by one moment matrix per
clique, over the monomials in that clique's variables. Each constraint is localized in one
clique that contains its variables. The sparse relaxation is weaker than (or equal to) the
dense one at the same degree; its certificate is an SoS certificate like any other (each
block's entries are monomial products), so the rigorous bound and the exact checks apply.

Term sparsity (Wang, Magron and Lasserre, "TSSOS: a moment-SOS hierarchy that exploits term
sparsity", arXiv:1912.08899, and "CS-TSSOS", arXiv:2005.02828): on the monomial basis of a
block, the *term sparsity graph* joins :math:`a\\ne b` when the product :math:`a\\cdot b`
(times a term of the block's multiplier, for a localizing block) lies in the current
support, which starts as the support of the objective and the constraints plus the squares
of the basis monomials. Its connected components (``"block"`` closure) or the maximal
cliques of a chordal extension (``"chordal"``) replace the block by smaller PSD blocks; the
support is then extended by every product inside the new blocks and the construction is
repeated, ``ts_steps`` times in all (:func:`term_sparse_blocks`). Besides, the part of
degree :math:`\\le 1` of every original block is kept as a block of its own (a choice of
this package, not TSSOS's): without it the first-order moments of a max-cut problem split
along the graph's edges and the degree-4 term-sparse bound can be weaker than the degree-2
(Goemans-Williamson) one on the same cliques. Every new block is a
principal submatrix of the old one, so the relaxation is weaker than (or equal to) the
dense one, and the certificate is again an SoS with block-diagonal Gram matrices.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from sosrmt.poly import Polynomial, exponents, key_degrees, pack_exponents

if TYPE_CHECKING:
    from sosrmt.sos.domains import Domain

__all__ = [
    "TS_CLOSURES",
    "check_cliques",
    "clique_basis",
    "correlative_cliques",
    "support_variables",
    "term_sparse_blocks",
]

TS_CLOSURES = ("block", "chordal")


def support_variables(p: Polynomial) -> list[frozenset[int]]:
    """The variable set of each monomial of ``p``."""
    exps = exponents(p.keys, p.nvars, p.ring)
    return [frozenset(np.flatnonzero(row).tolist()) for row in exps]


def _constraint_sets(objective: Polynomial, domain: Domain) -> list[frozenset[int]]:
    sets = [s for s in support_variables(objective) if s]
    for g in (*domain.equalities, *domain.inequalities):
        whole = frozenset().union(*support_variables(g))
        if whole:
            sets.append(whole)
    return sets


def correlative_cliques(objective: Polynomial, domain: Domain) -> list[tuple[int, ...]]:
    """Maximal cliques of a chordal extension of the correlative sparsity graph.

    Examples
    --------
    >>> from sosrmt.poly import variables
    >>> from sosrmt.sos import Hypercube
    >>> x = variables(5, "hypercube")
    >>> path = x[0] * x[1] + x[1] * x[2] + x[2] * x[3] + x[3] * x[4]
    >>> correlative_cliques(path, Hypercube(5))
    [(0, 1), (1, 2), (2, 3), (3, 4)]
    """
    n = domain.nvars
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for s in _constraint_sets(objective, domain):
        items = sorted(s)
        G.add_edges_from((a, b) for i, a in enumerate(items) for b in items[i + 1 :])
    H, _ = nx.complete_to_chordal_graph(G)
    cliques = [tuple(sorted(c)) for c in nx.chordal_graph_cliques(H)]
    return sorted(cliques)


def check_cliques(
    cliques: Sequence[Sequence[int]], objective: Polynomial, domain: Domain
) -> list[tuple[int, ...]]:
    """Validate user cliques: indices in range, and every monomial of the objective and every
    constraint inside one clique; raises a ValueError naming what is not covered."""
    n = domain.nvars
    if isinstance(cliques, str | bytes) or not isinstance(cliques, Iterable):
        raise TypeError(
            f"sparsity: expected a list of cliques (lists of variable indices), got {cliques!r}"
        )
    cliques = list(cliques)
    if not cliques:
        raise ValueError("sparsity: expected at least one clique, got an empty list")
    out = []
    for c in cliques:
        if isinstance(c, str | bytes) or not isinstance(c, Iterable):
            raise TypeError(
                f"sparsity: expected each clique to be a list of variable indices, got {c!r}"
            )
        c = list(c)
        if any(isinstance(i, bool) or not isinstance(i, int | np.integer) for i in c):
            raise TypeError(f"sparsity: expected integer variable indices, got the clique {c!r}")
        c = tuple(sorted({int(i) for i in c}))
        if not c or c[0] < 0 or c[-1] >= n:
            raise ValueError(
                f"sparsity: expected cliques of indices in [0, {n}), got {c}"
            )
        out.append(c)
    sets = [frozenset(c) for c in out]
    for s in _constraint_sets(objective, domain):
        if not any(s <= c for c in sets):
            raise ValueError(
                f"sparsity: variables {sorted(s)} appear together in the objective or a "
                "constraint but in no single clique (the decomposition does not cover the "
                "support)"
            )
    return sorted(set(out))


def clique_basis(
    domain: Domain, clique: Sequence[int], degree: int, parity: int | None = None
) -> np.ndarray:
    """Keys of the domain's (reduced) monomials of degree <= ``degree`` in ``clique``'s
    variables, graded order."""
    from sosrmt.poly import monomial_basis

    clique = list(clique)
    small = monomial_basis(len(clique), degree, domain.ring)
    exps = exponents(small, len(clique), domain.ring)
    full = np.zeros((exps.shape[0], domain.nvars), dtype=np.int64)
    full[:, clique] = exps
    keys = pack_exponents(full, domain.ring)
    if domain.mixed:
        keys = keys[domain.reduce_keys(keys) == keys]
    if parity is not None:
        keys = keys[domain.parity(keys) == parity]
    return keys


def home_clique(p: Polynomial, cliques: Sequence[tuple[int, ...]]) -> tuple[int, ...]:
    """The smallest clique containing every variable of ``p``."""
    whole = frozenset().union(*support_variables(p))
    best = [c for c in cliques if whole <= frozenset(c)]
    if not best:
        raise ValueError(
            f"sparsity: no clique contains the constraint's variables {sorted(whole)}"
        )
    return min(best, key=len)


# ---------------------------------------------------------------------- term sparsity
TermBlock = tuple[str, np.ndarray, Polynomial | None]


def _products(domain: Domain, a: np.ndarray, b: np.ndarray, g: Polynomial | None) -> np.ndarray:
    """Keys of a·b (times every term of g): shape (len(a), terms)."""
    k, _ = domain.multiply(a, b)
    k = np.asarray(k).reshape(-1, 1)
    if g is None:
        return k
    kg, _ = domain.multiply(k, np.asarray(g.keys)[None, :])
    return np.asarray(kg)


def _term_graph(
    domain: Domain, basis: np.ndarray, g: Polynomial | None, support: set
) -> nx.Graph:
    """The term sparsity graph of one block (nodes: positions in ``basis``)."""
    N = basis.size
    T = nx.Graph()
    T.add_nodes_from(range(N))
    shifts: set[int] = set()
    if domain.ring == "hypercube" and not domain.mixed:
        shifts = {int(s) for s in support}
        if g is not None:
            shifts = {s ^ int(t) for s in shifts for t in g.keys.tolist()}
        shifts.discard(0)
    if shifts and 2 * len(shifts) < N:
        # hypercube keys multiply by XOR, which is invertible: b = a XOR s XOR gamma for
        # every support key s, an O(N |support|) scan instead of the O(N^2) pair products
        pos = {int(k): i for i, k in enumerate(basis.tolist())}
        for i, a in enumerate(basis.tolist()):
            for s in shifts:
                j = pos.get(int(a) ^ s)
                if j is not None and j > i:
                    T.add_edge(i, j)
        return T
    ii, jj = np.triu_indices(N, k=1)
    if ii.size:
        prods = _products(domain, basis[ii], basis[jj], g)
        hit = np.array([any(int(k) in support for k in row) for row in prods.tolist()], bool)
        T.add_edges_from(zip(ii[hit].tolist(), jj[hit].tolist(), strict=True))
    return T


def _constant_square(domain: Domain, key: np.ndarray) -> bool:
    """True when the square of the monomial ``key`` is a positive constant (hypercube)."""
    k, f = domain.multiply(key, key)
    return bool(int(np.asarray(k).ravel()[0]) == 0 and (f is None or float(np.ravel(f)[0]) > 0))


def term_sparse_blocks(
    domain: Domain,
    blocks: Sequence[TermBlock],
    support: np.ndarray,
    *,
    steps: int = 1,
    closure: str = "block",
) -> list[TermBlock]:
    """Split each ``(name, basis, multiplier)`` block by term sparsity.

    Parameters
    ----------
    domain : Domain
    blocks : sequence of (str, ndarray, Polynomial or None)
        The blocks of the dense (or correlatively sparse) relaxation.
    support : ndarray
        Keys of the objective's and the constraints' monomials.
    steps : int
        Number of support extensions (at least 1).
    closure : {"block", "chordal"}
        Connected components, or maximal cliques of a chordal extension
        (networkx's ``complete_to_chordal_graph``), of each term sparsity graph.

    Returns
    -------
    list of (str, ndarray, Polynomial or None)
        The new blocks, each basis in the order of its parent's; the degree-<=1 part of
        each parent is one more block unless a new block already contains it.

    Examples
    --------
    Two disjoint edges at degree 4: the even block (keys: bit i is :math:`x_i`) splits
    into :math:`\\{1, x_0x_1, x_2x_3\\}` and the four cross products.

    >>> from sosrmt.sos import Hypercube
    >>> dom = Hypercube(4)
    >>> x = dom.variables()
    >>> p = x[0] * x[1] + x[2] * x[3]
    >>> even = ("moment", dom.basis(2, parity=0), None)
    >>> [sorted(b.tolist()) for _, b, _ in term_sparse_blocks(dom, [even], p.keys, steps=2)]
    [[0, 3, 12], [5, 6, 9, 10]]
    """
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"ts_steps: expected an integer >= 1, got {steps!r}")
    if closure not in TS_CLOSURES:
        raise ValueError(f"ts_closure: expected one of {TS_CLOSURES}, got {closure!r}")
    supp = {int(k) for k in np.asarray(support).tolist()} | {0}
    for _, basis, _ in blocks:
        sq, _ = domain.multiply(basis, basis)
        supp |= {int(k) for k in np.asarray(sq).tolist()}
    out: list[TermBlock] = list(blocks)
    for _ in range(int(steps)):
        out = []
        for name, basis, g in blocks:
            T = _term_graph(domain, basis, g, supp)
            if closure == "block":
                parts = list(nx.connected_components(T))
            else:
                H, _ = nx.complete_to_chordal_graph(T)
                parts = list(nx.chordal_graph_cliques(H))
            parts = sorted(sorted(c) for c in parts)
            low = np.flatnonzero(key_degrees(basis, domain.ring) <= 1).tolist()
            if low and not any(set(low) <= set(c) for c in parts):
                parts.append(low)
            for i, part in enumerate(parts):
                if len(part) == 1 and g is None and _constant_square(domain, basis[part]):
                    continue  # [m^2] = [c^deg m] >= 0 holds for every moment vector
                out.append((f"{name}[ts{i}]", basis[part], g))
        grown = set(supp)
        for _, basis, g in out:
            ii, jj = np.triu_indices(basis.size)
            grown |= {int(k) for k in _products(domain, basis[ii], basis[jj], g).ravel().tolist()}
        if grown == supp:
            break
        supp = grown
    return out
