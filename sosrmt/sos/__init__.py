"""The SoS relaxation engine.

Public API:

- domains: :class:`Hypercube`, :class:`Boolean`, :class:`Sphere`, :class:`Semialgebraic`;
- :class:`MomentRelaxation` (assembled once into sparse conic data);
- :func:`solve` -> :class:`SosResult`, and :class:`RelaxationSolver` to re-solve new
  objectives on the same structure;
- :func:`extract_solutions` -> :class:`Extraction`: every optimal point of a flat moment
  matrix (also :meth:`SosResult.solutions`);
- :class:`PseudoExpectation` (moment side) and :class:`SosCertificate` (Gram side), each
  checkable independently of the solver; :class:`ExactProof` from
  :meth:`SosCertificate.verify_exact`;
- solver backends: the :class:`Backend` protocol, the registry :data:`BACKENDS` and
  :func:`register_backend`.
"""

from sosrmt.sos.backends import BACKENDS, Backend, register_backend
from sosrmt.sos.certificate import SosCertificate
from sosrmt.sos.domains import Boolean, Domain, Hypercube, Semialgebraic, Sphere
from sosrmt.sos.exact import ExactProof
from sosrmt.sos.extraction import Extraction, extract_solutions
from sosrmt.sos.pseudo_expectation import PseudoExpectation, PseudoExpectationReport
from sosrmt.sos.relaxation import MomentRelaxation
from sosrmt.sos.result import SosResult
from sosrmt.sos.solve import RelaxationSolver, extract_point, solve
from sosrmt.sos.sparsity import correlative_cliques

__all__ = [
    "BACKENDS",
    "Backend",
    "Boolean",
    "Domain",
    "ExactProof",
    "Extraction",
    "Hypercube",
    "MomentRelaxation",
    "PseudoExpectation",
    "PseudoExpectationReport",
    "RelaxationSolver",
    "Semialgebraic",
    "SosCertificate",
    "SosResult",
    "Sphere",
    "correlative_cliques",
    "extract_point",
    "extract_solutions",
    "register_backend",
    "solve",
]
