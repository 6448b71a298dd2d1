"""Anderson acceleration: the mixer on exact fixed points, its safeguard, and the ADMM with it."""

import numpy as np
import pytest

from sosrmt.problems import sk
from sosrmt.problems.sk.instance import _objective
from sosrmt.sos import Hypercube, MomentRelaxation, RelaxationSolver
from sosrmt.sos.backends.anderson import AndersonMixer


def test_linear_fixed_point_is_found_exactly_in_few_steps():
    # T(w) = A w + c with spectral radius 0.999: plain iteration needs ~10^4 steps for 1e-6
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    A = Q @ np.diag([0.999, 0.9, 0.5, 0.3, -0.2, 0.1]) @ Q.T
    c = rng.standard_normal(6)
    fixed = np.linalg.solve(np.eye(6) - A, c)
    mixer, w = AndersonMixer(memory=6), np.zeros(6)
    for _ in range(8):  # dimension + 2 steps (type-II Anderson on a linear map is GMRES)
        w = mixer.step(w, A @ w + c)
    assert np.allclose(w, fixed, rtol=1e-9, atol=0)
    plain = np.zeros(6)
    for _ in range(8):
        plain = A @ plain + c
    assert not np.allclose(plain, fixed, rtol=1e-2, atol=0)


def test_safeguard_rejects_a_step_that_increases_the_residual():
    mixer = AndersonMixer(memory=3, safeguard=1e-12)  # any later residual counts as worse
    T = lambda w: 0.5 * w + 1.0  # noqa: E731
    w = np.zeros(2)
    w = mixer.step(w, T(w))
    w_acc = mixer.step(w, T(w))  # extrapolated: pending its check
    plain = T(w)
    w_next = mixer.step(w_acc, T(w_acc) + 1.0)  # residual made worse on purpose
    assert mixer.rejected == 1 and np.array_equal(w_next, plain)


def test_memory_zero_is_the_plain_iteration():
    mixer = AndersonMixer(memory=0)
    g = np.array([1.0, 2.0])
    assert mixer.step(np.zeros(2), g) is g


@pytest.mark.parametrize(("kwargs", "name"), [({"memory": -1}, "memory"),
                                              ({"regularization": -1.0}, "regularization"),
                                              ({"safeguard": 0.0}, "safeguard")])
def test_bad_parameters_are_refused(kwargs, name):
    with pytest.raises(ValueError, match=name):
        AndersonMixer(**kwargs)


def test_admm_with_anderson_reaches_the_same_value_in_fewer_iterations():
    W = sk.sk_instance(10, seed=1)
    rel = MomentRelaxation(_objective(W), Hypercube(10), 4)
    plain = RelaxationSolver(rel, "admm", anderson=0, early_stop=False, eps=1e-7).solve()
    mixed = RelaxationSolver(rel, "admm", anderson=10, early_stop=False, eps=1e-7).solve()
    assert plain.status == mixed.status == "optimal"
    assert mixed.value == pytest.approx(plain.value, rel=1e-6)
    assert mixed.stats["iterations"] < plain.stats["iterations"]
    assert mixed.stats["anderson_accepted"] > 0


def test_candidate_point_lets_the_early_stop_certify_the_optimum():
    W = sk.sk_instance(12, seed=0)
    opt, x = sk.brute_force_max(W)
    rel = MomentRelaxation(_objective(W), Hypercube(12), 4)
    res = RelaxationSolver(rel, "admm", candidates=[x]).solve()
    assert res.tight and res.value == pytest.approx(opt)
    assert opt <= res.bound <= opt * (1 + 1e-5)
    with pytest.raises(ValueError, match=r"candidates\[0\]"):
        RelaxationSolver(rel, "admm", candidates=[np.ones(3)])
