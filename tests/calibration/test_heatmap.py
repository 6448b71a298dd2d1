"""The lower-bound heat map: one centred diverging scale shared by every panel, PSD cells
marked (issue: a negative mu_min drew in the colour of a positive one)."""

import numpy as np
from matplotlib.colors import SymLogNorm

from sosrmt.sweep.heatmap import NONNEGATIVE_GID, heatmaps


def _rows():
    # trunc = 8: only negative values; trunc = 4: both signs (the reported pap.png case)
    out = []
    for n in (4, 6):
        for r in (0.1, 0.5, 1.0):
            out.append({"n": n, "ratio": r, "trunc": 4, "mu_min": 0.4 - r, "residual": r})
            out.append({"n": n, "ratio": r, "trunc": 8, "mu_min": -0.99 * r, "residual": 2 * r})
    return out


def test_shared_centred_scale_and_marked_psd_cells(tmp_path):
    rows = _rows()
    path = tmp_path / "h.png"
    fig = heatmaps(rows, x="ratio", y="n", panel="trunc", values=["mu_min", "residual"],
                   centred=["mu_min"], mark_nonnegative=["mu_min"], path=path)
    assert path.stat().st_size > 0
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 4
    mu_images = [ax.images[0] for ax in panels[:2]]
    norms = [im.norm for im in mu_images]
    assert norms[0] is norms[1]                       # one scale for every panel
    assert isinstance(norms[0], SymLogNorm)
    assert norms[0].vmin == -norms[0].vmax            # centred at 0
    assert norms[0].vmax >= 0.99
    assert mu_images[0].get_cmap().name == mu_images[1].get_cmap().name == "RdBu"
    # a negative value never gets the colour of a positive one, in any panel
    neg = mu_images[1].to_rgba(np.array([-0.99]))[0]
    pos = mu_images[0].to_rgba(np.array([0.3]))[0]
    assert neg[0] > neg[2] and pos[2] > pos[0]        # red vs blue
    # PSD cells (mu_min >= 0) are marked: trunc=4 has 2 x 1 such cells, trunc=8 none
    marks = [[p for p in ax.patches if p.get_gid() == NONNEGATIVE_GID] for ax in panels[:2]]
    assert len(marks[0]) == sum(1 for r in rows if r["trunc"] == 4 and r["mu_min"] >= 0)
    assert marks[1] == []
    # the residual row shares its own (non-centred) scale
    assert panels[2].images[0].norm is panels[3].images[0].norm


def test_no_pyplot_state():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    heatmaps(_rows(), x="ratio", y="n", values=["mu_min"])
    assert plt.get_fignums() == before
