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


def test_bad_clique_decompositions_name_the_argument():
    x = variables(4, "hypercube")
    p = x[0] * x[1] + x[1] * x[2] + x[2] * x[3]
    # x2 x3 in the objective, but 2 and 3 in no common clique
    with pytest.raises(ValueError, match=r"sparsity: variables \[2, 3\].*does not cover"):
        solve(p, Hypercube(4), 4, sparsity=[[0, 1, 2], [3]])
    # a constraint's variables must share a clique too
    y = variables(3)
    dom = Semialgebraic(3, inequalities=[1 - y[0] ** 2 - y[2] ** 2], bound=1.0)
    with pytest.raises(ValueError, match=r"sparsity: variables \[0, 2\].*constraint"):
        MomentRelaxation(y[0] + y[1] + y[2], dom, 2, sparsity=[[0, 1], [1, 2]])
    with pytest.raises(ValueError, match="sparsity: expected at least one clique"):
        MomentRelaxation(p, Hypercube(4), 4, sparsity=[])
    with pytest.raises(TypeError, match="sparsity: expected each clique"):
        MomentRelaxation(p, Hypercube(4), 4, sparsity=[0, 1, 2, 3])
    with pytest.raises(TypeError, match="sparsity: expected integer"):
        MomentRelaxation(p, Hypercube(4), 4, sparsity=[[0, 1.5]])
    with pytest.raises(ValueError, match=r"sparsity: expected cliques of indices in \[0, 4\)"):
        MomentRelaxation(p, Hypercube(4), 4, sparsity=[[0, 1, 2, 3, -1]])


def test_second_order_cones_and_bound_tol_keep_the_bound_and_its_proofs():
    n = 16
    W = nx.to_numpy_array(nx.random_regular_graph(3, n, seed=1), nodelist=range(n))
    cut = (Polynomial.constant(W.sum() / 2, n, "hypercube") - Polynomial.quadratic_form(W) / 2) / 2
    kw = {"sparsity": "correlative+term", "eps": 1e-7, "early_stop": False}
    psd = solve(cut, Hypercube(n), 4, soc_2x2=False, **kw)
    soc = solve(cut, Hypercube(n), 4, **kw)
    assert 2 in psd.stats["blocks"]  # there are 2 x 2 blocks to hand over as cones
    assert psd.ok and soc.ok
    assert soc.bound == pytest.approx(psd.bound, abs=1e-4)
    assert soc.certificate.min_eigenvalue() > -1e-6  # the dual mapped back is PSD
    assert soc.certificate.verify_exact(method="direct").verified
    # SCS alone would run on towards eps = 1e-10; the rigorous bound stops it much earlier
    tol = solve(cut, Hypercube(n), 4, **(kw | {"eps": 1e-10, "chunk": 100, "bound_tol": 1e-4}))
    assert tol.status == "optimal_inaccurate" and tol.stats["stopped_by"] == "bound_tol"
    assert tol.stats["iterations"] <= soc.stats["iterations"]
    # the rigorous bound of the early stop is within the tolerance of the relaxation's value
    assert soc.value - 1e-5 <= tol.bound <= soc.value + 2e-4 * abs(soc.value)
    proof = tol.certificate.verify_exact(method="direct")
    # an exact SoS certificate of this relaxation: never below its value
    assert proof.verified and float(proof.bound) >= soc.value - 1e-5
    with pytest.raises(ValueError, match="bound_tol"):
        solve(cut, Hypercube(n), 2, bound_tol=0.0)


def test_scalar_blocks_form_a_nonnegative_cone():
    y = variables(2)
    dom = Semialgebraic(2, inequalities=[1 - y[0] ** 2, 1 - y[1] ** 2], bound=1.0)
    rel = MomentRelaxation(y[0] * y[1] + y[0], dom, 2)
    assert rel.cone["l"] == 2  # the two localizing blocks at degree 2 are scalars
    assert sum(rel.cone["s"]) + rel.cone["l"] == sum(b.size for b in rel.blocks)
    bounds = []
    for backend in ("scs", "cvxpy"):
        res = solve(y[0] * y[1] + y[0], dom, 2, backend=backend)
        assert res.ok and res.bound >= 2.0 - 1e-6  # the maximum, at (1, 1)
        bounds.append(res.bound)
    assert bounds[0] == pytest.approx(bounds[1], abs=1e-4)
