"""Domains of polynomial programs: hypercube, Boolean cube, sphere, semialgebraic sets.

A domain fixes the ring in which polynomials are reduced, the equality constraints
(handled by reduction in the multilinear rings, as linear moment constraints otherwise),
the inequality constraints :math:`g \\ge 0` (Putinar localizing matrices) and, where known,
a bound :math:`B` on every coordinate, used by the rigorous error bounds of
:class:`~sosrmt.sos.certificate.SosCertificate`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sosrmt._validation import check_int
from sosrmt.poly import Polynomial, variables

__all__ = ["Boolean", "Domain", "Hypercube", "Semialgebraic", "Sphere"]


@dataclass(frozen=True)
class Domain:
    """Base class: ``nvars`` variables in ``ring`` with constraints.

    Attributes
    ----------
    nvars : int
        Number of variables.
    ring : str
        ``"hypercube"``, ``"boolean"`` or ``"general"``.
    square : float
        Hypercube only: the value of :math:`x_i^2`.
    equalities : tuple of Polynomial
        Constraints :math:`h(x) = 0` (general ring only; the multilinear rings carry theirs).
    inequalities : tuple of Polynomial
        Constraints :math:`g(x) \\ge 0`.
    coordinate_bound : float or None
        A number :math:`B` with :math:`|x_i| \\le B` on the domain, or None if unknown.
    """

    nvars: int
    ring: str = "general"
    square: float = 1.0
    equalities: tuple[Polynomial, ...] = field(default=())
    inequalities: tuple[Polynomial, ...] = field(default=())
    coordinate_bound: float | None = None

    def polynomial(self, p: Polynomial | float, name: str = "objective") -> Polynomial:
        """Return ``p`` in this domain's ring, or raise a ValueError naming ``name``."""
        if not isinstance(p, Polynomial):
            if isinstance(p, int | float):
                return Polynomial.constant(float(p), self.nvars, self.ring, self.square)
            raise TypeError(f"{name}: expected a Polynomial, got {type(p).__name__}")
        if p.nvars != self.nvars:
            raise ValueError(f"{name}: has {p.nvars} variables but the domain has {self.nvars}")
        if p.ring == self.ring and p.square == self.square:
            return p
        if p.ring == "general":
            return p.to_ring(self.ring, square=self.square)
        raise ValueError(f"{name}: is a {p.ring} polynomial but the domain is {self.ring}")

    def variables(self) -> list[Polynomial]:
        """The variables of this domain's ring."""
        return variables(self.nvars, self.ring, self.square)

    def is_even(self) -> bool:
        """True when every constraint is invariant under :math:`x \\mapsto -x`."""
        if self.ring == "boolean":
            return False
        return all(p.is_even() for p in (*self.equalities, *self.inequalities))

    def points(self) -> np.ndarray:
        """All points of a finite domain (hypercube, Boolean cube), for brute force."""
        raise ValueError(f"domain: {type(self).__name__} has no finite list of points")


def _check_nvars(n: object) -> int:
    return check_int(n, "n", minimum=1)


class Hypercube(Domain):
    """The hypercube :math:`\\{\\pm\\sqrt{c}\\}^n` (``square = c``; default :math:`\\{\\pm1\\}^n`).

    Examples
    --------
    >>> Hypercube(3).points().shape
    (8, 3)
    """

    def __init__(self, n: int, square: float = 1.0) -> None:
        n = _check_nvars(n)
        if not np.isfinite(square) or square <= 0:
            raise ValueError(f"square: expected a positive number, got {square!r}")
        super().__init__(
            nvars=n, ring="hypercube", square=float(square), coordinate_bound=float(np.sqrt(square))
        )

    def points(self) -> np.ndarray:
        if self.nvars > 24:
            raise ValueError(f"n: enumerating 2^{self.nvars} points is refused (n <= 24)")
        pts = np.array(list(itertools.product([-1.0, 1.0], repeat=self.nvars)))
        return pts * np.sqrt(self.square)

    def __repr__(self) -> str:
        return (
            f"Hypercube({self.nvars}"
            + (f", square={self.square}" if self.square != 1 else "")
            + ")"
        )


class Boolean(Domain):
    """The Boolean cube :math:`\\{0,1\\}^n` (:math:`x_i^2 = x_i`)."""

    def __init__(self, n: int) -> None:
        super().__init__(nvars=_check_nvars(n), ring="boolean", coordinate_bound=1.0)

    def points(self) -> np.ndarray:
        if self.nvars > 24:
            raise ValueError(f"n: enumerating 2^{self.nvars} points is refused (n <= 24)")
        return np.array(list(itertools.product([0.0, 1.0], repeat=self.nvars)))

    def __repr__(self) -> str:
        return f"Boolean({self.nvars})"


class Sphere(Domain):
    """The sphere :math:`\\{x : \\|x\\|^2 = r^2\\}` (equality as linear moment constraints)."""

    def __init__(self, n: int, radius: float = 1.0) -> None:
        n = _check_nvars(n)
        if not np.isfinite(radius) or radius <= 0:
            raise ValueError(f"radius: expected a positive number, got {radius!r}")
        x = variables(n)
        h = sum((xi * xi for xi in x), Polynomial.constant(-(float(radius) ** 2), n))
        super().__init__(nvars=n, ring="general", equalities=(h,), coordinate_bound=float(radius))
        object.__setattr__(self, "radius", float(radius))

    def __repr__(self) -> str:
        return (
            f"Sphere({self.nvars}" + (f", radius={self.radius}" if self.radius != 1 else "") + ")"
        )


class Semialgebraic(Domain):
    """A basic semialgebraic set :math:`\\{h_j = 0,\\ g_l \\ge 0\\}` in the general ring.

    Parameters
    ----------
    n : int
        Number of variables.
    equalities, inequalities : sequence of Polynomial
        The constraints :math:`h_j(x) = 0` and :math:`g_l(x) \\ge 0`.
    bound : float, optional
        A known bound :math:`|x_i| \\le B` on the set; needed for
        :meth:`SosCertificate.rigorous_bound`. It is not imposed as a constraint.
    """

    def __init__(
        self,
        n: int,
        equalities: Sequence[Polynomial] = (),
        inequalities: Sequence[Polynomial] = (),
        bound: float | None = None,
    ) -> None:
        n = _check_nvars(n)
        base = Domain(nvars=n)
        eqs = tuple(base.polynomial(h, "equalities") for h in equalities)
        ineqs = tuple(base.polynomial(g, "inequalities") for g in inequalities)
        if bound is not None and (not np.isfinite(bound) or bound <= 0):
            raise ValueError(f"bound: expected a positive number or None, got {bound!r}")
        super().__init__(
            nvars=n,
            ring="general",
            equalities=eqs,
            inequalities=ineqs,
            coordinate_bound=None if bound is None else float(bound),
        )

    def __repr__(self) -> str:
        return (
            f"Semialgebraic({self.nvars}, {len(self.equalities)} equalities, "
            f"{len(self.inequalities)} inequalities)"
        )
