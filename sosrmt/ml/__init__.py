"""Companion ML studies of the research programme (optional ``ml`` extra).

Each study is one module of this package exposing ``run_<study>(quick=True, seed=0, ...)``
and a module-level ``STUDY`` (:class:`sosrmt.ml.study.Study`) that names it for the
command line (``sosrmt ml <name>``). :func:`available_studies` discovers them.
Importing this package does not import torch; the study modules do.
"""

from sosrmt.ml.study import Study, StudyResult, available_studies

__all__ = ["Study", "StudyResult", "available_studies"]
