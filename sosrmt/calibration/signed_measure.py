"""The signed-measure form of pseudo-calibration and the standard diagnostics.

Under the Hermite/Fourier-degree truncation (T1), a pseudo-calibrated pseudo-expectation is
an expectation against a *signed* reweighting of the prior,

.. math::  \\tilde{\\mathbb E}[p] = \\mathbb E_{x\\sim\\pi}\\big[p(x)\\,F_D(x;Y)\\big],

so on an enumerated prior with support points :math:`x^{(r)}` and probabilities
:math:`\\pi_r` it is the finite signed measure with weights :math:`w_r = \\pi_r F_D(x^{(r)};Y)`.
:class:`SignedMeasure` stores these weights and computes every moment from them:
:math:`\\Lambda = \\Phi^\\top\\mathrm{diag}(w)\\Phi` with :math:`\\Phi` the table of monomials
on the support, exactly, with vectorised numpy. Constraints that the prior satisfies on its
support (:math:`x_i^2 = 1/n`, :math:`x_i^2 = x_i`, :math:`x_i^3 = x_i/k`) then hold exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.linalg

from sosrmt._validation import check_finite_array, check_int
from sosrmt.calibration.priors import EnumeratedPrior
from sosrmt.poly import exponents, monomial_basis
from sosrmt.sos import Domain, PseudoExpectation

__all__ = [
    "CalibrationReport",
    "SignedMeasure",
    "relative_min_eigenvalue",
]

#: Bytes of one monomial-table chunk (rows x basis x 8).
_CHUNK_BYTES = 64 * 2**20


def relative_min_eigenvalue(moment: npt.ArrayLike, prior_moment: npt.ArrayLike, *,
                            scale: float = 1.0, rtol: float = 1e-10) -> float:
    """Relative minimum eigenvalue
    :math:`\\mu_{\\min} = \\lambda_{\\min}(\\Lambda_0^{-1/2}\\hat\\Lambda\\Lambda_0^{-1/2})`.

    Parameters
    ----------
    moment : array_like
        Moment matrix :math:`\\Lambda` (symmetric).
    prior_moment : array_like
        :math:`\\Lambda_0 = \\mathbb E_\\pi[\\varphi\\varphi^\\top]` on the same basis.
    scale : float
        :math:`\\tilde{\\mathbb E}[1]`; :math:`\\hat\\Lambda = \\Lambda/\\mathrm{scale}`.
    rtol : float
        Eigenvalues of :math:`\\Lambda_0` below ``rtol * max`` are dropped (the prior may
        satisfy linear relations among the basis monomials, e.g. :math:`x_S = 0` when
        :math:`|S| > k`); :math:`\\hat\\Lambda` is compressed to the range of :math:`\\Lambda_0`.

    Notes
    -----
    :math:`\\mu_{\\min} = 1` when :math:`F \\equiv 1` and :math:`\\mu_{\\min} \\ge 0` iff
    :math:`\\Lambda \\succeq 0` on the range of :math:`\\Lambda_0` (for a positive scale).

    Examples
    --------
    >>> round(relative_min_eigenvalue(np.diag([2.0, 1.0]), np.diag([1.0, 0.5]), scale=2.0), 12)
    1.0
    """
    lam = check_finite_array(moment, "moment", ndim=2)
    lam0 = check_finite_array(prior_moment, "prior_moment", ndim=2)
    if lam.shape != lam0.shape or lam.shape[0] != lam.shape[1]:
        raise ValueError(f"moment, prior_moment: expected equal square shapes, got {lam.shape} "
                         f"and {lam0.shape}")
    if scale == 0:
        return float("nan")
    s, q = scipy.linalg.eigh(lam0)
    keep = s > rtol * max(float(s.max()), 0.0)
    if not np.any(keep):
        raise ValueError("prior_moment: expected a nonzero positive semidefinite matrix")
    white = q[:, keep] / np.sqrt(s[keep])
    mat = white.T @ (lam / scale) @ white
    mat = 0.5 * (mat + mat.T)
    return float(scipy.linalg.eigvalsh(mat, subset_by_index=[0, 0])[0])


@dataclass
class CalibrationReport:
    """Diagnostics of one pseudo-calibrated pseudo-expectation.

    Attributes
    ----------
    e1 : float
        :math:`\\tilde{\\mathbb E}[1]` (flag ``e1_positive``).
    mu_min : float
        Relative minimum eigenvalue of the normalised moment matrix.
    residuals : dict
        Relative constraint residual :math:`r_g` for each named constraint.
    objective : float or None
        :math:`\\tilde{\\mathbb E}[p]/\\tilde{\\mathbb E}[1]`.
    objective_ratio : float or None
        ``objective / target``.
    negative_mass : float
        :math:`\\sum_r |w_r|\\mathbf 1[w_r<0] / \\sum_r |w_r|` (0 for a genuine measure;
        signed-measure form only, NaN otherwise).
    degree : int
        SoS degree of the moment matrix.
    basis_size : int
        Its side length.
    extra : dict
        Problem-specific numbers.
    """

    e1: float
    mu_min: float
    residuals: dict[str, float] = field(default_factory=dict)
    objective: float | None = None
    objective_ratio: float | None = None
    negative_mass: float = float("nan")
    degree: int = 4
    basis_size: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def e1_positive(self) -> bool:
        """Whether :math:`\\tilde{\\mathbb E}[1] > 0`."""
        return bool(self.e1 > 0)

    @property
    def residual(self) -> float:
        """Largest constraint residual (0 when there is no coupled constraint)."""
        vals = [v for v in self.residuals.values() if np.isfinite(v)]
        return float(max(vals)) if vals else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON-ready with :func:`sosrmt.cli._common.to_jsonable`)."""
        out = asdict(self)
        out["residual"] = self.residual
        out["e1_positive"] = self.e1_positive
        return out


class SignedMeasure:
    """A finite signed measure :math:`\\sum_r w_r\\delta_{x^{(r)}}` on the support of a prior.

    Parameters
    ----------
    prior : EnumeratedPrior
        Support points and prior probabilities :math:`\\pi_r`.
    weights : array_like, shape (N,)
        :math:`w_r = \\pi_r F(x^{(r)})`.
    description : str
        What the measure is (problem, truncation), for reports.

    Notes
    -----
    :math:`\\tilde{\\mathbb E}[p] = \\sum_r w_r\\,p(x^{(r)})`. The moment matrix over a monomial
    basis :math:`\\varphi` is :math:`\\Lambda = \\Phi^\\top\\mathrm{diag}(w)\\Phi`, assembled in
    row chunks so that the monomial table never exceeds 64 MiB. Monomial keys follow
    :mod:`sosrmt.poly`: bitmasks for the multilinear rings, packed exponents otherwise.

    Examples
    --------
    >>> from sosrmt.calibration.priors import boolean_sphere
    >>> prior = boolean_sphere(2)
    >>> mu = SignedMeasure(prior, prior.probs)      # F = 1: the prior itself
    >>> round(mu.e1, 9), (mu.moment_matrix(2).round(3) + 0.0).tolist()
    (1.0, [[1.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 0.5]])
    """

    def __init__(self, prior: EnumeratedPrior, weights: npt.ArrayLike,
                 description: str = "") -> None:
        if not isinstance(prior, EnumeratedPrior):
            raise TypeError(f"prior: expected an EnumeratedPrior, got {type(prior).__name__}")
        w = check_finite_array(weights, "weights", ndim=1)
        if w.shape[0] != prior.size:
            raise ValueError(f"weights: expected {prior.size} weights (one per support point), "
                             f"got {w.shape[0]}")
        self.prior = prior
        self.weights = w
        self.description = description

    # ------------------------------------------------------------------ basics
    @property
    def n(self) -> int:
        """Number of variables."""
        return self.prior.n

    @property
    def ring(self) -> str:
        """Monomial ring of the keys (that of the prior)."""
        return self.prior.ring

    @property
    def e1(self) -> float:
        """:math:`\\tilde{\\mathbb E}[1] = \\sum_r w_r`."""
        return float(self.weights.sum())

    @property
    def negative_mass(self) -> float:
        """Share of the total variation carried by negative weights."""
        tot = float(np.abs(self.weights).sum())
        return float(-self.weights[self.weights < 0].sum() / tot) if tot > 0 else float("nan")

    def expect_values(self, values: npt.ArrayLike) -> float:
        """:math:`\\sum_r w_r v_r` for values ``v`` of a function at the support points."""
        v = check_finite_array(values, "values", ndim=1)
        if v.shape[0] != self.prior.size:
            raise ValueError(f"values: expected {self.prior.size} values, got {v.shape[0]}")
        return float(self.weights @ v)

    def expect(self, poly: Any) -> float:
        """:math:`\\tilde{\\mathbb E}[p]` for a :class:`sosrmt.poly.Polynomial` or a callable.

        A callable receives the support points (N x n) and returns N values.
        """
        if callable(poly) and not hasattr(poly, "evaluate"):
            return self.expect_values(np.asarray(poly(self.prior.points), dtype=float))
        return self.expect_values(np.asarray(poly.evaluate(self.prior.points), dtype=float))

    # ------------------------------------------------------------------ monomials
    def basis(self, half_degree: int) -> np.ndarray:
        """Monomial keys of degree ``<= half_degree`` (graded lexicographic, :mod:`sosrmt.poly`).

        For the general ring (sparse prior, :math:`x_i^3 = x_i/k`) exponents above 2 are
        dropped, since they reduce to lower monomials on the support.
        """
        half_degree = check_int(half_degree, "half_degree", minimum=0)
        keys = monomial_basis(self.n, half_degree, self.ring)
        if self.ring == "general":
            keep = exponents(keys, self.n, "general").max(axis=1, initial=0) <= 2
            keys = keys[keep]
        return keys

    def monomial_table(self, keys: npt.ArrayLike, rows: slice | None = None) -> np.ndarray:
        """:math:`\\Phi[r, j] = x^{(r)\\,\\beta_j}` for monomial keys ``keys``."""
        keys = np.asarray(keys)
        exps = exponents(keys, self.n, self.ring)
        pts = self.prior.points if rows is None else self.prior.points[rows]
        table = np.ones((pts.shape[0], exps.shape[0]))
        for i in range(self.n):
            col = exps[:, i]
            for e in np.unique(col[col > 0]):
                sel = col == e
                table[:, sel] *= pts[:, i:i + 1] ** int(e)
        return table

    def _chunks(self, width: int):
        step = max(1, _CHUNK_BYTES // (8 * max(width, 1)))
        for start in range(0, self.prior.size, step):
            yield slice(start, min(start + step, self.prior.size))

    def moments(self, keys: npt.ArrayLike) -> np.ndarray:
        """:math:`\\tilde{\\mathbb E}[x^\\beta]` for each monomial key."""
        keys = np.asarray(keys)
        out = np.zeros(keys.shape[0])
        for sl in self._chunks(keys.shape[0]):
            out += self.weights[sl] @ self.monomial_table(keys, sl)
        return out

    def gram(self, keys: npt.ArrayLike, values: np.ndarray | None = None,
             prior: bool = False) -> np.ndarray:
        """:math:`\\Phi^\\top\\mathrm{diag}(c)\\Phi` with :math:`c = w` (or :math:`\\pi` if
        ``prior``), optionally times ``values`` (a localizing matrix)."""
        keys = np.asarray(keys)
        base = self.prior.probs if prior else self.weights
        out = np.zeros((keys.shape[0], keys.shape[0]))
        for sl in self._chunks(keys.shape[0]):
            table = self.monomial_table(keys, sl)
            c = base[sl] if values is None else base[sl] * values[sl]
            out += (table * c[:, None]).T @ table
        return out

    def moment_matrix(self, degree: int = 4) -> np.ndarray:
        """Moment matrix :math:`\\Lambda` of the degree-``degree`` relaxation (basis of
        :meth:`basis` with ``degree // 2``)."""
        degree = check_int(degree, "degree", minimum=0)
        return self.gram(self.basis(degree // 2))

    def prior_moment_matrix(self, degree: int = 4) -> np.ndarray:
        """:math:`\\Lambda_0 = \\mathbb E_\\pi[\\varphi\\varphi^\\top]` on the same basis."""
        degree = check_int(degree, "degree", minimum=0)
        return self.gram(self.basis(degree // 2), prior=True)

    def moment_dict(self, degree: int) -> dict[int, float]:
        """All moments of degree ``<= degree`` as ``{key: value}``."""
        keys = monomial_basis(self.n, check_int(degree, "degree", minimum=0), self.ring)
        return {int(k): float(v) for k, v in zip(keys, self.moments(keys), strict=True)}

    def to_pseudo_expectation(self, domain: Domain, degree: int = 4, *,
                              normalise: bool = True) -> PseudoExpectation:
        """Wrap as a :class:`sosrmt.sos.PseudoExpectation` (every engine check applies).

        Parameters
        ----------
        domain : sosrmt.sos domain
            ``Hypercube(n, square=1/n)``, ``Boolean(n)`` or a ``Semialgebraic`` set on the
            same variables. Every monomial key of the domain's ring is evaluated on the
            support, so unreduced keys (e.g. :math:`x_i^4` in the general ring) are fine.
        degree : int
            Degree of the pseudo-expectation.
        normalise : bool
            Divide by :math:`\\tilde{\\mathbb E}[1]` (default), as the engine's ``check()``
            expects :math:`\\tilde{\\mathbb E}[1] = 1`.
        """

        if getattr(domain, "nvars", None) != self.n:
            raise ValueError(f"domain: expected a domain on {self.n} variables")
        if domain.ring != self.ring and domain.ring != "general":
            raise ValueError(f"domain: expected the {self.ring} ring (or general), "
                             f"got {domain.ring}")
        scale = self.e1 if normalise else 1.0
        if scale == 0:
            raise ValueError("normalise: E~[1] = 0, cannot normalise")
        ring = domain.ring

        def moments(keys: np.ndarray) -> np.ndarray:
            if ring == self.ring:
                return self.moments(keys) / scale
            exps = exponents(keys, self.n, ring)
            out = np.zeros(exps.shape[0])
            for sl in self._chunks(exps.shape[0]):
                pts = self.prior.points[sl]
                table = np.prod(pts[:, None, :] ** exps[None, :, :], axis=2)
                out += self.weights[sl] @ table
            return out / scale

        return PseudoExpectation.from_moments(domain, degree, moments)

    # ------------------------------------------------------------------ diagnostics
    def residual(self, values: npt.ArrayLike, degree_g: int, degree: int = 4) -> float:
        """Relative residual :math:`r_g` of the constraint :math:`g = 0`.

        :math:`r_g = \\max_{|J|\\le \\mathrm{degree}-\\deg g}|\\tilde{\\mathbb E}[g x^J]| /
        (|\\tilde{\\mathbb E}[1]|\\sqrt{\\mathbb E_\\pi (x^J)^2})`, with ``values`` the values of
        :math:`g` at the support points.
        """
        g = check_finite_array(values, "values", ndim=1)
        top = check_int(degree, "degree", minimum=0) - check_int(degree_g, "degree_g", minimum=0)
        if top < 0:
            raise ValueError(f"degree: expected >= deg g = {degree_g}, got {degree}")
        keys = monomial_basis(self.n, top, self.ring)
        if self.ring == "general":
            keys = keys[exponents(keys, self.n, "general").max(axis=1, initial=0) <= 2]
        num = np.zeros(keys.shape[0])
        den = np.zeros(keys.shape[0])
        for sl in self._chunks(keys.shape[0]):
            table = self.monomial_table(keys, sl)
            num += (self.weights[sl] * g[sl]) @ table
            den += self.prior.probs[sl] @ table**2
        ok = den > 0
        e1 = abs(self.e1)
        if e1 == 0:
            return float("inf")
        return float(np.max(np.abs(num[ok]) / np.sqrt(den[ok])) / e1)

    def report(self, degree: int = 4, *,
               constraints: Mapping[str, tuple[np.ndarray, int]] | None = None,
               objective: object = None, target: float | None = None,
               extra: Mapping[str, Any] | None = None) -> CalibrationReport:
        """All standard diagnostics for this measure.

        Parameters
        ----------
        degree : int
            SoS degree (moment matrix over monomials of degree ``<= degree // 2``).
        constraints : mapping, optional
            ``{name: (values at the support points, degree of g)}`` for constraints
            ``g = 0`` that the prior does not satisfy identically.
        objective : array_like, optional
            Objective values at the support points.
        target : float, optional
            Bound the objective is compared with (objective ratio).
        """
        keys = self.basis(check_int(degree, "degree", minimum=0) // 2)
        lam = self.gram(keys)
        lam0 = self.gram(keys, prior=True)
        e1 = self.e1
        mu = relative_min_eigenvalue(lam, lam0, scale=e1) if e1 != 0 else float("nan")
        res = {name: self.residual(vals, dg, degree)
               for name, (vals, dg) in (constraints or {}).items()}
        obj = ratio = None
        if objective is not None and e1 != 0:
            obj = self.expect_values(objective) / e1
            if target is not None and target != 0:
                ratio = obj / target
        return CalibrationReport(e1=e1, mu_min=mu, residuals=res, objective=obj,
                                 objective_ratio=ratio, negative_mass=self.negative_mass,
                                 degree=int(degree), basis_size=int(keys.shape[0]),
                                 extra=dict(extra or {}))
