"""Tests of the identifiable-VAE study (Kivva, Rajendran, Ravikumar, Aragam, NeurIPS 2022)."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sosrmt.ml.identifiable_vae import (  # noqa: E402
    GMPriorVAE,
    _fit_and_score,
    evaluate_latents,
    make_gmm_piecewise_affine_data,
    radial_twist,
    radial_twist_control,
    train_gmvae,
)

SEEDS = (0, 1, 2)


# ---------------------------------------------------------------- exact small cases


def test_data_is_deterministic_given_rng():
    x0, z0, l0 = make_gmm_piecewise_affine_data(50, noise=0.0, rng=3)
    xa, za, la = make_gmm_piecewise_affine_data(50, noise=0.0, rng=3)
    np.testing.assert_array_equal(x0, xa)
    np.testing.assert_array_equal(z0, za)
    np.testing.assert_array_equal(l0, la)


def test_decoder_is_injective_and_affine_only_piecewise():
    # noise-free: distinct latents give distinct observations, and x is not affine in z
    x, z, _ = make_gmm_piecewise_affine_data(2000, noise=0.0, rng=0)
    dz = np.linalg.norm(z[:, None] - z[None, :200], axis=-1)
    dx = np.linalg.norm(x[:, None] - x[None, :200], axis=-1)
    far = dz > 1e-3
    assert dx[far].min() > 0
    design = np.column_stack([z, np.ones(len(z))])
    coef, *_ = np.linalg.lstsq(design, x, rcond=None)
    resid = x - design @ coef
    assert resid.var() > 1e-3 * x.var()


def test_radial_twist_preserves_norm_and_law():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((20000, 2))
    zt = radial_twist(z)
    np.testing.assert_allclose(np.linalg.norm(zt, axis=1), np.linalg.norm(z, axis=1))
    np.testing.assert_allclose(radial_twist(z, strength=0.0), z)
    # same law: the covariance of the twisted sample is I up to 5 standard errors
    # (a covariance entry of n standard normals has standard error <= sqrt(2 / n))
    assert np.abs(np.cov(zt.T) - np.eye(2)).max() < 5 * np.sqrt(2 / len(z))


def test_control_is_not_affine():
    # pass criterion: control_r2 < 0.5
    for seed in SEEDS:
        assert radial_twist_control(4000, rng=seed)["r2_affine"] < 0.5


def test_metrics_of_exact_affine_map():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((600, 2))
    zh = z @ np.array([[2.0, 1.0], [0.0, -1.0]]) + 3.0
    res = evaluate_latents(z[:300], zh[:300], z[300:], zh[300:])
    assert res["r2_affine"] == pytest.approx(1.0) and res["weak_mcc"] == pytest.approx(1.0)


@pytest.mark.parametrize("prior", ["gmm", "normal"])
def test_log_prior_is_a_density(prior):
    # quadrature of exp(log p) on a fine 2-D grid: error of the Riemann sum on [-8, 8]^2
    # with step 0.02 is far below the 1e-3 tolerance for these smooth densities
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = GMPriorVAE(D=3, d=2, K=3, prior=prior)
    g = torch.linspace(-8, 8, 801, dtype=torch.float32)
    zz = torch.cartesian_prod(g, g)
    with torch.no_grad():
        mass = float(model.log_prior(zz).exp().sum()) * float(g[1] - g[0]) ** 2
    assert mass == pytest.approx(1.0, abs=1e-3)


def test_training_improves_elbo_and_leaves_global_rng():
    x, _, _ = make_gmm_piecewise_affine_data(400, rng=0)
    state = torch.get_rng_state()
    _, info = train_gmvae(x, steps=60, batch=128, seed=0)
    assert torch.equal(state, torch.get_rng_state())
    assert info["neg_elbo_final"] < info["neg_elbo_init"]


# ---------------------------------------------------------------- the study's claims


@pytest.fixture(scope="module")
def gmm_runs():
    torch.set_num_threads(1)
    runs = []
    for seed in SEEDS:
        # the study's quick settings: 4000 training and 2000 test points, 1500 Adam steps
        x, z, _ = make_gmm_piecewise_affine_data(6000, rng=seed)
        _, scores = _fit_and_score(x[:4000], z[:4000], x[4000:], z[4000:], "gmm", 2, 4,
                                   1500, seed, 512, 64)
        scores["control_r2"] = radial_twist_control(4000, rng=seed)["r2_affine"]
        runs.append(scores)
    return runs


@pytest.mark.slow
def test_gmm_vae_recovers_latent_up_to_affine_map(gmm_runs):
    # pass criteria, on each of three seeds: r2_affine > 0.85, weak_mcc > 0.85
    for run in gmm_runs:
        assert run["r2_affine"] > 0.85
        assert run["weak_mcc"] > 0.85


@pytest.mark.slow
def test_affine_r2_separates_model_from_control(gmm_runs):
    # r2_affine - control_r2 > 0.3, on each seed
    for run in gmm_runs:
        assert run["r2_affine"] - run["control_r2"] > 0.3


@pytest.mark.slow
def test_elbo_improves_over_initialisation(gmm_runs):
    for run in gmm_runs:
        assert run["neg_elbo_final"] < run["neg_elbo_init"]


def test_study_cli_json(tmp_path, capsys):
    from sosrmt.cli import main

    code = main(["ml", "identifiable_vae", "--json", "--out", str(tmp_path),
                 "--option", "steps=5", "--option", "n_train=200"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload["metrics"]) == {"gmm", "normal", "control"}
    assert (tmp_path / "identifiable_vae_latents.png").exists()


# ---------------------------------------------------------------- bad input


def test_bad_inputs():
    with pytest.raises(ValueError, match="D"):
        make_gmm_piecewise_affine_data(10, d=3, D=2)
    with pytest.raises(ValueError, match="noise"):
        make_gmm_piecewise_affine_data(10, noise=-1.0)
    with pytest.raises(ValueError, match="slope"):
        make_gmm_piecewise_affine_data(10, slope=1.5)
    with pytest.raises(TypeError, match="n"):
        make_gmm_piecewise_affine_data(10.5)
    with pytest.raises(ValueError, match="prior"):
        GMPriorVAE(4, 2, prior="laplace")
    with pytest.raises(ValueError, match="z"):
        radial_twist(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="x"):
        train_gmvae(np.full((10, 3), np.nan), steps=1)
    with pytest.raises(ValueError, match="steps"):
        train_gmvae(np.zeros((10, 3)), steps=0)
