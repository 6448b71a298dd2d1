"""Monte-Carlo identities: E_null E~[1] = 1, E_null E~[objective] = planted
value, Var_null E~[1] = E K_D - 1. Every tolerance is 4 estimated standard errors."""

import math

import numpy as np
import pytest

from sosrmt.problems.dense_subgraph import dense_subgraph_low_degree_norm, dense_subgraph_measure
from sosrmt.problems.planted_affine_planes import pap_low_degree_norm, pap_measure
from sosrmt.problems.sparse_pca import sparse_pca_low_degree_norm, sparse_pca_measure
from sosrmt.problems.tensor_pca import low_degree_norm as tensor_pca_low_degree_norm
from sosrmt.problems.tensor_pca import tensor_contract, tensor_pca_measure


def _check_mean(samples, expected):
    samples = np.asarray(samples)
    se = samples.std(ddof=1) / math.sqrt(samples.size)
    # tolerance: 4 standard errors of the sample mean
    assert abs(samples.mean() - expected) <= 4 * se, (samples.mean(), expected, se)


def _check_variance(samples, expected):
    samples = np.asarray(samples)
    c = samples - samples.mean()
    var = c.var(ddof=1)
    se = math.sqrt(max(np.mean(c**4) - var**2, 0.0) / samples.size)
    # tolerance: 4 standard errors of the sample variance (delta method, 4th central moment)
    assert abs(var - expected) <= 4 * se, (var, expected, se)


def test_tensor_pca_identities():
    # closed-form check: n=6, k=3, lambda=2, D=4 gives E K_D - 1 = 0.736
    rng = np.random.default_rng(10)
    n, k, lam, D, N = 6, 3, 2.0, 4, 3000
    e1, obj = [], []
    for _ in range(N):
        A = rng.standard_normal((n,) * k)
        mu = tensor_pca_measure(A, lam, D)
        e1.append(mu.e1)
        obj.append(mu.expect_values(tensor_contract(A, mu.prior.points)))
    _check_mean(e1, 1.0)
    _check_mean(obj, lam)
    ekd = tensor_pca_low_degree_norm(n, k, lam, D)
    assert ekd - 1 == pytest.approx(0.736, abs=5e-4)
    _check_variance(e1, ekd - 1)


def test_sparse_pca_identities():
    rng = np.random.default_rng(11)
    d, k, m, delta, D, N = 4, 2, 3, 1.0, 4, 2000
    e1, obj = [], []
    for _ in range(N):
        V = rng.standard_normal((m, d))
        mu = sparse_pca_measure(V, delta, k, D, exact=True)
        e1.append(mu.e1)
        obj.append(mu.expect_values(((mu.prior.points @ V.T) ** 2).sum(axis=1)))
    _check_mean(e1, 1.0)
    _check_mean(obj, m * (1 + delta))       # exact prior: |u| = 1
    _check_variance(e1, sparse_pca_low_degree_norm(d, k, m, delta, D, exact=True) - 1)


def test_sparse_pca_bernoulli_planted_value():
    # Bernoulli prior: planted value m (E|u|^2 + Delta E|u|^4), E|u|^4 = 1 + (1 - k/d)/k
    rng = np.random.default_rng(12)
    d, k, m, delta, D, N = 3, 1, 2, 0.8, 4, 2000
    obj = []
    for _ in range(N):
        V = rng.standard_normal((m, d))
        mu = sparse_pca_measure(V, delta, k, D)
        obj.append(mu.expect_values(((mu.prior.points @ V.T) ** 2).sum(axis=1)))
    _check_mean(obj, m * (1 + delta * (1 + (1 - k / d) / k)))


def test_dense_subgraph_identities():
    rng = np.random.default_rng(13)
    n, q, rho, D, N = 5, 0.35, 0.4, 3, 3000
    iu = np.triu_indices(n, 1)
    e1, obj = [], []
    for _ in range(N):
        U = np.triu(rng.choice([-1.0, 1.0], size=(n, n)), 1)
        G = U + U.T
        mu = dense_subgraph_measure(G, q, rho=rho, trunc=D)
        e1.append(mu.e1)
        X = mu.prior.points
        obj.append(mu.expect_values((X[:, iu[0]] * X[:, iu[1]] * G[iu]).sum(axis=1)))
    _check_mean(e1, 1.0)
    _check_mean(obj, 2 * q * rho**2 * math.comb(n, 2))
    _check_variance(e1, dense_subgraph_low_degree_norm(n, q, D, rho=rho) - 1)


def test_dense_subgraph_vertex_truncation_mean():
    rng = np.random.default_rng(14)
    n, q, rho, tau, N = 6, 0.4, 0.3, 4, 2000
    e1 = []
    for _ in range(N):
        U = np.triu(rng.choice([-1.0, 1.0], size=(n, n)), 1)
        e1.append(dense_subgraph_measure(U + U.T, q, rho=rho, tau=tau).e1)
    _check_mean(e1, 1.0)


def test_pap_identities():
    rng = np.random.default_rng(15)
    n, m, D, N = 4, 6, 8, 3000
    e1 = []
    for _ in range(N):
        e1.append(pap_measure(rng.standard_normal((m, n)), D).e1)
    _check_mean(e1, 1.0)
    _check_variance(e1, pap_low_degree_norm(n, m, D) - 1)
