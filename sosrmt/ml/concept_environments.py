"""Concept-conditional environments: the data of the interpretable-concepts study.

Rajendran, Buchholz, Aragam, Schölkopf & Ravikumar, "Learning Interpretable Concepts:
Unifying Causal Representation Learning and Foundation Models" (arXiv:2402.09236): concepts
are affine functions :math:`\\langle a_k, z\\rangle` of a latent :math:`z`; each environment
pins one concept near a value. The settings, the rejection sampler and the mixing maps
follow the authors' synthetic code (``causal_to_concept/synthetic``), re-implemented here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from torch import Tensor, nn

from sosrmt._validation import as_rng, check_int, check_memory
from sosrmt.ml._torch import torch_seed
from sosrmt.ml.study import RngLike

__all__ = [
    "SETTINGS",
    "ConceptData",
    "ConceptEnvSpec",
    "ResidualMLP",
    "gaussian_variant",
    "sample_concept_environments",
]


@dataclass(frozen=True)
class ConceptEnvSpec:
    """One setting: latent and observed sizes, concepts and environments.

    ``signs[e]`` is the concept pinned in environment ``e`` and ``means[e]`` its value;
    ``var`` the variance of the pinning density; ``mixing`` the map ``f``.
    """

    dim_z: int
    dim_x: int
    num_concepts: int
    signs: tuple[int, ...]
    means: tuple[float, ...]
    var: float = 0.005
    mixing: str = "linear"

    def __post_init__(self) -> None:
        check_int(self.dim_z, "dim_z", minimum=1)
        check_int(self.dim_x, "dim_x", minimum=1)
        check_int(self.num_concepts, "num_concepts", minimum=1)
        if len(self.signs) != len(self.means) or not self.signs:
            raise ValueError("signs, means: expected two non-empty sequences of equal length")
        if any(not 0 <= int(s) < self.num_concepts for s in self.signs):
            raise ValueError(f"signs: expected concept indices in [0, {self.num_concepts}), "
                             f"got {list(self.signs)}")
        if not (self.var > 0 and math.isfinite(self.var)):
            raise ValueError(f"var: expected a positive float, got {self.var}")
        if self.mixing not in ("identity", "linear", "nonlinear"):
            raise ValueError(f"mixing: expected 'identity', 'linear' or 'nonlinear', "
                             f"got {self.mixing!r}")
        if self.mixing == "identity" and self.dim_x != self.dim_z:
            raise ValueError("dim_x: the identity mixing needs dim_x == dim_z")

    @property
    def n_envs(self) -> int:
        return len(self.signs)


#: The settings files of the authors' synthetic code (``causal_to_concept/synthetic/*.yaml``).
SETTINGS: dict[str, ConceptEnvSpec] = {
    "settings1_linear": ConceptEnvSpec(3, 4, 2, (0, 1, 1), (0.2, -0.2, 0.1), mixing="linear"),
    "settings1_nonlinear": ConceptEnvSpec(3, 4, 2, (0, 1, 1), (0.2, -0.2, 0.1),
                                          mixing="nonlinear"),
    "settings2_linear": ConceptEnvSpec(4, 6, 3, (0, 1, 2, 0), (0.2, -0.2, 0.1, -0.1),
                                       mixing="linear"),
    "settings3_linear": ConceptEnvSpec(8, 10, 4, (0, 1, 2, 3, 0), (0.2, -0.2, 0.1, -0.1, -0.1),
                                       mixing="linear"),
    "settings3_nonlinear": ConceptEnvSpec(8, 10, 4, (0, 1, 2, 3, 0),
                                          (0.2, -0.2, 0.1, -0.1, -0.1), mixing="nonlinear"),
}


def gaussian_variant(spec: ConceptEnvSpec) -> ConceptEnvSpec:
    """The Gaussian-base variant used by the assertions: variance 0.01, means scaled by 1.5.

    Examples
    --------
    >>> gaussian_variant(SETTINGS["settings1_linear"]).means
    (0.3, -0.3, 0.15)
    """
    return replace(spec, var=0.01, means=tuple(round(1.5 * m, 10) for m in spec.means))


class ResidualMLP(nn.Module):
    """Input layer, ``hidden_layers`` residual LeakyReLU(0.2) layers, linear output.

    The architecture of the authors' ``EmbeddingNet`` (re-implemented): used as the
    nonlinear mixing (hidden 16, 1 layer) and as the MLP encoder (hidden 32, 2 layers).
    """

    def __init__(self, d_in: int, d_out: int, hidden: int = 16, hidden_layers: int = 1):
        super().__init__()
        self.inp = nn.Linear(d_in, hidden)
        self.hidden = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(hidden_layers))
        self.out = nn.Linear(hidden, d_out)
        self.act = nn.LeakyReLU(0.2)

    def forward(self, x: Tensor) -> Tensor:
        h = self.act(self.inp(x))
        for layer in self.hidden:
            h = self.act(layer(h)) + h
        return self.out(h)


@dataclass
class ConceptData:
    """Samples of the base and the environments, split into train / validation.

    ``x_base``/``z_base`` and ``x_env``/``z_env`` with ``concept_idx``/``env_idx`` per
    environment sample; ``*_val`` the validation parts; ``A`` (num_concepts, dim_z) the
    concept vectors; ``f`` the mixing module.
    """

    spec: ConceptEnvSpec
    A: np.ndarray
    f: nn.Module
    z_base: np.ndarray
    x_base: np.ndarray
    z_env: np.ndarray
    x_env: np.ndarray
    concept_idx: np.ndarray
    env_idx: np.ndarray
    val: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def concepts_base(self) -> np.ndarray:
        """True concept values :math:`A z` of the base samples."""
        return self.z_base @ self.A.T


def _base_sampler(base: str, dim_z: int, gen: np.random.Generator):
    if base == "gauss":
        return lambda n: gen.standard_normal((n, dim_z))
    if base != "gmm":
        raise ValueError(f"base: expected 'gmm' or 'gauss', got {base!r}")
    n_comps = 3
    means = gen.uniform(-1, 1, (n_comps, dim_z))
    sds = np.sqrt(gen.uniform(0.01, 0.015, (n_comps, dim_z)))
    w = gen.uniform(0.3, 1.0, n_comps)
    w = w / w.sum()

    def draw(n: int) -> np.ndarray:
        comp = gen.choice(n_comps, size=n, p=w)
        return means[comp] + sds[comp] * gen.standard_normal((n, dim_z))

    return draw


def sample_concept_environments(spec: ConceptEnvSpec, n_per_env: int = 2000, base: str = "gauss",
                                train_fraction: float = 0.8, rng: RngLike = None
                                ) -> ConceptData:
    """Draw base and concept-conditional samples and push them through the mixing.

    Parameters
    ----------
    spec : ConceptEnvSpec
    n_per_env : int
        Samples per environment (before the train / validation split); the base set has
        ``n_envs * n_per_env`` samples, as in the authors' code.
    base : {'gauss', 'gmm'}
        Standard Gaussian base, or the authors' 3-component GMM (means U(-1, 1),
        diagonal variances U(0.01, 0.015), weights U(0.3, 1) normalised).
    train_fraction : float
    rng : None, int, SeedSequence or Generator

    Returns
    -------
    ConceptData

    Notes
    -----
    Concept vectors :math:`a_k \\sim U(-0.3, 0.3)^{d_z}`. Environment :math:`e` pins
    concept :math:`k = \\mathrm{signs}[e]`: its latent density is
    :math:`p_e(z) \\propto p(z)\\, \\mathcal N(\\langle a_k, z\\rangle; \\mu_e, \\sigma^2)`,
    drawn by rejection from the base with acceptance probability
    :math:`\\exp(-(\\langle a_k,z\\rangle - \\mu_e)^2 / 2\\sigma^2)` (the authors divide the
    density by its maximum plus 1e-5, a negligible difference). Mixing: ``linear`` is a
    bias-free :class:`torch.nn.Linear` at PyTorch's default initialisation, ``nonlinear``
    a :class:`ResidualMLP` (hidden 16, one residual layer).

    Examples
    --------
    >>> data = sample_concept_environments(SETTINGS["settings1_linear"], 100, rng=0)
    >>> data.x_base.shape, data.x_env.shape, data.A.shape
    ((240, 4), (240, 4), (2, 3))
    """
    if not isinstance(spec, ConceptEnvSpec):
        raise TypeError(f"spec: expected a ConceptEnvSpec, got {type(spec).__name__}")
    n_per_env = check_int(n_per_env, "n_per_env", minimum=5)
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction: expected a value in (0, 1), got {train_fraction}")
    check_memory(8.0 * 4 * spec.n_envs * n_per_env * (spec.dim_z + spec.dim_x),
                 "sample_concept_environments", hint="use a smaller n_per_env")
    gen = as_rng(rng)
    A = gen.uniform(-0.3, 0.3, (spec.num_concepts, spec.dim_z))
    draw = _base_sampler(base, spec.dim_z, gen)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(torch_seed(gen))
        if spec.mixing == "linear":
            f: nn.Module = nn.Linear(spec.dim_z, spec.dim_x, bias=False)
        elif spec.mixing == "nonlinear":
            f = ResidualMLP(spec.dim_z, spec.dim_x, hidden=16, hidden_layers=1)
        else:
            f = nn.Identity()
    f.requires_grad_(False)

    def mix(z: np.ndarray) -> np.ndarray:
        if spec.mixing == "identity":
            return z.copy()
        with torch.no_grad():
            return f(torch.as_tensor(z, dtype=torch.float32)).numpy().astype(float)

    n_env = spec.n_envs
    z_base = draw(n_env * n_per_env)
    z_env, c_idx, e_idx = [], [], []
    for e, (k, mu) in enumerate(zip(spec.signs, spec.means, strict=True)):
        got, tries = [], 0
        while sum(len(b) for b in got) < n_per_env:
            cand = draw(4096)
            acc = np.exp(-((cand @ A[k] - mu) ** 2) / (2 * spec.var))
            got.append(cand[gen.random(cand.shape[0]) < acc])
            tries += 1
            n_got = sum(len(b) for b in got)
            if tries > 10000 or (tries >= 50 and n_got == 0):
                raise ValueError(f"means: environment {e} accepts almost no base sample; "
                                 "choose a mean inside the range of the concept")
        z_env.append(np.concatenate(got)[:n_per_env])
        c_idx.append(np.full(n_per_env, k))
        e_idx.append(np.full(n_per_env, e))
    n_tr = int(train_fraction * n_per_env)
    # train / validation split per environment, and the same share of the base set
    tr = np.concatenate([np.arange(e * n_per_env, e * n_per_env + n_tr) for e in range(n_env)])
    va = np.setdiff1d(np.arange(n_env * n_per_env), tr)
    zb_tr, zb_va = z_base[: n_env * n_tr], z_base[n_env * n_tr:]
    z_env_a, c_a, e_a = np.concatenate(z_env), np.concatenate(c_idx), np.concatenate(e_idx)
    val = {"z_base": zb_va, "x_base": mix(zb_va), "z_env": z_env_a[va], "x_env": mix(z_env_a[va]),
           "concept_idx": c_a[va], "env_idx": e_a[va]}
    return ConceptData(spec=spec, A=A, f=f, z_base=zb_tr, x_base=mix(zb_tr), z_env=z_env_a[tr],
                       x_env=mix(z_env_a[tr]), concept_idx=c_a[tr], env_idx=e_a[tr], val=val)
