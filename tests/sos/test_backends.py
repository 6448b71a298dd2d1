"""The backend contract: registry, protocol, clean standard output, no import cycles."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sosrmt.poly import Polynomial
from sosrmt.sos import BACKENDS, Backend, Hypercube, MomentRelaxation, register_backend
from sosrmt.sos.backends import RawSolution, make_backend

SOS = Path(__file__).resolve().parents[2] / "sosrmt" / "sos"


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_every_registered_backend_satisfies_the_protocol(name):
    rel = MomentRelaxation(Polynomial.quadratic_form([[0, 1], [1, 0]]), Hypercube(2), 2)
    backend = make_backend(name, rel)
    assert isinstance(backend, Backend)
    assert type(backend).name == name
    raw = backend.solve()
    assert isinstance(raw, RawSolution) and raw.status == "optimal"
    assert raw.x.shape == (rel.moment_keys.size - 1,) and raw.z.shape == (rel.n_rows,)


def test_registry_refuses_bad_backends():
    with pytest.raises(ValueError, match="backend"):
        make_backend("nope", None)
    with pytest.raises(TypeError, match="backend needs"):
        register_backend(type("NoSolve", (), {"name": "x"}))

    class Impostor:
        name = "scs"

        def update_objective(self, relaxation):
            pass

        def solve(self, early_stop=None):
            pass

    with pytest.raises(ValueError, match="already registered"):
        register_backend(Impostor)
    with pytest.raises(ValueError, match="status"):
        RawSolution(status="fine", x=None, z=None)


_FAILING_SOLVE = """
import json, numpy as np
from sosrmt.poly import Polynomial
from sosrmt.sos import Hypercube, solve
W = np.full((4, 4), 1e300)
np.fill_diagonal(W, 0)
out = {}
for backend in ("scs", "cvxpy"):
    res = solve(Polynomial.quadratic_form(W), Hypercube(4), 2, backend=backend,
                verbose=True, max_iters=50) if backend == "scs" else solve(
                Polynomial.quadratic_form(W), Hypercube(4), 2, backend=backend, verbose=True)
    out[backend] = [res.status, res.bound]
print(json.dumps(out))
"""


def test_solver_output_never_reaches_stdout():
    # entries ~1e300 make SCS fail and print "ERROR: could not determine problem status."
    # from C; with verbose=True both solvers also print their logs: all must go to stderr
    proc = subprocess.run(
        [sys.executable, "-c", _FAILING_SOLVE], capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)  # stdout is exactly the JSON line
    assert proc.stdout.count("\n") == 1
    for status, bound in out.values():
        assert status not in ("optimal",) or bound is not None
    assert "SCS" in proc.stderr  # the solver's log went to stderr


def _imports(path: Path) -> set[str]:
    mods = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            mods.add(node.module)
        elif isinstance(node, ast.Import):
            mods.update(a.name for a in node.names)
    return mods


def test_no_import_cycles_inside_sos():
    # every import counts, also those under TYPE_CHECKING and inside functions
    mods = {}
    for path in SOS.rglob("*.py"):
        rel = path.relative_to(SOS.parent.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        mods[name] = {m for m in _imports(path) if m.startswith("sosrmt.sos")}
    graph = {
        m: {d for d in deps if d in mods and d != m and not m.startswith(d + ".")}
        for m, deps in mods.items()
    }
    state: dict[str, int] = {}

    def visit(m, stack):
        state[m] = 1
        for d in graph[m]:
            if state.get(d) == 1:
                raise AssertionError(f"import cycle: {' -> '.join([*stack, m, d])}")
            if d not in state:
                visit(d, [*stack, m])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])
