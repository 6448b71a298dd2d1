"""Sweep jobs for graph matrices (``f(*, rng, **params) -> dict`` for :mod:`sosrmt.sweep`)."""

from __future__ import annotations

import math

import numpy as np

from sosrmt._validation import as_rng, check_int
from sosrmt.graphs.inputs import sample_input
from sosrmt.graphs.operator import graph_operator
from sosrmt.graphs.separators import kappa, log_norm_exponent
from sosrmt.graphs.shape import Shape, parse_shape

__all__ = ["norm_job", "predicted_exponent"]


def predicted_exponent(shape: Shape, n: int) -> float:
    """Separator exponent ``kappa`` (untyped) or ``log(prediction)/log(n)`` with all types ``n``.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> predicted_exponent(named_shape("Z"), 10), predicted_exponent(named_shape("wishart"), 10)
    (1.0, 1.0)
    """
    if not shape.is_typed:
        return kappa(shape)
    n = check_int(n, "n", minimum=2)
    return log_norm_exponent(shape, dict.fromkeys(shape.types, n)) / math.log(n)


def norm_job(*, shape: str, model: str, n: int, rng: np.random.Generator,
             p: float | None = None) -> dict:
    """One trial: sample the input, build the operator, compute the spectral norm.

    Parameters
    ----------
    shape : str
        Shape name, JSON or compact text (see :func:`sosrmt.graphs.parse_shape`).
    model : {"rademacher", "gaussian", "pbiased"}
    n : int
        Size (every vertex type gets range ``n``).
    rng : numpy.random.Generator
    p : float, optional
        Edge probability for ``pbiased``.

    Returns
    -------
    dict
        Flat dict of numbers: ``norm``, ``kappa``, ``n_kappa`` (:math:`n^\\kappa`),
        ``ratio`` (``norm / n_kappa``), ``residual`` (relative), ``matvecs``, ``seconds``,
        ``dim_row``, ``dim_col``.

    Examples
    --------
    >>> r = norm_job(shape="path2", model="rademacher", n=30, rng=np.random.default_rng(0))
    >>> sorted(r)[:4], 2.0 < r["ratio"] < 3.5
    (['dim_col', 'dim_row', 'kappa', 'matvecs'], True)
    """
    if not isinstance(shape, str):
        raise TypeError(f"shape: expected a shape name or description string, got {shape!r}")
    sh = parse_shape(shape)
    n = check_int(n, "n", minimum=1)
    sizes = dict.fromkeys(sh.types, n) if sh.is_typed else n
    x = sample_input(model, sizes, rng=as_rng(rng), p=p, shape=sh)
    op = graph_operator(sh, x)
    from sosrmt.linalg import spectral_norm

    res = spectral_norm(op, hermitian=sh.is_transpose_symmetric(), rng=as_rng(rng))
    kap = predicted_exponent(sh, max(n, 2))
    n_kappa = float(n) ** kap
    return {
        "norm": res.value,
        "kappa": kap,
        "n_kappa": n_kappa,
        "ratio": res.value / n_kappa,
        "residual": res.relative_residual,
        "matvecs": res.matvecs,
        "seconds": res.seconds,
        "dim_row": op.shape[0],
        "dim_col": op.shape[1],
    }
