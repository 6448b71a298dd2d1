"""Hermite toolkit: orthogonality, c_k table, conditional Gaussian moments, addition identity."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sosrmt.calibration import (
    gaussian_hermite_moment,
    hermite_e,
    hermite_e_table,
    rademacher_hermite_mean,
    series_multiply,
)
from sosrmt.calibration.fourier import multi_indices


def test_orthogonality_by_gauss_hermite_quadrature():
    x, w = np.polynomial.hermite_e.hermegauss(30)
    w = w / w.sum()
    H = hermite_e_table(x, 8)
    gram = (H * w) @ H.T
    expected = np.diag([math.factorial(k) for k in range(9)])
    np.testing.assert_allclose(gram, expected, rtol=1e-9, atol=1e-9)


def test_matches_numpy_hermite_e():
    x = np.linspace(-3, 3, 7)
    for k in range(7):
        coef = np.zeros(k + 1)
        coef[k] = 1
        np.testing.assert_allclose(hermite_e(k, x), np.polynomial.hermite_e.hermeval(x, coef))


def test_ck_table():
    # the Rademacher moments c_k
    assert [rademacher_hermite_mean(k) for k in range(0, 11, 2)] == [1, 0, -2, 16, -132, 1216]
    assert all(rademacher_hermite_mean(k) == 0 for k in range(1, 11, 2))
    # definition: average over b = +-1
    for k in range(11):
        assert rademacher_hermite_mean(k) == pytest.approx(
            0.5 * (hermite_e(k, 1.0) + hermite_e(k, -1.0)), abs=1e-12)


def test_h3_mean_shift_and_h4_covariance():
    for k in range(7):
        assert gaussian_hermite_moment([k], [0.7], [[0.0]]) == pytest.approx(0.7**k, rel=1e-12)
    # y ~ N(0, 1 + s): E He_2 = s, E He_4 = 3 s^2
    assert gaussian_hermite_moment([2], [0.0], [[0.3]]) == pytest.approx(0.3)
    assert gaussian_hermite_moment([4], [0.0], [[0.3]]) == pytest.approx(3 * 0.09)
    # two coordinates with covariance shift: E He_1(y1) He_1(y2) = Sigma'_12
    S = np.array([[0.0, 0.4], [0.4, 0.0]])
    assert gaussian_hermite_moment([1, 1], [0.0, 0.0], S) == pytest.approx(0.4)


def test_h4_against_quadrature():
    # y ~ N(m, 1 + s) in one dimension: integrate He_3 numerically
    m, s = 0.3, 0.5
    x, w = np.polynomial.hermite_e.hermegauss(40)
    w = w / w.sum()
    y = m + np.sqrt(1 + s) * x
    assert gaussian_hermite_moment([3], [m], [[s]]) == pytest.approx(w @ hermite_e(3, y),
                                                                     rel=1e-10)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_h5_addition_identity(k, seed):
    # sum_{|alpha|=k} k!/alpha! w^alpha He_alpha(x) = |w|^k He_k(<w,x>/|w|)
    rng = np.random.default_rng(seed)
    d = 3
    w = rng.standard_normal(d)
    x = rng.standard_normal(d)
    lhs = 0.0
    for alpha in multi_indices(d, k):
        if sum(alpha) != k:
            continue
        coef = math.factorial(k) / math.prod(math.factorial(a) for a in alpha)
        lhs += coef * np.prod(w ** np.array(alpha)) * math.prod(
            hermite_e(a, x[i]) for i, a in enumerate(alpha))
    nw = np.linalg.norm(w)
    rhs = nw**k * hermite_e(k, w @ x / nw)
    assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-9)


def test_series_multiply_matches_polymul():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(5), rng.standard_normal(5)
    np.testing.assert_allclose(series_multiply(a, b), np.polymul(a[::-1], b[::-1])[::-1][:5])
    with pytest.raises(ValueError, match="b"):
        series_multiply(a, b[:3])


def test_bad_input():
    with pytest.raises(ValueError, match="order"):
        hermite_e_table([1.0], -1)
    with pytest.raises(TypeError, match="k"):
        rademacher_hermite_mean(1.5)
    with pytest.raises(ValueError, match="mean"):
        gaussian_hermite_moment([1, 1], [0.0], [[0.0]])
    with pytest.raises(ValueError, match="alpha"):
        gaussian_hermite_moment([-1], [0.0], [[0.0]])


def test_multi_indices_count():
    for L, D in itertools.product(range(1, 4), range(5)):
        assert len(multi_indices(L, D)) == math.comb(L + D, D)
