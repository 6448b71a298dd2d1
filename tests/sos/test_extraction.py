"""Multi-point extraction (flat extension + Henrion--Lasserre) on named problems."""

import numpy as np
import pytest

from sosrmt.poly import variables
from sosrmt.sos import Hypercube, PseudoExpectation, extract_solutions, solve
from sosrmt.sos.backends import BACKENDS
from sosrmt.sos.testproblems import named_problem, named_problems

WITH_OPTIMIZERS = [n for n in named_problems() if named_problem(n).optimizers is not None]


def _rows(a):
    return sorted(tuple(np.round(r, 6)) for r in np.asarray(a))


def _same_points(found, expected, atol):
    """Every expected point matched by exactly one found point within ``atol``."""
    found, expected = np.asarray(found), np.asarray(expected)
    if found.shape != expected.shape:
        return False
    dist = np.abs(found[:, None, :] - expected[None, :, :]).max(axis=2)
    return bool(np.all(np.sort(dist.min(axis=0)) <= atol) and np.all((dist <= atol).sum(0) == 1))


def test_the_named_problems_with_several_optimizers_exist():
    assert {"maxcut_c5_deg6", "maxcut_triangle_deg6", "sphere_quadratic_max_deg4"} <= set(
        WITH_OPTIMIZERS
    )
    assert len(named_problem("maxcut_c5_deg6").optimizers) == 10


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("name", WITH_OPTIMIZERS)
def test_every_optimizer_is_extracted_and_checked(name, backend):
    prob = named_problem(name)
    res = solve(prob.objective, prob.domain, prob.degree, sense=prob.sense, backend=backend)
    assert res.status in ("optimal", "optimal_inaccurate")
    ext = res.solutions()
    assert ext.flat, ext.reason
    assert ext.rank == len(prob.optimizers)
    # finite domains: the atoms are rounded onto the cube and must be the optimisers exactly;
    # continuous ones: they carry the solver's error (about its tolerance)
    atol = 0.0 if prob.domain.ring != "general" else prob.point_tol
    assert _same_points(ext.points, prob.optimizers, atol)
    # each point is checked: on the domain, objective equal to the optimum, below the bound
    assert ext.max_domain_error < 1e-4
    np.testing.assert_allclose(ext.values, prob.optimum, atol=1e-6 * max(1, abs(prob.optimum)))
    assert np.all(ext.values <= res.bound + 1e-9) if prob.sense == "max" else True
    assert len(ext.optimal_points(prob.optimum)) == len(prob.optimizers)
    assert ext.weights.sum() == pytest.approx(1.0, abs=1e-5)
    assert ext.moment_residual < 1e-4


def test_degree4_c5_is_not_flat_and_says_so():
    prob = named_problem("maxcut_c5_deg4")
    res = solve(prob.objective, prob.domain, 4)
    ext = res.solutions()
    assert not ext.flat and ext.points.shape == (0, 5)
    assert ext.ranks == (1, 6, 10)
    assert "raise the degree" in ext.reason


def test_extraction_of_a_known_mixture():
    # a pseudo-expectation that IS a three-atom measure on {-1,1}^4: recovered with weights
    pts = np.array([[1, 1, -1, 1], [-1, 1, 1, 1], [1, -1, -1, -1]], dtype=float)
    E = PseudoExpectation.from_distribution(Hypercube(4), 6, pts, weights=[0.5, 0.3, 0.2])
    x = variables(4, "hypercube")
    ext = extract_solutions(E, x[0] + x[1])
    assert ext.flat and ext.rank == 3
    assert _rows(ext.points) == _rows(pts)
    order = np.lexsort(pts.T[::-1])
    np.testing.assert_allclose(ext.weights, np.array([0.5, 0.3, 0.2])[order], atol=1e-9)
    np.testing.assert_allclose(ext.values, (pts[:, 0] + pts[:, 1])[order])


def test_bad_input():
    with pytest.raises(TypeError, match="pe"):
        extract_solutions({"moments": 1})
    E = PseudoExpectation.from_distribution(Hypercube(2), 2, np.ones((1, 2)))
    with pytest.raises(ValueError, match="rank_tol"):
        extract_solutions(E, rank_tol=0)
    res = solve(variables(2, "hypercube")[0] * 1.0, Hypercube(2), 2, max_iters=1, eps=1e-12)
    if res.pseudo_expectation is None:
        with pytest.raises(ValueError, match="pseudo-expectation"):
            res.solutions()
