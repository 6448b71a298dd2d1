r"""Exact expectations over every p-biased input at small ``n``: the checks of the bounds.

With :math:`N=\binom n2\le15` input variables (``n <= 6``) all :math:`2^N` inputs can be
enumerated with their probabilities :math:`p^{|x|}(1-p)^{N-|x|}`, so the moments that the
recursive Efron–Stein bounds of :mod:`sosrmt.graphs.efron_stein.pbiased` control are computed
exactly, not sampled:

* :func:`exhaustive_moment` — :math:`|||M_\alpha|||_{2q}=
  (\mathbb E\|M_\alpha\|_{S_{2q}}^{2q})^{1/2q}`;
* :func:`exhaustive_last_level` — :math:`(\mathbb E\operatorname{tr}Y^q)^{1/2q}` with
  :math:`Y=\sum_ew_e^2C_eC_e^\top`, the weighted last level that
  :func:`sosrmt.graphs.efron_stein.last_level_bound` bounds.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from sosrmt._validation import check_int
from sosrmt.graphs.efron_stein.graph import _derivative_matrix, _edge_ids, _es_shape, _injections
from sosrmt.graphs.efron_stein.schatten import QGrid, check_q
from sosrmt.graphs.inputs import check_sparse_model
from sosrmt.graphs.shape import Shape

__all__ = ["MAX_VARIABLES", "exhaustive_last_level", "exhaustive_moment"]

#: Largest number of input variables enumerated (2^15 = 32768 inputs, n = 6).
MAX_VARIABLES = 15
_CHUNK = 2048


def _batch_log_power_sums(ev: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """log sum_i ev[b, i]^q for every batch row b and q (ev >= 0), stably."""
    top = ev.max(axis=1, keepdims=True)
    safe = np.where(top > 0, top, 1.0)
    rel = ev / safe
    sums = np.stack([np.sum(rel ** q, axis=1) for q in qs], axis=1)
    with np.errstate(divide="ignore"):
        return np.where(top > 0, qs[None, :] * np.log(safe) + np.log(sums), -np.inf)


def _inputs(num_vars: int, p: float, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """Bits of inputs start..stop-1 (rows) and their log-probabilities."""
    codes = np.arange(start, stop, dtype=np.int64)
    bits = (codes[:, None] >> np.arange(num_vars)[None, :]) & 1
    ones = bits.sum(axis=1)
    logp = ones * math.log(p) + (num_vars - ones) * math.log1p(-p)
    return bits, logp


def _check(shape: Shape, n: int, p: float) -> tuple[Shape, int, float, int]:
    shape = _es_shape(shape, "pbiased")
    n = check_int(n, "n", minimum=max(shape.k, 2))
    p = check_sparse_model(shape, n, p)
    num_vars = n * (n - 1) // 2
    if num_vars > MAX_VARIABLES:
        raise ValueError(f"n: exhaustive enumeration needs n(n-1)/2 <= {MAX_VARIABLES} input "
                         f"variables (n <= 6), got n={n}")
    return shape, n, p, num_vars


def _realisation_incidence(shape: Shape, n: int) -> tuple[np.ndarray, sp.csr_matrix, int, int]:
    """The realisations of ``shape`` on ``[n]`` as an incidence map onto matrix entries.

    Returns ``(var, inc, d1, d2)``: ``var[r, e]`` is the input variable (index into the
    upper-triangular edges of :math:`K_n`) of edge ``e`` in realisation ``r``; ``inc`` maps a
    vector of per-realisation products to the flattened ``d1 x d2`` graph matrix.
    Shared by the exhaustive p-biased and the Gauss-Hermite evaluators.
    """
    num_vars = n * (n - 1) // 2
    sig = _injections(n, shape.k)
    ids = _edge_ids(sig, shape.edges, n)
    iu, ju = np.triu_indices(n, 1)
    var_of = np.full(n * n, -1, dtype=np.int64)
    var_of[iu * n + ju] = np.arange(num_vars)
    var = var_of[ids]
    row = np.zeros(sig.shape[0], dtype=np.int64)
    for u in shape.U:
        row = row * n + sig[:, u]
    col = np.zeros(sig.shape[0], dtype=np.int64)
    for v in shape.V:
        col = col * n + sig[:, v]
    d1, d2 = n ** len(shape.U), n ** len(shape.V)
    inc = sp.csr_matrix((np.ones(sig.shape[0]), (np.arange(sig.shape[0]), row * d2 + col)),
                        shape=(sig.shape[0], d1 * d2))
    return var, inc, d1, d2


def exhaustive_moment(shape: Shape, n: int, p: float, q: QGrid) -> np.ndarray:
    r""":math:`|||M_\alpha|||_{2q}` exactly, averaging over all :math:`2^{\binom n2}` inputs.

    Parameters
    ----------
    shape : Shape
        Proper label-1 shape with every vertex on an edge.
    n : int
        Number of indices, with :math:`\binom n2\le15`.
    p : float
        Edge probability.
    q : int or sequence of int
        Moment orders.

    Returns
    -------
    numpy.ndarray
        :math:`(\mathbb E\|M_\alpha\|_{S_{2q}}^{2q})^{1/2q}` per ``q``.

    Notes
    -----
    :math:`M_\alpha(x)=\sum_\sigma\prod_{e}\chi(x_{\sigma(e)})E_{\sigma(U),\sigma(V)}` is
    assembled for a batch of inputs at once (one product of the character table with the
    realisation-to-entry incidence matrix) and its singular values come from batched Gram
    eigen-decompositions.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> m = exhaustive_moment(named_shape("wigner"), 4, 0.5, [1])
    >>> round(float(m[0]), 9)  # ||G||_F^2 = 12 for every +-1 input
    3.464101615
    """
    shape, n, p, num_vars = _check(shape, n, p)
    qs = check_q(q)
    var, inc, d1, d2 = _realisation_incidence(shape, n)
    hi, lo = math.sqrt((1 - p) / p), -math.sqrt(p / (1 - p))
    logs = []
    for start in range(0, 2 ** num_vars, _CHUNK):
        bits, logp = _inputs(num_vars, p, start, min(start + _CHUNK, 2 ** num_vars))
        chi = np.where(bits == 1, hi, lo)
        prod = np.prod(chi[:, var], axis=2)                      # (batch, realisations)
        mats = np.asarray((inc.T @ prod.T).T).reshape(-1, d1, d2)
        gram = mats @ mats.transpose(0, 2, 1) if d1 <= d2 else mats.transpose(0, 2, 1) @ mats
        ev = np.clip(np.linalg.eigvalsh(gram), 0.0, None)
        logs.append(_batch_log_power_sums(ev, qs) + logp[:, None])
    total = np.logaddexp.reduce(np.vstack(logs), axis=0)
    return np.exp(total / (2.0 * qs))


def exhaustive_last_level(shape: Shape, n: int, p: float, r: int, side: str,
                          q: QGrid) -> np.ndarray:
    r"""Exact :math:`(\mathbb E\operatorname{tr}Y^q)^{1/2q}` of the weighted last level.

    ``side = "C"``: :math:`Y=\sum_ew_e^2C_eC_e^\top` with :math:`C_e` the columns of
    :math:`F_{r,t-r}` whose last derivative slot is the edge ``e``; ``side = "R"``: the rows
    with last row slot ``e`` and :math:`Y=\sum_ew_e^2C_e^\top C_e`. The weights
    :math:`w_e^2=(\chi_e^2+1)/2` take the values :math:`1/(2p)` and :math:`1/(2(1-p))`.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> v = exhaustive_last_level(named_shape("wigner"), 4, 0.5, 0, "C", [1, 2])
    >>> [round(float(x), 9) for x in v]  # Y = (n-1) I: (4 * 3^q)^(1/2q)
    [3.464101615, 2.449489743]
    """
    shape, n, p, _ = _check(shape, n, p)
    qs = check_q(q)
    t = len(shape.edges)
    r = check_int(r, "r", minimum=0, maximum=t)
    if side not in ("R", "C") or (side == "C" and r == t) or (side == "R" and r == 0):
        raise ValueError(f"side: expected 'C' (r < t) or 'R' (r >= 1), got {side!r} with r={r}")
    slot = t - 1 if side == "C" else r - 1
    mat, labels = _derivative_matrix(shape, n, r, 10**8, slot=slot)
    dense = mat.toarray() if side == "C" else mat.toarray().T  # slot labels the columns
    _, lab = np.unique(labels, return_inverse=True)
    m = int(lab.max()) + 1
    d1, d2 = dense.shape
    # tr Y^q = ||F diag(w_lab)||_{S_2q}^{2q}: eigenvalues of the smaller Gram matrix
    chunk = max(1, min(_CHUNK, 20_000_000 // (d1 * d2)))
    w_hi, w_lo = 1.0 / math.sqrt(2.0 * p), 1.0 / math.sqrt(2.0 * (1.0 - p))
    logs = []
    # only the weights of the labelled edges enter Y: enumerate those
    for start in range(0, 2 ** m, chunk):
        bits, logp = _inputs(m, p, start, min(start + chunk, 2 ** m))
        w = np.where(bits == 1, w_hi, w_lo)[:, lab]             # (batch, d2)
        scaled = dense[None, :, :] * w[:, None, :]
        gram = (scaled @ scaled.transpose(0, 2, 1) if d1 <= d2
                else scaled.transpose(0, 2, 1) @ scaled)
        ev = np.clip(np.linalg.eigvalsh(gram), 0.0, None)
        logs.append(_batch_log_power_sums(ev, qs) + logp[:, None])
    total = np.logaddexp.reduce(np.vstack(logs), axis=0)
    return np.exp(total / (2.0 * qs))
