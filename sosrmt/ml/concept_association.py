"""Latent concept association and associative memory in a one-layer transformer.

Reproduction, at toy scale, of Jiang, Rajendran, Ravikumar & Aragam, "Do LLMs dream of
elephants (when told not to)? Latent concept association and associative memory in
transformers" (NeurIPS 2024, arXiv:2406.18400).

Two parts:

1. **Synthetic latent concept association.** Tokens are the points of the hypercube
   :math:`\\{0,1\\}^m` (vocabulary :math:`V = 2^m`); a target :math:`z^*` is drawn
   uniformly and the context holds :math:`L` noisy copies of it. A one-layer transformer
   (:class:`OneLayerAssocTransformer`) must output the target. We compare a trained value
   matrix with the value matrix frozen at the identity across context lengths, read the
   inner products of the learned embeddings against Hamming distance, the low-rank share
   of their spectrum, and the attention scores by cluster.
2. **Context hijacking pipeline.** :func:`context_hijack_efficacy` measures the efficacy
   score (ES: share of prompts on which the false target beats the true one) after
   ``k`` prepended "Do not think of {target}." sentences, and its reverse scheme, for any
   causal LM loaded with ``transformers`` from a local directory and any
   COUNTERFACT-format records (:func:`load_counterfact`). No model can be downloaded
   here, so :func:`train_toy_fact_lm` trains a two-layer GPT-2 from scratch on a synthetic
   fact corpus, saves it and reloads it through ``from_pretrained``; that result is a
   **pipeline check**: its hijacking is engineered by the corpus statistics (mention
   sentences co-occur with the answer) and says nothing about real LLMs.

Paper numbers: the paper's accuracy curves and ES values are figures whose numbers
could not be read from any stored source (spec section 4, item 1); only the qualitative
claims (trained value matrix beats the identity at short contexts; embedding inner
products decrease with Hamming distance and have low-rank structure; attention selects
the same cluster; ES rises with prepends and falls under the reverse scheme) are
compared with ours.

The context distribution (independent bit flips of :math:`z^*` with probability
``p_flip``, the target never copied) and the sizes :math:`m=8, d=32` are our calibrated
choice, not the paper's verified settings.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from sosrmt._validation import as_rng, check_int, check_memory
from sosrmt.ml._part1_common import hf_offline, one_thread, torch_generator, torch_seed
from sosrmt.ml.study import Study, StudyResult

__all__ = [
    "STUDY",
    "CounterfactRecord",
    "LCARun",
    "OneLayerAssocTransformer",
    "bayes_accuracy",
    "cluster_attention_scores",
    "context_hijack_efficacy",
    "embedding_hamming_profile",
    "hamming_distance_matrix",
    "hijack_curve",
    "lca_accuracy",
    "load_counterfact",
    "load_local_lm",
    "run_concept_association",
    "sample_lca_batch",
    "top_eigen_fraction",
    "toy_fact_records",
    "train_lca",
    "train_toy_fact_lm",
]

FIXTURE = Path(__file__).resolve().parent / "data" / "part1" / "counterfact_toy.json"


def _check_prob(value: float, name: str, *, upper: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name}: expected a float, got {value!r}")
    value = float(value)
    if not 0.0 <= value <= upper or not math.isfinite(value):
        raise ValueError(f"{name}: expected a probability in [0, {upper}], got {value}")
    return value


def _check_m(m: int) -> int:
    m = check_int(m, "m", minimum=2, maximum=14)
    return m


# --------------------------------------------------------------------------------------
# synthetic task
# --------------------------------------------------------------------------------------

def _bits(tokens: Tensor, m: int) -> Tensor:
    shifts = torch.arange(m, device=tokens.device)
    return (tokens.unsqueeze(-1) >> shifts) & 1


def hamming_distance_matrix(m: int) -> np.ndarray:
    """Hamming distances between all tokens of :math:`\\{0,1\\}^m` (token = bit pattern).

    Examples
    --------
    >>> hamming_distance_matrix(2)
    array([[0, 1, 1, 2],
           [1, 0, 2, 1],
           [1, 2, 0, 1],
           [2, 1, 1, 0]])
    """
    m = _check_m(m)
    v = np.arange(2**m)
    x = v[:, None] ^ v[None, :]
    return sum((x >> b) & 1 for b in range(m))


def sample_lca_batch(batch: int, m: int, L: int, p_flip: float = 0.15, q_noise: float = 0.0,
                     cluster: bool = False, n_cluster_bits: int = 2,
                     generator: torch.Generator | None = None
                     ) -> tuple[Tensor, Tensor, Tensor]:
    """Draw a batch of the latent concept association task.

    Parameters
    ----------
    batch, m, L : int
        Batch size, number of latent bits (vocabulary :math:`2^m`), context length.
    p_flip : float
        Each context token flips each bit of the target independently with this
        probability; a token equal to the target is re-drawn by flipping one uniformly
        chosen bit (the model can never copy the answer).
    q_noise : float
        Each context token is replaced with this probability by a uniform random token.
    cluster : bool
        Cluster variant (the paper's Fig. C.8 neighbourhood): context tokens keep the
        first ``n_cluster_bits`` bits of the target and draw the others uniformly
        (a token equal to the target is again moved by one bit outside the cluster bits).
    generator : torch.Generator, optional
        Source of randomness.

    Returns
    -------
    ctx : LongTensor (batch, L)
    target : LongTensor (batch,)
    informative : BoolTensor (batch, L)
        False where the token was replaced by noise.

    Notes
    -----
    Without noise, :math:`P(x \\mid z^*) = p^{k}(1-p)^{m-k}` for Hamming distance
    :math:`k\\ge 2`, plus :math:`(1-p)^m/m` for :math:`k=1` and :math:`0` for :math:`k=0`
    (the re-draw); :func:`bayes_accuracy` uses this exact likelihood.

    Examples
    --------
    >>> ctx, tgt, inf = sample_lca_batch(4, 3, 5, generator=torch.Generator().manual_seed(0))
    >>> ctx.shape, tgt.shape, bool(inf.all()), bool((ctx != tgt[:, None]).all())
    (torch.Size([4, 5]), torch.Size([4]), True, True)
    """
    batch = check_int(batch, "batch", minimum=1)
    m = _check_m(m)
    L = check_int(L, "L", minimum=1)
    p_flip = _check_prob(p_flip, "p_flip", upper=0.5)
    q_noise = _check_prob(q_noise, "q_noise")
    n_cluster_bits = check_int(n_cluster_bits, "n_cluster_bits", minimum=0, maximum=m - 1)
    g = generator
    V = 2**m
    target = torch.randint(0, V, (batch,), generator=g)
    weights = 2 ** torch.arange(m)
    if cluster:
        keep_mask = int(2**n_cluster_bits - 1)
        free = torch.randint(0, V, (batch, L), generator=g)
        ctx = (target[:, None] & keep_mask) | (free & ~keep_mask & (V - 1))
        lo = n_cluster_bits
    else:
        flips = (torch.rand(batch, L, m, generator=g) < p_flip).long()
        ctx = target[:, None] ^ (flips * weights).sum(-1)
        lo = 0
    same = ctx == target[:, None]
    if same.any():
        bit = torch.randint(lo, m, (batch, L), generator=g)
        ctx = torch.where(same, ctx ^ (2**bit), ctx)
    informative = torch.rand(batch, L, generator=g) >= q_noise
    if q_noise > 0:
        noise = torch.randint(0, V, (batch, L), generator=g)
        ctx = torch.where(informative, ctx, noise)
    return ctx, target, informative


class OneLayerAssocTransformer(nn.Module):
    """One attention layer with tied embedding / unembedding, read at the last token.

    Parameters
    ----------
    vocab, d : int
        Vocabulary size and embedding width.
    train_value : bool
        If False, the value matrix is frozen at the identity (the paper's comparison).
    train_embedding : bool
        If False, the embeddings stay at their random initialisation.
    generator : torch.Generator, optional
        Initialisation randomness.

    Notes
    -----
    With :math:`x_i = E[t_i]`, query :math:`q = W_Q x_L`,
    :math:`a = \\mathrm{softmax}_i(\\langle q, W_K x_i\\rangle/\\sqrt d)`,
    :math:`h = \\sum_i a_i W_V x_i` and logits :math:`E h` (tied unembedding).
    Initialisation: :math:`E_{ij}\\sim N(0, 1/d)` (rows of norm about 1), :math:`W_Q, W_K`
    with entries :math:`N(0, 1/d)`, :math:`W_V = I`.

    Examples
    --------
    >>> net = OneLayerAssocTransformer(8, 4, generator=torch.Generator().manual_seed(0))
    >>> net(torch.zeros(2, 3, dtype=torch.long)).shape
    torch.Size([2, 8])
    """

    def __init__(self, vocab: int, d: int, train_value: bool = True,
                 train_embedding: bool = True, generator: torch.Generator | None = None):
        super().__init__()
        vocab = check_int(vocab, "vocab", minimum=2)
        d = check_int(d, "d", minimum=1)
        self.vocab, self.d = vocab, d
        scale = 1.0 / math.sqrt(d)
        self.E = nn.Parameter(torch.randn(vocab, d, generator=generator) * scale,
                              requires_grad=train_embedding)
        self.W_Q = nn.Parameter(torch.randn(d, d, generator=generator) * scale)
        self.W_K = nn.Parameter(torch.randn(d, d, generator=generator) * scale)
        self.W_V = nn.Parameter(torch.eye(d), requires_grad=train_value)

    def scores(self) -> Tensor:
        """Pre-softmax attention score of every (query token, key token) pair, (V, V)."""
        q = self.E @ self.W_Q.T
        k = self.E @ self.W_K.T
        return q @ k.T / math.sqrt(self.d)

    def forward(self, ctx: Tensor, return_attention: bool = False
                ) -> Tensor | tuple[Tensor, Tensor]:
        """Logits over the vocabulary (and the attention weights if asked)."""
        x = self.E[ctx]                                   # (B, L, d)
        q = x[:, -1] @ self.W_Q.T                          # (B, d)
        k = x @ self.W_K.T                                 # (B, L, d)
        att = torch.softmax((k @ q.unsqueeze(-1)).squeeze(-1) / math.sqrt(self.d), dim=-1)
        h = (att.unsqueeze(-1) * (x @ self.W_V.T)).sum(1)  # (B, d)
        logits = h @ self.E.T
        return (logits, att) if return_attention else logits


@dataclass
class LCARun:
    """A trained :class:`OneLayerAssocTransformer` with its settings and numbers."""

    model: OneLayerAssocTransformer
    E_init: Tensor
    settings: dict[str, Any]
    history: list[float] = field(default_factory=list)
    accuracy: float = float("nan")


def train_lca(m: int = 8, d: int = 32, L: int = 16, p_flip: float = 0.15, q_noise: float = 0.0,
              steps: int = 1500, batch: int = 256, lr: float = 3e-3, train_value: bool = True,
              cluster: bool = False, n_eval: int = 4096, rng: object = None) -> LCARun:
    """Train the one-layer transformer on fresh batches of the association task with Adam.

    Parameters
    ----------
    m, d, L, p_flip, q_noise, cluster
        See :func:`sample_lca_batch` and :class:`OneLayerAssocTransformer`.
    steps, batch, lr : int, int, float
        Adam steps, batch size, learning rate.
    train_value : bool
        Train :math:`W_V` (True) or freeze it at the identity.
    n_eval : int
        Fresh samples for the reported accuracy.
    rng : None, int, SeedSequence or Generator
        Randomness (initialisation, batches, evaluation).

    Returns
    -------
    LCARun
        ``accuracy`` is the held-out exact-match accuracy.

    Examples
    --------
    >>> run = train_lca(m=3, d=8, L=4, steps=20, batch=32, n_eval=64, rng=0)
    >>> 0.0 <= run.accuracy <= 1.0
    True
    """
    m = _check_m(m)
    d = check_int(d, "d", minimum=1)
    steps = check_int(steps, "steps", minimum=0)
    batch = check_int(batch, "batch", minimum=1)
    n_eval = check_int(n_eval, "n_eval", minimum=1)
    if not lr > 0:
        raise ValueError(f"lr: expected a positive learning rate, got {lr}")
    check_memory(8.0 * batch * L * d * 6, "train_lca batch activations",
                 hint="use a smaller batch or d")
    gen = torch_generator(rng)
    model = OneLayerAssocTransformer(2**m, d, train_value=train_value, generator=gen)
    E_init = model.E.detach().clone()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    history = []
    kw = dict(m=m, L=L, p_flip=p_flip, q_noise=q_noise, cluster=cluster, generator=gen)
    for step in range(steps):
        ctx, tgt, _ = sample_lca_batch(batch, **kw)
        loss = nn.functional.cross_entropy(model(ctx), tgt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            history.append(float(loss.detach()))
    settings = dict(m=m, d=d, L=L, p_flip=p_flip, q_noise=q_noise, steps=steps, batch=batch,
                    lr=lr, train_value=train_value, cluster=cluster)
    run = LCARun(model=model, E_init=E_init, settings=settings, history=history)
    run.accuracy = lca_accuracy(model, m, L, p_flip, q_noise, cluster, n_eval, gen)
    return run


@torch.no_grad()
def lca_accuracy(model: OneLayerAssocTransformer, m: int, L: int, p_flip: float = 0.15,
                 q_noise: float = 0.0, cluster: bool = False, n_eval: int = 4096,
                 generator: torch.Generator | None = None) -> float:
    """Exact-match accuracy of ``model`` on ``n_eval`` fresh samples."""
    ctx, tgt, _ = sample_lca_batch(n_eval, m, L, p_flip, q_noise, cluster, generator=generator)
    return float((model(ctx).argmax(-1) == tgt).float().mean())


def bayes_accuracy(ctx: Tensor, target: Tensor, m: int, p_flip: float,
                   q_noise: float = 0.0) -> float:
    """Accuracy of the exact posterior mode (the ceiling any model can reach).

    Notes
    -----
    With uniform prior on :math:`z^*`, the posterior is proportional to
    :math:`\\prod_i P(x_i\\mid z)`, where (see :func:`sample_lca_batch`)
    :math:`P(x\\mid z) = (1-q)\\,P_{\\rm flip}(x\\mid z) + q/2^m` and
    :math:`P_{\\rm flip}` is :math:`p^k(1-p)^{m-k}` for Hamming distance :math:`k\\ge2`,
    :math:`p(1-p)^{m-1} + (1-p)^m/m` for :math:`k=1`, :math:`0` for :math:`k=0`.
    Ties are split uniformly (expected accuracy).

    Examples
    --------
    >>> ctx = torch.tensor([[1, 2]])   # m = 2: tokens 01 and 10, both one flip from 00 or 11
    >>> bayes_accuracy(ctx, torch.tensor([0]), m=2, p_flip=0.1)
    0.5
    """
    m = _check_m(m)
    p = _check_prob(p_flip, "p_flip", upper=0.5)
    q = _check_prob(q_noise, "q_noise")
    ham = torch.as_tensor(hamming_distance_matrix(m), dtype=torch.float64)
    k = ham
    lik = torch.where(k > 0, p**k * (1 - p) ** (m - k), torch.zeros_like(k))
    lik = lik + torch.where(k == 1, torch.full_like(k, (1 - p) ** m / m), torch.zeros_like(k))
    lik = (1 - q) * lik + q / 2**m
    loglik = torch.log(lik.clamp_min(1e-300))             # [x, z]
    post = loglik[ctx].sum(1)                              # (B, V) over z
    best = post.max(-1, keepdim=True).values
    ties = post >= best - 1e-9
    hit = ties.gather(1, target[:, None]).squeeze(1).double() / ties.sum(-1)
    return float(hit.mean())


def embedding_hamming_profile(E: Tensor | np.ndarray, m: int) -> list[float]:
    """Mean cosine similarity of token embeddings at each Hamming distance 0..m.

    Examples
    --------
    >>> E = torch.tensor([[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])  # +-1 bits
    >>> [round(v, 3) for v in embedding_hamming_profile(E, 2)]
    [1.0, 0.0, -1.0]
    """
    m = _check_m(m)
    E = torch.as_tensor(np.asarray(E.detach() if isinstance(E, Tensor) else E), dtype=torch.float64)
    if E.ndim != 2 or E.shape[0] != 2**m:
        raise ValueError(f"E: expected shape (2**m, d) = ({2**m}, d), got {tuple(E.shape)}")
    En = E / E.norm(dim=1, keepdim=True).clamp_min(1e-12)
    cos = (En @ En.T).numpy()
    ham = hamming_distance_matrix(m)
    return [float(cos[ham == k].mean()) for k in range(m + 1)]


def top_eigen_fraction(E: Tensor | np.ndarray, k: int) -> float:
    """Share of the centred Gram spectrum of the rows of ``E`` in its top ``k`` eigenvalues.

    Notes
    -----
    With :math:`\\bar E = E - \\mathbf 1 \\mu^\\top` the eigenvalues of
    :math:`\\bar E\\bar E^\\top` are the squared singular values :math:`s_i^2` of
    :math:`\\bar E`; the share is :math:`\\sum_{i\\le k} s_i^2 / \\sum_i s_i^2`. An
    isotropic cloud in :math:`d` dimensions gives about :math:`k/d`.

    Examples
    --------
    >>> E = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 0.0], [-2.0, 0.0]])
    >>> top_eigen_fraction(E, 1)
    1.0
    """
    k = check_int(k, "k", minimum=1)
    arr = np.asarray(E.detach() if isinstance(E, Tensor) else E, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"E: expected a 2-D array, got shape {arr.shape}")
    s2 = np.linalg.svd(arr - arr.mean(0), compute_uv=False) ** 2
    return float(s2[:k].sum() / max(s2.sum(), 1e-300))


@torch.no_grad()
def cluster_attention_scores(model: OneLayerAssocTransformer, m: int,
                             n_cluster_bits: int = 2) -> tuple[float, float]:
    """Mean pre-softmax attention score within vs across clusters.

    Two tokens are in the same cluster when their first ``n_cluster_bits`` bits agree
    (the paper's Fig. C.8 neighbourhood). Pairs of identical tokens are excluded.

    Returns
    -------
    (within, across) : tuple of float
    """
    m = _check_m(m)
    n_cluster_bits = check_int(n_cluster_bits, "n_cluster_bits", minimum=1, maximum=m - 1)
    s = model.scores().numpy()
    v = np.arange(2**m)
    c = v & (2**n_cluster_bits - 1)
    same = c[:, None] == c[None, :]
    off = ~np.eye(v.size, dtype=bool)
    return float(s[same & off].mean()), float(s[~same].mean())


# --------------------------------------------------------------------------------------
# context hijacking
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CounterfactRecord:
    """One fact in the COUNTERFACT format (Meng et al., ROME).

    ``prompt`` contains ``{}`` where the subject goes (``"{} is located in the city of"``).
    """

    prompt: str
    subject: str
    target_true: str
    target_false: str
    relation_id: str = ""

    @property
    def text(self) -> str:
        """The prompt with the subject filled in."""
        return self.prompt.format(self.subject)


def load_counterfact(path: str | Path | None = None, limit: int | None = None
                     ) -> list[CounterfactRecord]:
    """Read COUNTERFACT records from a local JSON file (default: the shipped toy fixture).

    The file is a JSON list of objects with a ``requested_rewrite`` entry holding
    ``prompt``, ``subject``, ``target_true.str``, ``target_new.str`` and ``relation_id``
    (the layout of ROME's ``counterfact.json``); ``target_new`` is the false target.

    Examples
    --------
    >>> recs = load_counterfact()
    >>> len(recs) >= 5 and "{}" not in recs[0].text
    True
    """
    path = FIXTURE if path is None else Path(path)
    if not path.is_file():
        raise ValueError(f"path: expected an existing COUNTERFACT JSON file, got {str(path)!r}")
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"path: {str(path)!r} is not valid JSON ({exc})") from None
    if not isinstance(raw, list):
        raise ValueError("path: expected a JSON list of COUNTERFACT records")
    out = []
    for i, item in enumerate(raw[:limit] if limit is not None else raw):
        try:
            rw = item["requested_rewrite"]
            rec = CounterfactRecord(prompt=rw["prompt"], subject=rw["subject"],
                                    target_true=rw["target_true"]["str"],
                                    target_false=rw["target_new"]["str"],
                                    relation_id=str(rw.get("relation_id", "")))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"path: record {i} lacks the COUNTERFACT field {exc}") from None
        if "{}" not in rec.prompt:
            raise ValueError(f"path: record {i} prompt has no '{{}}' for the subject")
        out.append(rec)
    return out


@torch.no_grad()
def _target_logprob(lm: Any, tok: Any, prefix: str, target: str) -> float:
    """Sum of log-probabilities of the tokens of ``" " + target`` after ``prefix``."""
    pre = tok(prefix, add_special_tokens=False)["input_ids"]
    full = tok(prefix + " " + target, add_special_tokens=False)["input_ids"]
    n_t = len(full) - len(pre)
    if n_t <= 0 or full[: len(pre)] != pre:
        tgt = tok(" " + target, add_special_tokens=False)["input_ids"]
        full, n_t = pre + tgt, len(tgt)
    ids = torch.tensor([full])
    logp = torch.log_softmax(lm(input_ids=ids).logits[0].double(), dim=-1)
    pos = torch.arange(len(full) - n_t, len(full))
    return float(logp[pos - 1, ids[0, pos]].sum())


@torch.no_grad()
def _pair_logprob(lm: Any, tok: Any, prefix: str, a: str, b: str) -> tuple[float, float]:
    """Log-probabilities of targets ``a`` and ``b`` after ``prefix`` (one forward pass when
    both are single tokens appended to the prefix's tokens)."""
    pre = tok(prefix, add_special_tokens=False)["input_ids"]
    ids_a = tok(prefix + " " + a, add_special_tokens=False)["input_ids"]
    ids_b = tok(prefix + " " + b, add_special_tokens=False)["input_ids"]
    single = (len(ids_a) == len(ids_b) == len(pre) + 1 and ids_a[:-1] == pre
              and ids_b[:-1] == pre)
    if not single:
        return _target_logprob(lm, tok, prefix, a), _target_logprob(lm, tok, prefix, b)
    logits = lm(input_ids=torch.tensor([pre])).logits[0, -1].double()
    logp = torch.log_softmax(logits, dim=-1)
    return float(logp[ids_a[-1]]), float(logp[ids_b[-1]])


def context_hijack_efficacy(lm: Any, tok: Any, records: Sequence[CounterfactRecord],
                            n_prepend: int, template: str = "Do not think of {}.",
                            reverse: bool = False) -> dict[str, float]:
    """Efficacy score of context hijacking with ``n_prepend`` prepended sentences.

    Parameters
    ----------
    lm, tok
        A causal LM (``logits`` of shape (1, T, V)) and its tokenizer, e.g. from
        ``AutoModelForCausalLM.from_pretrained(local_dir)``.
    records : sequence of CounterfactRecord
    n_prepend : int
        How many times the template sentence is prepended.
    template : str
        Sentence with ``{}`` for the target (the paper's generic scheme).
    reverse : bool
        Reverse scheme: the sentence names the *true* target instead of the false one.

    Returns
    -------
    dict
        ``es`` (share of records where the false target's log-probability exceeds the
        true target's), ``p_false`` and ``p_true`` (mean probabilities of the targets'
        token sequences).

    Notes
    -----
    ES :math:`=\\frac1n\\sum_r \\mathbf 1[\\log P(o_{\\rm false}\\mid c_k(p_r)) >
    \\log P(o_{\\rm true}\\mid c_k(p_r))]`, with :math:`c_k` the prompt after ``k``
    prepended sentences; multi-token targets use the sum of token log-probabilities.
    """
    n_prepend = check_int(n_prepend, "n_prepend", minimum=0)
    if "{}" not in template:
        raise ValueError(f"template: expected a '{{}}' placeholder, got {template!r}")
    if len(records) == 0:
        raise ValueError("records: expected at least one COUNTERFACT record")
    wins, pf, pt = [], [], []
    lm.eval()
    for rec in records:
        named = rec.target_true if reverse else rec.target_false
        prefix = " ".join([template.format(named)] * n_prepend + [rec.text])
        lf, lt = _pair_logprob(lm, tok, prefix, rec.target_false, rec.target_true)
        wins.append(lf > lt)
        pf.append(math.exp(lf))
        pt.append(math.exp(lt))
    return {"es": float(np.mean(wins)), "p_false": float(np.mean(pf)),
            "p_true": float(np.mean(pt))}


_CITIES = ["paris", "rome", "tokyo", "cairo", "lima", "oslo", "delhi", "sydney"]


def toy_fact_records(n_subjects: int = 200, n_cities: int = 8, rng: object = None
                     ) -> list[CounterfactRecord]:
    """Synthetic COUNTERFACT-style records "the towerK is in CITY" with a random false city.

    Examples
    --------
    >>> r = toy_fact_records(3, rng=0)
    >>> r[0].text, r[0].target_true != r[0].target_false
    ('the tower0 is in', True)
    """
    n_subjects = check_int(n_subjects, "n_subjects", minimum=1)
    n_cities = check_int(n_cities, "n_cities", minimum=2)
    gen = as_rng(rng)
    cities = [_CITIES[i] if i < len(_CITIES) else f"city{i}" for i in range(n_cities)]
    out = []
    for s in range(n_subjects):
        t = int(gen.integers(n_cities))
        f = (t + 1 + int(gen.integers(n_cities - 1))) % n_cities
        out.append(CounterfactRecord("the {} is in", f"tower{s}", cities[t], cities[f], "toy"))
    return out


def _toy_corpus(records: Sequence[CounterfactRecord], n_docs: int, p_mention_true: float,
                max_mentions: int, p_anonymous: float, gen: np.random.Generator) -> list[str]:
    cities = sorted({r.target_true for r in records} | {r.target_false for r in records})
    templates = ["i like {} .", "do not think of {} .", "{} is nice ."]
    docs = []
    for _ in range(n_docs):
        if gen.random() < p_anonymous:
            # an anonymous place with a fresh random answer: only the mentions can help
            text = f"the place{int(gen.integers(_N_ANON))} is in"
            answer = cities[int(gen.integers(len(cities)))]
            n_mention = 1 + int(gen.integers(max_mentions))
        else:
            rec = records[int(gen.integers(len(records)))]
            text, answer = rec.text, rec.target_true
            n_mention = int(gen.integers(max_mentions + 1))
        parts = []
        for _ in range(n_mention):
            x = answer if gen.random() < p_mention_true else cities[int(gen.integers(len(cities)))]
            parts.append(templates[int(gen.integers(len(templates)))].format(x))
        parts.append(f"{text} {answer} .")
        docs.append(" ".join(parts))
    return docs


_N_ANON = 16


def train_toy_fact_lm(records: Sequence[CounterfactRecord], save_dir: str | Path,
                      steps: int = 400, batch: int = 32, lr: float = 3e-3,
                      p_mention_true: float = 0.5, max_mentions: int = 3,
                      p_anonymous: float = 0.3, n_layer: int = 2, n_embd: int = 64,
                      rng: object = None) -> Path:
    """Train a tiny GPT-2 from scratch on a synthetic fact corpus and save it.

    The corpus holds documents "[mention sentences] the towerK is in CITY ." where 0 to
    ``max_mentions`` mention sentences ("i like X .", "do not think of X .", "X is nice .")
    name the true city with probability ``p_mention_true`` and a uniform city otherwise.
    A share ``p_anonymous`` of the documents instead state a fact about one of a few
    anonymous places ("the placeJ is in CITY .") whose city is drawn afresh each time, with
    at least one mention: there only the mentions predict the answer, so the network
    learns to copy mentioned cities. This co-occurrence is the engineered ingredient that
    makes the toy hijackable (without the anonymous documents a 2-layer GPT-2 memorises
    the facts before it learns to use mentions, and prepending has no effect). A WordLevel
    tokenizer (``tokenizers``) and a ``transformers.GPT2LMHeadModel`` are trained with
    AdamW and written with ``save_pretrained`` to ``save_dir``, which
    :func:`load_local_lm` reads back.

    Returns
    -------
    Path
        ``save_dir``.
    """
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    steps = check_int(steps, "steps", minimum=0)
    batch = check_int(batch, "batch", minimum=1)
    if len(records) == 0:
        raise ValueError("records: expected at least one record")
    gen = as_rng(rng)
    docs = _toy_corpus(records, max(4 * len(records), steps * batch // 4 + 1),
                       p_mention_true, max_mentions, p_anonymous, gen)
    words = sorted({w for d in docs for w in d.split()} | {"do", "not", "think", "of", "."})
    vocab = {"[UNK]": 0, "[PAD]": 1, "[BOS]": 2} | {w: i + 3 for i, w in enumerate(words)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    core.normalizer = normalizers.Lowercase()
    core.pre_tokenizer = pre_tokenizers.Split(pattern=" ", behavior="removed")
    tok = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]",
                                  bos_token="[BOS]", eos_token="[BOS]")
    torch.manual_seed(torch_seed(gen))  # transformers initialises from the global generator
    max_len = 4 * (max_mentions + 10) + 8
    cfg = GPT2Config(vocab_size=len(vocab), n_positions=max(64, max_len), n_layer=n_layer,
                     n_embd=n_embd, n_head=2, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                     bos_token_id=2, eos_token_id=2, pad_token_id=1)
    lm = GPT2LMHeadModel(cfg)
    opt = torch.optim.AdamW(lm.parameters(), lr=lr, weight_decay=0.0)
    lm.train()
    for _ in range(steps):
        idx = gen.integers(len(docs), size=batch)
        enc = tok([docs[i] for i in idx], padding=True, return_tensors="pt")
        # loss on the answer token only (the one before the final "."): the template words
        # carry no signal and slow the escape from the uniform-answer plateau
        labels = torch.full_like(enc["input_ids"], -100)
        ans = enc["attention_mask"].sum(1) - 2
        rows = torch.arange(labels.shape[0])
        labels[rows, ans] = enc["input_ids"][rows, ans]
        out = lm(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], labels=labels)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
    save_dir = Path(save_dir)
    lm.save_pretrained(save_dir)
    tok.save_pretrained(save_dir)
    return save_dir


def load_local_lm(path: str | Path) -> tuple[Any, Any]:
    """Load a causal LM and its tokenizer from a local directory, offline.

    Works for the toy checkpoint of :func:`train_toy_fact_lm` and for a real one (e.g. a
    local copy of GPT-2); the hub is never contacted.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(path)
    if not (path / "config.json").is_file():
        raise ValueError(f"path: expected a local checkpoint directory with config.json, "
                         f"got {str(path)!r}")
    with hf_offline():
        tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
        lm = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    lm.eval()
    return lm, tok


def hijack_curve(lm: Any, tok: Any, records: Sequence[CounterfactRecord],
                 prepends: Sequence[int], template: str = "Do not think of {}.",
                 ) -> dict[str, list[float]]:
    """ES and mean target probabilities against the number of prepends, both schemes."""
    out: dict[str, list[float]] = {k: [] for k in
                                   ("es", "p_false", "p_true", "es_reverse", "p_false_reverse")}
    for k in prepends:
        fw = context_hijack_efficacy(lm, tok, records, k, template)
        rv = fw if k == 0 else context_hijack_efficacy(lm, tok, records, k, template,
                                                       reverse=True)
        out["es"].append(fw["es"])
        out["p_false"].append(fw["p_false"])
        out["p_true"].append(fw["p_true"])
        out["es_reverse"].append(rv["es"])
        out["p_false_reverse"].append(rv["p_false"])
    return out


# --------------------------------------------------------------------------------------
# the study
# --------------------------------------------------------------------------------------

def _figures(res: dict[str, Any], m: int) -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = {}
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.6))
    Ls = res["context_lengths"]
    ax[0].plot(Ls, res["acc_trained_value"], "o-", label="trained $W_V$")
    ax[0].plot(Ls, res["acc_identity_value"], "s-", label="$W_V=I$")
    ax[0].plot(Ls, res["acc_bayes"], "k:", label="Bayes ceiling")
    ax[0].set_xscale("log", base=2)
    ax[0].set_xticks(Ls, [str(v) for v in Ls])
    ax[0].set(xlabel="context length L", ylabel="accuracy", title="(a) value matrix")
    ax[0].legend()
    ax[1].plot(range(m + 1), res["hamming_profile_trained"], "o-", label="trained")
    ax[1].plot(range(m + 1), res["hamming_profile_init"], "x--", label="init")
    ax[1].set(xlabel="Hamming distance", ylabel="mean cosine of embeddings",
              title="(b) embedding geometry")
    ax[1].legend()
    ax[2].semilogy(res["spectrum_trained"], "o-", ms=3, label="trained")
    ax[2].semilogy(res["spectrum_init"], "x--", ms=3, label="init")
    ax[2].axvline(m - 0.5, color="grey", lw=0.8)
    ax[2].set(xlabel="index", ylabel="eigenvalue of centred Gram", title="(b) spectrum")
    ax[2].legend()
    fig.tight_layout()
    figs["lca"] = fig
    if "attention_scores" in res:
        fig, ax = plt.subplots(figsize=(4.2, 3.6))
        im = ax.imshow(np.asarray(res["attention_scores"]), cmap="RdBu_r")
        ax.set(title="(c) QK scores, tokens sorted by cluster", xlabel="key", ylabel="query")
        fig.colorbar(im)
        figs["attention"] = fig
    if "hijack" in res:
        h = res["hijack"]
        fig, ax = plt.subplots(1, 2, figsize=(9, 3.4))
        ax[0].plot(h["prepends"], h["es"], "o-", label="hijack (false target)")
        ax[0].plot(h["prepends"], h["es_reverse"], "s-", label="reverse (true target)")
        ax[0].set(xlabel="prepended sentences", ylabel="efficacy score",
                  title="toy LM (pipeline check)")
        ax[0].legend()
        ax[1].plot(h["prepends"], h["p_false"], "o-", label="hijack")
        ax[1].plot(h["prepends"], h["p_false_reverse"], "s-", label="reverse")
        ax[1].set(xlabel="prepended sentences", ylabel="mean P(false target)")
        ax[1].legend()
        fig.tight_layout()
        figs["hijack"] = fig
    return figs


def run_concept_association(quick: bool = True, seed: int = 0, hijack: bool = True,
                            checkpoint: str = "", counterfact: str = "",
                            plots: bool = True) -> StudyResult:
    """Run the latent concept association study (and the hijacking pipeline).

    Parameters
    ----------
    quick : bool
        Quick settings (m = 6, 600 steps; under a minute on one thread) or the full ones
        (m = 8, d = 32, 1500 steps, contexts 4..64, toy LM with 120 subjects and 1000
        steps; quick: 60 subjects, 400 steps).
    seed : int
    hijack : bool
        Also run the context-hijacking pipeline.
    checkpoint, counterfact : str
        Optional local HF causal-LM directory and COUNTERFACT JSON file; when given, the
        hijacking curve is measured on them instead of the toy LM.
    plots : bool
        Build the matplotlib figures.

    Returns
    -------
    StudyResult
    """
    seed = check_int(seed, "seed", minimum=0)
    ss = np.random.SeedSequence(seed)
    if quick:
        m, d, steps, Ls, prepends = 6, 24, 600, [4, 8, 16], [0, 1, 2, 3]
        n_subj, lm_steps = 60, 400
    else:
        m, d, steps, Ls, prepends = 8, 32, 1500, [4, 8, 16, 32, 64], [0, 1, 2, 3, 4, 5]
        n_subj, lm_steps = 120, 1000
    res: dict[str, Any] = {"context_lengths": Ls, "acc_trained_value": [],
                           "acc_identity_value": [], "acc_bayes": []}
    runs = {}
    with one_thread():
        children = iter(ss.spawn(2 * len(Ls) + 4))
        for L in Ls:
            tv = train_lca(m=m, d=d, L=L, steps=steps, rng=next(children))
            iv = train_lca(m=m, d=d, L=L, steps=steps, train_value=False, rng=next(children))
            runs[L] = tv
            res["acc_trained_value"].append(tv.accuracy)
            res["acc_identity_value"].append(iv.accuracy)
            ctx, tgt, _ = sample_lca_batch(4096, m, L, generator=torch_generator(L))
            res["acc_bayes"].append(bayes_accuracy(ctx, tgt, m, 0.15))
        ref = runs[16]
        E, E0 = ref.model.E.detach(), ref.E_init
        res["hamming_profile_trained"] = embedding_hamming_profile(E, m)
        res["hamming_profile_init"] = embedding_hamming_profile(E0, m)
        for name, mat in (("trained", E), ("init", E0)):
            s2 = np.linalg.svd((mat - mat.mean(0)).numpy(), compute_uv=False) ** 2
            res[f"spectrum_{name}"] = s2.tolist()
            res[f"top_m_eigen_fraction_{name}"] = top_eigen_fraction(mat, m)
        cl = train_lca(m=m, d=d, L=16, steps=steps, cluster=True, rng=next(children))
        within, across = cluster_attention_scores(cl.model, m)
        res["cluster_score_within"], res["cluster_score_across"] = within, across
        order = np.argsort(np.arange(2**m) & 3, kind="stable")
        res["attention_scores"] = cl.model.scores().detach().numpy()[np.ix_(order, order)]
        notes = ["Synthetic part: our calibrated flip-noise context distribution, not the "
                 "paper's verified settings."]
        if hijack:
            with tempfile.TemporaryDirectory() as tmp:
                if checkpoint:
                    lm, tok = load_local_lm(checkpoint)
                    records = load_counterfact(counterfact or None)
                    notes.append(f"Hijacking measured on the local checkpoint {checkpoint}.")
                    template = "Do not think of {}."
                else:
                    records = toy_fact_records(n_subj, rng=next(children))
                    train_toy_fact_lm(records, tmp, steps=lm_steps, rng=next(children))
                    lm, tok = load_local_lm(tmp)
                    template = "do not think of {} ."
                    notes.append("Hijacking curve from a 2-layer GPT-2 trained from scratch on a "
                                 "synthetic corpus whose mention sentences co-occur with the "
                                 "answer: a pipeline check, engineered by the corpus, not "
                                 "evidence about real LLMs.")
                curve = hijack_curve(lm, tok, records, prepends, template)
            res["hijack"] = {"prepends": prepends, **curve}
    metrics = {k: v for k, v in res.items() if k not in ("attention_scores",)}
    metrics["acc_gap_trained_minus_identity"] = [a - b for a, b in
                                                 zip(res["acc_trained_value"],
                                                     res["acc_identity_value"], strict=True)]
    settings = dict(m=m, d=d, steps=steps, batch=256, lr=3e-3, p_flip=0.15,
                    context_lengths=Ls, hijack=hijack, checkpoint=checkpoint,
                    counterfact=counterfact)
    return StudyResult(name="concept_association", quick=quick, seed=seed, metrics=metrics,
                       settings=settings, figures=_figures(res, m) if plots else {},
                       notes=notes)


STUDY = Study(
    name="concept_association",
    summary="latent concept association in a one-layer transformer + context hijacking "
            "(Jiang et al., NeurIPS 2024)",
    run=run_concept_association,
    options={"hijack": (bool, True, "also run the context-hijacking pipeline"),
             "checkpoint": (str, "", "local HF causal-LM directory for the hijacking curve"),
             "counterfact": (str, "", "local COUNTERFACT JSON file (default: toy fixture)")},
)
