"""Symmetry reduction by a permutation group: same value, smaller blocks, checked certificates."""

import networkx as nx
import pytest

from sosrmt.poly import Polynomial, variables
from sosrmt.sos import Hypercube, Semialgebraic, solve
from sosrmt.sos.backends import BACKENDS
from sosrmt.sos.symmetry import group_closure


def _cut(G):
    n = G.number_of_nodes()
    W = nx.to_numpy_array(G, nodelist=range(n))
    return (Polynomial.constant(W.sum() / 2, n, "hypercube") - Polynomial.quadratic_form(W) / 2) / 2


def _generators(G):
    # every automorphism (the closure of generators is tested below)
    matcher = nx.algorithms.isomorphism.GraphMatcher(G, G)
    autos = [tuple(m[i] for i in range(G.number_of_nodes())) for m in matcher.isomorphisms_iter()]
    return autos, len(autos)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("graph", ["cycle9", "petersen"])
def test_group_reduction_gives_the_dense_value_with_smaller_blocks(graph, backend):
    G = nx.cycle_graph(9) if graph == "cycle9" else nx.petersen_graph()
    autos, order = _generators(G)
    cut = _cut(G)
    n = G.number_of_nodes()
    dense = solve(cut, Hypercube(n), 4, backend=backend, early_stop=False)
    red = solve(cut, Hypercube(n), 4, backend=backend, group=autos)
    assert red.stats["group_order"] == order  # 18 for C9, 120 for Petersen
    assert max(red.stats["reduced_blocks"]) < max(dense.stats["blocks"])
    assert red.value == pytest.approx(dense.value, abs=1e-5 * dense.value)
    # the answer is the dense relaxation's: same moment keys, an ordinary certificate
    assert red.pseudo_expectation.check(tol=1e-4).ok
    opt = float(cut.evaluate(Hypercube(n).points()).max())
    assert red.bound >= opt - 1e-9
    proof = red.certificate.verify_exact()
    assert proof.verified and float(proof.bound) >= opt


def test_group_closure_and_bad_groups():
    assert len(group_closure([[1, 2, 0]], 3)) == 3
    with pytest.raises(ValueError, match="permutations"):
        group_closure([[0, 0, 1]], 3)
    x = variables(3, "hypercube")
    p = x[0] * x[1] + x[1] * x[2]  # a path: swapping 0 and 2 is a symmetry, rotating is not
    assert solve(p, Hypercube(3), 2, group=[[2, 1, 0]]).ok
    with pytest.raises(ValueError, match="does not preserve the objective"):
        solve(p, Hypercube(3), 2, group=[[1, 2, 0]])
    y = variables(2)
    with pytest.raises(ValueError, match="without constraints"):
        solve(
            y[0] + y[1],
            Semialgebraic(2, inequalities=[1 - y[0] ** 2 - y[1] ** 2]),
            2,
            group=[[1, 0]],
        )
    with pytest.raises(ValueError, match="combined"):
        solve(p, Hypercube(3), 2, group=[[2, 1, 0]], sparsity="correlative")


def test_a_group_that_does_not_preserve_the_problem_is_refused_before_assembly(monkeypatch):
    import importlib

    solve_module = importlib.import_module("sosrmt.sos.solve")

    x = variables(4, "hypercube")
    path = x[0] * x[1] + x[1] * x[2] + x[2] * x[3]

    def no_assembly(*args, **kwargs):
        raise AssertionError("the relaxation was assembled before the group was checked")

    monkeypatch.setattr(solve_module, "MomentRelaxation", no_assembly)
    # the rotation of a 4-cycle is not a symmetry of the path
    with pytest.raises(ValueError, match=r"group: the permutation \[1, 2, 3, 0\] does not"):
        solve(path, Hypercube(4), 4, group=[[1, 2, 3, 0]])
    with pytest.raises(TypeError, match="group: expected a list of permutations"):
        solve(path, Hypercube(4), 4, group=[3, 2, 1, 0])  # one permutation, not a list
    with pytest.raises(ValueError, match=r"group: expected permutations of range\(4\)"):
        solve(path, Hypercube(4), 4, group=[[3, 2, 1]])
    y = variables(3)
    mixed = Semialgebraic(3, boolean=[0])
    with pytest.raises(ValueError, match="does not preserve boolean"):
        solve(y[0] * y[1] + y[1] * y[2] + y[0] * y[2], mixed, 2, group=[[1, 0, 2]])
