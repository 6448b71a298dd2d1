"""Aggregation over seeds, log-log slope fits, theory expressions, export and plots."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from sosrmt.sweep import (
    Grid,
    aggregate,
    export_rows,
    fit_loglog,
    parse_expression,
    plot_sweep,
    read_rows,
    run_sweep,
)

FAULTY = "sosrmt.sweep.examples:faulty"


def test_aggregate_exact_small_case():
    rows = [{"n": 2, "p": "a", "v": 1.0, "w": 10}, {"n": 2, "p": "a", "v": 2.0, "w": None},
            {"n": 2, "p": "a", "v": 6.0, "w": math.nan}, {"n": 3, "p": "a", "v": 4.0, "w": 7},
            {"n": 2, "p": "a", "v": 100.0, "status": "error"}]
    out = aggregate(rows, by=["n", "p"], metrics=["v", "w"])
    assert [(e["n"], e["count"]) for e in out] == [(2, 3), (3, 1)]
    first = out[0]
    assert first["v_mean"] == 3.0 and first["v_count"] == 3
    # sample sd of (1, 2, 6) = sqrt(7), se = sqrt(7 / 3)
    assert first["v_se"] == pytest.approx(math.sqrt(7 / 3), rel=1e-14)
    assert (first["w_mean"], first["w_count"]) == (10.0, 1) and math.isnan(first["w_se"])
    with pytest.raises(ValueError, match="no column 'q'"):
        aggregate(rows, by=["q"], metrics=["v"])
    with pytest.raises(ValueError, match="by"):
        aggregate(rows)


def test_aggregate_defaults_from_stored_rows():
    rows = run_sweep(FAULTY, Grid({"x": [1, 2], "fail_on": [2]}, seeds=3), executor="serial",
                     quiet=True)
    out = aggregate(rows)  # by the parameters; numeric results only ("label" is a string)
    assert [(e["x"], e["fail_on"], e["count"]) for e in out] == [(1, 2, 3)]
    assert out[0]["y_mean"] == 2.0 and out[0]["y_se"] == 0.0
    zs = [r["z"] for r in rows if r["status"] == "ok"]
    assert out[0]["z_mean"] == pytest.approx(np.mean(zs), rel=1e-12)
    assert "label_mean" not in out[0]


def test_fit_exact_power_law_and_x_min():
    x = np.array([2, 4, 8, 16, 32], dtype=float)
    f = fit_loglog(x, 0.5 * x**1.5)
    assert f.slope == pytest.approx(1.5, abs=1e-12) and f.slope_se == pytest.approx(0, abs=1e-12)
    assert np.exp(f.intercept) == pytest.approx(0.5, rel=1e-12) and f.n_points == 5
    # small sizes off the power law: the restriction x >= 8 recovers the exact exponent
    y = np.where(x >= 8, 3 * x, 100.0)
    assert fit_loglog(x, y).slope < 0.9
    g = fit_loglog(x, y, x_min=8)
    assert g.slope == pytest.approx(1.0, abs=1e-12) and (g.n_points, g.x_min) == (3, 8.0)
    assert g.predict([10.0]) == pytest.approx([30.0], rel=1e-12)


def test_fit_standard_error_matches_textbook_formula():
    rng = np.random.default_rng(1)
    x = np.repeat([10.0, 20.0, 40.0, 80.0], 5)
    y = 2 * x**0.7 * np.exp(0.05 * rng.standard_normal(x.size))
    f = fit_loglog(x, y)
    u, v = np.log(x), np.log(y)
    b, a = np.polyfit(u, v, 1)
    resid = v - (a + b * u)
    se = math.sqrt(resid @ resid / (u.size - 2) / np.sum((u - u.mean()) ** 2))
    assert (f.slope, f.intercept) == pytest.approx((b, a), rel=1e-10)
    assert f.slope_se == pytest.approx(se, rel=1e-10)


@pytest.mark.parametrize(("x", "y", "kw", "match"), [
    ([1, 2, 4], [1, -2, 3], {}, "positive"),
    ([1, 2], [1, 2], {}, "at least 3 points"),
    ([2, 2, 2], [1, 2, 3], {}, "2 distinct"),
    ([1, 2, 4, 8], [1, 2, 3, 4], {"x_min": 5}, ">= 5"),
    ([1, 2, 3], [1, 2], {}, "equal length"),
])
def test_fit_bad_input(x, y, kw, match):
    with pytest.raises(ValueError, match=match):
        fit_loglog(x, y, **kw)


def test_parse_expression():
    n = np.array([1.0, 4.0, 16.0])
    assert parse_expression("n**1.0", "n")(n).tolist() == [1.0, 4.0, 16.0]
    assert parse_expression("2*sqrt(x)*log(n) - -1", "n")(n) == pytest.approx(
        2 * np.sqrt(n) * np.log(n) + 1)
    assert parse_expression("3", "n")(n).tolist() == [3.0, 3.0, 3.0]
    assert parse_expression("pi*e/n", "n")(n)[0] == pytest.approx(math.pi * math.e)
    for bad in ("__import__('os')", "n.real", "open(n)", "m**2", "sqrt(n, 2)", "n if 1 else 2",
                "True*n"):
        with pytest.raises(ValueError, match="allowed"):
            parse_expression(bad, "n")
    with pytest.raises(ValueError, match="cannot parse"):
        parse_expression("n**", "n")
    with pytest.raises(TypeError, match="theory"):
        parse_expression(2.0, "n")


def test_export_csv_round_trip(tmp_path):
    path = tmp_path / "r.sqlite"
    run_sweep(FAULTY, Grid({"x": [1, 2, 3], "fail_on": [2]}, seeds=1), store=path,
              executor="serial", quiet=True)
    out = export_rows(path, tmp_path / "x" / "all.csv")
    with out.open() as fh:
        table = list(csv.DictReader(fh))
    assert [r["status"] for r in table] == ["ok", "error", "ok"]
    assert [r["x"] for r in table] == ["1", "2", "3"]
    assert table[0]["y"] == "2" and table[0]["label"] == "x1" and table[1]["y"] == ""
    assert "RuntimeError" in table[1]["error"] and "Traceback" in table[1]["traceback"]
    assert float(table[2]["z"]) == read_rows(path)[1]["z"]  # full float precision
    ok = export_rows(read_rows(path), tmp_path / "ok.csv")
    assert len(ok.read_text().splitlines()) == 3
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        export_rows(path, tmp_path / "r.xlsx")


def test_export_parquet(tmp_path):
    rows = [{"status": "ok", "n": 1, "v": 2.0}]
    try:
        import pyarrow.parquet as pq
    except ImportError:
        with pytest.raises(ValueError, match="pyarrow"):
            export_rows(rows, tmp_path / "r.parquet")
        return
    path = export_rows(rows, tmp_path / "r.parquet")
    assert pq.read_table(path).column("v").to_pylist() == [2.0]


def _png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_fit_theory_and_series(tmp_path):
    rows = [{"n": n, "p": p, "v": (p * n) ** 0.5 * (1 + 0.01 * s), "status": "ok"}
            for n in (4, 16, 64, 256) for p in (1, 4) for s in (-1, 0, 1)]
    res = plot_sweep(rows, x="n", y="v", by=["p"], path=tmp_path / "a.png", theory="n**0.5",
                     x_min=16, title="t")
    assert _png(res.path)
    assert sorted(res.fits) == ["p=1", "p=4"]
    # per series, y = sqrt(p) n^0.5 (1 + 0.01 s) with the same s at each n: slope exactly 0.5
    for f in res.fits.values():
        assert f.slope == pytest.approx(0.5, abs=1e-12) and f.n_points == 9
    assert [(e["p"], e["n"], e["count"]) for e in res.table][:2] == [(1, 4, 3), (1, 16, 3)]
    res2 = plot_sweep(rows, x="n", y="v", by=[], path=tmp_path / "b.png", loglog=False,
                      fit=False, theory="2*n**0.5", theory_scale="absolute")
    assert _png(res2.path) and res2.fits == {}


def test_plot_bad_input(tmp_path):
    rows = [{"n": 1, "v": 1.0}, {"n": 2, "v": 2.0}]
    with pytest.raises(ValueError, match="x: no column 'm'"):
        plot_sweep(rows, x="m", y="v", by=[], path=tmp_path / "a.png")
    with pytest.raises(ValueError, match="y: no column 'w'"):
        plot_sweep(rows, x="n", y="w", by=[], path=tmp_path / "a.png")
    with pytest.raises(ValueError, match=r"\.png"):
        plot_sweep(rows, x="n", y="v", by=[], path=tmp_path / "a.pdf", fit=False)
    with pytest.raises(ValueError, match="no finished"):
        plot_sweep([], x="n", y="v", path=tmp_path / "a.png")
    with pytest.raises(ValueError, match="theory_scale"):
        plot_sweep(rows, x="n", y="v", path=tmp_path / "a.png", theory_scale="auto")
    with pytest.raises(ValueError, match="at least 3 points"):
        plot_sweep(rows, x="n", y="v", by=[], path=tmp_path / "a.png", fit=True)
    assert not (tmp_path / "a.png").exists()
