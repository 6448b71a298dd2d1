"""Pseudo-expectations: linear functionals on polynomials of bounded degree.

A degree-:math:`2d` pseudo-expectation over a domain is a linear map
:math:`\\tilde{\\mathbb E}` with :math:`\\tilde{\\mathbb E}1 = 1`,
:math:`\\tilde{\\mathbb E}q^2\\ge0` for :math:`\\deg q\\le d`,
:math:`\\tilde{\\mathbb E}[h\\,q]=0` for the equalities and
:math:`\\tilde{\\mathbb E}[g\\,q^2]\\ge0` for the inequalities. It is stored as its moments
(one value per monomial key), whether it came from a solver or from a construction
such as pseudo-calibration; :meth:`PseudoExpectation.check` tests every condition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sosrmt._validation import check_int
from sosrmt.poly import Polynomial, as_real_array, key_degrees
from sosrmt.sos.domains import Domain
from sosrmt.sos.sparsity import clique_basis, home_clique

__all__ = ["PseudoExpectation", "PseudoExpectationReport"]


@dataclass
class PseudoExpectationReport:
    """What :meth:`PseudoExpectation.check` found.

    Attributes
    ----------
    normalisation : float
        :math:`\\tilde{\\mathbb E}[1]`.
    min_eigenvalue : float
        Smallest eigenvalue of the moment matrix.
    relative_min_eigenvalue : float
        The same divided by the largest eigenvalue (scale-free).
    localizing_min_eigenvalues : list of float
        One per inequality.
    equality_residuals : list of float
        :math:`\\max_\\beta |\\tilde{\\mathbb E}[h\\,x^\\beta]|` per equality.
    ok : bool
        All conditions hold within ``tol``.
    tol : float
        The tolerance used.
    """

    normalisation: float
    min_eigenvalue: float
    relative_min_eigenvalue: float
    localizing_min_eigenvalues: list[float] = field(default_factory=list)
    equality_residuals: list[float] = field(default_factory=list)
    ok: bool = False
    tol: float = 1e-6

    def as_dict(self) -> dict[str, Any]:
        """The report as a plain dict."""
        return dict(self.__dict__)


class PseudoExpectation:
    """A pseudo-expectation given by its moments.

    Parameters
    ----------
    domain : Domain
        The domain (fixes ring, variables, constraints).
    degree : int
        Degree :math:`2d` of the functional.
    keys, values : array_like
        Moment keys and values; a key absent from ``keys`` has moment 0 only if
        ``odd_moments_zero`` and it has odd degree, and is otherwise an error.
    odd_moments_zero : bool
        The functional is sign-symmetric (odd moments vanish) and only even keys are stored.
    cliques : list of tuple of int, optional
        Set by a correlatively sparse relaxation: only moments inside a clique exist, the
        moment matrices checked are the cliques' and each constraint is checked on the
        basis of its clique (:mod:`sosrmt.sos.sparsity`).
    structure : tuple of (list, list), optional
        Set by a relaxation with user bases: ``(blocks, equality_rows)``, the
        ``(basis keys, multiplier or None)`` of each PSD block and the ``(basis keys, h)``
        of each equality; :meth:`check` then checks exactly these.

    Examples
    --------
    >>> from sosrmt.sos import Hypercube
    >>> from sosrmt.poly import variables
    >>> dom = Hypercube(2)
    >>> E = PseudoExpectation.from_moments(dom, 2, {0: 1.0, 3: -1.0})  # x0 x1 = -1
    >>> x = dom.variables()
    >>> E((x[0] + x[1]) ** 2)
    0.0
    >>> E.check().ok
    True
    """

    def __init__(
        self,
        domain: Domain,
        degree: int,
        keys: ArrayLike,
        values: ArrayLike,
        *,
        odd_moments_zero: bool = False,
        cliques: Sequence[tuple[int, ...]] | None = None,
        structure: tuple[
            Sequence[tuple[np.ndarray, Polynomial | None]], Sequence[tuple[np.ndarray, Polynomial]]
        ]
        | None = None,
    ) -> None:
        if not isinstance(domain, Domain):
            raise TypeError(f"domain: expected a Domain, got {type(domain).__name__}")
        self.domain = domain
        self.degree = check_int(degree, "degree", minimum=0)
        keys = np.asarray(keys)
        values = as_real_array(values, "values").reshape(-1)
        if keys.size != values.size:
            raise ValueError(
                f"keys, values: expected equal lengths, got {keys.size}, {values.size}"
            )
        if not np.all(np.isfinite(values)):
            raise ValueError("values: expected finite moments")
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.values = values[order]
        self.odd_moments_zero = bool(odd_moments_zero)
        self.cliques = None if cliques is None else [tuple(c) for c in cliques]
        self.structure = structure

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_moments(
        cls,
        domain: Domain,
        degree: int,
        moments: Mapping[int, float] | Callable[[np.ndarray], ArrayLike],
    ) -> PseudoExpectation:
        """Build from a dict ``{key: value}`` (absent keys are 0) or a callable on key arrays.

        The callable receives the array of all monomial keys of degree <= ``degree`` and
        returns their moments (vectorised).
        """
        degree = check_int(degree, "degree", minimum=0)
        keys = np.sort(domain.basis(degree))
        if callable(moments):
            values = as_real_array(moments(keys), "moments").reshape(-1)
            if values.size != keys.size:
                raise ValueError(
                    f"moments: the callable returned {values.size} values for {keys.size} keys"
                )
        elif isinstance(moments, Mapping):
            values = np.zeros(keys.size)
            pos = np.searchsorted(keys, np.asarray(list(moments.keys()), dtype=keys.dtype))
            given = as_real_array(list(moments.values()), "moments")
            bad = (pos >= keys.size) | (
                keys[np.minimum(pos, keys.size - 1)]
                != np.asarray(list(moments.keys()), dtype=keys.dtype)
            )
            if np.any(bad):
                raise ValueError(
                    f"moments: keys {np.asarray(list(moments.keys()))[bad][:5].tolist()} "
                    f"are not monomials of degree <= {degree} in this domain"
                )
            values[pos] = given
        else:
            raise TypeError("moments: expected a mapping key -> value or a callable")
        return cls(domain, degree, keys, values)

    @classmethod
    def from_distribution(
        cls, domain: Domain, degree: int, points: ArrayLike, weights: ArrayLike | None = None
    ) -> PseudoExpectation:
        """The (true) expectation under the distribution ``sum_i w_i delta_{points_i}``."""
        pts = np.atleast_2d(as_real_array(points, "points"))
        w = (
            np.full(pts.shape[0], 1.0 / pts.shape[0])
            if weights is None
            else as_real_array(weights, "weights")
        )
        keys = domain.basis(degree)
        from sosrmt.poly import exponents

        exps = exponents(keys, domain.nvars, domain.ring)
        mono = np.prod(pts[:, None, :] ** exps[None, :, :], axis=2)
        return cls(domain, degree, keys, w @ mono)

    # ------------------------------------------------------------------ evaluation
    def _lookup(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys)
        if self.keys.size == 0:
            pos = np.zeros(keys.shape, dtype=np.int64)
            found = np.zeros(keys.shape, dtype=bool)
        else:
            pos = np.searchsorted(self.keys, keys)
            posc = np.minimum(pos, self.keys.size - 1)
            found = self.keys[posc] == keys
            pos = posc
        out = np.where(found, self.values[pos] if self.keys.size else 0.0, 0.0)
        if not np.all(found):
            miss = np.asarray(keys)[~found]
            degs = key_degrees(miss, self.domain.ring)
            odd = self.domain.parity(miss) == 1
            if self.odd_moments_zero and np.all(odd):
                return out
            if self.odd_moments_zero:
                degs = degs[~odd]
            raise ValueError(
                f"p: needs a moment of degree {int(degs.max())} that this degree-"
                f"{self.degree} pseudo-expectation does not have"
            )
        return out

    def expect(self, p: Polynomial | float) -> float:
        """:math:`\\tilde{\\mathbb E}[p]`."""
        p = self.domain.polynomial(p, "p")
        if p.degree > self.degree:
            raise ValueError(
                f"p: has degree {p.degree} above the pseudo-expectation's {self.degree}"
            )
        if p.nterms == 0:
            return 0.0
        return float(self._lookup(p.keys) @ p.coefs)

    __call__ = expect

    def moment(self, key: int) -> float:
        """The moment of one monomial key."""
        return float(self._lookup(np.asarray([key], dtype=self.keys.dtype))[0])

    @property
    def basis(self) -> np.ndarray:
        """Keys of the monomial basis (degree <= degree/2) indexing :meth:`moment_matrix`."""
        return self.domain.basis(self.degree // 2)

    def _gram(self, basis: np.ndarray, g: Polynomial | None) -> np.ndarray:
        k, f = self.domain.multiply(basis[:, None], basis[None, :])
        fac = np.ones(k.shape) if f is None else f
        if g is None:
            return fac * self._lookup(k)
        out = np.zeros(k.shape)
        for gk, gc in zip(g.keys, g.coefs, strict=True):
            kk, f2 = self.domain.multiply(k, gk)
            out += gc * fac * (1.0 if f2 is None else f2) * self._lookup(kk)
        return out

    def _basis_of(self, degree: int, p: Polynomial | None) -> np.ndarray:
        if self.cliques is None:
            return self.domain.basis(degree)
        return clique_basis(self.domain, home_clique(p, self.cliques), degree)

    def moment_matrix(self, half_degree: int | None = None) -> np.ndarray:
        """:math:`\\Lambda[a,b] = \\tilde{\\mathbb E}[x^a x^b]` over the basis of degree <= d.

        Raises a ValueError for a sparse functional (see :meth:`clique_moment_matrices`).
        """
        d = (
            self.degree // 2
            if half_degree is None
            else check_int(half_degree, "half_degree", minimum=0, maximum=self.degree // 2)
        )
        if self.cliques is not None:
            raise ValueError(
                "half_degree: a correlatively sparse pseudo-expectation has no full moment "
                "matrix; use clique_moment_matrices()"
            )
        return self._gram(self.domain.basis(d), None)

    def clique_moment_matrices(self) -> list[np.ndarray]:
        """The moment matrix of each clique (one matrix, the full one, when dense)."""
        if self.cliques is None:
            return [self.moment_matrix()]
        d = self.degree // 2
        return [self._gram(clique_basis(self.domain, c, d), None) for c in self.cliques]

    def localizing_matrix(self, g: Polynomial) -> np.ndarray:
        """:math:`L_g[a,b] = \\tilde{\\mathbb E}[g\\,x^a x^b]` over the basis of degree
        <= (degree - deg g)/2."""
        g = self.domain.polynomial(g, "g")
        d = (self.degree - g.degree) // 2
        if d < 0:
            raise ValueError(f"g: degree {g.degree} exceeds the pseudo-expectation's {self.degree}")
        return self._gram(self._basis_of(d, g), g)

    def equality_residual(self, h: Polynomial) -> float:
        """:math:`\\max_{\\deg\\beta\\le 2d-\\deg h}|\\tilde{\\mathbb E}[h\\,x^\\beta]|`."""
        h = self.domain.polynomial(h, "h")
        return self._equality_rows(self._basis_of(self.degree - h.degree, h), h)

    def _equality_rows(self, basis: np.ndarray, h: Polynomial) -> float:
        total = np.zeros(basis.size)
        for hk, hc in zip(h.keys, h.coefs, strict=True):
            kk, f = self.domain.multiply(basis, hk)
            total += hc * (1.0 if f is None else f) * self._lookup(kk)
        return float(np.abs(total).max(initial=0.0))

    def check(
        self,
        equalities: Sequence[Polynomial] | None = None,
        inequalities: Sequence[Polynomial] | None = None,
        tol: float = 1e-6,
    ) -> PseudoExpectationReport:
        """Check normalisation, PSD-ness of the moment and localizing matrices, equalities.

        Parameters
        ----------
        equalities, inequalities : sequence of Polynomial, optional
            Constraints to check; default: the domain's.
        tol : float
            Tolerance, relative to the largest eigenvalue of the moment matrix.
        """
        eqs = self.domain.equalities if equalities is None else tuple(equalities)
        ineqs = self.domain.inequalities if inequalities is None else tuple(inequalities)
        norm = self.moment(0)
        if self.structure is not None and equalities is None and inequalities is None:
            blocks, eq_rows = self.structure
            eig = np.concatenate(
                [np.linalg.eigvalsh(self._gram(b, None)) for b, g in blocks if g is None]
            )
            loc = [
                float(np.linalg.eigvalsh(self._gram(b, g)).min(initial=0.0))
                for b, g in blocks
                if g is not None
            ]
            res = [self._equality_rows(b, h) for b, h in eq_rows]
        else:
            eig = np.concatenate([np.linalg.eigvalsh(M) for M in self.clique_moment_matrices()])
            loc = [
                float(np.linalg.eigvalsh(self.localizing_matrix(g)).min(initial=0.0)) for g in ineqs
            ]
            res = [self.equality_residual(h) for h in eqs]
        scale = max(float(np.abs(eig).max(initial=0.0)), 1e-300)
        ok = (
            abs(norm - 1.0) <= tol
            and eig.min() >= -tol * scale
            and all(v >= -tol * scale for v in loc)
            and all(r <= tol * max(1.0, scale) for r in res)
        )
        return PseudoExpectationReport(
            normalisation=norm,
            min_eigenvalue=float(eig.min()),
            relative_min_eigenvalue=float(eig.min() / scale),
            localizing_min_eigenvalues=loc,
            equality_residuals=res,
            ok=bool(ok),
            tol=tol,
        )

    def __repr__(self) -> str:
        return f"PseudoExpectation({self.domain!r}, degree={self.degree}, {self.keys.size} moments)"
