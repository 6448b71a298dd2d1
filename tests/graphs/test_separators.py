import itertools
import math

import numpy as np
import pytest

from sosrmt.graphs import (
    Shape,
    enumerate_shapes,
    is_separator,
    kappa,
    log_norm_exponent,
    min_vertex_separator,
    named_shape,
    sparse_norm_bound,
)

# (|S_min|, kappa) of the worked examples
REFERENCE = {"wigner": (1, 0.5), "path2": (1, 1), "cherry": (1, 1), "Z": (2, 1),
             "degdiag": (1, 0.5), "iso": (1, 1.5), "JminusI": (0, 1), "nI": (1, 1),
             "K22": (2, 1), "tensor_hsss": (2, 1.5)}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_separators_and_kappa(name):
    shape = named_shape(name)
    S = min_vertex_separator(shape)
    assert is_separator(shape, S)
    assert (len(S), kappa(shape)) == REFERENCE[name]


def _all_separators(shape):
    return [S for r in range(shape.k + 1) for S in itertools.combinations(range(shape.k), r)
            if is_separator(shape, S)]


def test_max_flow_matches_brute_force_on_random_shapes():
    rng = np.random.default_rng(0)
    count = 0
    for k, a, b, ov in [(5, 1, 1, 0), (5, 2, 2, 0), (5, 2, 2, 1), (5, 3, 2, 1), (6, 1, 1, 0)]:
        pool = list(enumerate_shapes(k, a, b, overlap=ov))
        for i in rng.choice(len(pool), size=min(16, len(pool)), replace=False):
            shape = pool[i]
            seps = _all_separators(shape)
            S = min_vertex_separator(shape)
            assert is_separator(shape, S)
            assert len(S) == min(len(T) for T in seps), repr(shape)
            weights = {v: float(rng.integers(1, 5)) for v in range(k)}
            Sw = min_vertex_separator(shape, weights)
            assert is_separator(shape, Sw)
            best = min(sum(weights[v] for v in T) for T in seps)
            assert sum(weights[v] for v in Sw) == pytest.approx(best)
            count += 1
    assert count >= 70


def test_is_separator_cases():
    z = named_shape("Z")
    assert is_separator(z, z.U) and is_separator(z, z.V)
    assert not is_separator(z, {2})
    d = named_shape("degdiag")
    assert not is_separator(d, {1}) and is_separator(d, {0})  # U ∩ V must be in S
    assert min_vertex_separator(Shape(2, (0,), (), [(0, 1)])) == frozenset()


def test_multitype_exponent_wishart():
    w = named_shape("wishart")
    # sqrt(n m) when m >= n (separator {u}), n when m < n (separator {w})
    assert math.exp(log_norm_exponent(w, {"n": 100, "m": 400})) == pytest.approx(200)
    assert math.exp(log_norm_exponent(w, {"n": 400, "m": 100})) == pytest.approx(400)
    assert math.exp(log_norm_exponent(named_shape("Z"), 50)) == pytest.approx(50)
    with pytest.raises(ValueError, match="type 'm'"):
        log_norm_exponent(w, {"n": 10})


def test_sparse_bound():
    z = named_shape("Z")
    # at p = 1/2 the bound is n^kappa
    assert sparse_norm_bound(z, 100, 0.5).value == pytest.approx(100.0)
    b = sparse_norm_bound(named_shape("wigner"), 100, 0.2)
    assert b.value == pytest.approx(10.0) and b.edges_inside == 0
    dense_sep = sparse_norm_bound(named_shape("wigner"), 100, 1e-4)
    assert dense_sep.separator == {0, 1} and dense_sep.value == pytest.approx(math.sqrt(9999))
    with pytest.raises(ValueError, match="p:"):
        sparse_norm_bound(z, 10, 1.5)
    with pytest.raises(ValueError, match="n:"):
        sparse_norm_bound(z, 0, 0.5)
    with pytest.raises(ValueError, match="untyped"):
        sparse_norm_bound(named_shape("wishart"), 10, 0.5)


def test_bad_separator_inputs():
    with pytest.raises(TypeError, match="shape"):
        kappa("Z")
    with pytest.raises(ValueError, match="weight"):
        min_vertex_separator(named_shape("Z"), {0: 1.0})
    with pytest.raises(ValueError, match="non-negative"):
        min_vertex_separator(named_shape("wigner"), {0: -1.0, 1: 1.0})
