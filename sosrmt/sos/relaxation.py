"""Moment relaxations assembled in one vectorised pass into sparse conic data.

The degree-:math:`2d` moment relaxation of :math:`\\max p(x)` over a domain is

.. math::

    \\max_y \\sum_k p_k y_k \\quad\\text{s.t.}\\quad y_0 = 1,\\quad
    M_d(y) \\succeq 0,\\quad M_{d-\\lceil \\deg g/2\\rceil}(g\\,y) \\succeq 0,\\quad
    L_y(h\\,x^\\beta) = 0,

where :math:`M_d(y)_{ab} = y_{a\\cdot b}` (with the ring's product: XOR/OR/sum of keys,
and the factor :math:`c^{|a\\cap b|}` on a hypercube with :math:`x_i^2=c`). Every entry of
every block is a linear form in the moments, so the whole problem is one sparse matrix
:math:`F` (rows: the cone entries in SCS's svec layout, lower triangle column by column,
off-diagonals scaled by :math:`\\sqrt2`; columns: the moments). SCS's standard form
:math:`\\min c^\\top x` s.t. :math:`Ax + s = b,\\ s\\in\\mathcal K` follows with
:math:`x = y_{1:}`, :math:`A = -F_{:,1:}`, :math:`b = F_{:,0}`, :math:`c = -p_{1:}`.

**Sign symmetry.** When the objective and all constraints are even (invariant under
:math:`x\\mapsto-x`), the odd moments of a symmetrised optimal solution vanish, so the
moment matrix splits into an even-degree and an odd-degree block (and likewise each
localizing matrix); only even moments are variables.

**Dual.** The conic dual variable :math:`z\\in\\mathcal K^*` holds Gram matrices
:math:`Q_b\\succeq0` (one per block) and free multipliers for the equalities, with

.. math:: \\lambda - p(x) = \\sum_b g_b(x)\\, m_b(x)^\\top Q_b\\, m_b(x) + \\sum_j h_j(x) s_j(x)

coefficientwise (modulo the ring's relations): an SoS certificate of :math:`p\\le\\lambda`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sosrmt._validation import DEFAULT_MEMORY_LIMIT, check_int, check_memory
from sosrmt.poly import (
    MAX_GENERAL_DEGREE,
    Polynomial,
    basis_size,
    key_degrees,
)
from sosrmt.sos.domains import Domain
from sosrmt.sos.sparsity import (
    TS_CLOSURES,
    check_cliques,
    clique_basis,
    correlative_cliques,
    home_clique,
    term_sparse_blocks,
)

__all__ = ["EqualityBlock", "MomentRelaxation", "PsdBlock"]

_SQRT2 = np.sqrt(2.0)


@dataclass
class PsdBlock:
    """One PSD block: :math:`g\\cdot m m^\\top` over a monomial basis ``basis``.

    ``rows`` is its slice of the conic rows; ``ii, jj`` the svec (column-major lower
    triangle) index pairs of those rows.
    """

    name: str
    basis: np.ndarray
    multiplier: Polynomial | None
    rows: slice
    ii: np.ndarray
    jj: np.ndarray

    @property
    def size(self) -> int:
        return int(self.basis.size)


@dataclass
class EqualityBlock:
    """Linear moment constraints :math:`L(h\\,x^\\beta) = 0` for :math:`\\beta` in ``basis``."""

    name: str
    h: Polynomial
    basis: np.ndarray
    rows: slice


def svec_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)``, ``i >= j``, of SCS's svec order (lower triangle by columns)."""
    jj, ii = np.triu_indices(n)
    return ii, jj


def svec_to_matrix(v: np.ndarray, n: int) -> np.ndarray:
    """Inverse of SCS's svec: a symmetric matrix from its scaled lower triangle."""
    ii, jj = svec_pairs(n)
    m = np.zeros((n, n))
    vals = np.where(ii == jj, v, v / _SQRT2)
    m[ii, jj] = vals
    m[jj, ii] = vals
    return m


class MomentRelaxation:
    """The degree-``degree`` moment relaxation of ``sense`` ``objective`` over ``domain``.

    Parameters
    ----------
    objective : Polynomial
        The polynomial to maximise or minimise (a general polynomial is reduced onto the
        domain's ring).
    domain : Domain
        Where the variables live (:class:`Hypercube`, :class:`Boolean`, :class:`Sphere`,
        :class:`Semialgebraic`).
    degree : int
        The full relaxation degree :math:`2d`: even, at least the objective's degree and
        every constraint's degree.
    sense : {"max", "min"}
        Maximise (the certificate proves an upper bound) or minimise (a lower bound).
    symmetry : {"auto", "none"}
        ``"auto"`` block-diagonalises by the sign symmetry when the problem is even.
    sparsity : {"none", "correlative", "term", "correlative+term"} or sequence of sequences of int
        ``"correlative"``: one moment matrix per maximal clique of a chordal extension of
        the correlative sparsity graph (:mod:`sosrmt.sos.sparsity`); a list of variable
        sets: those cliques (they must cover the objective's monomials and each
        constraint). ``"term"``: each PSD block split by term sparsity
        (:func:`~sosrmt.sos.sparsity.term_sparse_blocks`); ``"correlative+term"``: both,
        term sparsity inside each clique. ``"none"``: the dense relaxation.
    ts_steps : int
        Support extensions of term sparsity (at least 1; more steps, larger blocks, a
        tighter bound).
    ts_closure : {"block", "chordal"}
        Connected components or maximal cliques of a chordal extension of the term
        sparsity graph.
    moment_basis : sequence of Polynomial, optional
        A user-chosen basis of monomials for the moment matrix instead of all monomials of
        degree :math:`\\le d` (for structured relaxations such as the "2+2" relaxation of
        anti-concentration, whose basis is :math:`\\{1,v_a,v_av_b,w_i,w_iv_a\\}`); each
        entry a single monomial with coefficient 1, of degree at most ``degree / 2``.
    localizing_bases, equality_bases : mapping int -> sequence of Polynomial, optional
        The same for the localizing matrix of inequality ``i`` (``[1]``: the scalar
        constraint :math:`\\tilde{\\mathbb E}[g_i]\\ge0`) and for the multipliers of
        equality ``j`` (rows :math:`\\tilde{\\mathbb E}[h_j\\,m]=0` for ``m`` in the
        basis). Not with ``sparsity``.
    memory_limit : float, optional
        Refuse (with the estimate in the message) relaxations whose assembly would need
        more bytes than this.

    Attributes
    ----------
    moment_keys : ndarray
        The moments that are variables (key 0, the constant, first).
    blocks : list of PsdBlock
    equality_blocks : list of EqualityBlock
    F : scipy.sparse.csr_matrix
        Rows = conic rows, columns = ``moment_keys``; row r is the linear form of cone entry r.
    cone : dict
        SCS cone description (``{"z": ..., "l": ..., "s": [...]}``): the equality rows,
        the rows of the 1 x 1 blocks (scalar inequalities, a nonnegative cone), then the
        PSD blocks of size at least 2 in the order of :attr:`blocks`.
    p : ndarray
        Internal objective (maximised) on ``moment_keys``: the objective for ``"max"``,
        its negative for ``"min"``.

    Examples
    --------
    >>> from sosrmt.sos import Hypercube
    >>> W = np.array([[0.0, 1, 1], [1, 0, 1], [1, 1, 0]])
    >>> rel = MomentRelaxation(Polynomial.quadratic_form(-W), Hypercube(3), degree=2)
    >>> [b.size for b in rel.blocks], rel.moment_keys.size   # even block {1}, odd {x0,x1,x2}
    ([1, 3], 4)
    """

    def __init__(
        self,
        objective: Polynomial,
        domain: Domain,
        degree: int,
        *,
        sense: str = "max",
        symmetry: str = "auto",
        sparsity: str | Sequence[Sequence[int]] = "none",
        ts_steps: int = 1,
        ts_closure: str = "block",
        moment_basis: Sequence[Polynomial] | None = None,
        localizing_bases: Mapping[int, Sequence[Polynomial]] | None = None,
        equality_bases: Mapping[int, Sequence[Polynomial]] | None = None,
        memory_limit: float = DEFAULT_MEMORY_LIMIT,
    ) -> None:
        if not isinstance(domain, Domain):
            raise TypeError(f"domain: expected a Domain, got {type(domain).__name__}")
        if sense not in ("max", "min"):
            raise ValueError(f"sense: expected 'max' or 'min', got {sense!r}")
        if symmetry not in ("auto", "none"):
            raise ValueError(f"symmetry: expected 'auto' or 'none', got {symmetry!r}")
        degree = check_int(degree, "degree", minimum=1)
        if degree % 2:
            raise ValueError(f"degree: expected an even relaxation degree 2d, got {degree}")
        if domain.ring == "general" and degree > MAX_GENERAL_DEGREE:
            raise ValueError(
                f"degree: general-ring monomial keys hold exponents up to {MAX_GENERAL_DEGREE}, "
                f"got relaxation degree {degree}"
            )
        objective = domain.polynomial(objective, "objective")
        if objective.degree > degree:
            raise ValueError(
                f"degree: the relaxation degree {degree} is below the objective's "
                f"degree {objective.degree}"
            )
        for name, polys in (
            ("equalities", domain.equalities),
            ("inequalities", domain.inequalities),
        ):
            for g in polys:
                if g.degree > degree:
                    raise ValueError(
                        f"degree: the relaxation degree {degree} is below the degree "
                        f"{g.degree} of one of the domain's {name}"
                    )
        self.objective = objective
        self.domain = domain
        self.degree = degree
        self.sense = sense
        self.half = degree // 2
        self.symmetric = bool(symmetry == "auto" and domain.is_even() and domain.even(objective))
        if isinstance(ts_steps, bool) or not isinstance(ts_steps, int | np.integer) or ts_steps < 1:
            raise ValueError(f"ts_steps: expected an integer >= 1, got {ts_steps!r}")
        if ts_closure not in TS_CLOSURES:
            raise ValueError(f"ts_closure: expected one of {TS_CLOSURES}, got {ts_closure!r}")
        self.ts_steps, self.ts_closure = int(ts_steps), ts_closure
        self.term = False
        if isinstance(sparsity, str):
            if sparsity not in ("none", "correlative", "term", "correlative+term"):
                raise ValueError(
                    "sparsity: expected 'none', 'correlative', 'term', 'correlative+term' "
                    f"or a list of cliques, got {sparsity!r}"
                )
            self.term = sparsity.endswith("term")
            self.cliques = (
                correlative_cliques(objective, domain)
                if sparsity.startswith("correlative")
                else None
            )
        else:
            self.cliques = check_cliques(sparsity, objective, domain)
        custom = (moment_basis, localizing_bases, equality_bases)
        if (self.cliques is not None or self.term) and any(c is not None for c in custom):
            raise ValueError("moment_basis: user bases and sparsity cannot be combined")
        self.custom_moment = (
            None
            if moment_basis is None
            else self._monomial_keys(moment_basis, "moment_basis", 2, 0)
        )
        # one basis object shared by many constraints (e.g. [1] for scalar constraints) is
        # checked once per multiplier degree
        seen: dict[tuple[int, int], np.ndarray] = {}

        def localizing_keys(i: int, b: Sequence[Polynomial]) -> np.ndarray:
            deg = domain.inequalities[i].degree
            if (id(b), deg) not in seen:
                seen[id(b), deg] = self._monomial_keys(b, "localizing_bases", 2, deg)
            return seen[id(b), deg]

        self.custom_localizing = {
            int(i): localizing_keys(int(i), b)
            for i, b in (localizing_bases or {}).items()
            if self._check_index(i, len(domain.inequalities), "localizing_bases")
        }
        self.custom_equality = {
            int(j): self._monomial_keys(b, "equality_bases", 1, domain.equalities[j].degree)
            for j, b in (equality_bases or {}).items()
            if self._check_index(j, len(domain.equalities), "equality_bases")
        }
        self._estimate_and_check(memory_limit)
        self._assemble()

    # ------------------------------------------------------------------ size estimate
    @staticmethod
    def _check_index(i: int, n: int, name: str) -> bool:
        if isinstance(i, bool) or not isinstance(i, int | np.integer) or not 0 <= i < n:
            raise ValueError(f"{name}: expected constraint indices in [0, {n}), got {i!r}")
        return True

    def _monomial_keys(
        self, monos: Sequence[Polynomial], name: str, times: int, extra: int
    ) -> np.ndarray:
        """Keys of user monomials; ``times * deg + extra`` must not exceed the degree."""
        keys = []
        for m in monos:
            m = self.domain.polynomial(m, name)
            if m.nterms != 1 or m.coefs[0] != 1.0:
                raise ValueError(f"{name}: expected single monomials with coefficient 1, got {m}")
            if times * m.degree + extra > self.degree:
                raise ValueError(
                    f"{name}: the monomial {m} is too high for the degree-{self.degree} relaxation"
                )
            keys.append(m.keys[0])
        if not keys:
            raise ValueError(f"{name}: expected at least one monomial")
        out = np.unique(np.asarray(keys, dtype=self.domain.basis(0).dtype))
        order = np.argsort(key_degrees(out, self.domain.ring), kind="stable")
        return out[order]

    def _custom(self, keys: np.ndarray, parity: int | None) -> np.ndarray:
        return keys if parity is None else keys[self.domain.parity(keys) == parity]

    def basis_for(
        self, degree: int, p: Polynomial | None = None, parity: int | None = None
    ) -> np.ndarray:
        """Monomials of degree <= ``degree`` of the block that ``p`` lives in (dense: all)."""
        if self.cliques is None:
            return self.domain.basis(degree, parity=parity)
        home = home_clique(p, self.cliques) if p is not None else tuple(range(self.domain.nvars))
        return clique_basis(self.domain, home, degree, parity)

    def _block_bases(self) -> list[tuple[str, np.ndarray, Polynomial | None]]:
        dom, d = self.domain, self.half
        parities = (0, 1) if self.symmetric else (None,)
        out = []
        groups = (
            [("", None)]
            if self.cliques is None
            else [(f"[{','.join(map(str, c))}]", c) for c in self.cliques]
        )
        for label, clique in groups:
            for par in parities:
                tag = "" if par is None else ("[even]" if par == 0 else "[odd]")
                if self.custom_moment is not None:
                    basis = self._custom(self.custom_moment, par)
                elif clique is None:
                    basis = dom.basis(d, parity=par)
                else:
                    basis = clique_basis(dom, clique, d, par)
                if basis.size:
                    out.append((f"moment{label}{tag}", basis, None))
        for idx, g in enumerate(dom.inequalities):
            dg = d - (g.degree + 1) // 2
            if dg < 0:
                continue
            for par in parities:
                tag = "" if par is None else ("[even]" if par == 0 else "[odd]")
                basis = (
                    self._custom(self.custom_localizing[idx], par)
                    if idx in self.custom_localizing
                    else self.basis_for(dg, g, par)
                )
                if basis.size:
                    out.append((f"localizing[{idx}]{tag}", basis, g))
        if self.term:
            dom = self.domain
            support = np.concatenate(
                [self.objective.keys, *(q.keys for q in (*dom.equalities, *dom.inequalities))]
            )
            out = term_sparse_blocks(
                dom, out, support, steps=self.ts_steps, closure=self.ts_closure
            )
        return out

    def _estimate_and_check(self, limit: float) -> None:
        n, d, ring = self.domain.nvars, self.half, self.domain.ring
        if self.term:
            # term sparsity: the blocks are known only after the split, which is built here
            self._term_blocks = self._block_bases()
            sizes = [b.size for _, b, _ in self._term_blocks]
            size = max(sizes)
            entries = sum(s * (s + 1) // 2 for s in sizes)
        elif self.cliques is None:
            size = basis_size(n, d, ring)  # an upper estimate on mixed domains
            entries = size * (size + 1) // 2
        else:
            sizes = [basis_size(len(c), d, ring) for c in self.cliques]
            size = max(sizes)
            entries = sum(s * (s + 1) // 2 for s in sizes)
        for g in self.domain.inequalities:
            # each localizing block: its svec entries times the terms of g
            sg = basis_size(n, max(d - (g.degree + 1) // 2, 0), ring)
            entries += sg * (sg + 1) // 2 * g.nterms
        for h in self.domain.equalities:
            entries += basis_size(n, max(self.degree - h.degree, 0), ring) * h.nterms
        # keys, values, rows, inverse index (8 bytes each) + a few temporaries, plus dense
        # eigen-decompositions of the blocks afterwards
        nbytes = 6 * 8 * entries + 3 * 8 * size * size
        check_memory(
            nbytes,
            f"the degree-{self.degree} moment relaxation in {n} variables "
            f"(moment matrix {size} x {size}, {entries} cone entries)",
            limit=limit,
            hint="lower the degree or the number of variables",
        )

    # ------------------------------------------------------------------ assembly
    def _assemble(self) -> None:
        keys_parts, vals_parts, rows_parts = [], [], []
        offset = 0
        self.equality_blocks: list[EqualityBlock] = []
        for idx, h in enumerate(self.domain.equalities):
            dm = self.degree - h.degree
            par = 0 if (self.symmetric and self.domain.even(h)) else None
            basis = (
                self._custom(self.custom_equality[idx], par)
                if idx in self.custom_equality
                else self.basis_for(dm, h, par)
            )
            nrows = basis.size
            k, f = self.domain.multiply(basis[:, None], h.keys[None, :])
            v = np.broadcast_to(h.coefs[None, :], k.shape) * (1.0 if f is None else f)
            keys_parts.append(k.ravel())
            vals_parts.append(np.asarray(v, dtype=float).ravel())
            rows_parts.append(np.repeat(np.arange(offset, offset + nrows), h.nterms))
            self.equality_blocks.append(
                EqualityBlock(f"equality[{idx}]", h, basis, slice(offset, offset + nrows))
            )
            offset += nrows
        n_zero = offset
        self.blocks: list[PsdBlock] = []
        blocks = self._term_blocks if self.term else self._block_bases()
        # 1 x 1 blocks are scalar inequalities: their rows form one nonnegative ("l") cone
        # right after the zero cone (SCS's cone order), the PSD blocks follow; ``blocks``
        # keeps the construction order and each block records its own rows
        n_scalar = sum(1 for _, basis, _ in blocks if basis.size == 1)
        starts, nxt_scalar, nxt_psd = [], offset, offset + n_scalar
        for _, basis, _ in blocks:
            N = basis.size
            if N == 1:
                starts.append(nxt_scalar)
                nxt_scalar += 1
            else:
                starts.append(nxt_psd)
                nxt_psd += N * (N + 1) // 2
        for (name, basis, g), offset in zip(blocks, starts, strict=True):
            N = basis.size
            ii, jj = svec_pairs(N)
            k, f = self.domain.multiply(basis[ii], basis[jj])
            scale = np.where(ii == jj, 1.0, _SQRT2)
            if f is not None:
                scale = scale * f
            npairs = ii.size
            if g is None:
                keys_parts.append(k)
                vals_parts.append(scale)
                rows_parts.append(np.arange(offset, offset + npairs))
            else:
                kg, fg = self.domain.multiply(k[:, None], g.keys[None, :])
                vg = scale[:, None] * g.coefs[None, :]
                if fg is not None:
                    vg = vg * fg
                keys_parts.append(kg.ravel())
                vals_parts.append(vg.ravel())
                rows_parts.append(np.repeat(np.arange(offset, offset + npairs), g.nterms))
            self.blocks.append(PsdBlock(name, basis, g, slice(offset, offset + npairs), ii, jj))
        offset = nxt_psd
        all_keys = np.concatenate(keys_parts)
        moment_keys, inverse = np.unique(all_keys, return_inverse=True)
        if moment_keys[0] != 0:
            raise AssertionError("the constant moment must be present")  # pragma: no cover
        self.moment_keys = moment_keys
        rows = np.concatenate(rows_parts)
        vals = np.concatenate(vals_parts)
        self.F = sp.csr_matrix((vals, (rows, inverse.ravel())), shape=(offset, moment_keys.size))
        self.F.sum_duplicates()
        self.n_rows = offset
        self.cone = {"z": n_zero, "l": n_scalar, "s": [b.size for b in self.blocks if b.size > 1]}
        obj = self.objective if self.sense == "max" else -self.objective
        pos = np.searchsorted(moment_keys, obj.keys)
        pos = np.minimum(pos, moment_keys.size - 1)
        missing = moment_keys[pos] != obj.keys
        if np.any(missing):
            raise ValueError(
                "objective: has monomials that no moment of this relaxation covers "
                "(raise the degree)"
            )
        self.p = np.zeros(moment_keys.size)
        self.p[pos] = obj.coefs
        self.p0 = float(self.p[0])

    # ------------------------------------------------------------------ conic data
    def scs_data(self) -> tuple[dict, dict]:
        """``(data, cone)`` in SCS's standard form (see the module notes)."""
        F = self.F.tocsc()
        A = -F[:, 1:]
        b = np.asarray(F[:, 0].toarray()).ravel()
        c = -self.p[1:]
        return {"A": A.tocsc(), "b": b, "c": c}, dict(self.cone)

    def with_objective(self, objective: Polynomial) -> MomentRelaxation:
        """A copy sharing the assembled structure with a new objective of the same support kind.

        Used for re-solving a new random instance of the same size without re-assembly.
        """
        new = object.__new__(MomentRelaxation)
        new.__dict__.update(self.__dict__)
        objective = self.domain.polynomial(objective, "objective")
        obj = objective if self.sense == "max" else -objective
        pos = np.searchsorted(self.moment_keys, obj.keys)
        pos = np.minimum(pos, self.moment_keys.size - 1)
        if np.any(self.moment_keys[pos] != obj.keys):
            raise ValueError("objective: has monomials outside this relaxation's moments")
        if self.symmetric and not self.domain.even(objective):
            raise ValueError("objective: the relaxation was built for an even objective")
        new.objective = objective
        new.p = np.zeros(self.moment_keys.size)
        new.p[pos] = obj.coefs
        new.p0 = float(new.p[0])
        return new

    def dual_constant(self, z: np.ndarray) -> float:
        """:math:`\\lambda = p_0 + \\sum_r F_{r,0} z_r`, the constant of the dual identity."""
        if not self.F.shape[0]:
            return float(self.p0)
        return float(self.p0 + self.F[:, 0].T.dot(z)[0])

    def gram_matrices(self, z: np.ndarray) -> list[np.ndarray]:
        """The Gram matrix of each PSD block read off the dual vector ``z`` (svec layout)."""
        return [svec_to_matrix(z[b.rows], b.size) for b in self.blocks]

    @property
    def has_user_bases(self) -> bool:
        """True when some block uses a user-chosen basis (or a term-sparse split)."""
        return bool(
            self.term
            or self.custom_moment is not None
            or self.custom_localizing
            or self.custom_equality
        )

    def structure(
        self,
    ) -> tuple[list[tuple[np.ndarray, Polynomial | None]], list[tuple[np.ndarray, Polynomial]]]:
        """``(basis, multiplier)`` of each PSD block and ``(basis, h)`` of each equality."""
        return (
            [(b.basis, b.multiplier) for b in self.blocks],
            [(e.basis, e.h) for e in self.equality_blocks],
        )

    @property
    def moment_matrix_size(self) -> int:
        """Size of the full (unblocked) moment matrix."""
        return int(sum(b.size for b in self.blocks if b.multiplier is None))

    def describe(self) -> dict:
        """Sizes: blocks, moments, rows and nonzeros."""
        out = {
            "blocks": [b.size for b in self.blocks],
            "moments": int(self.moment_keys.size),
            "rows": int(self.n_rows),
            "nnz": int(self.F.nnz),
            "symmetric": self.symmetric,
            "equality_rows": int(self.cone["z"]),
        }
        if self.cliques is not None:
            out["cliques"] = len(self.cliques)
        if self.term:
            out["ts_steps"], out["ts_closure"] = self.ts_steps, self.ts_closure
        return out

    def key_degrees(self) -> np.ndarray:
        """Degree of each moment key."""
        return key_degrees(self.moment_keys, self.domain.ring)
