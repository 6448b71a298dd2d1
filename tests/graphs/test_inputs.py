import numpy as np
import pytest

from sosrmt.graphs import GraphInput, as_graph_input, character, named_shape, sample_input


@pytest.mark.parametrize("model, kw", [("rademacher", {}), ("gaussian", {}),
                                       ("pbiased", {"p": 0.3})])
def test_symmetric_zero_diagonal_and_reproducible(model, kw):
    a = sample_input(model, 7, rng=3, **kw)
    b = sample_input(model, 7, rng=np.random.default_rng(3), **kw)
    assert isinstance(a, GraphInput) and a.n == 7
    np.testing.assert_array_equal(a.G, b.G)
    np.testing.assert_array_equal(a.G, a.G.T)
    assert np.all(np.diag(a.G) == 0)
    chi = a.character(1, ("n", "n"))
    assert np.all(np.diag(chi) == 0)


def test_character_values_and_orthonormality():
    x = np.array([-1.0, 0.5, 2.0])
    np.testing.assert_allclose(character("gaussian", 3, x), (x**3 - 3 * x) / np.sqrt(6))
    p = 0.2
    vals = character("pbiased", 1, np.array([1.0, 0.0]), p=p)
    np.testing.assert_allclose(vals, [np.sqrt((1 - p) / p), -np.sqrt(p / (1 - p))])
    # exact orthonormality of pbiased chi_1: E chi = 0, E chi^2 = 1
    assert abs(p * vals[0] + (1 - p) * vals[1]) < 1e-15
    assert abs(p * vals[0] ** 2 + (1 - p) * vals[1] ** 2 - 1) < 1e-14
    # Hermite orthonormality by Gauss-Hermite quadrature (exact for these degrees)
    nodes, weights = np.polynomial.hermite_e.hermegauss(20)
    weights = weights / weights.sum()
    H = np.array([character("gaussian", k, nodes) for k in range(1, 6)])
    np.testing.assert_allclose((H * weights) @ H.T, np.eye(5), atol=1e-12)


def test_moments_monte_carlo():
    x = sample_input("pbiased", 200, p=0.1, rng=0)
    off = x.G[np.triu_indices(200, 1)]
    # 19900 Bernoulli(0.1) variables: sd of the mean is 0.0021; 5 sd tolerance
    assert abs(off.mean() - 0.1) < 5 * np.sqrt(0.09 / off.size)
    g = sample_input("gaussian", 200, rng=0).G[np.triu_indices(200, 1)]
    assert abs(g.mean()) < 5 / np.sqrt(g.size) and abs(g.var() - 1) < 5 * np.sqrt(2 / g.size)


def test_typed_and_hyperedge_inputs():
    x = sample_input("rademacher", {"n": 4, "m": 6}, rng=0, shape=named_shape("wishart"))
    assert list(x.tensors) == [("m", "n")] and x.n == {"n": 4, "m": 6}
    h = sample_input("gaussian", 6, rng=0, shape=named_shape("tensor_hsss"))
    T = h.tensor(("n", "n", "n"))
    np.testing.assert_array_equal(T, T.transpose(1, 0, 2))
    np.testing.assert_array_equal(T, T.transpose(2, 1, 0))
    assert T[1, 1, 2] == 0 and T[0, 1, 2] != 0
    with pytest.raises(ValueError, match="no untyped pair"):
        h.G  # noqa: B018
    with pytest.raises(ValueError, match="no variables of signature"):
        h.tensor(("n", "n"))


def test_raw_array_inputs():
    G = sample_input("rademacher", 5, rng=0).G
    x = as_graph_input(G)
    assert x.model == "custom"
    np.testing.assert_array_equal(x.G, G)
    with pytest.raises(ValueError, match="symmetric"):
        as_graph_input(np.arange(9.0).reshape(3, 3))
    with pytest.raises(ValueError, match="square"):
        as_graph_input(np.ones((2, 3)))
    with pytest.raises(TypeError):
        as_graph_input("G")


@pytest.mark.parametrize("args, kw, match", [
    (("poisson", 5), {}, "model"),
    (("rademacher", 0), {}, "n:"),
    (("rademacher", 5.0), {}, "n:"),
    (("pbiased", 5), {}, "p:"),
    (("pbiased", 5), {"p": 1.0}, "p:"),
    (("gaussian", 5), {"p": 0.5}, "only the pbiased"),
    (("gaussian", {"n": 0}), {}, "n:"),
    (("gaussian", {"n": 3}), {"shape": named_shape("wishart")}, "types"),
])
def test_bad_sample_input(args, kw, match):
    with pytest.raises(ValueError, match=match):
        sample_input(*args, **kw)


def test_bad_labels():
    x = sample_input("rademacher", 5, rng=0)
    with pytest.raises(ValueError, match="supports only label 1"):
        x.character(2, ("n", "n"))
    with pytest.raises(ValueError, match="label"):
        character("gaussian", 0, np.ones(2))
    with pytest.raises(TypeError):
        sample_input("gaussian", 3, rng=0, shape="Z")
