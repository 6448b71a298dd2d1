"""Property and exact tests of the polynomial layer."""

import itertools

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from sosrmt.poly import Polynomial, monomial_basis, variables
from sosrmt.poly.monomials import basis_size, exponents, key_degrees, pack_exponents

RINGS = ["general", "hypercube", "boolean"]
NV = 3


def poly_strategy(ring, nvars=NV, max_deg=2):
    exps = st.lists(st.integers(0, max_deg), min_size=nvars, max_size=nvars)
    coef = st.integers(-3, 3).map(float)
    return st.lists(st.tuples(exps, coef), max_size=5).map(
        lambda terms: (
            Polynomial.from_terms(terms, nvars, ring=ring)
            if terms
            else Polynomial([], [], nvars, ring)
        )
    )


def domain_points(ring, nvars=NV):
    if ring == "hypercube":
        return np.array(list(itertools.product([-1.0, 1.0], repeat=nvars)))
    if ring == "boolean":
        return np.array(list(itertools.product([0.0, 1.0], repeat=nvars)))
    return np.random.default_rng(0).uniform(-1.5, 1.5, size=(20, nvars))


@pytest.mark.parametrize("ring", RINGS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_ring_axioms(ring, data):
    p, q, r = (data.draw(poly_strategy(ring)) for _ in range(3))
    assert (p + q) == (q + p)
    assert (p * q).allclose(q * p)
    assert ((p * q) * r).allclose(p * (q * r))
    assert (p * (q + r)).allclose(p * q + p * r)
    assert (p - p) == Polynomial.zero_like(p)
    assert (p * 1.0) == p


@pytest.mark.parametrize("ring", RINGS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_evaluation_is_a_ring_homomorphism_on_the_domain(ring, data):
    p, q = data.draw(poly_strategy(ring)), data.draw(poly_strategy(ring))
    pts = domain_points(ring)
    np.testing.assert_allclose((p * q)(pts), p(pts) * q(pts), atol=1e-9)
    np.testing.assert_allclose((p + q)(pts), p(pts) + q(pts), atol=1e-9)
    np.testing.assert_allclose((p**2)(pts), p(pts) ** 2, atol=1e-9)


@pytest.mark.parametrize("ring", ["hypercube", "boolean"])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_reduction_is_idempotent_and_agrees_on_the_domain(ring, data):
    p = data.draw(poly_strategy("general", max_deg=4))
    red = p.to_ring(ring)
    assert red.reduce(ring) == red
    assert red.degree <= min(p.degree, NV) if p.degree >= 0 else red.degree == -1
    pts = domain_points(ring)
    np.testing.assert_allclose(red(pts), p(pts), atol=1e-9)


def test_reduction_with_square():
    x = variables(2)
    p = (x[0] ** 2 * x[1] ** 3).to_ring("hypercube", square=0.25)
    pts = np.array([[0.5, -0.5], [-0.5, 0.5]])
    np.testing.assert_allclose(p(pts), (x[0] ** 2 * x[1] ** 3)(pts))
    assert p.square == 0.25 and p.degree == 1


def test_hypercube_square_product():
    c = 1 / 4
    x = variables(2, ring="hypercube", square=c)
    assert (x[0] * x[0]) == Polynomial.constant(c, 2, "hypercube", square=c)
    assert ((x[0] * x[1]) * (x[0] * x[1])).coefficient(0) == pytest.approx(c * c)


def test_sympy_round_trip():
    a, b, c = sympy.symbols("a b c")
    expr = 3 * a**2 * b - b * c**4 + sympy.Rational(1, 2)
    p = Polynomial.from_sympy(expr, [a, b, c])
    assert sympy.expand(p.to_sympy([a, b, c]) - expr) == 0
    assert p.degree == 5
    with pytest.raises(ValueError, match="symbols"):
        Polynomial.from_sympy(a + sympy.Symbol("z"), [a, b])


@pytest.mark.parametrize("ring", RINGS)
def test_quadratic_form_matches_evaluation(ring):
    rng = np.random.default_rng(1)
    W = rng.standard_normal((4, 4))
    p = Polynomial.quadratic_form(W, ring=ring)
    pts = domain_points(ring, 4)
    np.testing.assert_allclose(p(pts), np.einsum("ki,ij,kj->k", pts, W, pts))


@pytest.mark.parametrize("ring", RINGS)
def test_basis_sizes_and_degrees(ring):
    for n, d in [(3, 2), (5, 3), (10, 2)]:
        b = monomial_basis(n, d, ring)
        assert b.size == basis_size(n, d, ring) == np.unique(b).size
        assert key_degrees(b, ring).max() == min(d, n if ring != "general" else d)
        even = monomial_basis(n, d, ring, parity=0)
        assert np.all(key_degrees(even, ring) % 2 == 0)


def test_big_keys_use_python_ints():
    n = 70
    x = variables(n, ring="hypercube")
    p = x[0] * x[69] + x[69]
    assert p.keys.dtype == object and p.degree == 2
    e = exponents(p.keys, n, "hypercube")
    np.testing.assert_array_equal(pack_exponents(e, "hypercube"), p.keys)
    pts = np.ones((1, n))
    pts[0, 69] = -1
    assert p(pts)[0] == -2
    g = variables(10)  # general ring: 80 bits > 63
    q = (g[9] + g[0]) ** 2
    assert q.keys.dtype == object and q.nterms == 3


def test_bad_input():
    x = variables(2)
    with pytest.raises(ValueError, match="ring"):
        Polynomial([0], [1.0], 2, ring="torus")
    with pytest.raises(ValueError, match="coefs"):
        Polynomial([0], [np.nan], 2)
    with pytest.raises(ValueError, match="same ring"):
        x[0] + variables(3)[0]
    with pytest.raises(ValueError, match="exponent"):
        x[0] ** -1
    with pytest.raises(ValueError, match="points"):
        x[0].evaluate(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="W"):
        Polynomial.quadratic_form(np.ones((2, 3)))
