"""``sosrmt lowerbound``: JSON rows, plots, bad input (kept tiny: the command is a thin layer
over the lowerbound_cell functions tested with the problems)."""

import json

import pytest

from sosrmt.cli import main

REQUIRED = {"n", "ratio", "mu_min", "residual", "objective_ratio"}


@pytest.mark.parametrize("problem,extra", [
    ("tensor-pca", ["--trunc", "2"]),
    ("sparse-pca", ["--k", "2"]),
    ("dense-subgraph", []),
    ("pap", ["--trunc", "4"]),
])
def test_json_rows(problem, extra, capsys):
    rc = main(["lowerbound", problem, "--n", "5", "--ratio", "0.2", "0.4", "--json", *extra])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["problem"] == problem and out["engine"] == "sosrmt.sweep"
    assert len(out["rows"]) == 2
    for row in out["rows"]:
        assert REQUIRED <= set(row)
        assert row["n"] == 5


def test_plot_and_seeds(tmp_path, capsys):
    png = tmp_path / "tpca.png"
    rc = main(["lowerbound", "tensor-pca", "--n", "5", "6", "--ratio", "0.25", "--trunc", "2",
               "--seeds", "2", "--plot", str(png), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and png.stat().st_size > 0
    assert all(r["seeds"] == 2 and r["mu_min_se"] is not None for r in out["rows"])


def test_shape_form_through_the_cli(capsys):
    rc = main(["lowerbound", "dense-subgraph", "--n", "7", "--ratio", "0.3", "--form", "shape",
               "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and len(out["rows"]) == 1


def test_bad_input(capsys):
    assert main(["lowerbound", "pap", "--n", "1", "--json"]) == 2
    assert main(["lowerbound", "pap", "--ratio", "-1", "--json"]) == 2
    assert main(["lowerbound", "tensor-pca", "--degree", "3", "--json"]) == 2
    assert main(["lowerbound", "sparse-pca", "--n", "3", "--k", "4", "--json"]) == 2
    # a cell outside the model's domain (q > 1/2) is reported as a failed cell
    rc = main(["lowerbound", "dense-subgraph", "--n", "5", "--ratio", "5", "--json"])
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rc == 1 and out["failed"] and "q" in out["failed"][0]["error"]
