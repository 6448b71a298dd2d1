"""The ``sosrmt graphs bound`` table: empirical norms beside every Efron–Stein quantity per ``n``.

:func:`bound_table` computes the rows, :func:`format_bound_table` renders them as text and
:func:`plot_bound_table` draws them on a log-log figure.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sosrmt._report import fit_loglog, format_table
from sosrmt._validation import as_rng, check_int
from sosrmt.graphs.dense import graph_matrix
from sosrmt.graphs.efron_stein.closed_form import _closed_form_bound, _es_kappa
from sosrmt.graphs.efron_stein.gaussian import gaussian_bound
from sosrmt.graphs.efron_stein.graph import _es_shape, _exact_bound, _graph_level1
from sosrmt.graphs.efron_stein.hermite import (
    _check_labelled,
    _hermite_bound,
    hermite_multigraph,
)
from sosrmt.graphs.efron_stein.matrix import RngLike
from sosrmt.graphs.efron_stein.pbiased import _pbiased_bound
from sosrmt.graphs.efron_stein.schatten import default_q_grid
from sosrmt.graphs.inputs import check_sparse_model, parse_edge_probability, sample_input
from sosrmt.graphs.operator import graph_operator
from sosrmt.graphs.separators import min_vertex_separator, sparse_norm_bound
from sosrmt.graphs.shape import Shape, parse_shape
from sosrmt.linalg import spectral_norm

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["bound_table", "format_bound_table", "plot_bound_table"]

#: Dense spectral norms up to this many matrix entries; above, the matrix-free operator.
_DENSE_ENTRIES = 4_000_000
#: Full spectra (for the moment quantity) up to this smaller dimension.
_MOMENT_MAX_DIM = 2000


def _norms_of_samples(shape: Shape, n: int, model: str, p: float | None, trials: int,
                      rng: np.random.Generator, qs: np.ndarray | None):
    """Empirical spectral norms and (if small) log power sums of singular values."""
    a, b = len(shape.U), len(shape.V)
    entries = float(n) ** a * float(n) ** b
    norms, log_mom = [], []
    for _ in range(trials):
        x = sample_input(model, n, rng=rng, p=p, shape=shape)
        if entries <= _DENSE_ENTRIES:
            m = graph_matrix(shape, x)
            small = min(m.shape)
            if qs is not None and small <= _MOMENT_MAX_DIM:
                gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
                ev = np.clip(np.linalg.eigvalsh(gram), 0.0, None)
                top = float(ev.max())
                norms.append(math.sqrt(top))
                if top > 0:
                    log_mom.append(np.array([q * math.log(top)
                                             + math.log(float(np.sum((ev / top) ** q)))
                                             for q in qs]))
                else:
                    log_mom.append(np.full(qs.size, -np.inf))
            else:
                norms.append(float(np.linalg.norm(m, 2)))
        else:
            norms.append(float(spectral_norm(graph_operator(shape, x)).value))
    moment = None
    if log_mom:
        mean_log = np.logaddexp.reduce(np.vstack(log_mom), axis=0) - math.log(len(log_mom))
        moment = np.exp(mean_log / (2.0 * qs))
    return np.asarray(norms), moment


def _slope(ns: Sequence[int], values: Sequence[float | None]) -> float | None:
    """Log-log slope of a column (:func:`sosrmt._report.fit_loglog`), None with < 2 points."""
    try:
        return fit_loglog(ns, values, min_points=2).slope
    except ValueError:
        return None


def bound_table(shape: Shape | str, model: str, ns: Sequence[int], trials: int, rng: RngLike = None,
                *, p: float | str | None = None, exact_max_n: int = 12, l1_max_n: int = 10,
                l1_trials: int = 5, progress: bool = False) -> dict[str, Any]:
    r"""Empirical norms beside every Efron–Stein quantity per ``n`` (``sosrmt graphs bound``).

    Parameters
    ----------
    shape : Shape or str
        A shape or a name / text accepted by :func:`sosrmt.graphs.parse_shape`.
    model : {"rademacher", "pbiased", "gaussian"}
        Input model. ``pbiased``: the bounds of
        :func:`sosrmt.graphs.efron_stein.pbiased_bound` (three routes); ``gaussian``: those
        of :func:`sosrmt.graphs.efron_stein.hermite_bound` (any Hermite labels) and, for
        label-1 shapes, of :func:`sosrmt.graphs.efron_stein.gaussian_bound`, without
        :math:`L_1`.
    ns : sequence of int
        Sizes.
    trials : int
        Samples for the empirical norm and the moment quantity.
    rng : None, int, SeedSequence or Generator
        Randomness.
    p : float or str, optional
        Edge probability of ``pbiased``: a number, or ``c n^-a`` as text (``"10/n"``,
        ``"n^-0.5"``; see :func:`sosrmt.graphs.inputs.parse_edge_probability`; a constant
        fraction such as ``"1/2"`` is also accepted), evaluated at each ``n``. For
        ``pbiased`` the bound columns are those of
        :func:`sosrmt.graphs.efron_stein.pbiased.pbiased_bound` and ``predicted`` is the
        sparse separator bound :func:`sosrmt.graphs.sparse_norm_bound`.
    exact_max_n, l1_max_n : int
        Largest ``n`` for the exact bound and for :math:`L_1` (whose cost is
        :math:`\binom n2+1` dense evaluations per sample).
    l1_trials : int
        Samples for :math:`L_1`.
    progress : bool
        Print one line per ``n`` on stderr.

    Returns
    -------
    dict
        ``shape``, ``model``, ``kappa``, ``smin``, ``rows`` (one dict per ``n`` with ``n``,
        ``dim_row``, ``dim_col``, ``empirical``, ``empirical_se``, ``moment`` (min over the
        q grid of :math:`(\widehat{\mathbb E}\|M\|_{S_{2q}}^{2q})^{1/2q}`), ``l1``, ``l1_q``,
        ``bound_exact`` (flattened graph bound, ``None`` where not computed), ``bound_exact_q``,
        ``bound_tree``, ``bound_closed``, ``bound_closed_q``, ``tw_diagnostic``,
        ``bound_conc`` and ``bound_conc_closed`` (``pbiased`` only: the concentrated route of
        :func:`sosrmt.graphs.efron_stein.pbiased_bound`, tree form and closed form),
        ``bound_sym_closed`` (``pbiased`` only: the closed form of
        :func:`sosrmt.graphs.efron_stein.symmetrised_bound`), ``bound_hermite`` and
        ``bound_hermite_closed`` (``gaussian`` only: tree and closed form of
        :func:`sosrmt.graphs.efron_stein.hermite_bound`), ``n_kappa``, ``p`` (at this
        ``n``), ``empirical_q90`` (90 % quantile of the samples), ``predicted``
        (:math:`n^\kappa`, or the sparse separator bound for ``pbiased``)) and ``slopes``
        (log–log slopes of each column).

    Examples
    --------
    >>> tab = bound_table("wigner", "rademacher", [6, 8], trials=3, rng=0, l1_max_n=0)
    >>> [r["n"] for r in tab["rows"]], tab["kappa"]
    ([6, 8], 0.5)
    >>> all(r["bound_exact"] >= r["empirical"] for r in tab["rows"])
    True
    """
    if isinstance(shape, str):
        shape = parse_shape(shape)
    if model not in ("rademacher", "pbiased", "gaussian"):
        raise ValueError(f"model: expected 'rademacher', 'pbiased' or 'gaussian', got "
                         f"{model!r}")
    labelled = model == "gaussian" and any(lab != 1 for lab in shape.labels)
    # the one validation of the shape (Hermite labels: the Gaussian model only)
    work = _check_labelled(shape) if labelled else _es_shape(shape, model)
    multi = hermite_multigraph(work) if model == "gaussian" else work
    if isinstance(ns, int | np.integer) or not len(ns):
        raise ValueError(f"ns: expected a non-empty list of sizes, got {ns!r}")
    ns = [check_int(n, "ns", minimum=max(work.k, 2)) for n in ns]
    prob = None
    if model == "pbiased":
        if p is None:
            raise ValueError("p: the pbiased model needs p (a number or e.g. '10/n')")
        prob = parse_edge_probability(p)
        for n in ns:
            check_sparse_model(work, n, prob.at(n))
    trials = check_int(trials, "trials", minimum=1)
    gen = as_rng(rng)
    kappa, smin = _es_kappa(multi)
    s_min_set = sorted(min_vertex_separator(work))
    t = len(multi.edges)
    rows = []
    for n in ns:
        qs = default_q_grid(math.factorial(t) * float(n) ** work.k)
        a, b = len(work.U), len(work.V)
        p_n = None if prob is None else prob.at(n)
        norms, moment = _norms_of_samples(work, n, model, p_n, trials, gen, qs)
        row: dict[str, Any] = {
            "n": n, "p": p_n, "dim_row": math.perm(n, a), "dim_col": math.perm(n, b),
            "empirical": float(norms.mean()),
            "empirical_q90": float(np.quantile(norms, 0.9)),
            "empirical_se": float(norms.std(ddof=1) / math.sqrt(norms.size))
            if norms.size > 1 else None,
            "moment": None if moment is None else float(np.min(moment)),
            "n_kappa": float(n) ** kappa,
            "l1": None, "l1_q": None, "bound_exact": None, "bound_exact_q": None,
            "bound_tree": None, "bound_closed": None, "bound_closed_q": None,
            "tw_diagnostic": None, "bound_conc": None, "bound_conc_closed": None,
            "bound_sym_closed": None, "bound_hermite": None, "bound_hermite_closed": None,
            "predicted": (float(n) ** kappa if prob is None
                          else sparse_norm_bound(work, n, p_n).value),
        }
        if n <= l1_max_n and work.max_arity <= 2 and t > 0 and model != "gaussian":
            # (edgeless: M is deterministic; L1 is the two-point level-1 quantity)
            l1 = _graph_level1(work, n, model, p_n, qs, l1_trials, gen)
            row["l1"], row["l1_q"] = l1.l1_min, l1.q_star
        if model == "rademacher":
            closed = _closed_form_bound(work, n, qs)
            row["bound_closed"], row["bound_closed_q"] = closed.value, closed.q_star
            if n <= exact_max_n:
                ex = _exact_bound(work, n, qs)
                row["bound_exact"], row["bound_exact_q"] = ex.value, ex.q_star
                row["bound_tree"] = ex.tree_value
                row["tw_diagnostic"] = ex.tw
        elif model == "gaussian":
            hb = _hermite_bound(work, multi, n, qs, exact=n <= exact_max_n)
            row["bound_hermite_closed"], row["bound_hermite"] = hb.closed_value, hb.value
            if not labelled:
                gb = gaussian_bound(work, n, qs, exact=n <= exact_max_n)
                row["bound_closed"] = gb.closed_value
                row["bound_closed_q"] = int(gb.q[int(np.argmin(gb.closed))])
                if gb.flattened is not None:
                    row["bound_exact"] = float(np.min(gb.flattened))
                    row["bound_exact_q"] = int(gb.q[int(np.argmin(gb.flattened))])
                    row["bound_tree"] = gb.value
        elif t > 0:
            pb = _pbiased_bound(work, n, p_n, qs, exact=n <= exact_max_n)
            row["bound_closed"] = pb.closed_value
            row["bound_closed_q"] = int(pb.q[int(np.argmin(pb.closed))])
            row["bound_conc_closed"] = pb.conc_closed_value
            row["bound_conc"] = pb.conc_value
            row["bound_sym_closed"] = pb.sym_closed_value
            if pb.flattened is not None:
                row["bound_exact"], row["bound_tree"] = pb.value, pb.tree_value
                row["bound_exact_q"] = int(pb.q[int(np.argmin(pb.flattened))])
        rows.append(row)
        if progress:
            print(f"[graphs bound] n={n} done", file=sys.stderr, flush=True)
    cols = ["empirical", "moment", "l1", "bound_exact", "bound_tree", "bound_closed",
            "bound_conc", "bound_conc_closed", "bound_sym_closed", "bound_hermite",
            "bound_hermite_closed", "tw_diagnostic", "predicted"]
    slopes = {c: _slope([r["n"] for r in rows], [r[c] for r in rows]) for c in cols}
    name = shape.name or shape.to_json()
    return {"shape": name, "model": model, "p": None if prob is None else prob.text,
            "kappa": kappa, "smin": smin,
            "smin_set": s_min_set,
            "edges": len(work.edges), "trials": trials, "rows": rows, "slopes": slopes,
            "notes": ["tw_diagnostic is a shape-level comparison with constants set to 1, "
                      "not a bound",
                      "bound_exact is the flattened graph bound minimised over q; "
                      "bound_tree is the tree form",
                      "kappa and smin: assignment rule, checked against the max-flow separator"]}


def format_bound_table(table: dict[str, Any]) -> str:
    """Plain-text rendering of :func:`bound_table` (one row per ``n``, then the slopes)."""
    sparse = table["model"] == "pbiased"
    extra = {"pbiased": (["bound_conc", "bound_conc_closed", "bound_sym_closed"],
                         ["ES_conc", "ES_conc_cl", "ES_sym_cl"]),
             "gaussian": (["bound_hermite", "bound_hermite_closed"], ["ES_herm", "ES_herm_cl"]),
             "rademacher": (["tw_diagnostic"], ["TW_diag*"])}[table["model"]]
    cols = ["n", *(["p"] if sparse else []), "dim_row", "dim_col", "empirical", "empirical_se",
            "empirical_q90", "moment", "predicted", "l1", "bound_exact", "bound_tree",
            "bound_closed", *extra[0]]
    heads = ["n", *(["p"] if sparse else []), "dim_row", "dim_col", "E||M||", "se", "q90",
             "moment", "sparse_pred" if sparse else "n^kappa", "L1(q*)", "ES_exact",
             "ES_tree", "ES_closed", *extra[1]]
    ptext = f"  p={table['p']}" if sparse else ""
    lines = [f"shape {table['shape']}  model {table['model']}{ptext}  kappa={table['kappa']:g}  "
             f"S_min={set(table['smin_set']) or '{}'}  |E|={table['edges']}  "
             f"trials={table['trials']}",
             format_table(table["rows"], cols, headers=heads),
             "log-log slopes: " + ", ".join(
                 f"{k}={v:.3f}" for k, v in table["slopes"].items() if v is not None)
             + f"  (kappa={table['kappa']:g})",
             ("gaussian: ES_exact/ES_tree/ES_closed are the Rademacher bounds times "
              "(C(n,2) E|g|^(2qt))^(1/2q) (gaussian_bound, label-1 shapes); ES_herm (tree) and "
              "ES_herm_cl (closed form) are the central-limit route (hermite_bound, any "
              "Hermite labels); L1 is not defined for Gaussian inputs"
              if table["model"] == "gaussian" else
              "* TW_diag: comparison with constants 1, not a bound") if not sparse else
             "pbiased: ES_exact/ES_tree/ES_closed bound every weight by w_max (pbiased_bound); "
             "ES_conc (tree, exact matrices) and ES_conc_cl (closed form) keep the exact "
             "weights of the last level (concentrated route); ES_sym_cl is the closed form of "
             "the symmetrised route (symmetrised_bound: sparse Rademacher matrix, no weights); "
             "sparse_pred is the separator prediction without log factors"]
    return "\n".join(lines)


def plot_bound_table(table: dict[str, Any], path: str | Path | None = None, *,
                     ax: Axes | None = None) -> Figure:
    """Log-log plot of every column of :func:`bound_table` against ``n``.

    Parameters
    ----------
    table : dict
        The result of :func:`bound_table`.
    path : str or Path, optional
        Where to save the figure (format from the suffix).
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; by default a new :class:`matplotlib.figure.Figure` is made
        (no pyplot state is touched).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=(6.4, 4.6))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    rows = table["rows"]
    ns = [r["n"] for r in rows]
    labels = {"empirical": "E||M|| (empirical)", "moment": "(E tr|M|^2q)^(1/2q)",
              "l1": "L1(q*)", "bound_exact": "ES exact (flattened)", "bound_tree": "ES tree",
              "bound_closed": "ES closed form", "tw_diagnostic": "TW diagnostic (comparison)",
              "bound_conc": "ES concentrated (tree)",
              "bound_conc_closed": "ES concentrated closed form",
              "bound_sym_closed": "ES symmetrised closed form",
              "bound_hermite": "ES Hermite (tree)",
              "bound_hermite_closed": "ES Hermite closed form",
              "n_kappa": "n^kappa", **({"predicted": "sparse separator prediction"}
                                       if table["model"] == "pbiased" else {})}
    for key, lab in labels.items():
        pts = [(n, r[key]) for n, r in zip(ns, rows, strict=True) if r.get(key)]
        if pts:
            x, y = zip(*pts, strict=True)
            ax.plot(x, y, "o-" if key not in ("n_kappa", "predicted") else "k--", label=lab,
                    ms=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n")
    ax.set_ylabel("norm / bound")
    ax.set_title(f"{table['shape']} ({table['model']}), kappa={table['kappa']:g}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig
