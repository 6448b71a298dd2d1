"""Graph recovery for the interventional CRL study: a DAG estimator and the SHD.

Buchholz et al., *Learning Linear Causal Representations from Interventions under General
Nonlinear Mixing* (NeurIPS 2023, arXiv:2306.02235) report the structural Hamming distance of
the recovered graph beside the MCC of the latents. :func:`recover_dag` estimates the DAG of a
linear Gaussian SCM from (recovered) latents observed with one perfect intervention per node;
:func:`shd` compares it with the true DAG. Both are ours; :mod:`sosrmt.ml.interventional_crl`
uses them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["recover_dag", "shd"]


def shd(g_true: np.ndarray, g_est: np.ndarray) -> int:
    """Structural Hamming distance between two directed graphs on the same nodes.

    ``g[i, j]`` is True iff ``j -> i``. Every unordered pair whose status (no edge,
    ``i -> j``, ``j -> i``) differs counts once, so a reversed edge costs 1.

    Examples
    --------
    >>> g = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], bool)        # 0 -> 1 -> 2
    >>> shd(g, g), shd(g, g.T), shd(g, np.zeros((3, 3), bool))
    (0, 2, 2)
    """
    a = np.asarray(g_true, bool)
    b = np.asarray(g_est, bool)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape != b.shape:
        raise ValueError(f"g_true, g_est: expected two square arrays of one shape, got "
                         f"{a.shape} and {b.shape}")
    iu = np.triu_indices(a.shape[0], 1)
    return int(np.sum((a[iu] != b[iu]) | (a.T[iu] != b.T[iu])))


def recover_dag(z_obs: np.ndarray, z_int: list[np.ndarray], *, corr_threshold: float = 0.05,
                pcorr_threshold: float = 0.05) -> np.ndarray:
    """Estimate the DAG of a linear SCM from its latents and one perfect intervention per node.

    Parameters
    ----------
    z_obs : ndarray of shape (n, d)
        Observational samples of the (recovered) latents.
    z_int : list of d arrays of shape (n_k, d)
        ``z_int[k]``: samples of the environment that intervenes on coordinate ``k``.
    corr_threshold : float
        ``j`` counts as an ancestor of ``i`` when :math:`|\\mathrm{corr}(z_i, z_j)|` exceeds
        it in the environment intervening on ``j`` and is less than half of that in the
        environment intervening on ``i``.
    pcorr_threshold : float
        An ancestor ``j`` earlier in the order is a parent of ``i`` when the partial
        correlation of :math:`z_i` and :math:`z_j` given the other earlier ancestors of ``i``
        (observational data) exceeds it.

    Returns
    -------
    ndarray of bool, shape (d, d)
        ``G[i, j]`` True iff ``j -> i``.

    Notes
    -----
    A perfect intervention on node :math:`i` cuts it from its ancestors, so their
    correlation with :math:`z_i` vanishes there, while an intervention on an ancestor
    :math:`j` keeps :math:`z_j` correlated with its descendant :math:`z_i`: this gives the
    ancestor relation. Ordering the nodes by their number of descendants gives a causal
    order, and in a linear Gaussian SCM an earlier node :math:`j` is a parent of :math:`i`
    iff the partial correlation given the other earlier ancestors is non-zero. Weak or
    cancelling paths can hide an ancestor (the estimator's own error is measured on the true
    latents as ``shd_oracle`` by :func:`crl_experiment`).

    Examples
    --------
    >>> A = np.array([[0, 0, 0], [0.9, 0, 0], [0, -0.8, 0]])          # 0 -> 1 -> 2
    >>> rng = np.random.default_rng(0)
    >>> def draw(k=None):
    ...     Ak, s = A.copy(), np.ones(3)
    ...     if k is not None:
    ...         Ak[k], s[k] = 0.0, 0.3
    ...     return np.linalg.solve(np.eye(3) - Ak, (rng.standard_normal((4000, 3)) * s).T).T
    >>> recover_dag(draw(), [draw(k) for k in range(3)]).astype(int).tolist()
    [[0, 0, 0], [1, 0, 0], [0, 1, 0]]
    """
    z_obs = np.asarray(z_obs, float)
    if z_obs.ndim != 2:
        raise ValueError(f"z_obs: expected a 2-D array, got shape {z_obs.shape}")
    d = z_obs.shape[1]
    if len(z_int) != d or any(np.asarray(z).ndim != 2 or np.asarray(z).shape[1] != d
                              for z in z_int):
        raise ValueError(f"z_int: expected {d} arrays with {d} columns, one per coordinate")
    corr = [np.abs(np.corrcoef(np.asarray(z, float), rowvar=False)) for z in z_int]
    anc = np.zeros((d, d), bool)                   # anc[j, i]: j is an ancestor of i
    for i in range(d):
        for j in range(d):
            if i != j:
                anc[j, i] = corr[j][i, j] > corr_threshold and corr[i][i, j] < corr[j][i, j] / 2
    order = np.argsort(-anc.sum(1), kind="stable")
    G = np.zeros((d, d), bool)
    for pos, i in enumerate(order):
        cand = [j for j in order[:pos] if anc[j, i]]
        if not cand:
            continue
        prec = np.linalg.inv(np.cov(z_obs[:, [*cand, i]], rowvar=False))
        pc = -prec[-1, :-1] / np.sqrt(prec[-1, -1] * np.diag(prec)[:-1])
        for j, r in zip(cand, pc, strict=True):
            G[i, j] = abs(r) > pcorr_threshold
    return G
