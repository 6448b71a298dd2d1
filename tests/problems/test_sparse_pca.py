"""Sparse PCA: samplers, program, brute force, baselines, SoS values, pseudo-calibration."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from sosrmt.problems import sparse_pca as sp


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def test_samplers_and_planted_covariance():
    V, u = sp.sample_planted(20000, 4, 2, 3.0, prior="exact", rng=0)
    assert np.count_nonzero(u) == 2 and np.linalg.norm(u) == pytest.approx(1.0)
    cov = V.T @ V / V.shape[0]
    # tolerance: 4 standard errors of an empirical covariance entry, sqrt((1+3)^2 * 2 / N)
    np.testing.assert_allclose(cov, np.eye(4) + 3.0 * np.outer(u, u), atol=4 * np.sqrt(32 / 20000))
    u = sp.sample_spike(10, 3, rng=1)
    assert set(np.round(np.abs(u) * np.sqrt(3), 12)) <= {0.0, 1.0}


def test_planted_value_formula():
    # Bernoulli prior: E|u|^4 = 1 + (1 - k/d)/k, checked by enumeration of the prior
    from sosrmt.calibration import sparse_ternary

    prior = sparse_ternary(4, 2)
    n4 = prior.probs @ ((prior.points**2).sum(axis=1) ** 2)
    assert sp.planted_value(3, 4, 2, 0.5) == pytest.approx(3 * (1 + 0.5 * n4))


def test_brute_force_and_relaxation_order():
    V, _ = sp.sample_planted(8, 6, 2, 2.0, prior="exact", rng=2)
    opt, x = sp.brute_force(V, 2)
    assert np.count_nonzero(x) == 2
    assert x @ (V.T @ V) @ x == pytest.approx(opt)
    sdp = sp.degree2_sdp(V, 2)
    assert opt <= sdp * (1 + 1e-4)
    assert sdp <= sp.spectral_statistic(V) * (1 + 1e-4)
    res = sp.sos_value(V, 2, 4)
    assert res.ok
    # OPT <= SOS_4 (solver tolerance 1e-5 relative)
    assert opt <= res.bound * (1 + 1e-5) + 1e-9
    assert sp.diagonal_statistic(V) == pytest.approx((V**2).sum(axis=0).max())


def test_calibration_reports():
    V = sp.sample_null(3, 4, rng=3)
    exact = sp.calibration_report(V, 2, 1.0, prior="exact")
    assert exact.residuals["sphere"] < 1e-9
    bern = sp.calibration_report(V, 2, 1.0, prior="bernoulli")
    assert bern.residuals["sphere"] > 1e-3        # intrinsic residual of the Bernoulli prior
    row = sp.lowerbound_cell(rng=0, n=4, ratio=0.5, k=2)
    assert {"mu_min", "residual", "objective_ratio", "m"} <= set(row)
    assert not {"n", "ratio", "trunc", "k", "delta", "prior", "regime"} & set(row)


def test_bad_input():
    with pytest.raises(ValueError, match="k"):
        sp.sample_planted(5, 3, 4, 1.0)
    with pytest.raises(ValueError, match="delta"):
        sp.sample_planted(5, 3, 2, -1.0)
    with pytest.raises(ValueError, match="prior"):
        sp.sample_spike(5, 2, prior="gauss")
    with pytest.raises(ValueError, match="trunc"):
        sp.pseudo_calibration(np.zeros((2, 3)), 1, 1.0, 1)
    with pytest.raises(ValueError, match="regime"):
        sp.lowerbound_cell(rng=0, n=4, ratio=1.0, regime="x")
    with pytest.raises(ValueError, match="2\\^22"):
        sp.brute_force(np.zeros((1, 40)), 8)


def test_engine_pseudo_expectation_satisfies_the_program_constraints():
    # the exact-k prior satisfies sum x_i^2 = 1 and x_i^3 = x_i / k on its support, so the
    # engine's residuals vanish (prior constraints hold exactly)
    V = sp.sample_null(3, 4, rng=5)
    rep = sp.pseudo_expectation(V, 2, 1.0).check()
    assert rep.normalisation == pytest.approx(1.0)
    assert max(rep.equality_residuals) < 1e-12


@pytest.mark.parametrize("m,d,k,trunc,prior", [(3, 4, 2, 4, "exact"), (2, 4, 2, 4, "bernoulli"),
                                               (4, 5, 2, 6, "exact"), (3, 4, 3, 4, "bernoulli")])
def test_shape_form_equals_signed_measure_entry_by_entry(m, d, k, trunc, prior):
    from sosrmt.poly import exponents, monomial_basis

    for V in (sp.sample_null(m, d, rng=2), sp.sample_planted(m, d, k, 1.3, prior=prior,
                                                             rng=3)[0]):
        sf = sp.sparse_pca_shape_form(V, k, 1.3, trunc, prior=prior)
        mu = sp.pseudo_calibration(V, k, 1.3, trunc, prior=prior)
        scale = max(1.0, abs(mu.e1))
        # every moment of degree <= 4, entry by entry
        keys = monomial_basis(d, 4, "general")
        want = mu.moments(keys)
        got = sf.moments_of_exponents(exponents(keys, d, "general"))
        np.testing.assert_allclose(got, want, atol=1e-10 * scale)
        np.testing.assert_allclose(sf.moment_matrix(4), mu.moment_matrix(4), atol=1e-10 * scale)
        np.testing.assert_allclose(sf.prior_moment_matrix(4), mu.prior_moment_matrix(4),
                                   atol=1e-12)
        a = sp.shape_report(V, k, 1.3, trunc, prior=prior)
        b = sp.calibration_report(V, k, 1.3, trunc, prior=prior)
        assert a.e1 == pytest.approx(b.e1, rel=1e-9)
        assert a.mu_min == pytest.approx(b.mu_min, rel=1e-8, abs=1e-10)
        assert a.residuals["sphere"] == pytest.approx(b.residuals["sphere"], rel=1e-7, abs=1e-9)
        assert a.objective_ratio == pytest.approx(b.objective_ratio, rel=1e-9)


def test_lowerbound_cell_shape_form_sees_the_same_instance():
    a = sp.lowerbound_cell(rng=5, n=4, ratio=0.5, k=2, form="signed")
    b = sp.lowerbound_cell(rng=5, n=4, ratio=0.5, k=2, form="shape")
    assert (a["form_used"], b["form_used"]) == ("signed", "shape")
    for key in ("e1", "mu_min", "planted_mu_min", "objective_ratio"):
        assert a[key] == pytest.approx(b[key], rel=1e-8, abs=1e-12)
    with pytest.raises(ValueError, match="form"):
        sp.lowerbound_cell(rng=0, n=4, ratio=0.5, form="x")
