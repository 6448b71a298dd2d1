"""The contract every ML study follows, and the explicit list of the studies.

A study is one module of :mod:`sosrmt.ml` exposing ``run_<name>(quick=True, seed=0, ...)``
and a module-level ``STUDY`` (:class:`Study`). :data:`STUDIES` names every study with its
module and the extra it needs; :func:`study_status` imports them and says, for each one
that cannot be imported, which import failed and what to install.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from sosrmt._report import to_jsonable
from sosrmt._validation import RngLike

__all__ = [
    "STUDIES",
    "RngLike",
    "Study",
    "StudyEntry",
    "StudyResult",
    "StudyStatus",
    "available_studies",
    "study_status",
]



@dataclass
class StudyResult:
    """Numbers and figures of one study run.

    Attributes
    ----------
    name : str
        The study's command-line name.
    quick : bool
        Whether the run used the quick settings.
    seed : int
        The seed of the run.
    metrics : dict
        Flat or nested JSON-able numbers (the study's claims are read from here).
    settings : dict
        The settings actually used.
    figures : dict
        ``{file stem: matplotlib Figure}``; :meth:`save` writes them as PNG.
    notes : list of str
        Honest remarks (for example that a toy result is only a pipeline check).
    """

    name: str
    quick: bool
    seed: int
    metrics: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able part of the result (everything but the figures)."""
        return {
            "study": self.name,
            "quick": self.quick,
            "seed": self.seed,
            "settings": self.settings,
            "metrics": self.metrics,
            "notes": self.notes,
        }

    def show(self, dpi: int = 100) -> None:
        """Make every figure a pyplot figure (for notebooks and the docs gallery).

        Studies may build their figures off pyplot (``matplotlib.figure.Figure``), which a
        gallery scraper does not see; those are re-rendered as images into pyplot figures.
        """
        import io

        import matplotlib.pyplot as plt

        for fig in self.figures.values():
            if getattr(fig, "number", None) in plt.get_fignums():
                continue  # already a pyplot figure
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
            buf.seek(0)
            img = plt.imread(buf)
            shown = plt.figure(figsize=(img.shape[1] / dpi, img.shape[0] / dpi))
            ax = shown.add_axes((0, 0, 1, 1))
            ax.imshow(img)
            ax.axis("off")

    def save(self, out: str | Path) -> list[Path]:
        """Write ``<name>.json`` and one PNG per figure into ``out``; return the paths."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        path = out / f"{self.name}.json"
        path.write_text(json.dumps(to_jsonable(self.to_dict()), indent=2, allow_nan=False))
        paths.append(path)
        for stem, fig in self.figures.items():
            p = out / f"{self.name}_{stem}.png"
            fig.savefig(p, dpi=110, bbox_inches="tight")
            paths.append(p)
        return paths


@dataclass(frozen=True)
class Study:
    """Registration record of one study.

    Attributes
    ----------
    name : str
        Command-line name (``sosrmt ml <name>``).
    summary : str
        One line shown in ``sosrmt ml --help``.
    run : callable
        ``run(quick: bool = True, seed: int = 0, **options) -> StudyResult``.
    options : dict
        Extra keyword options the command line may pass: ``{name: (type, default, help)}``.
    """

    name: str
    summary: str
    run: Callable[..., StudyResult]
    options: dict[str, tuple[type, Any, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class StudyEntry:
    """One line of :data:`STUDIES`: the name, its module and the extra it needs."""

    name: str
    module: str
    extra: str
    requires: tuple[str, ...]


#: Every study, in the order the command line lists them. The studies need the ``ml``
#: extra (torch, transformers, ...) except ``lti_identification`` (numpy and scipy only).
STUDIES: tuple[StudyEntry, ...] = (
    StudyEntry("asr_robustness", "sosrmt.ml.asr_robustness", "ml", ("torch",)),
    StudyEntry("concept_association", "sosrmt.ml.concept_association", "ml",
               ("torch", "transformers", "tokenizers")),
    StudyEntry("identifiable_vae", "sosrmt.ml.identifiable_vae", "ml", ("torch",)),
    StudyEntry("interpretable_concepts", "sosrmt.ml.interpretable_concepts", "ml",
               ("torch", "transformers", "tokenizers")),
    StudyEntry("interventional_crl", "sosrmt.ml.interventional_crl", "ml", ("torch",)),
    StudyEntry("linear_representations", "sosrmt.ml.linear_representations", "ml",
               ("torch", "transformers")),
    StudyEntry("lti_identification", "sosrmt.ml.lti_identification", "", ()),
)


@dataclass(frozen=True)
class StudyStatus:
    """Whether a study can run here: its record, or why not.

    Attributes
    ----------
    entry : StudyEntry
    study : Study or None
        The ``STUDY`` record when the module imports.
    missing : str
        The third-party module whose import failed (empty when available).
    """

    entry: StudyEntry
    study: Study | None
    missing: str = ""

    @property
    def available(self) -> bool:
        """True when the study's module imports."""
        return self.study is not None

    @property
    def install_hint(self) -> str:
        """What to install to make the study available (empty when it is)."""
        if self.available:
            return ""
        extra = f"pip install 'sosrmt[{self.entry.extra}]'" if self.entry.extra else ""
        what = extra or f"pip install {self.missing}"
        return f"needs: {what} (import of {self.missing!r} failed)"


def study_status() -> list[StudyStatus]:
    """Import every study of :data:`STUDIES`; say which import failed for the others.

    Only a missing *third-party* module makes a study unavailable; an import error inside
    :mod:`sosrmt` itself is a bug and propagates.

    Examples
    --------
    >>> [s.entry.name for s in study_status()][:2]
    ['asr_robustness', 'concept_association']
    """
    out = []
    for entry in STUDIES:
        try:
            module = importlib.import_module(entry.module)
        except ModuleNotFoundError as exc:  # the optional extra, never our own modules
            if exc.name is None or exc.name.split(".")[0] == "sosrmt":
                raise
            out.append(StudyStatus(entry, None, exc.name))
            continue
        study = module.STUDY
        if study.name != entry.name:
            raise RuntimeError(f"{entry.module}.STUDY is named {study.name!r}, not {entry.name!r}")
        out.append(StudyStatus(entry, study))
    return out


def available_studies() -> dict[str, Study]:
    """The studies whose modules import here, by name (see :func:`study_status`)."""
    return {s.entry.name: s.study for s in study_status() if s.study is not None}
