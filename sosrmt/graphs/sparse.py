r"""Sparse graph matrices: p-biased inputs, validated, applied through their nonzeros only.

For ``G(n, p)`` inputs the centred character :math:`\chi(x)=(x-p)/\sqrt{p(1-p)}` is nonzero
on every pair, so the dense operator of :func:`sosrmt.graphs.graph_operator` costs as much
as for a dense input. Here each edge factor is split as

.. math:: F=\chi\ \text{off the diagonal}=\frac{A-p\,(J-I)}{\sqrt{p(1-p)}},

with :math:`A` the sparse 0/1 adjacency matrix, :math:`J` the all-ones matrix and :math:`I`
the identity. In each unconstrained term of the Möbius inversion (see
:func:`sosrmt.graphs.mobius_partitions`), a :math:`J` factor drops its edge and an :math:`I`
factor merges its two vertices, so every term is a contraction of copies of :math:`A` only.
In a product, an input variable on a single edge of its component is summed out by one
sparse product with :math:`A`; the rest of each connected component is built once as a
sparse matrix (a relational join of edge lists, so its cost is the number of homomorphisms
of that part into the graph, proportional to its nonzeros), and the components are applied
axis by axis. Nothing of size :math:`n^2` per edge is ever formed beyond the input and output
vectors themselves.

The module is a little over 500 lines because the term expansion, the component matrices
and the product schedule (shared partial contractions, terms that end in the same step) are
one algorithm whose private helpers only make sense together.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator

from sosrmt._validation import check_memory
from sosrmt.graphs.inputs import GraphInput, check_sparse_model
from sosrmt.graphs.operator import mobius_partitions
from sosrmt.graphs.shape import DEFAULT_TYPE, Shape, check_shape

__all__ = ["SparseGraphOperator", "check_sparse_model", "sparse_graph_operator"]


# --------------------------------------------------------------------------- term structure


@dataclass(frozen=True)
class _Term:
    """One contraction of copies of A: variables 0..m-1, U/V variable tuples, A-edges."""

    m: int
    U: tuple[int, ...]
    V: tuple[int, ...]
    edges: tuple[tuple[int, int], ...]


def _canonical(m: int, U: list[int], V: list[int], edges: set[tuple[int, int]]) -> _Term:
    order: dict[int, int] = {}
    for v in [*U, *V, *sorted(itertools.chain.from_iterable(sorted(edges))), *range(m)]:
        order.setdefault(v, len(order))
    ed = tuple(sorted(tuple(sorted((order[a], order[b]))) for a, b in edges))
    return _Term(m, tuple(order[u] for u in U), tuple(order[v] for v in V), ed)


def _terms(shape: Shape, p: float) -> dict[_Term, float]:
    """Expand Möbius terms x (A, -pJ, +pI) per edge; equal structures are merged."""
    sigma = math.sqrt(p * (1.0 - p))
    out: dict[_Term, float] = {}
    for blocks, mu in mobius_partitions(shape):
        where = {v: i for i, b in enumerate(blocks) for v in b}
        bedges = [(where[e[0]], where[e[1]]) for e in shape.edges]
        for letters in itertools.product("AJI", repeat=len(bedges)):
            parent = list(range(len(blocks)))

            def find(v: int, parent: list[int] = parent) -> int:
                while parent[v] != v:
                    parent[v] = parent[parent[v]]
                    v = parent[v]
                return v

            coeff = float(mu)
            for (a, b), let in zip(bedges, letters, strict=True):
                coeff *= {"A": 1.0, "J": -p, "I": p}[let] / sigma
                if let == "I":
                    parent[find(a)] = find(b)
            aedges = {tuple(sorted((find(a), find(b))))
                      for (a, b), let in zip(bedges, letters, strict=True) if let == "A"}
            if any(a == b for a, b in aedges):
                continue  # A has a zero diagonal
            U = [find(where[u]) for u in shape.U]
            V = [find(where[v]) for v in shape.V]
            if len(set(U)) < len(U) or len(set(V)) < len(V):
                continue  # feeds only rows/columns with repeated entries (masked)
            roots = sorted({find(v) for v in range(len(blocks))})
            relabel = {r: i for i, r in enumerate(roots)}
            term = _canonical(len(roots), [relabel[u] for u in U], [relabel[v] for v in V],
                              {(relabel[a], relabel[b]) for a, b in aedges})
            out[term] = out.get(term, 0.0) + coeff
    return {t: c for t, c in out.items() if c != 0.0}


# --------------------------------------------------------------------------- components


def _join(adj: sp.csr_matrix, edges: list[tuple[int, int]],
          memory_limit: float | None) -> dict[int, np.ndarray]:
    """All homomorphisms of a connected edge set into the graph, as columns per variable."""
    n = adj.shape[0]
    indptr, indices = adj.indptr, adj.indices
    deg = np.diff(indptr)
    coo = adj.tocoo()
    keys = np.sort(coo.row.astype(np.int64) * n + coo.col)
    a, b = edges[0]
    table = {a: coo.row.astype(np.int64), b: coo.col.astype(np.int64)}
    done = {edges[0]}
    pending = list(edges[1:])
    while pending:
        pick = next((e for e in pending if e[0] in table and e[1] in table), None)
        if pick is None:
            pick = next(e for e in pending if e[0] in table or e[1] in table)
        pending.remove(pick)
        done.add(pick)
        u, v = pick
        if u in table and v in table:  # close a cycle: keep rows where the edge exists
            code = table[u] * n + table[v]
            pos = np.searchsorted(keys, code)
            ok = (pos < keys.size) & (keys[np.minimum(pos, keys.size - 1)] == code)
            table = {k: col[ok] for k, col in table.items()}
            continue
        old, new = (u, v) if u in table else (v, u)
        counts = deg[table[old]]
        size = int(counts.sum())
        check_memory(8.0 * size * (len(table) + 2),
                     f"the homomorphisms of a {len(done)}-edge pattern into the input graph",
                     hint="use a smaller n or p",
                     **({"limit": memory_limit} if memory_limit is not None else {}))
        rep = np.repeat(np.arange(table[old].size), counts)
        starts = np.repeat(indptr[table[old]] - np.cumsum(counts) + counts, counts)
        table = {k: col[rep] for k, col in table.items()}
        table[new] = indices[np.arange(size) + starts].astype(np.int64)
    return table


@dataclass
class _Factor:
    """A component's map from its input variables to its output variables.

    ``pre`` lists leaf eliminations ``(v, w)`` applied first: an input variable ``v`` on one
    A-edge ``v - w`` (``w`` not an input) is summed out by one sparse product, which makes
    ``w`` an input; ``kind`` is then "sparse" (``mat`` maps the remaining inputs to the
    outputs), "ones", "eye" or "scalar".
    """

    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    kind: str
    mat: sp.csr_matrix | None = None
    scalar: float = 1.0
    pre: tuple[tuple[int, int], ...] = ()
    rows: np.ndarray | None = None  # mat holds only these rows (the others are zero)


def _factors(term: _Term, adj: sp.csr_matrix, memory_limit: float | None,
             transpose: bool) -> list[_Factor]:
    """Components of a term for one direction (inputs V -> outputs U, or U -> V)."""
    n = adj.shape[0]
    ins_all, outs_all = (term.U, term.V) if transpose else (term.V, term.U)
    parent = list(range(term.m))

    def find(v: int) -> int:
        while parent[v] != v:
            v = parent[v]
        return v

    for a, b in term.edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    comps: dict[int, list[int]] = {}
    for v in range(term.m):
        comps.setdefault(find(v), []).append(v)
    out = []
    for members in comps.values():
        ins = [v for v in ins_all if v in members]
        outs = tuple(u for u in outs_all if u in members)
        cedges = [e for e in term.edges if e[0] in members]
        if not cedges:  # a single variable on no A-edge
            if ins and outs:
                out.append(_Factor(tuple(ins), outs, "eye"))
            elif ins or outs:
                out.append(_Factor(tuple(ins), outs, "ones"))
            else:
                out.append(_Factor((), (), "scalar", scalar=float(n)))
            continue
        if len(cedges) == 1 and len(ins) == 1 and len(outs) == 1 \
                and set(cedges[0]) == {ins[0], outs[0]} and ins[0] != outs[0]:
            # one A-edge from an input to an output: the adjacency matrix itself (shared,
            # so that equal products of different terms are computed once per product)
            out.append(_Factor(tuple(ins), outs, "sparse", adj))
            continue
        pre = []
        while len(cedges) > 1:  # sum out input leaves by sparse products (no join needed)
            leaf = None
            for v in ins:
                on = [e for e in cedges if v in e]
                if len(on) == 1 and v not in outs:
                    w = on[0][0] if on[0][1] == v else on[0][1]
                    if w not in ins:
                        leaf = (v, w, on[0])
                        break
            if leaf is None:
                break
            v, w, e = leaf
            pre.append((v, w))
            cedges.remove(e)
            ins[ins.index(v)] = w
        table = _join(adj, cedges, memory_limit)
        count = next(iter(table.values())).size
        row = np.zeros(count, dtype=np.int64)
        for u in outs:
            row = row * n + table[u]
        col = np.zeros(count, dtype=np.int64)
        for v in ins:
            col = col * n + table[v]
        if not ins and not outs:
            out.append(_Factor((), (), "scalar", scalar=float(count)))
            continue
        mat = sp.csr_matrix((np.ones(count), (row, col)), shape=(n ** len(outs), n ** len(ins)))
        mat.sum_duplicates()
        rows = np.flatnonzero(np.diff(mat.indptr))
        if rows.size < mat.shape[0] // 2:
            # a product walks every row of a CSR matrix: keep the nonzero ones only, so that
            # its cost follows the edges, not n^|outputs|
            out.append(_Factor(tuple(ins), outs, "sparse", mat[rows], pre=tuple(pre),
                               rows=rows))
        else:
            out.append(_Factor(tuple(ins), outs, "sparse", mat, pre=tuple(pre)))
    return out


def _apply_term(factors: list[_Factor], x: np.ndarray, src: tuple[int, ...],
                dst: tuple[int, ...], adj: sp.csr_matrix,
                cache: dict[tuple, np.ndarray] | None = None):
    """y[dst] = sum over src of prod_factors K[outputs, inputs] x[src], step by step.

    Returns ``(last, fn, t_in, order, scale)``: ``y = scale * transpose(fn(t_in), order)``,
    where ``fn`` is the term's last linear step, left undone so that the caller can add the
    inputs of terms that end in the same step (``last``, a hashable signature) and apply it
    once; ``fn`` is None for a term without steps (then ``t_in`` is the result).

    ``cache`` (one dict per product) memoises the partial contractions of ``x``: the tensor
    after a sequence of steps depends only on the steps' kinds, matrices and axis
    *positions*, not on the terms' variable names, so terms that start alike (for instance
    ``A X`` or ``X A^T`` of the input block ``X``) share one sparse product instead of
    repeating it.
    """
    n = adj.shape[0]
    axes = list(src)
    t = x.reshape((n,) * len(src)) if src else x.reshape(())
    scale = 1.0
    key: tuple = ()
    pending: tuple | None = None  # the last step, not yet computed: (k, fn, input, key)

    def along(t: np.ndarray, i: int) -> np.ndarray:
        """Sum axis i against A (A is symmetric): the result keeps the axis in place."""
        moved = np.moveaxis(t, i, 0)
        res = adj @ moved.reshape(n, -1)
        return np.moveaxis(np.asarray(res).reshape(moved.shape), 0, i)

    def flush() -> None:
        nonlocal t, pending
        if pending is None:
            return
        k, fn, t_in, before = pending
        full = (*before, k)
        if cache is None:
            t = fn(t_in)
        else:
            if full not in cache:
                cache[full] = fn(t_in)
            t = cache[full]
        pending = None

    def step(k: tuple, fn) -> None:
        nonlocal key, pending
        flush()
        pending = (k, fn, t, key)
        key = (*key, k)

    # shrinking factors first, growing ones last: no intermediate exceeds n^max(|U|, |V|)
    for f in sorted(factors, key=lambda f: len(f.outputs) - len(f.inputs)):
        if f.kind == "scalar":
            scale *= f.scalar
            continue
        if f.kind == "eye":
            continue  # the variable keeps its axis: identity on it
        for v, w in f.pre:  # axis v -> axis w: t[..., w] = sum_v A[w, v] t[..., v]
            i = axes.index(v)
            step(("A", i), lambda t, i=i: along(t, i))
            axes[i] = w
        if f.mat is adj:  # one A-edge: contract in place, like a leaf elimination
            i = axes.index(f.inputs[0])
            step(("A", i), lambda t, i=i: along(t, i))
            axes[i] = f.outputs[0]
            continue
        pos = [axes.index(v) for v in f.inputs]
        rest = [i for i in range(len(axes)) if i not in pos]

        def apply(t: np.ndarray, f: _Factor = f, pos: list[int] = pos,
                  rest: list[int] = rest) -> np.ndarray:
            tt = np.transpose(t, pos + rest)
            flat = tt.reshape(n ** len(f.inputs), -1)
            if f.kind == "ones":
                res = np.broadcast_to(flat.sum(axis=0, keepdims=True),
                                      (n ** len(f.outputs), flat.shape[1]))
            else:
                res = np.asarray(f.mat @ flat)
                if f.rows is not None:
                    full = np.zeros((n ** len(f.outputs), flat.shape[1]))
                    full[f.rows] = res
                    res = full
            return res.reshape((n,) * len(f.outputs) + tt.shape[len(f.inputs):])

        step((f.kind, id(f.mat), tuple(pos), len(f.outputs)), apply)
        axes = list(f.outputs) + [axes[i] for i in rest]
    order = tuple(axes.index(v) for v in dst)
    if pending is None:
        return None, None, t, order, scale
    k, fn, t_in, _ = pending
    if cache is not None and key in cache:  # already computed by another term
        return None, None, cache[key], order, scale
    return (k, t_in.shape), fn, t_in, order, scale


def _accumulate(out: np.ndarray, parts: dict, n: int, ndim: int) -> np.ndarray:
    """out[dst] += sum of coeff * transpose(t, order), one pass per distinct tensor."""
    view = out.reshape((n,) * ndim) if ndim else out.reshape(())
    compact: dict[tuple[int, ...], np.ndarray] = {}
    for (_, order), (coeff, t) in parts.items():
        if coeff == 0.0:
            continue
        tt = np.transpose(t, order)
        flat_axes = tuple(i for i in range(tt.ndim) if tt.strides[i] == 0 and tt.shape[i] > 1)
        if not flat_axes:
            view += coeff * tt
            continue
        # constant along some axes (a summed-out variable): add the small slices first, so
        # that all such terms cost one pass over the output together
        small = tt[tuple(slice(0, 1) if i in flat_axes else slice(None) for i in range(tt.ndim))]
        if flat_axes in compact:
            compact[flat_axes] = compact[flat_axes] + coeff * small
        else:
            compact[flat_axes] = coeff * small
    for small in compact.values():
        view += small
    return out


# --------------------------------------------------------------------------- operator


class SparseGraphOperator(LinearOperator):
    """:math:`M_\\alpha(\\chi)` for a p-biased input, applied through the input's nonzeros.

    Attributes
    ----------
    shape_alpha : Shape
    n : int
    p : float
    terms : int
        Number of distinct contraction terms after merging equal structures.
    nnz : int
        Total nonzeros stored over all component matrices (the cost of one product).
    """

    def __init__(self, shape: Shape, adj: sp.csr_matrix, p: float,
                 memory_limit: float | None = None) -> None:
        n = adj.shape[0]
        self.shape_alpha, self.n, self.p = shape, n, p
        self._adj = adj
        terms = [(term, coeff, _factors(term, adj, memory_limit, False),
                  _factors(term, adj, memory_limit, True))
                 for term, coeff in _terms(shape, p).items()]
        self.terms = len(terms)
        # equal component matrices of different terms become one object, so that terms
        # ending in the same product share it (see _apply)
        seen: dict[tuple, list[sp.csr_matrix]] = {}
        for _, _, fwd, bwd in terms:
            for f in (*fwd, *bwd):
                if f.kind != "sparse" or f.mat is adj:
                    continue
                m = f.mat
                sig = (m.shape, m.nnz, hash(m.indptr.tobytes()), hash(m.indices.tobytes()),
                       None if f.rows is None else hash(f.rows.tobytes()))
                for other in seen.setdefault(sig, []):
                    if (np.array_equal(other.indptr, m.indptr)
                            and np.array_equal(other.indices, m.indices)
                            and np.array_equal(other.data, m.data)):
                        f.mat = other
                        break
                else:
                    seen[sig].append(m)
        self.nnz = sum(f.mat.nnz for _, _, fs, _ in terms for f in fs if f.mat is not None)
        # terms that are one sparse matrix from the column tuple to the row tuple (in order)
        # are summed into one matrix per direction: one product instead of several
        self._merged: list[sp.csr_matrix | None] = [None, None]
        self._terms = []
        for term, coeff, fwd, bwd in terms:
            pieces = []
            for k, (fs, ins, outs) in enumerate(((fwd, term.V, term.U), (bwd, term.U, term.V))):
                if (len(fs) == 1 and fs[0].kind == "sparse" and not fs[0].pre
                        and fs[0].inputs == ins and fs[0].outputs == outs):
                    mat = fs[0].mat
                    if fs[0].rows is not None:  # back to the full row range
                        full = n ** len(outs)
                        pick = sp.csr_matrix((np.ones(fs[0].rows.size), (
                            fs[0].rows, np.arange(fs[0].rows.size))), shape=(full, mat.shape[0]))
                        mat = (pick @ mat).tocsr()
                    pieces.append((k, coeff * mat))
            if len(pieces) == 2:
                for k, mat in pieces:
                    self._merged[k] = mat if self._merged[k] is None else self._merged[k] + mat
            else:
                self._terms.append((term, coeff, fwd, bwd))
        self._row_mask = _distinct_mask(n, len(shape.U))
        self._col_mask = _distinct_mask(n, len(shape.V))
        super().__init__(np.float64, (n ** len(shape.U), n ** len(shape.V)))

    def _apply(self, x: np.ndarray, transpose: bool) -> np.ndarray:
        x = np.asarray(x, dtype=float).reshape(-1)
        x = x * (self._row_mask if transpose else self._col_mask)
        merged = self._merged[1 if transpose else 0]
        out = (np.zeros(self.shape[1] if transpose else self.shape[0]) if merged is None
               else np.asarray(merged @ x, dtype=float))
        cache: dict[tuple, np.ndarray] = {}
        # terms ending in the same last step are added before it and it is applied once
        # (a sparse product saved per extra term); the results are then added per tensor
        last: dict[tuple, list] = {}
        parts: dict[tuple, list] = {}
        for term, coeff, fwd, bwd in self._terms:
            fs, src, dst = (bwd, term.U, term.V) if transpose else (fwd, term.V, term.U)
            sig, fn, t, order, scale = _apply_term(fs, x, src, dst, self._adj, cache)
            if fn is None:
                pkey = (id(t), order)
                if pkey in parts:
                    parts[pkey][0] += coeff * scale
                else:
                    parts[pkey] = [coeff * scale, t]
                continue
            gkey = (sig, order)
            if gkey in last:
                last[gkey][1] = last[gkey][1] + (coeff * scale) * t
            else:
                last[gkey] = [fn, (coeff * scale) * t]
        for (_, order), (fn, t_in) in last.items():
            parts[(len(parts), order)] = [1.0, fn(t_in)]
        ndim = len(self.shape_alpha.V if transpose else self.shape_alpha.U)
        out = _accumulate(out, parts, self.n, ndim)
        return out * (self._col_mask if transpose else self._row_mask)

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        return self._apply(x, False)

    def _rmatvec(self, x: np.ndarray) -> np.ndarray:
        return self._apply(x, True)

    def _matmat(self, X: np.ndarray) -> np.ndarray:
        return np.column_stack([self._matvec(X[:, j]) for j in range(X.shape[1])])

    def _adjoint(self) -> LinearOperator:
        return LinearOperator((self.shape[1], self.shape[0]), matvec=self._rmatvec,
                              rmatvec=self._matvec, dtype=np.float64)


def _distinct_mask(n: int, a: int) -> np.ndarray:
    """1 on a-tuples of distinct entries (C order), 0 elsewhere."""
    if a <= 1:
        return np.ones(n ** a)
    idx = np.indices((n,) * a).reshape(a, -1)
    ok = np.ones(idx.shape[1], dtype=bool)
    for i, j in itertools.combinations(range(a), 2):
        ok &= idx[i] != idx[j]
    return ok.astype(float)


def sparse_graph_operator(shape: Shape, inputs: GraphInput | sp.spmatrix | np.ndarray,
                          p: float | None = None, *,
                          memory_limit: float | None = None) -> SparseGraphOperator:
    r"""Matrix-free :math:`M_\alpha(\chi)` for a p-biased input, at a cost set by its nonzeros.

    Parameters
    ----------
    shape : Shape
        Untyped shape with pair edges, label 1, no repeated edge and no vertex off the edges.
    inputs : GraphInput, scipy.sparse matrix or array
        A ``pbiased`` :class:`GraphInput` (its ``p`` is used), or the symmetric 0/1
        adjacency matrix of the input graph (then ``p`` is required).
    p : float, optional
        Edge probability (only with an adjacency matrix).
    memory_limit : float, optional
        Bytes one allocation may use (default: :func:`sosrmt._validation.check_memory`'s).

    Returns
    -------
    SparseGraphOperator
        Same rows and columns as :func:`sosrmt.graphs.graph_matrix` (ordered tuples, C order).

    Notes
    -----
    The cost of building is the number of homomorphisms of each term's components into the
    input graph (for a tree with :math:`t` edges about :math:`n(pn)^t`); a product costs the
    stored nonzeros plus :math:`O(n^{|U|}+n^{|V|})` per term.

    Examples
    --------
    >>> from sosrmt.graphs import graph_matrix, named_shape, sample_input
    >>> x = sample_input("pbiased", 7, p=0.3, rng=0)
    >>> op = sparse_graph_operator(named_shape("Z"), x)
    >>> dense = graph_matrix(named_shape("Z"), x)
    >>> bool(np.allclose(op @ np.eye(49), dense))
    True
    """
    shape = check_shape(shape)
    if shape.is_typed or shape.max_arity > 2 or any(lab != 1 for lab in shape.labels):
        raise ValueError("shape: the sparse operator supports untyped shapes with pair edges "
                         "of label 1")
    if not shape.is_proper():
        raise ValueError("shape: the sparse operator needs a proper shape (no repeated edge)")
    if isinstance(inputs, GraphInput):
        if inputs.model != "pbiased":
            raise ValueError(f"inputs: expected a pbiased input, got model {inputs.model!r}")
        if p is not None and p != inputs.p:
            raise ValueError(f"p: the input was sampled with p={inputs.p}, got p={p}")
        p = inputs.p
        adj = sp.csr_matrix(inputs.tensors[(DEFAULT_TYPE, DEFAULT_TYPE)])
    else:
        adj = sp.csr_matrix(inputs, dtype=float)
    n = adj.shape[0]
    if adj.shape != (n, n):
        raise ValueError(f"inputs: expected a square adjacency matrix, got shape {adj.shape}")
    p = check_sparse_model(shape, n, p)
    adj = adj.tolil()
    adj.setdiag(0)
    adj = adj.tocsr()
    adj.eliminate_zeros()
    if adj.nnz and (np.any(adj.data != 1.0) or (adj != adj.T).nnz):
        raise ValueError("inputs: expected a symmetric 0/1 adjacency matrix")
    if n < shape.k:
        raise ValueError(f"n: expected n >= {shape.k} (vertices of the shape), got {n}")
    adj.sort_indices()
    return SparseGraphOperator(shape, adj, p, memory_limit)
