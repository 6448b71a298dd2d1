"""
Graph-matrix norms against n: the Wigner and Z shapes
=====================================================

A graph matrix :math:`M_\\alpha` of a shape :math:`\\alpha` with independent :math:`\\pm1`
edge inputs has, with high probability,
:math:`\\|M_\\alpha\\|=\\tilde O(n^{\\kappa(\\alpha)})` with
:math:`\\kappa(\\alpha)=(|V(\\alpha)|-|S_{\\min}|)/2`, :math:`S_{\\min}` a minimum vertex
separator of :math:`U_\\alpha` and :math:`V_\\alpha` (Ahn–Medarametla–Potechin). For the
Wigner shape (one edge, :math:`U=\\{u\\}`, :math:`V=\\{v\\}`) :math:`\\kappa=1/2`; for the
Z shape (:math:`U=(u_1,u_2)`, :math:`V=(v_1,v_2)`, edges :math:`u_1v_1, u_2v_1, u_2v_2`)
the separator has two vertices and :math:`\\kappa=1`.

We run the sweep engine (:func:`sosrmt.sweep.run_sweep`) over :math:`n` and seeds with the
job :func:`sosrmt.graphs.jobs.norm_job`, and fit log–log slopes with
:func:`sosrmt.sweep.fit_loglog`.

What the sizes show: :math:`\\|M\\|/n^\\kappa` is close to 2 for Wigner (the semicircle
edge :math:`2\\sqrt n`) and to 2.6 for Z. The theorem allows polylogarithmic factors,
which a fit over less than one decade of :math:`n` cannot separate from the exponent:
the fitted slope is a measurement, the exponent is the theorem.
"""

import matplotlib.pyplot as plt
import numpy as np

from sosrmt.graphs import kappa, named_shape
from sosrmt.sweep import Grid, aggregate, fit_loglog, run_sweep

# sizes above the dense threshold (1500 rows): the matrix-free operator is used
sizes = {"wigner": [1600, 2000, 2500], "Z": [40, 50, 64, 80]}
fig, ax = plt.subplots(figsize=(6, 4))
for shape, ns in sizes.items():
    grid = Grid({"shape": [shape], "model": ["rademacher"], "n": ns}, seeds=3, seed=0)
    rows = run_sweep("sosrmt.graphs.jobs:norm_job", grid, executor="serial", quiet=True)
    agg = aggregate(rows)
    n = np.array([e["n"] for e in agg], dtype=float)
    norm = np.array([e["norm_mean"] for e in agg])
    se = np.array([e["norm_se"] for e in agg])
    fit = fit_loglog(n, norm, label=shape)
    k = kappa(named_shape(shape))
    print(f"{shape:>6}: kappa = {k}, fitted slope = {fit.slope:.3f} ± {fit.slope_se:.3f}, "
          f"norm / n^kappa = {np.round(norm / n**k, 2)}")
    # the slope measures kappa up to log factors; a wrong exponent would be off by >= 1/2
    assert abs(fit.slope - k) < 0.25, (shape, fit)
    line = ax.errorbar(n, norm, yerr=se, marker="o", ls="none", capsize=3,
                       label=f"{shape}: slope {fit.slope:.2f} ± {fit.slope_se:.2f}")
    ax.plot(n, np.exp(fit.intercept) * n**fit.slope, color=line[0].get_color())
    ax.plot(n, norm[-1] * (n / n[-1]) ** k, color=line[0].get_color(), ls=":",
            label=rf"{shape}: $n^{{\kappa}}$, $\kappa={k}$")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("n")
ax.set_ylabel(r"$\|M_\alpha\|$ (mean of 3 seeds)")
ax.legend(fontsize=8)
fig.tight_layout()
