"""
The Sherrington–Kirkpatrick value chain with certificates
=========================================================

For :math:`W=(G+G^\\top)/\\sqrt2` (zero diagonal) the chain

.. math:: \\mathrm{OPT}\\le\\mathrm{SOS}_4\\le\\mathrm{SOS}_2\\le n\\,\\lambda_{\\max}(W)

holds on *every* instance. :func:`sosrmt.problems.sk.value_chain` computes each term
(OPT by brute force) and, for the SoS terms, the rigorous bound of the dual certificate, so
the chain is checked with certified numbers rather than solver output. We plot the four
values divided by :math:`n^{3/2}` for small :math:`n`, and verify one degree-4
certificate in exact rational arithmetic.

At these sizes the asymptotics are not visible: OPT :math:`/n^{3/2}\\to 2P_*\\approx
1.526` (Parisi) and the degree-2 and spectral values tend to 2, but finite-size
corrections of order :math:`n^{-2/3}` dominate below :math:`n\\approx 100`.
"""

import matplotlib.pyplot as plt
import numpy as np

from sosrmt.problems import sk

ns = [4, 6, 8, 10]
seeds = [0, 1, 2]
keys = ["opt", "sos4_bound", "sos2_bound", "spectral"]
table = {k: np.zeros((len(ns), len(seeds))) for k in keys}
tight = 0
for i, n in enumerate(ns):
    for j, seed in enumerate(seeds):
        chain = sk.value_chain(sk.sk_instance(n, seed=seed))
        # a theorem, checked with rigorous bounds: a violation would be a bug
        assert chain["chain_ok"], chain
        assert chain["opt"] <= chain["sos4_bound"] + 1e-9
        assert chain["sos4_bound"] <= chain["sos2_bound"] + 1e-6
        assert chain["sos2_bound"] <= chain["spectral"] + 1e-6
        tight += bool(chain["tight"])
        for k in keys:
            table[k][i, j] = chain[k] / n**1.5

print(f"degree 4 certified the optimum on {tight} of {len(ns) * len(seeds)} instances")
print(f"{'n':>3} " + " ".join(f"{k:>11}" for k in keys))
for i, n in enumerate(ns):
    print(f"{n:>3} " + " ".join(f"{table[k][i].mean():11.4f}" for k in keys))

fig, ax = plt.subplots(figsize=(6, 4))
labels = {"opt": "OPT (brute force)", "sos4_bound": "SoS degree 4 (certified)",
          "sos2_bound": "SoS degree 2 (certified)", "spectral": r"$n\lambda_{\max}(W)$"}
for k in keys:
    m, s = table[k].mean(axis=1), table[k].std(axis=1, ddof=1) / np.sqrt(len(seeds))
    style = {"marker": "s", "ms": 10, "fillstyle": "none"} if k == "opt" else {"marker": "o"}
    ax.errorbar(ns, m, yerr=s, capsize=3, label=labels[k], **style)
ax.axhline(1.526, color="gray", ls=":", label="Parisi limit of OPT")
ax.set_xlabel("n")
ax.set_ylabel(r"value / $n^{3/2}$")
ax.set_title(f"SK value chain, 3 seeds per n (degree 4 tight on {tight}/{len(ns) * len(seeds)})")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# One certificate, verified exactly
# ---------------------------------
# The degree-4 certificate of an :math:`n=6` instance, rounded to rationals and checked
# positive definite in exact arithmetic: a proof that
# :math:`x^\top Wx\le B` on all of :math:`\{\pm1\}^6`.

W = sk.sk_instance(6, seed=0)
res = sk.sos_value(W, degree=4)
proof = res.certificate.verify_exact()
opt, _ = sk.brute_force_max(W)
print(proof.reason)
print(f"OPT = {opt:.9f}, exact bound = {float(proof.bound):.9f}")
assert proof.verified
assert opt <= proof.bound <= opt + 1e-5
