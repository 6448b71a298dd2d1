"""Tests of sosrmt.ml.context_hijacking (Jiang et al., NeurIPS 2024, arXiv:2406.18400)."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sosrmt.ml import context_hijacking as ch  # noqa: E402


def test_toy_fact_records_bad_input():
    with pytest.raises(ValueError):
        ch.toy_fact_records(0)


# --------------------------------------------------------------------------------------
# COUNTERFACT handling
# --------------------------------------------------------------------------------------

def test_load_counterfact_fixture_and_bad_files(tmp_path):
    recs = ch.load_counterfact()
    assert 5 <= len(recs) <= 10
    assert all(r.target_true != r.target_false and "{}" in r.prompt for r in recs)
    assert recs[0].text.startswith(recs[0].subject)
    assert len(ch.load_counterfact(limit=3)) == 3
    with pytest.raises(ValueError, match="path"):
        ch.load_counterfact(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="JSON"):
        ch.load_counterfact(bad)
    bad.write_text(json.dumps([{"requested_rewrite": {"prompt": "{} x", "subject": "s"}}]))
    with pytest.raises(ValueError, match="field"):
        ch.load_counterfact(bad)
    bad.write_text(json.dumps({"a": 1}))
    with pytest.raises(ValueError, match="list"):
        ch.load_counterfact(bad)


class _BigramLM(torch.nn.Module):
    """A fixed 'LM' over a word vocabulary: logits depend only on the words present."""

    def __init__(self, vocab):
        super().__init__()
        self.vocab = vocab

    def forward(self, input_ids):
        T = input_ids.shape[1]
        logits = torch.zeros(1, T, len(self.vocab))
        seen = torch.zeros(len(self.vocab))
        for t in range(T):
            seen[input_ids[0, t]] += 1.0
            logits[0, t] = seen       # mentioned words become more likely

        class Out:
            pass

        out = Out()
        out.logits = logits
        return out


class _WordTok:
    def __init__(self, vocab):
        self.vocab = {w: i for i, w in enumerate(vocab)}

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": [self.vocab[w] for w in text.lower().replace(".", " .").split()]}


def test_context_hijack_efficacy_exact_on_counting_lm():
    vocab = ["the", "x", "is", "in", "paris", "rome", "do", "not", "think", "of", "."]
    lm, tok = _BigramLM(vocab), _WordTok(vocab)
    recs = [ch.CounterfactRecord("the {} is in", "x", "paris", "rome")]
    # no prepend: paris and rome are tied -> no win, equal probabilities
    out = ch.context_hijack_efficacy(lm, tok, recs, 0)
    assert out["es"] == 0.0 and out["p_false"] == pytest.approx(out["p_true"])
    # one prepend naming rome: logit(rome) = 1 > logit(paris) = 0 -> hijacked
    out = ch.context_hijack_efficacy(lm, tok, recs, 1)
    assert out["es"] == 1.0
    # counts after "do not think of rome . the x is in": ten words once, paris never
    z = 10 * np.e + 1
    assert out["p_false"] == pytest.approx(np.e / z) and out["p_true"] == pytest.approx(1 / z)
    assert ch.context_hijack_efficacy(lm, tok, recs, 2, scheme="reverse")["es"] == 0.0
    with pytest.raises(ValueError, match="scheme"):
        ch.context_hijack_efficacy(lm, tok, recs, 1, scheme="sideways")
    with pytest.raises(ValueError, match="template"):
        ch.context_hijack_efficacy(lm, tok, recs, 1, template="no placeholder")
    with pytest.raises(ValueError, match="records"):
        ch.context_hijack_efficacy(lm, tok, [], 1)
    with pytest.raises(ValueError, match="n_prepend"):
        ch.context_hijack_efficacy(lm, tok, recs, -1)


def test_load_local_lm_refuses_non_checkpoint(tmp_path):
    with pytest.raises(ValueError, match=r"config\.json"):
        ch.load_local_lm(tmp_path)


# --------------------------------------------------------------------------------------
# context hijacking pipeline (toy LM trained from scratch, reloaded via from_pretrained)
# --------------------------------------------------------------------------------------

def test_control_target_is_neither_true_nor_false():
    recs = ch.toy_fact_records(20, rng=3)
    for i, rec in enumerate(recs):
        assert ch._control_target(recs, i) not in (rec.target_true, rec.target_false)


def test_bayes_hijack_es_threshold():
    # odds after k mentions: eps / ((n-1)(1-eps)) * 9^k with p = 0.5, n = 8
    assert ch.bayes_hijack_es([0, 1, 2, 3]) == [0.0, 0.0, 1.0, 1.0]
    assert ch.bayes_hijack_es([0, 1, 2], p_fact_noise=0.0) == [0.0, 0.0, 0.0]
    assert ch.bayes_hijack_es([1], p_fact_noise=0.5) == [1.0]  # 1/7 * 9 > 1


@pytest.mark.slow
def test_toy_lm_is_hijacked_and_the_control_is_not(tmp_path):
    """The effect itself, on the quick-mode toy LM (60 subjects, 800 steps), two seeds."""
    pytest.importorskip("transformers")
    curves = []
    for seed in (0, 1):
        rec_rng, lm_rng = np.random.SeedSequence(seed).spawn(2)
        recs = ch.toy_fact_records(60, rng=rec_rng)
        ch.train_toy_fact_lm(recs, tmp_path / str(seed), steps=800, rng=lm_rng)
        assert (tmp_path / str(seed) / "config.json").is_file()
        lm, tok = ch.load_local_lm(tmp_path / str(seed))
        curve = ch.hijack_curve(lm, tok, recs, [0, 1, 2, 3], "do not think of {} .")
        # without prepends the model answers the stored fact (measured ES(0) = 0.0, 0.0)
        assert curve["es"][0] <= 0.1
        # three prepends naming the false city flip a majority of the answers (measured
        # 0.70, 0.78), the control naming a third city does not (0.15, 0.05), and naming
        # the true city never does (0.0)
        assert curve["es"][3] >= 0.5
        assert curve["es"][3] - curve["es_control"][3] >= 0.3
        assert max(curve["es_reverse"]) <= 0.1
        curves.append(curve)
    # ES grows with the number of prepends (mean over seeds; measured 0, .23, .49, .74)
    es = np.mean([c["es"] for c in curves], axis=0)
    assert es[0] < es[1] < es[2] < es[3]
    # the same code path runs on the shipped COUNTERFACT-style fixture (unknown words -> UNK)
    out = ch.context_hijack_efficacy(lm, tok, ch.load_counterfact(), 2)
    assert 0.0 <= out["es"] <= 1.0 and out["p_false"] > 0
