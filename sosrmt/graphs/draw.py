"""Drawing shapes: ``U`` on the left, ``V`` on the right, middle vertices in between."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sosrmt.graphs.shape import Shape, check_shape

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["draw_shape", "output_path", "shape_layout"]


def output_path(shape: Shape, target: str | Path) -> Path:
    """Where ``sosrmt graphs draw -o TARGET`` writes: the exact file that will be reported.

    An existing directory gets ``TARGET/<shape name>.png``; a path without a suffix gets
    ``.png`` appended; any other path is used as given.

    Examples
    --------
    >>> import tempfile
    >>> from sosrmt.graphs import named_shape
    >>> d = Path(tempfile.mkdtemp())
    >>> output_path(named_shape("Z"), d) == d / "Z.png", output_path(named_shape("Z"), d / "x").name
    (True, 'x.png')
    """
    target = Path(target)
    if target.is_dir():
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", shape.name or "shape").strip("_") or "shape"
        return target / f"{stem}.png"
    return target if target.suffix else target.with_suffix(".png")


def shape_layout(shape: Shape) -> dict[int, tuple[float, float]]:
    """Positions: ``U`` at x=0 (top to bottom in tuple order), ``V`` at x=2, ``U∩V`` at x=1
    on top, middle vertices at x=1, shifted down off the direct ``U``-``V`` edges.

    Examples
    --------
    >>> from sosrmt.graphs import named_shape
    >>> shape_layout(named_shape("path2"))
    {0: (0.0, 0.0), 2: (2.0, 0.0), 1: (1.0, -0.6)}
    """
    pos: dict[int, tuple[float, float]] = {}
    shared = [v for v in shape.U if v in shape.V]
    left = [u for u in shape.U if u not in shared]
    right = [v for v in shape.V if v not in shared]
    middle = list(shape.W)

    def column(vs: list[int], x: float, top: float = 0.0) -> None:
        for i, v in enumerate(vs):
            pos[v] = (x, top - (i - (len(vs) - 1) / 2))

    column(left, 0.0)
    column(right, 2.0)
    if shared:
        for i, v in enumerate(shared):
            pos[v] = (0.8 + 0.4 * i / max(1, len(shared) - 1), 1.0 + max(len(left), len(right)) / 2)
    column(middle, 1.0, top=-0.6)  # below the centre line, off direct u-v edges
    return pos


def draw_shape(shape: Shape, path: str | Path | None = None, *, ax: Axes | None = None,
               title: str | None = None) -> Figure:
    """Draw a shape with matplotlib; write the figure to ``path`` when it is given.

    A new :class:`matplotlib.figure.Figure` is created unless ``ax`` is given (pyplot's
    state and backend are left alone).

    ``U`` vertices are blue squares on the left (labelled ``u1, u2, ...`` in tuple order),
    ``V`` vertices red squares on the right (``v1, ...``), shared vertices purple on top,
    middle vertices grey circles (hollow when isolated).  Multi-edges are drawn as
    separate arcs, labels ``> 1`` are written on the edge, a hyperedge is a small black
    dot joined to its vertices.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sosrmt.graphs import named_shape
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "z.png"
    >>> fig = draw_shape(named_shape("Z"), out)
    >>> out.stat().st_size > 1000
    True
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch

    shape = check_shape(shape)
    pos = shape_layout(shape)
    if ax is None:
        fig = Figure(figsize=(4, 3))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    seen: dict[tuple[int, ...], int] = {}
    for e, lab in zip(shape.edges, shape.labels, strict=True):
        count = seen.get(e, 0)
        seen[e] = count + 1
        if len(e) == 2:
            rad = 0.0 if count == 0 else 0.25 * ((count + 1) // 2) * (-1) ** count
            patch = FancyArrowPatch(pos[e[0]], pos[e[1]], arrowstyle="-",
                                    connectionstyle=f"arc3,rad={rad}", color="black", lw=1.5,
                                    shrinkA=8, shrinkB=8)
            ax.add_patch(patch)
            if lab > 1:
                mx = (pos[e[0]][0] + pos[e[1]][0]) / 2
                my = (pos[e[0]][1] + pos[e[1]][1]) / 2 + 0.1 + 0.2 * count
                ax.text(mx, my, str(lab), fontsize=8, color="darkgreen", ha="center")
        else:
            cx = sum(pos[v][0] for v in e) / len(e)
            cy = sum(pos[v][1] for v in e) / len(e) + 0.15 * count
            for v in e:
                ax.plot([cx, pos[v][0]], [cy, pos[v][1]], color="black", lw=1.2, zorder=1)
            ax.plot([cx], [cy], "o", color="black", ms=4, zorder=2)
            if lab > 1:
                ax.text(cx, cy + 0.12, str(lab), fontsize=8, color="darkgreen", ha="center")
    iso = set(shape.W_iso)
    for v, (x, y) in pos.items():
        in_u, in_v = v in shape.U, v in shape.V
        if in_u and in_v:
            color, marker = "purple", "s"
            name = f"u{shape.U.index(v) + 1}=v{shape.V.index(v) + 1}"
        elif in_u:
            color, marker, name = "tab:blue", "s", f"u{shape.U.index(v) + 1}"
        elif in_v:
            color, marker, name = "tab:red", "s", f"v{shape.V.index(v) + 1}"
        else:
            color, marker, name = "grey", "o", f"w{v}"
        face = "white" if v in iso else color
        ax.plot([x], [y], marker, ms=13, mfc=face, mec=color, mew=2, zorder=3)
        if shape.vertex_names is not None:  # the names given in the shape text
            name = shape.vertex_names[v]
        label = name if not shape.is_typed else f"{name}:{shape.types[v]}"
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(0, 10), ha="center",
                    fontsize=8)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.8)
    ax.set_axis_off()
    ax.set_title(title if title is not None else (shape.name or ""))
    if path is not None:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig
