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


# ---------------------------------------------------------------- protocol names, planted
def test_protocol_names_agree_with_the_seeded_instance():
    np.testing.assert_array_equal(sk.sample_null(7, rng=3), sk.sk_instance(7, seed=3))
    W = sk.sk_instance(6, seed=1)
    assert sk.brute_force(W)[0] == sk.brute_force_max(W)[0]
    poly, dom = sk.program(W)
    x = sk.brute_force(W)[1]
    assert dom.nvars == 6 and float(poly.evaluate(x)) == pytest.approx(float(x @ W @ x))
    base = sk.baselines(W)
    assert base["sos2"] <= base["sos2_bound"] + 1e-9 <= base["spectral"] + 1e-6


def test_planted_instance_definition():
    Wp, x = sk.sample_planted(40, beta=3.0, rng=5)
    gen = np.random.default_rng(5)
    W0 = sk.sample_null(40, rng=gen)
    x0 = gen.choice(np.array([-1.0, 1.0]), size=40)
    expected = W0 + 3.0 / np.sqrt(40) * np.outer(x0, x0)
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(Wp, expected)
    np.testing.assert_array_equal(x, x0)


# ---------------------------------------------------------------- no silent success
@pytest.mark.parametrize("scale", [1e154, 1e300])
def test_failed_solves_are_reported_never_a_silent_chain(scale):
    W = sk.sk_instance(6, seed=0) * scale
    row = sk.value_chain(W)
    assert row["failed"], row  # SCS cannot work at this scale: the stages say so
    for d in (2, 4):
        if f"sos{d}" in row["failed"]:
            assert row[f"sos{d}_bound"] is None and row[f"sos{d}_status"] != "optimal"
    assert row["chain_ok"] is None
    assert np.isfinite(row["spectral"])  # the Frobenius norm no longer overflows


def test_value_chain_validates_once(monkeypatch):
    calls = []
    real = sk.chain.validate_coupling

    def counting(W, name="W"):
        calls.append(name)
        return real(W, name)

    monkeypatch.setattr(sk.chain, "validate_coupling", counting)
    sk.value_chain(sk.sk_instance(6, seed=0))
    assert len(calls) == 1


def test_value_chain_bm_method_and_bad_method():
    W = sk.sk_instance(10, seed=2)
    row = sk.value_chain(W, degrees=(2,), method="bm")
    sdp = sk.sos_value(W, 2)
    assert row["method"] == "bm" and row["chain_ok"] is True
    assert row["sos2"] == pytest.approx(sdp.value, rel=1e-5)
    assert row["opt"] <= row["sos2_bound"] <= row["spectral"]
    with pytest.raises(ValueError, match="method"):
        sk.value_chain(W, method="xyz")
    with pytest.raises(ValueError, match="degrees"):
        sk.value_chain(W, degrees=(3,))


def test_nonsymmetric_nonfinite_complex_refused_before_work():
    with pytest.raises(ValueError, match="symmetric"):
        sk.value_chains(W=np.array([[0.0, 1.0], [2.0, 0.0]]))
    with pytest.raises(ValueError, match="finite"):
        sk.value_chain(np.array([[0.0, np.inf], [np.inf, 0.0]]))
    with pytest.raises(TypeError, match="real"):
        sk.value_chain(np.array([[0, 1j], [1j, 0]]))


# ---------------------------------------------------------------- best found beyond brute force
@pytest.mark.parametrize("seed", range(3))
def test_best_cut_is_a_certified_lower_bound_and_usually_optimal(seed):
    W = sk.sk_instance(18, seed=seed)
    opt = sk.brute_force_max(W)[0]
    value, x = sk.best_cut(W, rng=seed)
    assert set(np.abs(x)) == {1.0} and value == pytest.approx(float(x @ W @ x))
    assert value <= opt + 1e-9
    assert value >= 0.97 * opt  # 64 restarts of local search on n = 18


def test_local_search_ends_at_a_local_maximum():
    W = sk.sk_instance(30, seed=1)
    X = sk.local_search(W, np.random.default_rng(0).choice([-1.0, 1.0], size=(5, 30)))
    for x in X:
        gains = -4 * x * (W @ x)
        assert np.all(gains <= 1e-9)


def test_value_chain_beyond_brute_force_labels_best_found():
    W = sk.sk_instance(40, seed=0)
    row = sk.value_chain(W, degrees=(2,), method="bm")
    assert row["opt"] is None and row["best_found"] is not None
    cut = np.asarray(row["best_cut"])
    assert row["best_found"] == pytest.approx(float(cut @ W @ cut))
    assert row["best_found"] <= row["sos2_bound"] and row["chain_ok"] is True


# ---------------------------------------------------------------- figures
def _chain_table():
    rows = []
    for n in (6, 8, 10):
        row = {"n": n}
        for key, v in (("opt", 1.3), ("sos4_bound", 1.3), ("sos2_bound", 1.6),
                       ("spectral", 1.95)):
            row[f"{key}_mean"], row[f"{key}_se"] = v + 0.01 * n, 0.02
        rows.append(row)
    return rows


def test_value_chain_plot_opt_visible_and_legend_off_the_reference_lines(tmp_path):
    fig = sk.plot_value_chain(_chain_table(), tmp_path / "chain.png")
    assert (tmp_path / "chain.png").stat().st_size > 0
    ax = fig.axes[0]
    fig.draw_without_rendering()
    # the legend's box, in data coordinates, does not cross the line y = 2 inside the axes
    box = ax.get_legend().get_window_extent().transformed(ax.transData.inverted())
    x0, x1 = ax.get_xlim()
    assert box.x0 >= x1 or box.x1 <= x0 or not (box.y0 <= 2.0 <= box.y1)
    # OPT drawn hollow, above SOS_4, so that it shows where the two are equal
    lines = {ln.get_label(): ln for ln in ax.lines}
    conts = {c.get_label(): c for c in ax.containers}
    opt_line = conts["OPT (brute force)"].lines[0]
    sos4_line = conts["SOS$_4$ (degree 4, rigorous bound)"].lines[0]
    assert opt_line.get_fillstyle() == "none"
    assert opt_line.get_zorder() > sos4_line.get_zorder()
    assert opt_line.get_markersize() > sos4_line.get_markersize()
    refs = [tuple(float(v) for v in ln.get_ydata()) for ln in lines.values()]
    assert (2.0, 2.0) in refs and (sk.PARISI, sk.PARISI) in refs


def test_goe_edge_plot_shows_the_limit_two():
    fig = sk.plot_goe_edge([{"n": n, "norm_over_sqrt_n_mean": 2 - n**-0.6,
                             "norm_over_sqrt_n_se": 0.01} for n in (25, 50, 100)])
    ax = fig.axes[0]
    ref = [ln for ln in ax.lines if tuple(float(v) for v in ln.get_ydata()) == (2.0, 2.0)]
    assert ref and "2" in ref[0].get_label()
    assert ax.get_ylim()[0] < 2.0 < ax.get_ylim()[1]


def test_annealing_reaches_the_optimum_region_at_n24():
    W = sk.sk_instance(24, seed=7)
    opt = sk.brute_force_max(W)[0]
    X = sk.anneal(W, np.ones((4, 24)), sweeps=100, rng=1)
    vals = np.einsum("ri,ij,rj->r", X, W, X)
    assert np.all(vals <= opt + 1e-9) and vals.max() >= 0.99 * opt


# ---------------------------------------------------------------- degree 4 by ADMM
@pytest.mark.parametrize("seed", [0, 5])
def test_sos4_bounds_bracket_opt_and_certify_it(seed):
    W = sk.sk_instance(12, seed=seed)
    opt = sk.brute_force_max(W)[0]
    b = sk.sos4_bounds(W, rng=seed)
    # SOS_4 >= OPT >= best found, lower <= SOS_4 <= upper: both certified
    assert b.lower <= b.upper and b.best_found <= opt + 1e-9
    assert b.lower - 1e-9 <= opt <= b.upper + 1e-9
    assert b.tight and b.upper <= opt * (1 + 1e-5) and b.certified_gap <= 1e-9
    assert float(b.cut @ W @ b.cut) == pytest.approx(b.best_found)
    row = b.as_dict()
    assert len(row["cut"]) == 12 and row["certified_gap"] == b.certified_gap


def test_sos4_bounds_are_certified_even_when_stopped_early():
    W = sk.sk_instance(14, seed=2)
    opt = sk.brute_force_max(W)[0]
    b = sk.sos4_bounds(W, max_iters=20, polish=0, anderson=0)
    assert b.status == "max_iters"
    assert b.lower <= opt <= b.upper  # loose, but still bounds


def test_value_chain_with_admm_reports_both_sides():
    W = sk.sk_instance(10, seed=1)
    row = sk.value_chain(W, backend="admm")
    assert row["chain_ok"] and row["tight"]
    assert row["sos4_lower"] <= row["opt"] + 1e-9 <= row["sos4_bound"] + 2e-9
    row = sk.value_chain(W, backend="admm", brute=False, best_found=True)
    assert row["best_found"] is not None and len(row["best_cut"]) == 10
    assert row["sos4_certified_gap"] is not None and row["chain_ok"]
    with pytest.raises(ValueError, match="refused before any work"):
        sk.sos4_bounds(np.zeros((400, 400)))
