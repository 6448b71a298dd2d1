"""Exact certificates beyond the hypercube (Peyrl--Parrilo route)."""

from fractions import Fraction

import pytest

from sosrmt.sos import MomentRelaxation, solve
from sosrmt.sos.peyrl_parrilo import verify_peyrl_parrilo
from sosrmt.sos.testproblems import named_problem, named_problems

PROVABLE = [n for n in named_problems() if named_problem(n).expect_status == "optimal"]


@pytest.mark.parametrize("name", PROVABLE)
def test_every_named_problem_verifies_exactly(name):
    prob = named_problem(name)
    res = solve(
        prob.objective, prob.domain, prob.degree, sense=prob.sense, **dict(prob.scs_options)
    )
    proof = res.certificate.verify_exact()
    assert proof.verified, proof.reason
    assert isinstance(proof.bound, Fraction)
    scale = max(1.0, abs(prob.optimum))
    # on the right side of the true optimum, and close to the relaxation's value
    if prob.sense == "max":
        assert proof.bound >= Fraction(prob.optimum)
    else:
        assert proof.bound <= Fraction(prob.optimum)
    ref = prob.relaxation_value if prob.relaxation_value is not None else res.value
    assert abs(float(proof.bound) - ref) < 1e-4 * scale


@pytest.mark.parametrize(
    "name", ["sphere_quadratic_max", "motzkin_times_x2_y2_1", "mixed_boolean_circle_deg4"]
)
def test_singular_gram_needs_the_peyrl_parrilo_route(name):
    # the direct rounding fails where the optimal Gram matrix is singular
    prob = named_problem(name)
    res = solve(
        prob.objective, prob.domain, prob.degree, sense=prob.sense, **dict(prob.scs_options)
    )
    assert not res.certificate.verify_exact(method="direct")
    proof = res.certificate.verify_exact(method="peyrl-parrilo")
    assert proof.verified and "Peyrl-Parrilo" in proof.reason


def test_motzkin_product_facial_reduction_and_tight_bound():
    prob = named_problem("motzkin_times_x2_y2_1")
    rel = MomentRelaxation(prob.objective, prob.domain, prob.degree, sense="min")
    proof = verify_peyrl_parrilo(rel, 0.0)  # (x^2+y^2+1) M >= -1e-6 (dyadic), proved exactly
    assert proof.verified, proof.reason
    assert Fraction(-2, 10**6) <= proof.bound <= Fraction(-1, 10**6)
    assert "6 basis monomials removed" in proof.reason  # outside the half Newton polytope


def test_false_bounds_are_refused():
    uni = named_problem("univariate_quartic_min")
    rel = MomentRelaxation(uni.objective, uni.domain, uni.degree, sense="min")
    assert not verify_peyrl_parrilo(rel, uni.optimum + 0.01)  # above the true minimum
    sph = named_problem("sphere_quadratic_max")
    rel = MomentRelaxation(sph.objective, sph.domain, sph.degree)
    assert not verify_peyrl_parrilo(rel, sph.optimum - 0.01)  # below the true maximum
    motzkin = named_problem("motzkin_not_sos")
    rel = MomentRelaxation(motzkin.objective, motzkin.domain, motzkin.degree, sense="min")
    assert not verify_peyrl_parrilo(rel, -10.0)  # M - gamma is SoS for no gamma
    with pytest.raises(ValueError, match="margin"):
        verify_peyrl_parrilo(rel, 0.0, margin=0.0)
    res = solve(uni.objective, uni.domain, uni.degree, sense="min")
    with pytest.raises(ValueError, match="method"):
        res.certificate.verify_exact(method="guess")
