"""The "2+2" relaxation of the anti-concentration program through the SoS engine.

:func:`~sosrmt.problems.anticoncentration.relaxation.solve_ip_2p2` assembles the "2+2"
relaxation directly as a conic problem (fast, and the default everywhere). This module
builds the same relaxation with :func:`sosrmt.sos.solve` on a mixed Boolean/continuous
domain, so that the answer comes as an engine :class:`~sosrmt.sos.SosResult`: a
:class:`~sosrmt.sos.PseudoExpectation` whose ``check()`` applies, and an SoS certificate
with a rigorous bound. The two agree to the solvers' tolerance (tested). The scalar
constraints go to the solver as one nonnegative cone, as in the hand-assembled SDP, and
with the cvxpy backend Clarabel gets the hand-assembled path's settings (tolerance
:math:`10^{-6}`, static regularisation :math:`10^{-6}`: the default :math:`10^{-8}` ends in
a numerical error from :math:`(n, d) = (10, 3)` on). The measured times of both routes are
on the theory page.
"""

from __future__ import annotations

import itertools

import numpy.typing as npt

from sosrmt.poly import Polynomial, variables
from sosrmt.problems.anticoncentration.relaxation import _CLARABEL_METHOD
from sosrmt.problems.anticoncentration.samplers import prepare_points
from sosrmt.sos import Semialgebraic, SosResult, solve

__all__ = ["ip_relaxation_engine"]


def ip_relaxation_engine(X: npt.ArrayLike, delta: float, *, backend: str = "clarabel",
                         whiten: bool = False, isotropy_tol: float = 1e-6,
                         allow_duplicates: bool = False, **solve_kwargs: object) -> SosResult:
    """The "2+2" relaxation of the canonical program as an engine :class:`SosResult`.

    Parameters
    ----------
    X : (n, d) array
        Points in isotropic position (or ``whiten=True``).
    delta : float
        Slab half-width, 0 < delta < 1.
    backend : str
        Engine backend: ``"clarabel"`` (default: Clarabel called directly), ``"cvxpy"``
        (Clarabel through cvxpy), ``"scs"``.
    whiten, isotropy_tol, allow_duplicates
        Input handling, see :func:`sosrmt.problems.anticoncentration.prepare_points`.
    **solve_kwargs
        Passed to :func:`sosrmt.sos.solve`.

    Returns
    -------
    SosResult
        ``bound`` is a rigorous upper bound on OPT; ``pseudo_expectation`` holds the
        moments, ``certificate`` the Gram matrices.

    Notes
    -----
    Variables :math:`w_1..w_n` (Boolean, :math:`w_i^2 = w_i` reduced inside products) and
    :math:`v_1..v_d` with :math:`\\|v\\|^2 = 1`. Maximise :math:`\\frac1n\\sum_i w_i` with the
    moment basis :math:`\\{1, v_a, v_a v_b, w_i, w_i v_a\\}`, the scalar constraints
    :math:`w_i g_i \\ge 0`, :math:`w_j w_i g_i \\ge 0`, :math:`(1-w_j) w_i g_i \\ge 0` with
    :math:`g_i = \\delta^2 - \\langle x_i, v\\rangle^2`, the pairwise Boolean constraints
    :math:`w_i w_j,\\ w_i - w_i w_j,\\ 1 - w_i - w_j + w_i w_j \\ge 0`, and the sphere
    equality multiplied by :math:`\\{1, v_b v_c, w_i, w_i w_j\\}`: the "2+2" relaxation of
    the theory page.

    Examples
    --------
    >>> from sosrmt.problems.anticoncentration import opt_exact, sample_gaussian, whiten
    >>> X = whiten(sample_gaussian(5, 2, rng=0))
    >>> res = ip_relaxation_engine(X, 0.3)
    >>> res.ok, bool(res.bound >= opt_exact(X, 0.3).value)
    (True, True)
    >>> res.pseudo_expectation.check(tol=1e-4).ok
    True
    """
    X, delta = prepare_points(X, delta, whiten_input=whiten, isotropy_tol=isotropy_tol,
                              allow_duplicates=allow_duplicates)
    n, d = X.shape
    N = n + d
    z = variables(N)
    w, v = z[:n], z[n:]
    one, zero = Polynomial.constant(1.0, N), Polynomial.constant(0.0, N)
    sphere = sum((va * va for va in v), zero) - 1.0
    g = [delta**2 - sum((float(X[i, a]) * v[a] for a in range(d)), zero) ** 2
         for i in range(n)]
    ineqs = [w[i] * g[i] for i in range(n)]
    for i in range(n):
        for j in range(n):
            if i != j:
                ineqs += [w[j] * w[i] * g[i], (1 - w[j]) * w[i] * g[i]]
    for i, j in itertools.combinations(range(n), 2):
        ineqs += [w[i] * w[j], w[i] - w[i] * w[j], w[j] - w[i] * w[j],
                  1 - w[i] - w[j] + w[i] * w[j]]
    pairs = [v[a] * v[b] for a in range(d) for b in range(a, d)]
    basis = [one, *v, *pairs, *w, *(w[i] * v[a] for i in range(n) for a in range(d))]
    eq_basis = [one, *pairs, *w,
                *(w[i] * w[j] for i, j in itertools.combinations(range(n), 2))]
    domain = Semialgebraic(N, [sphere], ineqs, bound=1.0, boolean=range(n))
    scalar = [one]  # one basis object for all scalar constraints (checked once)
    if backend == "clarabel" or (
        backend == "cvxpy" and str(solve_kwargs.get("solver", "CLARABEL")).upper() == "CLARABEL"
    ):
        # the settings of the hand-assembled path (see the module notes)
        solve_kwargs.setdefault("eps", 1e-6)
        solve_kwargs.setdefault("static_regularization_constant", 1e-6)
        solve_kwargs.setdefault("dynamic_regularization_eps", 1e-10)
        solve_kwargs.setdefault("direct_solve_method", _CLARABEL_METHOD)
    return solve(sum(w, zero) / n, domain, 4, backend=backend, moment_basis=basis,
                 localizing_bases=dict.fromkeys(range(len(ineqs)), scalar),
                 equality_bases={0: eq_basis}, **solve_kwargs)

