"""Random inputs of graph matrices and their orthonormal characters.

One variable :math:`x_e` per unordered set :math:`e` of distinct indices (a pair for
graphs, an ``r``-set for ``r``-uniform hyperedges; for typed vertices, an index of each
vertex type).  The variables of one *signature* (sorted tuple of vertex types) are stored
as a dense symmetric tensor, zero wherever two indices of the same type coincide.
"""

from __future__ import annotations

import itertools
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from sosrmt._validation import RngLike, as_rng, check_finite_array, check_memory
from sosrmt.graphs.shape import DEFAULT_TYPE, Shape, check_shape

__all__ = [
    "MODELS",
    "EdgeProbability",
    "GraphInput",
    "InputsLike",
    "RngLike",
    "as_graph_input",
    "character",
    "check_sparse_model",
    "parse_edge_probability",
    "sample_input",
]


#: Supported input models.  ``custom`` wraps a user array (character 1 = identity).
MODELS = ("rademacher", "gaussian", "pbiased", "custom")


def _hermite(label: int, x: np.ndarray) -> np.ndarray:
    """Normalised probabilists' Hermite polynomial ``He_l(x) / sqrt(l!)``."""
    h_prev, h = np.ones_like(x), x.copy()
    if label == 0:
        return h_prev
    for m in range(1, label):
        h_prev, h = h, x * h - m * h_prev
    return h / math.sqrt(math.factorial(label))


def character(model: str, label: int, x: np.ndarray, *, p: float | None = None) -> np.ndarray:
    """Evaluate the orthonormal character ``chi_label`` of ``model`` elementwise on ``x``.

    Parameters
    ----------
    model : {"rademacher", "gaussian", "pbiased", "custom"}
    label : int
        Character index ``>= 1``.  ``rademacher``, ``pbiased`` and ``custom`` support only
        label 1; ``gaussian`` supports every label (Hermite degree).
    x : ndarray
        Raw variable values.
    p : float, optional
        Edge probability of ``pbiased``.

    Notes
    -----
    ``rademacher``: :math:`\\chi_1(x) = x`.  ``gaussian``:
    :math:`h_\\ell = \\mathrm{He}_\\ell/\\sqrt{\\ell!}`.  ``pbiased``:
    :math:`\\chi_1(x) = (x-p)/\\sqrt{p(1-p)}`.  Each family is orthonormal under its model.

    Examples
    --------
    >>> character("gaussian", 2, np.array([0.0, 1.0, 2.0]))  # (x^2 - 1)/sqrt(2)
    array([-0.70710678,  0.        ,  2.12132034])
    """
    if isinstance(label, bool) or not isinstance(label, numbers.Integral) or label < 1:
        raise ValueError(f"label: expected an integer >= 1, got {label!r}")
    if model == "gaussian":
        return _hermite(int(label), np.asarray(x, dtype=float))
    if model not in MODELS:
        raise ValueError(f"model: expected one of {MODELS}, got {model!r}")
    if label != 1:
        raise ValueError(f"labels: the {model} model supports only label 1 (its characters are "
                         f"1 and chi_1), got label {label}; use model='gaussian' for Hermite "
                         "labels or repeated edges for products")
    if model == "pbiased":
        if p is None:
            raise ValueError("p: the pbiased model needs p")
        return (np.asarray(x, dtype=float) - p) / math.sqrt(p * (1 - p))
    return np.asarray(x, dtype=float)


def _groups(signature: tuple[str, ...]) -> list[list[int]]:
    """Axis groups of equal type in a sorted signature."""
    out: dict[str, list[int]] = {}
    for ax, t in enumerate(signature):
        out.setdefault(t, []).append(ax)
    return list(out.values())


def distinct_mask(signature: tuple[str, ...], sizes: Mapping[str, int]) -> np.ndarray:
    """0/1 tensor that is 1 where the indices of each type are pairwise distinct."""
    shape = tuple(sizes[t] for t in signature)
    mask = np.ones(shape)
    for group in _groups(signature):
        for i, j in itertools.combinations(group, 2):
            n = shape[i]
            eye = np.eye(n).reshape([n if ax in (i, j) else 1 for ax in range(len(shape))])
            mask = mask * (1.0 - eye)
    return mask


def _symmetrise(raw: np.ndarray, signature: tuple[str, ...]) -> np.ndarray:
    """Keep ``raw`` on strictly increasing same-type indices and copy it symmetrically."""
    out = raw
    for group in _groups(signature):
        if len(group) < 2:
            continue
        keep = np.ones(out.shape, dtype=bool)
        for a, b in itertools.pairwise(group):
            n = out.shape[a]
            idx = np.arange(n)
            shp_a = [1] * out.ndim
            shp_a[a] = n
            shp_b = [1] * out.ndim
            shp_b[b] = n
            keep &= idx.reshape(shp_a) < idx.reshape(shp_b)
        upper = np.where(keep, out, 0.0)
        acc = np.zeros_like(upper)
        for perm in itertools.permutations(group):
            axes = list(range(out.ndim))
            for src, dst in zip(group, perm, strict=True):
                axes[dst] = src
            acc += np.transpose(upper, axes)
        out = acc
    return out


@dataclass(frozen=True, eq=False)
class GraphInput:
    """A sample of the random input: raw variable tensors per signature and the model.

    Attributes
    ----------
    model : str
        ``"rademacher"``, ``"gaussian"``, ``"pbiased"`` or ``"custom"``.
    sizes : dict
        Range ``n_t`` of each vertex type.
    tensors : dict
        Raw variables, keyed by signature (sorted tuple of types); symmetric within a type,
        zero where two same-type indices coincide.
    p : float or None
        Edge probability of ``pbiased``.

    Examples
    --------
    >>> g = sample_input("rademacher", 5, rng=0)
    >>> g.G.shape, float(g.G[0, 0]), bool((g.G == g.G.T).all())
    ((5, 5), 0.0, True)
    """

    model: str
    sizes: dict[str, int]
    tensors: dict[tuple[str, ...], np.ndarray]
    p: float | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int | dict[str, int]:
        """``n`` for an untyped input, else the dict of sizes."""
        if set(self.sizes) == {DEFAULT_TYPE}:
            return self.sizes[DEFAULT_TYPE]
        return dict(self.sizes)

    @property
    def G(self) -> np.ndarray:
        """The raw symmetric ``n x n`` variable matrix of untyped graphs (zero diagonal)."""
        key = (DEFAULT_TYPE, DEFAULT_TYPE)
        if key not in self.tensors:
            raise ValueError("inputs: this input has no untyped pair variables")
        return self.tensors[key]

    def tensor(self, signature: tuple[str, ...]) -> np.ndarray:
        """Raw variable tensor of ``signature`` (sorted tuple of vertex types)."""
        signature = tuple(sorted(signature))
        if signature not in self.tensors:
            raise ValueError(f"inputs: no variables of signature {signature}; sampled "
                             f"signatures are {sorted(self.tensors)} (pass shape= to "
                             "sample_input to sample what a shape needs)")
        return self.tensors[signature]

    def character(self, label: int, signature: tuple[str, ...]) -> np.ndarray:
        """``chi_label`` of the variables of ``signature``, zero on coinciding indices."""
        signature = tuple(sorted(signature))
        key = (int(label), signature)
        if key not in self._cache:
            raw = self.tensor(signature)
            chi = character(self.model, label, raw, p=self.p)
            if self.model in ("gaussian", "pbiased"):
                chi = chi * distinct_mask(signature, self.sizes)
            self._cache[key] = chi
        return self._cache[key]


def _normalise_sizes(n: int | Mapping[str, int]) -> dict[str, int]:
    if isinstance(n, Mapping):
        sizes = {}
        for t, size in n.items():
            if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
                raise ValueError(f"n: expected positive integer sizes per type, got {t}={size!r}")
            sizes[str(t)] = int(size)
        if not sizes:
            raise ValueError("n: expected at least one vertex type")
        return sizes
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n: expected a positive integer (or dict type -> size), got {n!r}")
    return {DEFAULT_TYPE: int(n)}


#: Inputs of a graph matrix: a :class:`GraphInput` or one symmetric variable matrix.
InputsLike = GraphInput | np.ndarray


def sample_input(model: str, n: int | Mapping[str, int], *, rng: RngLike = None,
                 p: float | None = None, shape: Shape | None = None,
                 signatures: Iterable[tuple[str, ...]] | None = None) -> GraphInput:
    """Sample the random input of a graph matrix.

    Parameters
    ----------
    model : {"rademacher", "gaussian", "pbiased"}
        ``rademacher``: uniform ``+-1`` (``G(n, 1/2)``); ``gaussian``: ``N(0, 1)``;
        ``pbiased``: ``1`` with probability ``p``, else ``0`` (``G(n, p)``).
    n : int or dict
        Number of indices; a dict ``{type: size}`` for typed shapes.
    rng : None, int, SeedSequence or Generator
    p : float, optional
        Edge probability, required for (and only for) ``pbiased``.
    shape : Shape, optional
        Sample exactly the signatures this shape's edges need (e.g. hyperedges).
    signatures : iterable of tuple of str, optional
        Signatures to sample explicitly.  Default: all pairs of types (just ``("n", "n")``
        for an untyped input).

    Returns
    -------
    GraphInput

    Notes
    -----
    Each variable is sampled once per *set* of indices and copied to every ordering, so
    every tensor is symmetric within each type and zero where same-type indices coincide.

    Examples
    --------
    >>> x = sample_input("pbiased", 6, p=0.25, rng=1)
    >>> sorted(set(x.G.ravel().tolist()))
    [0.0, 1.0]
    >>> sample_input("gaussian", {"n": 3, "m": 4}, rng=0).tensor(("m", "n")).shape
    (4, 3)
    """
    if model not in ("rademacher", "gaussian", "pbiased"):
        raise ValueError(f"model: expected 'rademacher', 'gaussian' or 'pbiased', got {model!r}")
    if model == "pbiased":
        if p is None or not isinstance(p, numbers.Real) or not 0 < float(p) < 1:
            raise ValueError(f"p: expected a probability strictly between 0 and 1, got {p!r}")
        p = float(p)
    elif p is not None:
        raise ValueError(f"p: only the pbiased model takes p, got p={p!r} for {model!r}")
    sizes = _normalise_sizes(n)
    rng = as_rng(rng)
    if shape is not None:
        if not isinstance(shape, Shape):
            raise TypeError(f"shape: expected a Shape, got {type(shape).__name__}")
        missing = set(shape.types) - set(sizes)
        if missing and set(sizes) == {DEFAULT_TYPE} and not shape.is_typed:
            missing = set()
        if missing:
            raise ValueError(f"n: no size given for vertex types {sorted(missing)}")
        sigs = sorted({shape.edge_signature(e) for e in shape.edges})
    elif signatures is not None:
        sigs = sorted({tuple(sorted(s)) for s in signatures})
    else:
        sigs = sorted(itertools.combinations_with_replacement(sorted(sizes), 2))
    tensors = {}
    for sig in sigs:
        unknown = [t for t in sig if t not in sizes]
        if unknown:
            raise ValueError(f"n: no size given for vertex types {unknown}")
        dims = tuple(sizes[t] for t in sig)
        check_memory(8.0 * math.prod(dims) * 3, f"input tensor of signature {sig}")
        if model == "rademacher":
            raw = 2.0 * rng.integers(0, 2, size=dims) - 1.0
        elif model == "gaussian":
            raw = rng.standard_normal(dims)
        else:
            raw = (rng.random(dims) < p).astype(float)
        tensors[sig] = _symmetrise(raw, sig) * distinct_mask(sig, sizes) if len(sig) > 1 else raw
    return GraphInput(model, sizes, tensors, p)


def as_graph_input(inputs: InputsLike, *, name: str = "inputs") -> GraphInput:
    """Accept a :class:`GraphInput` or a symmetric array ``G`` (model ``custom``).

    A raw array is taken as the variables of an untyped (hyper)graph: ``chi_1(x) = x``,
    only label 1 supported.  It must be symmetric; its diagonal entries are ignored.
    """
    if isinstance(inputs, GraphInput):
        return inputs
    if isinstance(inputs, np.ndarray | list | tuple):
        arr = check_finite_array(inputs, name)
        if arr.ndim < 2 or len(set(arr.shape)) != 1:
            raise ValueError(f"{name}: expected a square matrix or cubical tensor, got shape "
                             f"{arr.shape}")
        for perm in itertools.permutations(range(arr.ndim)):
            if not np.allclose(arr, np.transpose(arr, perm), atol=1e-12, rtol=0):
                raise ValueError(f"{name}: expected a symmetric array (x_e per unordered set e)")
        sig = (DEFAULT_TYPE,) * arr.ndim
        sizes = {DEFAULT_TYPE: arr.shape[0]}
        return GraphInput("custom", sizes, {sig: arr * distinct_mask(sig, sizes)})
    raise TypeError(f"{name}: expected a GraphInput (see sample_input) or a symmetric array, "
                    f"got {type(inputs).__name__}")


def check_sparse_model(shape: Shape, n: int | None, p: float | None) -> float:
    """Validate a p-biased (sparse) graph-matrix model; return ``p`` as a float.

    Raises a one-line :class:`ValueError` naming the argument for ``p`` outside
    :math:`(0, 1)`, for :math:`p\\,n^2<1` (the input graph is then empty with probability
    about :math:`e^{-1/2}` or more, and every matrix is zero) and for shapes with a vertex on
    no edge (its index is unconstrained by the sparse input, so the matrix is a dense
    multiple of a smaller one).

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> check_sparse_model(named_shape("Z"), 100, 0.1)
    0.1
    >>> check_sparse_model(named_shape("Z"), 100, 1e-5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: p: p*n^2 = 0.1 < 1 at n=100: the sparse input graph is almost surely empty...
    """
    shape = check_shape(shape)
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 < float(p) < 1.0:
        raise ValueError(f"p: the pbiased (sparse) model needs 0 < p < 1, got {p!r}")
    p = float(p)
    if n is not None and p * float(n) ** 2 < 1.0:
        raise ValueError(f"p: p*n^2 = {p * float(n) ** 2:.3g} < 1 at n={n}: the sparse input "
                         f"graph is almost surely empty; use p >= 1/n^2 = {1.0 / n ** 2:.3g}")
    lonely = [shape.vertex_name(v) for v in range(shape.k) if shape.degree(v) == 0]
    if lonely:
        raise ValueError(f"shape: the pbiased (sparse) model needs every vertex on an edge; "
                         f"isolated: {', '.join(lonely)}")
    return p


@dataclass(frozen=True)
class EdgeProbability:
    """An edge probability :math:`p=c\\,n^{-a}` (a number is ``a = 0``)."""

    c: float
    a: float
    text: str = ""

    def at(self, n: int) -> float:
        """The probability at size ``n``."""
        return self.c * float(n) ** (-self.a)


_P_FORMS = [
    (re.compile(r"^(?P<c>[0-9.eE+-]+)$"), lambda m: (float(m["c"]), 0.0)),
    (re.compile(r"^(?P<c>[0-9.]+/[0-9.]+)$"), lambda m: (_fraction(m["c"]), 0.0)),
    (re.compile(r"^(?:(?P<c>[0-9.eE+-]+)\*?)?n\s*(?:\^|\*\*)\s*\(?(?P<a>-[0-9.]+(?:/[0-9.]+)?)\)?$"),
     lambda m: (float(m["c"] or 1.0), -_fraction(m["a"]))),
    (re.compile(r"^(?P<c>[0-9.eE+]+)\s*/\s*n$"), lambda m: (float(m["c"]), 1.0)),
    (re.compile(r"^(?P<c>[0-9.eE+]+)\s*/\s*sqrt\(n\)$"), lambda m: (float(m["c"]), 0.5)),
]


def _fraction(text: str) -> float:
    num, _, den = text.partition("/")
    return float(num) / float(den) if den else float(num)


def parse_edge_probability(text: str | float) -> EdgeProbability:
    """Parse ``0.1``, ``1/2``, ``n^-0.5``, ``n**(-1/2)``, ``2*n^-0.5``, ``10/n`` or ``1/sqrt(n)``.

    Examples
    --------
    >>> parse_edge_probability("1/4").at(1000)
    0.25
    >>> parse_edge_probability("10/n").at(1000)
    0.01
    >>> e = parse_edge_probability("n^-1/2"); (e.c, e.a)
    (1.0, 0.5)
    >>> parse_edge_probability(0.25).a
    0.0
    """
    if isinstance(text, numbers.Real) and not isinstance(text, bool):
        return EdgeProbability(float(text), 0.0, str(text))
    if not isinstance(text, str):
        raise TypeError(f"p: expected a number or a text such as '10/n', got {text!r}")
    s = text.strip().replace(" ", "")
    for pattern, build in _P_FORMS:
        m = pattern.match(s)
        if m:
            try:
                c, a = build(m)
            except (ValueError, ZeroDivisionError):
                break
            if (c <= 0 and a > 0) or not 0.0 <= a <= 2.0:
                break  # a plain number is range-checked by check_sparse_model
            return EdgeProbability(c, a, text)
    raise ValueError(f"p: expected a probability (0.1), n^-a (n^-0.5), c/n (10/n) or "
                     f"c/sqrt(n), got {text!r}")
