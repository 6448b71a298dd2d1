"""The ``sosrmt ml`` command: listing, missing extras, missing espeak-ng, readable output."""

from __future__ import annotations

import json
import sys

import pytest

from sosrmt.cli import main
from sosrmt.ml import STUDIES, study_status

NAMES = [e.name for e in STUDIES]


def test_explicit_study_list_has_seven_studies():
    assert len(NAMES) == 7 and len(set(NAMES)) == 7
    assert NAMES == sorted(NAMES)


def test_list_shows_every_study(capsys):
    assert main(["ml"]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        assert name in out
    assert "{" not in out  # a table, not a dict repr


@pytest.fixture
def no_torch(monkeypatch):
    """Make ``import torch`` fail and forget the imported study modules (restored after)."""
    for name in list(sys.modules):
        if name.startswith("sosrmt.ml.") and name.split(".")[2] not in {"study", "seeds"}:
            monkeypatch.delitem(sys.modules, name)
    for name in list(sys.modules):
        if name == "torch" or name.startswith("torch."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ModuleNotFoundError


def test_list_without_torch_marks_the_missing_extra(no_torch, capsys):
    status = {s.entry.name: s for s in study_status()}
    assert set(status) == set(NAMES)
    assert status["lti_identification"].available  # numpy/scipy only
    for name in NAMES:
        if name != "lti_identification":
            assert not status[name].available and status[name].missing == "torch"
    assert main(["ml"]) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.split() and ln.split()[0] in NAMES]
    assert len(lines) == 7
    needs = [ln for ln in lines if "needs: pip install 'sosrmt[ml]'" in ln]
    assert len(needs) == 6 and all("import of 'torch' failed" in ln for ln in needs)
    assert main(["ml", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["studies"]
    assert [r["study"] for r in rows] == NAMES


def test_unavailable_study_is_a_one_line_error(no_torch, capsys):
    assert main(["ml", "identifiable_vae"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "sosrmt[ml]" in err and "torch" in err


def test_missing_espeak_is_a_one_line_error(monkeypatch, capsys):
    pytest.importorskip("torch")
    from sosrmt.ml import speech

    monkeypatch.setattr(speech.shutil, "which", lambda name: None)
    assert main(["ml", "asr_robustness", "--out", "unused"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err == ("sosrmt ml: error: espeak-ng not found; install it with "
                   "apt-get install espeak-ng")


def test_bad_study_and_seeds(capsys):
    assert main(["ml", "no_such_study"]) == 2
    assert "expected one of" in capsys.readouterr().err
    assert main(["ml", "lti_identification", "--seeds", "0"]) == 2
    assert "--seeds" in capsys.readouterr().err


def test_run_prints_key_value_lines(tmp_path, capsys):
    code = main(["ml", "lti_identification", "--seed", "1", "--out", str(tmp_path),
                 "--option", "n=2", "--option", "T=600"])
    assert code == 0
    out = capsys.readouterr().out
    assert "by_n.2.mcc_diverse: " in out
    assert "{'" not in out and '{"' not in out  # no dict repr


def test_seeds_report_mean_and_standard_error(tmp_path, capsys):
    code = main(["ml", "lti_identification", "--seeds", "2", "--out", str(tmp_path),
                 "--option", "n=2", "--option", "T=600"])
    assert code == 0
    out = capsys.readouterr().out
    assert "seeds=[0, 1]" in out and " ± " in out
    payload = json.loads((tmp_path / "lti_identification.json").read_text())
    m = payload["metrics"]
    assert m["n_seeds"] == 2 and len(m["per_seed"]) == 2
    vals = [r["by_n"]["2"]["mcc_diverse"] for r in m["per_seed"]]
    assert m["mean"]["by_n"]["2"]["mcc_diverse"] == pytest.approx(sum(vals) / 2)
    assert m["sem"]["by_n"]["2"]["mcc_diverse"] == pytest.approx(abs(vals[0] - vals[1]) / 2)
