"""Exact (rational) verification of SoS certificates.

Hand-written because no maintained Python library offers rational projection of a
Gram certificate plus an exact positive-definiteness test on big integers; the kernel
is small (Bareiss elimination on Python integers) and its correctness is tested on
matrices with known inertia.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm
from typing import TYPE_CHECKING

import numpy as np

from sosrmt.poly import key_degrees

if TYPE_CHECKING:
    from sosrmt.sos.relaxation import MomentRelaxation

__all__ = ["ExactProof", "is_positive_definite_exact", "verify_certificate_exactly"]


@dataclass(frozen=True)
class ExactProof:
    """Outcome of :meth:`SosCertificate.verify_exact <sosrmt.sos.SosCertificate.verify_exact>`.

    Attributes
    ----------
    verified : bool
        True when the rational certificate was checked exactly.
    bound : Fraction or None
        The proven bound (upper for ``max``, lower for ``min``), exact.
    reason : str
        Why verification failed, or a summary of what was proven.
    gram : tuple of list of list of Fraction
        The exact Gram matrices (empty when not verified).
    shift : float
        The (largest) diagonal shift added before rounding (hypercube only).
    """

    verified: bool
    bound: Fraction | None
    reason: str
    gram: tuple[list[list[Fraction]], ...] = field(default=(), repr=False)
    shift: float = 0.0

    def __bool__(self) -> bool:
        return self.verified


def multiplier_terms(block: object) -> list[tuple[int, Fraction]]:
    """The terms ``(key, exact coefficient)`` of a block's multiplier ``g`` (``g = 1`` for a
    moment block): the float coefficients converted exactly to rationals."""
    multiplier = block.multiplier  # type: ignore[attr-defined]
    if multiplier is None:
        return [(0, Fraction(1))]
    return [(int(k), Fraction(float(c)))
            for k, c in zip(multiplier.keys, multiplier.coefs, strict=True)]


def is_positive_definite_exact(matrix: list[list[Fraction]]) -> tuple[bool, int | None]:
    """Exact positive-definiteness test of a symmetric rational matrix.

    Returns ``(True, None)`` if positive definite, else ``(False, k)`` with ``k`` the first
    leading principal minor that is not positive.

    Notes
    -----
    The matrix is scaled to integers by the lcm of its denominators, then reduced by
    Bareiss' fraction-free elimination, whose k-th pivot is the k-th leading principal
    minor; by Sylvester's criterion the matrix is positive definite iff all are positive.
    Integer sizes grow only linearly along the elimination.

    Examples
    --------
    >>> F = Fraction
    >>> is_positive_definite_exact([[F(2), F(1)], [F(1), F(2)]])
    (True, None)
    >>> is_positive_definite_exact([[F(1), F(2)], [F(2), F(1)]])
    (False, 1)
    """
    n = len(matrix)
    if n == 0:
        return True, None
    den = 1
    for row in matrix:
        for v in row:
            den = lcm(den, v.denominator)
    M = [[int(v * den) for v in row] for row in matrix]
    prev = 1
    for k in range(n):
        pivot = M[k][k]
        if pivot <= 0:
            return False, k
        rowk = M[k]
        for i in range(k + 1, n):
            rowi = M[i]
            mik = rowi[k]
            for j in range(k + 1, i + 1):  # lower triangle, mirrored to keep M symmetric
                v = (rowi[j] * pivot - mik * rowk[j]) // prev
                rowi[j] = v
                M[j][i] = v
        prev = pivot
    return True, None


def _to_fraction_matrix(Q: np.ndarray, bits: int) -> list[list[Fraction]]:
    scale = 1 << bits
    ints = np.rint(Q * scale)
    return [[Fraction(int(v), scale) for v in row] for row in ints]


def verify_certificate_exactly(
    relaxation: MomentRelaxation,
    z: np.ndarray,
    *,
    denominator_bits: int = 40,
    shift: float | None = None,
) -> ExactProof:
    """Exact check of the certificate given by the dual vector ``z`` of ``relaxation``.

    The implementation of :meth:`SosCertificate.verify_exact
    <sosrmt.sos.SosCertificate.verify_exact>` (see its Notes).
    """
    rel = relaxation
    z = np.asarray(z, dtype=float)
    cert_lam = rel.dual_constant(z)
    cert_gram = rel.gram_matrices(z)
    dom = rel.domain
    ring = dom.ring
    square = Fraction(dom.square).limit_denominator(1 << 30)
    if float(square) != dom.square and abs(float(square) - dom.square) > 1e-15 * dom.square:
        return ExactProof(False, None, "the domain's square is not a simple rational")
    moment_blocks = [i for i, b in enumerate(rel.blocks) if b.multiplier is None]
    can_shift = ring == "hypercube" and not dom.inequalities
    target = -rel.p.copy()
    target[0] += cert_lam
    shifts = [0.0] * len(rel.blocks)
    if shift is None and can_shift and moment_blocks:
        # project onto the identity in floating point first (the same per-monomial
        # projection as step (3), whose rows are disjoint), then give each moment block
        # the shift its own smallest eigenvalue needs: the exact projection is left with
        # rounding errors only, and blocks that are PSD pay (almost) nothing
        rows = np.concatenate(
            [np.arange(rel.blocks[i].rows.start, rel.blocks[i].rows.stop) for i in moment_blocks]
        )
        Fm = rel.F[rows]
        colnorm2 = np.asarray(Fm.multiply(Fm).sum(axis=0)).ravel()
        r = target - rel.F.T.dot(z)
        z = z.copy()
        z[rows] += Fm.dot(np.divide(r, colnorm2, out=np.zeros_like(r), where=colnorm2 > 0))
        cert_gram = rel.gram_matrices(z)
        for i in moment_blocks:
            Q = cert_gram[i]
            if Q.size:
                mu_b = float(np.linalg.eigvalsh(Q).min())
                scale_b = max(1.0, float(np.abs(Q).max()))
                shifts[i] = 2 * max(0.0, -mu_b) + 1e-9 * scale_b
        shift = max(shifts)
    elif shift is None:
        shift = 0.0
    elif can_shift:
        shifts = [shift if i in moment_blocks else 0.0 for i in range(len(rel.blocks))]
    if shift and not can_shift:
        return ExactProof(False, None, "a diagonal shift is only sound on the hypercube")
    # (1) round: Gram matrices (+ shift on moment blocks), multipliers, lambda
    grams: list[list[list[Fraction]]] = []
    lam_shift = Fraction(0)
    for blk, Q, delta in zip(rel.blocks, cert_gram, shifts, strict=True):
        if delta:
            Q = Q + delta * np.eye(Q.shape[0])
            degs = key_degrees(blk.basis, ring)
            lam_shift += Fraction(delta) * sum((square ** int(d) for d in degs), Fraction(0))
        grams.append(_to_fraction_matrix(Q, denominator_bits))
    scale_bits = 1 << denominator_bits
    lam = Fraction(cert_lam) + lam_shift
    lam = Fraction(-((-lam.numerator * scale_bits) // lam.denominator), scale_bits)  # round up
    mults = [
        [Fraction(int(v), scale_bits) for v in np.rint(z[eb.rows] * scale_bits)]
        for eb in rel.equality_blocks
    ]
    # (2) exact residual R_k = [lambda]_k - p_k - contributions
    keys = rel.moment_keys
    R: dict[int, Fraction] = defaultdict(Fraction)
    R[int(keys[0])] += lam
    for k, pk in zip(keys, rel.p, strict=True):
        if pk:
            R[int(k)] -= Fraction(float(pk))
    entries_by_key: dict[int, list[tuple[int, int, int, Fraction]]] = defaultdict(list)
    for bidx, blk in enumerate(rel.blocks):
        prod, fac = dom.multiply(blk.basis[blk.ii], blk.basis[blk.jj])
        degs_and = None
        if fac is not None:
            degs_and = key_degrees(np.bitwise_and(blk.basis[blk.ii], blk.basis[blk.jj]), ring)
        G = grams[bidx]
        g_terms = multiplier_terms(blk)
        for t, (i, j) in enumerate(zip(blk.ii.tolist(), blk.jj.tolist(), strict=True)):
            w0 = Fraction(2 if i != j else 1)
            if degs_and is not None:
                w0 *= square ** int(degs_and[t])
            for gk, gc in g_terms:
                kk, f2 = dom.multiply(np.asarray([prod[t]]), gk)
                w = w0 * gc
                if f2 is not None:
                    w *= Fraction(float(f2[0])).limit_denominator(1 << 30)
                key = int(kk[0])
                R[key] -= w * G[i][j]
                if blk.multiplier is None:
                    entries_by_key[key].append((bidx, i, j, w))
    for eb, coeffs in zip(rel.equality_blocks, mults, strict=True):
        for m, s in zip(eb.basis, coeffs, strict=True):
            if not s:
                continue
            for hk, hc in zip(eb.h.keys, eb.h.coefs, strict=True):
                kk, f2 = dom.multiply(np.asarray([m]), hk)
                R[int(kk[0])] -= s * Fraction(float(hc))
    # (3) project: absorb each R_k into the moment-block entries of monomial k
    for key, r in R.items():
        if r == 0:
            continue
        ents = entries_by_key.get(key)
        if not ents:
            return ExactProof(
                False,
                None,
                f"residual on monomial key {key} that no moment-block Gram entry can absorb",
            )
        norm2 = sum((w * w for *_, w in ents), Fraction(0))
        for bidx, i, j, w in ents:
            delta = r * w / norm2
            grams[bidx][i][j] += delta
            if i != j:
                grams[bidx][j][i] += delta
    # (4) exact positive definiteness
    for blk, G in zip(rel.blocks, grams, strict=True):
        ok, k = is_positive_definite_exact(G)
        if not ok:
            return ExactProof(
                False,
                None,
                f"Gram matrix of block {blk.name} is not positive "
                f"definite after rounding (leading minor {k}); the solver's Gram "
                "matrix is (nearly) singular there",
                shift=float(shift),
            )
    bound = lam if rel.sense == "max" else -lam
    word = "upper" if rel.sense == "max" else "lower"
    return ExactProof(
        True,
        bound,
        f"exact rational SoS certificate of the {word} bound {float(bound):.10g}",
        gram=tuple(grams),
        shift=float(shift),
    )
