"""The ``sosrmt sk`` command: table, JSON contract, user matrices, errors."""

import json
import subprocess
import sys

import numpy as np

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
