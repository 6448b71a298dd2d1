import itertools

import numpy as np
import pytest

from sosrmt.graphs import (
    NAMED_SHAPES,
    Shape,
    enumerate_shapes,
    graph_matrix,
    graph_operator,
    mobius_partitions,
    named_shape,
    sample_input,
)


def _dense_of(op):
    eye = np.eye(op.shape[1])
    fwd = np.column_stack([op.matvec(eye[:, j]) for j in range(op.shape[1])])
    eye = np.eye(op.shape[0])
    bwd = np.column_stack([op.rmatvec(eye[:, i]) for i in range(op.shape[0])]).T
    return fwd, bwd


@pytest.mark.parametrize("name", sorted(NAMED_SHAPES))
@pytest.mark.parametrize("model", ["rademacher", "gaussian", "pbiased"])
def test_operator_matches_dense_named(name, model):
    shape = named_shape(name)
    n = {"n": 6, "m": 5} if shape.is_typed else 7
    kw = {"p": 0.3} if model == "pbiased" else {}
    x = sample_input(model, n, rng=5, shape=shape, **kw)
    M = graph_matrix(shape, x)
    fwd, bwd = _dense_of(graph_operator(shape, x))
    np.testing.assert_allclose(fwd, M, atol=1e-12, rtol=0)
    np.testing.assert_allclose(bwd, M, atol=1e-12, rtol=0)


def test_operator_matches_dense_on_enumerated_shapes():
    rng = np.random.default_rng(0)
    shapes = []
    for k, a, b, ov in [(4, 1, 1, 0), (4, 2, 1, 1), (4, 2, 2, 1), (5, 2, 2, 0), (5, 1, 1, 1),
                        (4, 1, 2, 0), (3, 2, 2, 2)]:
        pool = list(enumerate_shapes(k, a, b, overlap=ov))
        shapes += [pool[i] for i in rng.choice(len(pool), size=min(6, len(pool)),
                                                replace=False)]
    assert len(shapes) >= 35
    x = sample_input("gaussian", 6, rng=1)
    for shape in shapes:
        M = graph_matrix(shape, x)
        fwd, bwd = _dense_of(graph_operator(shape, x))
        np.testing.assert_allclose(fwd, M, atol=1e-12, rtol=0, err_msg=repr(shape))
        np.testing.assert_allclose(bwd, M, atol=1e-12, rtol=0, err_msg=repr(shape))


def test_labels_multiedges_typed_operator():
    s = Shape(4, (0,), (1, 3), [(0, 1), (0, 1), (1, 2), (2, 3)], labels=[2, 1, 3, 1],
              types=("n", "n", "m", "n"))
    x = sample_input("gaussian", {"n": 5, "m": 4}, rng=2, shape=s)
    fwd, bwd = _dense_of(graph_operator(s, x))
    M = graph_matrix(s, x)
    np.testing.assert_allclose(fwd, M, atol=1e-12)
    np.testing.assert_allclose(bwd, M, atol=1e-12)


def test_mobius_term_counts_from_spec():
    # after pruning (counted by hand): Z has 2 terms, path2 2, iso 3, K22 1
    counts = {s: len(list(mobius_partitions(named_shape(s)))) for s in ("Z", "path2", "iso",
                                                                        "K22")}
    assert counts == {"Z": 2, "path2": 2, "iso": 3, "K22": 1}
    # unpruned: the Möbius weights over all partitions of k points sum to 0 for k >= 2
    s = Shape(4, (), (), [])
    assert sum(mu for _, mu in mobius_partitions(s)) == 0
    assert len(list(mobius_partitions(s))) == 15  # Bell number B_4


def test_operator_counters_and_flops():
    x = sample_input("rademacher", 10, rng=0)
    op = graph_operator(named_shape("Z"), x)
    op.matvec(np.ones(100))
    op.rmatvec(np.ones(100))
    assert (op.n_matvec, op.n_rmatvec) == (1, 1)
    assert op.flops_matvec > 0
    assert np.allclose(op.H @ np.ones(100), op.rmatvec(np.ones(100)))
    with pytest.raises(ValueError, match="optimize"):
        graph_operator(named_shape("Z"), x, optimize="best")


def test_operator_bad_input():
    x = sample_input("rademacher", 3, rng=0)
    with pytest.raises(ValueError, match="n >= 4"):
        graph_operator(named_shape("K22"), x)
    with pytest.raises(ValueError, match="supports only label 1"):
        graph_operator(Shape(2, (0,), (1,), [(0, 1)], labels=[3]), x)
    with pytest.raises(ValueError, match="memory"):
        graph_operator(named_shape("Z"), sample_input("rademacher", 50, rng=0),
                       memory_limit=1000)


def test_set_partitions_are_all_visited_once():
    s = Shape(5, (), (), [])
    seen = {tuple(sorted(b)) for b, _ in mobius_partitions(s)}
    assert len(seen) == 52  # Bell number B_5
    assert all(sorted(itertools.chain(*b)) == list(range(5)) for b in seen)


@pytest.mark.parametrize("shape", [Shape(2, (), (0,), [(0, 1)]),
                                   Shape(3, (), (), [(0, 1), (1, 2)]),
                                   Shape(2, (0,), (), [])])
def test_empty_boundary_tuples(shape):
    x = sample_input("gaussian", 6, rng=0)
    M = graph_matrix(shape, x)
    fwd, bwd = _dense_of(graph_operator(shape, x))
    np.testing.assert_allclose(fwd, M, atol=1e-12)
    np.testing.assert_allclose(bwd, M, atol=1e-12)


def test_operator_matches_dense_on_labelled_gaussian_shapes():
    rng = np.random.default_rng(4)
    pool = list(enumerate_shapes(4, 1, 2, max_label=3, max_edges=4))
    x = sample_input("gaussian", 6, rng=2)
    for i in rng.choice(len(pool), size=8, replace=False):
        shape = pool[i]
        M = graph_matrix(shape, x)
        fwd, bwd = _dense_of(graph_operator(shape, x))
        np.testing.assert_allclose(fwd, M, atol=1e-12, rtol=0, err_msg=repr(shape))
        np.testing.assert_allclose(bwd, M, atol=1e-12, rtol=0, err_msg=repr(shape))
