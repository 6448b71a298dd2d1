"""SK: instances, brute force, value chain, Burer-Monteiro certificate."""

import itertools

import numpy as np
import pytest

from sosrmt.problems import sk


def naive_max(W):
    X = np.array(list(itertools.product([-1.0, 1.0], repeat=W.shape[0])))
    return float(np.max(np.einsum("ki,ij,kj->k", X, W, X)))


def test_instance_definition():
    W = sk.sk_instance(5, seed=7)
    G = np.random.default_rng(7).standard_normal((5, 5))
    expected = (G + G.T) / np.sqrt(2)
    np.fill_diagonal(expected, 0)
    np.testing.assert_array_equal(W, expected)


@pytest.mark.parametrize("n", [2, 3, 7, 10, 11])
def test_brute_force_matches_naive_enumeration(n):
    W = sk.sk_instance(n, seed=n)
    val, x = sk.brute_force_max(W)
    assert val == pytest.approx(naive_max(W), abs=1e-9)
    assert float(x @ W @ x) == pytest.approx(val)
    assert x[0] == 1 and set(np.abs(x)) == {1.0}


@pytest.mark.parametrize("seed", range(3))
def test_value_chain_holds_with_rigorous_bounds(seed):
    W = sk.sk_instance(11, seed=seed)
    row = sk.value_chain(W)
    assert row["chain_ok"]
    assert row["opt"] <= row["sos4_bound"] + 1e-9
    assert row["sos4"] <= row["sos2_bound"] + 1e-6 * row["sos2_bound"]
    assert row["sos2"] <= row["spectral"]
    assert row["tight"] and row["sos4"] == pytest.approx(row["opt"], rel=1e-6)


def test_burer_monteiro_agrees_with_the_sdp_and_certifies():
    W = sk.sk_instance(12, seed=4)
    bm = sk.burer_monteiro(W, rng=0)
    sdp = sk.sos_value(W, 2)
    assert bm.value <= bm.bound
    assert bm.value == pytest.approx(sdp.value, rel=1e-5)
    assert bm.bound >= sdp.value - 1e-6 and bm.gap < 1e-5
    assert bm.bound <= sk.spectral_bound(W)


def test_burer_monteiro_large_n_gap_small():
    n = 400
    W = sk.sk_instance(n, seed=1)
    bm = sk.burer_monteiro(W, rng=1)
    assert bm.gap < 1e-4
    # degree-2 value per n^{3/2} lies below the spectral edge 2 (and above OPT's ~1.5)
    assert 1.5 < bm.value / n**1.5 < sk.spectral_bound(W) / n**1.5


def test_bad_coupling_matrices():
    with pytest.raises(ValueError, match="symmetric"):
        sk.validate_coupling(np.array([[0.0, 1.0], [2.0, 0.0]]))
    with pytest.raises(ValueError, match="square"):
        sk.validate_coupling(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="finite"):
        sk.validate_coupling(np.array([[0.0, np.nan], [np.nan, 0.0]]))
    with pytest.raises(ValueError, match="finite"):
        sk.brute_force_max(np.array([[0.0, np.inf], [np.inf, 0.0]]))
    with pytest.raises(ValueError, match="n"):
        sk.brute_force_max(np.zeros((30, 30)))
    with pytest.raises(ValueError, match="degree"):
        sk.sos_value(sk.sk_instance(4, 0), degree=3)
