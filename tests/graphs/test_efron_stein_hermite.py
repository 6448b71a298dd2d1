"""Gaussian inputs with Hermite labels: the central-limit Rademacher route, checked exactly.

The oracle is the exact Schatten moment by tensor Gauss-Hermite quadrature (itself checked
against the label-1 evaluator and against Monte Carlo).
"""

import itertools

import numpy as np
import pytest

from sosrmt.graphs import Shape, graph_matrix, named_shape, sample_input
from sosrmt.graphs.efron_stein import (
    bound_table,
    exhaustive_gaussian_moment,
    exhaustive_hermite_moment,
    gaussian_bound,
    hermite_bound,
    hermite_multigraph,
)

TOL = 1 - 1e-12
LABELLED = {
    "wigner_h2": Shape(2, (0,), (1,), [(0, 1)], [2]),
    "wigner_h3": Shape(2, (0,), (1,), [(0, 1)], [3]),
    "path_h2_h1": Shape(3, (0,), (2,), [(0, 1), (1, 2)], [2, 1]),
    "cherry_h2": Shape(3, (0,), (1, 2), [(0, 1), (0, 2)], [2, 2]),
    "Z_h2_middle": Shape(4, (0, 1), (2, 3), [(0, 2), (1, 2), (1, 3)], [1, 2, 1]),
}


def test_quadrature_matches_the_label1_evaluator_and_monte_carlo():
    for name in ("wigner", "cherry", "Z"):
        shape = named_shape(name)
        assert np.allclose(exhaustive_hermite_moment(shape, 4, [1, 2]),
                           exhaustive_gaussian_moment(shape, 4, [1, 2]), rtol=1e-12)
    shape = LABELLED["wigner_h2"]
    exact = exhaustive_hermite_moment(shape, 4, [1, 2]) ** np.array([2, 4])
    rng = np.random.default_rng(0)
    vals = []
    for _ in range(3000):
        s = np.linalg.svd(graph_matrix(shape, sample_input("gaussian", 4, rng=rng)),
                          compute_uv=False)
        vals.append([np.sum(s ** 2), np.sum(s ** 4)])
    vals = np.asarray(vals)
    mean, se = vals.mean(axis=0), vals.std(axis=0, ddof=1) / np.sqrt(len(vals))
    assert np.all(np.abs(exact - mean) <= 4 * se)
    assert exact[0] == pytest.approx(12.0)  # 12 entries, E h_2(g)^2 = 1


@pytest.mark.parametrize("name", sorted(LABELLED))
def test_hermite_bound_holds_exactly(name):
    shape = LABELLED[name]
    qs = [1, 2] if max(shape.labels) >= 3 else [1, 2, 3]
    exact = exhaustive_hermite_moment(shape, 4, qs)
    b = hermite_bound(shape, 4, qs)
    assert b.degree == sum(shape.labels)
    assert np.all(exact <= b.tree * TOL)
    assert np.all(b.tree <= b.flattened * (1 + 1e-12))
    assert np.all(b.flattened <= b.closed * TOL)


@pytest.mark.parametrize("name", ["wigner", "path2", "cherry", "Z", "K22"])
def test_label1_shapes_get_the_rademacher_bound(name):
    """Label 1: the limit derivative matrices are the Rademacher ones, so the bound holds
    without the |g| factor of gaussian_bound (and is below it)."""
    shape = named_shape(name)
    exact = exhaustive_gaussian_moment(shape, 4, [1, 2, 3])
    b = hermite_bound(shape, 4, [1, 2, 3])
    assert np.all(exact <= b.tree * TOL)
    assert b.value < gaussian_bound(shape, 4, [1, 2, 3]).value


def test_hermite_multigraph_and_closed_form_exponent():
    multi = hermite_multigraph(LABELLED["cherry_h2"])
    assert multi.edges == ((0, 1), (0, 1), (0, 2), (0, 2))
    # wigner_h2 has the Wigner exponent 1/2: slope of the closed form close to it
    big = [10**4, 10**6]
    vals = [hermite_bound(LABELLED["wigner_h2"], n, exact=False).closed_value for n in big]
    slope = np.log(vals[1] / vals[0]) / np.log(100.0)
    assert 0.5 < slope < 0.75


def test_hermite_bad_input_and_table():
    with pytest.raises(ValueError, match=r"^shape: expected distinct edges"):
        hermite_bound(Shape(2, (0,), (1,), [(0, 1), (0, 1)], [1, 2]), 5)
    with pytest.raises(ValueError, match=r"^shape: the Hermite bound needs pair edges"):
        hermite_bound(Shape(3, (0,), (1,), [(0, 1, 2)]), 5)
    with pytest.raises(ValueError, match=r"^q: the exact quadrature"):
        exhaustive_hermite_moment(LABELLED["wigner_h3"], 5, [3])
    tab = bound_table(LABELLED["wigner_h2"], "gaussian", [6, 8], trials=2, rng=0)
    for row in tab["rows"]:
        assert row["bound_hermite"] >= row["empirical"]
        assert row["bound_hermite_closed"] >= row["bound_hermite"]
        assert row["bound_exact"] is None  # gaussian_bound is for label-1 shapes only


def test_finite_m_derivative_matrices_converge_to_the_limit():
    """h_2 Wigner at n = 3: the derivative matrices of the Rademacher approximant
    sqrt(2) m^-1 e_2(eps_f) have Schatten norms tending to those of the limit matrices."""
    import math

    import scipy.sparse as sp

    from sosrmt.graphs.efron_stein.graph import _derivative_matrix
    from sosrmt.graphs.efron_stein.schatten import schatten_norms

    n, qs = 3, [1, 2, 3]
    multi = hermite_multigraph(LABELLED["wigner_h2"])
    for r in (0, 1):
        limit = schatten_norms(_derivative_matrix(multi, n, r, 10**6) / math.sqrt(2),
                               qs).values
        gaps = []
        for m in (16, 64):
            rows, cols, vals, ri, ci = {}, {}, [], [], []
            for i, j in itertools.permutations(range(n), 2):
                f = 3 * min(i, j) + max(i, j)
                for c1, c2 in itertools.permutations(range(m), 2):
                    slots = [(f, c1), (f, c2)]
                    ri.append(rows.setdefault((i, *slots[:r]), len(rows)))
                    ci.append(cols.setdefault((j, *slots[r:]), len(cols)))
                    vals.append(math.sqrt(2) / m)
            mat = sp.csr_matrix((vals, (ri, ci)), shape=(len(rows), len(cols)))
            gaps.append(np.abs(schatten_norms(mat, qs).values / limit - 1))
        assert np.all(gaps[1] < gaps[0])
        assert np.all(gaps[1] < 0.02)
