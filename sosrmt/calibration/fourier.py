"""Brute-force pseudo-calibration: the definition, summed term by term (test oracle).

.. math::  \\tilde{\\mathbb E}_{\\mathcal T}[x^I](Y) = \\sum_{\\alpha\\in\\mathcal T}
           \\mathbb E_\\mu[x^I h_\\alpha(Y)]\\,\\frac{h_\\alpha(Y)}{\\|h_\\alpha\\|^2}

(the definition of pseudo-calibration, Barak et al. arXiv 1604.03084; Hopkins et al.
arXiv 1710.05017). Nothing here uses the closed forms of the problem modules: the
Gaussian conditional Hermite means come from the generic conditional-Gaussian Hermite expansion
(:func:`~sosrmt.calibration.hermite.gaussian_hermite_moment`) and the Boolean ones from the
definition. Costs are exponential; for instances with a handful of input coordinates.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from functools import cache

import numpy as np

from sosrmt._validation import check_int
from sosrmt.calibration.hermite import gaussian_hermite_moment, hermite_e_table

__all__ = ["gaussian_brute_force", "multi_indices", "rademacher_brute_force"]


def multi_indices(length: int, max_total: int) -> list[tuple[int, ...]]:
    """All multi-indices of ``length`` entries with total ``<= max_total``.

    Examples
    --------
    >>> len(multi_indices(4, 4))
    70
    """
    out = []
    for total in range(max_total + 1):
        for combo in itertools.combinations_with_replacement(range(length), total):
            alpha = [0] * length
            for c in combo:
                alpha[c] += 1
            out.append(tuple(alpha))
    return out


def gaussian_brute_force(Y_blocks: Sequence[np.ndarray], latents: np.ndarray, probs: np.ndarray,
                         block_law: Callable[[int, np.ndarray], tuple[np.ndarray, np.ndarray]],
                         x_of_latent: Callable[[np.ndarray], np.ndarray],
                         monomials: np.ndarray, trunc: int) -> np.ndarray:
    """Pseudo-calibrated moments for Gaussian input, by the definition.

    Parameters
    ----------
    Y_blocks : sequence of 1-D arrays
        The input split into blocks that are independent given the latent (e.g. one block
        per tensor entry, or one per vector :math:`d_u`).
    latents : ndarray, shape (L, p)
        Enumerated hidden variables (e.g. :math:`(v, b)`), one per row.
    probs : ndarray, shape (L,)
        Their probabilities.
    block_law : callable
        ``block_law(b, z) -> (mean, cov_shift)``: block ``b`` given latent ``z`` is
        :math:`N(\\mathrm{mean}, I + \\mathrm{cov\\_shift})`.
    x_of_latent : callable
        ``x_of_latent(z) -> x`` (the variables of the program).
    monomials : ndarray, shape (r, n)
        Exponent vectors :math:`I` of the requested moments.
    trunc : int
        Truncation: total Hermite degree :math:`|\\alpha|\\le D`.

    Returns
    -------
    ndarray, shape (r,)
    """
    trunc = check_int(trunc, "trunc", minimum=0)
    sizes = [len(b) for b in Y_blocks]
    flat = np.concatenate([np.asarray(b, float) for b in Y_blocks])
    offsets = np.cumsum([0, *sizes])
    He = hermite_e_table(flat, trunc)                       # (D+1, L)
    xs = np.array([x_of_latent(z) for z in latents])         # (Lat, n)
    monos = np.asarray(monomials)
    xI = np.prod(xs[:, None, :] ** monos[None, :, :], axis=2)  # (Lat, r)

    @cache
    def block_mean(b: int, alpha_b: tuple[int, ...], zi: int) -> float:
        mean, cov = block_law(b, latents[zi])
        return gaussian_hermite_moment(alpha_b, mean, cov)

    out = np.zeros(monos.shape[0])
    for alpha in multi_indices(len(flat), trunc):
        h = math.prod(He[a, i] for i, a in enumerate(alpha) if a)
        norm = math.prod(math.factorial(a) for a in alpha)
        cond = np.array([
            math.prod(block_mean(b, tuple(alpha[offsets[b]:offsets[b + 1]]), zi)
                      for b in range(len(sizes)))
            for zi in range(len(latents))])
        out += (probs * cond) @ xI * h / norm
    return out


def rademacher_brute_force(G: np.ndarray, subsets: np.ndarray, probs: np.ndarray,
                           q: float, monomials: Sequence[Sequence[int]], *,
                           tau: int | None = None, trunc: int | None = None) -> np.ndarray:
    """Pseudo-calibrated moments :math:`\\tilde{\\mathbb E}[x_I]` for the dense subgraph
    problem, by the definition :math:`\\sum_T\\mathbb E_\\mu[x_I\\chi_T]\\chi_T(G)`.

    Parameters
    ----------
    G : ndarray, shape (n, n)
        Symmetric :math:`\\pm1` matrix.
    subsets : ndarray, shape (L, n)
        Enumerated planted sets (0/1 rows); ``probs`` their probabilities.
    q : float
        Density bias: :math:`\\mathbb E[\\chi_T\\mid S] = (2q)^{|T|}\\mathbf 1[V(T)\\subseteq S]`.
    monomials : sequence of vertex sets
        The sets :math:`I`.
    tau, trunc : int
        Vertex truncation :math:`|V(T)\\cup I|\\le\\tau` or degree truncation :math:`|T|\\le D`.
    """
    n = G.shape[0]
    edges = list(itertools.combinations(range(n), 2))
    out = np.zeros(len(monomials))
    for r in range(len(edges) + 1):
        if trunc is not None and r > trunc:
            break
        for T in itertools.combinations(edges, r):
            VT = {v for e in T for v in e}
            chi = math.prod(G[a, b] for a, b in T)
            for idx, I in enumerate(monomials):
                W = VT | set(I)
                if tau is not None and len(W) > tau:
                    continue
                inside = np.all(subsets[:, sorted(W)] == 1, axis=1) if W else np.ones(len(probs),
                                                                                    bool)
                out[idx] += float(probs @ inside) * (2 * q) ** r * chi
    return out
