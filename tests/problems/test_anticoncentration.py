"""Tests for sosrmt.problems.anticoncentration: samplers, isotropy, exact OPT, population
references, the SoS relaxation of the integer program and the polynomial certificate."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from sosrmt.problems import anticoncentration as ac

SQ2 = math.sqrt(2.0)
AXES2 = SQ2 * np.array([[1.0, 0], [-1, 0], [0, 1], [0, -1]])          # isotropic, n=4, d=2
AXES3 = math.sqrt(3.0) * np.concatenate([np.eye(3), -np.eye(3)])      # isotropic, n=6, d=3
AXES4 = 2.0 * np.concatenate([np.eye(4), -np.eye(4)])                # isotropic, n=8, d=4


def fib_sphere(m: int) -> np.ndarray:
    i = np.arange(m) + 0.5
    phi = np.arccos(1 - 2 * i / m)
    th = np.pi * (1 + 5 ** 0.5) * i
    return np.c_[np.cos(th) * np.sin(phi), np.sin(th) * np.sin(phi), np.cos(phi)]


# ----------------------------------------------------------------------------- samplers

@pytest.mark.parametrize("dist", ["gaussian", "cube", "rademacher", "lp:1", "lp:2.5", "lp:4"])
def test_sampler_shape_and_determinism(dist):
    a = ac.sample_points(dist, 30, 3, rng=5)
    b = ac.sample_points(dist, 30, 3, rng=np.random.default_rng(5))
    assert a.shape == (30, 3)
    np.testing.assert_array_equal(a, b)


def test_cube_and_rademacher_support():
    assert np.abs(ac.sample_cube(500, 4, rng=0)).max() <= math.sqrt(3)
    assert set(np.unique(ac.sample_rademacher(200, 3, rng=0))) == {-1.0, 1.0}


@pytest.mark.parametrize(("d", "p"), [(2, 1.0), (3, 2.0), (5, 4.0), (4, 1.5)])
def test_lp_ball_sampler_is_uniform(d, p):
    # ||x||_p^d ~ U[0, 1] for the uniform ball: mean 1/2, sd 1/sqrt(12 N); 4 standard errors
    N = 40_000
    x = ac.sample_lp_ball(N, d, p, isotropic=False, rng=1)
    r = (np.abs(x) ** p).sum(axis=1) ** (1 / p)
    assert r.max() <= 1.0
    u = r ** d
    assert abs(u.mean() - 0.5) < 4 / math.sqrt(12 * N)
    # second quantile check: P(u <= 1/4) = 1/4, binomial sd; 4 standard errors
    assert abs(np.mean(u <= 0.25) - 0.25) < 4 * math.sqrt(0.25 * 0.75 / N)


@pytest.mark.parametrize(("d", "p"), [(2, 1.0), (3, 4.0), (6, 2.0)])
def test_lp_second_moment_formula_monte_carlo(d, p):
    N = 60_000
    x = ac.sample_lp_ball(N, d, p, isotropic=False, rng=2)
    s = x[:, 0] ** 2
    # 4 standard errors of the sample mean of x_1^2
    assert abs(s.mean() - ac.lp_ball_second_moment(d, p)) < 4 * s.std() / math.sqrt(N)
    xi = ac.sample_lp_ball(N, d, p, rng=2)
    assert abs(np.mean(xi[:, 1] ** 2) - 1.0) < 4 * np.std(xi[:, 1] ** 2) / math.sqrt(N)


def test_lp_second_moment_exact_values():
    assert ac.lp_ball_second_moment(2, 2.0) == pytest.approx(0.25, rel=1e-12)   # disc
    assert ac.lp_ball_second_moment(3, 2.0) == pytest.approx(0.2, rel=1e-12)    # ball: 1/(d+2)
    assert ac.lp_ball_second_moment(1, 1.0) == pytest.approx(1 / 3, rel=1e-12)  # U[-1, 1]


def test_affine_transform_and_whitening():
    X = ac.sample_cube(400, 3, rng=3)
    A = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.0, 3.0]])
    Y = ac.affine_transform(X, A, [1.0, -2.0, 0.5])
    np.testing.assert_allclose(Y[0], A @ X[0] + [1.0, -2.0, 0.5])
    Z, W, mu = ac.whiten(Y, center=True, return_transform=True)
    assert ac.isotropy_error(Z) < 1e-10
    np.testing.assert_allclose(mu, Y.mean(axis=0))
    np.testing.assert_allclose(Z, (Y - mu) @ W.T)
    assert ac.isotropy_error(ac.whiten(X)) < 1e-10


# ----------------------------------------------------------------------------- bad input

def test_isotropy_check_says_how_far_and_offers_whitening():
    X = 3 * ac.whiten(ac.sample_gaussian(50, 2, rng=0))
    with pytest.raises(ValueError, match=r"I\|\|_op = 8.*whiten"):
        ac.opt_exact(X, 0.1)
    assert ac.opt_exact(X, 0.1, whiten=True).exact


@pytest.mark.parametrize("delta", [0.0, -0.1, 1.0, 2.5, float("nan")])
def test_bad_delta(delta):
    with pytest.raises(ValueError, match="delta"):
        ac.opt_exact(AXES2, delta)


def test_bad_points():
    with pytest.raises(ValueError, match="d >= 2"):
        ac.opt_exact(np.array([[1.0], [-1.0]]), 0.1)
    with pytest.raises(ValueError, match="finite"):
        ac.opt_exact(np.array([[np.nan, 1.0], [1.0, 0.0], [0.0, 1.0]]), 0.1)
    with pytest.raises(ValueError, match="more points than dimensions"):
        ac.opt_exact(np.eye(2), 0.1)
    with pytest.raises(ValueError, match="2-dimensional"):
        ac.opt_exact(np.ones(4), 0.1)
    dup = ac.whiten(np.concatenate([AXES2, AXES2[:1]]))
    with pytest.raises(ValueError, match=r"rows \[0, 4\] are equal.*allow_duplicates"):
        ac.opt_exact(dup, 0.1)
    assert ac.opt_exact(dup, 0.1, allow_duplicates=True).exact
    with pytest.raises(ValueError, match="proper subspace"):
        ac.whiten(np.c_[np.arange(5.0), 2 * np.arange(5.0)])


def test_bad_arguments():
    with pytest.raises(ValueError, match="dist"):
        ac.sample_points("laplace", 3, 2)
    with pytest.raises(ValueError, match="p: expected"):
        ac.sample_lp_ball(3, 2, 0.5)
    with pytest.raises(TypeError, match="dist"):
        ac.parse_distribution(3)
    with pytest.raises(ValueError, match="A: expected shape"):
        ac.affine_transform(np.ones((3, 2)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="degree"):
        ac.poly_certificate(AXES2, 0.1, degree=5)
    with pytest.raises(ValueError, match="degree"):
        ac.poly_certificate(AXES2, 0.1, degree=40)
    with pytest.raises(ValueError, match="reference"):
        ac.poly_certificate(AXES2, 0.1, reference="uniform")
    with pytest.raises(ValueError, match="level"):
        ac.ip_relaxation(AXES2, 0.1, level=5)
    with pytest.raises(ValueError, match="backend"):
        ac.ip_relaxation(AXES2, 0.1, backend="mosek")


def test_memory_is_estimated_and_refused():
    X = ac.whiten(ac.sample_gaussian(60, 3, rng=0))
    with pytest.raises(ValueError, match=r"GiB.*level='2\+2'"):
        ac.ip_relaxation(X, 0.1, level=8)            # full degree-8 basis in 63 variables
    X = ac.whiten(ac.sample_gaussian(3000, 20, rng=0))
    with pytest.raises(ValueError, match=r"2\+2 anti-concentration SDP.*GiB"):
        ac.ip_relaxation(X, 0.1)


# ----------------------------------------------------------------------------- exact OPT

def test_exact_small_cases():
    # axis points: v = e1 puts the two points (0, +-sqrt2) in the slab; 3 would need
    # |v1|, |v2| <= 0.5 / sqrt 2, impossible on the circle
    assert ac.opt_exact(AXES2, 0.5).count == 2
    assert ac.opt_exact(AXES3, 0.5).count == 4
    res4 = ac.opt_exact(AXES4, 0.5, rng=0)
    assert not res4.exact and res4.method == "search-lower-bound"
    assert res4.count == 6  # the search finds the true optimum here
    assert ac.slab_fraction(AXES4, res4.direction, 0.5) == res4.value


@pytest.mark.parametrize(("dist", "seed"), [("gaussian", 0), ("cube", 1), ("lp:1", 2),
                                            ("rademacher", 3), ("gaussian", 4)])
@pytest.mark.parametrize("delta", [0.03, 0.2])
def test_sweep_equals_fine_grid(dist, seed, delta):
    X = ac.whiten(ac.sample_points(dist, 150, 2, rng=seed))
    res = ac.opt_exact(X, delta, allow_duplicates=True)
    m = 100_000
    th = np.linspace(0, np.pi, m, endpoint=False)
    V = np.c_[np.cos(th), np.sin(th)]
    h = np.pi / m  # grid spacing: the optimum is within h/2 of a grid angle
    R = np.linalg.norm(X, axis=1).max()
    assert ac.slab_count(X, V, delta).max() <= res.count
    assert res.count <= ac.slab_count(X, V, delta + R * h / 2 + 1e-12).max()
    assert res.count == res.info["recount"]
    assert ac.slab_fraction(X, res.direction, delta) == res.value


@pytest.mark.parametrize("seed", [0, 1])
def test_d3_enumeration_sandwiched_by_sphere_grid(seed):
    X = ac.whiten(ac.sample_gaussian(60, 3, rng=seed))
    delta = 0.15
    res = ac.opt_exact(X, delta)
    V = fib_sphere(200_000)
    # the Fibonacci grid has covering radius < 0.01 rad at this size
    R = np.linalg.norm(X, axis=1).max()
    assert ac.slab_count(X, V, delta).max() <= res.count
    assert res.count <= ac.slab_count(X, V, delta + R * 0.01).max()
    assert ac.slab_fraction(X, res.direction, delta) == res.value


def test_d3_on_planar_data():
    # planar data embedded in R^3: the normal e3 puts every point in the slab, and the
    # in-plane directions reproduce the d = 2 sweep
    X2 = ac.whiten(ac.sample_gaussian(80, 2, rng=7))
    X3 = np.c_[X2, np.zeros(80)]
    res3 = ac.opt_exact(X3, 0.1, isotropy_tol=np.inf)
    assert res3.count == 80
    res2 = ac.opt_exact(X2, 0.1)
    assert ac.slab_fraction(X3, np.r_[res2.direction, 0.0], 0.1) == res2.value


def test_search_lower_bound_d4():
    X = ac.whiten(ac.sample_gaussian(200, 4, rng=0))
    res = ac.opt_exact(X, 0.2, rng=1)
    assert not res.exact
    assert ac.slab_fraction(X, res.direction, 0.2) == res.value
    # at least as good as the best of many random directions
    V = np.random.default_rng(2).standard_normal((2000, 4))
    V /= np.linalg.norm(V, axis=1)[:, None]
    assert res.count >= ac.slab_count(X, V, 0.2).max()


# ----------------------------------------------------------------------------- population

def test_population_formulas_exact():
    for delta in (0.05, 0.3, 1.0):
        assert ac.gaussian_slab_mass(delta) == pytest.approx(special.erf(delta / SQ2))
        assert ac.cube_slab_mass(delta, [1.0, 1.0]) == pytest.approx(
            ac.cube_slab_mass_worst(delta), abs=1e-12)
        assert ac.cube_slab_mass(delta, [1.0, 0.0, 0.0]) == pytest.approx(
            delta / math.sqrt(3), abs=1e-12)
    # closed-form values
    for d, val in ((2, 0.3183), (3, 0.3354), (10, 0.3734)):
        assert ac.l2_ball_density_at_zero(d) == pytest.approx(val, abs=5e-5)
        s = 1e-5
        assert ac.lp_ball_slab_mass(s, d, 2.0) / (2 * s) == pytest.approx(
            ac.l2_ball_density_at_zero(d), rel=1e-6)
    assert ac.rademacher_slab_mass(0.3, [1.0, -1.0]) == 0.5
    assert ac.rademacher_slab_mass(0.3, [1.0, -1.0, 0.0, 0.0]) == 0.5
    assert ac.population_opt("rademacher", 2, 0.4) == (0.5, "exact")


@pytest.mark.parametrize(("dist", "v"), [("gaussian", [0.6, 0.8]), ("cube", [1.0, 1.0]),
                                         ("cube", [1.0, 2.0, -0.5]), ("lp:2", [1.0, 1.0, 1.0]),
                                         ("lp:1", [1.0, 0.0]), ("lp:4", [1.0, 0.0, 0.0])])
def test_population_slab_mass_monte_carlo(dist, v):
    N, delta = 200_000, 0.15
    v = np.asarray(v) / np.linalg.norm(v)
    X = ac.sample_points(dist, N, v.size, rng=11)
    mc = np.mean(np.abs(X @ v) <= delta)
    name, p = ac.parse_distribution(dist)
    if name == "gaussian":
        ref = ac.gaussian_slab_mass(delta)
    elif name == "cube":
        ref = ac.cube_slab_mass(delta, v)
    else:  # lp: the coordinate slab, or any direction for p = 2 (rotation invariance)
        ref = ac.lp_ball_slab_mass(delta, v.size, p)
    # binomial standard error; 4 standard errors
    assert abs(mc - ref) < 4 * math.sqrt(ref * (1 - ref) / N)


def test_large_n_opt_dominates_population():
    # OPT >= the slab fraction in the population's worst direction; 3 sd
    n, delta = 20_000, 0.1
    for dist, ref in (("gaussian", ac.gaussian_slab_mass(delta)),
                      ("cube", ac.cube_slab_mass_worst(delta))):
        X = ac.whiten(ac.sample_points(dist, n, 2, rng=5))
        sd = math.sqrt(ref * (1 - ref) / n)
        assert ac.opt_exact(X, delta).value >= ref - 3 * sd
    for d, n in ((2, 5000), (3, 150)):  # d = 3 enumeration is O(n^3)
        X = ac.whiten(ac.sample_rademacher(n, d, rng=5))
        assert ac.opt_exact(X, 0.05, allow_duplicates=True).value >= 0.5


# ----------------------------------------------------------------------------- SoS IP

@pytest.mark.parametrize(("dist", "seed"), [("gaussian", 0), ("cube", 1), ("rademacher", 2),
                                            ("lp:1", 3)])
def test_ip_relaxation_bounds_opt(dist, seed):
    X = ac.whiten(ac.sample_points(dist, 10, 2, rng=seed))
    vals = []
    for delta in (0.1, 0.3, 0.6):
        opt = ac.opt_exact(X, delta, allow_duplicates=True).value
        res = ac.ip_relaxation(X, delta, allow_duplicates=True)
        assert res.status in ("optimal", "optimal_inaccurate")
        assert res.bound >= opt
        assert res.value >= opt - 1e-5          # a relaxation (solver tolerance 1e-5)
        assert res.bound >= res.value - 1e-7
        assert min(res.check().values()) > -1e-5
        vals.append(res.value)
        if dist == "rademacher":
            assert res.bound >= 0.5
    # the feasible set grows with delta (solver tolerance 1e-5)
    assert vals[0] <= vals[1] + 1e-5 <= vals[2] + 2e-5


def test_ip_relaxation_exact_case_and_scs_backend():
    res = ac.ip_relaxation(AXES2, 0.5)
    assert res.bound >= 0.5 and res.value == pytest.approx(0.5, abs=1e-4)
    r2 = ac.ip_relaxation(AXES3, 0.5, backend="scs")
    assert r2.bound >= 4 / 6


def test_ip_relaxation_bound_is_rigorous_for_any_dual():
    # the bound is valid for *any* dual vector: a random one gives a loose but valid bound
    from sosrmt.problems.anticoncentration import relaxation as S

    X = ac.whiten(ac.sample_gaussian(6, 2, rng=4))
    opt = ac.opt_exact(X, 0.2).value
    captured = {}
    orig = S._rigorous_bound

    def spy(A, b, c, y, cone, backend):
        captured.update(A=A, b=b, c=c, cone=cone, backend=backend, n=y.size)
        return orig(A, b, c, y, cone, backend)

    S._rigorous_bound = spy
    try:
        ac.ip_relaxation(X, 0.2)
    finally:
        S._rigorous_bound = orig
    rng = np.random.default_rng(0)
    for _ in range(5):
        y = rng.standard_normal(captured["n"])
        assert orig(captured["A"], captured["b"], captured["c"], y, captured["cone"],
                    captured["backend"]) >= opt
    y0 = np.zeros(captured["n"])  # y = 0: the bound is ||c||_1 = 1
    assert orig(captured["A"], captured["b"], captured["c"], y0, captured["cone"],
                captured["backend"]) == pytest.approx(1.0)


def test_ip_relaxation_d3_and_engine_level4():
    X = ac.whiten(ac.sample_gaussian(8, 3, rng=1))
    assert ac.ip_relaxation(X, 0.3).bound >= ac.opt_exact(X, 0.3).value
    X = ac.whiten(ac.sample_gaussian(5, 2, rng=3))
    res = ac.ip_relaxation(X, 0.2, level=4)
    assert res.level == "4" and res.status in ("optimal", "optimal_inaccurate")
    assert res.bound >= ac.opt_exact(X, 0.2).value


# ----------------------------------------------------------------------------- poly route

def test_verify_slab_polynomial_exact():
    assert ac.verify_slab_polynomial(np.array([1.0 + 2 ** -40, 0, 0]), 0.3)
    assert not ac.verify_slab_polynomial(np.array([1.0, 0, 0]), 0.3)   # p = 1 is not > 1
    # 2 - 10 z^2 + z^4 is < 0 at z = 1
    assert not ac.verify_slab_polynomial(np.array([2.0, 0, -10.0, 0, 1.0]), 0.1)
    # 1.2 - 40 z^2 + 400 z^4 - ... fails p >= 1 inside [-0.1, 0.1]
    assert not ac.verify_slab_polynomial(np.array([1.2, 0, -40.0, 0, 400.0]), 0.1)
    assert not ac.verify_slab_polynomial(np.array([2.0, 1.0]), 0.1)       # odd degree


def test_sphere_bound_of_quadratic_form_is_max_eigenvalue():
    from sosrmt.poly import Polynomial
    from sosrmt.problems.anticoncentration.polynomial import sphere_form_bound
    from sosrmt.sos import Sphere, solve

    rng = np.random.default_rng(0)
    for d in (2, 3):
        M = rng.standard_normal((d, d))
        A = (M + M.T) / 2
        lam = np.linalg.eigvalsh(A)[-1]
        form = {}
        for a in range(d):
            for b in range(d):
                e = tuple(int(k == a) + int(k == b) for k in range(d))
                form[e] = form.get(e, 0.0) + A[a, b]
        own = sphere_form_bound(form, d, 1, lam, lam * np.eye(d) - A)
        assert lam <= own <= lam + 1e-9
        # basis order of _forms(d, 1) is e_0, ..., e_{d-1}: the Gram of lam I - A
        res = solve(Polynomial.quadratic_form(A, ring="general"), Sphere(d), degree=2)
        assert res.bound >= lam - 1e-12 and res.bound == pytest.approx(lam, abs=1e-4)


@pytest.mark.parametrize(("dist", "seed"), [("gaussian", 0), ("cube", 1), ("lp:1", 2),
                                            ("lp:4", 3), ("rademacher", 4)])
def test_poly_certificate_bounds_opt(dist, seed):
    X = ac.whiten(ac.sample_points(dist, 120, 2, rng=seed))
    prev = -1.0
    for delta in (0.05, 0.2, 0.4):
        opt = ac.opt_exact(X, delta, allow_duplicates=True).value
        c = ac.poly_certificate(X, delta, degree=8, allow_duplicates=True)
        assert c.info["verified"] and c.bound is not None
        assert c.bound >= opt
        # d = 2: binary forms are SoS, so the sphere step is tight (solver tolerance 1e-4)
        assert c.grid_max <= c.bound <= c.grid_max + 1e-4
        # p really is >= 1 on the slab and >= 0 (spot check of the verified polynomial)
        z = np.linspace(-delta, delta, 101)
        assert np.all(c.evaluate(z) >= 1.0)
        assert np.all(c.evaluate(np.linspace(-6, 6, 2001)) >= 0.0)
        assert c.bound >= prev - 1e-4  # the optimal certificate grows with delta
        prev = c.bound
        if dist == "rademacher":
            assert c.bound >= 0.5


def test_poly_certificate_gaussian_reference_and_d3():
    X = ac.whiten(ac.sample_gaussian(150, 2, rng=0))
    joint = ac.poly_certificate(X, 0.1, degree=8)
    gauss = ac.poly_certificate(X, 0.1, degree=8, reference="gaussian")
    assert gauss.bound >= joint.bound - 1e-6 >= ac.opt_exact(X, 0.1).value
    X3 = ac.whiten(ac.sample_gaussian(80, 3, rng=1))
    c3 = ac.poly_certificate(X3, 0.2, degree=6, rng=0)
    assert c3.bound >= ac.opt_exact(X3, 0.2).value and c3.bound >= c3.grid_max


@pytest.mark.slow
def test_anticoncentrated_certify_below_rademacher_control():
    # the control certifies nothing below 1/2; anti-concentrated samples do
    delta, n = 0.05, 200
    vals = {}
    for dist in ("gaussian", "cube", "lp:1", "rademacher"):
        X = ac.whiten(ac.sample_points(dist, n, 2, rng=1))
        vals[dist] = ac.poly_certificate(X, delta, degree=16, engine=False,
                                         allow_duplicates=True).bound
    assert vals["rademacher"] >= 0.5
    for dist in ("gaussian", "cube", "lp:1"):
        assert vals[dist] < 0.48 < vals["rademacher"]
