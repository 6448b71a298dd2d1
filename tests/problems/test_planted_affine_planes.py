"""Planted affine planes: samplers, brute force, spectral refutation, SoS, pseudo-calibration."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from sosrmt.problems import planted_affine_planes as pap


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def test_planted_sampler_satisfies_constraints():
    d, v, b = pap.sample_planted(7, 4, rng=0)
    np.testing.assert_allclose(d @ v, b, atol=1e-12)
    for h in pap.constraint_polynomials(d):
        assert abs(h.evaluate(v)) < 1e-10


def test_brute_force_decides_feasibility():
    d, _, _ = pap.sample_planted(10, 3, rng=1)
    assert pap.brute_force(d)[0] < 1e-9
    # null with m > n: generically no Boolean vector in the span
    assert pap.brute_force(pap.sample_null(10, 3, rng=2))[0] > 1e-3


def test_sos_refutes_null_but_not_planted():
    d, _, _ = pap.sample_planted(6, 3, rng=3)
    assert pap.sos_value(d, 4).status in ("optimal", "optimal_inaccurate")
    assert pap.sos_value(pap.sample_null(12, 3, rng=4), 4).status == "infeasible"


def test_spectral_refutation_is_sound_and_works_for_many_samples():
    d, _, _ = pap.sample_planted(300, 3, rng=5)
    assert not pap.spectral_refutation(d)["refuted"]       # a certificate never refutes a yes
    assert pap.spectral_refutation(pap.sample_null(300, 3, rng=6))["refuted"]


def test_calibration_report_and_cell():
    rep = pap.calibration_report(pap.sample_null(8, 4, rng=7), 4)
    assert rep.residuals["plane_max"] >= 0 and rep.basis_size == 11
    # D < 4: F = 1, E~ is the prior, whose residual is the plain mismatch E_pi <v,d_u>^2 - 1
    d = pap.sample_null(3, 4, rng=8)
    rep2 = pap.calibration_report(d, 2)
    assert rep2.e1 == pytest.approx(1.0)
    assert rep2.extra["plane_mean"] == pytest.approx(np.mean(np.abs((d**2).sum(axis=1) / 4 - 1)))
    row = pap.lowerbound_cell(rng=0, n=4, ratio=0.5, trunc=4)
    assert {"mu_min", "residual", "objective_ratio", "m"} <= set(row)
    assert not {"n", "ratio", "trunc", "degree"} & set(row)   # results only


def test_bad_input():
    with pytest.raises(ValueError, match="m <= 24"):
        pap.brute_force(np.zeros((30, 2)))
    with pytest.raises(ValueError, match="d"):
        pap.pseudo_calibration(np.zeros(3), 4)
    with pytest.raises(ValueError, match="n"):
        pap.sample_null(3, 0)


def test_engine_pseudo_expectation_reports_plane_residuals():
    d = pap.sample_null(5, 3, rng=9)
    E = pap.pseudo_expectation(d, 6)
    rep = E.check()
    assert len(rep.equality_residuals) == 5
    # the engine's residual of constraint u is max_J |E~[h_u x^J]| >= |E~[h_u]|
    mu = pap.pseudo_calibration(d, 6)
    z2 = (mu.prior.points @ d.T) ** 2 - 1
    direct = np.abs(mu.weights @ z2) / mu.e1
    assert np.all(np.array(rep.equality_residuals) >= direct - 1e-12)


@pytest.mark.parametrize("m,n,trunc", [(5, 3, 4), (6, 4, 8), (7, 5, 8), (9, 4, 6)])
def test_shape_form_equals_signed_measure_entry_by_entry(m, n, trunc):
    import itertools

    for rng, sampler in ((1, lambda g: pap.sample_null(m, n, rng=g)),
                         (2, lambda g: pap.sample_planted(m, n, rng=g)[0])):
        d = sampler(rng)
        sf = pap.pap_shape_form(d, trunc)
        mu = pap.pseudo_calibration(d, trunc)
        scale = max(1.0, abs(mu.e1))
        for j in range(5):
            for idx in itertools.combinations(range(n), j):
                want = mu.expect(lambda X, idx=idx: np.prod(X[:, list(idx)], axis=1))
                assert sf.moment(idx) == pytest.approx(want, abs=1e-10 * scale)
        np.testing.assert_allclose(sf.moment_matrix(4), mu.moment_matrix(4), atol=1e-10 * scale)
        a, b = pap.shape_report(d, trunc), pap.calibration_report(d, trunc)
        assert a.e1 == pytest.approx(b.e1, rel=1e-9)
        assert a.mu_min == pytest.approx(b.mu_min, rel=1e-8, abs=1e-10)
        assert a.residuals["plane_max"] == pytest.approx(b.residuals["plane_max"], rel=1e-8)
        assert a.extra["plane_mean"] == pytest.approx(b.extra["plane_mean"], rel=1e-8)


def test_shape_form_below_degree_four_is_the_prior():
    d = pap.sample_null(6, 4, rng=0)
    sf = pap.pap_shape_form(d, 3)
    assert sf.e1 == pytest.approx(1.0) and sf.nshapes == 1
    assert pap.shape_report(d, 3).mu_min == pytest.approx(1.0)


def test_lowerbound_cell_forms_see_the_same_instance():
    a = pap.lowerbound_cell(rng=4, n=5, ratio=0.4, trunc=6, form="signed")
    b = pap.lowerbound_cell(rng=4, n=5, ratio=0.4, trunc=6, form="shape")
    assert (a["form_used"], b["form_used"]) == ("signed", "shape")
    for key in ("e1", "mu_min", "residual", "planted_mu_min", "planted_residual"):
        assert a[key] == pytest.approx(b[key], rel=1e-8, abs=1e-12)
    with pytest.raises(ValueError, match="form"):
        pap.lowerbound_cell(rng=0, n=5, ratio=0.4, form="dense")
    with pytest.raises(ValueError, match="trunc"):
        pap.pap_shape_form(pap.sample_null(4, 3, rng=0), 12)
