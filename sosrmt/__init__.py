"""sosrmt: sum-of-squares relaxations, pseudo-expectations and nonlinear random matrices.

Subpackages (imports only ever point down this list's arrows, see DESIGN.md):

- :mod:`sosrmt.poly` -- integer-keyed monomials and polynomials;
- :mod:`sosrmt.sos` -- domains, moment relaxations, solver backends,
  pseudo-expectations and SoS certificates;
- :mod:`sosrmt.problems` -- named problems (SK, ...), samplers, ground truth, baselines;
- :mod:`sosrmt.linalg` -- spectral norms of operators;
- :mod:`sosrmt.graphs` -- shapes and graph matrices;
- :mod:`sosrmt.sweep` -- grids, executors and the result store;
- :mod:`sosrmt.ml` -- the companion ML studies (optional ``ml`` extra);
- :mod:`sosrmt.cli` -- the ``sosrmt`` command line.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
