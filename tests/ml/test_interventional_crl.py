"""Tests of the interventional CRL study (Buchholz et al., NeurIPS 2023)."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sosrmt.ml.causal_graphs import recover_dag, shd  # noqa: E402
from sosrmt.ml.interventional_crl import (  # noqa: E402
    QuadraticLogOddsCRL,
    baseline_mccs,
    crl_experiment,
    fit_contrastive_crl,
    random_injective_mlp,
    sample_environments,
    sample_linear_gaussian_scm,
)

SEEDS = (0, 1)


# ---------------------------------------------------------------- exact small cases


def test_scm_is_a_dag_and_environments_cut_parents():
    A, sigma = sample_linear_gaussian_scm(4, 1.0, rng=0)
    assert np.allclose(np.linalg.matrix_power(A, 4), 0)
    Zs, targets, st = sample_environments(A, sigma, 40000, rng=1)
    B = np.diag(1 / sigma) @ (np.eye(4) - A)
    cov0 = np.linalg.inv(B.T @ B)
    # observational covariance matches (I - A)^{-1} D (I - A)^{-T} within 5 standard errors
    # (entry standard error <= sqrt(2 / n) * max variance)
    se = np.sqrt(2 / 40000) * np.max(np.diag(cov0))
    assert np.abs(np.cov(Zs[0].T) - cov0).max() < 5 * se
    for k, t in enumerate(targets, start=1):
        # the intervened node has variance sigma_tilde^2 and no parents
        assert abs(Zs[k][:, t].var() / st[k - 1] ** 2 - 1) < 5 * np.sqrt(2 / 40000)


def test_exact_log_odds_is_the_quadratic_form():
    # log p_t(z) - log p_0(z) = log|eta_tt / b_tt| - (eta^T z)^2 / 2 + (b^T z)^2 / 2
    from scipy.stats import multivariate_normal

    A, sigma = sample_linear_gaussian_scm(3, 1.0, rng=2)
    B = np.diag(1 / sigma) @ (np.eye(3) - A)
    t, s_t = 1, 0.3
    Bt = B.copy()
    Bt[t] = 0.0
    Bt[t, t] = 1 / s_t
    z = np.random.default_rng(0).standard_normal((5, 3))
    lp0 = multivariate_normal(np.zeros(3), np.linalg.inv(B.T @ B)).logpdf(z)
    lpt = multivariate_normal(np.zeros(3), np.linalg.inv(Bt.T @ Bt)).logpdf(z)
    quad = np.log(abs(Bt[t, t] / B[t, t])) - 0.5 * (z @ Bt[t]) ** 2 + 0.5 * (z @ B[t]) ** 2
    np.testing.assert_allclose(lpt - lp0, quad, atol=1e-10)


def test_model_logits_implement_the_quadratic_form():
    model = QuadraticLogOddsCRL(D=4, d=2, n_envs=2)
    x = torch.randn(7, 4)
    with torch.no_grad():
        h = model.encoder(x)
        expected = (model.c - 0.5 * (h @ model.eta.T) ** 2 + 0.5 * (h @ model.beta.T) ** 2)
        torch.testing.assert_close(model.logits(x), expected)


def test_mixing_is_injective_on_a_sample():
    f = random_injective_mlp(3, 6, rng=0)
    z = np.random.default_rng(0).standard_normal((500, 3))
    x = f(z)
    dz = np.linalg.norm(z[:, None] - z[None], axis=-1)
    dx = np.linalg.norm(x[:, None] - x[None], axis=-1)
    off = ~np.eye(500, dtype=bool)
    assert dx[off].min() > 0 and dz[off].min() > 0


def test_baselines_recover_linear_ica_mixture():
    rng = np.random.default_rng(0)
    z = rng.laplace(size=(4000, 3))
    x = z @ rng.standard_normal((3, 3))
    assert baseline_mccs(x[:2000], x[2000:], z[2000:])["ica_mcc"] > 0.95


# ---------------------------------------------------------------- the study's claims


@pytest.fixture(scope="module")
def runs():
    torch.set_num_threads(1)
    return [crl_experiment(3, 6, n=5000, steps=1200, seed=s) for s in SEEDS]


@pytest.mark.slow
def test_contrastive_crl_recovers_latents(runs):
    # pass criteria on every seed: mcc > 0.8 and r2_affine > 0.9
    for r in runs:
        assert r["mcc"] > 0.8
        assert r["r2_affine"] > 0.9


@pytest.mark.slow
def test_interventions_beat_pca_and_graph_reference(runs):
    # the encoder with all d interventions is closer to affine in z than PCA of the pooled
    # data (measured 0.958 vs 0.78, 0.957 vs 0.53)
    for r in runs:
        assert r["r2_affine"] > r["pca_r2_affine"] + 0.1
        # the DAG estimator recovers the true graph from the true latents (measured SHD 0, 0);
        # from our read-outs it does not (measured 3, 2 against 1 for the empty graph), so
        # the read-out SHD is reported, not asserted
        assert r["shd_oracle"] == 0
        assert isinstance(r["shd"], int) and r["shd"] >= 0


def test_recover_dag_on_true_latents_of_random_scms():
    # the estimator itself, on exact latents of 20 random 5-node SCMs (no training):
    # measured mean SHD 0.7 over 40 SCMs, against 5.5 true edges on average
    shds, edges = [], []
    for s in range(20):
        rng = np.random.default_rng([s, 2306_02235])
        A, sigma = sample_linear_gaussian_scm(5, 0.5, rng)
        Zs, t, _ = sample_environments(A, sigma, 5000, rng)
        g = A[np.ix_(t, t)] != 0
        shds.append(shd(g, recover_dag(Zs[0][:, t], [Z[:, t] for Z in Zs[1:]])))
        edges.append(int(g.sum()))
    assert np.mean(shds) <= 1.5 and np.mean(shds) < 0.3 * np.mean(edges)


def test_shd_and_recover_dag_bad_input():
    with pytest.raises(ValueError, match="g_true"):
        shd(np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="z_int"):
        recover_dag(np.zeros((10, 2)), [np.zeros((10, 2))])


@pytest.mark.slow
def test_contrastive_crl_beats_pca_and_ica(runs):
    # mcc > max(ica_mcc, pca_mcc) + 0.1 on every seed
    for r in runs:
        assert r["mcc"] > max(r["ica_mcc"], r["pca_mcc"]) + 0.1


def test_study_cli_json(tmp_path, capsys):
    from sosrmt.cli import main

    code = main(["ml", "interventional_crl", "--json", "--out", str(tmp_path),
                 "--option", "steps=5", "--option", "n=200"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert {"runs", "no_recon", "interventions"} <= set(payload["metrics"])
    assert payload["metrics"]["interventions"]["n_interventions"] == [0, 1, 2, 3]
    assert (tmp_path / "interventional_crl_mcc.png").exists()


# ---------------------------------------------------------------- bad input


def test_bad_inputs():
    with pytest.raises(ValueError, match="p_edge"):
        sample_linear_gaussian_scm(3, 1.5)
    with pytest.raises(ValueError, match="DAG"):
        sample_environments(np.ones((2, 2)), np.ones(2), 10)
    with pytest.raises(ValueError, match="sigma"):
        sample_environments(np.zeros((2, 2)), -np.ones(2), 10)
    with pytest.raises(ValueError, match="A, sigma"):
        sample_environments(np.zeros((2, 2)), np.ones(3), 10)
    with pytest.raises(ValueError, match="D"):
        random_injective_mlp(4, 2)
    with pytest.raises(ValueError, match="Xs"):
        fit_contrastive_crl([np.zeros((5, 2))], 2)
    with pytest.raises(ValueError, match="Xs"):
        fit_contrastive_crl([np.zeros((5, 2)), np.zeros((5, 3))], 2)
    with pytest.raises(ValueError, match="recon_weight"):
        fit_contrastive_crl([np.zeros((5, 2)), np.ones((5, 2))], 2, recon_weight=-1.0)
