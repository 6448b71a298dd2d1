"""The written contract of a problem module, and a checker for it.

Every module named in :data:`PROBLEM_MODULES` is a *problem*: a family of random
instances (a null distribution and a planted one), a polynomial program over them, exact
ground truth at small sizes, classical baselines, the SoS value, and one cell of a
pseudo-calibration lower-bound phase diagram. The members are **module-level
functions** with the signatures of :class:`Problem`; a problem adds its own parameters
(sizes, signal strength, sparsity...) after the ones fixed here.

===================  ==========================================================================
member               contract
===================  ==========================================================================
``sample_null``      ``sample_null(*sizes, ..., rng=None) -> instance``; ``rng`` keyword-only
``sample_planted``   ``sample_planted(*sizes, ..., rng=None) -> (instance, hidden, ...)``: a
                     tuple whose first item is an instance of the same kind as the null's
``program``          ``program(instance, ...) -> (objective, domain)``: a
                     :class:`~sosrmt.poly.Polynomial` to maximise over a
                     :class:`~sosrmt.sos.Domain` (a feasibility problem has objective 0)
``brute_force``      ``brute_force(instance, ...) -> (value, point)``: the exact optimum of
                     :func:`program` (small sizes) and a maximiser
``baselines``        ``baselines(instance, ...) -> {name: value}``: classical polynomial-time
                     statistics or bounds (spectral norms, degree-2 SDP, ...), all floats
``sos_value``        ``sos_value(instance, ..., degree=4, **solve_kwargs) -> SosResult``
                     through :func:`sosrmt.sos.solve`
``lowerbound_cell``  ``lowerbound_cell(*, rng, **params) -> dict``: one phase-diagram cell of
                     the pseudo-calibration lower bound; keyword-only, results only (no
                     echo of a parameter), so it is itself a sweep job
                     ``"sosrmt.problems.<p>:lowerbound_cell"``
===================  ==========================================================================

Documented exceptions (:data:`EXEMPTIONS`): ``anticoncentration`` has no planted
distribution and no pseudo-calibration lower bound in this package (its study compares
certificates of a worst-case property of one sample), so it provides neither
``sample_planted`` nor ``lowerbound_cell``.

Examples
--------
>>> import importlib
>>> check_problem(importlib.import_module("sosrmt.problems.tensor_pca"))
[]
"""

from __future__ import annotations

import importlib
import inspect
import typing
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

import numpy as np

from sosrmt._validation import RngLike
from sosrmt.poly import Polynomial
from sosrmt.sos import Domain, SosResult

__all__ = [
    "EXEMPTIONS",
    "MEMBERS",
    "PROBLEM_MODULES",
    "Problem",
    "RngLike",
    "check_problem",
    "matrix_free_cell_row",
]


#: Every problem module (full import names).
PROBLEM_MODULES: tuple[str, ...] = (
    "sosrmt.problems.sk",
    "sosrmt.problems.tensor_pca",
    "sosrmt.problems.sparse_pca",
    "sosrmt.problems.dense_subgraph",
    "sosrmt.problems.planted_affine_planes",
    "sosrmt.problems.anticoncentration",
)

#: The members of the contract, in the order of the table above.
MEMBERS: tuple[str, ...] = ("sample_null", "sample_planted", "program", "brute_force",
                            "baselines", "sos_value", "lowerbound_cell")

#: Members a module does not provide, with the reason (module short name -> member -> why).
EXEMPTIONS: dict[str, dict[str, str]] = {
    "anticoncentration": {
        "sample_planted": "no planted distribution: the study certifies a worst-case "
                          "property (anti-concentration) of one isotropic sample",
        "lowerbound_cell": "no pseudo-calibration lower bound is constructed for the "
                           "anti-concentration program",
    },
}


@runtime_checkable
class Problem(Protocol):
    """Structural type of a problem module (see the module docstring for the contract).

    ``isinstance(module, Problem)`` checks only that the members exist; use
    :func:`check_problem` for signatures and return types.
    """

    def sample_null(self, *args: Any, rng: Any = None, **kwargs: Any) -> Any:
        """A null instance."""

    def sample_planted(self, *args: Any, rng: Any = None, **kwargs: Any) -> tuple[Any, ...]:
        """A planted instance and its hidden structure."""

    def program(self, instance: Any, *args: Any, **kwargs: Any) -> tuple[Polynomial, Domain]:
        """Objective and domain of the polynomial program."""

    def brute_force(self, instance: Any, *args: Any,
                    **kwargs: Any) -> tuple[float, np.ndarray]:
        """Exact optimum and a maximiser."""

    def baselines(self, instance: Any, *args: Any, **kwargs: Any) -> dict[str, float]:
        """Classical statistics and bounds."""

    def sos_value(self, instance: Any, *args: Any, degree: int = 4,
                  **solve_kwargs: Any) -> SosResult:
        """The degree-``degree`` SoS relaxation."""

    def lowerbound_cell(self, *, rng: Any, **params: Any) -> dict[str, Any]:
        """One pseudo-calibration phase-diagram cell (a sweep job)."""


_HINT_NAMES = {"Polynomial": Polynomial, "Domain": Domain, "SosResult": SosResult,
               "np": np, "Any": Any}


def _is_sub(obj: Any, cls: type) -> bool:
    return isinstance(obj, type) and issubclass(obj, cls)


def _return_problem(name: str, fn: Any) -> str | None:
    """Describe what is wrong with the return annotation of ``fn`` (None if fine)."""
    try:
        hints = typing.get_type_hints(fn, localns=_HINT_NAMES)
    except Exception as exc:  # an unresolvable annotation is itself a defect
        return f"{name}: annotations do not resolve ({type(exc).__name__}: {exc})"
    ret = hints.get("return")
    if ret is None:
        return f"{name}: no return annotation"
    origin, args = typing.get_origin(ret), typing.get_args(ret)
    if name == "program":
        ok = (origin is tuple and len(args) == 2 and _is_sub(args[0], Polynomial)
              and _is_sub(args[1], Domain))
        want = "tuple[Polynomial, Domain]"
    elif name == "brute_force":
        ok = (origin is tuple and len(args) == 2 and args[0] is float
              and _is_sub(args[1], np.ndarray))
        want = "tuple[float, np.ndarray]"
    elif name == "baselines":
        ok = origin is dict and args == (str, float)
        want = "dict[str, float]"
    elif name == "sos_value":
        ok = _is_sub(ret, SosResult)
        want = "SosResult"
    elif name == "sample_planted":
        ok = origin is tuple
        want = "a tuple"
    elif name == "lowerbound_cell":
        ok = origin is dict and bool(args) and args[0] is str
        want = "dict[str, ...]"
    else:
        return None
    return None if ok else f"{name}: returns {ret!r}, expected {want}"


def _signature_problem(name: str, fn: Any) -> str | None:
    """Describe what is wrong with the parameters of ``fn`` (None if fine)."""
    params = inspect.signature(fn).parameters
    kinds = {p.name: p.kind for p in params.values()}
    positional = [p for p in params.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if name in ("sample_null", "sample_planted"):
        if kinds.get("rng") is not inspect.Parameter.KEYWORD_ONLY:
            return f"{name}: expected a keyword-only parameter rng"
    elif name == "lowerbound_cell":
        if kinds.get("rng") is not inspect.Parameter.KEYWORD_ONLY:
            return f"{name}: expected a keyword-only parameter rng"
        if positional:
            return (f"{name}: expected keyword-only parameters (a sweep job), got positional "
                    f"{[p.name for p in positional]}")
    else:
        if not positional:
            return f"{name}: expected the instance as first positional parameter"
        if name == "sos_value":
            if "degree" not in params:
                return f"{name}: expected a parameter degree"
            if params["degree"].default != 4:
                return f"{name}: expected degree=4 by default"
            if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
                return f"{name}: expected **solve_kwargs passed to sosrmt.sos.solve"
    return None


def check_problem(module: ModuleType | str) -> list[str]:
    """What ``module`` lacks or gets wrong against the contract (empty list: it conforms).

    Parameters
    ----------
    module : module or str
        A problem module or its import name (e.g. ``"sosrmt.problems.sparse_pca"``).

    Returns
    -------
    list of str
        One line per missing or ill-typed member; members listed in :data:`EXEMPTIONS`
        for the module are skipped, but an exempted member that exists is still checked.

    Examples
    --------
    >>> import types
    >>> check_problem(types.ModuleType("empty"))[:2]
    ['sample_null: missing', 'sample_planted: missing']
    """
    if isinstance(module, str):
        module = importlib.import_module(module)
    if not isinstance(module, ModuleType):
        raise TypeError(f"module: expected a module or its import name, "
                        f"got {type(module).__name__}")
    short = module.__name__.rsplit(".", 1)[-1]
    exempt = EXEMPTIONS.get(short, {})
    problems: list[str] = []
    for name in MEMBERS:
        fn = getattr(module, name, None)
        if fn is None:
            if name not in exempt:
                problems.append(f"{name}: missing")
            continue
        if not callable(fn):
            problems.append(f"{name}: not callable")
            continue
        for issue in (_signature_problem(name, fn), _return_problem(name, fn)):
            if issue is not None:
                problems.append(issue)
    return problems


def matrix_free_cell_row(null: dict[str, Any], planted: dict[str, Any]) -> dict[str, Any]:
    """The diagnostics of a matrix-free ``lowerbound_cell``: null instance and planted control.

    Every problem's matrix-free report has the same keys (``e1``, ``mu_min`` with its
    Lanczos ``mu_min_residual`` and ``lanczos_status``, ``residual``, ``objective_ratio``);
    this is the one place that turns the two reports into the cell's result columns.
    ``negative_mass`` is NaN: the matrix-free form has no signed measure.

    Examples
    --------
    >>> r = {"e1": 1.0, "mu_min": -0.5, "mu_min_residual": 1e-9, "lanczos_status": "converged",
    ...      "residual": 0.0, "objective_ratio": 0.9}
    >>> row = matrix_free_cell_row(r, dict(r, mu_min=0.2))
    >>> row["mu_min"], row["planted_mu_min"]
    (-0.5, 0.2)
    """
    return {"e1": null["e1"], "mu_min": null["mu_min"],
            "mu_min_residual": null["mu_min_residual"],
            "lanczos_status": null["lanczos_status"], "residual": null["residual"],
            "objective_ratio": null["objective_ratio"], "negative_mass": float("nan"),
            "planted_e1": planted["e1"], "planted_mu_min": planted["mu_min"],
            "planted_mu_min_residual": planted["mu_min_residual"],
            "planted_objective_ratio": planted["objective_ratio"]}
