"""Small helpers shared by the part-2 studies (identifiable VAE, interventional CRL, LTI, ASR).

Private: the public metrics live in :mod:`sosrmt.ml.metrics`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator

import numpy as np

__all__ = ["heldout_affine_r2", "new_figure", "single_threaded", "torch_threads"]


def heldout_affine_r2(z_train: np.ndarray, zhat_train: np.ndarray, z_test: np.ndarray,
                      zhat_test: np.ndarray) -> float:
    """Held-out R^2 of the affine map from ``zhat`` to ``z`` fitted on the training split.

    Notes
    -----
    Fit :math:`z \\approx M\\hat z + c` by least squares on the training pairs, then report
    :math:`1-\\frac{1}{d}\\sum_i \\mathrm{Var}(z_i - \\hat z_i^{\\mathrm{pred}})/\\mathrm{Var}(z_i)`
    on the test pairs. :func:`sosrmt.ml.metrics.affine_r2` is the in-sample version.

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


def new_figure(ncols: int = 1, width: float = 4.2, height: float = 3.2):
    """A matplotlib figure on the Agg backend with ``ncols`` axes (no pyplot state kept)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height))
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes


@contextlib.contextmanager
def torch_threads(n: int = 1) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads, then restore the previous setting.

    The part-2 networks are a few thousand parameters wide; extra intra-op threads only spin
    on a shared 2-core machine (measured: about twice the CPU time for the same run).
    """
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def single_threaded(func: Callable) -> Callable:
    """Decorator: run ``func`` inside :func:`torch_threads` (1 thread), restoring it after."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with torch_threads(1):
            return func(*args, **kwargs)

    return wrapper
