"""SoS certificates: Gram matrices and multipliers proving a bound on a polynomial.

For a maximisation with internal objective :math:`p` the certificate states

.. math:: \\lambda - p(x) = \\sum_b g_b(x)\\,m_b(x)^\\top Q_b\\,m_b(x) + \\sum_j h_j(x)\\,s_j(x)
          + r(x),

where :math:`Q_b` are the Gram matrices (:math:`g_b = 1` for the moment blocks, an
inequality for a localizing block), :math:`s_j` free multipliers of the equalities,
and :math:`r` the coefficient residual left by floating-point solvers (zero in exact
arithmetic). For a minimisation the same identity holds for :math:`-p` and the bound
is :math:`-\\lambda`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sosrmt.poly import Polynomial, exponents, key_degrees
from sosrmt.sos.backends.anderson import AndersonMixer
from sosrmt.sos.exact import ExactProof, verify_certificate_exactly
from sosrmt.sos.peyrl_parrilo import verify_peyrl_parrilo
from sosrmt.sos.relaxation import svec_pairs, svec_to_matrix

if TYPE_CHECKING:
    from sosrmt.sos.relaxation import MomentRelaxation

__all__ = ["SosCertificate"]

_EPS = np.finfo(float).eps


def _frozen(a: np.ndarray) -> np.ndarray:
    """A read-only copy that cannot be made writeable again (it views an immutable bytes)."""
    a = np.ascontiguousarray(a, dtype=float)
    return np.frombuffer(a.tobytes(), dtype=float).reshape(a.shape)


class SosCertificate:
    """Gram matrices and multipliers of a relaxation's dual solution (immutable).

    Parameters
    ----------
    relaxation : MomentRelaxation
        The relaxation whose dual this is.
    z : ndarray
        The conic dual vector (SCS layout: zero-cone rows, then svec of each PSD block).

    Notes
    -----
    The dual vector ``z`` is the one source of every number: it is copied into a
    read-only array when the certificate is built, and :attr:`lam`, :attr:`gram`, the
    residual and :meth:`rigorous_bound` are all derived from it. Assigning an attribute
    raises ``AttributeError`` and writing into :attr:`z` or a Gram matrix raises
    ``ValueError`` (read-only arrays), so a certificate cannot be edited into claiming a
    different bound; build a new one from a new ``z`` instead.
    """

    __slots__ = ("_gram", "_lam", "_relaxation", "_z")

    def __init__(self, relaxation: MomentRelaxation, z: np.ndarray) -> None:
        zz = np.asarray(z, dtype=float).reshape(-1)
        if zz.size != relaxation.n_rows:
            raise ValueError(
                f"z: expected {relaxation.n_rows} dual entries for this relaxation, got {zz.size}"
            )
        zz = _frozen(zz)
        init = object.__setattr__
        init(self, "_relaxation", relaxation)
        init(self, "_z", zz)
        init(self, "_lam", relaxation.dual_constant(zz))
        init(self, "_gram", tuple(_frozen(Q) for Q in relaxation.gram_matrices(zz)))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            f"SosCertificate is immutable (tried to set {name!r}); build a new one from z"
        )

    __delattr__ = __setattr__  # type: ignore[assignment]

    @property
    def relaxation(self) -> MomentRelaxation:
        """The relaxation this certificate belongs to."""
        return self._relaxation

    @property
    def z(self) -> np.ndarray:
        """The conic dual vector (read-only)."""
        return self._z

    @property
    def lam(self) -> float:
        """:math:`\\lambda`, the constant of the identity (internal maximisation sense)."""
        return self._lam

    @property
    def gram(self) -> tuple[np.ndarray, ...]:
        """The Gram matrix :math:`Q_b` of each PSD block (read-only, derived from ``z``)."""
        return self._gram

    @property
    def sense(self) -> str:
        """``"max"`` (upper bound) or ``"min"`` (lower bound)."""
        return self._relaxation.sense

    # ------------------------------------------------------------------ values
    @property
    def bound(self) -> float:
        """The bound claimed by the (floating-point) certificate, before error correction."""
        return self.lam if self.sense == "max" else -self.lam

    def multipliers(self) -> list[Polynomial]:
        """The free multipliers :math:`s_j` of the equalities, as polynomials."""
        rel = self.relaxation
        return [
            Polynomial(
                eb.basis, self.z[eb.rows], rel.domain.nvars, rel.domain.ring, rel.domain.square
            )
            for eb in rel.equality_blocks
        ]

    def residual_vector(self) -> np.ndarray:
        """Coefficients of :math:`r` on the relaxation's moment keys."""
        rel = self.relaxation
        target = -rel.p.copy()
        target[0] += self.lam
        return target - rel.F.T.dot(self.z)

    def residual(self) -> float:
        """:math:`\\|r\\|_\\infty`, the largest coefficient mismatch of the identity."""
        return float(np.abs(self.residual_vector()).max(initial=0.0))

    def min_eigenvalue(self) -> float:
        """Smallest eigenvalue over all Gram matrices (>= 0 for a valid certificate)."""
        return float(min((np.linalg.eigvalsh(Q).min() for Q in self.gram if Q.size), default=0.0))

    # ------------------------------------------------------------------ rigorous bound
    def rigorous_bound(self) -> float | None:
        """A bound valid on the whole domain despite solver inaccuracy (None if unavailable).

        Notes
        -----
        With :math:`B` the coordinate bound of the domain (:math:`|x_i|\\le B`), on the
        domain :math:`|x^k|\\le B^{|k|}`, :math:`\\|m_b(x)\\|^2\\le\\sum_{a} B^{2|a|}` and
        :math:`0\\le g_b(x)\\le\\sum_k|g_{b,k}|B^{|k|}`; equality terms vanish. Hence

        .. math:: p(x)\\le\\lambda+\\sum_k|r_k|B^{|k|}
                  +\\sum_b \\max(0,-\\mu_b)\\,\\sup g_b\\,\\sup\\|m_b\\|^2,

        with :math:`\\mu_b=\\lambda_{\\min}(Q_b)` lowered by the eigensolver's backward error
        :math:`\\|Q_b\\|_F\\,N_b\\,\\varepsilon`, and the residual raised by the rounding error of
        its own evaluation, :math:`2\\varepsilon(|\\lambda|+|p_k|+(|F|^\\top|z|)_k)`.
        For a minimisation the same argument bounds :math:`-p` and the value returned is
        a lower bound on :math:`p`. Where the domain's :math:`B` was given by the user and
        not derived from the constraints (``domain.assumed_bound`` non-empty), the bound is
        only as good as :math:`B`.
        """
        rel = self.relaxation
        B = rel.domain.coordinate_bound
        if B is None:
            return None
        degs = key_degrees(rel.moment_keys, rel.domain.ring).astype(float)
        r = np.abs(self.residual_vector())
        rounding = 2 * _EPS * (abs(self.lam) + np.abs(rel.p) + abs(rel.F).T.dot(np.abs(self.z)))
        total = float(((r + rounding) * np.power(B, degs)).sum())
        for blk, Q in zip(rel.blocks, self.gram, strict=True):
            if Q.size == 0:
                continue
            mu = float(np.linalg.eigvalsh(Q).min()) - np.linalg.norm(Q) * Q.shape[0] * _EPS * 4
            if mu >= 0:
                continue
            sup_m = float(
                np.power(B, 2 * key_degrees(blk.basis, rel.domain.ring).astype(float)).sum()
            )
            if blk.multiplier is None:
                sup_g = 1.0
            else:
                g = blk.multiplier
                sup_g = float(
                    (
                        np.abs(g.coefs)
                        * np.power(B, key_degrees(g.keys, rel.domain.ring).astype(float))
                    ).sum()
                )
            total += -mu * sup_g * sup_m
        lam = self.lam + total
        return lam if self.sense == "max" else -lam

    # ------------------------------------------------------------------ exact check
    def verify_exact(
        self,
        *,
        denominator_bits: int = 40,
        shift: float | None = None,
        method: str = "auto",
        margin: float = 1e-6,
    ) -> ExactProof:
        """Round to rationals, project exactly onto the identity, and check PSD exactly.

        Parameters
        ----------
        denominator_bits : int
            Gram entries are rounded to multiples of :math:`2^{-\\text{bits}}`.
        shift : float, optional
            Diagonal shift :math:`\\delta` added to every Gram matrix of the moment blocks
            before rounding (hypercube only, where :math:`m^\\top m` is constant so that the
            shift costs exactly :math:`\\delta\\sum_b m_b^\\top m_b` on the bound). Default: the
            identity is first restored in floating point by the projection of step (3), then
            each moment block gets the shift its own smallest eigenvalue needs (twice its
            negative part plus :math:`10^{-9}` times its largest entry). Giving it selects
            ``"direct"`` with that one shift on every moment block.
        method : {"auto", "direct", "peyrl-parrilo"}
            ``"direct"``: this certificate's Gram matrices, rounded and projected (steps
            below). ``"peyrl-parrilo"``: facial reduction and a strictly feasible re-solve
            for the bound :attr:`bound` weakened by ``margin``
            (:func:`sosrmt.sos.peyrl_parrilo.verify_peyrl_parrilo`), which works where the
            optimal Gram matrices are singular (spheres, inequalities, polynomials with
            zeros such as :math:`(x^2+y^2+1)` times Motzkin's). ``"auto"``: direct, then
            Peyrl--Parrilo if that fails.
        margin : float
            Peyrl--Parrilo only: relative weakening of the bound.

        Returns
        -------
        ExactProof
            ``verified`` with the exact bound, or the reason verification failed.

        Notes
        -----
        Steps (Peyrl--Parrilo style): (1) :math:`\\tilde Q_b = Q_b+\\delta I` rounded to dyadic
        rationals, multipliers rounded, :math:`\\lambda` raised by
        :math:`\\delta\\sum_b\\sup\\|m_b\\|^2` and rounded up; (2) the exact residual
        :math:`R_k` of the identity is computed in rationals; (3) each :math:`R_k` is absorbed
        by the entries of the moment-block Gram matrices that contribute to monomial :math:`k`
        (these sets are disjoint across :math:`k`, so the projection is exact and independent
        per monomial); (4) every Gram matrix is checked positive definite exactly by
        fraction-free (Bareiss) elimination on
        an integer scaling, whose pivots are the leading principal minors (Sylvester).
        """
        if method not in ("auto", "direct", "peyrl-parrilo"):
            raise ValueError(
                f"method: expected 'auto', 'direct' or 'peyrl-parrilo', got {method!r}"
            )
        if shift is not None:
            method = "direct"
        if method != "peyrl-parrilo":
            proof = verify_certificate_exactly(
                self.relaxation, self.z, denominator_bits=denominator_bits, shift=shift
            )
            if proof.verified or method == "direct":
                return proof
        return verify_peyrl_parrilo(
            self.relaxation, self.bound, margin=margin, denominator_bits=denominator_bits
        )

    def polish(
        self,
        lam: float,
        iterations: int = 30,
        point: np.ndarray | None = None,
        anderson: int = 5,
    ) -> SosCertificate | None:
        """A certificate of the bound ``lam`` (internal sense) by alternating projections.

        Starting from this (approximate) dual point, alternately project onto the affine
        set of Gram matrices satisfying the coefficient identity with constant ``lam``
        and onto the PSD cone, ending on the affine set; the result's
        :meth:`rigorous_bound` then only pays for the small negative eigenvalues left.
        Returns None where not applicable (domains with equalities or inequalities).
        With ``point`` (a candidate optimiser :math:`x^*` attaining ``lam``), the PSD
        projection is onto the face :math:`\\{Q\\succeq0: Q\\,m_b(x^*)=0\\}` that contains
        every optimal Gram matrix by complementary slackness, which converges much faster.
        The alternating projections are Anderson-accelerated with memory ``anderson``
        (:class:`~sosrmt.sos.backends.anderson.AndersonMixer`; 0: plain).

        Notes
        -----
        Without multipliers every svec row of :math:`F` has one nonzero, so the identity's
        constraints (one per monomial) involve disjoint rows and the affine projection is
        :math:`z \\leftarrow z + F\\,\\mathrm{diag}(1/\\|F_{:,k}\\|^2)(t - F^\\top z)` with
        :math:`t = \\lambda e_0 - p`. The PSD projection clips negative eigenvalues block by
        block. This is the cheap "polishing" used to stop SCS early on tight instances:
        it is sound because the returned certificate is judged by :meth:`rigorous_bound`.
        """
        rel = self.relaxation
        if rel.equality_blocks or any(b.multiplier is not None for b in rel.blocks):
            return None
        F = rel.F
        colnorm2 = np.asarray(F.multiply(F).sum(axis=0)).ravel()
        colnorm2[colnorm2 == 0] = 1.0
        target = -rel.p.copy()
        target[0] += lam
        z = np.array(self.z)
        pairs = [(b, *svec_pairs(b.size)) for b in rel.blocks]
        nulls: list[np.ndarray | None] = []
        for blk in rel.blocks:
            if point is None:
                nulls.append(None)
                continue
            exps = exponents(blk.basis, rel.domain.nvars, rel.domain.ring)
            m = np.prod(np.asarray(point, dtype=float)[None, :] ** exps, axis=1)
            nrm = np.linalg.norm(m)
            nulls.append(None if nrm == 0 else m / nrm)
        z += F.dot((target - F.T.dot(z)) / colnorm2)
        mixer = AndersonMixer(anderson) if anderson else None
        for _ in range(iterations):
            grams = [svec_to_matrix(z[blk.rows], blk.size) for blk, _, _ in pairs]
            if all(np.linalg.eigvalsh(Q).min() >= 0 for Q in grams if Q.size):
                break  # the identity holds and every Gram matrix is PSD: done
            g = z.copy()
            for (blk, ii, jj), v, Q in zip(pairs, nulls, grams, strict=True):
                if v is not None:  # project onto the face {Q v = 0}
                    Qv = Q @ v
                    Q = Q - np.outer(Qv, v) - np.outer(v, Qv) + (v @ Qv) * np.outer(v, v)
                w, U = np.linalg.eigh(Q)
                Q = (U * np.maximum(w, 0.0)) @ U.T
                g[blk.rows] = np.where(ii == jj, 1.0, np.sqrt(2.0)) * Q[ii, jj]
            g += F.dot((target - F.T.dot(g)) / colnorm2)
            z = g if mixer is None else mixer.step(z, g)
        z += F.dot((target - F.T.dot(z)) / colnorm2)  # on the affine set up to rounding
        return SosCertificate(rel, z)

    def summary(self) -> dict[str, Any]:
        """Numbers describing the certificate."""
        return {
            "bound": self.bound,
            "rigorous_bound": self.rigorous_bound(),
            "residual": self.residual(),
            "min_eigenvalue": self.min_eigenvalue(),
            "gram_sizes": [Q.shape[0] for Q in self.gram],
            "coordinate_bound_assumed": bool(self.relaxation.domain.assumed_bound),
        }

    def __repr__(self) -> str:
        return (
            f"SosCertificate(sense={self.sense!r}, bound={self.bound:.6g}, "
            f"blocks={[Q.shape[0] for Q in self.gram]})"
        )
