"""The example jobs and the GOE demo sweep."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sosrmt.sweep import Grid, read_rows, run_sweep
from sosrmt.sweep.examples import demo_sweep, faulty, goe_norm, numpy_work, sleepy


def test_goe_norm_n1_mean_is_2_over_sqrt_pi():
    """n = 1: ||W|| = sqrt(2)|g|, mean 2/sqrt(pi), sd sqrt(2 - 4/pi)."""
    rng = np.random.default_rng(0)
    m = 4000
    vals = np.array([goe_norm(n=1, rng=rng)["norm"] for _ in range(m)])
    sd = math.sqrt(2 - 4 / math.pi)
    # tolerance: 4 standard errors of the mean of m draws
    assert abs(vals.mean() - 2 / math.sqrt(math.pi)) < 4 * sd / math.sqrt(m)


def test_goe_norm_is_the_norm_of_the_goe_matrix():
    """Exact: the result is max |eig| of (G + G^T)/sqrt(2) built from the same stream."""
    out = goe_norm(n=7, rng=np.random.default_rng(3))
    g = np.random.default_rng(3).standard_normal((7, 7))
    w = (g + g.T) / math.sqrt(2)
    assert out["norm"] == pytest.approx(np.linalg.norm(w, 2), rel=1e-12)
    assert out["norm_over_sqrt_n"] == pytest.approx(out["norm"] / math.sqrt(7), rel=1e-15)


def test_goe_norm_over_sqrt_n_near_2():
    """n = 300, 4 seeds: E||W||/sqrt(n) = 2 - O(n^{-2/3}).

    Tolerance 0.1: the finite-size bias is about 1.2 n^{-2/3} = 0.027 and the Tracy-Widom
    fluctuation of one draw has sd about 1.3 n^{-2/3} = 0.029, so 4 standard errors of a
    mean of 4 is 0.058; 0.027 + 0.058 < 0.1.
    """
    vals = [goe_norm(n=300, rng=s)["norm_over_sqrt_n"] for s in range(4)]
    assert abs(np.mean(vals) - 2) < 0.1


def test_example_jobs_bad_input():
    with pytest.raises(ValueError, match="n"):
        goe_norm(n=0, rng=0)
    with pytest.raises(TypeError, match="n"):
        goe_norm(n=2.5, rng=0)
    with pytest.raises(ValueError, match="GiB"):
        goe_norm(n=10**6, rng=0)
    with pytest.raises(ValueError, match="size"):
        numpy_work(size=0)
    with pytest.raises(RuntimeError, match="fail_on"):
        faulty(x=3, fail_on=3)
    assert sleepy(seconds=0, x=3.0, rng=1)["x2"] == 9.0
    out = numpy_work(size=4, repeats=2, rng=0)
    assert set(out) == {"top", "trace"}


def test_demo_sweep_small_and_resumable(tmp_path):
    out = demo_sweep(tmp_path, quiet=True, jobs=1, sizes=(8, 16, 32), seeds=3, x_min=8)
    assert out["plot"].read_bytes()[:4] == b"\x89PNG"
    assert out["cells"] == 9 and len(read_rows(out["store"])) == 9
    assert [e["n"] for e in out["table"]] == [8, 16, 32]
    assert math.isfinite(out["slope"]) and out["slope_se"] > 0
    again = demo_sweep(tmp_path, quiet=True, jobs=1, sizes=(8, 16, 32), seeds=3, x_min=8)
    assert again["slope"] == out["slope"] and len(read_rows(out["store"])) == 9


@pytest.mark.slow
def test_demo_sweep_default_slope(tmp_path):
    """The default demo (n = 25..400, 4 seeds, 2 workers): slope of E||W|| against n.

    Tolerance: E||W|| = 2 sqrt(n) - c n^{-1/6} with 0 < c <= 1.21 (minus the Tracy-Widom
    mean) has local log-log slope 0.5 + (5c/12) n^{-2/3} <= 0.54 for n >= 50; the fit
    over n = 50..400 averages these, so |slope - 0.5| < 0.04 + 4 se.
    """
    out = demo_sweep(tmp_path, quiet=True)
    assert abs(out["slope"] - 0.5) < 0.04 + 4 * out["slope_se"]
    assert (tmp_path / "goe_norm.png").exists() and (tmp_path / "results.sqlite").exists()
    table = out["table"]
    assert table[-1]["n"] == 400 and abs(table[-1]["norm_over_sqrt_n_mean"] - 2) < 0.1


def test_run_sweep_with_example_functions():
    rows = run_sweep(sleepy, Grid({"x": [1.5]}, seeds=2), executor="serial", quiet=True)
    assert [r["x2"] for r in rows] == [2.25, 2.25] and rows[0]["u"] != rows[1]["u"]
