"""The ``sosrmt sk`` command: table, JSON contract, user matrices, errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

from sosrmt.cli import main


def test_sk_json_contract(capsys):
    assert main(["sk", "--n", "8", "--degree", "4", "--seeds", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["instances"]) == 2
    for inst in out["instances"]:
        for key in ("opt", "sos2", "sos4", "spectral", "tight"):
            assert key in inst
        assert inst["opt"] <= inst["sos4_bound"] + 1e-9 and inst["sos4"] <= inst["sos2_bound"]


def test_sk_user_matrix_and_bad_matrix(tmp_path, capsys):
    W = np.array([[0.0, 1.0, -2.0], [1.0, 0.0, 0.5], [-2.0, 0.5, 0.0]])
    np.save(tmp_path / "W.npy", W)
    assert main(["sk", "--matrix", str(tmp_path / "W.npy"), "--json"]) == 0
    inst = json.loads(capsys.readouterr().out)["instances"][0]
    assert inst["opt"] == max(
        float(x @ W @ x) for x in np.array(np.meshgrid(*[[-1, 1]] * 3)).reshape(3, -1).T
    )
    np.save(tmp_path / "bad.npy", np.array([[0.0, 1.0], [0.0, 0.0]]))
    assert main(["sk", "--matrix", str(tmp_path / "bad.npy")]) == 2
    assert "--matrix" in capsys.readouterr().err


def test_python_dash_m_works():
    out = subprocess.run(
        [sys.executable, "-m", "sosrmt", "sk", "--n", "5", "--degree", "2", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["instances"][0]["n"] == 5


def test_sk_opt_computed_at_n25(capsys):
    assert main(["sk", "--n", "25", "--degree", "2", "--json"]) == 0
    inst = json.loads(capsys.readouterr().out)["instances"][0]
    assert inst["opt"] is not None and inst["opt"] <= inst["sos2_bound"]


def test_sk_beyond_brute_force_says_why_and_gives_best_found(capsys):
    assert main(["sk", "--n", "40", "--bm"]) == 0
    out = capsys.readouterr().out
    assert "brute force runs for n <= 28" in out and "best_found" in out


def test_sk_failed_solves_exit_nonzero_and_json_parses(tmp_path):
    G = np.random.default_rng(0).standard_normal((6, 6))
    W = (G + G.T) / np.sqrt(2) * 1e300
    np.fill_diagonal(W, 0)
    np.save(tmp_path / "big.npy", W)
    out = subprocess.run(
        [sys.executable, "-m", "sosrmt", "sk", "--matrix", str(tmp_path / "big.npy"), "--json"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 1
    inst = json.loads(out.stdout)["instances"][0]  # solver chatter went to stderr
    assert inst["chain_ok"] is None and inst["failed"]
    text = subprocess.run(
        [sys.executable, "-m", "sosrmt", "sk", "--matrix", str(tmp_path / "big.npy")],
        capture_output=True, text=True, timeout=300,
    )
    assert text.returncode == 1 and "unchecked" in text.stdout and "chain_ok=yes" not in text.stdout
    assert "FAILED" in text.stdout


def test_sk_table_shows_bounds_not_values(capsys):
    assert main(["sk", "--n", "6"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split()
    assert "sos4_bound" in header and "sos2_bound" in header
    assert "sos4" not in header and "sos2" not in header


def test_sk_help_has_backend_help_and_no_rst(capsys):
    with pytest.raises(SystemExit):
        main(["sk", "--help"])
    text = capsys.readouterr().out
    assert "``" not in text and ":func:" not in text
    backend = text[text.index("  --backend"):]
    assert "SCS" in backend.split("--no-brute")[0]


def test_sk_unreadable_matrix_is_one_line(tmp_path, capsys):
    (tmp_path / "empty.npy").write_bytes(b"")
    assert main(["sk", "--matrix", str(tmp_path / "empty.npy")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--matrix" in err[0]
    assert main(["sk", "--matrix", str(tmp_path)]) == 2
    assert "--matrix" in capsys.readouterr().err
    np.save(tmp_path / "c.npy", np.array([[0, 1j], [1j, 0]]))
    assert main(["sk", "--matrix", str(tmp_path / "c.npy")]) == 2
    assert "real" in capsys.readouterr().err


def test_burer_monteiro_progress_bar_on_stderr(capsys):
    from sosrmt.problems import sk

    sk.burer_monteiro(sk.sk_instance(50, seed=0), rng=0, progress=True)
    captured = capsys.readouterr()
    assert "Burer-Monteiro" in captured.err and captured.out == ""
