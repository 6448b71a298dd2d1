"""The Sherrington--Kirkpatrick certification problem and its value chain.

Instance: :math:`W=(G+G^\\top)/\\sqrt2` with :math:`G` standard Gaussian and the diagonal set
to 0; objective :math:`x^\\top W x` over :math:`x\\in\\{\\pm1\\}^n`. The deterministic chain

.. math:: \\mathrm{OPT}\\le\\mathrm{SOS}_4\\le\\mathrm{SOS}_2\\le n\\,\\lambda_{\\max}(W)

holds on every instance; with rigorous bounds in place of solver values it is a theorem,
so a violation is a bug. Asymptotically :math:`\\mathrm{OPT}\\approx1.526\\,n^{3/2}` (Parisi)
while the spectral and degree-2 values are :math:`\\approx2n^{3/2}`, and degree-4 SoS cannot
certify much less than :math:`2n^{3/2}` either (Kunisky--Bandeira, arXiv 1907.11686; Ghosh,
Jeronimo, Jones, Potechin, Rajendran, arXiv 2009.01874). See the SK theory page.

The package follows the problem protocol of :mod:`sosrmt.problems`:

* instances: :func:`sample_null` (:func:`sk_instance` by seed), :func:`sample_planted`,
  :func:`program`, :func:`validate_coupling`;
* ground truth: :func:`brute_force` (:func:`brute_force_max`), and beyond it the certified
  lower bound :func:`best_cut` ("best found", never OPT);
* upper bounds: :func:`spectral_bound`, :func:`sos_value` (degree 2 or 4 through the
  engine), :func:`burer_monteiro` (degree 2 at large n with a dual certificate),
  :func:`baselines`; degree 4 beyond brute force, both sides certified:
  :func:`sos4_bounds` (the ADMM backend);
* the chain of one instance: :func:`value_chain` (``method="sos"`` or ``"bm"``), of several
  :func:`value_chains`, with every
  stage's memory and time estimated and checked first (:func:`estimate_resources`);
* sweep jobs :func:`chain_job`, :func:`lowerbound_cell` (the PAP-to-SK transfer) and
  :func:`both_sides_cell` (with :func:`both_sides_params` and :func:`summarize_both_sides`);
* figures :func:`plot_value_chain`, :func:`plot_both_sides`, :func:`plot_goe_edge`.
"""

from sosrmt.problems.sk.both_sides import (
    both_sides_cell,
    both_sides_params,
    plot_both_sides,
    summarize_both_sides,
)
from sosrmt.problems.sk.bounds import (
    BurerMonteiroResult,
    baselines,
    burer_monteiro,
    dual_certificate_bound,
    sos_value,
    spectral_bound,
)
from sosrmt.problems.sk.chain import chain_job, lowerbound_cell, value_chain, value_chains
from sosrmt.problems.sk.degree4 import Sos4Bounds, sos4_bounds
from sosrmt.problems.sk.exact import BRUTE_FORCE_MAX_N, brute_force, brute_force_max
from sosrmt.problems.sk.heuristic import anneal, best_cut, local_search
from sosrmt.problems.sk.instance import (
    objective,
    program,
    sample_null,
    sample_planted,
    sk_instance,
    validate_coupling,
)
from sosrmt.problems.sk.plot import PARISI, plot_goe_edge, plot_value_chain
from sosrmt.problems.sk.resources import (
    ResourceEstimate,
    check_resources,
    estimate_resources,
)

__all__ = [
    "BRUTE_FORCE_MAX_N",
    "PARISI",
    "BurerMonteiroResult",
    "ResourceEstimate",
    "Sos4Bounds",
    "anneal",
    "baselines",
    "best_cut",
    "both_sides_cell",
    "both_sides_params",
    "brute_force",
    "brute_force_max",
    "burer_monteiro",
    "chain_job",
    "check_resources",
    "dual_certificate_bound",
    "estimate_resources",
    "local_search",
    "lowerbound_cell",
    "objective",
    "plot_both_sides",
    "plot_goe_edge",
    "plot_value_chain",
    "program",
    "sample_null",
    "sample_planted",
    "sk_instance",
    "sos4_bounds",
    "sos_value",
    "spectral_bound",
    "summarize_both_sides",
    "validate_coupling",
    "value_chain",
    "value_chains",
]
