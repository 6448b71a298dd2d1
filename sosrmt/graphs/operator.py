"""Matrix-free graph matrices: Möbius inversion into unconstrained tensor contractions."""

from __future__ import annotations

import math
import string
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse.linalg import LinearOperator

from sosrmt._validation import check_memory
from sosrmt.graphs.dense import check_compatible
from sosrmt.graphs.inputs import GraphInput, InputsLike, as_graph_input
from sosrmt.graphs.shape import Shape

__all__ = ["GraphOperator", "MobiusTerm", "graph_operator", "mobius_partitions"]

_LETTERS = string.ascii_letters


def _forbidden_pairs(shape: Shape) -> set[frozenset[int]]:
    bad = set()
    for e in shape.edges:
        for i in range(len(e)):
            for j in range(i + 1, len(e)):
                bad.add(frozenset((e[i], e[j])))
    for tup in (shape.U, shape.V):
        for i in range(len(tup)):
            for j in range(i + 1, len(tup)):
                bad.add(frozenset((tup[i], tup[j])))
    return bad


def mobius_partitions(shape: Shape) -> Iterator[tuple[tuple[tuple[int, ...], ...], int]]:
    """Set partitions of the vertices that survive pruning, with their Möbius weights.

    A block may contain only vertices of one type, never both ends of an edge (the input
    vanishes on coinciding indices), and never two vertices of ``U`` or two of ``V`` (they
    only feed rows/columns with repeated entries, which are masked).  Blocks merging a
    ``U`` vertex with a ``V`` vertex are kept.

    Yields
    ------
    blocks, mu
        ``blocks`` is a tuple of sorted vertex tuples; ``mu`` is
        :math:`\\prod_B (-1)^{|B|-1} (|B|-1)!`.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> [(b, mu) for b, mu in mobius_partitions(named_shape("Z"))]
    [(((0, 3), (1,), (2,)), -1), (((0,), (1,), (2,), (3,)), 1)]
    """
    bad = _forbidden_pairs(shape)
    blocks: list[list[int]] = []

    def rec(v: int) -> Iterator[tuple[tuple[tuple[int, ...], ...], int]]:
        if v == shape.k:
            mu = 1
            for b in blocks:
                mu *= (-1) ** (len(b) - 1) * math.factorial(len(b) - 1)
            yield tuple(tuple(b) for b in blocks), mu
            return
        for b in blocks:
            if shape.types[b[0]] == shape.types[v] and all(
                    frozenset((v, w)) not in bad for w in b):
                b.append(v)
                yield from rec(v + 1)
                b.pop()
        blocks.append([v])
        yield from rec(v + 1)
        blocks.pop()

    yield from rec(0)


@dataclass
class MobiusTerm:
    """One unconstrained contraction ``y[out] += coeff * einsum(factors..., x[inp])``."""

    blocks: tuple[tuple[int, ...], ...]
    mu: int
    coeff: float
    factor_letters: list[str]
    factors: list[np.ndarray]
    u_letters: str
    v_letters: str
    extra_u: list[tuple[str, int]]  # letters of U only reachable through ones vectors
    extra_v: list[tuple[str, int]]
    matvec_spec: str = ""
    rmatvec_spec: str = ""
    matvec_ops: tuple = ()
    rmatvec_ops: tuple = ()
    matvec_path: list | None = None
    rmatvec_path: list | None = None
    matvec_flops: float = 0.0
    rmatvec_flops: float = 0.0
    #: the (edge signature, label) items of each factor, to recognise equal terms
    factor_keys: list = field(default_factory=list)


def _parse_flops(info: str) -> float:
    for line in info.splitlines():
        if "Optimized FLOP count" in line:
            return float(line.split(":")[1])
    return 0.0


class GraphOperator(LinearOperator):
    """Matrix-free graph matrix: a :class:`scipy.sparse.linalg.LinearOperator`.

    Built by :func:`graph_operator`.  ``terms`` lists the Möbius terms; ``flops_matvec``
    is the einsum FLOP estimate of one matvec (sum over terms).
    """

    def __init__(self, shape: Shape, inputs: GraphInput, terms: list[MobiusTerm],
                 row_dims: tuple[int, ...], col_dims: tuple[int, ...],
                 row_mask: np.ndarray, col_mask: np.ndarray) -> None:
        self.shape_ = shape
        self.inputs = inputs
        self.terms = terms
        self.row_dims, self.col_dims = row_dims, col_dims
        self.row_mask, self.col_mask = row_mask, col_mask
        self.n_matvec = 0
        self.n_rmatvec = 0
        super().__init__(dtype=np.float64, shape=(math.prod(row_dims), math.prod(col_dims)))

    @property
    def flops_matvec(self) -> float:
        """Estimated floating-point operations of one matvec (einsum's count)."""
        return float(sum(t.matvec_flops for t in self.terms))

    @property
    def flops_rmatvec(self) -> float:
        """Estimated floating-point operations of one rmatvec."""
        return float(sum(t.rmatvec_flops for t in self.terms))

    def _apply(self, x: np.ndarray, transpose: bool) -> np.ndarray:
        x = np.asarray(x, dtype=float).reshape(-1)
        in_dims, out_dims = ((self.row_dims, self.col_dims) if transpose
                             else (self.col_dims, self.row_dims))
        in_mask, out_mask = ((self.row_mask, self.col_mask) if transpose
                             else (self.col_mask, self.row_mask))
        xt = x.reshape(in_dims) * in_mask
        y = np.zeros(out_dims)
        for t in self.terms:
            if transpose:
                spec, ops, path = t.rmatvec_spec, t.rmatvec_ops, t.rmatvec_path
            else:
                spec, ops, path = t.matvec_spec, t.matvec_ops, t.matvec_path
            y += t.coeff * np.einsum(spec, *t.factors, *ops, xt, optimize=path)
        return (y * out_mask).reshape(-1)

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        self.n_matvec += 1
        return self._apply(x, transpose=False)

    def _rmatvec(self, x: np.ndarray) -> np.ndarray:
        self.n_rmatvec += 1
        return self._apply(x, transpose=True)

    def _adjoint(self) -> LinearOperator:
        return LinearOperator(self.shape[::-1], matvec=self._rmatvec, rmatvec=self._matvec,
                              dtype=self.dtype)

    def todense(self) -> np.ndarray:
        """Form the matrix column by column (testing only; ``O(dim)`` matvecs)."""
        eye = np.eye(self.shape[1])
        return np.column_stack([self._apply(eye[:, j], False) for j in range(self.shape[1])])


def _tuple_mask(shape: Shape, tup: tuple[int, ...], sizes: dict[str, int]) -> np.ndarray:
    dims = tuple(sizes[shape.types[v]] for v in tup)
    mask = np.ones(dims)
    for i in range(len(tup)):
        for j in range(i + 1, len(tup)):
            if shape.types[tup[i]] == shape.types[tup[j]]:
                n = dims[i]
                eye = np.eye(n).reshape([n if ax in (i, j) else 1 for ax in range(len(tup))])
                mask = mask * (1.0 - eye)
    return mask


def graph_operator(shape: Shape, inputs: InputsLike, *, memory_limit: float | None = None,
                   optimize: str = "auto") -> GraphOperator:
    """Matrix-free graph matrix :math:`M_\\alpha` as a ``LinearOperator``.

    ``matvec`` and ``rmatvec`` never form the matrix; they agree with
    :func:`graph_matrix` (ordered-tuple convention, rows/columns in C order, zero on
    tuples with repeated entries).

    Parameters
    ----------
    shape : Shape
    inputs : GraphInput or array
    memory_limit : float, optional
        Bytes allowed for one contraction intermediate (default: 8 GiB limit of
        ``check_memory``; the einsum paths keep intermediates at most this large).
    optimize : {"auto", "optimal", "greedy"}
        Path search of :func:`numpy.einsum_path`, done once per term at build time
        (``"auto"``: optimal for up to 6 operands, else greedy).  Intermediates are
        limited to one index beyond the vector size (at most 2**25 entries).

    Returns
    -------
    GraphOperator
        With ``terms`` (the Möbius terms), ``flops_matvec`` and matvec counters.

    Notes
    -----
    Möbius inversion on the lattice of set partitions:

    .. math:: \\sum_{\\sigma\\ \\mathrm{injective}} f(\\sigma) = \\sum_{\\pi} \\mu(\\pi)
              \\sum_{\\sigma\\ \\mathrm{constant\\ on\\ blocks\\ of}\\ \\pi} f(\\sigma),\\qquad
              \\mu(\\pi) = \\prod_{B\\in\\pi} (-1)^{|B|-1}(|B|-1)!.

    Partitions are pruned as in :func:`mobius_partitions`; each survivor is an unconstrained
    contraction on the quotient shape (isolated middle blocks contribute a factor ``n``),
    evaluated with :func:`numpy.einsum` along the cheapest path found once by
    :func:`numpy.einsum_path`.  The input vector is masked to distinct tuples before and the
    output after.  Cost per matvec: :math:`\\sum_\\pi O(n^{w_\\pi})`, e.g. :math:`O(n^3)`
    for ``Z`` (dimension :math:`n^2`), :math:`O(n^2)` for ``path2``.

    Examples
    --------
    >>> from sosrmt.graphs import graph_matrix, named_shape, sample_input
    >>> x = sample_input("rademacher", 8, rng=0)
    >>> op = graph_operator(named_shape("Z"), x)
    >>> op.shape, len(op.terms)
    ((64, 64), 2)
    >>> v = np.arange(64.0)
    >>> bool(np.allclose(op @ v, graph_matrix(named_shape("Z"), x) @ v))
    True
    """
    inputs = as_graph_input(inputs)
    if optimize not in ("auto", "optimal", "greedy"):
        raise ValueError(f"optimize: expected 'auto', 'optimal' or 'greedy', got {optimize!r}")
    sizes = check_compatible(shape, inputs)
    row_dims = tuple(sizes[shape.types[u]] for u in shape.U)
    col_dims = tuple(sizes[shape.types[v]] for v in shape.V)
    limit_bytes = 8 * 2**30 if memory_limit is None else float(memory_limit)
    hint = "reduce n"
    check_memory(8.0 * 4 * (math.prod(row_dims) + math.prod(col_dims)),
                 "graph-operator vectors", hint=hint, limit=limit_bytes)
    row_mask = _tuple_mask(shape, shape.U, sizes)
    col_mask = _tuple_mask(shape, shape.V, sizes)
    chi_cache: dict[tuple, np.ndarray] = {}
    terms = []
    for blocks, mu in mobius_partitions(shape):
        block_of = {v: i for i, b in enumerate(blocks) for v in b}
        letter = [_LETTERS[i] for i in range(len(blocks))]
        btype = [shape.types[b[0]] for b in blocks]
        groups: dict[tuple[int, ...], list[tuple[tuple[int, ...], int]]] = {}
        for e, lab in zip(shape.edges, shape.labels, strict=True):
            bl = tuple(sorted((block_of[v] for v in e), key=lambda i: (btype[i], i)))
            groups.setdefault(bl, []).append((shape.edge_signature(e), lab))
        factor_letters, factors, factor_keys = [], [], []
        for bl, items in groups.items():
            key = tuple(sorted(items))
            factor_keys.append(key)
            if key not in chi_cache:
                prod = None
                for sig, lab in key:
                    chi = inputs.character(lab, sig)
                    prod = chi if prod is None else prod * chi
                chi_cache[key] = prod
            factors.append(chi_cache[key])
            factor_letters.append("".join(letter[i] for i in bl))
        in_edges = {i for bl in groups for i in bl}
        in_u = {block_of[u] for u in shape.U}
        in_v = {block_of[v] for v in shape.V}
        coeff = float(mu)
        for i in range(len(blocks)):
            if i not in in_edges and i not in in_u and i not in in_v:
                coeff *= sizes[btype[i]]  # isolated middle block: free sum over [n_t]
        u_letters = "".join(letter[block_of[u]] for u in shape.U)
        v_letters = "".join(letter[block_of[v]] for v in shape.V)
        covered = set("".join(factor_letters))
        extra_u = [(letter[i], sizes[btype[i]]) for i in sorted(in_u)
                   if letter[i] not in covered and letter[i] not in v_letters]
        extra_v = [(letter[i], sizes[btype[i]]) for i in sorted(in_v)
                   if letter[i] not in covered and letter[i] not in u_letters]
        term = MobiusTerm(blocks, mu, coeff, factor_letters, factors, u_letters, v_letters,
                          extra_u, extra_v, factor_keys=factor_keys)
        for transpose in (False, True):
            out, inp = (v_letters, u_letters) if transpose else (u_letters, v_letters)
            extra = extra_v if transpose else extra_u
            ones = tuple(np.ones(n) for _, n in extra)
            spec = ",".join([*factor_letters, *(c for c, _ in extra), inp]) + "->" + out
            dims = col_dims if transpose else row_dims
            dummy = np.empty(col_dims if not transpose else row_dims)
            operands = [*factors, *ones, dummy]
            max_in = max([o.size for o in operands] + [math.prod(dims)])
            # intermediates: one index beyond the vectors (K22 needs n^3), capped
            cap = max(math.prod(row_dims), math.prod(col_dims)) * max(sizes.values())
            mem = max(max_in, min(cap, 2**25, limit_bytes / 8 / 4))
            method = optimize
            if method == "auto":
                method = "optimal" if len(operands) <= 6 else "greedy"
            path, info = np.einsum_path(spec, *operands, optimize=(method, mem))
            flops = _parse_flops(info)
            if transpose:
                term.rmatvec_spec, term.rmatvec_ops = spec, ones
                term.rmatvec_path, term.rmatvec_flops = path, flops
            else:
                term.matvec_spec, term.matvec_ops = spec, ones
                term.matvec_path, term.matvec_flops = path, flops
        terms.append(term)
    return GraphOperator(shape, inputs, terms, row_dims, col_dims, row_mask, col_mask)
