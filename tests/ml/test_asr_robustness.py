"""Tests of the ASR robustness study (Rajendran and Zou, arXiv:2208.08509)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("jiwer")

from sosrmt.ml.asr_robustness import (  # noqa: E402
    TinyCTC,
    inject_noise,
    layerwise_error_propagation,
    layerwise_wer_grid,
    train_tiny_ctc,
    transcribe_wer,
)
from sosrmt.ml.speech import (  # noqa: E402
    SENTENCES,
    add_white_noise,
    drop_chunks,
    load_audio_folder,
    run_waveform_noise_sweep,
    speed_perturb,
    synthesize,
    wer,
)

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (apt-get install espeak-ng)")


# ---------------------------------------------------------------- exact small cases


def test_white_noise_has_the_requested_snr():
    a = np.sin(np.linspace(0, 300, 32000))
    noise = add_white_noise(a, 0.0, rng=1) - a
    # SNR of 32000 noise samples: relative error of the noise power ~ sqrt(2/n) = 0.8%,
    # i.e. 0.035 dB; 0.2 dB is ~6 standard errors
    assert abs(10 * np.log10(np.mean(a**2) / np.mean(noise**2))) < 0.2
    np.testing.assert_array_equal(add_white_noise(a, 0.0, mix_prob=0.0, rng=1), a)


def test_speed_and_drop_chunks():
    a = np.random.default_rng(0).standard_normal(3000)
    assert speed_perturb(a, 150).shape == (2000,)
    np.testing.assert_allclose(speed_perturb(a, 100), a)
    b = drop_chunks(a, 100, 4, rng=0)
    zeroed = np.flatnonzero(b == 0)
    assert 100 <= zeroed.size <= 400 and np.array_equal(b[b != 0], a[b != 0])
    np.testing.assert_array_equal(drop_chunks(a, 0, 10, rng=0), a)


def test_wer_exact():
    assert wer(["a b c d"], ["a x c"]) == pytest.approx(0.5)
    assert wer(["one two"], [""]) == pytest.approx(1.0)


def test_hook_is_exact_noop_at_zero_and_removed_after():
    model = TinyCTC(n_layers=2).eval()
    x = torch.randn(2, 40, 40)
    with torch.no_grad():
        ref = model(x)
        for layer in range(3):
            for mode in ("add", "mult"):
                with inject_noise(model, layer, 0.0, mode):
                    assert torch.equal(model(x), ref)
                with inject_noise(model, layer, 1.0, mode):
                    assert not torch.equal(model(x), ref)
        assert torch.equal(model(x), ref)  # hooks removed


def test_hidden_states_have_layer0_to_L():
    model = TinyCTC(n_layers=3).eval()
    _, hidden = model(torch.randn(1, 30, 40), return_hidden=True)
    assert len(hidden) == 4


def test_load_audio_folder(tmp_path):
    from scipy.io import wavfile

    wavfile.write(tmp_path / "u1.wav", 8000, (np.ones(800) * 1000).astype(np.int16))
    (tmp_path / "u1.txt").write_text("Hello World\n")
    refs, audios = load_audio_folder(tmp_path)
    assert refs == ["hello world"] and audios[0].shape == (1600,)
    with pytest.raises(FileNotFoundError):
        load_audio_folder(tmp_path / "missing")


# ---------------------------------------------------------------- E2A / E2B on the tiny model


@pytest.fixture(scope="module")
def tiny():
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    torch.set_num_threads(1)
    return train_tiny_ctc(240, 60, 150, seed=0)


@needs_espeak
@pytest.mark.slow
def test_tiny_ctc_learns(tiny):
    # criterion 1: clean test WER < 0.3, and training improves on the initial model
    _, _, info = tiny
    assert info["wer"] < 0.3
    assert info["wer"] < info["wer_init"]


@needs_espeak
@pytest.mark.slow
def test_layer_noise_grid(tiny):
    model, test, _ = tiny
    grid = layerwise_wer_grid(model, test, [0.0, 2.0])
    clean = transcribe_wer(model, test)
    # criterion 2: the hook is a no-op at sigma = 0, exactly, for every layer and mode
    assert np.all(grid[:, :, 0] == clean)
    # criterion 3: noise hurts every layer, and on average over layers by more than 0.3
    assert np.all(grid[:, :, 1] >= grid[:, :, 0])
    assert np.mean(grid[0, :, 1] - grid[0, :, 0]) > 0.3


@needs_espeak
@pytest.mark.slow
def test_error_propagation_vector(tiny):
    model, test, _ = tiny
    errs = layerwise_error_propagation(model, test, 0.3)
    # criterion 5: finite, positive, one entry per layer plus the front end
    assert errs.shape == (model.n_layers + 1,)
    assert np.all(np.isfinite(errs)) and np.all(errs > 0)
    # more input noise, more error at every layer
    assert np.all(layerwise_error_propagation(model, test, 0.6) > errs)


# ---------------------------------------------------------------- E1 on pocketsphinx


@needs_espeak
@pytest.mark.slow
def test_pocketsphinx_degrades_with_waveform_noise():
    pytest.importorskip("pocketsphinx")
    from sosrmt.ml.speech import PocketSphinxASR

    refs = list(SENTENCES[:4])
    audios = synthesize(refs)
    asr = PocketSphinxASR()
    white = run_waveform_noise_sweep(asr.transcribe, refs, audios, "white", [35, -5])
    speed = run_waveform_noise_sweep(asr.transcribe, refs, audios, "speed", [50])
    # criterion 4: WER(-5 dB) > WER(35 dB dither) + 0.3, and 50 % speed is worse than clean
    assert white[1]["wer"] > white[0]["wer"] + 0.3
    assert speed[0]["wer"] > white[0]["wer"]
    # criterion 6: timing is reported, never asserted beyond being a number
    assert all(np.isfinite(r["sec_per_utt"]) for r in white + speed)


# ---------------------------------------------------------------- bad input


def test_bad_inputs():
    model = TinyCTC(n_layers=1)
    with pytest.raises(ValueError, match="mode"):
        with inject_noise(model, 0, 0.1, "bogus"):
            pass
    with pytest.raises(ValueError, match="layer"):
        with inject_noise(model, 5, 0.1):
            pass
    with pytest.raises(ValueError, match="sigma"):
        with inject_noise(model, 0, -1.0):
            pass
    with pytest.raises(ValueError, match="mix_prob"):
        add_white_noise(np.ones(10), 0.0, mix_prob=2.0)
    with pytest.raises(ValueError, match="speed_pct"):
        speed_perturb(np.ones(10), 0)
    with pytest.raises(ValueError, match="refs"):
        wer(["a"], [])
    with pytest.raises(ValueError, match="noise"):
        run_waveform_noise_sweep(lambda a: "", ["a"], [np.ones(10)], "reverb", [1])
    with pytest.raises(TypeError, match="texts"):
        synthesize("not a list")
    with pytest.raises(ValueError, match="expected finite"):
        add_white_noise(np.array([np.nan, 1.0]), 0.0)
