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


@pytest.mark.parametrize("problem,k", [("tensor-pca", "0"), ("tensor-pca", "1"),
                                       ("sparse-pca", "0"), ("dense-subgraph", "1"),
                                       ("pap", "3")])
def test_bad_k_is_refused_in_one_line(problem, k, capsys):
    # --k 0 used to run silently with the default k (3 for tensor-pca, 2 for sparse-pca)
    assert main(["lowerbound", problem, "--n", "5", "--k", k, "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--k" in err and len(err.splitlines()) == 1


def test_help_cites_no_spec(capsys):
    with pytest.raises(SystemExit):
        main(["lowerbound", "--help"])
    text = capsys.readouterr().out
    assert "spec" not in text.lower() and "``" not in text


def test_jobs_are_the_problem_functions():
    from sosrmt.cli.commands.lowerbound import PROBLEMS

    assert {v["job"] for v in PROBLEMS.values()} == {
        f"sosrmt.problems.{m}:lowerbound_cell"
        for m in ("tensor_pca", "sparse_pca", "dense_subgraph", "planted_affine_planes")}


def test_form_does_not_change_the_instance_in_the_library():
    from sosrmt.problems import dense_subgraph, tensor_pca

    a = tensor_pca.lowerbound_cell(rng=3, n=6, ratio=0.2, trunc=2, form="signed")
    b = tensor_pca.lowerbound_cell(rng=3, n=6, ratio=0.2, trunc=2, form="shape")
    c = dense_subgraph.lowerbound_cell(rng=3, n=6, ratio=0.2, form="signed")
    d = dense_subgraph.lowerbound_cell(rng=3, n=6, ratio=0.2, form="shape")
    for x, y in ((a, b), (c, d)):
        for key in ("e1", "mu_min", "planted_e1", "planted_mu_min"):
            assert x[key] == pytest.approx(y[key], rel=1e-9, abs=1e-12)


# `form` is a method parameter of the sweep grid: it stays out of the cell's random stream.
@pytest.mark.parametrize("problem", ["tensor-pca", "dense-subgraph"])
def test_form_does_not_change_the_instance(problem, capsys):
    # the instance depends on (seed, problem parameters) only: the two exact forms agree
    rows = {}
    for form in ("signed", "shape"):
        assert main(["lowerbound", problem, "--n", "6", "--ratio", "0.2", "--trunc", "2" if
                     problem == "tensor-pca" else "4", "--form", form, "--seed", "3",
                     "--json"]) == 0
        rows[form] = json.loads(capsys.readouterr().out)["rows"][0]
    for key in ("e1", "mu_min", "planted_e1"):
        assert rows["signed"][key] == pytest.approx(rows["shape"][key], rel=1e-9, abs=1e-12)


def test_pap_shape_form_through_the_cli(capsys):
    import math

    assert main(["lowerbound", "pap", "--n", "4", "--ratio", "0.5", "--trunc", "6",
                 "--form", "shape", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert math.isfinite(row["mu_min"]) and math.isfinite(row["residual"])
