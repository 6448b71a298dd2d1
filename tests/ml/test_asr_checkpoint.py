"""The local wav2vec2 path of the ASR study, on a tiny randomly initialised checkpoint.

A ``Wav2Vec2ForCTC`` with a few thousand weights is built with ``transformers``, written with
``save_pretrained`` and read back through :func:`load_wav2vec2_local` -- the code path a user
takes with a real checkpoint -- with ``HF_HUB_OFFLINE=1``, and the layer-noise study (E2A)
and the waveform-noise sweep (E1) run on it. Nothing is downloaded; espeak-ng is not needed.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("jiwer")

from sosrmt.ml.asr_robustness import (  # noqa: E402
    LocalCTC,
    checkpoint_layer_noise,
    inject_noise,
    load_wav2vec2_local,
)
from sosrmt.ml.speech import run_waveform_noise_sweep  # noqa: E402


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from transformers import (
        Wav2Vec2Config,
        Wav2Vec2CTCTokenizer,
        Wav2Vec2FeatureExtractor,
        Wav2Vec2ForCTC,
        Wav2Vec2Processor,
    )

    path = tmp_path_factory.mktemp("tiny_wav2vec2")
    letters = list("abcdefghijklmnopqrstuvwxyz'")
    vocab = {"<pad>": 0, "<unk>": 1, "|": 2} | {c: i + 3 for i, c in enumerate(letters)}
    (path / "vocab.json").write_text(json.dumps(vocab))
    tok = Wav2Vec2CTCTokenizer(str(path / "vocab.json"), unk_token="<unk>", pad_token="<pad>",
                               word_delimiter_token="|")
    fe = Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0,
                                  do_normalize=True, return_attention_mask=False)
    config = Wav2Vec2Config(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, conv_dim=(16, 16, 16), conv_stride=(5, 4, 4),
        conv_kernel=(10, 8, 8), num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4,
        pad_token_id=0, do_stable_layer_norm=False, feat_extract_norm="group")
    torch.manual_seed(0)
    Wav2Vec2ForCTC(config).save_pretrained(path)
    Wav2Vec2Processor(feature_extractor=fe, tokenizer=tok).save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def audio():
    rng = np.random.default_rng(0)
    t = np.arange(8000) / 16000
    auds = [(0.3 * np.sin(2 * np.pi * f * t) + 0.05 * rng.standard_normal(t.size)).astype(
        np.float32) for f in (220.0, 330.0, 440.0)]
    return ["a cat", "the dog", "one two"], auds


def test_reload_through_the_user_path(checkpoint, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = load_wav2vec2_local(checkpoint)
    assert isinstance(model, LocalCTC) and model.n_layers == 2
    assert len(model.hook_points()) == 3          # feature projection + 2 layers
    text = model(np.zeros(8000, np.float32))
    assert isinstance(text, str)
    with pytest.raises(FileNotFoundError, match="checkpoint"):
        load_wav2vec2_local(checkpoint / "missing")


def test_layer_noise_study_on_the_checkpoint(checkpoint, audio, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = load_wav2vec2_local(checkpoint)
    refs, auds = audio
    grid = checkpoint_layer_noise(model, refs, auds, [0.0, 4.0])
    assert grid.shape == (2, 3, 2) and np.all(np.isfinite(grid)) and np.all(grid >= 0)
    clean = [model(a) for a in auds]
    # sigma = 0 is an exact no-op at every layer and mode
    from sosrmt.ml.speech import wer

    assert np.all(grid[:, :, 0] == wer(refs, clean))
    # sigma > 0 really perturbs each hook point (the logits change)
    x = model.processor(auds[0], sampling_rate=16000, return_tensors="pt").input_values
    with torch.no_grad():
        base = model.model(x).logits
        for layer in range(3):
            for mode in ("add", "mult"):
                with inject_noise(model, layer, 0.5, mode, seed=1):
                    noisy = model.model(x).logits
                assert not torch.allclose(noisy, base)
            with inject_noise(model, layer, 0.0):
                assert torch.equal(model.model(x).logits, base)
    with pytest.raises(ValueError, match="refs"):
        checkpoint_layer_noise(model, refs, auds[:1], [0.0])


def test_waveform_noise_sweep_on_the_checkpoint(checkpoint, audio):
    model = load_wav2vec2_local(checkpoint)
    refs, auds = audio
    rows = run_waveform_noise_sweep(model, refs, auds, "white", [20, 0], dither_db=None)
    assert [r["level"] for r in rows] == [20, 0]
    assert all(0 <= r["wer"] and np.isfinite(r["sec_per_utt"]) for r in rows)
