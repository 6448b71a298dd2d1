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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from sosrmt.poly import Polynomial, exponents, pack_exponents

if TYPE_CHECKING:
    from sosrmt.sos.domains import Domain

__all__ = ["check_cliques", "clique_basis", "correlative_cliques", "support_variables"]


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
    out = []
    for c in cliques:
        c = tuple(sorted({int(i) for i in c}))
        if not c or c[0] < 0 or c[-1] >= n:
            raise ValueError(f"cliques: expected non-empty sets of indices in [0, {n}), got {c}")
        out.append(c)
    sets = [frozenset(c) for c in out]
    for s in _constraint_sets(objective, domain):
        if not any(s <= c for c in sets):
            raise ValueError(
                f"cliques: variables {sorted(s)} appear together in the objective or a "
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
        raise ValueError(f"cliques: no clique contains the constraint's variables {sorted(whole)}")
    return min(best, key=len)
