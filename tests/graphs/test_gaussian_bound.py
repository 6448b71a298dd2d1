"""Gaussian inputs: the Rademacher recursion given |g| and its scalar step, checked exactly."""

import numpy as np
import pytest

from sosrmt.graphs import Shape, graph_matrix, named_shape, sample_input
from sosrmt.graphs.efron_stein import (
    bound_table,
    exact_bound,
    exhaustive_gaussian_moment,
    gaussian_abs_moment,
    gaussian_bound,
)

QS = [1, 2, 3]


def test_abs_moments():
    assert [round(gaussian_abs_moment(m), 9) for m in (1, 2, 3, 4, 6)] == [
        round(np.sqrt(2 / np.pi), 9), 1.0, round(2 * np.sqrt(2 / np.pi), 9), 3.0, 15.0]


def test_quadrature_is_exact_against_monte_carlo():
    """Gauss-Hermite tensor quadrature against 8000 samples: within 4 standard errors."""
    shape = named_shape("path2")
    exact = exhaustive_gaussian_moment(shape, 4, [1, 2])
    rng = np.random.default_rng(0)
    vals = []
    for _ in range(8000):
        s = np.linalg.svd(graph_matrix(shape, sample_input("gaussian", 4, rng=rng)),
                          compute_uv=False)
        vals.append([np.sum(s ** 2), np.sum(s ** 4)])
    vals = np.asarray(vals)
    mean, se = vals.mean(axis=0), vals.std(axis=0, ddof=1) / np.sqrt(len(vals))
    assert np.all(np.abs(exact ** np.array([2, 4]) - mean) <= 4 * se)
    assert exact[0] ** 2 == pytest.approx(24.0)  # E||M||_F^2 = #realisations = 4*3*2


@pytest.mark.parametrize("name", ["wigner", "path2", "cherry", "Z", "K22"])
def test_gaussian_bound_holds_exactly(name):
    shape = named_shape(name)
    cases = [(4, QS)] + ([(5, [1, 2])] if name in ("wigner", "cherry") else [])
    for n, qs in cases:
        exact = exhaustive_gaussian_moment(shape, n, qs)
        b = gaussian_bound(shape, n, q=qs)
        assert np.all(b.tree >= exact)
        assert np.all(b.flattened >= b.tree * (1 - 1e-12))
        assert np.all(b.closed >= b.flattened * (1 - 1e-12))
        rad = exact_bound(shape, n, q=qs)
        assert np.allclose(b.tree / rad.tree, b.factor)


def test_gaussian_table_and_bad_input():
    tab = bound_table("wigner", "gaussian", [6, 10], 3, 0, exact_max_n=6)
    first, second = tab["rows"]
    assert first["bound_tree"] > first["empirical"] and first["l1"] is None
    assert second["bound_exact"] is None and second["bound_closed"] > second["empirical"]
    with pytest.raises(ValueError, match="label"):
        gaussian_bound(Shape(2, (0,), (1,), [(0, 1)], labels=[2]), 6)
    with pytest.raises(ValueError, match="q"):
        exhaustive_gaussian_moment(named_shape("wigner"), 6, [3])
