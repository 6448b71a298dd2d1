"""Exact SoS certificates on any domain: the Peyrl--Parrilo route.

Peyrl and Parrilo, "Computing sum of squares decompositions with rational coefficients"
(Theoret. Comput. Sci. 409, 2008; arXiv:0711.1327), Sections 3--4: a floating-point Gram
matrix is rounded to rationals and projected *exactly* onto the affine set of Gram
matrices satisfying the polynomial identity; if the floating-point matrix was positive
definite with a margin larger than the rounding and projection errors, the projected one
is positive definite, which is then checked exactly. Two steps make that margin exist:

1. **Facial reduction** (the structural part). A monomial :math:`m_a` whose square
   :math:`m_a^2` has target coefficient 0 and arises from no other product of kept basis
   monomials forces :math:`Q_{aa}=0`, hence a zero row and column: it is removed, and the
   rule is iterated (the "diagonal consistency" form of Newton-polytope reduction; for
   :math:`(x^2+y^2+1)\\,M(x,y)` it removes :math:`x^4, x^3, y^4, \\dots`). The Gram
   matrices then live on the reduced face.
2. **A strictly feasible point on the reduced face.** The bound to prove is moved off the
   optimum by a small rational margin (for a maximisation :math:`\\lambda' =` the
   rigorous float bound plus ``margin``; the proven bound is :math:`\\lambda'`), which makes
   the polynomial strictly positive on the domain; the feasibility SDP
   :math:`\\max t` s.t. the identity holds and every reduced Gram matrix is
   :math:`\\succeq tI` is solved by an interior-point method (Clarabel through cvxpy),
   which returns a central, positive-definite point.

Then (3) the Gram matrices and equality multipliers are rounded to dyadic rationals,
(4) the exact residual :math:`r` of the identity is computed in rationals and removed by
the minimum-norm correction :math:`\\delta = A^\\top(AA^\\top)^{+}r` over all unknowns (Gram
entries of every block and multiplier coefficients), solved exactly by sympy's rational
row reduction, and (5) every Gram matrix is checked positive definite by fraction-free
elimination (:func:`sosrmt.sos.exact.is_positive_definite_exact`).

Everything is exact: the coefficients of the objective and the constraints are taken as the
binary rationals that their floats are, and products are formed in the domain's ring.
"""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from sosrmt.sos.exact import ExactProof, is_positive_definite_exact, multiplier_terms

if TYPE_CHECKING:
    from sosrmt.sos.relaxation import MomentRelaxation

__all__ = ["verify_peyrl_parrilo"]

_Entry = tuple[int, int, int]  # (block, i, j) with i >= j, indices into the *kept* basis


def _exact_factor(f: float | None) -> Fraction:
    return Fraction(1) if f is None else Fraction(float(f))


def _structure(
    rel: MomentRelaxation,
) -> tuple[
    list[np.ndarray],
    dict[int, dict[_Entry, Fraction]],
    dict[int, dict[tuple[int, int], Fraction]],
]:
    """Kept basis indices per block (after facial reduction) and the exact linear map.

    Returns ``kept``, ``gram_coef[key][(b, i, j)]`` (coefficient of the Gram entry
    :math:`Q_b[i,j]`, both triangles folded into ``i >= j``) and
    ``mult_coef[key][(e, beta)]`` (coefficient of multiplier ``beta`` of equality ``e``).
    """
    dom = rel.domain
    target = _target_support(rel)
    kept = [np.arange(b.size) for b in rel.blocks]
    while True:
        gram_coef = _gram_map(rel, kept)
        removed = False
        for b, blk in enumerate(rel.blocks):
            keep_b = []
            for a_pos, a in enumerate(kept[b]):
                if blk.multiplier is not None:  # localizing blocks are kept whole
                    keep_b.append(a)
                    continue
                key = _square_key(rel, b, int(a))
                contributors = gram_coef.get(key, {})
                only_diag = all(e[0] == b and e[1] == e[2] == a_pos for e in contributors) and (
                    key not in target
                )
                if only_diag and not _equality_touches(rel, key):
                    removed = True
                    continue
                keep_b.append(a)
            kept[b] = np.asarray(keep_b, dtype=np.int64)
        if not removed:
            break
    mult_coef: dict[int, dict[tuple[int, int], Fraction]] = defaultdict(dict)
    for e, eb in enumerate(rel.equality_blocks):
        for beta, m in enumerate(eb.basis):
            k, f = dom.multiply(np.asarray([m] * eb.h.nterms, dtype=eb.basis.dtype), eb.h.keys)
            for t, (kk, hc) in enumerate(zip(k.tolist(), eb.h.coefs, strict=True)):
                fac = _exact_factor(None if f is None else f[t])
                d = mult_coef[int(kk)]
                d[(e, beta)] = d.get((e, beta), Fraction(0)) + Fraction(float(hc)) * fac
    return kept, gram_coef, mult_coef


def _target_support(rel: MomentRelaxation) -> set[int]:
    return {int(k) for k, pk in zip(rel.moment_keys.tolist(), rel.p, strict=True) if pk} | {0}


def _square_key(rel: MomentRelaxation, b: int, a: int) -> int:
    blk = rel.blocks[b]
    k, _ = rel.domain.multiply(blk.basis[a : a + 1], blk.basis[a : a + 1])
    return int(k[0])


def _equality_touches(rel: MomentRelaxation, key: int) -> bool:
    dom = rel.domain
    for eb in rel.equality_blocks:
        k, _ = dom.multiply(eb.basis[:, None], eb.h.keys[None, :])
        if np.any(np.asarray(k).ravel() == key):
            return True
    return False


def _gram_map(rel: MomentRelaxation, kept: list[np.ndarray]) -> dict[int, dict[_Entry, Fraction]]:
    dom = rel.domain
    out: dict[int, dict[_Entry, Fraction]] = defaultdict(dict)
    for b, blk in enumerate(rel.blocks):
        idx = kept[b]
        if idx.size == 0:
            continue
        ii, jj = np.tril_indices(idx.size)
        prod, fac = dom.multiply(blk.basis[idx[ii]], blk.basis[idx[jj]])
        g_terms = multiplier_terms(blk)
        for t in range(ii.size):
            w0 = Fraction(2 if ii[t] != jj[t] else 1) * _exact_factor(
                None if fac is None else fac[t]
            )
            for gk, gc in g_terms:
                kk, f2 = dom.multiply(np.asarray([prod[t]]), gk)
                key = int(kk[0])
                w = w0 * gc * _exact_factor(None if f2 is None else f2[0])
                ent = (b, int(ii[t]), int(jj[t]))
                d = out[key]
                d[ent] = d.get(ent, Fraction(0)) + w
    return out


def _strictly_feasible_point(
    rel: MomentRelaxation,
    kept: list[np.ndarray],
    gram_coef: dict[int, dict[_Entry, Fraction]],
    mult_coef: dict[int, dict[tuple[int, int], Fraction]],
    lam: Fraction,
) -> tuple[list[np.ndarray], list[np.ndarray], float] | None:
    import cvxpy as cp
    import scipy.sparse as sp

    from sosrmt.sos.backends.base import solver_output_to_stderr

    keys = sorted(set(gram_coef) | set(mult_coef) | _target_support(rel))
    row = {k: r for r, k in enumerate(keys)}
    target = np.zeros(len(keys))
    target[row[0]] += float(lam)
    for k, pk in zip(rel.moment_keys.tolist(), rel.p, strict=True):
        if pk:
            target[row[int(k)]] -= pk
    X = [cp.Variable((len(idx), len(idx)), symmetric=True) for idx in kept]
    S = [cp.Variable(eb.basis.size) for eb in rel.equality_blocks]
    t = cp.Variable()
    expr_parts = []
    for b, idx in enumerate(kept):
        N = len(idx)
        if N == 0:
            continue
        r_, c_, v_ = [], [], []
        for key, ents in gram_coef.items():
            for (bb, i, j), w in ents.items():
                if bb != b:
                    continue
                # Q[i, j] and Q[j, i] both carry half of a folded off-diagonal weight
                if i == j:
                    r_.append(row[key])
                    c_.append(i + N * j)
                    v_.append(float(w))
                else:
                    r_ += [row[key], row[key]]
                    c_ += [i + N * j, j + N * i]
                    v_ += [float(w) / 2, float(w) / 2]
        G = sp.csr_matrix((v_, (r_, c_)), shape=(len(keys), N * N))
        expr_parts.append(G @ cp.vec(X[b], order="F"))
    for e, eb in enumerate(rel.equality_blocks):
        r_, c_, v_ = [], [], []
        for key, ents in mult_coef.items():
            for (ee, beta), w in ents.items():
                if ee == e:
                    r_.append(row[key])
                    c_.append(beta)
                    v_.append(float(w))
        H = sp.csr_matrix((v_, (r_, c_)), shape=(len(keys), eb.basis.size))
        expr_parts.append(H @ S[e])
    cons = [sum(expr_parts) == target, t <= 1]
    cons += [Xb - t * np.eye(Xb.shape[0]) >> 0 for Xb in X if Xb.shape[0]]
    prob = cp.Problem(cp.Maximize(t), cons)
    try:
        with solver_output_to_stderr():
            prob.solve(solver="CLARABEL")
    except cp.error.SolverError:
        return None
    if prob.status not in ("optimal", "optimal_inaccurate") or t.value is None:
        return None
    grams = [np.asarray(Xb.value) if Xb.shape[0] else np.zeros((0, 0)) for Xb in X]
    mults = [np.asarray(s.value).reshape(-1) for s in S]
    return grams, mults, float(t.value)


def _solve_min_norm(
    rows: list[dict[int, Fraction]], rhs: list[Fraction], ncols: int
) -> list[Fraction] | None:
    """Exact minimum-norm solution of ``A x = rhs`` (``A`` given by sparse rows), or None."""
    from sympy import QQ
    from sympy.polys.matrices import DomainMatrix

    m = len(rows)
    # A A^T y = rhs, x = A^T y (consistent systems only)
    AAt = [[Fraction(0)] * m for _ in range(m)]
    for a in range(m):
        ra = rows[a]
        for b in range(a, m):
            rb = rows[b]
            small, big = (ra, rb) if len(ra) <= len(rb) else (rb, ra)
            v = sum((c * big[k] for k, c in small.items() if k in big), Fraction(0))
            AAt[a][b] = AAt[b][a] = v
    aug = DomainMatrix(
        [[QQ(v.numerator, v.denominator) for v in (*AAt[r], rhs[r])] for r in range(m)],
        (m, m + 1),
        QQ,
    )
    rref, pivots = aug.rref()
    if m in pivots:
        return None  # inconsistent: the residual is not in the range of the identity map
    y = [Fraction(0)] * m
    dense = rref.to_Matrix()
    for r, p in enumerate(pivots):
        v = dense[r, m]
        y[p] = Fraction(int(v.p), int(v.q))
    x = [Fraction(0)] * ncols
    for r in range(m):
        if y[r]:
            for k, c in rows[r].items():
                x[k] += c * y[r]
    return x


def verify_peyrl_parrilo(
    relaxation: MomentRelaxation,
    bound: float,
    *,
    margin: float = 1e-6,
    denominator_bits: int = 40,
) -> ExactProof:
    """Prove ``bound`` (moved outward by ``margin``) exactly, by the route of the module notes.

    Parameters
    ----------
    relaxation : MomentRelaxation
        The relaxation (any domain).
    bound : float
        The floating-point bound to start from (``SosResult.bound``, upper for ``max``,
        lower for ``min``).
    margin : float
        Relative distance :math:`\\varepsilon\\max(1,|\\text{bound}|)` by which the bound
        is weakened so that a strictly feasible Gram point exists.
    denominator_bits : int
        Rounding to multiples of :math:`2^{-\\text{bits}}`.
    """
    rel = relaxation
    if rel.domain.ring == "hypercube" and rel.domain.square != 1.0:
        return ExactProof(False, None, "x_i^2 = c with c != 1: use the hypercube shift route")
    scale = max(1.0, abs(bound))
    internal = bound if rel.sense == "max" else -bound
    if not margin > 0:
        raise ValueError(f"margin: expected a positive relative margin, got {margin!r}")
    den = 1 << denominator_bits
    # the bound to prove (internal maximisation sense), rounded outward to a dyadic rational
    lam = Fraction(math.ceil((internal + margin * scale) * den), den)
    kept, gram_coef, mult_coef = _structure(rel)
    point = _strictly_feasible_point(rel, kept, gram_coef, mult_coef, lam)
    if point is None:
        return ExactProof(False, None, "the feasibility SDP on the reduced face failed")
    grams_f, mults_f, t = point
    if t <= 0:
        return ExactProof(
            False, None, f"no strictly feasible Gram point on the reduced face (t = {t:.3g})"
        )
    # unknowns: folded Gram entries (b, i, j), i >= j, then multipliers (e, beta)
    cols: dict[tuple, int] = {}
    values: list[Fraction] = []
    for b, G in enumerate(grams_f):
        for i in range(G.shape[0]):
            for j in range(i + 1):
                cols[("g", b, i, j)] = len(values)
                values.append(Fraction(int(np.rint(G[i, j] * den)), den))
    for e, s in enumerate(mults_f):
        for beta, v in enumerate(s):
            cols[("m", e, beta)] = len(values)
            values.append(Fraction(int(np.rint(v * den)), den))
    keys = sorted(set(gram_coef) | set(mult_coef) | _target_support(rel))
    target: dict[int, Fraction] = defaultdict(Fraction)
    target[0] += lam
    for k, pk in zip(rel.moment_keys.tolist(), rel.p, strict=True):
        if pk:
            target[int(k)] -= Fraction(float(pk))
    rows: list[dict[int, Fraction]] = []
    resid: list[Fraction] = []
    for k in keys:
        r: dict[int, Fraction] = {}
        for (b, i, j), w in gram_coef.get(k, {}).items():
            r[cols[("g", b, i, j)]] = w
        for (e, beta), w in mult_coef.get(k, {}).items():
            r[cols[("m", e, beta)]] = w
        lhs = sum((w * values[c] for c, w in r.items()), Fraction(0))
        if not r and target[k] != 0:
            return ExactProof(False, None, f"monomial key {k} of the target is not reachable")
        if r:
            rows.append(r)
            resid.append(target[k] - lhs)
    delta = _solve_min_norm(rows, resid, len(values))
    if delta is None:
        return ExactProof(False, None, "the rounded identity could not be projected exactly")
    values = [v + d for v, d in zip(values, delta, strict=True)]
    exact_grams = []
    for b, G in enumerate(grams_f):
        N = G.shape[0]
        M = [[Fraction(0)] * N for _ in range(N)]
        for i in range(N):
            for j in range(i + 1):
                M[i][j] = M[j][i] = values[cols[("g", b, i, j)]]
        ok, k = is_positive_definite_exact(M)
        if not ok:
            return ExactProof(
                False,
                None,
                f"Gram matrix of block {rel.blocks[b].name} is not positive definite after "
                f"exact projection (leading minor {k}; margin t = {t:.3g})",
            )
        exact_grams.append(M)
    proven = lam if rel.sense == "max" else -lam
    word = "upper" if rel.sense == "max" else "lower"
    removed = sum(b.size - len(k) for b, k in zip(rel.blocks, kept, strict=True))
    return ExactProof(
        True,
        proven,
        f"exact rational SoS certificate of the {word} bound {float(proven):.10g} "
        f"(Peyrl-Parrilo: {removed} basis monomials removed by facial reduction, "
        f"strictly feasible margin {t:.3g})",
        gram=tuple(exact_grams),
    )
