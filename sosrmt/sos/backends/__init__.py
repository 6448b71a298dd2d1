"""Solver backends: one small class per solver interface (as cvxpy does), and their registry.

Each backend satisfies the :class:`Backend` protocol: it is built from a
:class:`~sosrmt.sos.relaxation.MomentRelaxation` and returns a :class:`RawSolution` in
SCS's layout (primal moments ``x``, conic dual ``z``), so the certificate and
pseudo-expectation code is shared by all of them. :data:`BACKENDS` is the registry;
:func:`register_backend` adds one (it must then pass the conformance suite of
:mod:`sosrmt.sos.testproblems`, see ``tests/sos/test_backends.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sosrmt.sos.backends.admm import AdmmBackend
from sosrmt.sos.backends.base import STATUSES, Backend, EarlyStop, RawSolution
from sosrmt.sos.backends.clarabel_backend import ClarabelBackend
from sosrmt.sos.backends.cvxpy_backend import CvxpyBackend
from sosrmt.sos.backends.scs_backend import ScsBackend

if TYPE_CHECKING:
    from sosrmt.sos.relaxation import MomentRelaxation

__all__ = [
    "BACKENDS",
    "STATUSES",
    "AdmmBackend",
    "Backend",
    "ClarabelBackend",
    "CvxpyBackend",
    "EarlyStop",
    "RawSolution",
    "ScsBackend",
    "make_backend",
    "register_backend",
]

#: The registry: backend name -> backend class.
BACKENDS: dict[str, type[Backend]] = {
    ScsBackend.name: ScsBackend,
    CvxpyBackend.name: CvxpyBackend,
    AdmmBackend.name: AdmmBackend,
    ClarabelBackend.name: ClarabelBackend,
}


def register_backend(cls: type[Backend]) -> type[Backend]:
    """Add ``cls`` to :data:`BACKENDS` under ``cls.name`` (usable as a class decorator).

    Raises
    ------
    TypeError
        If ``cls`` does not provide the :class:`Backend` protocol's members.
    ValueError
        If the name is already registered to another class.
    """
    missing = [m for m in ("name", "update_objective", "solve") if not hasattr(cls, m)]
    if missing:
        raise TypeError(f"cls: a backend needs {missing}")
    name = cls.name
    if not isinstance(name, str) or not name:
        raise TypeError(f"cls: name must be a non-empty string, got {name!r}")
    if BACKENDS.get(name, cls) is not cls:
        raise ValueError(f"cls: a backend named {name!r} is already registered")
    BACKENDS[name] = cls
    return cls


def make_backend(name: str, relaxation: MomentRelaxation, **options: Any) -> Backend:
    """Instantiate the registered backend ``name`` for ``relaxation``.

    Examples
    --------
    >>> sorted(BACKENDS)
    ['admm', 'clarabel', 'cvxpy', 'scs']
    """
    if name not in BACKENDS:
        raise ValueError(f"backend: expected one of {sorted(BACKENDS)}, got {name!r}")
    return BACKENDS[name](relaxation, **options)
