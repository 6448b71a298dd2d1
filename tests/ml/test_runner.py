"""Studies as sweep cells: recorded in the store, resumable, numbers equal to a direct run."""

from __future__ import annotations

import json

import pytest

from sosrmt.ml import available_studies
from sosrmt.ml.runner import flat_metrics, run_studies, study_cell
from sosrmt.sweep import read_rows


def test_study_cell_equals_a_direct_run_and_resumes(tmp_path):
    store = tmp_path / "studies.sqlite"
    rows = run_studies(["lti_identification"], full=False, store=store, out=tmp_path / "out",
                       quiet=True)
    (row,) = rows
    assert row["status"] == "ok" and row["study"] == "lti_identification"
    direct = available_studies()["lti_identification"].run(quick=True, seed=0)
    for key, value in flat_metrics(direct.metrics).items():
        stored = row[f"metric/{key}"]
        if isinstance(value, float):
            assert stored == pytest.approx(value, rel=1e-9, abs=1e-12), key
        else:
            assert stored == value, key
    payload = json.loads((tmp_path / "out" / "lti_identification" /
                          "lti_identification.json").read_text())
    assert payload["status"] == "done" and "torch" in payload["versions"]
    # the same call again finds the study in the store and runs nothing
    again = run_studies(["lti_identification"], full=False, store=store, out=tmp_path / "out",
                        quiet=True)
    assert again[0]["row_id"] == row["row_id"]
    assert len(read_rows(store, status=None)) == 1


def test_unknown_study_is_refused():
    with pytest.raises(ValueError, match="study: expected one of"):
        study_cell(study="nope", full=False)
