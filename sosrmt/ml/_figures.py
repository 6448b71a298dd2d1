"""The one figure style of the ML studies.

Every study figure is a :class:`matplotlib.figure.Figure` made here: no pyplot state, no
backend switch, constrained layout, a light grid and the same panel size everywhere.
:meth:`sosrmt.ml.StudyResult.save` writes them; :meth:`sosrmt.ml.StudyResult.show` hands
them to pyplot for notebooks and the gallery.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["PANEL_HEIGHT", "PANEL_WIDTH", "new_figure"]

#: Size of one panel in inches; a figure with ``ncols`` panels is ``ncols`` times wider.
PANEL_WIDTH = 4.2
PANEL_HEIGHT = 3.4


def new_figure(ncols: int = 1, *, width: float = PANEL_WIDTH,
               height: float = PANEL_HEIGHT, grid: bool = True) -> tuple[Figure, list[Axes]]:
    """A figure with ``ncols`` panels side by side in the studies' style.

    Parameters
    ----------
    ncols : int
        Number of panels.
    width, height : float
        Size of one panel in inches.
    grid : bool
        Draw the light grid (off for image panels).

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : list of matplotlib.axes.Axes

    Examples
    --------
    >>> fig, axes = new_figure(2)
    >>> len(axes), [round(float(v), 6) for v in fig.get_size_inches()]
    (2, [8.4, 3.4])
    """
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols: expected a positive int, got {ncols!r}")
    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    axes = list(fig.subplots(1, ncols, squeeze=False)[0])
    for ax in axes:
        if grid:
            ax.grid(alpha=0.3, lw=0.6)
    return fig, axes
