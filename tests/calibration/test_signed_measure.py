"""SignedMeasure and the standard diagnostics."""

import numpy as np
import pytest

from sosrmt.calibration import (
    SignedMeasure,
    boolean_sphere,
    relative_min_eigenvalue,
    sparse_ternary,
    subset_prior,
)
from sosrmt.poly import exponents, monomial_basis


def _naive_moment_matrix(points, weights, exps):
    phi = np.prod(points[:, None, :] ** exps[None, :, :], axis=2)
    return (phi * weights[:, None]).T @ phi


@pytest.mark.parametrize("prior", [boolean_sphere(4), sparse_ternary(3, 2),
                                   subset_prior(4, rho=0.3)])
def test_moment_matrix_equals_naive_table(prior):
    rng = np.random.default_rng(0)
    w = prior.probs * (1 + 0.5 * rng.standard_normal(prior.size))
    mu = SignedMeasure(prior, w)
    keys = mu.basis(2)
    exps = exponents(keys, prior.n, prior.ring)
    np.testing.assert_allclose(mu.moment_matrix(4), _naive_moment_matrix(prior.points, w, exps),
                               rtol=1e-12, atol=1e-14)


def test_prior_itself_has_mu_min_one_and_prior_moments():
    prior = boolean_sphere(5)
    mu = SignedMeasure(prior, prior.probs)
    rep = mu.report(4)
    assert rep.e1 == pytest.approx(1.0)
    assert rep.mu_min == pytest.approx(1.0, abs=1e-9)
    assert rep.negative_mass == 0.0
    # Lambda_0 = diag(n^-|S|) for the {+-1/sqrt n}^n prior
    keys = mu.basis(2)
    sizes = np.array([bin(int(k)).count("1") for k in keys])
    np.testing.assert_allclose(mu.prior_moment_matrix(4), np.diag(5.0 ** -sizes), atol=1e-14)


def test_hypercube_structure_of_moment_matrix():
    # Lambda[S, T] = c^{|S cap T|} y_{S xor T}  with c = 1/n
    prior = boolean_sphere(4)
    rng = np.random.default_rng(1)
    mu = SignedMeasure(prior, prior.probs * rng.standard_normal(prior.size))
    keys = mu.basis(2)
    lam = mu.moment_matrix(4)
    y = mu.moment_dict(4)
    for a, S in enumerate(keys):
        for b, T in enumerate(keys):
            c = 0.25 ** bin(int(S) & int(T)).count("1")
            assert lam[a, b] == pytest.approx(c * y[int(S) ^ int(T)], abs=1e-14)


def test_relative_min_eigenvalue_detects_negative_direction():
    lam0 = np.diag([1.0, 0.5])
    assert relative_min_eigenvalue(np.diag([1.0, -0.5]), lam0) == pytest.approx(-1.0)
    # rank-deficient prior moment matrix: the null direction is dropped
    assert relative_min_eigenvalue(np.diag([2.0, 7.0]), np.diag([1.0, 0.0]),
                                   scale=2.0) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shape"):
        relative_min_eigenvalue(np.eye(2), np.eye(3))
    with pytest.raises(ValueError, match="prior_moment"):
        relative_min_eigenvalue(np.eye(2), np.zeros((2, 2)))


def test_residual_of_a_prior_constraint_is_zero_and_of_a_false_one_is_not():
    prior = boolean_sphere(4)
    rng = np.random.default_rng(2)
    mu = SignedMeasure(prior, prior.probs * (1 + rng.standard_normal(prior.size)))
    sphere = (prior.points**2).sum(axis=1) - 1
    assert mu.residual(sphere, 2, 4) < 1e-12
    false = prior.points[:, 0] - 0.1
    assert mu.residual(false, 1, 4) > 0.1


def test_bad_input_and_memory_refusal():
    prior = boolean_sphere(3)
    with pytest.raises(ValueError, match="weights"):
        SignedMeasure(prior, np.ones(5))
    with pytest.raises(TypeError, match="prior"):
        SignedMeasure(object(), np.ones(8))
    with pytest.raises(ValueError, match="finite"):
        SignedMeasure(prior, np.full(8, np.nan))
    with pytest.raises(ValueError, match="shape form"):
        boolean_sphere(40)
    with pytest.raises(ValueError, match="shape form"):
        sparse_ternary(20, 3)
    with pytest.raises(ValueError, match="k"):
        sparse_ternary(3, 4)
    with pytest.raises(ValueError, match="rho"):
        subset_prior(4, rho=1.5)
    with pytest.raises(ValueError, match="exactly one"):
        subset_prior(4)
    mu = SignedMeasure(prior, prior.probs)
    with pytest.raises(ValueError, match="degree"):
        mu.residual(np.zeros(8), 3, 2)


def test_monomial_basis_matches_poly_layer():
    prior = subset_prior(5, rho=0.5)
    mu = SignedMeasure(prior, prior.probs)
    np.testing.assert_array_equal(mu.basis(2), monomial_basis(5, 2, "boolean"))


def test_wrapped_as_engine_pseudo_expectation():
    sos = pytest.importorskip("sosrmt.sos")
    if not hasattr(sos, "Hypercube") or not hasattr(sos, "PseudoExpectation"):
        pytest.skip("sosrmt.sos has not landed its public API yet")
    prior = boolean_sphere(4)
    mu = SignedMeasure(prior, prior.probs)        # the prior: a genuine distribution
    E = mu.to_pseudo_expectation(sos.Hypercube(4, square=0.25), 4)
    rep = E.check()
    assert rep.ok
    np.testing.assert_allclose(E.moment_matrix(), mu.moment_matrix(4), atol=1e-12)
