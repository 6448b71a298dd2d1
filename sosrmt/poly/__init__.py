"""Integer-keyed monomials and polynomials (the lowest layer; imports nothing of sosrmt).

Public API: :class:`Polynomial`, :func:`variables`, and the key kernels of
:mod:`sosrmt.poly.monomials` (:func:`monomial_basis`, :func:`multiply_keys`, ...).
"""

from sosrmt.poly.monomials import (
    BITS,
    MAX_GENERAL_DEGREE,
    RINGS,
    basis_size,
    exponents,
    key_degrees,
    monomial_basis,
    multiply_keys,
    pack_exponents,
)
from sosrmt.poly.polynomial import Polynomial, as_real_array, variables

__all__ = [
    "BITS",
    "MAX_GENERAL_DEGREE",
    "RINGS",
    "Polynomial",
    "as_real_array",
    "basis_size",
    "exponents",
    "key_degrees",
    "monomial_basis",
    "multiply_keys",
    "pack_exponents",
    "variables",
]
