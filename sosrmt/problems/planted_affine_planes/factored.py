"""Planted affine planes: the single-circle shape form summed in closed form, factored
through the inputs, for :math:`n` in the hundreds and :math:`m` in the thousands.

Under the Hermite-degree truncation :math:`D\\le7` the only shapes with a circle are the
single-circle ones (two circles need total degree :math:`\\ge8`), so

.. math:: F_D(v;d) = 1 + \\sum_u g(z_u),\\qquad
          g(z) = \\sum_{k\\in\\{4,6\\},\\,k\\le D} c_k He_k(z)/k!,

with :math:`z_u=\\langle v,d_u\\rangle`; with :math:`v = s/\\sqrt n`, :math:`s` uniform on
:math:`\\{\\pm1\\}^n`,
:math:`\\tilde{\\mathbb E}[v^I] = n^{-|I|/2}(\\mathbf 1[I=\\emptyset] + \\sum_u
\\mathbb E_s[s^I g(z_u)])`: the Fourier coefficients of :math:`g(z_u)`. The sum over
:math:`u` of these coefficients is the sum of the single-circle graph matrices of
:func:`~sosrmt.problems.planted_affine_planes.pap_shape_form` (every placement of the circle
and of its middle squares), here in closed form; it equals that shape form and the
signed-measure form entry by entry (tested). Nothing of size :math:`n^4` or :math:`m\\,n^2`
is stored: the degree-4 moment tensor is applied as an operator through :math:`d`.

Only even moments are nonzero (:math:`g` is even). Truncations :math:`D\\ge8` (two-circle
shapes) are not implemented in this form; use the shape or signed-measure form at small
sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import scipy.sparse.linalg as spla

from sosrmt._validation import check_finite_array, check_int, check_memory
from sosrmt.calibration import CalibrationReport, ShapeForm, rademacher_hermite_mean
from sosrmt.calibration.matrix_free import (
    LanczosResult,
    StructuredMoments,
    lanczos_min_eigenvalue_structured,
    structured_operator,
)

__all__ = [
    "FACTORED_MAX_TRUNC",
    "FactoredMoments",
    "factored_memory",
    "pap_factored_moments",
]

#: Largest Hermite-degree truncation of the factored form (single-circle shapes only).
FACTORED_MAX_TRUNC = 7
#: Moment matrices up to this dimension get a dense eigendecomposition in ``min_eigenvalue``.
DENSE_MAX_DIMENSION = 300


def factored_memory(m: int, n: int) -> float:
    """Bytes used by :func:`pap_factored_moments` and one Lanczos run on its operator
    (about ten :math:`m\\times n` arrays, a few :math:`n\\times n` ones, 24 Lanczos vectors
    of size :math:`1+n+\\binom n2`).

    Examples
    --------
    >>> factored_memory(2000, 250) < 2**30
    True
    """
    size = 1 + n + n * (n - 1) // 2
    return 8.0 * (12 * m * n + 12 * n * n + 24 * size)


@dataclass(frozen=True)
class FactoredMoments:
    """Degree-:math:`\\le4` PAP moments of the single-circle shape form (:math:`D\\le7`).

    Attributes
    ----------
    d : ndarray, shape (m, n)
        The inputs :math:`d_u`.
    trunc : int
        Hermite-degree truncation.
    y0 : float
        :math:`\\tilde{\\mathbb E}[1]`.
    Y2 : ndarray, shape (n, n)
        :math:`\\tilde{\\mathbb E}[v_iv_j]` for :math:`i\\ne j`, zero diagonal.
    gamma : ndarray, shape (m,)
        Per-circle weight of the degree-4 moments (see :meth:`y4_operator`).
    beta : float
        Weight of the :math:`\\sum_{i\\in I}e_{ui}^2` correction (0 when :math:`D<6`).
    """

    d: np.ndarray
    trunc: int
    y0: float
    Y2: np.ndarray
    gamma: np.ndarray
    beta: float

    @property
    def m(self) -> int:
        """Number of constraints."""
        return int(self.d.shape[0])

    @property
    def n(self) -> int:
        """Dimension of :math:`v`."""
        return int(self.d.shape[1])

    @property
    def square(self) -> float:
        """:math:`v_i^2 = 1/n`."""
        return 1.0 / self.n

    @property
    def e1(self) -> float:
        """:math:`\\tilde{\\mathbb E}[1]`."""
        return float(self.y0)

    def second_moment(self) -> np.ndarray:
        """:math:`\\tilde{\\mathbb E}[vv^\\top]` (diagonal :math:`\\tilde{\\mathbb E}[1]/n`)."""
        return self.Y2 + np.eye(self.n) * (self.y0 / self.n)

    def y4_operator(self) -> spla.LinearOperator:
        """:math:`\\tilde{\\mathbb E}[v_av_ev_bv_d]` (zero on repeated indices) as an
        :math:`n^2\\times n^2` operator, rows :math:`(a,e)`, columns :math:`(b,d)` in C order.

        Notes
        -----
        On distinct indices :math:`I=\\{a,e,b,d\\}`, with :math:`e_u = d_u/\\sqrt n`,
        :math:`\\tilde{\\mathbb E}[v^I] = n^{-2}\\sum_u\\prod_{i\\in I}e_{ui}\\,
        (\\gamma_u - \\beta\\sum_{i\\in I}e_{ui}^2)`. The unmasked tensor is applied by
        matrix products with :math:`E=(e_{ui})`, and the terms with a repeated index are
        subtracted by inclusion–exclusion (a hand-written kernel: the graph operators of
        :mod:`sosrmt.graphs` would expand every placement of the circle instead);
        :math:`O(mn^2)` per product.
        """
        n = self.n
        E = self.d / math.sqrt(n)
        E2 = E * E
        Q = E2 * E
        E4 = E2 * E2
        gam, beta = self.gamma, self.beta
        Tdiag = (E2.T * gam) @ E2 - 2.0 * beta * (E4.T @ E2 + E2.T @ E4)    # T[a,a,e,e]
        scale = float(n) ** -2

        def matvec(x: np.ndarray) -> np.ndarray:
            X = np.asarray(x, dtype=float).reshape(n, n)
            X = 0.5 * (X + X.T)
            np.fill_diagonal(X, 0.0)
            A = E @ X                                     # row u: X e_u
            s = np.einsum("ui,ui->u", A, E)               # e_u^T X e_u
            full = (E.T * (gam * s)) @ E
            if beta:
                B = Q @ X
                t = np.einsum("ui,ui->u", A, Q)           # q_u^T X e_u
                full -= 2.0 * beta * (E.T * t) @ E
                QsE = (Q.T * s) @ E
                full -= beta * (QsE + QsE.T)
                L1 = gam[:, None] * E2 * A - 2.0 * beta * E4 * A - beta * E2 * B
                term1 = L1.T @ E - beta * (E2 * A).T @ Q
            else:
                term1 = (gam[:, None] * E2 * A).T @ E
            out = full - 2.0 * (term1 + term1.T) + 2.0 * Tdiag * X
            np.fill_diagonal(out, 0.0)
            return scale * out.reshape(-1)

        return spla.LinearOperator((n * n, n * n), matvec=matvec, rmatvec=matvec,
                                   dtype=float)

    @cached_property
    def _y4(self) -> spla.LinearOperator:
        """:meth:`y4_operator`, built once (its set-up costs :math:`O(mn^2)`) for the many
        products of :meth:`apply_polynomial`."""
        return self.y4_operator()

    def y4_dense(self) -> np.ndarray:
        """The degree-4 moments as a dense :math:`n^4` tensor (small :math:`n` only)."""
        n = self.n
        check_memory(8.0 * 3 * n**4, f"dense degree-4 PAP moments at n={n}",
                     hint="use y4_operator")
        E = self.d / math.sqrt(n)
        T = np.einsum("u,ua,ub,uc,ud->abcd", self.gamma, E, E, E, E)
        if self.beta:
            Q = E**3
            T1 = np.einsum("ua,ub,uc,ud->abcd", Q, E, E, E)
            T = T - self.beta * (T1 + T1.transpose(1, 0, 2, 3) + T1.transpose(1, 2, 0, 3)
                                 + T1.transpose(1, 2, 3, 0))
        idx = np.indices((n,) * 4)
        distinct = np.ones((n,) * 4, dtype=bool)
        for a in range(4):
            for b in range(a + 1, 4):
                distinct &= idx[a] != idx[b]
        return np.where(distinct, T, 0.0) / n**2

    def structured(self) -> StructuredMoments:
        """The moments in the form of :func:`sosrmt.calibration.matrix_free.structured_operator`
        (odd moments are zero)."""
        n = self.n
        zero12 = spla.LinearOperator((n, n * n), matvec=lambda x: np.zeros(n),
                                     rmatvec=lambda x: np.zeros(n * n), dtype=float)
        zero21 = spla.LinearOperator((n * n, n), matvec=lambda x: np.zeros(n * n),
                                     rmatvec=lambda x: np.zeros(n), dtype=float)
        return StructuredMoments(n=n, square=self.square, y0=self.y0, y1=np.zeros(n),
                                 Y2=self.Y2, y3_1x2=zero12, y3_2x1=zero21,
                                 y4_2x2=self.y4_operator())

    def moment_operator(self) -> spla.LinearOperator:
        """The degree-4 moment matrix :math:`\\Lambda` (basis
        :func:`sosrmt.calibration.matrix_free.operator_basis`) as an operator."""
        return structured_operator(self.structured())

    def to_shape_form(self) -> ShapeForm:
        """Dense :class:`~sosrmt.calibration.ShapeForm` (small :math:`n`), for the dense
        diagnostics and for comparisons."""
        n = self.n
        moments = [np.asarray(self.y0), np.zeros(n), self.Y2.copy(), np.zeros((n,) * 3),
                   self.y4_dense()]
        return ShapeForm(n=n, ring="hypercube", square=self.square, moments=moments,
                         prior_moment=lambda su, si: float(n) ** (-su) if su == si else 0.0,
                         nshapes=0, description=f"PAP n={n} m={self.m} D={self.trunc} "
                                                "(factored single-circle form)")

    def min_eigenvalue(self, *, tol: float = 1e-6, maxiter: int | None = None,
                       dense: bool | None = None) -> LanczosResult:
        """Relative :math:`\\mu_{\\min}` of the degree-4 moment matrix (relative to the
        prior's :math:`\\Lambda_0 = \\mathrm{diag}(n^{-|S|})`, divided by
        :math:`\\tilde{\\mathbb E}[1]`): dense eigendecomposition of the operator's matrix
        up to dimension ``DENSE_MAX_DIMENSION`` (status ``"dense"``, residual 0), Lanczos
        beyond (the ``LanczosResult`` of
        :func:`~sosrmt.calibration.matrix_free.lanczos_min_eigenvalue_structured`)."""
        size = 1 + self.n + self.n * (self.n - 1) // 2
        if dense is None:
            dense = size <= DENSE_MAX_DIMENSION
        if dense:
            op = self.moment_operator()
            n = self.n
            scale = np.concatenate([[1.0], np.full(n, math.sqrt(n)),
                                    np.full(size - 1 - n, float(n))])   # Lambda_0^(-1/2)
            lam = np.column_stack([op.matvec(col) for col in np.eye(size)])
            lam = scale[:, None] * lam * scale[None, :] / self.e1
            mu = float(np.linalg.eigvalsh(0.5 * (lam + lam.T))[0])
            return LanczosResult(status="dense", mu_min=mu, residual=0.0, dimension=size,
                                 matvecs=size)
        return lanczos_min_eigenvalue_structured(self.structured(), tol=tol, maxiter=maxiter)

    def report(self) -> CalibrationReport:
        """Dense diagnostics (:meth:`ShapeForm.report`) of degree 4 (small :math:`n`)."""
        return self.to_shape_form().report(4)

    def apply_polynomial(self, g0: float, G2: np.ndarray) -> tuple[float, np.ndarray]:
        """:math:`\\tilde{\\mathbb E}[g]` and :math:`\\tilde{\\mathbb E}[v_kv_lg]` for the even
        polynomial :math:`g = g_0 + \\sum_{k\\ne l}G_{kl}v_kv_l/2` (``G2`` symmetric, zero
        diagonal), returned as ``(E[g], R)`` with :math:`R_{kl} =
        \\tilde{\\mathbb E}[v_kv_lg]` off the diagonal and :math:`R_{kk} =
        \\tilde{\\mathbb E}[g]/n`: one product with the even block of :math:`\\Lambda`."""
        c = self.square
        y4g = self._y4.matvec(G2.reshape(-1)).reshape(self.n, self.n)
        e_g = self.y0 * g0 + 0.5 * float(np.sum(self.Y2 * G2))
        GY = G2 @ self.Y2
        R = self.Y2 * g0 + c * c * self.y0 * G2 + c * (GY + GY.T) + 0.5 * y4g
        np.fill_diagonal(R, c * e_g)
        return e_g, R


def _circle_scalars(E: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-circle power sums: :math:`\\alpha_u = (P_2-1)/2`, :math:`\\beta_u = -P_4/12`,
    :math:`P_6/45`, with :math:`P_r = \\sum_i e_{ui}^r`."""
    E2 = E * E
    P2, P4, P6 = E2.sum(axis=1), (E2**2).sum(axis=1), (E2**3).sum(axis=1)
    return 0.5 * (P2 - 1.0), -P4 / 12.0, P6 / 45.0


def pap_factored_moments(d: npt.ArrayLike, trunc: int = 6) -> FactoredMoments:
    """Degree-:math:`\\le4` moments of the PAP pseudo-calibration (Hermite truncation
    :math:`D\\le7`, Boolean-sphere prior) in closed form, factored through ``d``.

    Parameters
    ----------
    d : array_like, shape (m, n)
        The vectors :math:`d_u` as rows (:math:`n\\ge2`).
    trunc : int
        Hermite-degree truncation :math:`0\\le D\\le7` (:math:`D<4` gives the prior).

    Returns
    -------
    FactoredMoments

    Notes
    -----
    By the generating functions :math:`He_k(z) = k![\\tau^k]e^{\\tau z-\\tau^2/2}` and
    :math:`\\mathbb E_s[s^Ie^{\\tau\\langle s,e\\rangle}] = \\prod_{i\\in I}\\sinh(\\tau e_i)
    \\prod_{i\\notin I}\\cosh(\\tau e_i)`,

    .. math:: \\mathbb E_s[s^IHe_k(\\langle s,e\\rangle)] = k!\\prod_{i\\in I}e_i\\,
              [\\tau^{k-|I|}]\\prod_{i\\in I}\\frac{\\sinh\\tau e_i}{\\tau e_i}
              \\exp\\Big(\\tau^2\\frac{Q_2-1}2-\\tau^4\\frac{Q_4}{12}+\\tau^6\\frac{Q_6}{45}
              -\\dots\\Big),

    :math:`Q_r = \\sum_{i\\notin I}e_i^r`, :math:`e = d_u/\\sqrt n`. With :math:`\\alpha =
    (P_2-1)/2`, :math:`\\beta = -P_4/12` (:math:`P_r = \\sum_ie_i^r`) and
    :math:`x = e_i^2`, :math:`y = e_j^2`, the coefficients :math:`c_k/k!` times these are

    * :math:`I=\\emptyset`: :math:`c_4(\\alpha^2/2+\\beta)`,
      :math:`c_6(\\alpha^3/6+\\alpha\\beta+P_6/45)`;
    * :math:`I=\\{i,j\\}`: :math:`e_ie_j\\,c_4(\\alpha-(x+y)/3)`,
      :math:`e_ie_j\\,c_6(\\alpha^2/2+\\beta-\\alpha(x+y)/3+\\tfrac2{15}(x^2+y^2)+xy/9)`;
    * :math:`|I|=4`: :math:`\\prod_{i\\in I}e_i\\,(c_4 + c_6(\\alpha-\\sum_{i\\in I}e_i^2/3))`.

    Cost :math:`O(mn^2)`, memory :math:`O(mn+n^2)` (:func:`factored_memory`).

    Examples
    --------
    >>> from sosrmt.problems.planted_affine_planes import pseudo_calibration, sample_null
    >>> d = sample_null(7, 4, rng=0)
    >>> fm = pap_factored_moments(d, 6)
    >>> bool(abs(fm.e1 - pseudo_calibration(d, 6).e1) < 1e-9)
    True
    """
    d = check_finite_array(d, "d", ndim=2)
    m, n = d.shape
    if n < 2:
        raise ValueError(f"d: expected vectors of dimension n >= 2, got n={n}")
    trunc = check_int(trunc, "trunc", minimum=0)
    if trunc > FACTORED_MAX_TRUNC:
        raise ValueError(f"trunc: the factored form holds single-circle shapes only, "
                         f"expected D <= {FACTORED_MAX_TRUNC}, got {trunc}; use "
                         "pap_shape_form or pap_measure at small sizes")
    check_memory(factored_memory(m, n), f"factored PAP moments at m={m}, n={n}",
                 hint="lower n or m")
    c4 = rademacher_hermite_mean(4) if trunc >= 4 else 0.0
    c6 = rademacher_hermite_mean(6) if trunc >= 6 else 0.0
    E = d / math.sqrt(n)
    alpha, beta0, p6 = _circle_scalars(E)
    y0 = 1.0 + float(np.sum(c4 * (0.5 * alpha**2 + beta0)
                            + c6 * (alpha**3 / 6.0 + alpha * beta0 + p6)))
    # y2: sum_u w_u e_i e_j h_u(x, y), h a polynomial in x = e_i^2, y = e_j^2
    E2 = E * E
    E3 = E2 * E
    E5 = E3 * E2
    w0 = c4 * alpha + c6 * (0.5 * alpha**2 + beta0)       # constant part of h
    w1 = -(c4 + c6 * alpha) / 3.0                         # coefficient of (x + y)
    Y2 = (E.T * w0) @ E
    S1 = (E.T * w1) @ E3
    Y2 += S1 + S1.T
    if c6:
        S2 = (2.0 / 15.0) * c6 * (E.T @ E5)
        Y2 += S2 + S2.T + (c6 / 9.0) * (E3.T @ E3)
    Y2 /= n
    np.fill_diagonal(Y2, 0.0)
    gamma = c4 + c6 * alpha
    return FactoredMoments(d=d, trunc=trunc, y0=y0, Y2=Y2,
                           gamma=np.asarray(gamma, dtype=float) * np.ones(m),
                           beta=c6 / 3.0)
