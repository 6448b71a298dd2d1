"""Grids, cells, seeds, job resolution and TOML specs."""

from __future__ import annotations

import numpy as np
import pytest

from sosrmt.sweep import Grid, check_job_signature, load_spec, resolve_job
from sosrmt.sweep.examples import goe_norm


def test_cells_order_count_and_values():
    g = Grid({"n": [10, 20, 30], "p": [0.1, 0.2]}, seeds=2)
    cells = list(g.cells())
    assert len(g) == len(cells) == 12
    assert [c.index for c in cells] == list(range(12))
    assert [(c.params["n"], c.params["p"], c.replicate) for c in cells[:5]] == [
        (10, 0.1, 0), (10, 0.1, 1), (10, 0.2, 0), (10, 0.2, 1), (20, 0.1, 0)]
    assert g.names == ("n", "p")


def test_scalar_value_explicit_seeds_and_numpy_values():
    g = Grid({"n": np.array([3, 4]).tolist(), "model": "gauss", "k": np.int64(2)},
             seeds=[5, 7], seed=11)
    cells = list(g.cells())
    assert [(c.params["n"], c.replicate) for c in cells] == [(3, 5), (3, 7), (4, 5), (4, 7)]
    assert all(c.params["model"] == "gauss" and type(c.params["k"]) is int for c in cells)
    assert all(c.seed == 11 and c.spawn_key[0] == c.replicate for c in cells)


def test_streams_depend_only_on_seed_params_and_replicate():
    a = Grid({"n": [1, 2], "p": [0.5]}, seeds=3)
    b = Grid({"p": [0.5], "n": [3, 2, 1]}, seeds=[2, 0, 1])  # reordered and extended
    key = {(c.params["n"], c.replicate): (c.spawn_key, c.key("m:f")) for c in b.cells()}
    for c in a.cells():
        assert key[(c.params["n"], c.replicate)] == (c.spawn_key, c.key("m:f"))
    # all cells of a grid draw from different streams; another root seed changes them all
    cells = list(b.cells())
    draws = {c.rng().integers(2**62) for c in cells}
    assert len(draws) == len(cells)
    other = {c.rng().integers(2**62) for c in Grid(b.params, b.seeds, seed=1).cells()}
    assert not draws & other
    # the job name enters the store key but not the stream (common random numbers)
    c0 = cells[0]
    assert c0.key("m:f") != c0.key("m:g")


@pytest.mark.parametrize(("params", "seeds", "exc", "match"), [
    ({"n": []}, 2, ValueError, "empty list"),
    ({"n": [1]}, 0, ValueError, "at least one seed"),
    ({"n": [1]}, [], ValueError, "empty list of seeds"),
    ({"n": [1]}, [1, 1], ValueError, "distinct"),
    ({"n": [1]}, -1, ValueError, "seeds"),
    ({"n": [1]}, True, TypeError, "seeds"),
    ({"n": [1]}, "3", TypeError, "seeds"),
    ({"rng": [1]}, 1, ValueError, "reserved"),
    ({"status": [1]}, 1, ValueError, "reserved"),
    ({"not a name": [1]}, 1, ValueError, "identifiers"),
    ({"n": [object()]}, 1, TypeError, r"params\['n'\]"),
    ({"n": [float("nan")]}, 1, ValueError, "finite"),
    ([("n", [1])], 1, TypeError, "params"),
])
def test_bad_grids(params, seeds, exc, match):
    with pytest.raises(exc, match=match):
        Grid(params, seeds)


def test_bad_root_seed():
    with pytest.raises(ValueError, match="seed"):
        Grid({"n": [1]}, 1, seed=-3)


def _nested_job():
    def job(*, rng):
        return {}
    return job


def test_resolve_job_forms_and_errors():
    assert resolve_job(goe_norm) == ("sosrmt.sweep.examples:goe_norm", goe_norm)
    assert resolve_job("sosrmt.sweep.examples:goe_norm")[1] is goe_norm
    with pytest.raises(TypeError, match="module-level"):
        resolve_job(lambda *, rng: {})
    with pytest.raises(TypeError, match="module-level"):
        resolve_job(_nested_job())
    with pytest.raises(ValueError, match="cannot import module 'no_such_module_xyz'"):
        resolve_job("no_such_module_xyz:f")
    with pytest.raises(ValueError, match="has no function 'nope'"):
        resolve_job("sosrmt.sweep.examples:nope")
    with pytest.raises(ValueError, match="module:function"):
        resolve_job("sosrmt.sweep.examples")
    with pytest.raises(TypeError, match="expected a function"):
        resolve_job("sosrmt.sweep.store:SCHEMA_VERSION")
    with pytest.raises(TypeError, match="job"):
        resolve_job(3)


def _kw_job(*, rng, a, b=1, **extra):
    return {}


def _no_rng(*, n):
    return {}


def _posonly(n, /, *, rng):
    return {}


def test_check_job_signature():
    check_job_signature(goe_norm, ["n"])
    check_job_signature(_kw_job, ["a", "zzz"])  # **extra takes anything
    with pytest.raises(ValueError, match="does not accept parameter 'm'"):
        check_job_signature(goe_norm, ["n", "m"], "goe")
    with pytest.raises(ValueError, match="requires parameter 'n'"):
        check_job_signature(goe_norm, [])
    with pytest.raises(ValueError, match="'rng'"):
        check_job_signature(_no_rng, ["n"])
    with pytest.raises(ValueError, match="does not accept parameter 'n'"):
        check_job_signature(_posonly, ["n"])
    with pytest.raises(ValueError, match="positional-only"):
        check_job_signature(_posonly, [])


def test_load_spec(tmp_path):
    spec = tmp_path / "sub" / "s.toml"
    spec.parent.mkdir()
    spec.write_text('job = "sosrmt.sweep.examples:goe_norm"\nseed = 3\nseeds = [0, 2]\n'
                    'store = "out/r.sqlite"\n[params]\nn = [4, 8]\n')
    s = load_spec(spec)
    assert s.job == "sosrmt.sweep.examples:goe_norm"
    assert (s.grid.seed, s.grid.seeds, s.grid.params) == (3, [0, 2], {"n": [4, 8]})
    assert s.store == spec.parent / "out" / "r.sqlite"


@pytest.mark.parametrize(("text", "match"), [
    ('job = "m:f"\nbogus = 1\n[params]\nn = [1]\n', "unknown keys"),
    ('seeds = 2\n[params]\nn = [1]\n', "job"),
    ('job = "m:f"\n', r"\[params\]"),
    ('job = "m:f"\n[params\n', "not valid TOML"),
    ('job = "m:f"\nseeds = 0\n[params]\nn = [1]\n', "seed"),
    ('job = "m:f"\n[params]\nn = []\n', "empty"),
])
def test_bad_specs(tmp_path, text, match):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_spec(path)


def test_missing_spec_file(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        load_spec(tmp_path / "nope.toml")


def test_grid_equality_hash_round_trip_and_from_toml(tmp_path):
    g = Grid({"n": [1, 2], "p": 0.5}, seeds=2, seed=4)
    assert Grid(**g.to_dict()) == g and hash(Grid(**g.to_dict())) == hash(g)
    assert g != Grid({"n": [1, 2], "p": 0.5}, seeds=2, seed=5)
    spec = tmp_path / "g.toml"
    spec.write_text('job = "m:f"\nseed = 4\nseeds = 2\n[params]\nn = [1, 2]\np = 0.5\n')
    assert Grid.from_toml(spec) == g


def test_method_params_stay_out_of_the_stream():
    g = Grid({"n": [5, 6], "form": ["a", "b"]}, seeds=2, method_params=["form"])
    cells = list(g.cells())
    by = {(c.params["n"], c.params["form"], c.replicate): c for c in cells}
    for n in (5, 6):
        for r in (0, 1):
            a, b = by[(n, "a", r)], by[(n, "b", r)]
            assert a.spawn_key == b.spawn_key
            assert a.rng().random() == b.rng().random()  # same stream, bit for bit
            assert a.key("m:f") != b.key("m:f")  # still two cells
    assert by[(5, "a", 0)].spawn_key != by[(6, "a", 0)].spawn_key
    # without method_params the method is part of the stream
    plain = {(c.params["form"]): c.spawn_key for c in Grid({"form": ["a", "b"]}).cells()}
    assert plain["a"] != plain["b"]
    assert Grid(**g.to_dict()) == g


@pytest.mark.parametrize(("mp", "err"), [(["nope"], ValueError), ("form", TypeError)])
def test_method_params_checked(mp, err):
    with pytest.raises(err, match="method_params"):
        Grid({"form": ["a"]}, method_params=mp)
