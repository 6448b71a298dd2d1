"""Ordinary mistakes end in one line on stderr (exit status 2), never a traceback;
``--debug`` shows the traceback instead."""

from __future__ import annotations

import numpy as np
import pytest

from sosrmt.cli import main


def _one_line_error(capsys, argv, *needles):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"sosrmt {argv[0]}: error: ")
    for needle in needles:
        assert needle in err, err
    return err


def test_empty_npy_matrix(tmp_path, capsys):
    path = tmp_path / "empty.npy"
    path.write_bytes(b"")
    _one_line_error(capsys, ["sk", "--matrix", str(path)])


def test_directory_as_matrix(tmp_path, capsys):
    _one_line_error(capsys, ["sk", "--matrix", str(tmp_path)], str(tmp_path))


def test_missing_matrix_file(tmp_path, capsys):
    _one_line_error(capsys, ["sk", "--matrix", str(tmp_path / "nope.npy")], "nope.npy")


def test_demo_out_is_a_file(tmp_path, capsys):
    path = tmp_path / "a_file"
    path.write_text("x")
    _one_line_error(capsys, ["demo", "--out", str(path)], str(path))


@pytest.mark.parametrize("body", ["def broken(:\n", "raise RuntimeError('no import')\n"])
def test_sweep_job_module_that_fails_to_import(tmp_path, capsys, monkeypatch, body):
    (tmp_path / "badjobmod.py").write_text(body)
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = tmp_path / "spec.toml"
    spec.write_text('job = "badjobmod:f"\nseeds = 1\n[params]\nx = [1]\n')
    _one_line_error(capsys, ["sweep", "run", str(spec), "--serial", "-q"], "badjobmod")


def test_not_a_store(tmp_path, capsys):
    path = tmp_path / "x.sqlite"
    path.write_bytes(b"this is not an SQLite file at all" * 10)
    _one_line_error(capsys, ["sweep", "show", str(path)])


def test_debug_shows_the_traceback(tmp_path):
    path = tmp_path / "empty.npy"
    path.write_bytes(b"")
    with pytest.raises((EOFError, ValueError)):
        main(["--debug", "sk", "--matrix", str(path)])


def test_valid_matrix_still_runs(tmp_path, capsys):
    rng = np.random.default_rng(0)
    g = rng.standard_normal((6, 6))
    w = (g + g.T) / np.sqrt(2)
    np.fill_diagonal(w, 0)
    np.save(tmp_path / "w.npy", w)
    assert main(["sk", "--matrix", str(tmp_path / "w.npy"), "--degree", "2", "--json"]) == 0
