import json

import pytest

from sosrmt.cli import main


def test_graphs_norm_json_plot_and_store(tmp_path, capsys):
    store, plot = tmp_path / "z.db", tmp_path / "z.png"
    argv = ["graphs", "norm", "--shape", "Z", "--model", "rademacher", "--n", "8", "12", "16",
            "--trials", "2", "--json", "--store", str(store), "--plot", str(plot)]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kappa"] == 1.0 and isinstance(out["slope"], float)
    assert [r["n"] for r in out["rows"]] == [8, 12, 16]
    assert all({"n", "mean", "stderr"} <= set(r) for r in out["rows"])
    assert plot.read_bytes()[:4] == b"\x89PNG" and store.exists()
    # resumable: the same command again reads the stored trials and gives the same table
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["rows"] == out["rows"]


def test_graphs_norm_text(capsys):
    assert main(["graphs", "norm", "--shape", "U=a; V=b; E=a-b", "--n", "10", "20",
                 "--trials", "2", "--seed", "1"]) == 0
    text = capsys.readouterr().out
    assert "kappa = 0.5" in text and "log-log slope" in text


@pytest.mark.parametrize("argv, match", [
    (["--shape", "nonsense", "--n", "10"], "unknown shape"),
    (["--shape", "Z", "--n", "3"], "n >= 4"),
    (["--shape", "Z", "--n", "10", "--trials", "0"], "trials"),
    (["--shape", "Z", "--n", "10", "--model", "pbiased"], "--p"),
])
def test_graphs_norm_errors(argv, match, capsys):
    assert main(["graphs", "norm", *argv]) == 2
    assert match in capsys.readouterr().err


def test_graphs_info_and_draw(tmp_path, capsys):
    assert main(["graphs", "info", "--shape", "iso", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kappa"] == 1.5 and info["W_iso"] == [2] and info["mobius_terms"] == 3
    out = tmp_path / "k22.png"
    assert main(["graphs", "draw", "--shape", "K22", "-o", str(out)]) == 0
    assert out.exists()
    assert main(["graphs"]) == 2
