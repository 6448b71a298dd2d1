"""Efron–Stein bounds for graph matrices: exact values, the q = 1 formula, cross-checks.

Oracles: exact integers computed by hand, the q = 1 formula, the generic
recursion on the Walsh expansion of the dense graph matrix (brute force over all 2^N
inputs), and exhaustive moments (bound >= moment >= norm).
"""

from __future__ import annotations

import io
import itertools
import json
import math
from contextlib import redirect_stdout

import numpy as np
import pytest

from sosrmt._report import fit_loglog
from sosrmt.graphs import GraphInput, Shape, graph_matrix, named_shape
from sosrmt.graphs.efron_stein import (
    MatrixPolynomial,
    assignments,
    bound_table,
    closed_form_bound,
    derivative_matrix,
    derivative_norms,
    es_kappa,
    exact_bound,
    graph_level1_bound,
    level1_bound,
    recursive_bound,
    schatten_norms,
    tensor_network_bound,
    tensor_network_matrix,
    tw_diagnostic,
    variance_proxies,
)

UNTYPED = ["wigner", "path2", "cherry", "Z", "K22", "iso", "degdiag", "JminusI", "nI"]


def graph_func(shape, n):
    iu = np.triu_indices(n, 1)

    def f(x):
        g = np.zeros((n, n))
        g[iu] = x
        g = g + g.T
        return graph_matrix(shape, GraphInput("rademacher", {"n": n}, {("n", "n"): g}))

    return f


def random_shapes(count, seed):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        k = int(rng.integers(3, 5))
        a, b = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        U = tuple(range(a))
        V = tuple(int(v) for v in rng.choice(k, size=b, replace=False))
        pairs = list(itertools.combinations(range(k), 2))
        edges = [e for e in pairs if rng.random() < 0.5]
        if edges:
            out.append(Shape(k, U, V, edges))
    return out


# ------------------------------------------------------------------ exact integers

# squared operator norms of F_{r,t-r}, indexed by r = number of R letters (hand computation)
EXPECTED_SQ = {
    "wigner": lambda n: [n - 1, n - 1],
    "path2": lambda n: [2 * (n - 1) * (n - 2), (n - 2) ** 2, 2 * (n - 1) * (n - 2)],
    "cherry": lambda n: [2 * (n - 1) * (n - 2), 2 * (n - 2), 4 * (n - 2)],
    "Z": lambda n: [6 * (n - 2) * (n - 3), 2 * (n - 3) ** 2, 2 * (n - 3) ** 2,
                    6 * (n - 2) * (n - 3)],
}


@pytest.mark.parametrize("name", list(EXPECTED_SQ))
@pytest.mark.parametrize("n", [6, 7, 8, 9])
def test_derivative_matrix_squared_norms_exact(name, n):
    norms = derivative_norms(named_shape(name), n, q=[1])
    got = [norms[r].operator_norm ** 2 for r in sorted(norms)]
    assert np.allclose(got, EXPECTED_SQ[name](n), rtol=1e-10, atol=1e-9)


def test_z_derivative_matrices_at_n12():
    norms = derivative_norms(named_shape("Z"), 12, q=[1, 4])
    got = [norms[r].operator_norm ** 2 for r in range(4)]
    assert np.allclose(got, EXPECTED_SQ["Z"](12))
    assert all(v.exact for v in norms.values())


# ------------------------------------------------------------------ q = 1 formula

SPEC_Q1 = {"wigner": (15.49, 21.17), "path2": (123.94, 207.38), "cherry": (123.94, 207.38),
           "Z": (1051.63, 2271.77)}
SPEC_N10 = {"wigner": (26.14, 2), "path2": (303.58, 1), "cherry": (303.58, 1), "Z": (3934.83, 1)}


@pytest.mark.parametrize("name", ["wigner", "path2", "cherry", "Z", "K22"])
@pytest.mark.parametrize("n", [6, 8, 10])
def test_q1_bound_formula(name, n):
    shape = named_shape(name)
    t, k = len(shape.edges), shape.k  # Aut_{U,V} is trivial and W_iso empty for these shapes
    want = 2 ** (1.5 * t) * math.sqrt(math.factorial(t) * math.perm(n, k))
    assert abs(exact_bound(shape, n, q=[1]).value - want) <= 1e-9 * want
    if name in SPEC_Q1 and n < 10:
        assert round(want, 2) == SPEC_Q1[name][n // 2 - 3]


@pytest.mark.parametrize("name", list(SPEC_N10))
def test_minimised_bound_at_n10_matches_spec_table(name):
    b = exact_bound(named_shape(name), 10)
    assert round(b.value, 2) == SPEC_N10[name][0] and b.q_star == SPEC_N10[name][1]


# ------------------------------------------- graph path against the generic recursion


@pytest.mark.parametrize("n", [5, 8])
def test_graph_wigner_variance_proxies(n):
    x = np.random.default_rng(n).choice([-1.0, 1.0], size=n * (n - 1) // 2)
    vc, vr = variance_proxies(graph_func(named_shape("wigner"), n), x)
    assert np.array_equal(vc, (n - 1) * np.eye(n)) and np.array_equal(vr, (n - 1) * np.eye(n))


# ------------------------------------------------------------------ cross-check: generic path


@pytest.mark.parametrize("shape", [named_shape(s) for s in UNTYPED] + random_shapes(3, 11),
                         ids=lambda s: s.name or "random")
def test_graph_specialisation_equals_generic_recursion_and_dominates_moments(shape):
    """F_{r,t-r} vs the Walsh expansion at n = 5 (1024 inputs), and bound >= moment exactly."""
    n = 5
    nv = n * (n - 1) // 2
    poly = MatrixPolynomial.from_function(graph_func(shape, n), nv)
    qs = [1, 2, 3, 5]
    generic = recursive_bound(poly, q=qs)
    special = exact_bound(shape, n, q=qs)
    assert np.allclose(generic.flattened, special.flattened, rtol=1e-9)
    assert np.allclose(generic.tree, special.tree, rtol=1e-9)
    # exact moments over all inputs: bound >= |||M|||_2q >= E||M||, and L1 >= |||M - EM|||_2q
    l1 = level1_bound(poly, nv, q=qs, exhaustive=True, mean=poly.mean())
    mom = l1.moment if not np.any(poly.mean()) else None
    if mom is not None:
        assert np.all(special.tree >= mom * (1 - 1e-12))
        assert np.all(mom >= l1.empirical_norm * (1 - 1e-12))
    assert np.all(l1.l1 >= l1.moment * (1 - 1e-12))
    assert np.all(special.flattened >= special.tree * (1 - 1e-12))
    # closed form >= exact for every q
    closed = closed_form_bound(shape, n, q=qs)
    assert np.all(closed.values >= special.flattened * (1 - 1e-12))


# ------------------------------------------- bound >= moment >= norm (Monte Carlo)


@pytest.mark.parametrize("name", UNTYPED)
def test_ordering_monte_carlo(name):
    tab = bound_table(name, "rademacher", [6, 8], trials=6, rng=1, l1_max_n=6, l1_trials=3)
    for row in tab["rows"]:
        # moment >= empirical holds exactly on the same samples (Jensen on the empirical law);
        # bound_exact and L1 are upper bounds on the true moments: the observed gaps (a factor
        # >= 2) are far above the Monte Carlo error of the moment estimate at this fixed seed
        assert row["moment"] >= row["empirical"] * (1 - 1e-12)
        assert row["bound_exact"] >= row["moment"]
        assert row["bound_exact"] >= row["empirical"] + 3 * (row["empirical_se"] or 0.0)
        assert row["bound_closed"] >= row["bound_exact"] * (1 - 1e-12)
        assert row["bound_tree"] <= row["bound_exact"] * (1 + 1e-12)
        if row["l1"] is not None:
            assert row["l1"] >= row["moment"]


@pytest.mark.parametrize("shape", [named_shape(s) for s in UNTYPED] + random_shapes(6, 12),
                         ids=lambda s: s.name or "random")
def test_closed_form_dominates_exact_for_every_q(shape):
    for n in (6, 9):
        qs = np.arange(1, 9)
        ex = exact_bound(shape, n, q=qs)
        cl = closed_form_bound(shape, n, q=qs)
        assert np.all(cl.values >= ex.flattened * (1 - 1e-12))


# ------------------------------------------------------------------ separators and the exponent


SEPARATORS = {"wigner": (1, 0.5), "path2": (1, 1.0), "cherry": (1, 1.0), "Z": (2, 1.0),
              "degdiag": (1, 0.5), "iso": (1, 1.5), "JminusI": (0, 1.0), "nI": (1, 1.0),
              "K22": (2, 1.0)}


@pytest.mark.parametrize("name", list(SEPARATORS))
def test_assignment_rule_gives_separator_exponent(name):
    kappa, smin = es_kappa(named_shape(name))
    assert (smin, kappa) == SEPARATORS[name]
    for a in assignments(named_shape(name)):
        assert a.exponent <= kappa


def _brute_min_separator(shape):
    g = {v: set() for v in range(shape.k)}
    for x, y in shape.edges:
        g[x].add(y)
        g[y].add(x)
    for size in range(shape.k + 1):
        for s in itertools.combinations(range(shape.k), size):
            s = set(s)
            if not set(shape.U) & set(shape.V) <= s:
                continue
            seen = set(shape.U) - s
            stack = list(seen)
            while stack:
                v = stack.pop()
                for w in g[v] - s - seen:
                    seen.add(w)
                    stack.append(w)
            if not seen & (set(shape.V) - s):
                return size
    return shape.k


@pytest.mark.parametrize("shape", [*random_shapes(12, 13), named_shape("tensor_hsss")],
                         ids=lambda s: s.name or "random")
def test_assignment_rule_matches_brute_force_and_max_flow_separator(shape):
    from sosrmt.graphs import kappa, min_vertex_separator

    es_k, smin = es_kappa(shape)
    if shape.max_arity == 2:
        assert smin == _brute_min_separator(shape)
    assert smin == len(min_vertex_separator(shape))
    assert es_k == kappa(shape) == (shape.k - smin + len(shape.W_iso)) / 2


@pytest.mark.parametrize("name", ["wigner", "path2", "cherry", "Z", "K22", "iso"])
def test_closed_form_exponent_is_kappa(name):
    shape = named_shape(name)
    kappa, _ = es_kappa(shape)
    t = len(shape.edges)
    ns = [10.0**e for e in range(8, 41, 4)]
    vals = [closed_form_bound(shape, int(n)).value for n in ns]
    slope = fit_loglog(ns, vals).slope
    # the bound is (log n)^{t/2} n^kappa up to constants: the log factor adds at most
    # t / (2 ln n_min) to the slope over this range
    assert kappa <= slope <= kappa + t / (2 * math.log(ns[0]))


# ------------------------------------------------------------------ p-biased, TW, tensor network


def test_graph_level1_pbiased():
    shape = named_shape("wigner")
    half = graph_level1_bound(shape, 6, model="pbiased", p=0.5, q=[1, 2], trials=2, rng=0)
    rad = graph_level1_bound(shape, 6, q=[1, 2], trials=2, rng=0)
    q = half.q.astype(float)
    formula = np.sqrt(4 * q - 2) * 2 ** (-1 / (2 * q)) * (2 * 6 * 5.0**q) ** (1 / (2 * q))
    assert np.allclose(half.l1, formula) and np.allclose(rad.l1, formula)
    sparse = graph_level1_bound(named_shape("path2"), 7, model="pbiased", p=0.15, trials=4, rng=1)
    # moment >= empirical exactly on the same samples; L1 bounds the true moment
    assert np.all(sparse.moment >= sparse.empirical_norm * (1 - 1e-12))
    assert np.all(sparse.l1 >= sparse.moment)


def test_tw_diagnostic_is_computed_from_operator_norms():
    shape = named_shape("path2")
    norms = derivative_norms(shape, 7, q=[1])
    want = math.log(7) * sum(v.operator_norm for v in norms.values())
    assert math.isclose(tw_diagnostic(shape, 7, norms), want)


def test_tensor_network_bound():
    n = 4
    b = tensor_network_bound(n, q=[1, 2, 3])
    # q = 1: (4q-2) * (1 + 2 + 1) * sqrt(2 * #{(i,a,b,c,d): (a,c) != (b,d)})
    assert math.isclose(b.flattened[0], 2 * 4 * math.sqrt(2 * n * (n**4 - n**2)))
    assert np.all(b.tree <= b.flattened)
    rng = np.random.default_rng(0)
    norms = [np.linalg.norm(tensor_network_matrix(rng.choice([-1.0, 1.0], size=(n, n, n))), 2)
             for _ in range(5)]
    assert b.tree_value >= max(norms)
    # cross-check against the generic recursion on the Walsh expansion (n = 2: 8 inputs)
    poly = MatrixPolynomial.from_function(lambda x: tensor_network_matrix(x.reshape(2, 2, 2)), 8)
    gen = recursive_bound(poly, q=[1, 2, 3])
    small = tensor_network_bound(2, q=[1, 2, 3])
    assert np.allclose(gen.flattened, small.flattened) and np.allclose(gen.tree, small.tree)


def test_derivative_matrix_counts_and_schatten():
    f = derivative_matrix(named_shape("path2"), 6, 1)
    assert f.sum() == math.factorial(2) * math.perm(6, 3)
    assert set(np.unique(f.data)) == {1.0}
    s = schatten_norms(f, [1])
    assert math.isclose(s.values[0], math.sqrt(f.sum()))


# ------------------------------------------------------------------ table and CLI


def test_bound_table_json_and_cli():
    import argparse

    from sosrmt.cli.commands.graphs import add_bound_parser

    parser = argparse.ArgumentParser()
    add_bound_parser(parser.add_subparsers())
    args = parser.parse_args(["bound", "--shape", "path2", "--n", "6", "9", "--trials", "3",
                              "--l1-max-n", "6", "--json", "--seed", "3"])
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert args.func(args) == 0
    doc = json.loads(buf.getvalue())
    assert [r["n"] for r in doc["rows"]] == [6, 9]
    for key in ("n", "empirical", "bound_exact", "bound_closed", "tw_diagnostic", "l1"):
        assert key in doc["rows"][0]
    assert doc["rows"][1]["l1"] is None and doc["kappa"] == 1.0
    assert set(doc["slopes"]) >= {"empirical", "bound_exact", "bound_closed"}
    again = bound_table("path2", "rademacher", [6, 9], 3, 3, l1_max_n=6)
    assert again["rows"][0]["empirical"] == doc["rows"][0]["empirical"]
    tab = bound_table("wigner", "rademacher", [6, 14], 2, 0, exact_max_n=6, l1_max_n=0)
    assert tab["rows"][1]["bound_exact"] is None and tab["rows"][1]["bound_closed"] > 0


def test_bound_table_plot(tmp_path):
    import matplotlib

    from sosrmt.graphs.efron_stein import plot_bound_table

    backend_before = matplotlib.get_backend()

    tab = bound_table("wigner", "pbiased", [6, 8], 2, 0, p=0.3, l1_max_n=6, l1_trials=2)
    # pbiased now has the full recursive bound (weight bound), not only L1
    assert tab["rows"][0]["bound_exact"] >= tab["rows"][0]["moment"]
    assert tab["rows"][0]["l1"] is not None
    fig = plot_bound_table(tab, str(tmp_path / "b.png"))
    assert (tmp_path / "b.png").stat().st_size > 0 and fig.axes[0].get_xscale() == "log"
    import matplotlib

    assert matplotlib.get_backend() == backend_before  # the library never switches it


# ------------------------------------------------------------------ bad input


def test_bad_inputs():
    z = named_shape("Z")
    with pytest.raises(ValueError, match="Rademacher"):
        exact_bound(z, 6, model="pbiased")
    with pytest.raises(ValueError, match="model"):
        exact_bound(z, 6, model="gaussian")
    with pytest.raises(ValueError, match="q >= 1"):
        exact_bound(z, 6, q=0)
    with pytest.raises(ValueError, match="q >= 1"):
        closed_form_bound(z, 6, q=[0, 1])
    with pytest.raises(ValueError, match="closed_form_bound"):
        exact_bound(z, 60)
    with pytest.raises(ValueError, match="closed_form_bound"):
        derivative_matrix(z, 10, 1, max_pairs=1000)
    with pytest.raises(ValueError, match="untyped"):
        closed_form_bound(named_shape("wishart"), 6)
    with pytest.raises(ValueError, match="label"):
        exact_bound(Shape(2, (0,), (1,), [(0, 1)], labels=[2]), 6)
    with pytest.raises(ValueError, match="model"):
        graph_level1_bound(z, 6, model="gaussian")
    with pytest.raises(ValueError, match="p"):
        graph_level1_bound(z, 6, model="pbiased")
    with pytest.raises(ValueError, match="n: expected"):
        exact_bound(z, 3)
    with pytest.raises(ValueError, match="r: expected"):
        derivative_matrix(z, 6, 4)
    with pytest.raises(TypeError, match="shape"):
        exact_bound("Z", 6)
    with pytest.raises(ValueError, match="model"):
        bound_table("Z", "poisson", [6], 2)  # gaussian has its bound (test_gaussian_bound)
    # Hermite labels are bounded for Gaussian inputs (hermite_bound, test_hermite.py); they
    # stay refused for the two-point models, and repeated edges stay refused for all
    with pytest.raises(ValueError, match="label"):
        bound_table(Shape(2, (0,), (1,), [(0, 1)], labels=[2]), "rademacher", [6], 2)
    with pytest.raises(ValueError, match="label"):
        bound_table(Shape(2, (0,), (1,), [(0, 1)], labels=[2]), "pbiased", [6], 2, p=0.3)
    with pytest.raises(ValueError, match=r"^shape: expected distinct edges"):
        bound_table(Shape(2, (0,), (1,), [(0, 1), (0, 1)], labels=[1, 2]), "gaussian", [6], 2)
    with pytest.raises(ValueError, match="p"):
        bound_table("Z", "pbiased", [6], 2)
    with pytest.raises(ValueError, match="ns"):
        bound_table("Z", "rademacher", [], 2)
    with pytest.raises(ValueError, match="trials"):
        bound_table("Z", "rademacher", [6], 0)
    with pytest.raises(ValueError, match="pbiased"):
        # a repeated edge is not proper for the p-biased model
        graph_level1_bound(Shape(2, (0,), (1,), [(0, 1), (0, 1)]), 6, model="pbiased", p=0.3)


def _enumerated_sample():
    from sosrmt.graphs import enumerate_shapes

    shapes = list(enumerate_shapes(3, 1, 1))  # all 8 classes
    pool = [s for s in enumerate_shapes(4, 2, 2, overlap=None) if s.edges]
    rng = np.random.default_rng(21)
    shapes += [pool[i] for i in rng.choice(len(pool), size=6, replace=False)]
    return shapes


@pytest.mark.parametrize("shape", _enumerated_sample(), ids=lambda s: repr(s.edges))
def test_ordering_on_enumerated_shapes_exhaustive(shape):
    """Bound >= moment >= norm, exact expectations (all 2^6 inputs, n = 4), enumerated shapes."""
    n, nv = 4, 6
    poly = MatrixPolynomial.from_function(graph_func(shape, n), nv)
    qs = [1, 2, 3, 4]
    ex = exact_bound(shape, n, q=qs)
    l1 = level1_bound(poly, nv, q=qs, exhaustive=True, mean=poly.mean())
    assert np.all(l1.l1 >= l1.moment * (1 - 1e-12))
    raw = level1_bound(poly, nv, q=qs, exhaustive=True)  # moments of M itself
    assert np.all(ex.tree >= raw.moment * (1 - 1e-12))
    assert np.all(raw.moment >= raw.empirical_norm * (1 - 1e-12))
    assert np.all(closed_form_bound(shape, n, q=qs).values >= ex.flattened * (1 - 1e-12))


def test_bound_table_validates_the_shape_once(monkeypatch):
    import sosrmt.graphs.efron_stein.closed_form as cf
    import sosrmt.graphs.efron_stein.graph as gr
    import sosrmt.graphs.efron_stein.table as tb

    calls = []
    real = gr._es_shape

    def counting(shape, model="rademacher"):
        calls.append(model)
        return real(shape, model)

    for mod in (gr, cf, tb):
        monkeypatch.setattr(mod, "_es_shape", counting)
    bound_table("Z", "rademacher", [6, 7], 2, 0, l1_max_n=6, l1_trials=1)
    assert calls == ["rademacher"]
