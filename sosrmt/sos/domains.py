"""Domains of polynomial programs: hypercube, Boolean cube, sphere, semialgebraic sets.

A domain fixes the ring in which polynomials are reduced, the equality constraints
(handled by reduction in the multilinear rings, as linear moment constraints otherwise),
the inequality constraints :math:`g \\ge 0` (Putinar localizing matrices) and, where known,
a bound :math:`B` on every coordinate, used by the rigorous error bounds of
:class:`~sosrmt.sos.certificate.SosCertificate`.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from sosrmt._validation import check_int
from sosrmt.poly import (
    BITS,
    Polynomial,
    exponents,
    key_degrees,
    monomial_basis,
    multiply_keys,
    variables,
)

MASK = (1 << BITS) - 1

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
    boolean, signs : tuple of int
        General ring only: variables with :math:`x_j^2 = x_j` (Boolean) and with
        :math:`x_j^2 = 1` (signs), applied by reducing every product's exponents (so
        :math:`w_j^2 v = w_j v` inside products with continuous variables), not as moment
        constraints. Empty for the built-in domains.
    assumed_bound : tuple of int
        The coordinates :math:`i` for which :math:`|x_i|\\le B` was given by the user and
        could not be derived from the constraints: bounds that use :math:`B` are then
        conditional on it (see :attr:`SosResult.bound_status
        <sosrmt.sos.SosResult.bound_status>`). Empty for the built-in domains.
    """

    nvars: int
    ring: str = "general"
    square: float = 1.0
    equalities: tuple[Polynomial, ...] = field(default=())
    inequalities: tuple[Polynomial, ...] = field(default=())
    coordinate_bound: float | None = None
    assumed_bound: tuple[int, ...] = field(default=())
    boolean: tuple[int, ...] = field(default=())
    signs: tuple[int, ...] = field(default=())

    # ------------------------------------------------------------------ monomial arithmetic
    @property
    def mixed(self) -> bool:
        """True when some variables are reduced by :math:`x_j^2=x_j` or :math:`x_j^2=1`."""
        return bool(self.boolean or self.signs)

    def reduce_keys(self, keys: np.ndarray) -> np.ndarray:
        """Keys with the exponents of Boolean variables capped at 1 and of signs taken mod 2."""
        if not self.mixed:
            return keys
        keys = np.asarray(keys)
        # bit-parallel over all fields at once (a dozen array operations, not a few per
        # variable): a Boolean field becomes the OR of its bits, a sign field its lowest bit
        low_b = sum(1 << (BITS * i) for i in self.boolean)
        low_s = sum(1 << (BITS * i) for i in self.signs)
        field_b, field_s = low_b * MASK, low_s * MASK
        if keys.dtype.kind != "O":
            low_b, low_s, field_b, field_s = (
                np.int64(v) for v in (low_b, low_s, field_b, field_s)
            )
        x = keys & field_b
        ored = x
        for k in range(1, BITS):
            ored = ored | (x >> k)
        return (keys & ~(field_b | field_s)) | (ored & low_b) | (keys & low_s)

    def multiply(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Broadcasting product of monomial keys in this domain (ring product, then reduction)."""
        keys, fac = multiply_keys(a, b, self.ring, self.square)
        if self.mixed:
            keys = self.reduce_keys(keys)
        return keys, fac

    def basis(self, degree: int, parity: int | None = None) -> np.ndarray:
        """Keys of the reduced monomials of degree <= ``degree`` (graded order).

        ``parity`` keeps the monomials whose degree in the sign-flipped variables
        (:meth:`parity`) is even (0) or odd (1).
        """
        if not self.mixed:
            return monomial_basis(self.nvars, degree, self.ring, parity=parity)
        keys = monomial_basis(self.nvars, degree, self.ring)
        keys = keys[self.reduce_keys(keys) == keys]
        if parity is not None:
            keys = keys[self.parity(keys) == parity]
        return keys

    def parity(self, keys: np.ndarray) -> np.ndarray:
        """Degree mod 2 in the variables that :math:`x\\mapsto-x` acts on (all but Boolean)."""
        if not self.boolean:
            return key_degrees(np.asarray(keys), self.ring) % 2
        flip = [i for i in range(self.nvars) if i not in set(self.boolean)]
        exps = exponents(np.asarray(keys), self.nvars, self.ring)
        return exps[:, flip].sum(axis=1) % 2

    def even(self, p: Polynomial) -> bool:
        """True when ``p`` is invariant under the sign flip of :meth:`parity`."""
        return bool(np.all(self.parity(p.keys) == 0))

    def polynomial(self, p: Polynomial | float, name: str = "objective") -> Polynomial:
        """Return ``p`` in this domain's ring, or raise a ValueError naming ``name``."""
        if not isinstance(p, Polynomial):
            if isinstance(p, int | float):
                return Polynomial.constant(float(p), self.nvars, self.ring, self.square)
            raise TypeError(f"{name}: expected a Polynomial, got {type(p).__name__}")
        if p.nvars != self.nvars:
            raise ValueError(f"{name}: has {p.nvars} variables but the domain has {self.nvars}")
        if p.ring == self.ring and p.square == self.square:
            if self.mixed:
                return Polynomial(self.reduce_keys(p.keys), p.coefs, p.nvars, p.ring)
            return p
        if p.ring == "general":
            return p.to_ring(self.ring, square=self.square)
        raise ValueError(f"{name}: is a {p.ring} polynomial but the domain is {self.ring}")

    def variables(self) -> list[Polynomial]:
        """The variables of this domain's ring."""
        return variables(self.nvars, self.ring, self.square)

    def is_even(self) -> bool:
        """True when every constraint is invariant under :math:`x \\mapsto -x`."""
        if self.ring == "boolean" or len(self.boolean) == self.nvars:
            return False
        return all(self.even(p) for p in (*self.equalities, *self.inequalities))

    def points(self) -> np.ndarray:
        """All points of a finite domain (hypercube, Boolean cube), for brute force."""
        raise ValueError(f"domain: {type(self).__name__} has no finite list of points")


def _check_nvars(n: object) -> int:
    return check_int(n, "n", minimum=1)


def _check_indices(idx: Sequence[int], name: str, n: int) -> tuple[int, ...]:
    out = []
    for i in idx:
        if isinstance(i, bool) or not isinstance(i, numbers.Integral) or not 0 <= i < n:
            raise ValueError(f"{name}: expected variable indices in [0, {n}), got {i!r}")
        out.append(int(i))
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated variable indices {out}")
    return tuple(sorted(out))


def _positive_real(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a positive real number, got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: expected a positive finite number, got {value!r}")
    return float(value)


def _implied_bounds(
    n: int, eqs: Sequence[Polynomial], ineqs: Sequence[Polynomial], bound: float
) -> set[int]:
    """Coordinates :math:`i` for which the constraints alone imply :math:`|x_i|\\le` ``bound``.

    Two patterns are recognised, in exact rational arithmetic: (1) an equality in
    :math:`x_i` alone, all of whose real roots lie in :math:`[-B, B]` (counted exactly
    by Sturm sequences, sympy's ``count_roots``); (2) an equality
    :math:`\\sum_j c_jx_j^2 - c_0 = 0` or an inequality :math:`c_0-\\sum_j c_jx_j^2\\ge0` with
    :math:`c_j>0`, which gives :math:`x_i^2\\le c_0/c_i`.
    """
    B = Fraction(bound)
    proven: set[int] = set()
    for kind, polys in (("eq", eqs), ("ineq", ineqs)):
        for p in polys:
            if p.nterms == 0:
                continue
            exps = exponents(p.keys, n, "general")
            used = np.flatnonzero(exps.any(axis=0))
            coefs = [Fraction(float(c)) for c in p.coefs]
            if kind == "eq" and used.size == 1:
                import sympy  # only here: sympy takes a fifth of a second to import

                i = int(used[0])
                t = sympy.Symbol("t")
                poly = sympy.Poly(
                    sum(
                        (
                            sympy.Rational(c.numerator, c.denominator) * t ** int(e[i])
                            for c, e in zip(coefs, exps, strict=True)
                        ),
                        sympy.Integer(0),
                    ),
                    t,
                )
                if poly.degree() < 1:
                    continue
                lo, hi = (
                    sympy.Rational(-B.numerator, B.denominator),
                    sympy.Rational(B.numerator, B.denominator),
                )
                if poly.count_roots() == poly.count_roots(lo, hi):
                    proven.add(i)
                continue
            # the pattern sum_j c_j x_j^2 = c0 (equality) or c0 - sum_j c_j x_j^2 >= 0
            sign = 1 if kind == "eq" else -1
            const, squares = Fraction(0), {}
            shape_ok = True
            for c, e in zip(coefs, exps, strict=True):
                nz = np.flatnonzero(e)
                if nz.size == 0:
                    const = c
                elif nz.size == 1 and e[nz[0]] == 2 and sign * c > 0:
                    squares[int(nz[0])] = sign * c
                else:
                    shape_ok = False
                    break
            c0 = -sign * const
            if not shape_ok or c0 < 0 or not squares:
                continue
            proven.update(i for i, ci in squares.items() if c0 / ci <= B * B)
    return proven


class Hypercube(Domain):
    """The hypercube :math:`\\{\\pm\\sqrt{c}\\}^n` (``square = c``; default :math:`\\{\\pm1\\}^n`).

    Examples
    --------
    >>> Hypercube(3).points().shape
    (8, 3)
    """

    def __init__(self, n: int, square: float = 1.0) -> None:
        n = _check_nvars(n)
        square = _positive_real(square, "square")
        # rounded up, so that |x_i| <= B holds despite the rounding of the square root
        B = float(np.nextafter(np.sqrt(square), np.inf))
        super().__init__(nvars=n, ring="hypercube", square=square, coordinate_bound=B)

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
        radius = _positive_real(radius, "radius")
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
        :meth:`SosCertificate.rigorous_bound`. It is not imposed as a constraint. It is
        checked against the constraints: where they do not imply it (see Notes), the
        coordinates are listed in :attr:`assumed_bound` and every rigorous bound computed
        on this domain is reported as conditional on :math:`B`.
    boolean, signs : sequence of int
        Variables in :math:`\\{0,1\\}` (:math:`x_j^2=x_j`) and in :math:`\\{\\pm1\\}`
        (:math:`x_j^2=1`): a *mixed* domain. The relations are applied by reduction inside
        every product (also with the continuous variables), so the moment matrices are
        indexed by reduced monomials; these coordinates count as bounded by 1.

    Notes
    -----
    :math:`|x_i|\\le B` is derived, in exact rational arithmetic, from an equality in
    :math:`x_i` alone whose real roots all lie in :math:`[-B,B]` (e.g.
    :math:`x_i^2=x_i`, :math:`x_i^3=x_i/k`) or from a constraint
    :math:`\\sum_jc_jx_j^2=c_0` / :math:`c_0-\\sum_jc_jx_j^2\\ge0` with :math:`c_j>0`
    (a sphere or a ball, possibly in a subset of the variables).

    Examples
    --------
    >>> x, y = variables(2)
    >>> Semialgebraic(2, equalities=[x * x + y * y - 1], bound=1.0).assumed_bound
    ()
    >>> Semialgebraic(2, inequalities=[4 - x * x - y * y], bound=1.0).assumed_bound
    (0, 1)

    A mixed domain: :math:`w\\in\\{0,1\\}`, :math:`v` on the unit circle with a third
    coordinate; :math:`w^2v` reduces to :math:`wv`:

    >>> w, v, u = variables(3)
    >>> dom = Semialgebraic(3, equalities=[v * v + u * u - 1], boolean=[0], bound=1.0)
    >>> dom.polynomial(w * w * v + w**3)
    Polynomial(x0 + x0*x1, ring='general')
    """

    def __init__(
        self,
        n: int,
        equalities: Sequence[Polynomial] = (),
        inequalities: Sequence[Polynomial] = (),
        bound: float | None = None,
        *,
        boolean: Sequence[int] = (),
        signs: Sequence[int] = (),
    ) -> None:
        n = _check_nvars(n)
        bools = _check_indices(boolean, "boolean", n)
        sgns = _check_indices(signs, "signs", n)
        if set(bools) & set(sgns):
            raise ValueError(
                f"boolean, signs: variables {sorted(set(bools) & set(sgns))} are in both"
            )
        base = Domain(nvars=n, boolean=bools, signs=sgns)
        eqs = tuple(base.polynomial(h, "equalities") for h in equalities)
        ineqs = tuple(base.polynomial(g, "inequalities") for g in inequalities)
        assumed: tuple[int, ...] = ()
        if bound is not None:
            bound = _positive_real(bound, "bound")
            proven = _implied_bounds(n, eqs, ineqs, bound)
            if bound >= 1:
                proven |= set(bools) | set(sgns)
            assumed = tuple(i for i in range(n) if i not in proven)
        super().__init__(
            nvars=n,
            ring="general",
            equalities=eqs,
            inequalities=ineqs,
            coordinate_bound=bound,
            assumed_bound=assumed,
            boolean=bools,
            signs=sgns,
        )

    def __repr__(self) -> str:
        mixed = (f", boolean={list(self.boolean)}" if self.boolean else "") + (
            f", signs={list(self.signs)}" if self.signs else ""
        )
        return (
            f"Semialgebraic({self.nvars}, {len(self.equalities)} equalities, "
            f"{len(self.inequalities)} inequalities{mixed})"
        )
