"""Run a study over several seeds and report mean ± standard error of every number.

One helper for all studies: :func:`run_seeds` calls a study's ``run`` once per seed and
:func:`aggregate` walks the nested ``metrics`` of the runs, replacing every number (and
every list of numbers of the same length) by its mean and standard error over seeds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sosrmt._validation import check_int
from sosrmt.ml.study import Study, StudyResult

__all__ = ["aggregate", "mean_sem", "run_seeds"]


def mean_sem(values: Sequence[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (sample sd / sqrt(n); NaN for one value).

    Examples
    --------
    >>> m, s = mean_sem([1.0, 2.0, 3.0])
    >>> round(m, 9), round(s, 9)
    (2.0, 0.577350269)
    >>> mean_sem([5.0])[1]
    nan
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"values: expected a non-empty 1-D sequence, got shape {arr.shape}")
    sem = float(arr.std(ddof=1) / math.sqrt(arr.size)) if arr.size > 1 else float("nan")
    return float(arr.mean()), sem


def _is_number(x: object) -> bool:
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, str)


def aggregate(runs: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Mean and standard error over runs of every number in nested metric dicts.

    A key present in every run is aggregated when its values are all numbers (booleans
    count as 0/1) or all equal-length lists of numbers (element by element) or all dicts
    (recursively); other values are dropped from the aggregate (they stay in the per-seed
    metrics). ``None`` (a non-finite number) makes the mean of that entry ``nan``.

    Returns
    -------
    mean, sem : dict
        Two trees with the structure of the aggregated part of the metrics.

    Examples
    --------
    >>> mean, sem = aggregate([{"a": 1.0, "b": [0.0, 2.0], "c": {"d": True}},
    ...                        {"a": 3.0, "b": [2.0, 2.0], "c": {"d": False}}])
    >>> mean
    {'a': 2.0, 'b': [1.0, 2.0], 'c': {'d': 0.5}}
    >>> sem["a"], sem["b"]
    (1.0, [1.0, 0.0])
    """
    if len(runs) == 0:
        raise ValueError("runs: expected at least one run")
    mean: dict[str, Any] = {}
    sem: dict[str, Any] = {}
    for key in runs[0]:
        if not all(key in r for r in runs):
            continue
        vals = [r[key] for r in runs]
        vals = [float("nan") if v is None else v for v in vals]
        if all(_is_number(v) for v in vals):
            mean[key], sem[key] = mean_sem([float(v) for v in vals])
        elif all(isinstance(v, Mapping) for v in vals):
            sub_mean, sub_sem = aggregate(vals)
            if sub_mean:
                mean[key], sem[key] = sub_mean, sub_sem
        elif (all(isinstance(v, list | tuple) for v in vals)
              and len({len(v) for v in vals}) == 1 and len(vals[0]) > 0
              and all(_is_number(x) or x is None for v in vals for x in v)):
            cols = np.array([[np.nan if x is None else float(x) for x in v] for v in vals])
            pairs = [mean_sem(cols[:, j]) for j in range(cols.shape[1])]
            mean[key] = [p[0] for p in pairs]
            sem[key] = [p[1] for p in pairs]
    return mean, sem


def run_seeds(study: Study, seeds: Sequence[int], quick: bool = True,
              **options: Any) -> StudyResult:
    """Run ``study`` once per seed; metrics become mean and standard error over seeds.

    Parameters
    ----------
    study : Study
    seeds : sequence of int
        Distinct non-negative seeds (at least one).
    quick : bool
    **options
        Passed to ``study.run``.

    Returns
    -------
    StudyResult
        ``metrics`` holds ``mean``, ``sem`` (see :func:`aggregate`), ``n_seeds`` and
        ``per_seed`` (the metrics of each run); ``seed`` is the first seed, ``settings``
        those of the first run plus ``seeds``; the figures are those of the first run.
    """
    seeds = [check_int(s, "seeds", minimum=0) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds: expected distinct non-negative ints, got {seeds!r}")
    results = [study.run(quick=quick, seed=s, **options) for s in seeds]
    mean, sem = aggregate([r.metrics for r in results])
    first = results[0]
    notes = list(dict.fromkeys(n for r in results for n in r.notes))
    notes.append(f"Numbers are mean and standard error over {len(seeds)} seeds {seeds}; "
                 f"the figures are those of seed {seeds[0]}.")
    return StudyResult(
        name=first.name, quick=quick, seed=seeds[0],
        metrics={"n_seeds": len(seeds), "mean": mean, "sem": sem,
                 "per_seed": [r.metrics for r in results]},
        settings=first.settings | {"seeds": seeds}, figures=first.figures, notes=notes)
