"""Comparison of certificates with exact ground truth and population values, and its plot."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sosrmt._validation import as_rng, check_int
from sosrmt.problems.anticoncentration.exact import opt_exact
from sosrmt.problems.anticoncentration.polynomial import poly_certificate
from sosrmt.problems.anticoncentration.population import population_opt
from sosrmt.problems.anticoncentration.relaxation import ip_relaxation
from sosrmt.problems.anticoncentration.samplers import parse_distribution, sample_points, whiten

__all__ = ["compare", "plot_compare"]


def _stream(seed: int, *keys: object) -> np.random.Generator:
    """A generator that depends only on ``seed`` and ``keys`` (hashed by their text), never
    on which other distributions or deltas are computed in the same call."""
    digest = hashlib.sha256(repr(keys).encode()).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    return as_rng(np.random.SeedSequence([seed, *words]))


def compare(dists: Sequence[str], n: int, d: int, deltas: Sequence[float], *,
            sos: bool = True, sos_max_n: int = 40, poly: bool = True, poly_degree: int = 12,
            seed: int = 0,
            progress: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """OPT, certificate values and population values per distribution and delta.

    The points of each distribution are sampled from a stream that depends only on
    ``(seed, distribution name)`` and whitened to exact isotropic position, so a row never
    depends on the other distributions or deltas asked for; the randomised parts of a row
    (Monte Carlo population values, search directions) use a stream of
    ``(seed, name, delta)``. The "2+2" SoS relaxation runs on the first ``sos_max_n``
    points only (its cost grows like n^3 d^3); its row then also reports
    ``opt_sos_subset``, the exact OPT of that subset, which the bound must dominate.
    ``None`` marks values not computed.

    Examples
    --------
    >>> rows = compare(["gaussian"], 50, 2, [0.2], sos=False, poly_degree=4)
    >>> rows[0]["dist"], bool(rows[0]["poly"] >= rows[0]["opt"]), rows[0]["sos"]
    ('gaussian', True, None)
    """
    n = check_int(n, "n", minimum=3)
    d = check_int(d, "d", minimum=2)
    seed = check_int(seed, "seed", minimum=0)
    for dist in dists:
        parse_distribution(dist)
    rows = []
    for dist in dists:
        X = whiten(sample_points(dist, n, d, rng=_stream(seed, "points", dist)))
        Xs = whiten(X[: min(n, sos_max_n)]) if sos else None
        for delta in deltas:
            gen = _stream(seed, "row", dist, float(delta))
            row: dict[str, Any] = {"dist": dist, "delta": float(delta), "n": n, "d": d}
            t0 = time.perf_counter()
            gt = opt_exact(X, delta, allow_duplicates=True, rng=gen)
            row["opt"] = gt.value
            row["opt_exact"] = gt.exact
            row["time_opt"] = time.perf_counter() - t0
            row["population"], row["population_kind"] = population_opt(
                dist, d, delta, n_mc=50_000, rng=gen)
            row["sos"] = row["sos_value"] = row["opt_sos_subset"] = None
            if sos:
                t0 = time.perf_counter()
                res = ip_relaxation(Xs, delta, allow_duplicates=True)
                row["sos"] = res.bound
                row["sos_value"] = res.value if res.bound is not None else None
                row["sos_status"] = res.status
                row["sos_n"] = Xs.shape[0]
                row["opt_sos_subset"] = opt_exact(Xs, delta, allow_duplicates=True,
                                                  rng=gen).value
                row["time_sos"] = time.perf_counter() - t0
            row["poly"] = None
            if poly:
                t0 = time.perf_counter()
                pc = poly_certificate(X, delta, degree=poly_degree, allow_duplicates=True,
                                      rng=gen)
                row["poly"] = pc.bound
                row["poly_degree"] = pc.degree
                row["time_poly"] = time.perf_counter() - t0
            rows.append(row)
            if progress is not None:
                progress(row)
    return rows


def plot_compare(rows: Sequence[dict[str, Any]], path: str | Path | None = None) -> Figure:
    """Plot OPT, the certificates and the population value against delta, one panel per
    distribution.

    Returns the :class:`~matplotlib.figure.Figure` (not registered with pyplot); it is also
    saved to ``path`` when one is given.

    Examples
    --------
    >>> rows = compare(["gaussian"], 40, 2, [0.1, 0.2], sos=False, poly=False)
    >>> len(plot_compare(rows).axes)
    1
    """
    dists = list(dict.fromkeys(r["dist"] for r in rows))
    if not dists:
        raise ValueError("rows: expected at least one row to plot")
    fig = Figure(figsize=(3.6 * len(dists), 3.4), layout="constrained")
    axes = fig.subplots(1, len(dists), squeeze=False, sharey=True)
    for ax, dist in zip(axes[0], dists, strict=True):
        rs = sorted((r for r in rows if r["dist"] == dist), key=lambda r: r["delta"])
        x = [r["delta"] for r in rs]
        for key, style, label in (("opt", "o-", "OPT (exact)"), ("sos", "s--", "SoS 2+2"),
                                  ("opt_sos_subset", "x:", "OPT (SoS subset)"),
                                  ("poly", "^-.", "poly certificate"),
                                  ("population", "k-", "population")):
            ys = [r.get(key) for r in rs]
            if any(y is not None for y in ys):
                ax.plot(x, [np.nan if y is None else y for y in ys], style, label=label,
                        ms=4)
        ax.set_title(dist)
        ax.set_xlabel("delta")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("slab fraction")
    axes[0][0].legend(fontsize=7)
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
