"""The shared mean ± standard-error helper of ``--seeds K``."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sosrmt.ml import Study, StudyResult, run_seeds
from sosrmt.ml.seeds import aggregate, mean_sem


def test_mean_sem_matches_numpy():
    vals = [0.3, 0.9, 0.6, 0.2]
    m, s = mean_sem(vals)
    assert m == pytest.approx(np.mean(vals))
    assert s == pytest.approx(np.std(vals, ddof=1) / 2)
    assert math.isnan(mean_sem([1.0])[1])
    with pytest.raises(ValueError, match="values"):
        mean_sem([])


def test_aggregate_keeps_only_what_can_be_averaged():
    runs = [{"x": 1, "lst": [1.0, 2.0], "ragged": [1.0], "name": "a", "nested": {"y": None}},
            {"x": 3, "lst": [3.0, 4.0], "ragged": [1.0, 2.0], "name": "b", "nested": {"y": 2.0}}]
    mean, sem = aggregate(runs)
    assert mean["x"] == 2.0 and sem["x"] == pytest.approx(1.0)
    assert mean["lst"] == [2.0, 3.0]
    assert "ragged" not in mean and "name" not in mean
    assert math.isnan(mean["nested"]["y"])   # a missing (non-finite) value is not hidden
    with pytest.raises(ValueError, match="runs"):
        aggregate([])


def _toy_run(quick: bool = True, seed: int = 0, scale: float = 1.0) -> StudyResult:
    return StudyResult(name="toy", quick=quick, seed=seed,
                       metrics={"v": scale * seed, "curve": [seed, 2 * seed]}, notes=["n"])


def test_run_seeds_runs_every_seed_and_passes_options():
    study = Study(name="toy", summary="toy", run=_toy_run)
    res = run_seeds(study, [1, 2, 3], scale=2.0)
    assert res.settings["seeds"] == [1, 2, 3] and res.seed == 1
    assert res.metrics["mean"]["v"] == pytest.approx(4.0)
    assert res.metrics["sem"]["v"] == pytest.approx(2.0 / math.sqrt(3))
    assert res.metrics["mean"]["curve"] == [2.0, 4.0]
    assert [r["v"] for r in res.metrics["per_seed"]] == [2.0, 4.0, 6.0]
    assert res.notes[0] == "n" and "3 seeds" in res.notes[-1]
    with pytest.raises(ValueError, match="seeds"):
        run_seeds(study, [1, 1])
    with pytest.raises(ValueError, match="seeds"):
        run_seeds(study, [])
