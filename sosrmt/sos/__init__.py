"""The SoS relaxation engine.

Public API:

- domains: :class:`Hypercube`, :class:`Boolean`, :class:`Sphere`, :class:`Semialgebraic`;
- :class:`MomentRelaxation` (assembled once into sparse conic data);
- :func:`solve` -> :class:`SosResult`, and :class:`RelaxationSolver` to re-solve new
  objectives on the same structure;
- :class:`PseudoExpectation` (moment side) and :class:`SosCertificate` (Gram side), each
  checkable independently of the solver; :class:`ExactProof` from
  :meth:`SosCertificate.verify_exact`.
"""

from sosrmt.sos.certificate import ExactProof, SosCertificate
from sosrmt.sos.domains import Boolean, Domain, Hypercube, Semialgebraic, Sphere
from sosrmt.sos.pseudo_expectation import PseudoExpectation, PseudoExpectationReport
from sosrmt.sos.relaxation import MomentRelaxation
from sosrmt.sos.result import SosResult
from sosrmt.sos.solve import RelaxationSolver, extract_point, solve

__all__ = [
    "Boolean",
    "Domain",
    "ExactProof",
    "Hypercube",
    "MomentRelaxation",
    "PseudoExpectation",
    "PseudoExpectationReport",
    "RelaxationSolver",
    "Semialgebraic",
    "SosCertificate",
    "SosResult",
    "Sphere",
    "extract_point",
    "solve",
]
