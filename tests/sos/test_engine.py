"""Engine internals: assembly, symmetry, pseudo-expectations, certificates, bad input."""

import itertools
from fractions import Fraction

import numpy as np
import pytest

from sosrmt.poly import Polynomial, variables
from sosrmt.sos import (
    Boolean,
    Hypercube,
    MomentRelaxation,
    PseudoExpectation,
    RelaxationSolver,
    Semialgebraic,
    SosCertificate,
    Sphere,
    solve,
)
from sosrmt.sos.exact import is_positive_definite_exact


def sk(n, seed):
    G = np.random.default_rng(seed).standard_normal((n, n))
    W = (G + G.T) / np.sqrt(2)
    np.fill_diagonal(W, 0)
    return W


def brute(W):
    X = np.array(list(itertools.product([-1.0, 1.0], repeat=W.shape[0])))
    return float(np.max(np.einsum("ki,ij,kj->k", X, W, X)))


def test_sizes_of_degree4_sk_relaxation():
    n = 30
    rel = MomentRelaxation(Polynomial.quadratic_form(sk(n, 0)), Hypercube(n), 4)
    # even block {1} + pairs, odd block singletons; moments: even-degree monomials <= 4
    assert [b.size for b in rel.blocks] == [1 + 435, 30]
    assert rel.moment_keys.size == 1 + 435 + 27405
    rel_full = MomentRelaxation(
        Polynomial.quadratic_form(sk(n, 0)), Hypercube(n), 4, symmetry="none"
    )
    assert [b.size for b in rel_full.blocks] == [466]
    assert rel_full.moment_keys.size == 1 + 30 + 435 + 4060 + 27405


def test_moment_matrix_rows_reproduce_the_moment_matrix():
    # F applied to the moments of a true distribution reproduces its moment matrix (svec)
    n = 4
    dom = Hypercube(n)
    pts = np.array(list(itertools.product([-1.0, 1.0], repeat=n)))[:5]
    E = PseudoExpectation.from_distribution(dom, 4, pts)
    rel = MomentRelaxation(Polynomial.quadratic_form(sk(n, 1)), dom, 4, symmetry="none")
    y = np.array([E.moment(int(k)) for k in rel.moment_keys])
    svec = rel.F @ y
    blk = rel.blocks[0]
    from sosrmt.sos.relaxation import svec_to_matrix

    np.testing.assert_allclose(
        svec_to_matrix(svec[blk.rows], blk.size), E.moment_matrix(), atol=1e-12
    )


@pytest.mark.parametrize("backend", ["scs", "cvxpy"])
def test_symmetry_does_not_change_the_value(backend):
    W = sk(7, 2)
    p = Polynomial.quadratic_form(W)
    a = solve(p, Hypercube(7), 4, backend=backend)
    b = solve(p, Hypercube(7), 4, backend=backend, symmetry="none")
    assert a.value == pytest.approx(b.value, rel=1e-5)


@pytest.mark.parametrize("seed", range(4))
def test_degree4_sk_is_tight_and_certifies_brute_force(seed):
    W = sk(9, seed)
    opt = brute(W)
    res = solve(Polynomial.quadratic_form(W), Hypercube(9), 4)
    assert res.tight
    assert res.bound >= opt - 1e-9
    assert res.bound - opt <= 1e-5 * opt
    assert float(res.point @ W @ res.point) == pytest.approx(opt)


@pytest.mark.parametrize("seed", range(5))
def test_rigorous_bound_holds_at_loose_tolerance(seed):
    W = sk(10, 10 + seed)
    opt = brute(W)
    for degree in (2, 4):
        res = solve(Polynomial.quadratic_form(W), Hypercube(10), degree, eps=1e-2, early_stop=False)
        assert res.status in ("optimal", "optimal_inaccurate")
        assert res.bound >= opt  # holds for any dual point, however inaccurate


def test_exact_verification_of_sk_certificates():
    W = sk(8, 5)
    opt = brute(W)
    for degree in (2, 4):
        res = solve(Polynomial.quadratic_form(W), Hypercube(8), degree)
        proof = res.certificate.verify_exact()
        assert proof.verified, proof.reason
        assert isinstance(proof.bound, Fraction)
        assert proof.bound >= Fraction(opt)
        assert float(proof.bound) - res.value < 1e-4 * abs(res.value)


def test_exact_verification_fails_for_a_wrong_certificate():
    W = sk(6, 1)
    res = solve(Polynomial.quadratic_form(W), Hypercube(6), 2)
    cert = res.certificate
    rel = res.relaxation
    assert rel.blocks[0].basis[0] == 0  # the (1, 1) entry of the first block is z's first row
    z = np.array(cert.z)
    z[rel.blocks[0].rows.start] -= 1.0  # lowers lambda by exactly 1
    wrong = SosCertificate(rel, z)
    assert wrong.lam == pytest.approx(cert.lam - 1.0)
    # claim a bound 1 below the truth: no PSD projection can exist
    assert not wrong.verify_exact(shift=0.0)


def test_exact_positive_definite_kernel():
    F = Fraction
    hilbert = [[F(1, i + j + 1) for j in range(6)] for i in range(6)]
    assert is_positive_definite_exact(hilbert) == (True, None)
    singular = [[F(1), F(1)], [F(1), F(1)]]
    assert is_positive_definite_exact(singular)[0] is False
    rng = np.random.default_rng(0)
    for _ in range(20):
        A = rng.integers(-3, 4, size=(5, 5))
        S = A @ A.T + np.diag(rng.integers(-2, 3, size=5))
        ok, _ = is_positive_definite_exact([[F(int(v)) for v in row] for row in S])
        assert ok == bool(np.linalg.eigvalsh(S.astype(float)).min() > 1e-9)


def test_resolve_new_objective_reuses_workspace():
    n = 8
    rel = MomentRelaxation(Polynomial.quadratic_form(sk(n, 0)), Hypercube(n), 4)
    solver = RelaxationSolver(rel)
    first = solver.solve()
    second = solver.solve(Polynomial.quadratic_form(sk(n, 1)))
    fresh = solve(Polynomial.quadratic_form(sk(n, 1)), Hypercube(n), 4)
    assert first.value == pytest.approx(brute(sk(n, 0)), rel=1e-6)
    assert second.value == pytest.approx(fresh.value, rel=1e-6)


def test_pseudo_expectation_checks():
    dom = Hypercube(3)
    x = dom.variables()
    pts = np.array([[1, 1, -1], [-1, 1, 1]], dtype=float)
    E = PseudoExpectation.from_distribution(dom, 4, pts, weights=[0.25, 0.75])
    p = x[0] * x[1] + x[2]
    assert E(p) == pytest.approx(0.25 * p(pts[0]) + 0.75 * p(pts[1]))
    assert E.check().ok
    # a functional with E[x0 x1] = 2 is not PSD: |E[x0 x1]| <= 1 on the hypercube
    bad = PseudoExpectation.from_moments(dom, 2, {0: 1.0, 3: 2.0})
    report = bad.check()
    assert not report.ok and report.min_eigenvalue < 0
    sphere = Sphere(2)
    ang = np.linspace(0, 2 * np.pi, 7)[:-1]
    Es = PseudoExpectation.from_distribution(sphere, 4, np.c_[np.cos(ang), np.sin(ang)])
    report = Es.check()
    assert report.ok and report.equality_residuals[0] < 1e-12
    with pytest.raises(ValueError, match="degree"):
        Es(sphere.variables()[0] ** 6)


def test_localizing_matrix_of_a_true_distribution_is_psd():
    dom = Semialgebraic(2, inequalities=[1 - variables(2)[0] ** 2 - variables(2)[1] ** 2])
    rng = np.random.default_rng(3)
    pts = rng.uniform(-0.7, 0.7, size=(30, 2))
    E = PseudoExpectation.from_distribution(dom, 4, pts)
    assert np.linalg.eigvalsh(E.localizing_matrix(dom.inequalities[0])).min() > -1e-12


def test_boolean_relaxation_bounds_brute_force():
    rng = np.random.default_rng(4)
    n = 6
    Q = rng.standard_normal((n, n))
    p = Polynomial.quadratic_form(Q, ring="boolean")
    pts = Boolean(n).points()
    opt = float(p(pts).max())
    res = solve(p, Boolean(n), 4)
    assert res.bound >= opt - 1e-9
    assert res.value >= opt - 1e-6


def test_bad_input():
    W = sk(4, 0)
    p = Polynomial.quadratic_form(W)
    with pytest.raises(ValueError, match="degree"):
        MomentRelaxation(p, Hypercube(4), 1)  # odd
    with pytest.raises(ValueError, match="even"):
        MomentRelaxation(p, Hypercube(4), 3)
    x = variables(2)
    with pytest.raises(ValueError, match="below the objective"):
        MomentRelaxation(x[0] ** 4, Semialgebraic(2), 2)
    with pytest.raises(ValueError, match="variables"):
        MomentRelaxation(p, Hypercube(5), 4)
    with pytest.raises(ValueError, match="memory"):
        MomentRelaxation(Polynomial.quadratic_form(sk(300, 0)), Hypercube(300), 4)
    with pytest.raises(ValueError, match="sense"):
        MomentRelaxation(p, Hypercube(4), 2, sense="maximise")
    with pytest.raises(TypeError, match="domain"):
        MomentRelaxation(p, "cube", 2)
    with pytest.raises(ValueError, match="backend"):
        solve(p, Hypercube(4), 2, backend="gurobi-by-hand")
    with pytest.raises(ValueError, match="boolean"):
        MomentRelaxation(Polynomial.quadratic_form(W, ring="boolean"), Hypercube(4), 2)


def test_early_stop_certifies_a_slow_tight_instance():
    # SK n=12 seed 3: SCS needs ~1850 iterations to converge, but the moment matrix is
    # flat early; polishing the dual on the optimal face certifies OPT after one chunk.
    from sosrmt.problems.sk import brute_force_max, sk_instance, sos_value

    W = sk_instance(12, seed=3)
    opt = brute_force_max(W)[0]
    early = sos_value(W, 4)
    full = sos_value(W, 4, early_stop=False)
    assert early.stats["stopped_early"] and early.tight
    assert early.stats["iterations"] < full.stats["iterations"]
    assert opt <= early.bound <= opt * (1 + 1e-6)
    assert early.value == pytest.approx(opt, rel=1e-12)
    assert early.certificate.min_eigenvalue() >= 0
    assert early.certificate.verify_exact().verified
