"""
Where the pseudo-calibration stops being PSD, against n
========================================================

For three planted problems the degree-4 SoS lower-bound theorems hold a *ratio* fixed at
the threshold: :math:`\\lambda/n^{3/4}` (order-3 tensor PCA), :math:`kq/\\sqrt n` (planted
dense subgraph, :math:`k=\\lceil\\sqrt n\\rceil`), :math:`m\\Delta^2/k^2` (Wishart sparse PCA,
:math:`k=\\lceil\\sqrt d\\rceil`). For each problem and :math:`n` we locate the **PSD
boundary**: the ratio at which the relative minimum eigenvalue :math:`\\mu_{\\min}` of the
truncated pseudo-calibration on a null input crosses 0
(:func:`sosrmt.calibration.phase.boundary_search` over a few cells of the problem's
``lowerbound_cell``, run through the sweep engine in the matrix-free form, whose
:math:`\\mu_{\\min}` comes from Lanczos with a residual bound).

Here the search runs at toy sizes (:math:`n = 8, 12`); the filled markers are the committed
full-size run at :math:`n = 50, 100, 200, 300` (``python benchmarks/bench_matrix_free.py
--phase --out docs/results/lowerbounds``; brackets show the last PSD and first non-PSD
ratio). The line is the theorem's predicted scaling, through the :math:`n = 50` point:
:math:`\\lambda^*\\sim n^{3/4}(\\log n)^{-1/4}` for tensor PCA at degree 4
(Hopkins–Shi–Steurer, arXiv 1507.03269), a flat ratio for dense subgraph and sparse PCA
(Potechin–Rajendran, arXiv 2011.04253; Ma–Wigderson, arXiv 1507.06370). Where the measured
boundary leaves the line is discussed in :doc:`/theory/lowerbounds`: the truncations here
are fixed (:math:`D = 2`, :math:`\\tau = 4`, :math:`D = 4`), while the theorems let the
truncation grow with :math:`n`.
"""

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sosrmt.calibration.phase import anchored_prediction, boundary_search
from sosrmt.sweep import Grid, aggregate, run_sweep


def evaluate_at(job, n, fixed):
    """ratio -> mean mu_min of the problem's phase-diagram cell (through the sweep engine)"""

    def evaluate(ratio):
        grid = Grid({"n": [n], "ratio": [ratio], **{k: [v] for k, v in fixed.items()}},
                    seeds=1, seed=0, method_params=["form"])
        rows = run_sweep(job, grid, executor="serial", quiet=True)
        assert all(r["status"] == "ok" for r in rows)
        return {"mu_min": aggregate(rows, metrics=["mu_min"])[0]["mu_min_mean"]}

    return evaluate


PROBLEMS = {
    "tensor-pca": ("sosrmt.problems.tensor_pca:lowerbound_cell",
                   {"trunc": 2, "form": "matrix-free"}, 0.25, r"$\lambda/n^{3/4}$"),
    "dense-subgraph": ("sosrmt.problems.dense_subgraph:lowerbound_cell",
                       {"trunc": 4, "form": "matrix-free"}, 0.04, r"$kq/\sqrt{n}$"),
    "sparse-pca": ("sosrmt.problems.sparse_pca:lowerbound_cell",
                   {"trunc": 4, "k": None, "form": "matrix-free"}, 0.3, r"$m\Delta^2/k^2$"),
}
quick_ns = [8, 12]
quick = {}
for name, (job, fixed, guess, _) in PROBLEMS.items():
    quick[name] = [boundary_search(evaluate_at(job, n, fixed), guess, steps=4)
                   for n in quick_ns]
    for n, res in zip(quick_ns, quick[name], strict=True):
        # the boundary is bracketed: mu_min >= 0 just below it and < 0 just above
        assert res["psd_below"] < res["boundary"] < res["not_psd_above"], res
        print(f"{name:15s} n={n:3d}: boundary {res['boundary']:.3g} "
              f"in [{res['psd_below']:.3g}, {res['not_psd_above']:.3g}]")

try:
    here = Path(__file__).resolve().parent
except NameError:  # run interactively
    here = Path.cwd()
record = here.parent / "docs" / "results" / "lowerbounds" / "phase.json"
full = json.loads(record.read_text())["problems"] if record.is_file() else {}

fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
for ax, (name, (_, _, _, label)) in zip(axes, PROBLEMS.items(), strict=True):
    ax.plot(quick_ns, [r["boundary"] for r in quick[name]], "o", mfc="none", color="C0",
            label="this run (toy n)")
    rows = [r for r in full.get(name, {}).get("boundaries", [])]
    if rows:
        ns = np.array([r["n"] for r in rows], float)
        est = np.array([r["boundary"] if r["boundary"] is not None else np.nan
                        for r in rows], float)
        lo = np.array([r["psd_below"] for r in rows], float)
        hi = np.array([r["not_psd_above"] for r in rows], float)
        ok = np.isfinite(est)
        ax.errorbar(ns[ok], est[ok], yerr=[est[ok] - lo[ok], hi[ok] - est[ok]], fmt="s",
                    color="C1", capsize=3, label="committed run, n = 50..300")
        above = ~ok & np.isfinite(hi)           # no PSD cell found: the boundary is below
        if above.any():
            ax.plot(ns[above], hi[above], "v", color="C1", label="below this (no PSD cell)")
        if ok.any():
            grid = np.geomspace(8, 320, 50)
            first = int(np.flatnonzero(ok)[0])
            ax.plot(grid, anchored_prediction(name, grid, ns[first], est[first]), "--",
                    color="C2", label="predicted scaling")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel("n")
    ax.set_ylabel(f"PSD boundary ({label})")
    ax.set_title(name)
for ax in axes:
    ax.legend(fontsize=6)
fig.tight_layout()
plt.show()
