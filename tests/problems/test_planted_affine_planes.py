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


# ---------------------------------------------------------------- factored shape form
def _signed_moments(d, trunc):
    """Degree-2 and degree-4 moments of the signed-measure form, zero on repeated indices."""
    mu = pap.pseudo_calibration(d, trunc)
    pts, w = mu.prior.points, mu.weights
    n = d.shape[1]
    y2 = np.einsum("r,ri,rj->ij", w, pts, pts)
    y4 = np.einsum("r,ri,rj,rk,rl->ijkl", w, pts, pts, pts, pts)
    idx = np.indices((n,) * 4)
    distinct = np.ones((n,) * 4, dtype=bool)
    for a in range(4):
        for b in range(a + 1, 4):
            distinct &= idx[a] != idx[b]
    np.fill_diagonal(y2, 0.0)
    return mu, y2, np.where(distinct, y4, 0.0)


@pytest.mark.parametrize("trunc", [0, 4, 5, 6, 7])
@pytest.mark.parametrize(("m", "n"), [(7, 5), (12, 6)])
def test_factored_form_equals_shape_and_signed_forms_entry_by_entry(trunc, m, n):
    d = pap.sample_null(m, n, rng=10 * trunc + m)
    fm = pap.pap_factored_moments(d, trunc)
    sf = pap.pap_shape_form(d, trunc)
    mu, y2, y4 = _signed_moments(d, trunc)
    np.testing.assert_allclose(fm.y0, sf.e1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fm.y0, mu.e1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fm.Y2, sf.moments[2], atol=1e-13)
    np.testing.assert_allclose(fm.Y2, y2, atol=1e-13)
    np.testing.assert_allclose(fm.y4_dense(), sf.moments[4], atol=1e-13)
    np.testing.assert_allclose(fm.y4_dense(), y4, atol=1e-13)
    # odd moments vanish in both other forms, as the factored form assumes
    assert np.abs(sf.moments[1]).max() == 0 and np.abs(sf.moments[3]).max() == 0


def test_factored_y4_operator_and_min_eigenvalue_match_dense():
    d = pap.sample_null(12, 6, rng=3)
    fm = pap.pap_factored_moments(d, 6)
    Y4 = fm.y4_dense().reshape(36, 36)
    gen = np.random.default_rng(0)
    for X in (gen.standard_normal((6, 6)), gen.standard_normal((6, 6))):
        np.testing.assert_allclose(fm.y4_operator().matvec(X.ravel()), Y4 @ X.ravel(),
                                   atol=1e-13)
    dense = pap.pap_shape_form(d, 6).report(4).mu_min
    assert fm.min_eigenvalue().mu_min == pytest.approx(dense, abs=1e-10)
    lz = fm.min_eigenvalue(dense=False, tol=1e-10)
    assert lz.status == "converged"
    assert lz.mu_min == pytest.approx(dense, abs=1e-8)


def test_factored_apply_polynomial_is_the_constraint_moment():
    # E~[(z_u^2 - 1) v_k v_l] from the factored form against the signed measure
    d = pap.sample_null(9, 5, rng=4)
    fm = pap.pap_factored_moments(d, 6)
    mu = pap.pseudo_calibration(d, 6)
    pts = mu.prior.points
    for u in (0, 4):
        g = (pts @ d[u]) ** 2 - 1.0
        G = 2.0 * np.outer(d[u], d[u])
        np.fill_diagonal(G, 0.0)
        e_g, R = fm.apply_polynomial(fm.square * d[u] @ d[u] - 1.0, G)
        assert e_g == pytest.approx(mu.weights @ g, abs=1e-12)
        np.testing.assert_allclose(R, np.einsum("r,r,rk,rl->kl", mu.weights, g, pts, pts),
                                   atol=1e-12)


def test_factored_bad_input():
    d = pap.sample_null(6, 4, rng=0)
    with pytest.raises(ValueError, match="trunc"):
        pap.pap_factored_moments(d, 8)
    with pytest.raises(ValueError, match="n >= 2"):
        pap.pap_factored_moments(d[:, :1], 4)
    bad = d.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="d"):
        pap.pap_factored_moments(bad, 4)
