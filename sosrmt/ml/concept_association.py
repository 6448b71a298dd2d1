"""Latent concept association and associative memory in a one-layer transformer.

Toy-scale reproduction of Jiang, Rajendran, Ravikumar & Aragam, "Do LLMs dream of elephants
(when told not to)? Latent concept association and associative memory in transformers"
(NeurIPS 2024, arXiv:2406.18400), the synthetic latent-concept-association experiments.

Tokens are the points of the hypercube :math:`\\{0,1\\}^m` (vocabulary :math:`V = 2^m`); a
target :math:`z^*` is drawn uniformly and the context holds :math:`L` noisy copies of it. A
one-layer transformer (:class:`OneLayerAssocTransformer`) must output the target. The study
compares a trained value matrix with the value matrix frozen at the identity across context
lengths, reads the inner products of the learned embeddings against Hamming distance, the
low-rank share of their spectrum, and the attention scores by cluster. The same paper's context
hijacking experiment is :mod:`sosrmt.ml.context_hijacking`, which the study also runs.

Which settings are the paper's and which are ours, and what the numbers show: the docs page
``docs/ml/concept_association.rst``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import Tensor, nn

from sosrmt._validation import check_int, check_memory
from sosrmt.ml._figures import new_figure
from sosrmt.ml._torch import torch_generator, torch_threads
from sosrmt.ml.context_hijacking import hijack_figure, run_context_hijacking
from sosrmt.ml.study import RngLike, Study, StudyResult

__all__ = [
    "STUDY",
    "LCARun",
    "OneLayerAssocTransformer",
    "bayes_accuracy",
    "cluster_attention_scores",
    "embedding_hamming_profile",
    "hamming_distance_matrix",
    "lca_accuracy",
    "run_concept_association",
    "sample_lca_batch",
    "top_eigen_fraction",
    "train_lca",
]

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
              cluster: bool = False, n_eval: int = 4096, rng: RngLike = None) -> LCARun:
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
    >>> round(bayes_accuracy(ctx, torch.tensor([0]), m=2, p_flip=0.1), 9)
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
    >>> round(top_eigen_fraction(E, 1), 9)
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
# the study
# --------------------------------------------------------------------------------------

def _figures(res: dict[str, Any], m: int) -> dict[str, Figure]:
    figs = {}
    fig, ax = new_figure(3)
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
    figs["lca"] = fig
    if "attention_scores" in res:
        fig, (ax,) = new_figure(1, grid=False)
        im = ax.imshow(np.asarray(res["attention_scores"]), cmap="RdBu_r")
        ax.set(title="(c) QK scores, tokens sorted by cluster", xlabel="key", ylabel="query")
        fig.colorbar(im, ax=ax)
        figs["attention"] = fig
    if "hijack" in res:
        figs["hijack"] = hijack_figure(res["hijack"], "toy LM")
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
    m, d, steps, Ls = (6, 24, 600, [4, 8, 16]) if quick else (8, 32, 1500, [4, 8, 16, 32, 64])
    res: dict[str, Any] = {"context_lengths": Ls, "acc_trained_value": [],
                           "acc_identity_value": [], "acc_bayes": []}
    runs = {}
    with torch_threads():
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
            res["hijack"], more = run_context_hijacking(quick, next(children), checkpoint,
                                                        counterfact)
            notes += more
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
