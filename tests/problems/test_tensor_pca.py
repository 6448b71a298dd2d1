"""Tensor PCA: samplers, program, brute force, baselines, SoS values, pseudo-calibration."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from sosrmt.problems import tensor_pca as tp


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def test_samplers():
    A = tp.sample_null(4, 3, rng=0)
    assert A.shape == (4, 4, 4)
    np.testing.assert_array_equal(A, tp.sample_null(4, 3, rng=0))
    Ap, u = tp.sample_planted(5, 3, 0.0, rng=1)
    assert np.allclose(np.abs(u), 1 / np.sqrt(5))
    # planted spike: A - B = lambda u^{(x)3}; with lambda large the spike dominates
    Ap, u = tp.sample_planted(5, 3, 1e6, rng=2)
    assert tp.objective_values(Ap, u[None, :])[0] / 1e6 == pytest.approx(1.0, rel=1e-3)


def test_objective_polynomial_matches_contraction():
    A = tp.sample_null(3, 3, rng=3)
    X = np.random.default_rng(4).standard_normal((5, 3))
    np.testing.assert_allclose(tp.objective_polynomial(A).evaluate(X), tp.objective_values(A, X),
                               rtol=1e-12)
    # Boolean-sphere reduction agrees on the support
    from sosrmt.sos import Hypercube

    pts = Hypercube(3, square=1 / 3).points()
    np.testing.assert_allclose(tp.objective_polynomial(A, ring="hypercube").evaluate(pts),
                               tp.objective_values(A, pts), rtol=1e-12, atol=1e-12)


def test_brute_force_against_enumeration_and_baseline_order():
    A = tp.sample_null(6, 3, rng=5)
    val, x = tp.brute_force(A)
    from sosrmt.sos import Hypercube

    pts = Hypercube(6, square=1 / 6).points()
    assert val == pytest.approx(tp.objective_values(A, pts).max(), rel=1e-12)
    assert tp.objective_values(A, x[None, :])[0] == pytest.approx(val)
    # Boolean sphere subset of sphere: brute <= sphere maximum <= unfolding certificate
    low, _ = tp.power_iteration(A, rng=6)
    assert val <= tp.unfolding_bound(A) + 1e-12
    assert low <= tp.unfolding_bound(A) + 1e-9
    # the HSS certificate is valid too (an upper bound over the unit sphere)
    assert low <= tp.hss_bound(A) + 1e-9 and val <= tp.hss_bound(A) + 1e-9


def test_sos_value_chain():
    # tensor PCA: OPT <= SOS_4 (<= SOS_2 for k = 2); solver tolerance 1e-5
    A = tp.sample_null(5, 3, rng=7)
    opt, _ = tp.brute_force(A)
    res = tp.sos_value(A, 4)
    assert res.ok
    assert opt <= res.bound * (1 + 1e-5) + 1e-9
    assert res.value <= tp.unfolding_bound(A) * (1 + 1e-5)
    A2 = tp.sample_null(5, 2, rng=8)
    r2, r4 = tp.sos_value(A2, 2), tp.sos_value(A2, 4)
    opt2, _ = tp.brute_force(A2)
    assert opt2 <= r4.bound * (1 + 1e-5) + 1e-9
    assert r4.value <= r2.bound * (1 + 1e-5) + 1e-9


def test_calibration_report_exact_constraints_and_control():
    A, _ = tp.sample_planted(6, 3, 1.0, rng=9)
    rep = tp.calibration_report(A, 1.0, 4)
    assert rep.residuals["sphere"] < 1e-12
    assert rep.basis_size == 1 + 6 + 15
    row = tp.lowerbound_cell(rng=0, n=6, ratio=0.25, trunc=4)
    for key in ("lam", "form_used", "mu_min", "residual", "objective_ratio", "planted_mu_min"):
        assert key in row
    assert not {"n", "ratio", "trunc", "k", "degree", "form"} & set(row)   # results only


def test_pseudo_expectation_through_engine_checks():
    from sosrmt.sos import Hypercube

    A = tp.sample_null(5, 3, rng=10)
    mu = tp.pseudo_calibration(A, 0.5, 4)
    E = mu.to_pseudo_expectation(Hypercube(5, square=0.2), 4)
    rep = E.check()
    assert rep.normalisation == pytest.approx(1.0)
    lam = mu.moment_matrix(4) / mu.e1
    np.testing.assert_allclose(E.moment_matrix(), lam, atol=1e-12)
    obj = tp.objective_polynomial(A, ring="hypercube")
    assert E(obj) == pytest.approx(mu.expect_values(tp.objective_values(A, mu.prior.points))
                                   / mu.e1, rel=1e-10)


def test_bad_input():
    with pytest.raises(ValueError, match="lam"):
        tp.sample_planted(4, 3, -1.0)
    with pytest.raises(ValueError, match="k"):
        tp.sample_null(4, 1)
    with pytest.raises(ValueError, match="A"):
        tp.brute_force(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="n <= 22"):
        tp.brute_force(np.zeros((23, 23)))
    with pytest.raises(ValueError, match="trunc"):
        tp.pseudo_calibration(np.zeros((3, 3, 3)), 1.0, 0)
    with pytest.raises(ValueError, match="variant"):
        tp.program(np.zeros((3, 3)), "cube")
    with pytest.raises(ValueError, match="memory"):
        tp.sample_null(10**4, 4)
    with pytest.raises(TypeError, match="rng"):
        tp.sample_null(3, 3, rng="seed")
