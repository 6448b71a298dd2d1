"""Polynomials as (integer keys, float coefficients) arrays.

A :class:`Polynomial` lives in one of the rings of :mod:`sosrmt.poly.monomials`. The
multilinear rings carry their reduction (``x_i^2 = c`` or ``x_i^2 = x_i``) in the
multiplication itself, so every polynomial there is already reduced; a general polynomial
is reduced onto them with :meth:`Polynomial.to_ring`. sympy is used only at the edge
(:meth:`Polynomial.from_sympy`, :meth:`Polynomial.to_sympy`).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    import sympy

from sosrmt.poly.monomials import (
    BITS,
    as_keys,
    check_ring,
    exponents,
    key_degrees,
    key_dtype,
    multiply_keys,
    pack_exponents,
)

__all__ = ["Polynomial", "as_real_array", "variables"]


def as_real_array(a: ArrayLike, name: str) -> np.ndarray:
    """``a`` as a float array; complex or non-numeric input raises a TypeError naming ``name``.

    numpy's own cast silently drops imaginary parts (with only a warning), so complex
    input is refused here before any conversion.

    Examples
    --------
    >>> as_real_array([1, 2], "W").tolist()
    [1.0, 2.0]
    >>> as_real_array([[0, 1j]], "W")
    Traceback (most recent call last):
    ...
    TypeError: W: expected real numbers, got complex values
    """
    raw = np.asarray(a)
    if np.iscomplexobj(raw) or (
        raw.dtype.kind == "O" and any(isinstance(v, complex) for v in raw.ravel())
    ):
        raise TypeError(f"{name}: expected real numbers, got complex values")
    try:
        return np.asarray(raw, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: expected a real numeric array ({exc})") from None


class Polynomial:
    """A real polynomial in ``nvars`` variables, stored as sorted unique keys and coefficients.

    Parameters
    ----------
    keys : array_like of int
        Monomial keys (see :mod:`sosrmt.poly.monomials`); repeated keys are summed.
    coefs : array_like of float
        Coefficients, one per key.
    nvars : int
        Number of variables.
    ring : {"general", "hypercube", "boolean"}
        The ring (and so the meaning of the keys).
    square : float
        Hypercube only: the value of :math:`x_i^2` (1 for :math:`\\{\\pm1\\}^n`).

    Notes
    -----
    Products are computed for all pairs of terms at once: an outer XOR/OR/sum of the
    keys, then a segmented sum over equal keys (``np.unique`` + ``np.bincount``).

    Examples
    --------
    >>> x, y = variables(2, ring="hypercube")
    >>> p = (x + y) ** 2          # x^2 = y^2 = 1 on the hypercube
    >>> p
    Polynomial(2 + 2*x0*x1, ring='hypercube')
    >>> p.evaluate([[1, -1], [1, 1]]).tolist()
    [0.0, 4.0]
    """

    __slots__ = ("coefs", "keys", "nvars", "ring", "square")
    __array_priority__ = 100  # make ndarray * Polynomial defer to Polynomial.__rmul__

    def __init__(
        self,
        keys: ArrayLike,
        coefs: ArrayLike,
        nvars: int,
        ring: str = "general",
        square: float = 1.0,
    ) -> None:
        check_ring(ring)
        if isinstance(nvars, bool) or not isinstance(nvars, numbers.Integral) or nvars < 0:
            raise ValueError(f"nvars: expected a nonnegative integer, got {nvars!r}")
        if isinstance(square, complex) or not isinstance(square, numbers.Real):
            raise TypeError(f"square: expected a real number, got {square!r}")
        if ring != "hypercube" and square != 1.0:
            raise ValueError("square: only the hypercube ring takes x_i^2 = square")
        if not np.isfinite(square) or square <= 0:
            raise ValueError(f"square: expected a positive finite number, got {square!r}")
        coefs = as_real_array(coefs, "coefs").reshape(-1)
        keys = as_keys(keys, int(nvars), ring)
        if keys.shape != coefs.shape:
            raise ValueError(
                f"keys, coefs: expected equal lengths, got {keys.size} and {coefs.size}"
            )
        if not np.all(np.isfinite(coefs)):
            raise ValueError("coefs: expected finite coefficients")
        self.nvars = int(nvars)
        self.ring = ring
        self.square = float(square)
        self.keys, self.coefs = _combine(keys, coefs)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def constant(
        cls, value: float, nvars: int, ring: str = "general", square: float = 1.0
    ) -> Polynomial:
        """The constant polynomial ``value``."""
        if isinstance(value, complex) or not isinstance(value, numbers.Real):
            raise TypeError(f"value: expected a real number, got {value!r}")
        return cls([0], [float(value)], nvars, ring, square)

    @classmethod
    def zero_like(cls, other: Polynomial) -> Polynomial:
        """The zero polynomial of ``other``'s ring."""
        return cls([], [], other.nvars, other.ring, other.square)

    @classmethod
    def variable(cls, i: int, nvars: int, ring: str = "general", square: float = 1.0) -> Polynomial:
        """The variable :math:`x_i` (0-based)."""
        if not 0 <= i < nvars:
            raise ValueError(f"i: expected 0 <= i < nvars = {nvars}, got {i}")
        shift = BITS if ring == "general" else 1
        return cls([1 << (shift * i)], [1.0], nvars, ring, square)

    @classmethod
    def from_terms(
        cls,
        terms: Iterable[tuple[Sequence[int], float]],
        nvars: int,
        ring: str = "general",
        square: float = 1.0,
    ) -> Polynomial:
        """Build from ``(exponent tuple, coefficient)`` pairs, reducing onto ``ring``."""
        terms = list(terms)
        if not terms:
            return cls([], [], nvars, ring, square)
        exps = np.asarray([t[0] for t in terms], dtype=np.int64).reshape(len(terms), nvars)
        coefs = as_real_array([t[1] for t in terms], "terms")
        general = cls(pack_exponents(exps, "general"), coefs, nvars, "general")
        return general if ring == "general" else general.to_ring(ring, square=square)

    @classmethod
    def quadratic_form(
        cls, W: ArrayLike, ring: str = "hypercube", square: float = 1.0
    ) -> Polynomial:
        """The polynomial :math:`x^\\top W x` (vectorised; ``W`` any square matrix).

        Examples
        --------
        >>> Polynomial.quadratic_form([[0, 1], [1, 0]])
        Polynomial(2*x0*x1, ring='hypercube')
        """
        from sosrmt._validation import check_finite_array

        W = check_finite_array(as_real_array(W, "W"), "W", ndim=2)
        n = W.shape[0]
        if W.shape != (n, n):
            raise ValueError(f"W: expected a square matrix, got shape {W.shape}")
        iu, ju = np.triu_indices(n, 1)
        coefs = (W + W.T)[iu, ju]
        shift = BITS if ring == "general" else 1
        if key_dtype(n, ring).kind == "O":
            off = np.empty(iu.size, dtype=object)
            off[:] = [
                (1 << (shift * int(i))) + (1 << (shift * int(j)))
                for i, j in zip(iu, ju, strict=True)
            ]
            one = [1 << (shift * i) for i in range(n)]
        else:
            off = np.left_shift(1, shift * iu) + np.left_shift(1, shift * ju)
            one = np.left_shift(1, shift * np.arange(n, dtype=np.int64))
        diag = np.diag(W)
        if ring == "hypercube":
            keys = np.concatenate([np.asarray([0], dtype=off.dtype), off])
            vals = np.concatenate([[square * diag.sum()], coefs])
        elif ring == "boolean":
            keys = np.concatenate([np.asarray(one, dtype=off.dtype), off])
            vals = np.concatenate([diag, coefs])
        else:
            twice = np.asarray([2 * k for k in one], dtype=off.dtype)
            keys = np.concatenate([twice, off])
            vals = np.concatenate([diag, coefs])
        return cls(keys, vals, n, ring, square)

    @classmethod
    def from_sympy(
        cls,
        expr: sympy.Expr | str,
        symbols: Sequence[sympy.Symbol],
        ring: str = "general",
        square: float = 1.0,
    ) -> Polynomial:
        """Convert a sympy expression polynomial in ``symbols`` (reduced onto ``ring``).

        Examples
        --------
        >>> import sympy
        >>> a, b = sympy.symbols("a b")
        >>> Polynomial.from_sympy(a**2 * b - 3, [a, b])
        Polynomial(-3 + x0^2*x1, ring='general')
        """
        import sympy

        symbols = list(symbols)
        poly = sympy.Poly(sympy.sympify(expr), *symbols)
        extra = poly.free_symbols - set(symbols)
        if extra:
            raise ValueError(f"expr: has symbols {sorted(map(str, extra))} not in symbols")
        terms = [(monom, float(coef)) for monom, coef in poly.terms()]
        return cls.from_terms(terms, len(symbols), ring=ring, square=square)

    def to_sympy(self, symbols: Sequence[sympy.Symbol] | None = None) -> sympy.Expr:
        """The polynomial as a sympy expression (symbols ``x0, x1, ...`` by default)."""
        import sympy

        if symbols is None:
            symbols = sympy.symbols(f"x0:{self.nvars}") if self.nvars else []
        symbols = list(symbols)
        if len(symbols) != self.nvars:
            raise ValueError(f"symbols: expected {self.nvars} symbols, got {len(symbols)}")
        exps = exponents(self.keys, self.nvars, self.ring)
        expr = sympy.Integer(0)
        for row, c in zip(exps, self.coefs, strict=True):
            term = sympy.nsimplify(c) if float(c).is_integer() else sympy.Float(c)
            for s, e in zip(symbols, row, strict=True):
                if e:
                    term *= s ** int(e)
            expr += term
        return expr

    # ------------------------------------------------------------------ properties
    @property
    def degree(self) -> int:
        """Total degree (-1 for the zero polynomial)."""
        if self.keys.size == 0:
            return -1
        return int(key_degrees(self.keys, self.ring).max())

    @property
    def nterms(self) -> int:
        """Number of nonzero terms."""
        return int(self.keys.size)

    def is_even(self) -> bool:
        """True when every monomial has even total degree (invariant under x -> -x)."""
        return bool(np.all(key_degrees(self.keys, self.ring) % 2 == 0))

    def coefficient(self, key: int) -> float:
        """The coefficient of the monomial ``key`` (0 if absent)."""
        idx = np.searchsorted(self.keys, key)
        if idx < self.keys.size and self.keys[idx] == key:
            return float(self.coefs[idx])
        return 0.0

    def terms(self) -> list[tuple[tuple[int, ...], float]]:
        """``(exponent tuple, coefficient)`` pairs."""
        exps = exponents(self.keys, self.nvars, self.ring)
        return [
            (tuple(int(e) for e in row), float(c)) for row, c in zip(exps, self.coefs, strict=True)
        ]

    # ------------------------------------------------------------------ arithmetic
    def _coerce(self, other: object) -> Polynomial:
        if isinstance(other, Polynomial):
            if (other.nvars, other.ring, other.square) != (self.nvars, self.ring, self.square):
                raise ValueError(
                    "other: expected a polynomial of the same ring and number of variables, got "
                    f"({other.ring}, nvars={other.nvars}) vs ({self.ring}, nvars={self.nvars})"
                )
            return other
        if isinstance(other, numbers.Real):
            return Polynomial.constant(float(other), self.nvars, self.ring, self.square)
        return NotImplemented  # type: ignore[return-value]

    def _new(self, keys: np.ndarray, coefs: np.ndarray) -> Polynomial:
        return Polynomial(keys, coefs, self.nvars, self.ring, self.square)

    def __add__(self, other: object) -> Polynomial:
        o = self._coerce(other)
        if o is NotImplemented:
            return NotImplemented
        return self._new(np.concatenate([self.keys, o.keys]), np.concatenate([self.coefs, o.coefs]))

    __radd__ = __add__

    def __neg__(self) -> Polynomial:
        return self._new(self.keys, -self.coefs)

    def __sub__(self, other: object) -> Polynomial:
        o = self._coerce(other)
        if o is NotImplemented:
            return NotImplemented
        return self + (-o)

    def __rsub__(self, other: object) -> Polynomial:
        return (-self) + other

    def __mul__(self, other: object) -> Polynomial:
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            return self._new(self.keys, self.coefs * float(other))
        o = self._coerce(other)
        if o is NotImplemented:
            return NotImplemented
        if self.ring == "general" and self.degree + o.degree > (1 << BITS) - 1:
            raise ValueError(
                f"degree: products of degree above {(1 << BITS) - 1} are not supported"
            )
        keys, factor = multiply_keys(self.keys[:, None], o.keys[None, :], self.ring, self.square)
        coefs = np.multiply.outer(self.coefs, o.coefs)
        if factor is not None:
            coefs = coefs * factor
        return self._new(keys.ravel(), coefs.ravel())

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Polynomial:
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            return self * (1.0 / float(other))
        return NotImplemented

    def __pow__(self, k: int) -> Polynomial:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0:
            raise ValueError(f"k: expected a nonnegative integer exponent, got {k!r}")
        result = Polynomial.constant(1.0, self.nvars, self.ring, self.square)
        base = self
        while k:
            if k & 1:
                result = result * base
            k >>= 1
            if k:
                base = base * base
        return result

    def __eq__(self, other: object) -> bool:
        if isinstance(other, numbers.Real):
            other = Polynomial.constant(float(other), self.nvars, self.ring, self.square)
        if not isinstance(other, Polynomial):
            return NotImplemented
        return (
            (self.nvars, self.ring, self.square) == (other.nvars, other.ring, other.square)
            and self.keys.shape == other.keys.shape
            and bool(np.all(self.keys == other.keys))
            and bool(np.array_equal(self.coefs, other.coefs))
        )

    __hash__ = None  # type: ignore[assignment]

    def allclose(self, other: Polynomial, atol: float = 1e-9, rtol: float = 1e-9) -> bool:
        """Coefficientwise closeness (same ring)."""
        diff = self - other
        scale = max(
            1.0, float(np.abs(self.coefs).max(initial=0)), float(np.abs(other.coefs).max(initial=0))
        )
        return bool(np.all(np.abs(diff.coefs) <= atol + rtol * scale))

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, points: ArrayLike) -> np.ndarray | float:
        """Evaluate at each row of ``points`` (shape ``(m, nvars)`` or ``(nvars,)``).

        The multilinear rings evaluate the reduced polynomial: the caller supplies points
        of the domain (for example sign vectors for the hypercube).
        """
        pts = as_real_array(points, "points")
        single = pts.ndim == 1
        pts = np.atleast_2d(pts)
        if pts.shape[1] != self.nvars:
            raise ValueError(f"points: expected {self.nvars} columns, got shape {pts.shape}")
        if self.keys.size == 0:
            out = np.zeros(pts.shape[0])
        else:
            exps = exponents(self.keys, self.nvars, self.ring)
            out = np.empty(pts.shape[0])
            # chunk over points so the (points x terms x vars) power table stays small
            chunk = max(1, int(2**24 // max(1, exps.size)))
            for start in range(0, pts.shape[0], chunk):
                block = pts[start : start + chunk]
                mono = np.prod(block[:, None, :] ** exps[None, :, :], axis=2)
                out[start : start + chunk] = mono @ self.coefs
        return out[0] if single else out

    __call__ = evaluate

    # ------------------------------------------------------------------ reductions
    def to_ring(self, ring: str, square: float = 1.0) -> Polynomial:
        """Reduce a general polynomial modulo ``x_i^2 = square`` (hypercube) or ``x_i^2 = x_i``.

        Examples
        --------
        >>> x = variables(1)[0]
        >>> (x**3 + x**2).to_ring("hypercube")
        Polynomial(1 + x0, ring='hypercube')
        """
        check_ring(ring)
        if ring == self.ring and square == self.square:
            return self
        if self.ring != "general":
            raise ValueError(
                f"ring: only a general polynomial can be reduced, this one is {self.ring}"
            )
        exps = exponents(self.keys, self.nvars, "general")
        coefs = self.coefs.copy()
        if ring == "hypercube":
            coefs = coefs * np.power(float(square), (exps // 2).sum(axis=1))
            red = exps % 2
        elif ring == "boolean":
            red = (exps > 0).astype(np.int64)
        else:
            return self
        return Polynomial(pack_exponents(red, ring), coefs, self.nvars, ring, square)

    def reduce(self, ring: str | None = None, square: float | None = None) -> Polynomial:
        """Reduction modulo the ring's relations; idempotent (the identity on a reduced poly)."""
        if ring is None:
            return self
        return self.to_ring(ring, self.square if square is None else square)

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        return f"Polynomial({self._format()}, ring={self.ring!r})"

    def _format(self, max_terms: int = 12) -> str:
        if self.keys.size == 0:
            return "0"
        exps = exponents(self.keys[:max_terms], self.nvars, self.ring)
        parts = []
        for row, c in zip(exps, self.coefs[:max_terms], strict=True):
            mono = "*".join(f"x{i}" + (f"^{e}" if e > 1 else "") for i, e in enumerate(row) if e)
            cstr = f"{c:g}"
            if not mono:
                parts.append(cstr)
            elif c == 1:
                parts.append(mono)
            elif c == -1:
                parts.append("-" + mono)
            else:
                parts.append(f"{cstr}*{mono}")
        text = " + ".join(parts).replace("+ -", "- ")
        if self.keys.size > max_terms:
            text += f" + ... ({self.keys.size} terms)"
        return text


def _combine(keys: np.ndarray, coefs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort keys, sum coefficients of equal keys, drop exact zeros."""
    if keys.size == 0:
        return keys, coefs
    uniq, inv = np.unique(keys, return_inverse=True)
    summed = np.bincount(inv.ravel(), weights=coefs, minlength=uniq.size)
    keep = summed != 0
    return uniq[keep], summed[keep]


def variables(nvars: int, ring: str = "general", square: float = 1.0) -> list[Polynomial]:
    """The variables :math:`x_0, \\dots, x_{n-1}` of a ring.

    Examples
    --------
    >>> x = variables(3, ring="boolean")
    >>> (x[0] * x[0] * x[1]) == x[0] * x[1]
    True
    """
    return [Polynomial.variable(i, nvars, ring, square) for i in range(nvars)]
