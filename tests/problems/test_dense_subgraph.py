"""Dense subgraph: samplers, program, brute force, baselines, SoS values, pseudo-calibration."""

import math

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from sosrmt.problems import dense_subgraph as ds


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def test_samplers():
    G = ds.sample_null(6, rng=0)
    assert np.all(G == G.T) and np.all(np.diag(G) == 0) and np.all(np.abs(G + np.eye(6)) == 1)
    Gp, x = ds.sample_planted(9, 4, 0.5, prior="exact", rng=1)
    S = np.flatnonzero(x)
    assert len(S) == 4
    assert ds.brute_force(Gp, 4)[0] == math.comb(4, 2)      # the planted clique is densest


def test_brute_force_against_enumeration():
    G = ds.sample_null(7, rng=2)
    val, x = ds.brute_force(G, 3)
    from sosrmt.sos import Boolean

    pts = Boolean(7).points()
    pts = pts[pts.sum(axis=1) == 3]
    vals = ds.objective_polynomial(G).evaluate(pts)
    assert val == pytest.approx(vals.max())
    assert ds.objective_polynomial(G).evaluate(x) == pytest.approx(val)


def test_sos_values_bound_the_optimum():
    G = ds.sample_null(6, rng=3)
    opt, _ = ds.brute_force(G, 3)
    r2, r4 = ds.sos_value(G, 3, 2), ds.sos_value(G, 3, 4)
    assert r2.ok and r4.ok
    # OPT <= SOS_4 <= SOS_2 (solver tolerance 1e-5 relative)
    assert opt <= r4.bound + 1e-5 * max(1, abs(r4.bound))
    assert r4.value <= r2.bound + 1e-5 * max(1, abs(r2.bound))


def test_baselines():
    G = ds.sample_null(5, rng=4)
    assert ds.edge_count(G) == pytest.approx(np.triu(G, 1).sum())
    assert ds.spectral_statistic(G) == pytest.approx(np.linalg.eigvalsh(G)[-1])
    assert ds.planted_value(10, 4, 0.5, prior="exact") == 6.0


def test_calibration_report_and_cell():
    G, _ = ds.sample_planted(6, 3, 0.3, rng=5)
    rep = ds.calibration_report(G, 3, 0.3, tau=4)
    assert rep.basis_size == 22
    rep_exact = ds.calibration_report(G, 3, 0.3, tau=4, prior="exact")
    # the exact-k prior satisfies sum x_i = k on moments of degree <= tau (Möbius-exact)
    assert rep_exact.residuals["cardinality"] < 1e-9
    row = ds.lowerbound_cell(rng=0, n=6, ratio=0.3)
    assert {"k_used", "q", "mu_min", "residual", "objective_ratio"} <= set(row)
    assert not {"n", "ratio", "trunc", "k", "prior", "form", "truncation"} & set(row)


def test_bad_input():
    with pytest.raises(ValueError, match="k"):
        ds.sample_planted(4, 5, 0.2)
    with pytest.raises(ValueError, match="q"):
        ds.sample_planted(4, 2, 0.7)
    with pytest.raises(ValueError, match="G"):
        ds.brute_force(np.zeros((4, 4)), 2)
    with pytest.raises(ValueError, match="symmetric"):
        ds.brute_force(np.triu(np.ones((4, 4)), 1), 2)
    with pytest.raises(ValueError, match="ratio"):
        ds.lowerbound_cell(rng=0, n=4, ratio=5.0)
    with pytest.raises(ValueError, match="trunc"):
        ds.pseudo_calibration(ds.sample_null(4, rng=0), 2, 0.2, tau=1)
    with pytest.raises(ValueError, match="tau"):
        ds.calibration_report(ds.sample_null(5, rng=0), 2, 0.2, tau=3, degree=4)


def test_engine_pseudo_expectation_residuals():
    # exact-k prior with tau >= degree: x_i^2 = x_i and sum x_i = k hold exactly
    G = ds.sample_null(6, rng=6)
    rep = ds.pseudo_expectation(G, 3, 0.3, tau=4, prior="exact").check()
    assert max(rep.equality_residuals) < 1e-12
    assert rep.normalisation == pytest.approx(1.0)
