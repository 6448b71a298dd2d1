"""SK from both sides: the sweep job, the store, the figure, the command."""

import json

import numpy as np
import pytest

from sosrmt.cli import main
from sosrmt.problems import sk


def test_cell_orders_the_curves():
    row = sk.both_sides_cell(rng=0, n=10, sos4_max=10, transfer_max=10, p=3)
    assert row["opt"] <= row["sos4_bound"] + 1e-9
    assert row["sos4_bound"] <= row["sos2_bound"] + 1e-6 <= row["spectral"] + 2e-6
    assert row["best_found"] is None and row["transfer"] is not None
    big = sk.both_sides_cell(rng=0, n=36, sos4_max=10, transfer_max=10)
    assert big["opt"] is None and big["sos4_bound"] is None
    assert big["best_found"] <= big["sos2_bound"] <= big["spectral"] + 1e-9


def _run(store, sizes):
    from sosrmt.sweep import Grid, run_sweep

    params = sk.both_sides_params(sizes, sos4_max=12, transfer_max=12, p=3)
    grid = Grid(params, seeds=1, method_params=["sos4_max", "transfer_max"])
    rows = run_sweep("sosrmt.problems.sk:both_sides_cell", grid, store=store, jobs=1,
                     executor="serial", quiet=True)
    return sk.summarize_both_sides(rows)


def test_both_sides_store_resumes_and_plot(tmp_path):
    store = tmp_path / "bs.sqlite"
    table = _run(store, [12, 8])
    assert [e["n"] for e in table] == [8, 12]
    assert all(e["failed_cells"] == 0 and e["count"] == 1 for e in table)
    assert table[0]["opt_mean"] <= table[0]["sos4_bound_mean"] + 1e-9
    assert _run(store, [8, 12]) == table  # every cell came from the store
    fig = sk.plot_both_sides(table, tmp_path / "bs.png")
    assert (tmp_path / "bs.png").stat().st_size > 0
    refs = {tuple(float(v) for v in ln.get_ydata()) for ln in fig.axes[0].lines}
    assert (2.0, 2.0) in refs and (sk.PARISI, sk.PARISI) in refs


def test_summary_counts_failed_cells_and_skips_missing_curves():
    rows = [{"status": "ok", "n": 40, "best_found": 1.4, "opt": None},
            {"status": "error: boom", "n": 40}]
    entry = sk.summarize_both_sides(rows)[0]
    assert entry["failed_cells"] == 1 and entry["count"] == 1
    assert entry["opt_mean"] is None and entry["best_found_mean"] == pytest.approx(1.4)


def test_transfer_not_psd_is_marked():
    table = [{"n": 12, "transfer_mean": 0.5, "transfer_psd_fraction": 0.5}]
    fig = sk.plot_both_sides(table)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("not PSD" in label for label in labels)


def test_transfer_with_large_residual_is_invalid():
    row = sk.both_sides_cell(rng=0, n=24, sos4_max=0, transfer_max=24)
    assert row["transfer_residual"] > 0.05 and row["transfer_psd_low_residual"] is False
    entry = sk.summarize_both_sides([{"status": "ok", "n": 24, **row}])[0]
    assert entry["transfer_psd_low_residual_fraction"] == 0.0


def test_cli_both_sides(tmp_path, capsys):
    argv = ["sk", "--both-sides", "--n", "8", "10", "--seeds", "1", "--sos4-max", "10",
            "--transfer-max", "10", "--store", str(tmp_path / "s.sqlite"),
            "--plot", str(tmp_path / "f.png"), "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert [e["n"] for e in out["both_sides"]] == [8, 10]
    assert (tmp_path / "f.png").stat().st_size > 0
    assert np.isfinite(out["both_sides"][0]["opt_mean"])


def test_cli_several_n_need_both_sides(capsys):
    assert main(["sk", "--n", "8", "10"]) == 2
    assert "--both-sides" in capsys.readouterr().err


def test_bad_sizes():
    with pytest.raises(ValueError, match="n"):
        sk.both_sides_params([2])
    with pytest.raises(ValueError, match="refused before any work"):
        sk.both_sides_params([8, 10**6])
