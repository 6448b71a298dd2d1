"""Identifiability of deep generative models without auxiliary information (Kivva et al. 2022).

Kivva, Rajendran, Ravikumar, Aragam, *Identifiability of deep generative models without
auxiliary information*, NeurIPS 2022 (arXiv:2206.10044).

The claim: a latent-variable model whose prior is a Gaussian mixture and whose decoder is an
injective piecewise-affine map (a leaky-ReLU network) is identifiable up to an affine map of the
latent space, with no auxiliary variable; a VAE with a learnable mixture prior (VaDE-style)
fitted to such data recovers the true latent ``z`` up to ``z_hat = M z + c``. A vanilla VAE
with an isotropic Gaussian prior is run beside it and reported, not asserted against.

Data: ``z ~ sum_k pi_k N(mu_k, Sigma_k)`` in R^d (K components in general position),
``x = f(z) + eps`` with ``f`` a leaky-ReLU MLP with full-column-rank weights (injective) and
``eps ~ N(0, sigma^2 I)`` -- an instance of the paper's model class.

Metrics: held-out affine R^2 (affine map fitted on the training split), weak MCC (after CCA) and
strong MCC (Hungarian matching) of the posterior mean against ``z``. The negative control is a
distribution-preserving nonlinear warp of a standard normal latent, ``z -> R(2|z|) z`` (a radial
twist): it has the same law as ``z`` but is not an affine function of it, and must score low.
What is the paper's and what is ours: ``docs/ml/identifiable_vae.rst``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from sosrmt._validation import as_rng, check_int, check_memory
from sosrmt.ml._figures import new_figure
from sosrmt.ml._torch import single_threaded
from sosrmt.ml.metrics import heldout_affine_r2, mcc, weak_mcc
from sosrmt.ml.study import RngLike, Study, StudyResult

__all__ = [
    "STUDY",
    "GMPriorVAE",
    "evaluate_latents",
    "make_gmm_piecewise_affine_data",
    "radial_twist",
    "radial_twist_control",
    "run_identifiable_vae",
    "train_gmvae",
]


def _leaky(a: np.ndarray, slope: float) -> np.ndarray:
    return np.where(a > 0, a, slope * a)


def make_gmm_piecewise_affine_data(n: int, d: int = 2, D: int = 10, K: int = 4, *,
                                   noise: float = 0.05, layers: int = 3, slope: float = 0.2,
                                   rng: RngLike = None,
                                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample ``x = f(z) + eps`` with a Gaussian-mixture ``z`` and an injective leaky-ReLU ``f``.

    Parameters
    ----------
    n : int
        Number of samples.
    d, D : int
        Latent and observed dimensions (``D >= d``).
    K : int
        Number of mixture components.
    noise : float
        Standard deviation of the observation noise.
    layers : int
        Affine layers of ``f`` (leaky ReLU between them).
    slope : float
        Negative slope of the leaky ReLU, in (0, 1).
    rng : None, int or Generator
        The mixture and the decoder are drawn from it first, then the samples; the same ``rng``
        seed therefore gives the same ground-truth model for any ``n``.

    Returns
    -------
    x : ndarray of shape (n, D)
        Observations, standardised (per-coordinate mean 0, variance 1 over the *population*
        map, i.e. the same affine rescaling for every ``n``).
    z : ndarray of shape (n, d)
        True latents.
    labels : ndarray of shape (n,)
        Mixture components.

    Notes
    -----
    Means :math:`\\mu_k` sit on a circle of radius 2 (jittered, so no symmetry), covariances
    :math:`\\Sigma_k = R_k\\operatorname{diag}(s_k)^2R_k^\\top` with random rotations and
    :math:`s_k\\in[0.25, 0.6]`. The decoder is :math:`f = L_\\ell\\circ\\sigma\\circ\\dots\\circ
    \\sigma\\circ L_1` with :math:`\\sigma` the leaky ReLU, :math:`L_1: \\mathbb R^d\\to\\mathbb
    R^D` and :math:`L_j:\\mathbb R^D\\to\\mathbb R^D` Gaussian (full column rank almost surely), so
    :math:`f` is injective and piecewise affine.

    Examples
    --------
    >>> x, z, lab = make_gmm_piecewise_affine_data(100, rng=0)
    >>> x.shape, z.shape, sorted(set(lab.tolist())) == [0, 1, 2, 3]
    ((100, 10), (100, 2), True)
    """
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    D = check_int(D, "D", minimum=d)
    K = check_int(K, "K", minimum=1)
    layers = check_int(layers, "layers", minimum=1)
    if not noise >= 0:
        raise ValueError(f"noise: expected a non-negative standard deviation, got {noise}")
    if not 0 < slope < 1:
        raise ValueError(f"slope: expected a leaky-ReLU slope in (0, 1), got {slope}")
    check_memory(8.0 * n * (D + d) * (layers + 2), "make_gmm_piecewise_affine_data",
                 hint="use a smaller n")
    rng = as_rng(rng)
    # --- ground-truth model (drawn first, independent of n)
    angles = 2 * np.pi * (np.arange(K) + rng.uniform(-0.15, 0.15, K)) / K
    means = np.zeros((K, d))
    means[:, 0] = 2 * np.cos(angles)
    if d > 1:
        means[:, 1] = 2 * np.sin(angles)
    if d > 2:
        means[:, 2:] = rng.normal(0, 1.0, (K, d - 2))
    chols = []
    for _ in range(K):
        q, _r = np.linalg.qr(rng.standard_normal((d, d)))
        chols.append(q * rng.uniform(0.25, 0.6, d))
    weights = rng.dirichlet(5 * np.ones(K))
    mats = [rng.standard_normal((D, d)) / np.sqrt(d)]
    mats += [rng.standard_normal((D, D)) / np.sqrt(D) for _ in range(layers - 1)]
    biases = [rng.normal(0, 0.3, D) for _ in range(layers)]
    ref = rng.standard_normal((4096, d)) * 2           # fixed reference cloud for standardising
    # --- samples
    labels = rng.choice(K, size=n, p=weights)
    eps = rng.standard_normal((n, d))
    z = means[labels] + np.einsum("nij,nj->ni", np.stack(chols)[labels], eps)

    def f(a: np.ndarray) -> np.ndarray:
        for j, (Wm, b) in enumerate(zip(mats, biases, strict=True)):
            a = a @ Wm.T + b
            if j < layers - 1:
                a = _leaky(a, slope)
        return a

    fr = f(ref)
    x = (f(z) - fr.mean(0)) / fr.std(0)
    x = x + noise * rng.standard_normal(x.shape)
    return x, z, labels


def radial_twist(z: np.ndarray, strength: float = 2.0) -> np.ndarray:
    """Rotate each point by an angle proportional to its radius: ``z -> R(strength |z|) z``.

    Notes
    -----
    For :math:`z\\sim\\mathcal N(0, I_2)` the law is rotation invariant, so the twisted latent
    has the same distribution as :math:`z`; yet it is not an affine function of :math:`z`.
    A recovered latent that were only "distributionally right" would look like this.

    Examples
    --------
    >>> z = np.array([[1.0, 0.0]])
    >>> np.round(radial_twist(z, strength=np.pi / 2), 6).tolist()
    [[0.0, 1.0]]
    """
    z = np.asarray(z, float)
    if z.ndim != 2 or z.shape[1] != 2:
        raise ValueError(f"z: expected an array of shape (n, 2), got {z.shape}")
    theta = strength * np.linalg.norm(z, axis=1)
    c, s = np.cos(theta), np.sin(theta)
    return np.column_stack([c * z[:, 0] - s * z[:, 1], s * z[:, 0] + c * z[:, 1]])


def radial_twist_control(n: int = 5000, rng: RngLike = None,
                         strength: float = 2.0) -> dict[str, float]:
    """Scores of the radial-twist negative control (same law as ``z``, not affine in ``z``).

    Returns
    -------
    dict
        ``r2_affine`` (held-out), ``weak_mcc`` and ``strong_mcc`` of the twisted latent
        against ``z``.

    Examples
    --------
    >>> radial_twist_control(2000, rng=0)["r2_affine"] < 0.5
    True
    """
    n = check_int(n, "n", minimum=10)
    rng = as_rng(rng)
    z = rng.standard_normal((n, 2))
    zt = radial_twist(z, strength)
    h = n // 2
    return {"r2_affine": heldout_affine_r2(z[:h], zt[:h], z[h:], zt[h:]),
            "weak_mcc": weak_mcc(z[h:], zt[h:]), "strong_mcc": mcc(z[h:], zt[h:])}


class GMPriorVAE(nn.Module):
    """VAE with a learnable diagonal Gaussian-mixture prior and leaky-ReLU networks.

    Parameters
    ----------
    D, d : int
        Observed and latent dimensions.
    K : int
        Mixture components of the prior (ignored for ``prior="normal"``).
    hidden : int
        Width of the two hidden layers of the encoder and decoder.
    prior : {'gmm', 'normal'}
        Learnable mixture (VaDE-style) or the fixed isotropic N(0, I).
    slope : float
        Leaky-ReLU slope.

    Notes
    -----
    Encoder :math:`q(z|x) = \\mathcal N(m(x), \\operatorname{diag} e^{s(x)})`, decoder
    :math:`p(x|z) = \\mathcal N(g(z), e^{\\lambda} I)` with a learned scalar :math:`\\lambda`, prior
    :math:`p(z) = \\sum_k \\pi_k\\mathcal N(\\mu_k, \\operatorname{diag} e^{2\\rho_k})`. The
    negative ELBO uses one reparametrised sample and the Monte-Carlo KL
    :math:`\\log q(z|x) - \\log p(z)` (the mixture KL has no closed form).

    Examples
    --------
    >>> model = GMPriorVAE(D=5, d=2, K=3)
    >>> loss = model.neg_elbo(torch.zeros(4, 5), torch.Generator().manual_seed(0))
    >>> loss.shape, bool(torch.isfinite(loss))
    (torch.Size([]), True)
    """

    def __init__(self, D: int, d: int, K: int = 4, hidden: int = 64, prior: str = "gmm",
                 slope: float = 0.2) -> None:
        super().__init__()
        if prior not in {"gmm", "normal"}:
            raise ValueError(f"prior: expected 'gmm' or 'normal', got {prior!r}")
        D = check_int(D, "D", minimum=1)
        d = check_int(d, "d", minimum=1)
        K = check_int(K, "K", minimum=1)
        hidden = check_int(hidden, "hidden", minimum=1)
        self.d, self.prior = d, prior
        act = nn.LeakyReLU(slope)
        self.encoder = nn.Sequential(nn.Linear(D, hidden), act, nn.Linear(hidden, hidden), act,
                                     nn.Linear(hidden, 2 * d))
        self.decoder = nn.Sequential(nn.Linear(d, hidden), act, nn.Linear(hidden, hidden), act,
                                     nn.Linear(hidden, D))
        self.log_noise = nn.Parameter(torch.tensor(math.log(0.1)))
        if prior == "gmm":
            self.logits = nn.Parameter(torch.zeros(K))
            self.means = nn.Parameter(torch.randn(K, d) * 1.5)
            self.log_scales = nn.Parameter(torch.zeros(K, d))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of :math:`q(z|x)`."""
        h = self.encoder(x)
        return h[:, : self.d], h[:, self.d:].clamp(-12, 6)

    def encode_mean(self, x: torch.Tensor) -> torch.Tensor:
        """Posterior mean, the recovered latent."""
        return self.encode(x)[0]

    def log_prior(self, z: torch.Tensor) -> torch.Tensor:
        """:math:`\\log p(z)` per sample."""
        if self.prior == "normal":
            return -0.5 * (z**2).sum(1) - 0.5 * self.d * math.log(2 * math.pi)
        diff = (z[:, None, :] - self.means[None]) / self.log_scales.exp()[None]
        comp = (-0.5 * (diff**2).sum(-1) - self.log_scales.sum(1)[None]
                - 0.5 * self.d * math.log(2 * math.pi))
        return torch.logsumexp(comp + torch.log_softmax(self.logits, 0)[None], dim=1)

    def neg_elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Mean negative ELBO of a batch (one reparametrised sample per point)."""
        mu, logvar = self.encode(x)
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype)
        z = mu + (0.5 * logvar).exp() * eps
        recon = self.decoder(z)
        D = x.shape[1]
        log_px = (-0.5 * ((x - recon) ** 2).sum(1) / self.log_noise.exp()
                  - 0.5 * D * (self.log_noise + math.log(2 * math.pi)))
        log_qz = (-0.5 * (eps**2 + logvar).sum(1) - 0.5 * self.d * math.log(2 * math.pi))
        return (-(log_px + self.log_prior(z) - log_qz)).mean()


def train_gmvae(x: np.ndarray, d: int = 2, K: int = 4, *, steps: int = 1500, batch: int = 512,
                lr: float = 2e-3, hidden: int = 64, prior: str = "gmm",
                seed: int = 0) -> tuple[GMPriorVAE, dict[str, float]]:
    """Fit :class:`GMPriorVAE` by Adam on minibatches.

    Parameters
    ----------
    x : ndarray of shape (n, D)
        Training observations.
    d, K, hidden, prior
        Passed to :class:`GMPriorVAE`.
    steps, batch, lr : int, int, float
        Adam steps, minibatch size and learning rate.
    seed : int
        Seeds the initialisation (inside :func:`torch.random.fork_rng`, so the global torch
        generator is left as it was) and the minibatch / reparametrisation generator.

    Returns
    -------
    model : GMPriorVAE
    info : dict
        ``neg_elbo_init`` and ``neg_elbo_final`` on the full training set (same noise draw).

    Examples
    --------
    >>> x, z, _ = make_gmm_piecewise_affine_data(300, rng=0)
    >>> _, info = train_gmvae(x, steps=20, batch=64)
    >>> info["neg_elbo_final"] < info["neg_elbo_init"]
    True
    """
    steps = check_int(steps, "steps", minimum=1)
    batch = check_int(batch, "batch", minimum=1)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float32))
    if xt.ndim != 2 or not torch.isfinite(xt).all():
        raise ValueError("x: expected a finite 2-D array (samples x features)")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = GMPriorVAE(xt.shape[1], d, K, hidden=hidden, prior=prior)
    gen = torch.Generator().manual_seed(seed + 1)

    def full_loss() -> float:
        with torch.no_grad():
            return float(model.neg_elbo(xt, torch.Generator().manual_seed(12345)))

    info = {"neg_elbo_init": full_loss()}
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n = xt.shape[0]
    for _ in range(steps):
        idx = torch.randint(n, (min(batch, n),), generator=gen)
        loss = model.neg_elbo(xt[idx], gen)
        opt.zero_grad()
        loss.backward()
        opt.step()
    info["neg_elbo_final"] = full_loss()
    return model, info


def evaluate_latents(z_train: np.ndarray, zhat_train: np.ndarray, z_test: np.ndarray,
                     zhat_test: np.ndarray) -> dict[str, float]:
    """Held-out affine R^2, weak MCC and strong MCC of recovered latents.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal((400, 2)); zh = z @ np.array([[1.0, 1.0], [0.0, 1.0]])
    >>> {k: round(v, 3) for k, v in evaluate_latents(z[:200], zh[:200], z[200:], zh[200:]).items()
    ...  if k != "strong_mcc"}
    {'r2_affine': 1.0, 'weak_mcc': 1.0}
    """
    return {"r2_affine": heldout_affine_r2(z_train, zhat_train, z_test, zhat_test),
            "weak_mcc": weak_mcc(z_test, zhat_test), "strong_mcc": mcc(z_test, zhat_test)}


def _fit_and_score(x_tr, z_tr, x_te, z_te, prior: str, d: int, K: int, steps: int, seed: int,
                   batch: int, hidden: int) -> tuple[GMPriorVAE, dict[str, float]]:
    model, info = train_gmvae(x_tr, d, K, steps=steps, prior=prior, seed=seed, batch=batch,
                              hidden=hidden)
    with torch.no_grad():
        zh_tr = model.encode_mean(torch.as_tensor(x_tr, dtype=torch.float32)).numpy()
        zh_te = model.encode_mean(torch.as_tensor(x_te, dtype=torch.float32)).numpy()
    return model, {**evaluate_latents(z_tr, zh_tr, z_te, zh_te), **info}


@single_threaded
def run_identifiable_vae(quick: bool = True, seed: int = 0, steps: int | None = None,
                         n_train: int | None = None) -> StudyResult:
    """Run the study: GMM-prior VAE vs vanilla VAE, affine-identifiability metrics, control.

    Parameters
    ----------
    quick : bool
        Quick mode: d = 2, D = 10, K = 4, 4000 training / 2000 test points, 1500 Adam steps.
        Full mode: 6000 / 2000 points and 3000 steps (our sizes, not the paper's), plus
        d = 3, D = 12.
    seed : int
    steps, n_train : int, optional
        Overrides.

    Returns
    -------
    StudyResult
        ``metrics["gmm"]`` and ``metrics["normal"]`` (``r2_affine``, ``weak_mcc``,
        ``strong_mcc``, ``neg_elbo_init``, ``neg_elbo_final``), ``metrics["control"]`` (radial
        twist), and in full mode ``metrics["gmm_d3"]``.
    """
    seed = check_int(seed, "seed", minimum=0)
    steps = check_int(steps, "steps", minimum=1) if steps is not None else (
        1500 if quick else 3000)
    n_train = check_int(n_train, "n_train", minimum=50) if n_train is not None else (
        4000 if quick else 6000)
    n_test = 2000
    configs = [("", 2, 10, 4)] + ([] if quick else [("_d3", 3, 12, 4)])
    metrics: dict = {}
    fig, axes = new_figure(3, width=3.6)
    for suffix, d, D, K in configs:
        x, z, lab = make_gmm_piecewise_affine_data(n_train + n_test, d, D, K, rng=seed)
        x_tr, z_tr, x_te, z_te = x[:n_train], z[:n_train], x[n_train:], z[n_train:]
        for prior in ("gmm", "normal"):
            model, scores = _fit_and_score(x_tr, z_tr, x_te, z_te, prior, d, K, steps, seed,
                                           512, 64)
            metrics[prior + suffix] = scores
            if suffix == "" and prior == "gmm":
                with torch.no_grad():
                    zh = model.encode_mean(torch.as_tensor(x_te, dtype=torch.float32)).numpy()
                axes[0].scatter(z_te[:, 0], z_te[:, 1], c=lab[n_train:], s=2, cmap="tab10")
                axes[0].set_title("true z (test)")
                axes[1].scatter(zh[:, 0], zh[:, 1], c=lab[n_train:], s=2, cmap="tab10")
                axes[1].set_title(f"VAE, GMM prior: affine R2 {scores['r2_affine']:.2f}")
    metrics["control"] = radial_twist_control(5000, rng=seed)
    zc = np.random.default_rng(seed).standard_normal((2000, 2))
    zt = radial_twist(zc)
    axes[2].scatter(zt[:, 0], zt[:, 1], c=np.linalg.norm(zc, axis=1), s=2)
    axes[2].set_title(f"radial twist control: R2 {metrics['control']['r2_affine']:.2f}")
    notes = [
        "The data-generating process is an instance of the paper's model class (GMM latent, "
        "injective leaky-ReLU decoder) with our sizes, not the paper's experiment.",
        "The vanilla N(0, I) prior is reported, not asserted against: at this scale it is often "
        "affine-identifiable as well, in line with the paper's remark that its hierarchy "
        "contains vanilla VAEs as a special case.",
        "Strong MCC (coordinate-wise) is not implied by affine identifiability; weak MCC and "
        "affine R2 are the quantities the theory speaks to.",
    ]
    return StudyResult(
        name="identifiable_vae", quick=quick, seed=seed, metrics=metrics,
        settings={"configs": [c[1:] for c in configs], "n_train": n_train, "n_test": n_test,
                  "steps": steps, "batch": 512, "lr": 2e-3, "hidden": 64, "noise": 0.05},
        figures={"latents": fig}, notes=notes)


STUDY = Study(
    name="identifiable_vae",
    summary="VAE with a mixture prior recovers the latent up to an affine map (Kivva et al. 2022)",
    run=run_identifiable_vae,
    options={"steps": (int, None, "Adam steps per model"),
             "n_train": (int, None, "training points")},
)
