"""Mixed Boolean/sign/continuous domains: reduction inside products, same values, smaller SDPs."""

import numpy as np
import pytest

from sosrmt.poly import Polynomial, variables
from sosrmt.sos import PseudoExpectation, Semialgebraic, solve
from sosrmt.sos.backends import BACKENDS


def _anticoncentration_program(n=4, d=2, delta=0.3, seed=1):
    """max (1/n) sum_i w_i s.t. |v| = 1, w_i (delta^2 - <x_i, v>^2) >= 0, w in {0,1}^n."""
    X = np.random.default_rng(seed).standard_normal((n, d))
    N = n + d
    z = variables(N)
    w, v = z[:n], z[n:]
    zero = Polynomial.constant(0.0, N)
    sphere = sum((va * va for va in v), zero) - 1.0
    ineqs = []
    for i in range(n):
        lin = sum((float(X[i, a]) * v[a] for a in range(d)), zero)
        ineqs.append(w[i] * (delta**2 - lin * lin))
    return sum(w, zero) / n, w, sphere, ineqs


def test_reduction_inside_products():
    w, v, u = variables(3)
    dom = Semialgebraic(3, equalities=[v * v + u * u - 1], boolean=[0], signs=[2], bound=1.0)
    assert dom.polynomial(w**3 * v**2 * u**3).allclose(w * v * v * u)
    assert dom.polynomial(w * w - w).nterms == 0
    # the basis holds reduced monomials only: 1, w, v, u, wv, wu, v^2, vu (no w^2, u^2)
    assert dom.basis(2).size == 8
    assert dom.assumed_bound == ()  # w, u bounded by their relation, v by the circle
    assert dom.is_even()  # the sign flip acts on v and u only


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_mixed_domain_equals_the_equality_formulation(backend):
    # w_i^2 = w_i as reduction gives the same degree-4 value as w_i^2 - w_i = 0 imposed as
    # moment equalities (every moment of degree <= 4 containing w_i^2 is identified with
    # its reduction by those equalities), with far fewer moments
    obj, w, sphere, ineqs = _anticoncentration_program()
    N = obj.nvars
    eq_dom = Semialgebraic(N, [wi * wi - wi for wi in w] + [sphere], ineqs, bound=1.0)
    mixed = Semialgebraic(N, [sphere], ineqs, bound=1.0, boolean=range(len(w)))
    a = solve(obj, eq_dom, 4, backend=backend)
    b = solve(obj, mixed, 4, backend=backend)
    assert a.ok and b.ok
    assert b.value == pytest.approx(a.value, abs=2e-5)
    assert b.bound >= b.value - 1e-6 and b.bound_status == "rigorous"
    assert b.stats["moments"] < a.stats["moments"] / 3
    assert b.relaxation.symmetric and not a.relaxation.symmetric
    # the answer is a pseudo-expectation of the mixed domain, checkable on its own
    assert b.pseudo_expectation.check(tol=1e-4).ok
    E = b.pseudo_expectation
    assert E(w[0] * w[0]) == pytest.approx(E(w[0]))


def test_pseudo_expectation_of_a_true_mixed_distribution():
    w, v = variables(2)
    dom = Semialgebraic(2, equalities=[v * v - 0.25], boolean=[0], bound=1.0)
    pts = np.array([[1.0, 0.5], [0.0, -0.5], [1.0, -0.5]])
    E = PseudoExpectation.from_distribution(dom, 4, pts, weights=[0.5, 0.25, 0.25])
    assert E.check().ok
    assert E(w * v) == pytest.approx(0.5 * 0.5 - 0.25 * 0.5)
    assert E(w**3 * v**2) == pytest.approx(0.75 * 0.25)


def test_bad_mixed_input():
    with pytest.raises(ValueError, match="boolean"):
        Semialgebraic(3, boolean=[3])
    with pytest.raises(ValueError, match="both"):
        Semialgebraic(3, boolean=[0, 1], signs=[1])
    with pytest.raises(ValueError, match="repeated"):
        Semialgebraic(3, signs=[1, 1])


@pytest.mark.parametrize(("n", "d", "seed"), [(4, 2, 0), (6, 3, 2)])
def test_two_plus_two_relaxation_through_the_engine_matches_the_hand_assembled_one(n, d, seed):
    from sosrmt.problems.anticoncentration import ip_relaxation_engine
    from sosrmt.problems.anticoncentration.relaxation import solve_ip_2p2

    X = np.random.default_rng(seed).standard_normal((n, d)) / np.sqrt(d)
    ref = solve_ip_2p2(X, 0.3)
    res = ip_relaxation_engine(X, 0.3, isotropy_tol=np.inf)
    assert res.ok and res.bound_status == "rigorous"
    assert res.value == pytest.approx(ref.value, abs=2e-5)
    assert res.bound >= ref.value - 1e-6
    # now with a pseudo-expectation and a certificate of its own
    assert res.pseudo_expectation.check(tol=1e-4).ok
    assert res.stats["blocks"][:2] == [1 + d * (d + 1) // 2 + n, d + n * d]


def test_user_bases_are_validated():
    x = variables(2)
    dom = Semialgebraic(2, inequalities=[1 - x[0] ** 2 - x[1] ** 2], bound=1.0)
    one = Polynomial.constant(1.0, 2)
    with pytest.raises(ValueError, match="single monomials"):
        solve(x[0], dom, 2, moment_basis=[one, x[0] + x[1]])
    with pytest.raises(ValueError, match="too high"):
        solve(x[0], dom, 2, moment_basis=[one, x[0] ** 2])
    with pytest.raises(ValueError, match="indices"):
        solve(x[0], dom, 2, localizing_bases={3: [one]})
    with pytest.raises(ValueError, match="no moment"):
        solve(x[0] * x[1], dom, 2, moment_basis=[one, x[0]])  # x0 x1 is not covered
