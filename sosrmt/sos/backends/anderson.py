"""Safeguarded type-II Anderson acceleration of a fixed-point iteration.

The ADMM of :mod:`sosrmt.sos.backends.admm` is a fixed-point iteration
:math:`w \\leftarrow T(w)` on the state :math:`w = (s, u)`; near a solution it converges
linearly, often with a ratio close to one (thousands of iterations on the degree-4 SK
relaxations). Anderson acceleration (Walker and Ni, SIAM J. Numer. Anal. 49, 2011) mixes the
last few iterates so that the linearised residual is least-squares smallest, and the
safeguard (Zhang, O'Donoghue and Boyd, "Globally convergent type-I Anderson acceleration for
nonsmooth fixed-point iterations", SIAM J. Optim. 30, 2020; the scheme SCS 3 uses) falls
back to the plain step whenever the accelerated point does not decrease the residual.

Hand-written: neither numpy nor scipy provides Anderson mixing for a user-supplied map
(``scipy.optimize.anderson`` is a root finder that owns the loop and has no safeguard).
"""

from __future__ import annotations

from collections import deque

import numpy as np

__all__ = ["AndersonMixer"]


class AndersonMixer:
    """Type-II Anderson mixing with memory ``memory`` and a residual-decrease safeguard.

    Parameters
    ----------
    memory : int
        Number of past differences used (``0`` turns acceleration off).
    regularization : float
        Tikhonov weight, relative to the squared norm of the difference matrix, of the
        least-squares problem for the mixing weights (keeps it well posed when the
        differences are nearly dependent).
    safeguard : float
        The accelerated point is kept when the residual it produces is at most
        ``safeguard`` times the residual of the point it was extrapolated from.

    Notes
    -----
    With iterates :math:`w_k`, :math:`g_k = T(w_k)` and residuals :math:`f_k = g_k - w_k`,
    let :math:`\\Delta F` and :math:`\\Delta G` hold the last :math:`m` differences
    :math:`f_{i+1}-f_i` and :math:`g_{i+1}-g_i`. The weights solve

    .. math:: \\gamma = \\arg\\min_\\gamma \\|f_k - \\Delta F\\gamma\\|^2
              + \\eta\\,\\|\\Delta F\\|_F^2\\|\\gamma\\|^2

    and the next iterate is :math:`w_{k+1} = g_k - \\Delta G\\,\\gamma`. If
    :math:`\\|f_{k+1}\\| > \\text{safeguard}\\cdot\\|f_k\\|`, the step is rejected: the next
    iterate becomes :math:`g_k` and the memory is cleared.

    Examples
    --------
    A linear contraction with ratio 0.99 converges in a few steps instead of thousands:

    >>> A = np.diag([0.99, 0.5, 0.1])
    >>> T = lambda w: A @ w + np.array([1.0, 1.0, 1.0])
    >>> mixer, w = AndersonMixer(memory=5), np.zeros(3)
    >>> for _ in range(10):
    ...     w = mixer.step(w, T(w))
    >>> bool(np.allclose(w, np.linalg.solve(np.eye(3) - A, np.ones(3))))
    True
    """

    def __init__(self, memory: int = 10, regularization: float = 1e-10,
                 safeguard: float = 1.0) -> None:
        if isinstance(memory, bool) or int(memory) < 0:
            raise ValueError(f"memory: expected a nonnegative integer, got {memory!r}")
        if not regularization >= 0:
            raise ValueError(f"regularization: expected a nonnegative number, got "
                             f"{regularization!r}")
        if not safeguard > 0:
            raise ValueError(f"safeguard: expected a positive number, got {safeguard!r}")
        self.memory = int(memory)
        self.regularization = float(regularization)
        self.safeguard = float(safeguard)
        self._dF: deque[np.ndarray] = deque(maxlen=self.memory)
        self._dG: deque[np.ndarray] = deque(maxlen=self.memory)
        self._last: tuple[np.ndarray, np.ndarray] | None = None  # (f, g) of the last step
        self._pending: tuple[float, np.ndarray] | None = None  # (|f| before, plain step)
        self.accepted = self.rejected = 0

    def reset(self) -> None:
        """Forget the history (after a change of the map, e.g. of the ADMM penalty)."""
        self._dF.clear()
        self._dG.clear()
        self._last = None
        self._pending = None

    def step(self, w: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The next iterate, given the current one ``w`` and its image ``g = T(w)``."""
        if not self.memory:
            return g
        f = g - w
        fnorm = float(np.linalg.norm(f))
        if self._pending is not None:
            before, plain = self._pending
            self._pending = None
            if fnorm > self.safeguard * before:  # the accelerated point did not help
                self.rejected += 1
                self.reset()
                return plain
            self.accepted += 1
        if self._last is not None:
            f_prev, g_prev = self._last
            self._dF.append(f - f_prev)
            self._dG.append(g - g_prev)
        self._last = (f, g)
        if not self._dF:
            return g
        dF = np.column_stack(self._dF)
        gram = dF.T @ dF
        reg = self.regularization * float(np.trace(gram))
        try:
            gamma = np.linalg.solve(gram + reg * np.eye(gram.shape[0]), dF.T @ f)
        except np.linalg.LinAlgError:
            self.reset()
            return g
        if not np.all(np.isfinite(gamma)):
            self.reset()
            return g
        self._pending = (fnorm, g)
        return g - np.column_stack(self._dG) @ gamma
