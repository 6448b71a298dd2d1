"""Grids of parameter values x seeds, job resolution and TOML sweep specs.

A *cell* is one combination of parameter values and one replicate (seed index).
Its random stream is ``SeedSequence(root_seed, spawn_key=(replicate, h0, h1))`` where
``(h0, h1)`` are two 32-bit words of the SHA-256 hash of the cell's parameters in
canonical JSON. The stream therefore depends only on (root seed, parameters, replicate):
not on the executor, the worker count, the completion order, the order of the parameter
names or the other values in the grid (extending a grid keeps the existing cells' streams
and stored rows valid).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import itertools
import json
import math
import numbers
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sosrmt._validation import check_int

__all__ = [
    "JOB_ALIASES",
    "META_COLUMNS",
    "Cell",
    "Grid",
    "SweepSpec",
    "check_job_signature",
    "job_name",
    "load_spec",
    "resolve_job",
]

#: Column names a row uses for its bookkeeping; parameters and results may not use them.
META_COLUMNS: tuple[str, ...] = (
    "cell", "key", "job", "seed", "replicate", "spawn_key", "status", "error", "traceback",
    "wall_time", "cpu_time", "started_at", "finished_at", "host", "pid", "versions", "run_id",
    "row_id",
)

#: Former names of jobs that moved, mapped to their current ``"module:function"`` name.
#: A store or spec written under an old name keeps its name (and so its cell keys), and the
#: job still resolves: resuming it skips the finished cells.
JOB_ALIASES: dict[str, str] = {
    "sosrmt.cli.commands.lowerbound:tensor_pca_job": "sosrmt.problems.tensor_pca:lowerbound_cell",
    "sosrmt.cli.commands.lowerbound:sparse_pca_job": "sosrmt.problems.sparse_pca:lowerbound_cell",
    "sosrmt.cli.commands.lowerbound:dense_subgraph_job":
        "sosrmt.problems.dense_subgraph:lowerbound_cell",
    "sosrmt.cli.commands.lowerbound:pap_job":
        "sosrmt.problems.planted_affine_planes:lowerbound_cell",
}


def _canonical_value(value: Any, name: str) -> Any:
    """Return ``value`` as a JSON-compatible scalar or list, or raise naming ``name``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{name}: expected finite parameter values, got {value}")
        return value
    if isinstance(value, list | tuple):
        return [_canonical_value(v, name) for v in value]
    raise TypeError(f"{name}: expected numbers, strings, booleans, None or lists of them, "
                    f"got {type(value).__name__}")


def canonical_json(obj: Any) -> str:
    """Deterministic JSON text (sorted keys, no spaces) used for cell keys."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


@dataclass(frozen=True)
class Cell:
    """One grid cell: parameter values, replicate index and the derived seed.

    Attributes
    ----------
    index : int
        Position in the grid's canonical order (parameters in the given order,
        replicates innermost). Used for display and ordering only.
    params : dict
        Keyword arguments passed to the job.
    replicate : int
        Seed index of this cell.
    seed : int
        Root seed of the sweep.
    spawn_key : tuple of int
        ``SeedSequence`` spawn key ``(replicate, h0, h1)``.
    """

    index: int
    params: dict[str, Any]
    replicate: int
    seed: int
    spawn_key: tuple[int, ...]

    def seed_sequence(self) -> np.random.SeedSequence:
        """The cell's ``SeedSequence``."""
        return np.random.SeedSequence(self.seed, spawn_key=self.spawn_key)

    def rng(self) -> np.random.Generator:
        """A fresh Generator on the cell's stream (what the job receives)."""
        return np.random.default_rng(self.seed_sequence())

    def key(self, job: str) -> str:
        """Store key: hash of (job, parameters, root seed, replicate)."""
        text = canonical_json({"job": job, "params": self.params, "seed": self.seed,
                               "replicate": self.replicate})
        return hashlib.sha256(text.encode()).hexdigest()


def _param_hash_words(params: Mapping[str, Any]) -> tuple[int, int]:
    digest = hashlib.sha256(canonical_json(dict(params)).encode()).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:8], "little")


@dataclass(frozen=True)
class Grid:
    """Parameters x values x seeds.

    Parameters
    ----------
    params : dict of str to list
        Parameter name -> list of values (a scalar means a single value). Values are
        numbers, strings, booleans, None or lists of them.
    seeds : int or list of int
        Number of replicates (``seeds=5`` means replicates 0..4) or explicit replicate
        indices.
    seed : int, optional
        Root seed of the sweep (default 0).
    method_params : sequence of str, optional
        Parameters that choose *how* a cell is computed, not *what* it computes (e.g. the
        form of a pseudo-calibration, a solver): they stay out of the random stream, so
        cells that differ only in them draw the same numbers and analyse the same random
        instance. They are still part of the cell (and of its store key).

    Notes
    -----
    The cells are the Cartesian product of the value lists with the replicates; their
    count is ``prod(len(values)) * len(seeds)``. Cell ``c`` draws from
    ``SeedSequence(seed, spawn_key=(replicate, h0, h1))`` with ``(h0, h1)`` taken from
    the SHA-256 hash of the parameters other than ``method_params`` in canonical JSON, so
    its random numbers depend only on (seed, those parameters, replicate). Two different
    jobs run on the same grid see the same random streams (common random numbers).

    Examples
    --------
    >>> g = Grid({"n": [10, 20], "p": 0.5}, seeds=3)
    >>> len(g), g.names
    (6, ('n', 'p'))
    >>> [(c.params["n"], c.replicate) for c in g.cells()][:4]
    [(10, 0), (10, 1), (10, 2), (20, 0)]
    >>> h = Grid({"n": [10], "form": ["a", "b"]}, method_params=["form"])
    >>> a, b = h.cells()
    >>> a.spawn_key == b.spawn_key, a.key("m:f") == b.key("m:f")
    (True, False)
    """

    params: dict[str, list[Any]]
    seeds: list[int]
    seed: int = 0
    method_params: tuple[str, ...] = ()
    _names: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def __init__(self, params: Mapping[str, Any], seeds: int | Sequence[int] = 1, *,
                 seed: int = 0, method_params: Sequence[str] = ()) -> None:
        if not isinstance(params, Mapping):
            raise TypeError(f"params: expected a dict of name -> list of values, "
                            f"got {type(params).__name__}")
        clean: dict[str, list[Any]] = {}
        for name, values in params.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"params: expected parameter names that are Python "
                                 f"identifiers, got {name!r}")
            if name in META_COLUMNS or name == "rng":
                raise ValueError(f"params: parameter name {name!r} is reserved "
                                 f"(reserved: rng, {', '.join(META_COLUMNS)})")
            vals = list(values) if isinstance(values, list | tuple | range) else [values]
            if not vals:
                raise ValueError(f"params[{name!r}]: empty list of values, the grid "
                                 "would have no cell")
            clean[name] = [_canonical_value(v, f"params[{name!r}]") for v in vals]
        if isinstance(seeds, bool):
            raise TypeError(f"seeds: expected an int or a list of ints, got {seeds!r}")
        if isinstance(seeds, numbers.Integral):
            count = check_int(seeds, "seeds", minimum=0)
            if count == 0:
                raise ValueError("seeds: expected at least one seed, got 0 (empty grid)")
            reps = list(range(count))
        elif isinstance(seeds, Sequence) and not isinstance(seeds, str):
            reps = [check_int(s, "seeds[i]", minimum=0) for s in seeds]
            if not reps:
                raise ValueError("seeds: empty list of seeds, the grid would have no cell")
            if len(set(reps)) != len(reps):
                raise ValueError(f"seeds: expected distinct replicate indices, got {reps}")
        else:
            raise TypeError(f"seeds: expected an int or a list of ints, got {seeds!r}")
        if isinstance(method_params, str) or not all(
                isinstance(m, str) for m in method_params):
            raise TypeError(f"method_params: expected a list of parameter names, "
                            f"got {method_params!r}")
        unknown = [m for m in method_params if m not in clean]
        if unknown:
            raise ValueError(f"method_params: {unknown} are not parameters of the grid "
                             f"(parameters: {list(clean)})")
        object.__setattr__(self, "method_params", tuple(dict.fromkeys(method_params)))
        object.__setattr__(self, "params", clean)
        object.__setattr__(self, "seeds", reps)
        object.__setattr__(self, "seed", check_int(seed, "seed", minimum=0))
        object.__setattr__(self, "_names", tuple(clean))

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names in the given order."""
        return self._names

    def __len__(self) -> int:
        return math.prod(len(v) for v in self.params.values()) * len(self.seeds)

    def cells(self) -> Iterator[Cell]:
        """Yield the cells in canonical order (replicates innermost)."""
        index = 0
        for combo in itertools.product(*self.params.values()):
            params = dict(zip(self._names, combo, strict=True))
            h0, h1 = _param_hash_words({k: v for k, v in params.items()
                                        if k not in self.method_params})
            for rep in self.seeds:
                yield Cell(index=index, params=params, replicate=rep, seed=self.seed,
                           spawn_key=(rep, h0, h1))
                index += 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible description (``Grid(**d)`` rebuilds it)."""
        out: dict[str, Any] = {"params": self.params, "seeds": self.seeds, "seed": self.seed}
        if self.method_params:
            out["method_params"] = list(self.method_params)
        return out

    def __hash__(self) -> int:
        return hash(canonical_json(self.to_dict()))

    @classmethod
    def from_toml(cls, path: str | Path) -> Grid:
        """The grid of a TOML sweep spec (see :func:`load_spec` for the whole spec)."""
        return load_spec(path).grid


# --------------------------------------------------------------------------- jobs

def job_name(job: Callable[..., Any] | str) -> str:
    """The ``"module:function"`` reference of a job (a string is returned unchanged).

    Raises
    ------
    TypeError
        If ``job`` is not a module-level function importable by that name (a lambda or
        a nested function cannot be run in another process).
    """
    if isinstance(job, str):
        return job
    if not callable(job):
        raise TypeError(f"job: expected a function or a 'module:function' string, "
                        f"got {type(job).__name__}")
    module = getattr(job, "__module__", None)
    qualname = getattr(job, "__qualname__", None)
    if not module or not qualname or "<" in qualname or "." in qualname:
        raise TypeError(f"job: expected a module-level function importable by name, got "
                        f"{qualname or job!r} (lambdas, nested functions and methods cannot "
                        "be sent to worker processes)")
    return f"{module}:{qualname}"


def resolve_job(job: Callable[..., Any] | str) -> tuple[str, Callable[..., Any]]:
    """Return ``(name, function)`` for a job given as a function or ``"module:function"``.

    A former name listed in :data:`JOB_ALIASES` is kept as the name (the store's cell
    keys are made from it) and resolves to the function's current place.

    Examples
    --------
    >>> name, fn = resolve_job("sosrmt.sweep.examples:goe_norm")
    >>> name, fn.__name__
    ('sosrmt.sweep.examples:goe_norm', 'goe_norm')
    """
    name = job_name(job)
    module_name, sep, attr = name.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"job: expected 'module:function', got {name!r}")
    if callable(job) and not isinstance(job, str):
        fn = job
    else:
        module_name, _, attr = JOB_ALIASES.get(name, name).partition(":")
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # ImportError, SyntaxError, or whatever the module raised
            raise ValueError(f"job: cannot import module {module_name!r} of job {name!r} "
                             f"({type(exc).__name__}: {exc})") from None
        fn = getattr(module, attr, None)
        if fn is None:
            raise ValueError(f"job: module {module_name!r} has no function {attr!r}")
        if not callable(fn):
            raise TypeError(f"job: {name!r} is a {type(fn).__name__}, expected a function")
    return name, fn


def check_job_signature(fn: Callable[..., Any], names: Sequence[str], job: str = "job") -> None:
    """Check that ``fn(rng=..., **{name: ...})`` is a valid call for the grid's names.

    Raises ValueError naming the parameter the job does not accept, or the required
    parameter the grid does not give.
    """
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature: let the call decide
        return
    params = sig.parameters
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    keywordable = {n for n, p in params.items()
                   if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    if "rng" not in keywordable and not var_kw:
        raise ValueError(f"job {job!r}: expected a keyword argument 'rng' "
                         f"(signature {job}{sig})")
    for name in names:
        if name not in keywordable and not var_kw:
            raise ValueError(f"job {job!r} does not accept parameter {name!r} "
                             f"(signature {job}{sig})")
    for pname, p in params.items():
        if pname == "rng" or p.default is not p.empty:
            continue
        if p.kind is p.POSITIONAL_ONLY:
            raise ValueError(f"job {job!r}: required positional-only parameter {pname!r} "
                             "cannot be given by the grid")
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and pname not in names:
            raise ValueError(f"job {job!r} requires parameter {pname!r}, which the grid "
                             f"does not give (grid parameters: {list(names)})")


# --------------------------------------------------------------------------- specs

@dataclass(frozen=True)
class SweepSpec:
    """A sweep read from a TOML file: job reference, grid and store path.

    TOML layout::

        job = "sosrmt.sweep.examples:goe_norm"   # module:function
        seed = 0                                 # root seed (optional, default 0)
        seeds = 4                                # replicates, or a list of indices
        store = "results.sqlite"                 # optional; relative to the spec file
        method_params = ["solver"]               # optional; see Grid
        [params]
        n = [50, 100, 200]
        solver = ["scs", "clarabel"]
    """

    job: str
    grid: Grid
    store: Path | None
    path: Path | None = None


def load_spec(path: str | Path) -> SweepSpec:
    """Read a TOML sweep spec.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "s.toml").write_text('job = "m:f"\\nseeds = 2\\n[params]\\nn = [1, 2]\\n')
    >>> spec = load_spec(d / "s.toml")
    >>> spec.job, len(spec.grid), spec.store.name
    ('m:f', 4, 'results.sqlite')
    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ValueError(f"spec: cannot read {str(path)!r} ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"spec: {str(path)!r} is not valid TOML ({exc})") from None
    allowed = {"job", "seed", "seeds", "store", "params", "method_params"}
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"spec: unknown keys {sorted(unknown)} in {str(path)!r} "
                         f"(allowed: {sorted(allowed)})")
    job = data.get("job")
    if not isinstance(job, str):
        raise ValueError(f"spec: expected job = \"module:function\" in {str(path)!r}")
    params = data.get("params")
    if not isinstance(params, dict) or not params:
        raise ValueError(f"spec: expected a non-empty [params] table in {str(path)!r}")
    grid = Grid(params, data.get("seeds", 1), seed=data.get("seed", 0),
                method_params=data.get("method_params", ()))
    store = data.get("store", "results.sqlite")
    if not isinstance(store, str):
        raise ValueError(f"spec: expected store = \"path\" in {str(path)!r}")
    store_path = Path(store)
    if not store_path.is_absolute():
        store_path = path.parent / store_path
    return SweepSpec(job=job, grid=grid, store=store_path, path=path)
