"""What ``sosrmt graphs info`` reports about a shape: vertices, separator, exponent, cost.

Every quantity is computed up front within a fixed budget: the Möbius terms of the
matrix-free operator are counted up to :data:`MOBIUS_COUNT_LIMIT` (their number grows like
a Bell number in the vertex count), so a large shape is described at once rather than after
minutes of enumeration.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sosrmt.graphs.efron_stein.pbiased import pbiased_bound
from sosrmt.graphs.inputs import EdgeProbability, check_sparse_model, parse_edge_probability
from sosrmt.graphs.jobs import predicted_exponent
from sosrmt.graphs.operator import mobius_partitions
from sosrmt.graphs.separators import (
    SparseExponent,
    min_vertex_separator,
    sparse_exponent,
    sparse_norm_bound,
)
from sosrmt.graphs.shape import Shape, check_shape

__all__ = ["MOBIUS_COUNT_LIMIT", "ShapeInfo", "shape_info"]

#: Möbius terms are counted up to this many; beyond, the count is reported as a lower bound.
MOBIUS_COUNT_LIMIT = 100_000


@dataclass(frozen=True)
class ShapeInfo:
    """The facts ``sosrmt graphs info`` prints (see :func:`shape_info`)."""

    shape: Shape
    separator: tuple[int, ...]
    kappa: float
    mobius_terms: int
    mobius_complete: bool
    symmetric: bool
    p: EdgeProbability | None = None
    n: int | None = None
    sparse: SparseExponent | None = None
    sparse_value: float | None = None
    es_closed: dict[str, float] | None = None

    def names(self, vertices: tuple[int, ...] | list[int]) -> list[str]:
        """Display names of ``vertices`` (as written in the shape text)."""
        return [self.shape.vertex_name(v) for v in vertices]

    def to_dict(self) -> dict[str, Any]:
        """JSON payload: internal vertex ids plus their names (``*_names``)."""
        s = self.shape
        return {"shape": s.to_dict(),
                "vertex_names": self.names(range(s.k)),
                "U": list(s.U), "V": list(s.V), "W": list(s.W), "W_iso": list(s.W_iso),
                "U_names": self.names(s.U), "V_names": self.names(s.V),
                "W_names": self.names(s.W), "W_iso_names": self.names(s.W_iso),
                "separator": list(self.separator), "separator_names": self.names(self.separator),
                "kappa": self.kappa,
                "mobius_terms": self.mobius_terms if self.mobius_complete else None,
                "mobius_terms_at_least": self.mobius_terms,
                "symmetric": self.symmetric,
                **({} if self.sparse is None else {
                    "model": "pbiased", "p": self.p.text, "p_c": self.p.c, "p_a": self.p.a,
                    "n": self.n, "p_at_n": None if self.n is None else self.p.at(self.n),
                    "sparse_exponent": self.sparse.exponent,
                    "sparse_separator": sorted(self.sparse.separator),
                    "sparse_separator_names": self.names(sorted(self.sparse.separator)),
                    "sparse_edges_inside": self.sparse.edges_inside,
                    "sparse_prediction_at_n": self.sparse_value,
                    "es_closed_at_n": self.es_closed})}

    def text(self) -> str:
        """Readable lines (vertex names as given, no Python reprs)."""
        s = self.shape

        def vs(vertices: tuple[int, ...] | list[int]) -> str:
            return ", ".join(self.names(vertices)) or "(none)"

        def edge(e: tuple[int, ...], lab: int) -> str:
            return "-".join(self.names(e)) + (f":{lab}" if lab != 1 else "")

        edges = ", ".join(edge(e, lab) for e, lab in zip(s.edges, s.labels, strict=True))
        mob = (f"{self.mobius_terms}" if self.mobius_complete else
               f"more than {MOBIUS_COUNT_LIMIT:,} (counting stopped; the matrix-free "
               "operator would be very slow for this shape)")
        lines = [
            f"shape          {s.name or '(custom)'}",
            f"vertices       {vs(range(s.k))}  ({s.k})",
            f"U (rows)       {vs(s.U)}",
            f"V (columns)    {vs(s.V)}",
            f"middle W       {vs(s.W)}",
            f"isolated W     {vs(s.W_iso)}",
            f"edges          {edges or '(none)'}",
            f"min separator  {{{vs(self.separator) if self.separator else ''}}}  "
            f"(size {len(self.separator)})",
            f"kappa          {self.kappa:g}   (E||M|| ~ n^kappa up to log factors)",
            f"Moebius terms  {mob}",
            f"M = M^T        {'yes' if self.symmetric else 'no'}",
        ]
        if self.sparse is not None:
            sep = sorted(self.sparse.separator)
            lines += [
                f"sparse model   p = {self.p.text} (c = {self.p.c:g}, a = {self.p.a:g})",
                f"sparse kappa   {self.sparse.exponent:g}   (E||M|| ~ n^kappa_p up to log factors)",
                f"  from         separator {{{vs(sep)}}} with {self.sparse.edges_inside} edge(s) "
                "inside"]
            if self.n is not None:
                lines.append(f"at n = {self.n:<8} p = {self.p.at(self.n):.4g}, predicted "
                             f"||M|| ~ {self.sparse_value:.4g} (no log factors, constant 1)")
            if self.es_closed is not None:
                lines.append("ES bounds      " + ", ".join(
                    f"{k} {v:.4g}" for k, v in self.es_closed.items())
                    + "  (Efron-Stein closed forms on E||M|| at n: weights bounded, "
                    "concentrated, symmetrised)")
        if s.is_typed:
            lines.insert(2, "types          " + ", ".join(
                f"{s.vertex_name(v)}:{s.types[v]}" for v in range(s.k)))
        return "\n".join(lines)


def shape_info(shape: Shape, *, p: EdgeProbability | str | float | None = None,
               n: int | None = None) -> ShapeInfo:
    """Vertices, minimum separator, exponent, Möbius term count and symmetry of a shape.

    Parameters
    ----------
    shape : Shape
    p : EdgeProbability, str or float, optional
        For the sparse (p-biased) model: ``p = c n^-a`` (e.g. ``"10/n"``, ``"n^-0.5"``, or a
        number); adds the separator prediction weighted by ``p``
        (:func:`sosrmt.graphs.separators.sparse_exponent`).
    n : int, optional
        Size at which to evaluate the sparse prediction
        (:func:`sosrmt.graphs.sparse_norm_bound`) and, for proper label-1 shapes, the
        closed-form Efron–Stein bounds of the three p-biased routes
        (:func:`sosrmt.graphs.efron_stein.pbiased_bound`).

    Returns
    -------
    ShapeInfo

    Examples
    --------
    >>> from sosrmt.graphs import parse_shape
    >>> info = shape_info(parse_shape("U=a,b; V=c,d; E=a-m,b-m,m-c,m-d"))
    >>> print(info.text().splitlines()[7])
    min separator  {m}  (size 1)
    >>> info.kappa, info.symmetric
    (2.0, True)
    """
    shape = check_shape(shape)
    prob = sparse = value = es = None
    if p is not None:
        prob = p if isinstance(p, EdgeProbability) else parse_edge_probability(p)
        p_check = prob.at(n) if n is not None else prob.c if prob.a == 0 else min(prob.c, 0.5)
        check_sparse_model(shape, n, p_check)
        sparse = sparse_exponent(shape, prob.a)
        if n is not None:
            value = sparse_norm_bound(shape, n, prob.at(n)).value
            if shape.edges and not shape.is_typed and shape.is_proper():
                b = pbiased_bound(shape, n, prob.at(n), exact=False)
                es = {"w_max": b.closed_value, "concentrated": b.conc_closed_value,
                      "symmetrised": b.sym_closed_value}
    elif n is not None:
        raise ValueError("n: only used with the sparse model (give p)")
    sep = tuple(sorted(min_vertex_separator(shape)))
    kap = predicted_exponent(shape, 2**20)
    count = sum(1 for _ in itertools.islice(mobius_partitions(shape), MOBIUS_COUNT_LIMIT + 1))
    complete = count <= MOBIUS_COUNT_LIMIT
    return ShapeInfo(shape, sep, kap, min(count, MOBIUS_COUNT_LIMIT), complete,
                     shape.is_transpose_symmetric(), prob, n, sparse, value, es)
