"""Shape form Lambda = sum_alpha lambda_alpha M_alpha agrees entry by entry with the
signed-measure form, and reaches n = 40."""

import numpy as np
import pytest

from sosrmt.problems.dense_subgraph import (
    dense_subgraph_measure,
    dense_subgraph_shape_form,
    dense_subgraph_shape_objective,
    dense_subgraph_shape_residual,
    dense_subgraph_shapes,
)
from sosrmt.problems.tensor_pca import (
    symmetric_gaussians,
    tensor_contract,
    tensor_pca_measure,
    tensor_pca_shape_form,
    tensor_pca_shape_objective,
    tensor_pca_shapes,
)


def _graph(n, seed):
    U = np.triu(np.random.default_rng(seed).choice([-1.0, 1.0], size=(n, n)), 1)
    return U + U.T


@pytest.mark.parametrize("n,trunc", [(5, 1), (5, 2), (6, 2), (6, 3)])
def test_tensor_shape_form_equals_signed_measure(n, trunc):
    rng = np.random.default_rng(n * 10 + trunc)
    A = rng.standard_normal((n, n, n))
    lam = 1.7
    sf = tensor_pca_shape_form(A, lam, trunc)
    mu = tensor_pca_measure(A, lam, trunc)
    np.testing.assert_allclose(sf.moment_matrix(4), mu.moment_matrix(4), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sf.prior_moment_matrix(4), mu.prior_moment_matrix(4), atol=1e-14)
    obj = mu.expect_values(tensor_contract(A, mu.prior.points))
    assert tensor_pca_shape_objective(sf) == pytest.approx(obj, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("prior", [{"rho": 0.35}, {"k": 3}])
@pytest.mark.parametrize("tau", [4, 5])
def test_dense_subgraph_shape_form_equals_signed_measure(prior, tau):
    n, q = 6, 0.3
    G = _graph(n, tau)
    sf = dense_subgraph_shape_form(G, q, tau=tau, **prior)
    mu = dense_subgraph_measure(G, q, tau=tau, **prior)
    np.testing.assert_allclose(sf.moment_matrix(4), mu.moment_matrix(4), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sf.prior_moment_matrix(4), mu.prior_moment_matrix(4), atol=1e-14)
    pts = mu.prior.points
    obj = mu.expect_values(np.einsum("ri,ij,rj->r", pts, np.triu(G, 1), pts))
    assert dense_subgraph_shape_objective(sf, G) == pytest.approx(obj, rel=1e-9, abs=1e-12)
    res = mu.residual(pts.sum(axis=1) - 3, 1, 4)
    assert dense_subgraph_shape_residual(sf, 3, 4) == pytest.approx(res, rel=1e-9, abs=1e-12)


def test_shape_enumeration_counts_and_automorphisms():
    # two middle vertices joined by an edge: one class, automorphism group of order 2
    classes = [c for c in dense_subgraph_shapes(0, 2) if c.w == 2]
    assert len(classes) == 1 and classes[0].aut == 2
    # with U = (0, 1) and no middle vertex: no edge or the edge {0, 1}
    assert sorted(len(c.edges) for c in dense_subgraph_shapes(2, 2)) == [0, 1]
    # order-3 tensor, D = 1: the empty shape, He_1(Z'_b) and He_1(Z_O)
    assert [len(tensor_pca_shapes(j, 1)) for j in range(5)] == [1, 1, 0, 1, 0]
    # D = 2, |I| = 0: empty, He_2(Z_O) on 3 middle vertices (aut 6), He_2(Z'_b) (aut 1)
    auts = sorted(c.aut for c in tensor_pca_shapes(0, 2))
    assert auts == [1, 1, 6]


def test_symmetric_gaussians_reproduce_the_objective():
    # <A, x^{(x)3}> = sum_O sqrt6 Z_O x^O + sum_b c Z'_b x_b on {+-1/sqrt n}^n
    n = 5
    A = np.random.default_rng(1).standard_normal((n, n, n))
    Z3, Z1 = symmetric_gaussians(A)
    x = np.random.default_rng(2).choice([-1.0, 1.0], size=n) / np.sqrt(n)
    c = np.sqrt(3 * n - 2) / n
    lhs = np.einsum("abc,a,b,c->", A, x, x, x)
    rhs = np.sqrt(6) * np.einsum("abc,a,b,c->", Z3, x, x, x) / 6 + c * Z1 @ x
    assert rhs == pytest.approx(lhs, rel=1e-12)


def test_zero_signal_gives_the_prior_at_n40():
    # lambda = 0 / q = 0: every shape with an edge has coefficient 0, Lambda = Lambda_0
    n = 40
    sf = tensor_pca_shape_form(np.random.default_rng(3).standard_normal((n, n, n)), 0.0, 2)
    assert sf.e1 == pytest.approx(1.0)
    np.testing.assert_allclose(sf.moment_matrix(4), sf.prior_moment_matrix(4), atol=1e-15)
    sf = dense_subgraph_shape_form(_graph(n, 4), 0.0, tau=4, rho=0.2)
    np.testing.assert_allclose(sf.moment_matrix(4), sf.prior_moment_matrix(4), atol=1e-15)


@pytest.mark.slow
def test_tensor_shape_form_reaches_n40():
    n = 40
    A = np.random.default_rng(5).standard_normal((n, n, n))
    sf = tensor_pca_shape_form(A, 0.25 * n**0.75, 2)
    lam = sf.moment_matrix(4)
    assert lam.shape == (1 + 40 + 780,) * 2
    assert np.allclose(lam, lam.T)
    rep = sf.report(4)
    assert np.isfinite(rep.mu_min) and rep.basis_size == 821


def test_bad_input():
    with pytest.raises(ValueError, match="tau"):
        dense_subgraph_shape_form(_graph(5, 0), 0.2, tau=3, rho=0.3)
    with pytest.raises(ValueError, match="exactly one"):
        dense_subgraph_shape_form(_graph(5, 0), 0.2, tau=4)
    with pytest.raises(ValueError, match="q"):
        dense_subgraph_shape_form(_graph(5, 0), 0.9, tau=4, rho=0.3)
    with pytest.raises(ValueError, match="order-3"):
        tensor_pca_shape_form(np.zeros((3, 3)), 1.0, 2)
    with pytest.raises(ValueError, match="trunc"):
        tensor_pca_shape_form(np.zeros((3, 3, 3)), 1.0, 0)
    with pytest.raises(ValueError, match="trunc"):
        tensor_pca_shape_form(np.zeros((3, 3, 3)), 1.0, 6)
    with pytest.raises(ValueError, match="memory"):
        tensor_pca_shape_form(np.zeros((40, 40, 40)), 1.0, 4)
    with pytest.raises(ValueError, match="degree"):
        tensor_pca_shape_form(np.zeros((4, 4, 4)), 1.0, 1, degree=2).moment_matrix(4)
