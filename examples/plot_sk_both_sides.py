"""
Sherrington–Kirkpatrick from both sides
=======================================

Every curve the sizes allow, divided by :math:`n^{3/2}`, against :math:`n` (log scale):
OPT by brute force (:math:`n\\le 28`) and beyond it the best cut found (simulated
annealing and local search: a cut, so a certified lower bound on OPT), the rigorous
degree-4 SoS bound where the solver reaches, the degree-2 bound by Burer–Monteiro with its
dual certificate, :math:`n\\lambda_{\\max}(W)`, and the PAP-to-SK transfer value (the
pseudo-calibration in its factored shape form, subspace dimension :math:`p\\approx
n^{0.72}`), crossed out where it is not a valid pseudo-expectation (not PSD, or the constraints
:math:`x_u^2=1` violated by more than 0.05: at every size measured, up to :math:`n=2000` in
``docs/results/sk_lower/``). Asymptotically
OPT tends to 1.526 (Parisi) and the spectral, degree-2 and degree-4
values to 2 (Montanari–Sen arXiv 1504.05910; Kunisky–Bandeira arXiv 1907.11686); at the
sizes where degree 4 can be solved it is still tight, and the gap opens only where the
lower side is a best-found cut. The cells go through the sweep store, so a second run
reads them back. Quick sizes here; ``sosrmt sk --both-sides --n 8 16 24 64 256 1024 2048
--seeds 3 --sos4-max 64`` draws the full figure.

Degree 4 at the sizes where it stops being exact to solve (n = 40, 48, 64) comes from the
committed benchmark ``docs/results/sk/`` (``benchmarks/bench_sk_degree4.py``: the ADMM
backend, a rigorous upper bound and a certified lower bound on SOS\\ :sub:`4`), drawn as
certified intervals beside the best cut found.
"""

import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from sosrmt.problems import sk
from sosrmt.sweep import Grid, run_sweep

store = Path(tempfile.mkdtemp()) / "sk-both-sides.sqlite"
params = sk.both_sides_params([8, 12, 16, 48, 128, 400], sos4_max=12, transfer_max=400)
grid = Grid(params, seeds=2, method_params=["sos4_max", "transfer_max"])
rows = run_sweep("sosrmt.problems.sk:both_sides_cell", grid, store=store, jobs=1,
                 executor="serial", quiet=True)
table = sk.summarize_both_sides(rows)
for entry in table:
    shown = {k: round(v, 4) for k, v in entry.items() if k.endswith("_mean") and v is not None}
    print(entry["n"], shown)

# the chain holds with rigorous numbers on every size; no transfer value here is valid
for entry in table:
    assert entry["transfer_psd_low_residual_fraction"] in (None, 0.0)
    low = entry["opt_mean"] if entry["opt_mean"] is not None else entry["best_found_mean"]
    assert low <= entry["sos2_bound_mean"] + 1e-9 <= entry["spectral_mean"] + 1e-6

# degree 4 on the quick sizes: both certified sides bracket OPT
for entry in table:
    if entry["sos4_bound_mean"] is not None:
        assert entry["sos4_lower_mean"] <= entry["opt_mean"] + 1e-9
        assert entry["opt_mean"] <= entry["sos4_bound_mean"] + 1e-9

try:
    here = Path(__file__).resolve().parent
except NameError:  # run interactively
    here = Path.cwd()
sos4_rows = []
for record in sorted((here.parent / "docs" / "results" / "sk").glob("degree4*.json")):
    sos4_rows += [r for r in json.loads(record.read_text()) if r.get("upper") is not None]
for r in sos4_rows:  # each committed interval is certified: it must contain the best cut
    assert r["lower"] <= r["upper"] and r["best_found"] <= r["upper"]
    print(f"n={r['n']}: SOS4 in [{r['lower'] / r['n']**1.5:.4f}, {r['upper'] / r['n']**1.5:.4f}]"
          f" n^1.5, best cut found {r['best_found'] / r['n']**1.5:.4f} n^1.5, "
          f"certified gap {r['certified_gap']:.2e}")

fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
sk.plot_both_sides(table, ax=ax, sos4_rows=sos4_rows)
