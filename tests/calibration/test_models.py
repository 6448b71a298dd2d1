"""Closed forms equal brute-force pseudo-calibration, prior constraints hold
exactly, Möbius weights, bad input."""

import itertools
import math

import numpy as np
import pytest

from sosrmt.calibration import (
    boolean_sphere,
    sparse_ternary,
    subset_mobius_weights,
    subset_prior,
)
from sosrmt.calibration.fourier import gaussian_brute_force, rademacher_brute_force
from sosrmt.problems.dense_subgraph import dense_subgraph_measure
from sosrmt.problems.planted_affine_planes import pap_measure
from sosrmt.problems.sparse_pca import sparse_pca_measure
from sosrmt.problems.tensor_pca import tensor_pca_measure


def _moments(mu, monos):
    pts = mu.prior.points
    return np.array([mu.expect_values(np.prod(pts ** np.asarray(m), axis=1)) for m in monos])


def test_tensor_closed_form_equals_brute_force():
    # brute-force oracle: tensor n=2, k=2, D=4
    rng = np.random.default_rng(3)
    n, k, lam, D = 2, 2, 0.8, 4
    A = rng.standard_normal((n,) * k)
    prior = boolean_sphere(n)
    idx = list(itertools.product(range(n), repeat=k))

    def law(b, z):
        return np.array([lam * np.prod(z[list(idx[b])])]), np.zeros((1, 1))

    monos = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])
    blocks = [A.reshape(-1)[i:i + 1] for i in range(n**k)]
    brute = gaussian_brute_force(blocks, prior.points, prior.probs, law, lambda z: z, monos, D)
    closed = _moments(tensor_pca_measure(A, lam, D), monos)
    np.testing.assert_allclose(closed, brute, rtol=1e-9, atol=1e-12)


def test_pap_closed_form_equals_brute_force():
    # brute-force oracle: PAP n = m = 2, D = 8; latent (v, b), d_u | v, b ~ N(b_u v, I - v v^T)
    rng = np.random.default_rng(4)
    n = m = 2
    D = 8
    d = rng.standard_normal((m, n))
    lat = np.array([[*(np.array(s) / np.sqrt(n)), *b]
                    for s in itertools.product([-1, 1], repeat=n)
                    for b in itertools.product([-1, 1], repeat=m)], dtype=float)
    probs = np.full(len(lat), 1.0 / len(lat))

    def law(u, z):
        v = z[:n]
        return z[n + u] * v, -np.outer(v, v)

    monos = np.array([[0, 0], [1, 0], [1, 1]])
    brute = gaussian_brute_force([d[0], d[1]], lat, probs, law, lambda z: z[:n], monos, D)
    closed = _moments(pap_measure(d, D), monos)
    np.testing.assert_allclose(closed, brute, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("exact", [False, True])
def test_sparse_pca_closed_form_equals_brute_force(exact):
    # brute-force oracle: sparse PCA, one sample, D = 4; v | u ~ N(0, I + Delta u u^T)
    rng = np.random.default_rng(5)
    d, k, delta, D = 3, 2, 0.9, 4
    V = rng.standard_normal((1, d))
    prior = sparse_ternary(d, k, exact=exact)

    def law(b, z):
        return np.zeros(d), delta * np.outer(z, z)

    monos = np.array([[0, 0, 0], [2, 0, 0], [1, 1, 0], [1, 0, 0], [2, 2, 0], [1, 1, 2]])
    brute = gaussian_brute_force([V[0]], prior.points, prior.probs, law, lambda z: z, monos, D)
    closed = _moments(sparse_pca_measure(V, delta, k, D, exact=exact), monos)
    np.testing.assert_allclose(closed, brute, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("prior_kw", [{"rho": 0.4}, {"k": 2}])
def test_dense_subgraph_closed_forms_equal_brute_force(prior_kw):
    # brute-force oracle: PSDS n = 5, tau = 3 (vertex truncation) and D = 2 (degree truncation)
    rng = np.random.default_rng(6)
    n, q = 5, 0.3
    U = np.triu(rng.choice([-1.0, 1.0], size=(n, n)), 1)
    G = U + U.T
    prior = subset_prior(n, **prior_kw)
    monos = [(), (0,), (1, 2), (0, 3, 4)]
    for kw in ({"tau": 3}, {"trunc": 2}):
        brute = rademacher_brute_force(G, prior.points, prior.probs, q, monos, **kw)
        mu = dense_subgraph_measure(G, q, **prior_kw, **kw)
        closed = [mu.expect_values(np.prod(mu.prior.points[:, list(I)], axis=1)) for I in monos]
        np.testing.assert_allclose(closed, brute, rtol=1e-9, atol=1e-12)


def test_mobius_weights_closed_form():
    # Bernoulli prior: w_t = rho^t beta_{tau-t}(n-t), beta_r(N) = sum_j C(N,j)(-rho)^j
    n, tau, rho = 9, 4, 0.3
    w = subset_mobius_weights(n, tau, lambda s: rho**s)
    beta = [sum(math.comb(n - t, j) * (-rho) ** j for j in range(tau - t + 1))
            for t in range(tau + 1)]
    np.testing.assert_allclose(w, [rho**t * beta[t] for t in range(tau + 1)], rtol=1e-12)


def test_prior_constraints_hold_exactly():
    # x_i^2 = 1/n, x_i^3 = x_i/k, x_i^2 = x_i in every signed-measure E~
    rng = np.random.default_rng(7)
    A = rng.standard_normal((4, 4, 4))
    mu = tensor_pca_measure(A, 3.0, 6)
    pts = mu.prior.points
    for i in range(4):
        assert mu.residual(pts[:, i] ** 2 - 0.25, 2, 6) < 1e-12
    V = rng.standard_normal((3, 4))
    mu = sparse_pca_measure(V, 2.0, 2, 6)
    pts = mu.prior.points
    for i in range(4):
        assert mu.residual(pts[:, i] ** 3 - pts[:, i] / 2, 3, 6) < 1e-12
    U = np.triu(rng.choice([-1.0, 1.0], size=(6, 6)), 1)
    for kw in ({"tau": 4}, {"trunc": 3}):
        mu = dense_subgraph_measure(U + U.T, 0.4, rho=0.3, **kw)
        pts = mu.prior.points
        for i in range(6):
            assert mu.residual(pts[:, i] ** 2 - pts[:, i], 2, 4) < 1e-12


def test_untruncated_limit_is_a_genuine_reweighting():
    # sparse PCA: as D grows, F_D tends to the likelihood ratio (>= 0); PSDS with tau = n is
    # the exact posterior reweighting, hence nonnegative
    rng = np.random.default_rng(8)
    U = np.triu(rng.choice([-1.0, 1.0], size=(5, 5)), 1)
    mu = dense_subgraph_measure(U + U.T, 0.3, rho=0.4, tau=5)
    assert mu.negative_mass == 0.0
    assert np.linalg.eigvalsh(mu.moment_matrix(4))[0] > -1e-12


def test_truncation_below_objective_degree_and_other_bad_input():
    A = np.zeros((3, 3, 3))
    with pytest.raises(ValueError, match="trunc"):
        tensor_pca_measure(A, 1.0, 0)
    with pytest.raises(ValueError, match="lam"):
        tensor_pca_measure(A, -1.0, 4)
    with pytest.raises(ValueError, match="A"):
        tensor_pca_measure(np.zeros((2, 3)), 1.0, 4)
    with pytest.raises(ValueError, match="trunc"):
        sparse_pca_measure(np.zeros((2, 3)), 1.0, 1, 1)
    with pytest.raises(ValueError, match="k"):
        sparse_pca_measure(np.zeros((2, 3)), 1.0, 4, 4)
    with pytest.raises(ValueError, match="delta"):
        sparse_pca_measure(np.zeros((2, 3)), -1.0, 1, 4)
    G = -np.ones((4, 4))
    with pytest.raises(ValueError, match="q"):
        dense_subgraph_measure(G, 0.7, rho=0.5, tau=4)
    with pytest.raises(ValueError, match="rho"):
        dense_subgraph_measure(G, 0.1, rho=1.2, tau=4)
    with pytest.raises(ValueError, match="trunc"):
        dense_subgraph_measure(G, 0.1, rho=0.5, tau=1)
    with pytest.raises(ValueError, match="exactly one"):
        dense_subgraph_measure(G, 0.1, rho=0.5)
    with pytest.raises(ValueError, match="d"):
        pap_measure(np.zeros(3), 4)
    with pytest.raises(ValueError, match="shape form"):
        tensor_pca_measure(np.zeros((30, 30, 30)), 1.0, 4)
