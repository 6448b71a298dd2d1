"""Correlative sparsity: cliques, values against the dense relaxation, certificates, bad input."""

import networkx as nx
import numpy as np
import pytest

from sosrmt.poly import Polynomial, variables
from sosrmt.sos import Hypercube, MomentRelaxation, Semialgebraic, correlative_cliques, solve


def _cut(G):
    n = G.number_of_nodes()
    W = np.zeros((n, n))
    for a, b in G.edges():
        W[a, b] = W[b, a] = 1.0
    return (Polynomial.constant(W.sum() / 2, n, "hypercube") - Polynomial.quadratic_form(W) / 2) / 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sparse_maxcut_bounds_the_optimum_and_is_checked(seed):
    G = nx.random_regular_graph(3, 14, seed=seed)
    cut = _cut(G)
    X = Hypercube(14).points()
    opt = float(cut.evaluate(X).max())
    dense = solve(cut, Hypercube(14), 4)
    sparse = solve(cut, Hypercube(14), 4, sparsity="correlative")
    assert sparse.ok and sparse.stats["cliques"] >= 2
    assert max(sparse.stats["blocks"]) < max(dense.stats["blocks"])
    # sparsity may weaken the bound, never below the optimum; both are rigorous
    assert sparse.bound >= opt - 1e-9 and dense.bound >= opt - 1e-9
    assert sparse.value >= dense.value - 1e-4
    assert sparse.pseudo_expectation.check(tol=1e-4).ok
    proof = sparse.certificate.verify_exact()
    assert proof.verified, proof.reason
    assert float(proof.bound) >= opt
    if sparse.tight:  # the spanning-tree rounding found an optimal cut
        assert float(cut.evaluate(sparse.point)) == pytest.approx(opt)


def test_cliques_of_a_path_and_user_cliques():
    x = variables(4, "hypercube")
    p = x[0] * x[1] + x[1] * x[2] + x[2] * x[3]
    assert correlative_cliques(p, Hypercube(4)) == [(0, 1), (1, 2), (2, 3)]
    rel = MomentRelaxation(p, Hypercube(4), 4, sparsity=[[0, 1, 2], [2, 3]])
    assert rel.cliques == [(0, 1, 2), (2, 3)]
    with pytest.raises(ValueError, match="does not cover"):
        MomentRelaxation(p, Hypercube(4), 4, sparsity=[[0, 1], [2, 3]])  # x1 x2 uncovered
    with pytest.raises(ValueError, match="indices"):
        MomentRelaxation(p, Hypercube(4), 4, sparsity=[[0, 1, 2, 7]])
    with pytest.raises(ValueError, match="sparsity"):
        MomentRelaxation(p, Hypercube(4), 4, sparsity="term")


def test_constraints_are_localized_in_a_clique():
    x = variables(3)
    dom = Semialgebraic(3, inequalities=[1 - x[0] ** 2 - x[1] ** 2, 1 - x[2] ** 2], bound=1.0)
    p = x[0] * x[1] + x[2]
    res = solve(p, dom, 2, sparsity="correlative")
    dense = solve(p, dom, 2)
    assert res.relaxation.cliques == [(0, 1), (2,)]
    assert res.value == pytest.approx(dense.value, abs=1e-5)  # 1/2 + 1
    assert res.value == pytest.approx(1.5, abs=1e-5)
    with pytest.raises(ValueError, match="sparse"):
        res.solutions()
    with pytest.raises(ValueError, match="clique"):
        res.pseudo_expectation.moment_matrix()
