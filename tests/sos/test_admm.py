"""The ADMM backend: agreement with SCS and brute force, both certified sides, statuses."""

import numpy as np
import pytest

from sosrmt.poly import Polynomial
from sosrmt.problems import sk
from sosrmt.sos import Hypercube, MomentRelaxation, solve
from sosrmt.sos.backends.admm import AdmmBackend, _PsdBlock, primal_bound
from sosrmt.sos.testproblems import named_problem

GW_C5 = 2.5 * (1 - np.cos(4 * np.pi / 5))


@pytest.mark.parametrize("seed", [0, 1])
def test_sk_degree4_agrees_with_scs_and_brute_force(seed):
    W = sk.sk_instance(10, seed=seed)
    opt = sk.brute_force_max(W)[0]
    a = sk.sos_value(W, 4, backend="admm")
    s = sk.sos_value(W, 4, backend="scs")
    assert a.ok and s.ok
    assert a.tight and a.value == pytest.approx(opt, rel=1e-9)  # degree 4 is exact here
    assert a.value == pytest.approx(s.value, rel=1e-6)
    assert opt <= a.bound <= opt * (1 + 1e-5)


def test_c5_degree2_is_goemans_williamson_and_both_sides_bracket_it():
    prob = named_problem("maxcut_c5_deg2")
    res = solve(prob.objective, prob.domain, 2, backend="admm", early_stop=False)
    assert res.status == "optimal"
    assert res.value == pytest.approx(GW_C5, abs=1e-6)
    low = res.stats["primal_bound"]
    assert low <= GW_C5 <= res.bound  # certified lower bound, rigorous upper bound
    assert res.bound - low < 1e-5


def test_c5_degree4_certifies_the_maximum_cut():
    prob = named_problem("maxcut_c5_deg4")
    res = solve(prob.objective, prob.domain, 4, backend="admm")
    assert res.ok and res.tight
    assert prob.objective.evaluate(res.point) == pytest.approx(4.0)
    assert 4.0 <= res.bound < 4.0 + 1e-5


def test_non_convergence_is_a_status_not_a_number():
    W = sk.sk_instance(10, seed=3)
    res = sk.sos_value(W, 4, backend="admm", max_iters=3, early_stop=False)
    assert res.status == "max_iters" and not res.ok
    assert res.bound is None and np.isnan(res.value) and res.certificate is None


def test_primal_bound_mixes_with_the_uniform_measure_exactly():
    # max 2 x0 x1 on {-1,1}^2 (value 2). The moment y_01 = 1.5 gives M = [[1,1.5],[1.5,1]]
    # with lambda_min = -0.5: t = 0.5 / 1.5, bound (1 - t) * 2 * 1.5 = 2 (rounded down)
    rel = MomentRelaxation(Polynomial.quadratic_form([[0, 1], [1, 0]]), Hypercube(2), 2,
                           symmetry="none")
    x = np.zeros(rel.moment_keys.size - 1)
    x[list(rel.moment_keys[1:]).index(3)] = 1.5
    low = primal_bound(rel, x)
    assert 2.0 - 1e-9 < low <= 2.0
    x[list(rel.moment_keys[1:]).index(3)] = 1.0  # the point (1, 1): feasible, value 2
    assert 2.0 - 1e-9 < primal_bound(rel, x) <= 2.0
    with pytest.raises(ValueError, match="x"):
        primal_bound(rel, np.full(x.size, np.nan))


def test_primal_bound_needs_a_strictly_feasible_reference():
    # Boolean cube: the moment matrix of e_0 is e_11, singular, so no bound
    from sosrmt.sos import Boolean

    rel = MomentRelaxation(Polynomial.quadratic_form([[0, 1], [1, 0]], "boolean"),
                           Boolean(2), 2)
    assert primal_bound(rel, np.zeros(rel.moment_keys.size - 1)) is None


def test_partial_eigensolver_matches_the_dense_projection():
    rng = np.random.default_rng(0)
    N = 300
    Q, _ = np.linalg.qr(rng.standard_normal((N, N)))
    w = np.concatenate([[40.0, 30.0, 20.0], -rng.uniform(0.1, 1.0, N - 3)])
    blk = _PsdBlock(N, 0, "auto", 0.1)
    blk.single = False
    jj, ii = np.triu_indices(N)
    scale = np.where(ii == jj, 1.0, np.sqrt(2.0))

    def svec(M):
        return scale * M[ii, jj]

    def exact(M):
        ev, U = np.linalg.eigh(M)
        return svec((U * np.maximum(ev, 0)) @ U.T)

    M = (Q * w) @ Q.T
    np.testing.assert_allclose(blk.project(svec(M)), exact(M), atol=1e-9)
    assert blk.full == 1 and blk.rank == 3
    E = rng.standard_normal((N, N)) * 1e-3
    M2 = M + (E + E.T) / 2
    np.testing.assert_allclose(blk.project(svec(M2)), exact(M2), atol=1e-7)
    assert blk.partial == 1 and blk.full == 1


def test_bad_options():
    rel = MomentRelaxation(Polynomial.quadratic_form([[0, 1], [1, 0]]), Hypercube(2), 2)
    for kwargs, match in [({"eps": 0}, "eps"), ({"alpha": 2.5}, "alpha"),
                          ({"eig": "fast"}, "eig"), ({"rho": -1.0}, "rho"),
                          ({"time_limit": 0}, "time_limit"), ({"fraction": 0}, "fraction"),
                          ({"threads": 0}, "threads"),
                          ({"warm_start": (np.zeros(1), np.zeros(1))}, "warm_start")]:
        with pytest.raises(ValueError, match=match):
            AdmmBackend(rel, **kwargs)
    with pytest.raises(TypeError):
        AdmmBackend(rel, no_such_option=1)
