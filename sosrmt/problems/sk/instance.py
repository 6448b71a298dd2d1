"""SK instances: the null (GOE) coupling, the spiked (planted) coupling, the program.

Instance of seed ``s``: :math:`G` = ``np.random.default_rng(s).standard_normal((n, n))``,
:math:`W=(G+G^\\top)/\\sqrt2` with the diagonal set to 0 (off-diagonal entries
:math:`N(0,1)`); objective :math:`x^\\top Wx` over :math:`x\\in\\{\\pm1\\}^n`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from sosrmt._validation import as_rng, check_finite_array, check_int, check_symmetric_matrix
from sosrmt.poly import Polynomial
from sosrmt.problems.sk.resources import check_instance_memory
from sosrmt.sos import Hypercube

__all__ = [
    "objective",
    "program",
    "sample_null",
    "sample_planted",
    "sk_instance",
    "validate_coupling",
]

SeedLike = int | np.random.Generator | np.random.SeedSequence | None


def sample_null(n: int, *, rng: SeedLike = None) -> np.ndarray:
    """The SK coupling :math:`W=(G+G^\\top)/\\sqrt2`, zero diagonal, :math:`G` from ``rng``.

    The memory the instance needs (three :math:`n\\times n` float arrays while it is built)
    is checked before anything is allocated.

    Examples
    --------
    >>> W = sample_null(4, rng=0)
    >>> bool(np.allclose(W, W.T)) and bool(np.all(np.diag(W) == 0))
    True
    """
    n = check_int(n, "n", minimum=2)
    check_instance_memory(n)
    G = as_rng(rng).standard_normal((n, n))
    W = G + G.T
    W /= np.sqrt(2.0)
    np.fill_diagonal(W, 0.0)
    return W


def sk_instance(n: int, seed: int | None = None) -> np.ndarray:
    """The SK coupling matrix of seed ``seed`` (:func:`sample_null` with ``rng=seed``).

    :math:`G` = ``np.random.default_rng(seed).standard_normal((n, n))``,
    :math:`W=(G+G^\\top)/\\sqrt2`, diagonal set to 0.

    Examples
    --------
    >>> W = sk_instance(4, seed=0)
    >>> bool(np.allclose(W, W.T)) and bool(np.all(np.diag(W) == 0))
    True
    """
    return sample_null(n, rng=np.random.default_rng(seed))


def sample_planted(
    n: int, *, beta: float = 1.0, rng: SeedLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """The spiked coupling :math:`W + (\\beta/\\sqrt n)\\,xx^\\top`, zero diagonal, and :math:`x`.

    :math:`W` is :func:`sample_null` from ``rng`` and :math:`x` uniform on
    :math:`\\{\\pm1\\}^n` drawn next from the same generator. Returns ``(W_planted, x)``.
    The planted point's objective exceeds the null's by about :math:`\\beta n^{3/2}`.

    Examples
    --------
    >>> Wp, x = sample_planted(6, beta=2.0, rng=0)
    >>> bool(np.allclose(Wp, Wp.T)) and set(np.abs(x)) == {1.0}
    True
    """
    gen = as_rng(rng)
    W = sample_null(n, rng=gen)
    beta = float(check_finite_array(beta, "beta", ndim=0))
    x = gen.choice(np.array([-1.0, 1.0]), size=n)
    W += (beta / np.sqrt(n)) * np.outer(x, x)
    np.fill_diagonal(W, 0.0)
    return W, x


def validate_coupling(W: ArrayLike, name: str = "W") -> np.ndarray:
    """Check a user coupling matrix: real, finite, square, symmetric, at least 2 x 2.

    Examples
    --------
    >>> validate_coupling([[0, 1], [1, 0]]).shape
    (2, 2)
    """
    if np.iscomplexobj(W):
        raise TypeError(f"{name}: expected a real matrix, got complex entries")
    W = check_symmetric_matrix(W, name)
    if W.shape[0] < 2:
        raise ValueError(f"{name}: expected at least a 2 x 2 matrix, got shape {W.shape}")
    return W


def objective(W: ArrayLike) -> Polynomial:
    """The polynomial :math:`x^\\top W x` on the hypercube."""
    return _objective(validate_coupling(W))


def _objective(W: np.ndarray) -> Polynomial:
    return Polynomial.quadratic_form(W, ring="hypercube")


def program(W: ArrayLike) -> tuple[Polynomial, Hypercube]:
    """The polynomial program ``(x^T W x, {-1, 1}^n)`` (to maximise).

    Examples
    --------
    >>> p, dom = program(sk_instance(3, seed=0))
    >>> dom.nvars, p.degree
    (3, 2)
    """
    W = validate_coupling(W)
    return _objective(W), Hypercube(W.shape[0])
