"""Robustness of end-to-end ASR models to waveform and hidden-layer noise (Rajendran and Zou, 2022).

Rajendran and Zou, *Analyzing Robustness of End-to-End Neural Models for Automatic Speech
Recognition*, arXiv 2208.08509 (code github.com/weizou52/Robustness_Analysis_ASR at f18f71a).

The paper measures (E1) the word error rate of wav2vec2 / HuBERT under white noise, speed
perturbation and dropped chunks of the waveform, (E2A) the WER when Gaussian noise is added to
(additive, ``h + sigma eps``) or multiplied into (``h + h sigma eps``) the output of one encoder
layer, and (E2B) how an input perturbation propagates through the layers
(``||h_i(noisy) - h_i(clean)||_2 / sqrt(numel)``).

No hub weights or corpora may be downloaded at run time, so this study keeps the pipeline and
substitutes the models and data:

* speech is synthesised with Debian's ``espeak-ng`` and E1 runs on the pocketsphinx en-us
  recogniser (both in :mod:`sosrmt.ml.speech`);
* E2A/E2B run on a small post-LayerNorm Transformer-CTC recogniser (the block type of
  wav2vec2-base) trained in the study on espeak-ng digit strings, with noise injected by forward
  hooks at the same places as the authors' ``custom_wav2vec2.py``: "layer 0" after the
  convolutional front end's LayerNorm, "layer k" after Transformer layer k.

``load_wav2vec2_local`` / ``load_audio_folder`` accept a local wav2vec2 / HuBERT checkpoint
directory and a local folder of ``.wav`` + ``.txt`` files, so users who have LibriSpeech or TIMIT
and the checkpoints can run the same sweeps (no download is attempted).
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from sosrmt._validation import check_int
from sosrmt.ml._figures import new_figure
from sosrmt.ml._torch import hf_offline, single_threaded
from sosrmt.ml.speech import (
    DIGITS,
    SENTENCES,
    SR,
    PocketSphinxASR,
    add_white_noise,
    load_audio_folder,
    require_espeak,
    run_waveform_noise_sweep,
    synthesize,
    wer,
)
from sosrmt.ml.study import Study, StudyResult

__all__ = [
    "STUDY",
    "LocalCTC",
    "TinyCTC",
    "asr_figure",
    "checkpoint_layer_noise",
    "inject_noise",
    "layer_noise_grid",
    "layerwise_error_propagation",
    "layerwise_wer_grid",
    "load_wav2vec2_local",
    "run_asr_robustness",
    "train_tiny_ctc",
    "transcribe_wer",
]

# ------------------------------------------------------------------ E2: tiny Transformer-CTC


@functools.lru_cache(maxsize=4)
def _mel_filterbank(n_mels: int, n_fft: int, sr: int = SR) -> np.ndarray:
    def hz2mel(f):
        return 2595 * np.log10(1 + f / 700)

    def mel2hz(m):
        return 700 * (10 ** (m / 2595) - 1)

    pts = mel2hz(np.linspace(hz2mel(60), hz2mel(sr / 2 - 200), n_mels + 2))
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    fb = np.zeros((n_mels, freqs.size))
    for i in range(n_mels):
        lo, c, hi = pts[i], pts[i + 1], pts[i + 2]
        fb[i] = np.clip(np.minimum((freqs - lo) / (c - lo), (hi - freqs) / (hi - c)), 0, None)
    return fb.astype(np.float32)


def log_mel(a: np.ndarray, n_mels: int = 40) -> torch.Tensor:
    """Log-mel features (25 ms window, 10 ms hop), shape (frames, n_mels).

    Examples
    --------
    >>> log_mel(np.zeros(16000, dtype=np.float32)).shape
    torch.Size([101, 40])
    """
    x = torch.as_tensor(np.asarray(a, dtype=np.float32))
    spec = torch.stft(x, n_fft=512, hop_length=160, win_length=400,
                      window=torch.hann_window(400), return_complex=True).abs() ** 2
    mel = torch.as_tensor(_mel_filterbank(n_mels, 512)) @ spec
    return torch.log(mel + 1e-6).T


class TinyCTC(nn.Module):
    """Conv front end, LayerNorm ("layer 0") and post-LN Transformer layers, CTC over words.

    Parameters
    ----------
    n_layers : int
        Transformer encoder layers.
    d_model, n_heads : int
    n_mels : int
    vocab : int
        Output classes including the CTC blank (index 0).

    Examples
    --------
    >>> m = TinyCTC(n_layers=2)
    >>> logits, hidden = m(torch.zeros(1, 50, 40), return_hidden=True)
    >>> logits.shape, len(hidden)
    (torch.Size([1, 13, 11]), 3)
    """

    def __init__(self, n_layers: int = 4, d_model: int = 64, n_heads: int = 4, n_mels: int = 40,
                 vocab: int = len(DIGITS) + 1) -> None:
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(n_mels, d_model, 5, stride=2, padding=2), nn.GELU(),
                                  nn.Conv1d(d_model, d_model, 3, stride=2, padding=1), nn.GELU())
        self.norm0 = nn.LayerNorm(d_model)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(d_model, n_heads, 2 * d_model, dropout=0.0,
                                       batch_first=True, norm_first=False)
            for _ in range(n_layers))
        self.head = nn.Linear(d_model, vocab)
        self.n_layers = n_layers

    def hook_points(self) -> list[nn.Module]:
        """Modules whose outputs are "layer 0..L" (the noise-injection points)."""
        return [self.norm0, *self.layers]

    def forward(self, feats: torch.Tensor, pad_mask: torch.Tensor | None = None,
                return_hidden: bool = False):
        """``feats`` (batch, frames, n_mels) -> CTC logits (batch, ~frames / 4, vocab)."""
        h = self.norm0(self.conv(feats.transpose(1, 2)).transpose(1, 2))
        hidden = [h]
        for layer in self.layers:
            h = layer(h, src_key_padding_mask=pad_mask)
            hidden.append(h)
        logits = self.head(h)
        return (logits, hidden) if return_hidden else logits


def _digit_corpus(n: int, rng: np.random.Generator, voices: Sequence[tuple[str, int, int]]):
    """Utterances of 2-4 digits: per-digit espeak clips joined by random short silences."""
    texts, audios = [], []
    for _ in range(n):
        k = int(rng.integers(2, 5))
        digits = rng.integers(0, 10, k)
        voice = voices[int(rng.integers(len(voices)))]
        parts = [np.zeros(int(rng.integers(800, 2400)), np.float32)]
        for dgt in digits:
            clip = synthesize([DIGITS[dgt]], *voice)[0]
            nz = np.flatnonzero(np.abs(clip) > 1e-3)
            clip = clip[nz[0]:nz[-1] + 1] if nz.size else clip
            parts += [clip, np.zeros(int(rng.integers(800, 2400)), np.float32)]
        a = np.concatenate(parts)
        a = add_white_noise(a, 35.0, rng=rng).astype(np.float32)
        texts.append(" ".join(DIGITS[dgt] for dgt in digits))
        audios.append(a)
    return texts, audios


def _featurise(audios: Sequence[np.ndarray]) -> list[torch.Tensor]:
    feats = [log_mel(a) for a in audios]
    return [(f - f.mean(0)) / (f.std(0) + 1e-5) for f in feats]


def _pad(feats: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([f.shape[0] for f in feats])
    x = nn.utils.rnn.pad_sequence(list(feats), batch_first=True)
    out_len = ((lengths + 1) // 2 + 1) // 2
    mask = torch.arange(int(out_len.max()))[None] >= out_len[:, None]
    return x, out_len, mask


def greedy_decode(logits: torch.Tensor, out_len: torch.Tensor) -> list[str]:
    """Greedy CTC decoding (argmax, merge repeats, drop blanks) to digit words."""
    best = logits.argmax(-1)
    texts = []
    for row, n in zip(best, out_len, strict=True):
        prev, words = 0, []
        for k in row[: int(n)].tolist():
            if k != prev and k != 0:
                words.append(DIGITS[k - 1])
            prev = k
        texts.append(" ".join(words))
    return texts


VOICES = (("en-us", 150, 50), ("en-us+f3", 170, 60), ("en+m3", 140, 40),
          ("en-us+m7", 180, 55), ("en+f2", 160, 70), ("en-us+f4", 130, 45))


def train_tiny_ctc(n_train: int = 240, n_test: int = 60, steps: int = 150, *, batch: int = 32,
                   lr: float = 2e-3, n_layers: int = 4, seed: int = 0):
    """Train :class:`TinyCTC` on synthesised digit strings; return the model and the test set.

    Returns
    -------
    model : TinyCTC
    test : dict
        ``texts``, ``feats`` (list of normalised log-mel tensors) and ``audios``.
    info : dict
        ``wer_init``, ``wer`` (test WER before and after training), ``train_seconds``.
    """
    rng = np.random.default_rng([seed, 2208_08509])
    tr_texts, tr_audio = _digit_corpus(n_train, rng, VOICES)
    te_texts, te_audio = _digit_corpus(n_test, rng, VOICES)
    tr_feats, te_feats = _featurise(tr_audio), _featurise(te_audio)
    targets = [torch.tensor([DIGITS.index(w) + 1 for w in t.split()]) for t in tr_texts]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = TinyCTC(n_layers=n_layers)
    test = {"texts": te_texts, "feats": te_feats, "audios": te_audio}
    info = {"wer_init": transcribe_wer(model, test)}
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps, pct_start=0.15)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    model.train()
    for _ in range(steps):
        idx = torch.randint(n_train, (batch,), generator=gen).tolist()
        x, out_len, mask = _pad([tr_feats[i] for i in idx])
        logp = model(x, mask).log_softmax(-1).transpose(0, 1)
        tgt = [targets[i] for i in idx]
        loss = ctc(logp, torch.cat(tgt), out_len, torch.tensor([len(t) for t in tgt]))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
    model.eval()
    info["train_seconds"] = time.perf_counter() - t0
    info["wer"] = transcribe_wer(model, test)
    return model, test, info


def transcribe_wer(model: TinyCTC, test: dict, feats: Sequence[torch.Tensor] | None = None,
                   ) -> float:
    """Test WER of ``model`` (greedy CTC) on ``test`` (or on replacement ``feats``)."""
    x, out_len, mask = _pad(test["feats"] if feats is None else feats)
    with torch.no_grad():
        hyps = greedy_decode(model(x, mask), out_len)
    return wer(test["texts"], hyps)


@contextlib.contextmanager
def inject_noise(model: TinyCTC | LocalCTC, layer: int, sigma: float, mode: str = "add",
                 seed: int = 0) -> Iterator[None]:
    """Forward hook adding Gaussian noise to the output of one layer (as custom_wav2vec2.py).

    ``mode="add"``: :math:`h \\leftarrow h + \\sigma\\varepsilon`; ``mode="mult"``:
    :math:`h \\leftarrow h + h\\,\\sigma\\varepsilon`; :math:`\\varepsilon\\sim\\mathcal N(0, I)`.
    Layer 0 is the front end's LayerNorm (for a local wav2vec2/HuBERT checkpoint: its
    feature projection), layer k the k-th Transformer layer. A module that returns a tuple
    (as ``transformers`` layers do) has its first element perturbed.

    Examples
    --------
    >>> m = TinyCTC(n_layers=1).eval()
    >>> x = torch.randn(1, 20, 40)
    >>> with inject_noise(m, 1, 0.0):
    ...     same = torch.equal(m(x), m(x))
    >>> same
    True
    """
    points = model.hook_points()
    layer = check_int(layer, "layer", minimum=0, maximum=len(points) - 1)
    if mode not in {"add", "mult"}:
        raise ValueError(f"mode: expected 'add' or 'mult', got {mode!r}")
    if not sigma >= 0:
        raise ValueError(f"sigma: expected a non-negative noise level, got {sigma}")
    gen = torch.Generator().manual_seed(seed)

    def perturb(h: torch.Tensor) -> torch.Tensor:
        eps = torch.randn(h.shape, generator=gen, dtype=h.dtype)
        return h + sigma * eps if mode == "add" else h + h * sigma * eps

    def hook(_module, _inputs, output):
        if sigma == 0:
            return output
        if isinstance(output, tuple):
            return (perturb(output[0]), *output[1:])
        return perturb(output)

    handle = points[layer].register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def layer_noise_grid(model: TinyCTC | LocalCTC, score: Callable[[], float],
                     sigmas: Sequence[float], modes: Sequence[str] = ("add", "mult"),
                     seed: int = 0) -> np.ndarray:
    """``score()`` (a WER) with noise injected after each layer: array (mode, layer, sigma)."""
    L = len(model.hook_points())
    grid = np.zeros((len(modes), L, len(sigmas)))
    for a, mode in enumerate(modes):
        for layer in range(L):
            for c, s in enumerate(sigmas):
                with inject_noise(model, layer, float(s), mode, seed=seed):
                    grid[a, layer, c] = score()
    return grid


def layerwise_wer_grid(model: TinyCTC, test: dict, sigmas: Sequence[float],
                       modes: Sequence[str] = ("add", "mult"), seed: int = 0) -> np.ndarray:
    """WER of the tiny CTC model with noise injected after each layer: (mode, layer, sigma)."""
    return layer_noise_grid(model, lambda: transcribe_wer(model, test), sigmas, modes, seed)


def checkpoint_layer_noise(model: LocalCTC, refs: Sequence[str], audios: Sequence[np.ndarray],
                           sigmas: Sequence[float], modes: Sequence[str] = ("add", "mult"),
                           seed: int = 0) -> np.ndarray:
    """E2A on a local wav2vec2/HuBERT checkpoint: WER of ``refs`` with noise after each layer.

    Returns an array (mode, layer, sigma) with ``model.n_layers + 1`` layers.
    """
    if len(refs) != len(audios) or not refs:
        raise ValueError("refs, audios: expected two non-empty sequences of the same length")
    return layer_noise_grid(model, lambda: wer(refs, [model(a) for a in audios]), sigmas,
                            modes, seed)


def layerwise_error_propagation(model: TinyCTC, test: dict, input_sigma: float,
                                seed: int = 0) -> np.ndarray:
    """Per-layer error ``||h_i(noisy) - h_i(clean)||_2 / sqrt(numel)``, averaged over utterances.

    Gaussian noise of standard deviation ``input_sigma`` is added to the normalised input
    features (as E2B adds it to wav2vec2's normalised ``input_values``). Returns an array of
    length ``n_layers + 1`` (layer 0 = front end).
    """
    gen = torch.Generator().manual_seed(seed)
    errs = np.zeros(len(model.hook_points()))
    with torch.no_grad():
        for f in test["feats"]:
            x = f[None]
            _, clean = model(x, return_hidden=True)
            _, noisy = model(x + input_sigma * torch.randn(x.shape, generator=gen),
                             return_hidden=True)
            errs += [float((hn - hc).norm() / np.sqrt(hc.numel()))
                     for hn, hc in zip(noisy, clean, strict=True)]
    return errs / len(test["feats"])



# ------------------------------------------------------------------ local checkpoints


class LocalCTC:
    """A local wav2vec2 / HuBERT CTC checkpoint: greedy transcription and noise-hook points.

    Made by :func:`load_wav2vec2_local`; calling it transcribes one 16 kHz waveform.

    Attributes
    ----------
    model : transformers.PreTrainedModel
        The ``AutoModelForCTC`` model, in eval mode.
    processor : transformers.ProcessorMixin
        Its feature extractor and tokenizer.
    n_layers : int
        Transformer layers of the encoder.
    """

    def __init__(self, model: nn.Module, processor: Callable[..., dict]) -> None:
        self.model = model
        self.processor = processor
        base = model.base_model
        self._points = [base.feature_projection, *base.encoder.layers]
        self.n_layers = len(base.encoder.layers)

    def hook_points(self) -> list[nn.Module]:
        """Modules whose outputs are "layer 0..L": the feature projection, then each layer."""
        return self._points

    def __call__(self, a: np.ndarray) -> str:
        """Greedy CTC transcript of one 16 kHz float waveform, lower case."""
        inputs = self.processor(np.asarray(a, np.float32), sampling_rate=SR, return_tensors="pt")
        with torch.no_grad():
            ids = self.model(inputs.input_values).logits.argmax(-1)
        return self.processor.batch_decode(ids)[0].lower()


def load_wav2vec2_local(checkpoint: str | Path) -> LocalCTC:
    """Load a local wav2vec2 / HuBERT CTC checkpoint directory, offline.

    Uses ``transformers`` (``AutoProcessor`` and ``AutoModelForCTC`` with
    ``local_files_only=True`` under ``HF_HUB_OFFLINE=1``) and greedy CTC decoding, as the
    authors' notebooks do. The result transcribes (``model(waveform)``) and exposes the
    noise-injection points of :func:`inject_noise`.
    """
    from transformers import AutoModelForCTC, AutoProcessor

    checkpoint = Path(checkpoint)
    if not checkpoint.is_dir():
        raise FileNotFoundError(f"checkpoint: {checkpoint} is not a local directory")
    with hf_offline():
        processor = AutoProcessor.from_pretrained(checkpoint, local_files_only=True)
        model = AutoModelForCTC.from_pretrained(checkpoint, local_files_only=True).eval()
    return LocalCTC(model, processor)


# ------------------------------------------------------------------ the study


def asr_figure(metrics: dict) -> Figure:
    """The study's figure from its metrics (also from a saved JSON): WER under waveform noise,
    WER with noise after each layer, and the layer-wise error propagation."""
    e1 = metrics["pocketsphinx"]
    tiny = metrics["tiny_ctc"]
    sigmas = tiny["sigmas"]
    grid = np.array([tiny["wer_grid_add"], tiny["wer_grid_mult"]])
    prop = tiny["error_propagation"]
    fig, axes = new_figure(3)
    for fam, rows in e1.items():
        axes[0].plot(range(len(rows)), [r["wer"] for r in rows], "o-", label=fam)
    axes[0].set_title("pocketsphinx WER (levels left to right)")
    axes[0].legend(fontsize=7)
    for a, mode in enumerate(("add", "mult")):
        for c, s in enumerate(sigmas[1:], start=1):
            axes[1].plot(grid[a, :, c], "o-" if mode == "add" else "x--",
                         label=f"{mode} sigma={s}")
    axes[1].set_xlabel("layer (0 = front end)")
    axes[1].set_ylabel("WER")
    axes[1].set_title("tiny CTC: noise after one layer")
    axes[1].legend(fontsize=6)
    for s, errs in prop.items():
        axes[2].plot(errs, "o-", label=f"input sigma={s}")
    axes[2].set_xlabel("layer")
    axes[2].set_ylabel("L2 error / sqrt(numel)")
    axes[2].set_title("error propagation")
    axes[2].legend(fontsize=7)
    return fig


@single_threaded
def run_asr_robustness(quick: bool = True, seed: int = 0, steps: int | None = None,
                       checkpoint: str | None = None, data: str | None = None) -> StudyResult:
    """Run E1 (waveform noise) and E2A/E2B (layer noise, error propagation).

    Parameters
    ----------
    quick : bool
        Quick mode: 4 sentences for pocketsphinx, white noise at {35 (dither only), 0, -5} dB
        and speed {100, 50}; the tiny CTC model trained 150 steps on 240 utterances, tested on
        60; sigma in {0, 0.5, 1, 2}, additive and multiplicative.
        Full mode: 8 sentences, the four noise families on grids like the paper's (drop
        lengths scaled to the short utterances), 600 training steps on 600 utterances.
    seed : int
    steps : int, optional
        CTC training steps.
    checkpoint, data : str, optional
        A local wav2vec2/HuBERT checkpoint directory and a local folder of .wav/.txt files;
        when given, E1 also runs on them (nothing is downloaded).
    """
    require_espeak()
    seed = check_int(seed, "seed", minimum=0)
    steps = check_int(steps, "steps", minimum=1) if steps is not None else (
        150 if quick else 600)
    sentences = list(SENTENCES[:4] if quick else SENTENCES)
    audios = synthesize(sentences)
    asr = PocketSphinxASR()
    families = {"white": [35, 0, -5], "speed": [100, 50]} if quick else {
        "white": [35, 20, 10, 5, 0, -5], "speed": [50, 75, 100, 125, 150, 200],
        "drop_length": [0, 400, 800, 1600, 3200], "drop_count": [0, 5, 10, 20, 40]}
    e1 = {fam: run_waveform_noise_sweep(asr.transcribe, sentences, audios, fam, lv, seed=seed)
          for fam, lv in families.items()}
    metrics: dict = {"pocketsphinx": e1}
    if checkpoint is not None:
        refs, auds = (load_audio_folder(data, limit=200) if data else (sentences, audios))
        tr = load_wav2vec2_local(checkpoint)
        metrics["local_checkpoint"] = {
            fam: run_waveform_noise_sweep(tr, refs, auds, fam, lv, dither_db=None, seed=seed)
            for fam, lv in families.items()}
        ck_grid = checkpoint_layer_noise(tr, refs, auds, [0.0, 0.5, 1.0, 2.0], seed=seed)
        metrics["local_checkpoint"]["layer_noise"] = {
            "sigmas": [0.0, 0.5, 1.0, 2.0], "wer_grid_add": ck_grid[0].tolist(),
            "wer_grid_mult": ck_grid[1].tolist()}
    model, test, info = train_tiny_ctc(240 if quick else 600, 60, steps, seed=seed)
    sigmas = [0.0, 0.5, 1.0, 2.0]
    grid = layerwise_wer_grid(model, test, sigmas, seed=seed)
    prop = {str(s): layerwise_error_propagation(model, test, s, seed=seed).tolist()
            for s in (0.1, 0.3, 0.5)}
    metrics["tiny_ctc"] = {**info, "sigmas": sigmas,
                           "wer_grid_add": grid[0].tolist(), "wer_grid_mult": grid[1].tolist(),
                           "error_propagation": prop}
    fig = asr_figure(metrics)
    notes = [
        "Substitutes (no downloads): espeak-ng speech, the pocketsphinx en-us model for E1, a "
        "tiny Transformer-CTC trained here for E2A/E2B; the paper used wav2vec2/HuBERT on "
        "LibriSpeech/TIMIT.",
        "Every waveform gets faint 35 dB dither first: espeak-ng's digital silence decodes badly.",
        "Seconds per utterance are reported, never asserted.",
        "The paper's pattern that the last wav2vec2 layer is robust to injected noise is not "
        "expected to transfer to a 4-layer model trained for minutes; compare the grids, "
        "do not read them as a reproduction of that finding.",
    ]
    return StudyResult(
        name="asr_robustness", quick=quick, seed=seed, metrics=metrics,
        settings={"sentences": sentences, "families": families, "ctc_steps": steps,
                  "ctc_layers": model.n_layers, "voices": VOICES, "sigmas": sigmas},
        figures={"asr": fig}, notes=notes)


STUDY = Study(
    name="asr_robustness",
    summary="ASR robustness to waveform and hidden-layer noise (Rajendran and Zou 2022)",
    run=run_asr_robustness,
    options={"steps": (int, None, "training steps of the tiny CTC model"),
             "checkpoint": (str, None, "local wav2vec2/HuBERT checkpoint directory"),
             "data": (str, None, "local folder of .wav files with .txt transcripts")},
)
