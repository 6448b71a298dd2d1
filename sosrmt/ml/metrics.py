"""Identifiability metrics shared by every ML study.

- :func:`mcc` -- mean correlation coefficient after the best one-to-one matching
  of latent and recovered coordinates (Hungarian algorithm, ``scipy.optimize``);
- :func:`weak_mcc` -- MCC after an affine alignment by canonical correlation analysis;
- :func:`affine_r2` -- R^2 of the best affine map from recovered to true latents;
- :func:`heldout_affine_r2` -- the same map fitted on a training split, scored on a test split;
- :func:`unit_rows`, :func:`mean_off_diagonal` -- cosine-matrix helpers of the
  linear-representation measurements;
- :func:`amari_distance` -- the Amari index of a (de)mixing product, 0 iff it is a
  scaled permutation.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = [
    "affine_r2",
    "amari_distance",
    "heldout_affine_r2",
    "mcc",
    "mean_off_diagonal",
    "unit_rows",
    "weak_mcc",
]


def _check_pair(z_true: np.ndarray, z_hat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z_true = np.asarray(z_true, dtype=float)
    z_hat = np.asarray(z_hat, dtype=float)
    if z_true.ndim != 2 or z_hat.ndim != 2:
        raise ValueError(
            "z_true, z_hat: expected 2-D arrays (samples x dims), got shapes "
            f"{z_true.shape} and {z_hat.shape}"
        )
    if z_true.shape[0] != z_hat.shape[0]:
        raise ValueError(
            "z_true, z_hat: expected the same number of samples, got "
            f"{z_true.shape[0]} and {z_hat.shape[0]}"
        )
    if z_true.shape[0] < 3:
        raise ValueError("z_true: expected at least 3 samples")
    return z_true, z_hat


def _abs_corr(a: np.ndarray, b: np.ndarray, method: str) -> np.ndarray:
    if method == "spearman":
        from scipy.stats import rankdata

        a = np.apply_along_axis(rankdata, 0, a)
        b = np.apply_along_axis(rankdata, 0, b)
    elif method != "pearson":
        raise ValueError(f"method: expected 'pearson' or 'spearman', got {method!r}")
    a = (a - a.mean(0)) / np.maximum(a.std(0), 1e-12)
    b = (b - b.mean(0)) / np.maximum(b.std(0), 1e-12)
    return np.abs(a.T @ b) / a.shape[0]


def mcc(z_true: np.ndarray, z_hat: np.ndarray, method: str = "pearson") -> float:
    """Mean absolute correlation after optimal matching of coordinates.

    Parameters
    ----------
    z_true, z_hat : ndarray of shape (n_samples, d) and (n_samples, d')
        True and recovered latents.
    method : {'pearson', 'spearman'}
        Correlation used.

    Returns
    -------
    float
        In [0, 1]; 1 iff each true coordinate is an exact (monotone for Spearman,
        affine for Pearson) function of a distinct recovered coordinate.

    Notes
    -----
    With :math:`C_{ij} = |\\mathrm{corr}(z_i, \\hat z_j)|`, MCC is
    :math:`\\max_\\pi \\frac1d \\sum_i C_{i\\pi(i)}` over injections :math:`\\pi`,
    solved by the Hungarian algorithm (:func:`scipy.optimize.linear_sum_assignment`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal((500, 3))
    >>> round(mcc(z, 2 * z[:, [2, 0, 1]] + 1), 6)
    1.0
    """
    z_true, z_hat = _check_pair(z_true, z_hat)
    corr = _abs_corr(z_true, z_hat, method)
    rows, cols = linear_sum_assignment(-corr)
    return float(corr[rows, cols].sum() / z_true.shape[1])


def weak_mcc(z_true: np.ndarray, z_hat: np.ndarray) -> float:
    """MCC after aligning ``z_hat`` to ``z_true`` by canonical correlation analysis.

    Notes
    -----
    Canonical directions are computed by whitening both sets and taking the SVD of
    the cross-covariance; the score is the mean of the canonical correlations,
    which is invariant under any invertible affine map of ``z_hat``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> z = rng.standard_normal((400, 2))
    >>> round(weak_mcc(z, z @ np.array([[1.0, 2.0], [0.5, -1.0]])), 6)
    1.0
    """
    z_true, z_hat = _check_pair(z_true, z_hat)
    a = z_true - z_true.mean(0)
    b = z_hat - z_hat.mean(0)

    def whiten(x: np.ndarray) -> np.ndarray:
        u, s, _ = np.linalg.svd(x, full_matrices=False)
        keep = s > s.max() * 1e-10
        return u[:, keep]

    canon = np.linalg.svd(whiten(a).T @ whiten(b), compute_uv=False)
    k = min(z_true.shape[1], canon.size)
    return float(np.clip(canon[:k], 0, 1).sum() / z_true.shape[1])


def affine_r2(z_true: np.ndarray, z_hat: np.ndarray) -> float:
    """Mean over true coordinates of the R^2 of the best affine predictor from ``z_hat``.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> z = rng.standard_normal((300, 2))
    >>> round(affine_r2(z, z @ np.array([[0.0, 1.0], [3.0, 1.0]]) - 4), 6)
    1.0
    """
    z_true, z_hat = _check_pair(z_true, z_hat)
    design = np.column_stack([z_hat, np.ones(z_hat.shape[0])])
    coef, *_ = np.linalg.lstsq(design, z_true, rcond=None)
    resid = z_true - design @ coef
    var = z_true.var(0)
    r2 = 1.0 - resid.var(0) / np.maximum(var, 1e-300)
    return float(np.mean(r2))


def amari_distance(a: np.ndarray, b: np.ndarray | None = None) -> float:
    """Amari distance of ``P = a @ b`` (or of ``a`` alone) to the scaled permutations.

    Notes
    -----
    For :math:`P\\in\\mathbb R^{d\\times d}` with :math:`R = |P|`,

    .. math:: \\frac{1}{2d(d-1)}\\Big[\\sum_i\\Big(\\frac{\\sum_j R_{ij}}{\\max_j R_{ij}}-1\\Big)
              + \\sum_j\\Big(\\frac{\\sum_i R_{ij}}{\\max_i R_{ij}}-1\\Big)\\Big],

    normalised to [0, 1]; it is 0 iff :math:`P` is a scaled permutation matrix.

    Examples
    --------
    >>> amari_distance(np.array([[0.0, 2.0], [-3.0, 0.0]]))
    0.0
    """
    p = np.asarray(a, dtype=float) if b is None else np.asarray(a, float) @ np.asarray(b, float)
    if p.ndim != 2 or p.shape[0] != p.shape[1] or p.shape[0] < 2:
        raise ValueError(f"a: expected a square matrix of size >= 2, got shape {p.shape}")
    r = np.abs(p)
    d = r.shape[0]
    rows = (r.sum(1) / r.max(1) - 1).sum()
    cols = (r.sum(0) / r.max(0) - 1).sum()
    return float((rows + cols) / (2 * d * (d - 1)))


def heldout_affine_r2(z_train: np.ndarray, zhat_train: np.ndarray, z_test: np.ndarray,
                      zhat_test: np.ndarray) -> float:
    """Held-out R^2 of the affine map from ``zhat`` to ``z`` fitted on the training split.

    Notes
    -----
    Fit :math:`z \\approx M\\hat z + c` by least squares on the training pairs, then report
    :math:`1-\\frac{1}{d}\\sum_i \\mathrm{Var}(z_i - \\hat z_i^{\\mathrm{pred}})/\\mathrm{Var}(z_i)`
    on the test pairs. :func:`affine_r2` is the in-sample version.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal((200, 2))
    >>> round(heldout_affine_r2(z[:100], 3 * z[:100] + 1, z[100:], 3 * z[100:] + 1), 6)
    1.0
    """
    z_train = np.asarray(z_train, float)
    zhat_train = np.asarray(zhat_train, float)
    z_test = np.asarray(z_test, float)
    zhat_test = np.asarray(zhat_test, float)
    if z_train.ndim != 2 or z_test.ndim != 2 or zhat_train.ndim != 2 or zhat_test.ndim != 2:
        raise ValueError("z_train, zhat_train, z_test, zhat_test: expected 2-D arrays")
    if z_train.shape[0] != zhat_train.shape[0] or z_test.shape[0] != zhat_test.shape[0]:
        raise ValueError("z_*, zhat_*: expected the same number of samples in each split")
    design = np.column_stack([zhat_train, np.ones(len(zhat_train))])
    coef, *_ = np.linalg.lstsq(design, z_train, rcond=None)
    pred = np.column_stack([zhat_test, np.ones(len(zhat_test))]) @ coef
    var = z_test.var(0)
    r2 = 1.0 - (z_test - pred).var(0) / np.maximum(var, 1e-300)
    return float(np.mean(r2))


def unit_rows(x: np.ndarray) -> np.ndarray:
    """``x`` with every row (last axis) scaled to unit Euclidean norm (zero rows stay 0).

    Examples
    --------
    >>> unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    x = np.asarray(x, dtype=float)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-300)


def mean_off_diagonal(c: np.ndarray) -> float:
    """Mean of the off-diagonal entries of a square matrix (NaN for 1 x 1).

    Examples
    --------
    >>> mean_off_diagonal(np.array([[1.0, 0.5], [0.25, 1.0]]))
    0.375
    """
    c = np.asarray(c, dtype=float)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"c: expected a square matrix, got shape {c.shape}")
    n = c.shape[0]
    return float((c.sum() - np.trace(c)) / (n * (n - 1))) if n > 1 else float("nan")
