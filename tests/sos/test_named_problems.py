"""Every backend solves the named problems with known answers (shared conformance suite)."""

import numpy as np
import pytest

from sosrmt.sos import solve
from sosrmt.sos.backends import BACKENDS as REGISTRY
from sosrmt.sos.testproblems import named_problem, named_problems

BACKENDS = sorted(REGISTRY)  # every registered backend must pass the whole suite


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", named_problems())
def test_named_problem(name, backend):
    prob = named_problem(name)
    options = dict(prob.scs_options) if backend == "scs" else {}
    res = solve(
        prob.objective,
        prob.domain,
        prob.degree,
        sense=prob.sense,
        backend=backend,
        sparsity=prob.sparsity,
        group=prob.group,
        **options,
    )
    if prob.expect_status == "no_certificate":
        # no backend may *prove* a bound: first-order solvers stall, interior-point ones may
        # claim optimality with huge moments, but then the certificate fails exact checking
        assert res.bound is None
        if res.certificate is None:
            assert res.status in ("unbounded", "infeasible", "max_iters", "error")
            assert np.isnan(res.value)
        else:
            assert not res.certificate.verify_exact()
        return
    assert res.status in ("optimal", "optimal_inaccurate"), res.status
    scale = max(1.0, abs(prob.optimum))
    if prob.relaxation_value is not None:
        assert res.value == pytest.approx(prob.relaxation_value, abs=prob.tol * scale)
    # the certificate bounds the true optimum on the correct side
    if res.bound is not None:
        if prob.sense == "max":
            assert res.bound >= prob.optimum - 1e-9 * scale
        else:
            assert res.bound <= prob.optimum + 1e-9 * scale
    cert = res.certificate
    assert cert.residual() < 1e-4 * scale
    assert cert.min_eigenvalue() > -1e-4 * scale
    report = res.pseudo_expectation.check(tol=1e-4)
    assert abs(report.normalisation - 1) < 1e-9
    assert report.relative_min_eigenvalue > -1e-4


def test_degree4_tightens_c5_and_certifies_the_optimum():
    d2 = named_problem("maxcut_c5_deg2")
    d4 = named_problem("maxcut_c5_deg4")
    r2 = solve(d2.objective, d2.domain, 2)
    r4 = solve(d4.objective, d4.domain, 4)
    assert r4.value < r2.value - 0.5
    assert r4.tight and d4.objective.evaluate(r4.point) == pytest.approx(4.0)


def test_unknown_problem_name():
    with pytest.raises(ValueError, match="name"):
        named_problem("nope")
