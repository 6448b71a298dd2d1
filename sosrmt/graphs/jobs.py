"""Sweep jobs for graph matrices (``f(*, rng, **params) -> dict`` for :mod:`sosrmt.sweep`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sosrmt._report import fit_loglog, format_table
from sosrmt._validation import as_rng, check_int
from sosrmt.graphs.inputs import check_sparse_model, parse_edge_probability, sample_input
from sosrmt.graphs.operator import graph_operator
from sosrmt.graphs.separators import kappa, log_norm_exponent, sparse_exponent
from sosrmt.graphs.shape import Shape, parse_shape

__all__ = ["NormSummary", "norm_job", "norm_params", "predicted_exponent", "summarize_norms"]


def predicted_exponent(shape: Shape, n: int) -> float:
    """Separator exponent ``kappa`` (untyped) or ``log(prediction)/log(n)`` with all types ``n``.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> z = predicted_exponent(named_shape("Z"), 10)
    >>> z, round(predicted_exponent(named_shape("wishart"), 10), 9)
    (1.0, 1.0)
    """
    if not shape.is_typed:
        return kappa(shape)
    n = check_int(n, "n", minimum=2)
    return log_norm_exponent(shape, dict.fromkeys(shape.types, n)) / math.log(n)


def norm_job(*, shape: str, model: str, n: int, rng: np.random.Generator,
             p: float | str | None = None) -> dict[str, float | int]:
    """One trial: sample the input, build the operator, compute the spectral norm.

    Parameters
    ----------
    shape : str
        Shape name, JSON or compact text (see :func:`sosrmt.graphs.parse_shape`).
    model : {"rademacher", "gaussian", "pbiased"}
    n : int
        Size (every vertex type gets range ``n``).
    rng : numpy.random.Generator
    p : float or str, optional
        Edge probability for ``pbiased``: a number or ``c n^-a`` as text (``"10/n"``),
        evaluated at ``n``; then ``kappa`` is the sparse exponent
        (:func:`sosrmt.graphs.separators.sparse_exponent`).

    Returns
    -------
    dict
        Flat dict of numbers: ``norm``, ``kappa``, ``n_kappa`` (:math:`n^\\kappa`),
        ``p_n`` (pbiased only: p at this n),
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
    p_n = _p_at(p, n) if model == "pbiased" else p
    x = sample_input(model, sizes, rng=as_rng(rng), p=p_n, shape=sh)
    op = graph_operator(sh, x)
    from sosrmt.linalg import spectral_norm

    res = spectral_norm(op, hermitian=sh.is_transpose_symmetric(), rng=as_rng(rng))
    kap = _exponent(sh, model, p, n)
    n_kappa = float(n) ** kap
    return {
        **({"p_n": p_n} if model == "pbiased" else {}),
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


def _p_at(p: float | str | None, n: int) -> float | None:
    return None if p is None else parse_edge_probability(p).at(n)


def _exponent(shape: Shape, model: str, p: float | str | None, n: int) -> float:
    """kappa, or the sparse exponent for p = c n^-a (untyped pbiased shapes)."""
    if model == "pbiased" and p is not None and not shape.is_typed:
        return sparse_exponent(shape, parse_edge_probability(p).a).exponent
    return predicted_exponent(shape, max(n, 2))


def norm_params(shape: str, model: str, ns: Sequence[int], *, trials: int,
                p: float | str | None = None) -> dict[str, Any]:
    """Validate a norm study and return the sweep parameters of :func:`norm_job`.

    Checks everything before any work: the shape parses, ``trials >= 1``, every ``n`` is at
    least the number of vertices, and ``p`` is given for ``pbiased``.

    Examples
    --------
    >>> norm_params("Z", "rademacher", [16, 8, 8], trials=2)
    {'shape': 'Z', 'model': 'rademacher', 'n': [8, 16]}
    """
    sh = parse_shape(shape)
    trials = check_int(trials, "trials", minimum=1)
    bad = [n for n in ns if n < sh.k]
    if bad:
        raise ValueError(f"n: expected n >= {sh.k} (vertices of the shape), got {bad}")
    if model == "pbiased":
        if p is None:
            raise ValueError("p: the pbiased model needs --p (the edge probability)")
        for n in ns:
            check_sparse_model(sh, n, _p_at(p, n))
    params: dict[str, Any] = {"shape": shape, "model": model, "n": sorted(set(ns))}
    if p is not None:
        params["p"] = p
    return params


@dataclass(frozen=True)
class NormSummary:
    """Per-``n`` mean spectral norms of a graph matrix beside :math:`n^\\kappa`, and the slope.

    Attributes
    ----------
    shape : Shape
        The parsed shape.
    shape_arg : str
        The shape as the user gave it.
    kappa : float
        The separator exponent (:func:`predicted_exponent`).
    rows : list of dict
        One per ``n``: ``n``, ``trials``, ``mean``, ``stderr``, ``n_kappa``, ``ratio``.
    slope, slope_se : float or None
        Log-log slope of the norms against ``n`` over all trials (None with fewer than 3
        trials or 2 sizes).
    """

    shape: Shape
    shape_arg: str
    model: str
    p: float | str | None
    trials: int
    seed: int | None
    kappa: float
    rows: list[dict[str, Any]] = field(default_factory=list)
    slope: float | None = None
    slope_se: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON payload of ``sosrmt graphs norm --json``."""
        return {"shape": self.shape.to_dict(), "shape_arg": self.shape_arg, "model": self.model,
                "p": self.p, "trials": self.trials, "seed": self.seed, "kappa": self.kappa,
                "slope": self.slope, "slope_se": self.slope_se, "rows": self.rows}

    def text(self) -> str:
        """Plain-text table (one row per ``n``) and the slope line."""
        name = self.shape.name or self.shape_arg
        lines = [f"shape {name}  model {self.model}  kappa = {self.kappa:g}",
                 format_table(self.rows, ["n", "trials", "mean", "stderr", "n_kappa", "ratio"],
                              headers=["n", "trials", "E||M||", "s.e.", "n^kappa", "ratio"])]
        if self.slope is not None:
            lines.append(f"log-log slope = {self.slope:.4f} +- {self.slope_se:.4f}   "
                         f"(kappa = {self.kappa:g})")
        return "\n".join(lines)


def summarize_norms(rows: Sequence[Mapping[str, Any]], *, shape: str, model: str,
                    p: float | str | None = None, trials: int, seed: int | None = None,
                    fit_min_n: float | None = None) -> NormSummary:
    """Aggregate the rows of a :func:`norm_job` sweep into a :class:`NormSummary`.

    Parameters
    ----------
    rows : sequence of mappings
        Sweep rows with ``status``, ``n`` and ``norm`` (as :func:`sosrmt.sweep.run_sweep`
        returns them).
    shape, model, p, trials, seed
        The study's parameters (reported as given).
    fit_min_n : float, optional
        Fit the slope on ``n >= fit_min_n`` only.

    Raises
    ------
    ValueError
        When a trial failed (its error is quoted).

    Notes
    -----
    Per ``n``: mean of the finite norms and standard error ``std(ddof=1)/sqrt(k)``; the
    slope is :func:`sosrmt._report.fit_loglog` over every trial (not the means).

    Examples
    --------
    >>> rows = [{"status": "ok", "n": n, "norm": 2.0 * n ** 0.5} for n in (16, 64) for _ in "ab"]
    >>> s = summarize_norms(rows, shape="wigner", model="rademacher", trials=2)
    >>> s.kappa, [r["n"] for r in s.rows], round(s.slope, 9)
    (0.5, [16, 64], 0.5)
    """
    sh = parse_shape(shape)
    failed = [r for r in rows if r.get("status", "ok") != "ok"]
    if failed:
        raise ValueError(f"{len(failed)} trial(s) failed; first error: "
                         f"{failed[0].get('error', failed[0].get('status'))}")
    ns = sorted({int(r["n"]) for r in rows})
    kap = _exponent(sh, model, p, min(ns) if ns else 2)
    table = []
    for n in ns:
        vals = np.array([float(r["norm"]) for r in rows if int(r["n"]) == n], dtype=float)
        vals = vals[np.isfinite(vals)]
        k = vals.size
        mean = float(vals.mean()) if k else math.nan
        se = float(vals.std(ddof=1) / math.sqrt(k)) if k >= 2 else None
        table.append({"n": n, "trials": int(k), "mean": mean, "stderr": se,
                      "n_kappa": n ** kap, "ratio": mean / n ** kap})
    slope = slope_se = None
    if len(ns) >= 2 and len(rows) >= 3:
        fit = fit_loglog([r["n"] for r in rows], [r["norm"] for r in rows], x_min=fit_min_n)
        slope, slope_se = fit.slope, fit.slope_se
    return NormSummary(sh, shape, model, p, trials, seed, kap, table, slope, slope_se)
