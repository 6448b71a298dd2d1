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


def test_graphs_info_prints_names_not_reprs(capsys):
    assert main(["graphs", "info", "--shape", "U=left; V=right; E=left-mid,mid-right"]) == 0
    text = capsys.readouterr().out
    assert "left" in text and "mid" in text and "right" in text
    assert "{'" not in text and "[" not in text  # no Python dict or list reprs
    assert main(["graphs", "info", "--shape", "U=left; V=right; E=left-mid,mid-right",
                 "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["U_names"] == ["left"] and info["W_names"] == ["mid"]


def test_graphs_info_large_path_answers_at_once(capsys):
    import itertools
    import time

    names = [f"x{i}" for i in range(13)]
    text = (f"U={names[0]}; V={names[-1]}; E="
            + ",".join(f"{a}-{b}" for a, b in itertools.pairwise(names)))
    start = time.perf_counter()
    assert main(["graphs", "info", "--shape", text]) == 0
    out = capsys.readouterr().out
    assert time.perf_counter() - start < 10
    assert "more than 100,000" in out and "kappa          6" in out and "yes" in out


def test_graphs_draw_writes_where_it_says(tmp_path, capsys):
    # an existing directory: DIR/<shape>.png
    assert main(["graphs", "draw", "--shape", "Z", "-o", str(tmp_path)]) == 0
    said = capsys.readouterr().out.strip().removeprefix("wrote ")
    assert said == str(tmp_path / "Z.png") and (tmp_path / "Z.png").read_bytes()[:4] == b"\x89PNG"
    # no suffix: .png added, and the message names that file
    assert main(["graphs", "draw", "--shape", "Z", "-o", str(tmp_path / "fig")]) == 0
    said = capsys.readouterr().out.strip().removeprefix("wrote ")
    assert said == str(tmp_path / "fig.png") and (tmp_path / "fig.png").exists()
    # a suffix is kept as given
    assert main(["graphs", "draw", "--shape", "Z", "-o", str(tmp_path / "fig.pdf")]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {tmp_path / 'fig.pdf'}"
    assert (tmp_path / "fig.pdf").read_bytes()[:4] == b"%PDF"
