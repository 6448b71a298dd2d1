"""Speech for the ASR study: synthesis, waveform perturbations, WER and a recogniser.

Part of the reproduction of Rajendran and Zou, *Analyzing Robustness of End-to-End Neural
Models for Automatic Speech Recognition* (arXiv:2208.08509), Section 3 (experiment E1).
Speech is synthesised with Debian's ``espeak-ng``; the noise families are re-implemented in
numpy exactly as speechbrain parametrises them (``AddNoise`` white noise at an SNR with a mix
probability, ``SpeedPerturb`` by polyphase resampling, ``DropChunk`` zeroing ``count`` chunks
of ``length`` samples); :class:`PocketSphinxASR` is the pretrained en-us recogniser that ships
inside the ``pocketsphinx`` wheel; :func:`load_audio_folder` reads a local corpus.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

from sosrmt._validation import as_rng, check_finite_array, check_int
from sosrmt.ml.study import RngLike

__all__ = [
    "DIGITS",
    "SENTENCES",
    "SR",
    "PocketSphinxASR",
    "add_white_noise",
    "drop_chunks",
    "espeak_available",
    "load_audio_folder",
    "require_espeak",
    "run_waveform_noise_sweep",
    "speed_perturb",
    "synthesize",
    "wer",
]


SR = 16000
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SENTENCES = (
    "the quick brown fox jumps over the lazy dog",
    "please call me back in ten minutes",
    "the weather is nice today",
    "open the door and turn on the light",
    "she sells sea shells by the sea shore",
    "we need more time to finish the project",
    "my phone number is five five five one two three four",
    "turn left at the next corner",
)

# ------------------------------------------------------------------ audio and noise


def espeak_available() -> bool:
    """Whether the ``espeak-ng`` executable is on the PATH."""
    return shutil.which("espeak-ng") is not None


def require_espeak() -> str:
    """The path of ``espeak-ng``; a one-line :class:`FileNotFoundError` when it is missing."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise FileNotFoundError(
            "espeak-ng not found; install it with apt-get install espeak-ng")
    return exe


@functools.lru_cache(maxsize=4096)
def _espeak(text: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    exe = require_espeak()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.wav"
        subprocess.run([exe, "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(path),
                        text], check=True, capture_output=True)
        sr, a = wavfile.read(path)
    a = a.astype(np.float32) / 32768.0
    if sr != SR:
        g = np.gcd(SR, sr)
        a = resample_poly(a, SR // g, sr // g).astype(np.float32)
    return a


def synthesize(texts: Sequence[str], voice: str = "en-us", speed: int = 150,
               pitch: int = 50) -> list[np.ndarray]:
    """Synthesise ``texts`` with espeak-ng, resampled to 16 kHz float32 in [-1, 1].

    Examples
    --------
    >>> if espeak_available():  # doctest: +SKIP
    ...     a, = synthesize(["hello"]); a.dtype
    dtype('float32')
    """
    speed = check_int(speed, "speed", minimum=80, maximum=500)
    pitch = check_int(pitch, "pitch", minimum=0, maximum=99)
    if isinstance(texts, str) or not all(isinstance(t, str) and t.strip() for t in texts):
        raise TypeError("texts: expected a sequence of non-empty strings")
    return [_espeak(t, voice, speed, pitch).copy() for t in texts]


def add_white_noise(a: np.ndarray, snr_db: float, mix_prob: float = 1.0,
                    rng: RngLike = None) -> np.ndarray:
    """White Gaussian noise at ``snr_db`` dB, applied with probability ``mix_prob``.

    Notes
    -----
    As speechbrain's ``AddNoise`` without a noise file: with probability ``mix_prob`` return
    :math:`a + \\sigma\\varepsilon` with
    :math:`\\sigma^2 = \\overline{a^2}\\,10^{-\\mathrm{SNR}/10}`.

    Examples
    --------
    >>> a = np.sin(np.linspace(0, 100, 16000))
    >>> n = add_white_noise(a, 10.0, rng=0) - a
    >>> round(float(10 * np.log10(np.mean(a**2) / np.mean(n**2))), 1)
    10.0
    """
    a = check_finite_array(a, "a", ndim=1)
    if not 0 <= mix_prob <= 1:
        raise ValueError(f"mix_prob: expected a probability in [0, 1], got {mix_prob}")
    rng = as_rng(rng)
    if rng.random() >= mix_prob:
        return a.copy()
    sigma = np.sqrt(np.mean(a**2) * 10 ** (-snr_db / 10))
    return a + sigma * rng.standard_normal(a.shape)


def speed_perturb(a: np.ndarray, speed_pct: int) -> np.ndarray:
    """Play ``a`` at ``speed_pct`` percent speed (polyphase resampling, as ``SpeedPerturb``).

    Examples
    --------
    >>> speed_perturb(np.zeros(1000), 50).shape
    (2000,)
    """
    a = check_finite_array(a, "a", ndim=1)
    speed_pct = check_int(speed_pct, "speed_pct", minimum=10, maximum=1000)
    g = np.gcd(100, speed_pct)
    return resample_poly(a, 100 // g, speed_pct // g)


def drop_chunks(a: np.ndarray, length: int, count: int, rng: RngLike = None) -> np.ndarray:
    """Zero ``count`` chunks of ``length`` samples at uniform random positions (``DropChunk``).

    Examples
    --------
    >>> int((drop_chunks(np.ones(1000), 10, 3, rng=0) == 0).sum()) <= 30
    True
    """
    a = check_finite_array(a, "a", ndim=1)
    length = check_int(length, "length", minimum=0)
    count = check_int(count, "count", minimum=0)
    rng = as_rng(rng)
    out = a.copy()
    if length == 0 or count == 0:
        return out
    starts = rng.integers(0, max(1, len(a) - length), count)
    for s in starts:
        out[s:s + length] = 0.0
    return out


def wer(refs: Sequence[str], hyps: Sequence[str]) -> float:
    """Corpus word error rate (jiwer) after lower-casing and stripping.

    Examples
    --------
    >>> wer(["one two three"], ["one too three"])
    0.3333333333333333
    """
    import jiwer

    if len(refs) != len(hyps) or not refs:
        raise ValueError(f"refs, hyps: expected two non-empty lists of the same length, got "
                         f"{len(refs)} and {len(hyps)}")
    hyps = [h.lower().strip() or "<empty>" for h in hyps]
    return float(jiwer.wer([r.lower().strip() for r in refs], hyps))


# ------------------------------------------------------------------ E1: pocketsphinx


class PocketSphinxASR:
    """The pretrained en-us recogniser shipped inside the pocketsphinx wheel.

    Parameters
    ----------
    **config
        Decoder options. The default bounds the search to ``maxhmmpf=3000`` active HMMs per
        frame, so that noisy input decodes in seconds per utterance on a loaded 2-core machine
        instead of tens of seconds; ``maxhmmpf=-1`` restores pocketsphinx's own default, and
        ``fwdflat=False, bestpath=False`` roughly halves the time again at a higher error.

    Notes
    -----
    :meth:`transcribe` converts to 16-bit PCM and decodes one utterance with the full en-us
    trigram language model; ``seconds`` accumulates the decoding wall time (reported as seconds
    per utterance, never asserted).
    """

    def __init__(self, **config) -> None:
        from pocketsphinx import Config, Decoder

        options = {"maxhmmpf": 3000} | config
        self.decoder = Decoder(Config(samprate=SR, loglevel="FATAL", **options))
        self.seconds = 0.0
        self.utterances = 0

    def transcribe(self, a: np.ndarray) -> str:
        """Decode one 16 kHz float waveform."""
        pcm = (np.clip(np.asarray(a, float), -1, 1) * 32767).astype(np.int16).tobytes()
        t0 = time.perf_counter()
        self.decoder.start_utt()
        self.decoder.process_raw(pcm, full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        self.seconds += time.perf_counter() - t0
        self.utterances += 1
        return hyp.hypstr if hyp is not None else ""


def run_waveform_noise_sweep(asr: Callable[[np.ndarray], str], refs: Sequence[str],
                             audios: Sequence[np.ndarray], noise: str, levels: Sequence,
                             *, dither_db: float = 35.0, seed: int = 0) -> list[dict]:
    """WER and seconds per utterance of ``asr`` under one noise family at several levels.

    Parameters
    ----------
    asr : callable
        ``waveform -> transcript``.
    refs, audios
        References and clean waveforms.
    noise : {'white', 'speed', 'drop_length', 'drop_count'}
        White noise at SNR (dB) = level; speed in percent; dropped chunks of ``level`` samples
        (count 5) or ``level`` chunks of 800 samples.
    levels : sequence
    dither_db : float
        Faint white noise added first to every waveform (espeak-ng's digital silence decodes
        badly); ``None`` disables it.
    seed : int

    Returns
    -------
    list of dict
        ``{"level", "wer", "sec_per_utt"}`` per level.
    """
    if noise not in {"white", "speed", "drop_length", "drop_count"}:
        raise ValueError("noise: expected 'white', 'speed', 'drop_length' or 'drop_count', got "
                         f"{noise!r}")
    out = []
    for li, level in enumerate(levels):
        rng = np.random.default_rng([seed, li])
        hyps, t0 = [], time.perf_counter()
        for a in audios:
            b = add_white_noise(a, dither_db, rng=rng) if dither_db is not None else a
            if noise == "white":
                b = add_white_noise(b, float(level), rng=rng)
            elif noise == "speed":
                b = speed_perturb(b, int(level))
            elif noise == "drop_length":
                b = drop_chunks(b, int(level), 5, rng=rng)
            else:
                b = drop_chunks(b, 800, int(level), rng=rng)
            hyps.append(asr(b))
        out.append({"level": level, "wer": wer(refs, hyps),
                    "sec_per_utt": (time.perf_counter() - t0) / len(audios)})
    return out



def load_audio_folder(folder: str | Path, limit: int | None = None,
                      ) -> tuple[list[str], list[np.ndarray]]:
    """Read ``*.wav`` files with a sibling ``*.txt`` transcript (e.g. a LibriSpeech export).

    Audio is converted to 16 kHz mono float32. Nothing is downloaded.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"folder: {folder} is not a directory")
    refs, audios = [], []
    for wav in sorted(folder.rglob("*.wav"))[:limit]:
        txt = wav.with_suffix(".txt")
        if not txt.exists():
            continue
        sr, a = wavfile.read(wav)
        a = a.astype(np.float32)
        if a.ndim == 2:
            a = a.mean(1)
        if np.abs(a).max() > 1.5:
            a = a / 32768.0
        if sr != SR:
            g = np.gcd(SR, sr)
            a = resample_poly(a, SR // g, sr // g).astype(np.float32)
        refs.append(txt.read_text().strip().lower())
        audios.append(a)
    if not refs:
        raise ValueError(f"folder: no .wav files with .txt transcripts under {folder}")
    return refs, audios
