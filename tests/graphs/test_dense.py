import numpy as np
import pytest

from sosrmt.graphs import NAMED_SHAPES, Shape, graph_matrix, named_shape, sample_input


@pytest.mark.parametrize("name", sorted(NAMED_SHAPES))
@pytest.mark.parametrize("model", ["rademacher", "gaussian"])
def test_dense_matches_brute_force(name, model, brute):
    shape = named_shape(name)
    n = {"n": 5, "m": 3} if shape.is_typed else 5
    x = sample_input(model, n, rng=11, shape=shape)
    np.testing.assert_allclose(graph_matrix(shape, x), brute(shape, x), atol=1e-12)


def test_explicit_forms():
    n = 7
    x = sample_input("rademacher", n, rng=2)
    G = x.G
    eye, J = np.eye(n), np.ones((n, n))
    M = lambda s: graph_matrix(named_shape(s), x)  # noqa: E731
    np.testing.assert_allclose(M("wigner"), G)
    np.testing.assert_allclose(M("path2"), G @ G - (n - 1) * eye)
    np.testing.assert_allclose(M("iso"), (n - 2) * G)
    np.testing.assert_allclose(M("degdiag"), np.diag(G.sum(1)))
    np.testing.assert_allclose(M("JminusI"), J - eye)
    np.testing.assert_allclose(M("nI"), (n - 1) * eye)
    Z = M("Z").reshape(n, n, n, n)
    a, b, c, d = 0, 3, 5, 1
    assert Z[a, b, c, d] == G[a, c] * G[c, b] * G[b, d]
    assert Z[a, a, c, d] == 0 and Z[a, b, c, c] == 0 and Z[a, b, a, d] == 0


def test_labels_and_multi_edges_gaussian(brute):
    s = Shape(3, (0,), (1,), [(0, 1), (0, 1), (1, 2)], labels=[2, 1, 3])
    x = sample_input("gaussian", 5, rng=4)
    np.testing.assert_allclose(graph_matrix(s, x), brute(s, x), atol=1e-12)


def test_pbiased_and_raw_array(brute):
    x = sample_input("pbiased", 6, p=0.3, rng=5)
    s = named_shape("Z")
    np.testing.assert_allclose(graph_matrix(s, x), brute(s, x), atol=1e-12)
    G = sample_input("gaussian", 6, rng=0).G
    np.testing.assert_allclose(graph_matrix(named_shape("path2"), G),
                               G @ G - np.diag((G * G).sum(1)), atol=1e-12)


def test_transpose_and_wishart():
    x = sample_input("gaussian", 6, rng=0)
    for name in ("cherry", "Z", "degdiag"):
        s = named_shape(name)
        np.testing.assert_allclose(graph_matrix(s.transpose(), x), graph_matrix(s, x).T)
    w = named_shape("wishart")
    xi = sample_input("rademacher", {"n": 5, "m": 8}, rng=1, shape=w)
    X = xi.tensor(("m", "n")).T
    np.testing.assert_allclose(graph_matrix(w, xi), X @ X.T - 8 * np.eye(5))


def test_set_convention():
    x = sample_input("rademacher", 7, rng=3)
    cherry = named_shape("cherry")
    Mt, Ms = graph_matrix(cherry, x), graph_matrix(cherry, x, index="set")
    assert Ms.shape == (7, 21)
    # the cherry is invariant under swapping V, so ||M_set|| = sqrt(2) ||M||
    np.testing.assert_allclose(np.linalg.norm(Ms, 2), np.sqrt(2) * np.linalg.norm(Mt, 2))
    z = named_shape("Z")
    Zs = graph_matrix(z, x, index="set")
    Zt = graph_matrix(z, x).reshape(7, 7, 7, 7)
    # entry {0,1},{2,3} is the sum over the 4 orderings
    expected = sum(Zt[i, j, k, m] for i, j in ((0, 1), (1, 0)) for k, m in ((2, 3), (3, 2)))
    rows = [tuple(r) for r in np.array(list(__import__("itertools").combinations(range(7), 2)))]
    assert Zs[rows.index((0, 1)), rows.index((2, 3))] == expected
    assert np.linalg.norm(Zs, 2) <= 2 * np.linalg.norm(graph_matrix(z, x), 2) + 1e-9


def test_bad_dense_inputs():
    x = sample_input("rademacher", 3, rng=0)
    with pytest.raises(ValueError, match="n >= 4"):
        graph_matrix(named_shape("Z"), x)
    with pytest.raises(ValueError, match="supports only label 1"):
        graph_matrix(Shape(2, (0,), (1,), [(0, 1)], labels=[2]), x)
    with pytest.raises(ValueError, match="index"):
        graph_matrix(named_shape("wigner"), x, index="rows")
    with pytest.raises(ValueError, match="graph_operator"):
        graph_matrix(named_shape("Z"), sample_input("rademacher", 400, rng=0),
                     memory_limit=2**20)
    with pytest.raises(ValueError, match="vertex type"):
        graph_matrix(named_shape("wishart"), x)
    with pytest.raises(TypeError, match="shape"):
        graph_matrix("Z", x)
