"""The contract every ML study follows: a :class:`Study` and its :class:`StudyResult`."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Study", "StudyResult", "available_studies"]


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
    figures: dict[str, Any] = field(default_factory=dict)
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
        path.write_text(json.dumps(_jsonable(self.to_dict()), indent=2))
        paths.append(path)
        for stem, fig in self.figures.items():
            p = out / f"{self.name}_{stem}.png"
            fig.savefig(p, dpi=110, bbox_inches="tight")
            paths.append(p)
        return paths


def _jsonable(obj: Any) -> Any:
    import math

    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


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


def available_studies() -> dict[str, Study]:
    """Discover the ``STUDY`` records of the modules of :mod:`sosrmt.ml`.

    A module whose import fails (for example because torch is missing) is skipped;
    the command line reports the missing extra when such a study is asked for.
    """
    import sosrmt.ml as pkg

    found: dict[str, Study] = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name in {"study", "metrics"} or info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        except ImportError:
            continue
        study = getattr(module, "STUDY", None)
        if isinstance(study, Study):
            found[study.name] = study
    return dict(sorted(found.items()))
