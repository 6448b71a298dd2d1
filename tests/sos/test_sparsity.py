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
        MomentRelaxation(p, Hypercube(4), 4, sparsity="termx")


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


# ---------------------------------------------------------------------- term sparsity
def _brute(cut, n):
    return float(cut.evaluate(Hypercube(n).points()).max())


@pytest.mark.parametrize(
    ("graph", "sparsity", "steps", "expected"),
    [
        # term sparsity alone on a cycle keeps one even component: the dense value, the optimum
        (nx.cycle_graph(7), "term", 1, 6.0),
        # the bipartite ladder: every edge cut; each edge monomial shares a block with 1
        (nx.ladder_graph(6), "correlative+term", 1, 16.0),
        (nx.ladder_graph(6), "term", 2, 16.0),
    ],
)
def test_term_sparse_maxcut_named_values(graph, sparsity, steps, expected):
    G = nx.convert_node_labels_to_integers(graph)
    n = G.number_of_nodes()
    cut = _cut(G)
    opt = _brute(cut, n)
    res = solve(cut, Hypercube(n), 4, sparsity=sparsity, ts_steps=steps)
    assert res.ok and res.stats["ts_steps"] == steps
    assert res.value == pytest.approx(expected, abs=1e-4)
    assert res.bound >= opt - 1e-9
    assert res.pseudo_expectation.check(tol=1e-4).ok
    proof = res.certificate.verify_exact()
    assert proof.verified, proof.reason
    assert float(proof.bound) >= opt


@pytest.mark.parametrize("seed", [0, 1])
def test_term_sparse_blocks_are_smaller_and_bound_the_optimum(seed):
    G = nx.random_regular_graph(3, 14, seed=seed)
    cut = _cut(G)
    opt = _brute(cut, 14)
    cs = solve(cut, Hypercube(14), 4, sparsity="correlative")
    values = []
    for steps in (1, 2):
        ts = solve(cut, Hypercube(14), 4, sparsity="correlative+term", ts_steps=steps)
        assert ts.ok and max(ts.stats["blocks"]) <= max(cs.stats["blocks"])
        # a principal-submatrix relaxation: weaker than (or equal to) the clique one
        assert ts.value >= cs.value - 1e-4 and ts.bound >= opt - 1e-9
        assert ts.pseudo_expectation.check(tol=1e-4).ok
        proof = ts.certificate.verify_exact()
        assert proof.verified, proof.reason
        assert float(proof.bound) >= opt
        values.append(ts.value)
    assert max(solve(cut, Hypercube(14), 4, sparsity="correlative+term").stats["blocks"]) < max(
        cs.stats["blocks"]
    )
    assert values[1] <= values[0] + 1e-4  # more support extension, a tighter bound


def test_term_sparsity_with_chordal_closure_and_constraints():
    G = nx.convert_node_labels_to_integers(nx.ladder_graph(4))
    cut = _cut(G)
    res = solve(cut, Hypercube(8), 4, sparsity="term", ts_closure="chordal")
    assert res.ok and res.bound >= _brute(cut, 8) - 1e-9
    assert res.certificate.verify_exact().verified
    # a semialgebraic domain goes through the generic (pairwise-product) term graph
    x = variables(3)
    dom = Semialgebraic(3, inequalities=[1 - x[0] ** 2 - x[1] ** 2, 1 - x[2] ** 2], bound=1.0)
    sparse = solve(x[0] * x[1] + x[2], dom, 2, sparsity="correlative+term")
    assert sparse.value == pytest.approx(1.5, abs=1e-5)  # 1/2 + 1, as dense


def test_term_sparsity_bad_input():
    x = variables(4, "hypercube")
    p = x[0] * x[1] + x[2] * x[3]
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="ts_steps"):
            MomentRelaxation(p, Hypercube(4), 4, sparsity="term", ts_steps=bad)
    with pytest.raises(ValueError, match="ts_closure"):
        MomentRelaxation(p, Hypercube(4), 4, sparsity="term", ts_closure="components")
    with pytest.raises(ValueError, match="sparsity"):
        MomentRelaxation(p, Hypercube(4), 4, sparsity="terms")
    with pytest.raises(ValueError, match="moment_basis"):
        MomentRelaxation(p, Hypercube(4), 4, sparsity="term", moment_basis=[x[0]])
