r"""How loose the p-biased Efron–Stein bounds are: bound / empirical :math:`\mathbb E\|M\|`.

:func:`ratio_table` runs :func:`sosrmt.graphs.efron_stein.bound_table` once per edge
probability (for instance ``1/2``, ``n^-0.5`` and ``10/n``) on the same sizes and gathers, per
``p`` and ``n``, the empirical mean norm and the ratios of the recursive bounds to it;
:func:`format_ratio_table` renders the result as one text table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sosrmt._report import format_table
from sosrmt._validation import as_rng
from sosrmt.graphs.efron_stein.matrix import RngLike
from sosrmt.graphs.efron_stein.table import bound_table
from sosrmt.graphs.shape import Shape, parse_shape

__all__ = ["format_ratio_table", "ratio_table"]

#: Bound columns of :func:`bound_table` whose ratio to the empirical mean is reported.
_BOUNDS = ("bound_exact", "bound_tree", "bound_closed", "bound_conc", "bound_conc_closed",
           "bound_sym_closed")


def _ratio(bound: float | None, empirical: float) -> float | None:
    return None if bound is None or empirical <= 0 else bound / empirical


def ratio_table(shape: Shape | str, ns: Sequence[int], ps: Sequence[float | str], trials: int,
                rng: RngLike = None, *, exact_max_n: int = 12,
                progress: bool = False) -> dict[str, Any]:
    r"""Ratio of each p-biased Efron–Stein bound to the empirical mean norm, per ``p`` and ``n``.

    Parameters
    ----------
    shape : Shape or str
        A shape or a name / text accepted by :func:`sosrmt.graphs.parse_shape`.
    ns : sequence of int
        Sizes (every ``p`` must lie in :math:`(0,1)` with :math:`pn^2\ge1` at every size).
    ps : sequence of float or str
        Edge probabilities, each a number or ``c n^-a`` as text (``"1/2"``, ``"n^-0.5"``,
        ``"10/n"``; see :func:`sosrmt.graphs.inputs.parse_edge_probability`; a constant
        fraction such as ``"1/2"`` is also accepted).
    trials : int
        Samples per ``(p, n)`` for the empirical norm.
    rng : None, int, SeedSequence or Generator
        Randomness (one generator shared by all ``p`` in turn).
    exact_max_n : int
        Largest ``n`` for the bounds built from the exact derivative matrices.
    progress : bool
        Print one line per ``(p, n)`` on stderr.

    Returns
    -------
    dict
        ``shape``, ``ps`` (the texts), ``trials``, ``rows`` (one dict per ``(p, n)``: ``p_text``,
        ``n``, ``p``, ``empirical``, ``empirical_se``, ``bound_exact``, ``bound_tree``,
        ``bound_closed``, ``bound_conc``, ``bound_conc_closed``, ``bound_sym_closed``,
        ``predicted``, and ``ratio_exact``, ``ratio_tree``, ``ratio_closed``, ``ratio_conc``,
        ``ratio_conc_closed``, ``ratio_sym_closed``, each the bound divided by
        ``empirical``, ``None`` where the bound was not computed),
        and ``tables`` (the full :func:`bound_table` result per ``p`` text).

    Notes
    -----
    Each ratio is at least 1 up to the Monte Carlo error of the empirical mean, since every
    bound column bounds :math:`\mathbb E\|M_\alpha\|`. The ratio measures the looseness of the
    bound, which for the weight bound of
    :func:`sosrmt.graphs.efron_stein.pbiased_bound` grows like :math:`(2p)^{-t/2}` as
    :math:`p\to0`; the concentrated route removes one of these :math:`t` factors when
    :math:`n` is large enough for the variance term to dominate, and the symmetrised route
    removes all of them up to the co-degree moments (the sparse exponent).

    Examples
    --------
    >>> tab = ratio_table("wigner", [12], ["1/2", "10/n"], trials=2, rng=0)
    >>> [(r["p_text"], r["n"]) for r in tab["rows"]]
    [('1/2', 12), ('10/n', 12)]
    >>> all(r["ratio_exact"] > 1 for r in tab["rows"])
    True
    """
    if isinstance(shape, str):
        shape = parse_shape(shape)
    if isinstance(ps, str | int | float) or not len(ps):
        raise ValueError(f"ps: expected a non-empty list of edge probabilities, got {ps!r}")
    gen = as_rng(rng)
    rows: list[dict[str, Any]] = []
    tables: dict[str, dict[str, Any]] = {}
    for p in ps:
        tab = bound_table(shape, "pbiased", ns, trials, gen, p=p,
                          exact_max_n=exact_max_n, l1_max_n=0, progress=progress)
        text = str(p)
        tables[text] = tab
        for r in tab["rows"]:
            emp = r["empirical"]
            row = {"p_text": text, "n": r["n"], "p": r["p"], "empirical": emp,
                   "empirical_se": r["empirical_se"], "predicted": r["predicted"]}
            for col in _BOUNDS:
                row[col] = r[col]
                row["ratio_" + col.removeprefix("bound_")] = _ratio(r[col], emp)
            rows.append(row)
    name = shape.name or shape.to_json()
    return {"shape": name, "ps": list(tables), "trials": tables[text]["trials"], "rows": rows,
            "tables": tables}


def format_ratio_table(table: dict[str, Any]) -> str:
    """Plain-text rendering of :func:`ratio_table` (one row per ``p`` and ``n``)."""
    cols = ["p_text", "n", "p", "empirical", "empirical_se", "bound_exact", "ratio_exact",
            "bound_tree", "ratio_tree", "bound_closed", "ratio_closed", "bound_conc",
            "ratio_conc", "bound_conc_closed", "ratio_conc_closed", "bound_sym_closed",
            "ratio_sym_closed", "predicted"]
    heads = ["p", "n", "p(n)", "E||M||", "se", "ES_exact", "exact/E", "ES_tree", "tree/E",
             "ES_closed", "closed/E", "ES_conc", "conc/E", "ES_conc_cl", "conc_cl/E",
             "ES_sym_cl", "sym_cl/E", "sparse_pred"]
    return "\n".join([
        f"shape {table['shape']}  model pbiased  trials={table['trials']}  "
        f"ratio = Efron-Stein bound / empirical E||M||",
        format_table(table["rows"], cols, headers=heads),
        "ES_exact/tree/closed: recursive bound with the weights bounded by w_max; ES_conc "
        "(tree) and ES_conc_cl (closed form): exact weights at the last level (concentrated "
        "route, pbiased_bound); ES_sym_cl: closed form of the symmetrised route "
        "(symmetrised_bound); sparse_pred is the separator prediction without log factors"])
