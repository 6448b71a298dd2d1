"""Tests of the LTI-ICA study (Rajendran, Reizinger, Brendel, Ravikumar, CLeaR 2024)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.optimize import check_grad

from sosrmt.ml.lti_identification import (
    _fibre_basis,
    _one_fit,
    _segment_moments,
    fit_lti_ica,
    lti_negloglik,
    markov_error,
)
from sosrmt.ml.lti_systems import (
    controllable_lti,
    dc_motor,
    markov_parameters,
    segment_stats,
    simulate_segments,
)
from sosrmt.ml.metrics import mcc

SEEDS = (0, 1, 2)


def _true_unmixing(A, B, C):
    W2 = np.linalg.inv(C @ B)
    return np.hstack([-W2 @ C @ A @ np.linalg.inv(C), W2])


# ---------------------------------------------------------------- exact small cases


def test_true_unmixing_recovers_inputs_exactly():
    A, B, C = controllable_lti(3, rng=4)
    mu, var = segment_stats(3, rng=4)
    d = simulate_segments(A, B, C, mu, var, T=200, rng=4)
    np.testing.assert_allclose(d["pairs"] @ _true_unmixing(A, B, C).T, d["u"], atol=1e-8)


def test_markov_parameters_and_error_of_truth():
    A = np.array([[0.5, 0.1], [0.0, -0.3]])
    B = np.array([[1.0, 0.0], [1.0, 2.0]])
    C = np.array([[2.0, 0.0], [0.0, 1.0]])
    M = markov_parameters(A, B, C, 3)
    np.testing.assert_allclose(M[2], C @ A @ A @ B)
    W = _true_unmixing(A, B, C)
    # any signed scaling and permutation of the inputs leaves the error at zero
    P = np.array([[0.0, -3.0], [0.5, 0.0]])
    assert markov_error(P @ W, A, B, C, k=4) < 1e-12
    assert markov_error(W + 0.1, A, B, C) > 1e-3


def test_controllable_lti_properties():
    A, B, _ = controllable_lti(4, rng=1)
    assert np.isclose(np.max(np.abs(np.linalg.eigvals(A))), 0.9)
    ctrb = np.hstack([np.linalg.matrix_power(A, k) @ B for k in range(4)])
    assert np.linalg.matrix_rank(ctrb) == 4
    _, B1, C1 = controllable_lti(3, rng=1, use_B=False, use_C=False)
    assert np.array_equal(B1, np.eye(3)) and np.array_equal(C1, np.eye(3))


def test_segment_stats_modes():
    mu, var = segment_stats(3, rng=0)
    assert mu.shape == var.shape == (4, 3)
    assert np.linalg.matrix_rank(1 / var[1:] - 1 / var[:1]) == 3
    mu, var = segment_stats(3, mode="single", zero_means=True, rng=0)
    assert var.shape == (1, 3) and not mu.any()


@pytest.mark.parametrize("m", [2, 1])
def test_gradient_matches_finite_differences(m):
    rng = np.random.default_rng(0)
    v = rng.standard_normal((300, 4))
    seg = np.arange(300) % 3
    wts, sec, fst = _segment_moments(v, seg, 3)
    mu = rng.standard_normal((3, m))
    var = 0.2 + rng.random((3, m))
    fibre = _fibre_basis(v, seg, m)
    for fib in (fibre, None):
        def f(w, fib=fib):
            return lti_negloglik(w, wts, sec, fst, mu, var, fib)[0]

        def g(w, fib=fib):
            return lti_negloglik(w, wts, sec, fst, mu, var, fib)[1]

        w0 = rng.standard_normal(m * 4)
        # relative finite-difference error of a smooth function: 1e-5 is ~100x the FD noise
        assert check_grad(f, g, w0) < 1e-5 * max(1.0, np.linalg.norm(g(w0)))


def test_dc_motor_fibre_is_range_of_B():
    A, B, C = dc_motor()
    mu, var = segment_stats(1, rng=0)
    d = simulate_segments(A, B, C, mu, var, T=500, rng=0)
    U = _fibre_basis(d["pairs"], d["seg"], 1)
    b = (C @ B)[:, 0] / np.linalg.norm(C @ B)
    assert abs(abs(float(U[:, 0] @ b)) - 1) < 1e-8


# ---------------------------------------------------------------- the study's claims


@pytest.fixture(scope="module")
def fits_n3():
    """Diverse, single-segment and authors'-objective fits at n = 3 for three systems."""
    out = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        A, B, C = controllable_lti(3, rng)
        out.append({
            "diverse": _one_fit(A, B, C, "random", 3000, rng),
            "single": _one_fit(A, B, C, "single", 3000, rng),
            "no_logdet": _one_fit(A, B, C, "random", 3000, rng, logdet=False),
        })
    return out


def test_diverse_segments_identify_inputs(fits_n3):
    # pass criteria: mcc_diverse > 0.95 and amari_diverse < 0.05, on every system
    for fit in fits_n3:
        assert fit["diverse"]["mcc"] > 0.95
        assert fit["diverse"]["amari"] < 0.05
        assert fit["diverse"]["markov_error"] < 0.1


def test_single_segment_is_worse_than_diverse(fits_n3):
    # mcc_single < mcc_diverse - 0.05, asserted on the mean over three systems
    # (one single-segment fit can land near the truth by chance: the likelihood is flat
    # along rotations of the whitened inputs, see the module docstring)
    single = np.mean([f["single"]["mcc"] for f in fits_n3])
    diverse = np.mean([f["diverse"]["mcc"] for f in fits_n3])
    assert single < diverse - 0.05
    assert np.mean([f["single"]["amari"] for f in fits_n3]) > \
        np.mean([f["diverse"]["amari"] for f in fits_n3]) + 0.05


def test_authors_objective_without_logdet_is_worse(fits_n3):
    # ablation without the log-det term, asserted loosely (it is not a claim of the paper):
    # mean gap over three systems of 0.05; the quick study measured gaps 0.02-0.24 per system
    nolog = np.mean([f["no_logdet"]["mcc"] for f in fits_n3])
    diverse = np.mean([f["diverse"]["mcc"] for f in fits_n3])
    assert nolog < diverse - 0.05


def test_observation_noise_lowers_mcc():
    # the authors' noise sweep: MCC falls with observation noise; mean over three systems
    clean, noisy = [], []
    for seed in SEEDS:
        rng = np.random.default_rng(10 + seed)
        A, B, C = controllable_lti(3, rng)
        clean.append(_one_fit(A, B, C, "random", 3000, rng)["mcc"])
        noisy.append(_one_fit(A, B, C, "random", 3000, rng, obs_noise_var=1.0)["mcc"])
    assert np.mean(noisy) < np.mean(clean) - 0.05


def test_fit_recovers_dc_motor_input():
    A, B, C = dc_motor()
    rng = np.random.default_rng(0)
    mu, var = segment_stats(1, rng=rng)
    d = simulate_segments(A, B, C, mu, var, T=2000, rng=rng)
    W = fit_lti_ica(d["pairs"], d["seg"], mu, var, rng=rng)
    assert mcc(d["u"], d["pairs"] @ W.T) > 0.99


def test_study_runs_and_cli_json(tmp_path, capsys):
    from sosrmt.cli import main

    code = main(["ml", "lti_identification", "--json", "--seed", "1", "--out", str(tmp_path),
                 "--option", "n=2", "--option", "T=600"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    by_n = payload["metrics"]["by_n"]["2"]
    assert 0 <= by_n["mcc_single"] <= 1 and 0 <= by_n["mcc_diverse"] <= 1
    assert (tmp_path / "lti_identification_mcc.png").exists()


# ---------------------------------------------------------------- bad input


def test_bad_inputs():
    with pytest.raises(ValueError, match="n"):
        controllable_lti(0)
    with pytest.raises(TypeError, match="n"):
        controllable_lti(2.5)
    with pytest.raises(ValueError, match="spectral_radius"):
        controllable_lti(2, spectral_radius=1.5)
    with pytest.raises(ValueError, match="mode"):
        segment_stats(2, mode="bogus")
    with pytest.raises(ValueError, match="n_segments"):
        segment_stats(2, 5, mode="max_variability")
    with pytest.raises(ValueError, match="dt"):
        dc_motor(0.0)
    A, B, C = controllable_lti(2, rng=0)
    mu, var = segment_stats(2, rng=0)
    with pytest.raises(ValueError, match="variances"):
        simulate_segments(A, B, C, mu, -var, T=10)
    with pytest.raises(ValueError, match="obs_noise_var"):
        simulate_segments(A, B, C, mu, var, T=10, obs_noise_var=-1)
    with pytest.raises(ValueError, match="A, B, C"):
        simulate_segments(A, B[:1], C, mu, var, T=10)
    with pytest.raises(ValueError, match="expected finite"):
        simulate_segments(A * np.nan, B, C, mu, var, T=10)
    d = simulate_segments(A, B, C, mu, var, T=20, rng=0)
    with pytest.raises(ValueError, match="seg"):
        fit_lti_ica(d["pairs"], d["seg"] + 5, mu, var)
    with pytest.raises(ValueError, match="seg"):
        fit_lti_ica(d["pairs"], d["seg"][:-1], mu, var)
    with pytest.raises(ValueError, match="pairs"):
        fit_lti_ica(d["pairs"][:, :3], d["seg"], mu, var)
    with pytest.raises(ValueError, match="restarts"):
        fit_lti_ica(d["pairs"], d["seg"], mu, var, restarts=0)
    with pytest.raises(ValueError, match="Markov"):
        markov_error(np.ones((1, 4)), A, B[:, :1], C)
