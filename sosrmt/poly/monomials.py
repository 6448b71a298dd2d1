"""Integer-keyed monomials.

Three rings share one representation, a monomial being one integer key:

``"hypercube"``
    multilinear monomials :math:`x^S` as bitmasks of :math:`S`, with :math:`x_i^2 = c`
    (``square``; 1 for :math:`\\{\\pm1\\}^n`). Product: XOR, times :math:`c^{|S\\cap T|}`.
``"boolean"``
    multilinear monomials with :math:`x_i^2 = x_i`. Product: OR.
``"general"``
    exponent vectors packed into integers, :data:`BITS` bits per variable (variable ``i``
    in bits ``BITS*i .. BITS*i+BITS-1``). Product: integer addition of the keys.

Keys are ``int64`` arrays when every key fits in 63 bits and ``object`` arrays of Python
integers otherwise; all operations below work on both, vectorised by numpy.
"""

from __future__ import annotations

import itertools
from math import comb

import numpy as np

__all__ = [
    "BITS",
    "MAX_GENERAL_DEGREE",
    "RINGS",
    "basis_size",
    "exponents",
    "key_degrees",
    "key_dtype",
    "monomial_basis",
    "multiply_keys",
    "pack_exponents",
]

#: Bits per variable in a packed exponent key of the general ring (exponents up to 255).
BITS = 8
_MASK = (1 << BITS) - 1
#: The largest degree of a general-ring monomial basis (an exponent must fit in BITS bits).
MAX_GENERAL_DEGREE = _MASK
#: The supported rings.
RINGS = ("hypercube", "boolean", "general")


def check_ring(ring: str) -> str:
    """Return ``ring`` or raise a ValueError naming the allowed rings."""
    if ring not in RINGS:
        raise ValueError(f"ring: expected one of {RINGS}, got {ring!r}")
    return ring


def key_dtype(nvars: int, ring: str) -> type | np.dtype:
    """``np.int64`` when every key of ``nvars`` variables fits in 63 bits, else ``object``."""
    bits = nvars if ring in ("hypercube", "boolean") else BITS * nvars
    return np.dtype(np.int64) if bits <= 62 else np.dtype(object)


def as_keys(keys: object, nvars: int, ring: str) -> np.ndarray:
    """Convert ``keys`` to the key array type of (``nvars``, ``ring``)."""
    dtype = key_dtype(nvars, ring)
    if dtype.kind == "O":
        arr = np.empty(len(keys), dtype=object)  # type: ignore[arg-type]
        arr[:] = [int(k) for k in keys]  # type: ignore[union-attr]
        return arr
    return np.asarray(keys, dtype=np.int64).reshape(-1)


def _popcount(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "O":
        return np.fromiter(
            (int(v).bit_count() for v in a.ravel()), dtype=np.int64, count=a.size
        ).reshape(a.shape)
    return np.bitwise_count(a).astype(np.int64)


def exponents(keys: np.ndarray, nvars: int, ring: str) -> np.ndarray:
    """Exponent matrix (len(keys) x nvars) of the monomials ``keys``."""
    keys = np.asarray(keys)
    out = np.zeros((keys.size, nvars), dtype=np.int64)
    shift = 1 if ring in ("hypercube", "boolean") else BITS
    mask = 1 if ring in ("hypercube", "boolean") else _MASK
    if keys.dtype.kind == "O":
        for row, k in enumerate(keys.ravel()):
            k = int(k)
            for i in range(nvars):
                out[row, i] = (k >> (shift * i)) & mask
        return out
    for i in range(nvars):
        out[:, i] = (keys.ravel() >> (shift * i)) & mask
    return out


def pack_exponents(exps: np.ndarray, ring: str) -> np.ndarray:
    """Keys of the monomials with exponent rows ``exps`` (inverse of :func:`exponents`).

    For the multilinear rings the exponents must be 0 or 1 (reduce first).
    """
    exps = np.asarray(exps, dtype=np.int64)
    if exps.ndim != 2:
        raise ValueError(f"exps: expected a 2-D array, got shape {exps.shape}")
    nvars = exps.shape[1]
    shift = 1 if ring in ("hypercube", "boolean") else BITS
    limit = 1 if ring in ("hypercube", "boolean") else _MASK
    if exps.size and (exps.min() < 0 or exps.max() > limit):
        raise ValueError(f"exps: expected exponents in [0, {limit}] for the {ring} ring")
    if key_dtype(nvars, ring).kind == "O":
        # Python-int keys, assembled from int64 partial keys of 62-bit slices of the
        # variables (one object-array shift and add per slice instead of a loop per entry)
        per = 62 // shift
        keys = np.zeros(exps.shape[0], dtype=object)
        for lo in range(0, nvars, per):
            hi = min(nvars, lo + per)
            part = exps[:, lo:hi] @ np.left_shift(
                np.int64(1), shift * np.arange(hi - lo, dtype=np.int64)
            )
            if part.any():
                keys = keys + (part.astype(object) << (shift * lo))
        return keys
    weights = np.left_shift(np.int64(1), shift * np.arange(nvars, dtype=np.int64))
    return exps @ weights


def key_degrees(keys: np.ndarray, ring: str) -> np.ndarray:
    """Total degree of each monomial key."""
    keys = np.asarray(keys)
    if ring in ("hypercube", "boolean"):
        return _popcount(keys)
    if keys.dtype.kind == "O":
        out = np.empty(keys.size, dtype=np.int64)
        for idx, k in enumerate(keys.ravel()):
            k, deg = int(k), 0
            while k:
                deg += k & _MASK
                k >>= BITS
            out[idx] = deg
        return out.reshape(keys.shape)
    deg = np.zeros(keys.shape, dtype=np.int64)
    k = keys.copy()
    while np.any(k):
        deg += k & _MASK
        k = k >> BITS
    return deg


def multiply_keys(
    a: np.ndarray, b: np.ndarray, ring: str, square: float = 1.0
) -> tuple[np.ndarray, np.ndarray | None]:
    """Elementwise (broadcasting) product of monomials ``a`` and ``b``.

    Returns
    -------
    keys : ndarray
        Keys of the products.
    factor : ndarray or None
        Scalar factor of each product (hypercube with ``square != 1``: :math:`c^{|S\\cap T|}`),
        or None when every factor is 1.
    """
    if ring == "hypercube":
        keys = np.bitwise_xor(a, b)
        if square == 1.0:
            return keys, None
        return keys, np.power(float(square), _popcount(np.bitwise_and(a, b)))
    if ring == "boolean":
        return np.bitwise_or(a, b), None
    return np.add(a, b), None


def basis_size(nvars: int, degree: int, ring: str) -> int:
    """Number of monomials of degree <= ``degree`` in ``nvars`` variables."""
    if ring in ("hypercube", "boolean"):
        return sum(comb(nvars, k) for k in range(min(degree, nvars) + 1))
    return comb(nvars + degree, degree)


def monomial_basis(nvars: int, degree: int, ring: str, *, parity: int | None = None) -> np.ndarray:
    """Keys of all monomials of degree <= ``degree``, in graded lexicographic order.

    Parameters
    ----------
    nvars, degree : int
        Number of variables and maximal total degree.
    ring : str
        One of :data:`RINGS`.
    parity : {None, 0, 1}
        Keep only monomials of even (0) or odd (1) degree.

    Raises
    ------
    ValueError
        In the general ring, for ``degree`` above :data:`MAX_GENERAL_DEGREE` (255): the
        key of :math:`x_i^{256}` would overflow its :data:`BITS` bits into the next
        variable's and alias another monomial.

    Examples
    --------
    >>> monomial_basis(3, 1, "hypercube").tolist()
    [0, 1, 2, 4]
    >>> monomial_basis(2, 2, "general").tolist()  # 1, x0, x1, x0^2, x0 x1, x1^2
    [0, 1, 256, 2, 257, 512]
    """
    check_ring(ring)
    if ring == "general" and degree > MAX_GENERAL_DEGREE:
        raise ValueError(
            f"degree: the general ring packs {BITS} bits per exponent, so degrees above "
            f"{MAX_GENERAL_DEGREE} are refused (got {degree})"
        )
    shift = 1 if ring in ("hypercube", "boolean") else BITS
    big = key_dtype(nvars, ring).kind == "O"
    keys: list[int] = []
    for deg in range(degree + 1):
        if parity is not None and deg % 2 != parity:
            continue
        if ring in ("hypercube", "boolean"):
            if deg > nvars:
                break
            combos = itertools.combinations(range(nvars), deg)
        else:
            combos = itertools.combinations_with_replacement(range(nvars), deg)
        for combo in combos:
            keys.append(sum(1 << (shift * i) for i in combo))
    if big:
        out = np.empty(len(keys), dtype=object)
        out[:] = keys
        return out
    return np.asarray(keys, dtype=np.int64)
