"""
A pseudo-calibration phase diagram (tensor PCA, small)
======================================================

For order-3 tensor PCA with signal strength :math:`\\lambda`, the degree-4 SoS lower bound
(Hopkins–Shi–Steurer, Potechin–Rajendran) says that below
:math:`\\lambda\\approx n^{k/4}` (up to logarithms) the pseudo-calibrated moment matrix is
positive semidefinite with high probability, so degree-4 SoS cannot distinguish the
planted from the null distribution. :func:`sosrmt.problems.tensor_pca.lowerbound_cell`
builds the degree-4 truncated pseudo-calibration on a *null* input at
:math:`\\lambda=\\mathrm{ratio}\\cdot n^{3/4}` and reports the relative minimum eigenvalue
:math:`\\mu_{\\min}` of its moment matrix (:math:`\\mu_{\\min}\\ge0` iff PSD), the sphere
constraint residual and a planted control.

We sweep :math:`n` and the ratio over 3 seeds with :func:`sosrmt.sweep.run_sweep` and
draw the fraction of PSD cells.

What toy sizes show and do not show: the constraint :math:`\\sum_ix_i^2=1` holds exactly
(residual 0) by construction, for every input, and the moment matrix is PSD at small
ratios and badly not PSD at large ones. The *location* of the transition at
:math:`n\\le 10` says nothing about its asymptotic scaling — the theorems need
:math:`n` far larger than dense moment matrices allow (see :doc:`/theory/lowerbounds`).
"""

import matplotlib.pyplot as plt
import numpy as np

from sosrmt.sweep import Grid, aggregate, run_sweep

ns = [6, 8, 10]
ratios = [0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.0]
grid = Grid({"n": ns, "ratio": ratios, "trunc": [4]}, seeds=3, seed=0)
# the problem's own cell function is the sweep job (the one `sosrmt lowerbound` runs)
rows = run_sweep("sosrmt.problems.tensor_pca:lowerbound_cell", grid, executor="serial",
                 quiet=True)
assert all(r["status"] == "ok" for r in rows)
psd = np.zeros((len(ns), len(ratios)))
mu = np.zeros_like(psd)
for r in rows:
    i, j = ns.index(r["n"]), ratios.index(r["ratio"])
    psd[i, j] += (r["mu_min"] >= 0) / 3
    # the sphere constraint is satisfied exactly by the pseudo-calibration
    assert abs(r["residual"]) < 1e-10
for e in aggregate(rows):
    mu[ns.index(e["n"]), ratios.index(e["ratio"])] = e["mu_min_mean"]

print("fraction of PSD moment matrices (rows n, columns ratio):")
print("      " + " ".join(f"{x:5g}" for x in ratios))
for n, line in zip(ns, psd, strict=True):
    print(f"n={n:<3} " + " ".join(f"{v:5.2f}" for v in line))

# small ratio: PSD on every seed; large ratio: never PSD
assert np.all(psd[:, 0] == 1.0), psd
assert np.all(psd[:, -1] == 0.0), psd

fig, ax = plt.subplots(figsize=(7, 3))
im = ax.imshow(psd, origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=1)
ax.set_xticks(range(len(ratios)), [f"{x:g}" for x in ratios])
ax.set_yticks(range(len(ns)), [str(n) for n in ns])
ax.set_xlabel(r"ratio $\lambda / n^{3/4}$")
ax.set_ylabel("n")
ax.set_title("tensor PCA (k = 3), degree 4: PSD fraction", fontsize=10)
for i in range(len(ns)):
    for j in range(len(ratios)):
        ax.text(j, i, f"{mu[i, j]:.2g}", ha="center", va="center", fontsize=7,
                color="k" if psd[i, j] > 0.5 else "w")
fig.colorbar(im, ax=ax, label="fraction PSD (text: mean $\\mu_{\\min}$)")
fig.tight_layout()
