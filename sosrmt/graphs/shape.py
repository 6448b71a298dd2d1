"""Shapes of graph matrices: vertices, ordered boundary tuples, labelled (hyper)edges.

A shape is the combinatorial template of a graph matrix (Ahn–Medarametla–Potechin):
vertices ``0..k-1`` (optionally typed), ordered tuples ``U`` and ``V`` of distinct vertices
(they may overlap), and a multiset of labelled edges.  An edge is an unordered tuple of two
distinct vertices; a tuple of ``r >= 3`` distinct vertices is an ``r``-uniform hyperedge
(tensor networks).  The label of an edge is the index of the orthonormal character applied
to its variable (Hermite degree for Gaussian input).
"""

from __future__ import annotations

import json
import numbers
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

__all__ = [
    "DEFAULT_TYPE",
    "NAMED_SHAPES",
    "Shape",
    "check_shape",
    "named_shape",
    "parse_shape",
]

#: Type given to every vertex of an untyped shape.
DEFAULT_TYPE = "n"


def _as_vertex(value: object, name: str, k: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected integer vertex ids, got {value!r}")
    value = int(value)
    if not 0 <= value < k:
        raise ValueError(f"{name}: vertex {value} does not exist (vertices are 0..{k - 1})")
    return value


@dataclass(frozen=True, eq=False)
class Shape:
    """A graph-matrix shape ``alpha = (V(alpha), E(alpha), U_alpha, V_alpha, labels)``.

    Parameters
    ----------
    k : int
        Number of vertices; the vertices are ``0, ..., k-1``.
    U, V : sequence of int
        Ordered tuples of distinct vertices indexing rows and columns.  They may intersect.
    edges : sequence of sequence of int
        Multiset of edges.  Each edge is a tuple of at least two distinct vertices (two: an
        ordinary edge; ``r >= 3``: an ``r``-uniform hyperedge).  Repeats are multi-edges.
    labels : sequence of int, optional
        Character index of each edge (``>= 1``); default all ``1``.
    types : sequence of str, optional
        Vertex types (multi-type shapes such as Wishart).  Default: every vertex has type
        ``"n"``.  Each type ``t`` ranges over ``[n_t]``; injectivity holds within a type.
    name : str, optional
        Display name (not part of the identity of the shape).
    vertex_names : sequence of str, optional
        Display names of the vertices (as written in the compact text form; not part of
        the identity of the shape).  Default: ``"0"``, ``"1"``, ...

    Notes
    -----
    The middle vertices are :math:`W = V(\\alpha) \\setminus (U \\cup V)`; the isolated
    middle vertices :math:`W_{iso}` are those of degree zero.  Equality compares ``k``,
    ``U``, ``V``, ``types`` and the multiset of (edge, label) pairs, not the name.

    Examples
    --------
    >>> z = Shape(4, U=(0, 1), V=(2, 3), edges=[(0, 2), (2, 1), (1, 3)], name="Z")
    >>> z.W, z.W_iso, z.transpose().U
    ((), (), (2, 3))
    >>> Shape.from_json(z.to_json()) == z
    True
    """

    k: int
    U: tuple[int, ...]
    V: tuple[int, ...]
    edges: tuple[tuple[int, ...], ...] = ()
    labels: tuple[int, ...] | None = None
    types: tuple[str, ...] | None = None
    name: str | None = field(default=None, compare=False)
    vertex_names: tuple[str, ...] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        k = self.k
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"k: expected a positive integer number of vertices, got {k!r}")
        k = int(k)
        object.__setattr__(self, "k", k)
        for nm in ("U", "V"):
            tup = getattr(self, nm)
            if isinstance(tup, str | bytes) or not isinstance(tup, Iterable):
                raise TypeError(f"{nm}: expected a sequence of vertex ids, got {tup!r}")
            tup = tuple(_as_vertex(v, nm, k) for v in tup)
            if len(set(tup)) != len(tup):
                raise ValueError(f"{nm}: expected distinct vertices, got repeated entries {tup}")
            object.__setattr__(self, nm, tup)
        edges = []
        for e in self.edges:
            if isinstance(e, str | bytes) or not isinstance(e, Iterable):
                raise TypeError(f"edges: expected tuples of vertex ids, got {e!r}")
            e = tuple(_as_vertex(v, "edges", k) for v in e)
            if len(e) < 2:
                raise ValueError(f"edges: an edge needs at least two vertices, got {e}")
            if len(set(e)) != len(e):
                raise ValueError(f"edges: loops are not allowed, edge {e} repeats a vertex")
            edges.append(tuple(sorted(e)))
        object.__setattr__(self, "edges", tuple(edges))
        labels = self.labels
        if labels is None:
            labels = (1,) * len(edges)
        labels = tuple(labels)
        if len(labels) != len(edges):
            raise ValueError(f"labels: expected {len(edges)} labels (one per edge), "
                             f"got {len(labels)}")
        for lab in labels:
            if isinstance(lab, bool) or not isinstance(lab, numbers.Integral) or lab < 1:
                raise ValueError(f"labels: expected integers >= 1, got {lab!r}")
        object.__setattr__(self, "labels", tuple(int(x) for x in labels))
        types = self.types
        if types is None:
            types = (DEFAULT_TYPE,) * k
        types = tuple(types)
        if len(types) != k or not all(isinstance(t, str) and t for t in types):
            raise ValueError(f"types: expected {k} non-empty strings (one per vertex), "
                             f"got {types!r}")
        object.__setattr__(self, "types", types)
        names = self.vertex_names
        if names is not None:
            names = tuple(names)
            if (len(names) != k or not all(isinstance(x, str) and x for x in names)
                    or len(set(names)) != k):
                raise ValueError(f"vertex_names: expected {k} distinct non-empty strings, "
                                 f"got {names!r}")
            object.__setattr__(self, "vertex_names", names)

    def vertex_name(self, v: int) -> str:
        """Display name of vertex ``v`` (the name given in the shape text, else ``str(v)``).

        Examples
        --------
        >>> s = parse_shape("U=x; V=y; E=x-y")
        >>> s.vertex_name(1), named_shape("Z").vertex_name(1)
        ('y', '1')
        """
        return self.vertex_names[v] if self.vertex_names is not None else str(v)

    # ------------------------------------------------------------------ structure
    @property
    def vertices(self) -> tuple[int, ...]:
        """All vertices ``0..k-1``."""
        return tuple(range(self.k))

    @property
    def W(self) -> tuple[int, ...]:
        """Middle vertices (in neither ``U`` nor ``V``), sorted."""
        boundary = set(self.U) | set(self.V)
        return tuple(v for v in range(self.k) if v not in boundary)

    def degree(self, v: int) -> int:
        """Number of (hyper)edges containing ``v``, with multiplicity."""
        return sum(v in e for e in self.edges)

    @property
    def W_iso(self) -> tuple[int, ...]:
        """Isolated middle vertices (middle vertices of degree zero)."""
        return tuple(w for w in self.W if self.degree(w) == 0)

    @property
    def is_typed(self) -> bool:
        """True if some vertex has a type other than the default ``"n"``."""
        return any(t != DEFAULT_TYPE for t in self.types)

    @property
    def type_names(self) -> tuple[str, ...]:
        """Distinct vertex types, sorted."""
        return tuple(sorted(set(self.types)))

    @property
    def max_arity(self) -> int:
        """Largest edge size (2 for graphs, ``r`` for ``r``-uniform hyperedges; 0 if no edge)."""
        return max((len(e) for e in self.edges), default=0)

    def edge_signature(self, edge: Sequence[int]) -> tuple[str, ...]:
        """Sorted tuple of the vertex types of ``edge``: the key of its input tensor."""
        return tuple(sorted(self.types[v] for v in edge))

    def edge_multiset(self) -> Counter:
        """Multiset of ``(edge, label)`` pairs."""
        return Counter(zip(self.edges, self.labels, strict=True))

    def is_proper(self) -> bool:
        """True if no edge is repeated and every label is 1 (a proper shape, AMP)."""
        return len(set(self.edges)) == len(self.edges) and all(x == 1 for x in self.labels)

    def reduce_rademacher(self) -> Shape:
        """Collapse multi-edges for ``rademacher`` input (``x^2 = 1``: multiplicity mod 2).

        Only label-1 edges are allowed (the ``+-1`` model has only the characters 1 and x).
        """
        if any(x != 1 for x in self.labels):
            raise ValueError("labels: the rademacher model supports only label 1")
        counts = Counter(self.edges)
        edges = [e for e in dict.fromkeys(self.edges) if counts[e] % 2 == 1]
        return Shape(self.k, self.U, self.V, edges, None, self.types, self.name,
                     self.vertex_names)

    def transpose(self) -> Shape:
        """The shape with ``U`` and ``V`` swapped; its matrix is the transpose."""
        name = None if self.name is None else f"{self.name}^T"
        return Shape(self.k, self.V, self.U, self.edges, self.labels, self.types, name,
                     self.vertex_names)

    def is_transpose_symmetric(self) -> bool:
        """True if some vertex relabelling maps the shape onto its transpose.

        Then :math:`M_\\alpha = M_\\alpha^\\top` for every input (e.g. ``wigner``, ``path2``),
        so symmetric eigensolvers apply.

        Notes
        -----
        A labelled-graph isomorphism test (``networkx.is_isomorphic``, VF2) between the
        incidence graphs of the shape and of its transpose: vertex nodes carry (type,
        position in ``U``, position in ``V``), one node per (hyper)edge carries its label, so
        an isomorphism is a relabelling sending ``U_i`` to ``V_i`` and ``V_i`` to ``U_i`` that
        preserves types and the multiset of labelled edges.

        Examples
        --------
        >>> named_shape("path2").is_transpose_symmetric(), named_shape("Z").is_transpose_symmetric()
        (True, False)
        """
        if len(self.U) != len(self.V):
            return False
        return nx.is_isomorphic(self._incidence(self.U, self.V),
                                self._incidence(self.V, self.U),
                                node_match=lambda a, b: a["key"] == b["key"])

    def _incidence(self, U: tuple[int, ...], V: tuple[int, ...]) -> nx.Graph:
        g = nx.Graph()
        for v in range(self.k):
            g.add_node(("v", v), key=("v", self.types[v], U.index(v) if v in U else -1,
                                      V.index(v) if v in V else -1))
        for j, (e, lab) in enumerate(zip(self.edges, self.labels, strict=True)):
            g.add_node(("e", j), key=("e", lab))
            g.add_edges_from((("e", j), ("v", v)) for v in e)
        return g

    # --------------------------------------------------------------- identity
    def _key(self) -> tuple:
        return (self.k, self.U, self.V, self.types,
                tuple(sorted(zip(self.edges, self.labels, strict=True))))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Shape):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        parts = [f"k={self.k}", f"U={self.U}", f"V={self.V}", f"edges={list(self.edges)}"]
        if any(x != 1 for x in self.labels):
            parts.append(f"labels={list(self.labels)}")
        if self.is_typed:
            parts.append(f"types={list(self.types)}")
        if self.name:
            parts.append(f"name={self.name!r}")
        return f"Shape({', '.join(parts)})"

    # ---------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict ``{"k", "U", "V", "E", "labels", "types", "name"}``."""
        return {
            "k": self.k,
            "U": list(self.U),
            "V": list(self.V),
            "E": [list(e) for e in self.edges],
            "labels": list(self.labels),
            "types": list(self.types) if self.is_typed else None,
            "name": self.name,
            **({"vertex_names": list(self.vertex_names)} if self.vertex_names else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Shape:
        """Inverse of :meth:`to_dict` (``labels``, ``types`` and ``name`` optional)."""
        if not isinstance(data, dict):
            raise TypeError(f"data: expected a dict, got {type(data).__name__}")
        missing = [key for key in ("k", "U", "V") if key not in data]
        if missing:
            raise ValueError(f"data: missing keys {missing} (expected k, U, V, E)")
        return cls(data["k"], data["U"], data["V"], data.get("E", []),
                   data.get("labels"), data.get("types"), data.get("name"),
                   data.get("vertex_names"))

    def to_json(self) -> str:
        """Serialise to a JSON string."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Shape:
        """Parse a JSON string written by :meth:`to_json`."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"text: not valid JSON ({exc})") from None
        return cls.from_dict(data)

    def to_networkx(self) -> nx.MultiGraph:
        """A networkx multigraph view.

        Nodes carry ``type``, ``role`` (``"U"``, ``"V"``, ``"UV"`` or ``"W"``), ``u_pos`` and
        ``v_pos`` (positions in the tuples, or ``None``).  Ordinary edges carry ``label``;
        a hyperedge ``h`` is expanded into a clique whose edges carry ``hyperedge=h``.
        """
        g = nx.MultiGraph(name=self.name or "")
        for v in range(self.k):
            in_u, in_v = v in self.U, v in self.V
            role = "UV" if in_u and in_v else "U" if in_u else "V" if in_v else "W"
            g.add_node(v, type=self.types[v], role=role,
                       u_pos=self.U.index(v) if in_u else None,
                       v_pos=self.V.index(v) if in_v else None)
        for h, (e, lab) in enumerate(zip(self.edges, self.labels, strict=True)):
            if len(e) == 2:
                g.add_edge(*e, label=lab)
            else:
                for i in range(len(e)):
                    for j in range(i + 1, len(e)):
                        g.add_edge(e[i], e[j], label=lab, hyperedge=h)
        return g

    def adjacency_graph(self) -> nx.Graph:
        """Simple graph on the vertices: ``x ~ y`` iff some (hyper)edge contains both."""
        g = nx.Graph()
        g.add_nodes_from(range(self.k))
        for e in self.edges:
            for i in range(len(e)):
                for j in range(i + 1, len(e)):
                    g.add_edge(e[i], e[j])
        return g


# ------------------------------------------------------------------ named shapes
def _named_table() -> dict[str, Shape]:
    table = {
        "wigner": Shape(2, (0,), (1,), [(0, 1)]),
        "path2": Shape(3, (0,), (2,), [(0, 1), (1, 2)]),
        "cherry": Shape(3, (0,), (1, 2), [(0, 1), (0, 2)]),
        "Z": Shape(4, (0, 1), (2, 3), [(0, 2), (2, 1), (1, 3)]),
        "K22": Shape(4, (0, 1), (2, 3), [(0, 2), (0, 3), (1, 2), (1, 3)]),
        "iso": Shape(3, (0,), (1,), [(0, 1)]),
        "degdiag": Shape(2, (0,), (0,), [(0, 1)]),
        "JminusI": Shape(2, (0,), (1,), []),
        "nI": Shape(2, (0,), (0,), []),
        "wishart": Shape(3, (0,), (1,), [(0, 2), (1, 2)], types=("n", "n", "m")),
        # HSSS tensor network sum_i T_i (x) T_i: rows (j, j'), columns (k, k'), middle i.
        "tensor_hsss": Shape(5, (1, 3), (2, 4), [(0, 1, 2), (0, 3, 4)]),
    }
    return {name: Shape(s.k, s.U, s.V, s.edges, s.labels, s.types, name)
            for name, s in table.items()}


NAMED_SHAPES: dict[str, Shape] = _named_table()


def named_shape(name: str) -> Shape:
    """Return a named shape (the worked examples of the theory page).

    Names: ``wigner``, ``path2``, ``cherry``, ``Z``, ``K22``, ``iso``, ``degdiag``,
    ``JminusI``, ``nI``, ``wishart`` (typed: ``n, n, m``) and ``tensor_hsss`` (the
    3-uniform hypergraph shape of :math:`\\sum_i T_i \\otimes T_i`).  Matching is
    case-insensitive when unambiguous.

    Examples
    --------
    >>> named_shape("Z").edges
    ((0, 2), (1, 2), (1, 3))
    >>> named_shape("k22").name
    'K22'
    """
    if not isinstance(name, str):
        raise TypeError(f"name: expected a string, got {type(name).__name__}")
    if name in NAMED_SHAPES:
        return NAMED_SHAPES[name]
    matches = [key for key in NAMED_SHAPES if key.lower() == name.lower()]
    if len(matches) == 1:
        return NAMED_SHAPES[matches[0]]
    raise ValueError(f"name: unknown shape {name!r}; expected one of {sorted(NAMED_SHAPES)}")


def check_shape(shape: Shape, name: str = "shape") -> Shape:
    """Return ``shape`` if it is a :class:`Shape`, else raise a :class:`TypeError` naming ``name``.

    Examples
    --------
    >>> check_shape(named_shape("Z")).k
    4
    """
    if not isinstance(shape, Shape):
        raise TypeError(f"{name}: expected a Shape (see named_shape / parse_shape), "
                        f"got {type(shape).__name__}")
    return shape


_TOKEN = re.compile(r"^[A-Za-z0-9_]+$")


def parse_shape(text: str) -> Shape:
    """Parse a shape from a name, a JSON object, or the compact text form.

    Compact form: ``;``-separated fields ``U=...``, ``V=...``, ``E=...`` and optionally
    ``W=...`` (extra, e.g. isolated, middle vertices) and ``T=...`` (types).  Vertex names
    are alphanumeric tokens.  ``U``/``V``/``W`` list vertices separated by commas; ``E``
    lists edges separated by commas, an edge being vertices joined by ``-`` (three or more:
    a hyperedge) with an optional ``:label``; ``T`` lists ``vertex:type`` pairs.
    Vertices are numbered in order of first appearance in ``U``, ``V``, ``W``, ``E``.

    Examples
    --------
    >>> s = parse_shape("U=a,b; V=c,d; E=a-c,c-b,b-d")
    >>> s == named_shape("Z")
    True
    >>> parse_shape("U=u; V=v; W=w; E=u-v:2").labels
    (2,)
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a string, got {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise ValueError("text: empty shape description")
    if stripped.startswith("{"):
        return Shape.from_json(stripped)
    if "=" not in stripped:
        return named_shape(stripped)
    fields: dict[str, str] = {}
    for part in stripped.split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip().upper()
        if not sep or key not in {"U", "V", "W", "E", "T"}:
            raise ValueError(f"text: expected fields U=, V=, W=, E=, T= separated by ';', "
                             f"got {part!r}")
        if key in fields:
            raise ValueError(f"text: field {key}= given twice")
        fields[key] = value.strip()

    ids: dict[str, int] = {}

    def vid(tok: str) -> int:
        tok = tok.strip()
        if not _TOKEN.match(tok):
            raise ValueError(f"text: bad vertex name {tok!r} (use letters, digits, _)")
        return ids.setdefault(tok, len(ids))

    def vlist(key: str) -> list[int]:
        value = fields.get(key, "")
        return [vid(t) for t in value.split(",") if t.strip()] if value else []

    U, V = vlist("U"), vlist("V")
    vlist("W")
    edges, labels = [], []
    for item in fields.get("E", "").split(","):
        item = item.strip()
        if not item:
            continue
        body, _, lab = item.partition(":")
        verts = [vid(t) for t in body.split("-")]
        if len(verts) < 2:
            raise ValueError(f"text: edge {item!r} needs at least two vertices joined by '-'")
        edges.append(verts)
        try:
            labels.append(int(lab) if lab else 1)
        except ValueError:
            raise ValueError(f"text: bad edge label in {item!r}") from None
    types = None
    if fields.get("T"):
        tmap = {}
        for item in fields["T"].split(","):
            vert, sep, typ = item.partition(":")
            if not sep or not typ.strip():
                raise ValueError(f"text: expected T=vertex:type,..., got {item!r}")
            tmap[vid(vert)] = typ.strip()
        types = [tmap.get(v, DEFAULT_TYPE) for v in range(len(ids))]
    if not ids:
        raise ValueError("text: the shape has no vertices")
    return Shape(len(ids), U, V, edges, labels, types, vertex_names=tuple(ids))
