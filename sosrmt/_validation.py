"""Input validation shared by every layer.

Every public function that takes user data validates it here, so that bad input
raises a :class:`ValueError` or :class:`TypeError` whose message names the
argument and says what was expected.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "RngLike",
    "as_rng",
    "check_finite_array",
    "check_int",
    "check_memory",
    "check_real",
    "check_symmetric_matrix",
]

#: What every ``rng`` argument accepts (normalised by :func:`as_rng`).
RngLike = int | np.random.SeedSequence | np.random.Generator | None

#: Memory (bytes) a single dense allocation may use before we refuse it.
DEFAULT_MEMORY_LIMIT = 8 * 2**30


def as_rng(rng: RngLike = None) -> np.random.Generator:
    """Normalise ``rng`` (None, int, SeedSequence or Generator) to a Generator.

    Examples
    --------
    >>> bool(as_rng(0).integers(10) == as_rng(0).integers(10))
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, numbers.Integral | np.random.SeedSequence):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng: expected None, an int, a numpy SeedSequence or Generator, got {type(rng).__name__}"
    )


def check_int(
    value: object, name: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return ``value`` as an int, or raise naming ``name`` and the allowed range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}: expected an integer <= {maximum}, got {value}")
    return value


def check_real(value: object, name: str, *, minimum: float | None = None,
               maximum: float | None = None, expected: str = "a finite real number") -> float:
    """Return ``value`` as a finite float in ``[minimum, maximum]``, or raise naming ``name``.

    ``expected`` says in words what the argument is (it appears in both error messages).

    Examples
    --------
    >>> check_real("0.25", "q", minimum=0, maximum=0.5)
    0.25
    >>> check_real(-1, "lam", minimum=0, expected="a non-negative signal strength")
    Traceback (most recent call last):
    ...
    ValueError: lam: expected a non-negative signal strength, got -1
    """
    if isinstance(value, bool) or isinstance(value, complex | np.complexfloating):
        raise TypeError(f"{name}: expected {expected}, got {value!r}")
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected {expected}, got {value!r}") from None
    if not math.isfinite(v) or (minimum is not None and v < minimum) or (
            maximum is not None and v > maximum):
        raise ValueError(f"{name}: expected {expected}, got {value!r}")
    return v


def check_finite_array(a: object, name: str, *, ndim: int | None = None) -> np.ndarray:
    """Return ``a`` as a float array, refusing complex values, NaN/inf and wrong dimensionality.

    Examples
    --------
    >>> check_finite_array([[0, 1j]], "W")
    Traceback (most recent call last):
    ...
    TypeError: W: expected real numbers, got complex values
    """
    if np.iscomplexobj(a) or (isinstance(a, list | tuple) and np.iscomplexobj(np.asarray(a))):
        # numpy would silently drop the imaginary part in the conversion below
        raise TypeError(f"{name}: expected real numbers, got complex values")
    try:
        arr = np.asarray(a, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: expected a real numeric array ({exc})") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-dimensional array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name}: expected finite entries, found {bad} NaN or inf")
    return arr


def check_symmetric_matrix(a: object, name: str, *, atol: float = 1e-10) -> np.ndarray:
    """Return ``a`` as a finite, square, symmetric float matrix, or raise naming ``name``."""
    arr = check_finite_array(a, name, ndim=2)
    if arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name}: expected a square matrix, got shape {arr.shape}")
    asym = float(np.max(np.abs(arr - arr.T))) if arr.size else 0.0
    scale = max(1.0, float(np.max(np.abs(arr))) if arr.size else 1.0)
    if asym > atol * scale:
        raise ValueError(
            f"{name}: expected a symmetric matrix, max |{name} - {name}^T| = {asym:.3g}"
        )
    return arr


def check_memory(
    nbytes: float, what: str, *, limit: float = DEFAULT_MEMORY_LIMIT, hint: str = ""
) -> None:
    """Refuse an allocation estimated at ``nbytes`` above ``limit`` bytes.

    The message gives the estimate so that the user can choose a smaller size.
    """
    if nbytes > limit:
        msg = (
            f"{what} would need about {nbytes / 2**30:.2f} GiB of memory, "
            f"above the limit of {limit / 2**30:.2f} GiB"
        )
        if hint:
            msg += f"; {hint}"
        raise ValueError(msg)
