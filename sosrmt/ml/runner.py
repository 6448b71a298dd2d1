"""The studies as sweep cells: full (paper-scale) modes run through the sweep store.

:func:`study_cell` runs one study and returns its headline numbers as a flat dict, so it
is a sweep job (``"sosrmt.ml.runner:study_cell"``); :func:`run_studies` runs a list of
studies through :func:`sosrmt.sweep.run_sweep` into an SQLite store. So a long full-mode
session is resumable (a killed run keeps every finished study and skips it next time),
shows progress, records versions per row, isolates a study that crashes, and stops a study
that exceeds ``timeout`` as that study's error. With ``out``, each study also writes its
JSON (metrics, settings, wall and CPU time, versions) and figures to ``out/<study>/``.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from sosrmt._report import to_jsonable
from sosrmt._validation import RngLike

__all__ = ["PACKAGES", "flat_metrics", "run_studies", "study_cell", "versions"]

#: Packages whose versions each recorded study carries.
PACKAGES = ("sosrmt", "numpy", "scipy", "torch", "transformers", "scikit-learn", "matplotlib",
            "pocketsphinx", "jiwer")


def versions() -> dict[str, str]:
    """Versions of Python and of the packages the studies use."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def flat_metrics(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The scalar entries of a nested metrics dict, keys joined with ``/``.

    Lists and arrays are left out (the study's JSON keeps them).

    Examples
    --------
    >>> flat_metrics({"mcc": 0.97, "ablation": {"pca": 0.6, "curve": [1, 2]}, "ok": True})
    {'mcc': 0.97, 'ablation/pca': 0.6, 'ok': True}
    """
    out: dict[str, Any] = {}
    for key, value in to_jsonable(dict(metrics)).items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out |= flat_metrics(value, f"{name}/")
        elif isinstance(value, bool | int | float | str) or value is None:
            out[name] = value
    return out


def study_cell(*, rng: RngLike = None, study: str, full: bool = True, study_seed: int = 0,
               out: str = "") -> dict[str, Any]:
    """Run one study (one torch thread) as a sweep cell; return its flat headline numbers.

    Parameters
    ----------
    rng : RngLike
        The cell's generator, unused: the study's randomness is its own ``study_seed``, so
        the numbers equal those of ``sosrmt ml <study> --seed <study_seed>`` (``--full``
        when ``full``).
    study : str
        A name of :data:`sosrmt.ml.STUDIES`.
    full : bool
        Paper-scale settings (default) or the quick mode.
    study_seed : int
        The study's seed.
    out : str
        Folder for ``<out>/<study>/<study>.json`` and the figures (nothing written if empty).

    Returns
    -------
    dict
        :func:`flat_metrics` of the study's metrics plus ``wall_s`` and ``cpu_s``.
    """
    from sosrmt.ml._torch import torch_threads
    from sosrmt.ml.study import available_studies

    studies = available_studies()
    if study not in studies:
        raise ValueError(f"study: expected one of {sorted(studies)}, got {study!r}")
    t0, c0 = time.perf_counter(), time.process_time()
    with torch_threads(1):
        result = studies[study].run(quick=not full, seed=int(study_seed))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if out:
        folder = Path(out) / study
        result.save(folder)
        path = folder / f"{study}.json"
        payload = json.loads(path.read_text())
        payload |= {"status": "done", "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                    "host": platform.node(), "versions": versions()}
        path.write_text(json.dumps(to_jsonable(payload), indent=2))
    return {**{f"metric/{k}": v for k, v in flat_metrics(result.metrics).items()},
            "wall_s": wall, "cpu_s": cpu}


def run_studies(studies: Sequence[str], *, store: str | Path, full: bool = True,
                seed: int = 0, out: str | Path = "", jobs: int = 1,
                timeout: float | None = None, quiet: bool = False) -> list[Any]:
    """Run ``studies`` through the sweep store (resumable, with progress); return the rows.

    Each study is one cell of ``"sosrmt.ml.runner:study_cell"`` in a local process pool of
    ``jobs`` workers; ``timeout`` (seconds) stops a study that runs longer and records it
    as that study's error. Running again with the same arguments skips the studies
    already in ``store``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> rows = run_studies(["lti_identification"], full=False, quiet=True,
    ...                    store=pathlib.Path(tempfile.mkdtemp()) / "s.sqlite")  # doctest: +SKIP
    """
    from sosrmt.sweep import Grid, run_sweep

    grid = Grid({"study": list(studies), "full": [bool(full)], "study_seed": [int(seed)],
                 "out": [str(out)]}, seeds=1)
    return run_sweep("sosrmt.ml.runner:study_cell", grid, store=store, jobs=jobs,
                     timeout=timeout, quiet=quiet, progress=None if quiet else True)
