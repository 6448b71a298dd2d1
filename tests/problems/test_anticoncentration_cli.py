"""``sosrmt anticonc``: JSON rows, plot, and bad arguments."""

from __future__ import annotations

import json

from sosrmt.cli import main


def test_anticonc_json_rows_and_plot(capsys, tmp_path):
    png = tmp_path / "ac.png"
    rc = main(["anticonc", "--dist", "gaussian,rademacher", "--n", "60", "--d", "2",
               "--delta", "0.1", "0.3", "--sos-n", "8", "--poly-degree", "4",
               "--plot", str(png), "--json", "--seed", "3"])
    out = capsys.readouterr()
    assert rc == 0
    doc = json.loads(out.out)  # one JSON document, nothing else on stdout
    rows = doc["rows"]
    assert [(r["dist"], r["delta"]) for r in rows] == [
        ("gaussian", 0.1), ("gaussian", 0.3), ("rademacher", 0.1), ("rademacher", 0.3)]
    for r in rows:
        assert {"dist", "delta", "opt", "sos", "poly", "population"} <= set(r)
        assert r["poly"] >= r["opt"]
        assert r["sos"] >= r["opt_sos_subset"]
        if r["dist"] == "rademacher":
            assert r["opt"] >= 0.5 and r["sos"] >= 0.5 and r["poly"] >= 0.5
    assert png.stat().st_size > 0
    assert "[anticonc]" in out.err


def test_anticonc_skips_and_errors(capsys):
    rc = main(["anticonc", "--dist", "cube", "--n", "40", "--delta", "0.2", "--no-sos",
               "--no-poly", "--json"])
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert rc == 0 and row["sos"] is None and row["poly"] is None and row["opt"] > 0
    assert main(["anticonc", "--dist", "laplace", "--json"]) == 2
    assert "dist" in capsys.readouterr().err
    assert main(["anticonc", "--dist", "gaussian", "--delta", "1.5", "--no-sos",
                 "--no-poly"]) == 2
    assert "delta" in capsys.readouterr().err


def test_a_row_does_not_depend_on_the_other_distributions(capsys):
    # Rademacher at delta = 0.05 used to change with its position in --dist
    def rows(dists):
        assert main(["anticonc", "--dist", dists, "--n", "60", "--delta", "0.05", "0.2",
                     "--no-sos", "--no-poly", "--json", "--seed", "5"]) == 0
        return {(r["dist"], r["delta"]): r for r in json.loads(capsys.readouterr().out)["rows"]}

    alone = rows("rademacher")
    listed = rows("gaussian,cube,rademacher")
    for key, row in alone.items():
        other = listed[key]
        assert row["opt"] == other["opt"] and row["population"] == other["population"]
    assert main(["anticonc", "--dist", "cube,rademacher", "--n", "60", "--delta", "0.2",
                 "--no-sos", "--no-poly", "--json", "--seed", "5"]) == 0
    fewer_deltas = json.loads(capsys.readouterr().out)["rows"][1]
    assert fewer_deltas["opt"] == alone[("rademacher", 0.2)]["opt"]
    assert fewer_deltas["population"] == alone[("rademacher", 0.2)]["population"]
