"""The concentrated p-biased route: exact weights at the last level, checked over all inputs.

Every inequality of the route is checked against expectations computed exactly over all
2^(n(n-1)/2) p-biased inputs (n <= 6), not sampled.
"""

import numpy as np
import pytest

from sosrmt.graphs import named_shape
from sosrmt.graphs.efron_stein import (
    bernoulli_constant,
    bound_table,
    exhaustive_last_level,
    exhaustive_moment,
    last_level_bound,
    level1_bound,
    pbiased_bound,
    weight_max,
)
from sosrmt.graphs.efron_stein.graph import _es_shape, _graph_func
from sosrmt.graphs.efron_stein.pbiased import _exact_last_levels

QS = np.array([1, 2, 3, 4])
TOL = 1 - 1e-12


def test_bernoulli_linearisation_and_weights():
    for p in (0.05, 0.3, 0.5, 0.9):
        c = bernoulli_constant(p)
        hi, lo = np.sqrt((1 - p) / p), -np.sqrt(p / (1 - p))
        for chi in (hi, lo):  # chi^2 = 1 + c chi, and w^2 = (chi^2 + 1) / 2 = 1 + c chi / 2
            assert chi ** 2 == pytest.approx(1 + c * chi)
        assert max((hi ** 2 + 1) / 2, (lo ** 2 + 1) / 2) == pytest.approx(weight_max(p) ** 2)


def test_last_level_bound_limits():
    s = np.array([3.0, 2.5])
    # p = 1/2: no weight fluctuation, the Rademacher stack norm
    assert np.allclose(last_level_bound(s, 1.0, 9, 0.5, [1, 2]), s)
    # never above the weight-bound route, and far below it when the stack dominates
    for p in (0.01, 0.2, 0.7):
        assert np.all(last_level_bound(s, 1.0, 9, p, [1, 2]) <= weight_max(p) * s)
    big = last_level_bound(np.array([1e4]), 1.0, 1e6, 0.01, [7])[0]
    assert big < 1.01e4 < weight_max(0.01) * 1e4
    with pytest.raises(ValueError, match="q"):
        last_level_bound(s, 1.0, 9, 0.3, [0])


def test_exhaustive_moment_matches_level1_evaluator():
    """Two independent exact evaluators of |||M|||_2q over all inputs agree."""
    for name in ("wigner", "cherry", "Z"):
        shape = _es_shape(named_shape(name), "pbiased")
        ref = level1_bound(_graph_func(shape, 4, "pbiased", 0.3), 6, q=QS, exhaustive=True,
                           model="pbiased", p=0.3)
        assert np.allclose(exhaustive_moment(shape, 4, 0.3, QS), ref.moment, rtol=1e-12)


@pytest.mark.parametrize("name, ns, last_ns", [("wigner", (4, 5, 6), (4, 5, 6)),
                                               ("path2", (4, 5), (4, 5)),
                                               ("cherry", (4, 5), (4, 5)),
                                               ("Z", (4, 5), (4,)), ("K22", (4,), (4,))])
@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_concentrated_route_holds_over_all_inputs(name, ns, last_ns, p):
    """All inputs at n <= 6 (Z at n = 6 in benchmarks/bench_efron_stein.py: 15 s per p)."""
    shape = _es_shape(named_shape(name), "pbiased")
    t = len(shape.edges)
    for n in ns:
        b = pbiased_bound(shape, n, p, q=QS)
        exact = exhaustive_moment(shape, n, p, QS)
        assert np.all(b.conc_tree >= exact * TOL)              # the bound holds
        assert np.all(b.conc_flattened >= b.conc_tree * TOL)   # tree <= flattened
        assert np.all(b.tree >= b.conc_tree * TOL)             # never above the w_max route
        assert np.all(b.flattened >= b.conc_flattened * TOL)
        assert np.all(b.conc_closed >= b.conc_flattened * TOL)  # closed form above the exact
        if n not in last_ns:
            continue
        # the scalar step itself: exact E tr(sum_e w_e^2 C_e C_e^T)^q against its bound
        _, last_c, last_r = _exact_last_levels(shape, n, p, QS, 6000, 10**8)
        for r in range(t + 1):
            for side, bounds in (("C", last_c), ("R", last_r)):
                if r in bounds:
                    got = exhaustive_last_level(shape, n, p, r, side, QS)
                    assert np.all(got <= bounds[r] * (1 + 1e-12)), (n, r, side)
                    if p == 0.5:  # no fluctuation: the bound is attained
                        assert np.allclose(got, bounds[r])


def test_concentrated_route_is_tighter_at_scale():
    for name in ("wigner", "path2", "Z"):
        b = pbiased_bound(named_shape(name), 10**5, 10**-2.5, exact=False)
        assert b.conc_closed_value < b.closed_value
    w = pbiased_bound(named_shape("wigner"), 10**6, 1e-3, exact=False)
    assert w.closed_value / w.conc_closed_value > 10  # most of w_max = 22.4 is removed
    half = pbiased_bound(named_shape("Z"), 8, 0.5, q=[1, 2])
    assert np.allclose(half.conc_tree, half.tree) and np.allclose(half.conc_closed, half.closed)


def test_exhaustive_bad_input():
    with pytest.raises(ValueError, match="n:"):
        exhaustive_moment(named_shape("wigner"), 7, 0.3, [1])
    with pytest.raises(ValueError, match="side"):
        exhaustive_last_level(named_shape("wigner"), 4, 0.3, 1, "C", [1])
    with pytest.raises(ValueError, match="p"):
        exhaustive_moment(named_shape("wigner"), 4, 1.5, [1])


def test_bound_table_has_the_concentrated_columns():
    tab = bound_table("cherry", "pbiased", [6, 9], 3, 0, p="n^-0.5", exact_max_n=6,
                      l1_max_n=0)
    first, second = tab["rows"]
    assert first["bound_conc"] <= first["bound_tree"] and first["bound_conc"] > 0
    assert second["bound_conc"] is None and second["bound_conc_closed"] > 0
    assert second["bound_conc_closed"] <= second["bound_closed"]
