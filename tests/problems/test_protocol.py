"""Every problem module satisfies the written contract of sosrmt.problems.protocol."""

import importlib
import types

import pytest

from sosrmt.problems.protocol import EXEMPTIONS, MEMBERS, PROBLEM_MODULES, check_problem

_PARAMS = [pytest.param(name, id=name.rsplit(".", 1)[-1]) for name in PROBLEM_MODULES]


@pytest.mark.parametrize("name", _PARAMS)
def test_module_conforms(name):
    assert check_problem(name) == []


def test_every_problem_module_is_listed():
    import pkgutil

    import sosrmt.problems as pkg

    found = {m.name for m in pkgutil.iter_modules(pkg.__path__)
             if not m.name.startswith("_")} - {"protocol", "sk_transfer"}
    assert {n.rsplit(".", 1)[-1] for n in PROBLEM_MODULES} == found


def test_exemptions_name_real_members_and_modules():
    shorts = {n.rsplit(".", 1)[-1] for n in PROBLEM_MODULES}
    for mod, members in EXEMPTIONS.items():
        assert mod in shorts
        assert set(members) <= set(MEMBERS)
        assert all(reason for reason in members.values())


def test_checker_reports_defects():
    m = types.ModuleType("fake")

    def sample_null(n, rng=None):  # rng not keyword-only
        return None

    def lowerbound_cell(n, *, rng):  # positional parameter
        return {}

    def baselines(x) -> dict[str, int]:
        return {}

    m.sample_null, m.lowerbound_cell, m.baselines = sample_null, lowerbound_cell, baselines
    out = check_problem(m)
    assert "sample_null: expected a keyword-only parameter rng" in out
    assert any(s.startswith("lowerbound_cell: expected keyword-only") for s in out)
    assert any(s.startswith("baselines: returns") for s in out)
    assert "program: missing" in out and "sos_value: missing" in out


def test_checker_rejects_non_modules():
    with pytest.raises(TypeError, match="module"):
        check_problem(3)


def test_lowerbound_cells_are_sweep_jobs():
    from sosrmt.sweep import resolve_job

    for name in PROBLEM_MODULES:
        mod = importlib.import_module(name)
        if hasattr(mod, "lowerbound_cell"):
            _name, fn = resolve_job(f"{name}:lowerbound_cell")
            assert fn is mod.lowerbound_cell
