"""Companion ML studies of the research programme (optional ``ml`` extra).

Each study is one module of this package exposing ``run_<study>(quick=True, seed=0, ...)``
and a module-level ``STUDY`` (:class:`sosrmt.ml.study.Study`) that names it for the
command line (``sosrmt ml <name>``). :data:`STUDIES` lists them explicitly;
:func:`study_status` says which ones can run here and what the others need.
Importing this package does not import torch; the study modules do.
"""

from sosrmt.ml.seeds import mean_sem, run_seeds
from sosrmt.ml.study import (
    STUDIES,
    RngLike,
    Study,
    StudyEntry,
    StudyResult,
    StudyStatus,
    available_studies,
    study_status,
)

__all__ = [
    "STUDIES",
    "RngLike",
    "Study",
    "StudyEntry",
    "StudyResult",
    "StudyStatus",
    "available_studies",
    "mean_sem",
    "run_seeds",
    "study_status",
]
