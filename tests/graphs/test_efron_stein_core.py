"""Generic recursive matrix Efron–Stein machinery on hand-made matrix functions.

Oracles: exact answers for the Wigner matrix (V_C = V_R = (n-1) I, closed-form bounds),
dense SVD for Schatten norms, and exhaustive enumeration of all 2^N inputs for the exact
moments that every bound must dominate.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from sosrmt.graphs.efron_stein import (
    MatrixPolynomial,
    default_q_grid,
    discrete_derivative,
    es_constant,
    level1_bound,
    recursive_bound,
    schatten_norms,
    stacked_derivatives,
    variance_proxies,
)


def wigner_func(n):
    iu = np.triu_indices(n, 1)

    def f(x):
        g = np.zeros((n, n))
        g[iu] = x
        return g + g.T

    return f


def random_poly(rng, num_vars=5, shape=(3, 4), max_degree=3, terms=7):
    coeffs = {}
    for _ in range(terms):
        deg = int(rng.integers(1, max_degree + 1))
        key = tuple(sorted(rng.choice(num_vars, size=deg, replace=False).tolist()))
        coeffs[key] = rng.standard_normal(shape)
    return MatrixPolynomial(coeffs, num_vars)


def exact_moment(func, num_vars, qs, mean=None, p=0.5, values=(-1.0, 1.0)):
    """(E ||F - mean||_{S_2q}^{2q})^{1/2q} by enumerating all inputs."""
    tot = np.zeros(len(qs))
    norm = 0.0
    for bits in itertools.product((0, 1), repeat=num_vars):
        x = np.where(np.array(bits) == 1, values[1], values[0])
        prob = math.prod(p if b else 1 - p for b in bits)
        m = func(x) - (0 if mean is None else mean)
        s = np.linalg.svd(m, compute_uv=False)
        tot += prob * np.array([np.sum(s ** (2 * q)) for q in qs])
        norm += prob * s.max()
    return tot ** (1.0 / (2 * np.asarray(qs))), norm


# ------------------------------------------------------------------ derivatives


def test_discrete_derivative_of_monomials():
    f = lambda x: np.array([[x[0] * x[1], x[2]], [1.0, x[0]]])  # noqa: E731
    x = np.array([1.0, -1.0, 1.0])
    assert discrete_derivative(f, x, 0).tolist() == [[-1.0, 0.0], [0.0, 1.0]]
    assert discrete_derivative(f, x, 2).tolist() == [[0.0, 1.0], [0.0, 0.0]]
    # d_i F does not depend on x_i, and d_i d_i F = 0
    y = x.copy()
    y[0] = -1.0
    assert np.array_equal(discrete_derivative(f, x, 0), discrete_derivative(f, y, 0))
    dd = lambda z: discrete_derivative(f, z, 0)  # noqa: E731
    assert np.array_equal(discrete_derivative(dd, x, 0), np.zeros((2, 2)))


def test_stacked_derivatives_layout_and_gram_identities():
    rng = np.random.default_rng(1)
    poly = random_poly(rng, num_vars=4, shape=(2, 3))
    x = rng.choice([-1.0, 1.0], size=4)
    dc, dr = stacked_derivatives(poly, x)
    assert dc.shape == (2, 12) and dr.shape == (8, 3)
    parts = [discrete_derivative(poly, x, i) for i in range(4)]
    assert np.allclose(dc, np.hstack(parts)) and np.allclose(dr, np.vstack(parts))
    vc, vr = variance_proxies(poly, x)
    assert np.allclose(vc, sum(d @ d.T for d in parts))
    assert np.allclose(vr, sum(d.T @ d for d in parts))
    assert np.allclose(vc, dc @ dc.T) and np.allclose(vr, dr.T @ dr)


@pytest.mark.parametrize("n", [3, 5, 6])
def test_wigner_variance_proxies_are_n_minus_one_identity(n):
    f = wigner_func(n)
    rng = np.random.default_rng(n)
    for _ in range(3):
        x = rng.choice([-1.0, 1.0], size=n * (n - 1) // 2)
        vc, vr = variance_proxies(f, x)
        assert np.array_equal(vc, (n - 1) * np.eye(n))
        assert np.array_equal(vr, (n - 1) * np.eye(n))


def test_wigner_level1_exact_formula():
    n = 6
    res = level1_bound(wigner_func(n), 15, q=[1, 2, 3, 5], trials=4, rng=0)
    q = res.q.astype(float)
    expected = np.sqrt(4 * q - 2) * 2 ** (-1 / (2 * q)) * (2 * n * (n - 1) ** q) ** (1 / (2 * q))
    assert np.allclose(res.l1, expected, rtol=1e-12)
    assert res.trials == 4 and res.q_star == int(res.q[np.argmin(res.l1)])


# ------------------------------------------------------------------ Schatten norms


def test_schatten_norms_match_dense_svd():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((30, 17)) * (rng.random((30, 17)) < 0.2)
    qs = [1, 2, 3, 7]
    res = schatten_norms(a, qs)
    s = np.linalg.svd(a, compute_uv=False)
    want = [np.sum(s ** (2 * q)) ** (1 / (2 * q)) for q in qs]
    assert np.allclose(res.values, want, rtol=1e-10)
    assert np.isclose(res.operator_norm, s.max()) and res.exact
    assert np.isclose(res.frobenius, np.linalg.norm(a))


def test_schatten_norms_split_blocks_and_rank_fallback():
    import scipy.linalg as sla

    rng = np.random.default_rng(4)
    blocks = [rng.standard_normal((3, 4)) for _ in range(5)] + [rng.standard_normal((6, 2))]
    a = sla.block_diag(*blocks)
    perm_r, perm_c = rng.permutation(a.shape[0]), rng.permutation(a.shape[1])
    a = a[perm_r][:, perm_c]
    res = schatten_norms(a, [1, 2, 4])
    s = np.linalg.svd(a, compute_uv=False)
    assert res.blocks == 6
    assert np.allclose(res.values, [np.sum(s ** (2 * q)) ** (1 / (2 * q)) for q in (1, 2, 4)])
    # blocks above dense_limit fall back to rank^(1/2q) * sigma_max: an upper bound
    fb = schatten_norms(a, [1, 2, 4], dense_limit=1)
    assert not fb.exact and np.all(fb.values >= res.values * (1 - 1e-9))
    assert np.isclose(fb.operator_norm, res.operator_norm)


def test_q_validation_and_constants():
    assert default_q_grid(1).tolist() == [1, 2]
    assert np.allclose(es_constant([1, 2]), [1.0, math.sqrt(6) * 2 ** -0.25])
    for bad in (0, -1, [1, 0]):
        with pytest.raises(ValueError, match="q >= 1"):
            es_constant(bad)
    with pytest.raises(ValueError, match="integer"):
        es_constant(1.5)
    with pytest.raises(ValueError, match="at least one"):
        es_constant([])
    with pytest.raises(TypeError, match="q"):
        es_constant("a")
    with pytest.raises(TypeError, match="q"):
        es_constant(True)


# ------------------------------------------------------------------ matrix polynomials


def test_from_function_recovers_expansion():
    rng = np.random.default_rng(5)
    poly = random_poly(rng, num_vars=5)
    again = MatrixPolynomial.from_function(poly, 5)
    assert set(again.coefficients) == set(poly.coefficients)
    for key, c in poly.coefficients.items():
        assert np.allclose(again.coefficients[key], c)
    x = rng.choice([-1.0, 1.0], size=5)
    assert np.allclose(again(x), poly(x))


def test_expected_derivative_words_with_equal_R_count_have_equal_norms():
    rng = np.random.default_rng(6)
    poly = random_poly(rng, num_vars=4, shape=(2, 3), max_degree=3, terms=9)
    for t in range(4):
        by_r = {}
        for word in itertools.product("RC", repeat=t):
            w = "".join(word)
            vals = schatten_norms(poly.expected_derivative(w), [1, 3]).values
            by_r.setdefault(w.count("R"), []).append(vals)
        for vals in by_r.values():
            assert all(np.allclose(v, vals[0]) for v in vals)


def test_expected_derivative_level_one_is_the_stack():
    rng = np.random.default_rng(7)
    poly = MatrixPolynomial({(i,): rng.standard_normal((2, 3)) for i in range(4)}, 4)
    x = np.ones(4)
    dc, dr = stacked_derivatives(poly, x)
    # rows (I, i) with the matrix index slowest; D_row stacks with the derivative index slowest
    erow = poly.expected_derivative("R").toarray()
    perm = [r * 4 + i for i in range(4) for r in range(2)]
    assert np.allclose(erow[perm], dr)
    ecol = poly.expected_derivative("C").toarray()
    permc = [j * 4 + i for i in range(4) for j in range(3)]
    assert np.allclose(ecol[:, permc], dc)


@pytest.mark.parametrize("n", [4, 5])
def test_wigner_recursive_bound_closed_forms(n):
    poly = MatrixPolynomial.from_function(wigner_func(n), n * (n - 1) // 2)
    res = recursive_bound(poly, q=[1, 2, 3, 4])
    q = res.q.astype(float)
    # all n singular values of D_col F equal sqrt(n-1) (hand computation)
    flat = 2 * np.sqrt(4 * q - 2) * n ** (1 / (2 * q)) * np.sqrt(n - 1)
    tree = np.sqrt(4 * q - 2) * (n * (n - 1) ** q) ** (1 / (2 * q))
    assert np.allclose(res.flattened, flat) and np.allclose(res.tree, tree)
    assert res.q_star == int(q[np.argmin(tree)])


@pytest.mark.parametrize("seed", range(6))
def test_bounds_dominate_exact_moments_of_random_polynomials(seed):
    """L1(q) >= |||F - EF|||_2q and tree <= flattened, tree >= |||F|||_2q >= E||F||, exactly."""
    rng = np.random.default_rng(100 + seed)
    poly = random_poly(rng, num_vars=5, shape=(3, 4), max_degree=3)
    if seed % 2:  # a nonzero mean
        poly = MatrixPolynomial({**{tuple(k): v for k, v in poly.coefficients.items()},
                                 (): rng.standard_normal((3, 4))}, 5)
    qs = [1, 2, 3, 4]
    mom_c, _ = exact_moment(poly, 5, qs, mean=poly.mean())
    mom, enorm = exact_moment(poly, 5, qs)
    l1 = level1_bound(poly, 5, q=qs, exhaustive=True, mean=poly.mean())
    assert np.allclose(l1.moment, mom_c)
    assert np.all(l1.l1 >= mom_c * (1 - 1e-12))
    rb = recursive_bound(poly, q=qs)
    assert np.all(rb.tree <= rb.flattened * (1 + 1e-12))
    assert np.all(rb.tree >= mom * (1 - 1e-12))
    assert np.all(mom >= enorm * (1 - 1e-12))


def test_pbiased_weighted_level1_dominates_exact_moment():
    """Weighted stacks w_e = sqrt((chi_e^2 + 1) / 2): L1 >= exact |||F - EF|||_2q, G(N, p)."""
    p = 0.2
    chi = lambda x: (x - p) / math.sqrt(p * (1 - p))  # noqa: E731
    rng = np.random.default_rng(8)
    c = {key: rng.standard_normal((3, 3)) for key in [(0,), (1, 2), (0, 3), (1, 2, 3)]}

    def f(x):
        ch = chi(x)
        return sum(np.prod(ch[list(k)]) * v for k, v in c.items())

    qs = [1, 2, 3]
    mom, _ = exact_moment(f, 4, qs, p=p, values=(0.0, 1.0))
    res = level1_bound(f, 4, q=qs, model="pbiased", p=p, exhaustive=True)
    assert np.allclose(res.moment, mom)
    assert np.all(res.l1 >= mom)
    # the weights matter: unweighted stacks would be too small for this sparse input
    x = np.array([1.0, 0.0, 0.0, 1.0])
    dc_w, _ = stacked_derivatives(f, x, model="pbiased", p=p)
    dc_u, _ = stacked_derivatives(f, x, model="pbiased", p=p, weighted=False)
    w = np.sqrt((chi(x) ** 2 + 1) / 2)
    assert np.allclose(dc_w, dc_u * np.repeat(w, 3)[None, :])


def test_pbiased_at_half_equals_rademacher():
    n = 5
    f_pm = wigner_func(n)
    f01 = lambda x: f_pm(2 * x - 1)  # noqa: E731
    a = level1_bound(f01, 10, q=[1, 2], model="pbiased", p=0.5, trials=3, rng=2)
    b = level1_bound(f_pm, 10, q=[1, 2], trials=3, rng=2)
    assert np.allclose(a.l1, b.l1)


# ------------------------------------------------------------------ bad input


def test_bad_inputs_raise():
    f = wigner_func(3)
    with pytest.raises(ValueError, match="model"):
        level1_bound(f, 3, model="gaussian")
    with pytest.raises(ValueError, match="p"):
        level1_bound(f, 3, model="pbiased")
    with pytest.raises(ValueError, match="q >= 1"):
        level1_bound(f, 3, q=0)
    with pytest.raises(ValueError, match="x: expected entries"):
        variance_proxies(f, np.array([1.0, 0.5, 1.0]))
    with pytest.raises(ValueError, match="i: expected"):
        discrete_derivative(f, np.ones(3), 3)
    with pytest.raises(ValueError, match="2-d"):
        variance_proxies(lambda x: x, np.ones(3))
    with pytest.raises(ValueError, match="mean"):
        level1_bound(f, 3, mean=np.zeros((2, 2)), trials=1)
    with pytest.raises(ValueError, match="exhaustive"):
        level1_bound(f, 17, exhaustive=True)
    with pytest.raises(TypeError, match="trials"):
        level1_bound(f, 3, trials=1.5)
    with pytest.raises(ValueError, match="distinct indices"):
        MatrixPolynomial({(0, 0): np.eye(2)}, 2)
    with pytest.raises(ValueError, match="shape"):
        MatrixPolynomial({(0,): np.eye(2), (1,): np.eye(3)}, 2)
    with pytest.raises(TypeError, match="poly"):
        recursive_bound(np.eye(2))
    with pytest.raises(ValueError, match="word"):
        MatrixPolynomial({(0,): np.eye(2)}, 1).expected_derivative("RX")
