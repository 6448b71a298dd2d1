"""Sparse (p-biased) graph matrices: bad input, the sparse operator, the sparse predictor."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

from sosrmt.cli import main
from sosrmt.graphs import (
    Shape,
    enumerate_shapes,
    graph_matrix,
    named_shape,
    parse_shape,
    sample_input,
    sparse_norm_bound,
)
from sosrmt.graphs.efron_stein import bound_table
from sosrmt.graphs.info import shape_info
from sosrmt.graphs.inputs import check_sparse_model, parse_edge_probability
from sosrmt.graphs.jobs import norm_params
from sosrmt.graphs.separators import sparse_exponent
from sosrmt.graphs.sparse import sparse_graph_operator

# ------------------------------------------------------------------ bad input (one line each)


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1, 1.5, None, True, "0.1"])
def test_p_outside_open_interval(p):
    with pytest.raises(ValueError, match=r"^p: the pbiased \(sparse\) model needs 0 < p < 1"):
        check_sparse_model(named_shape("Z"), 100, p)


def test_empty_matrices_and_isolated_vertices():
    with pytest.raises(ValueError, match=r"^p: p\*n\^2 = 0\.5 < 1 at n=10"):
        check_sparse_model(named_shape("wigner"), 10, 0.005)
    assert check_sparse_model(named_shape("wigner"), 10, 0.01) == 0.01  # p n^2 = 1 is fine
    with pytest.raises(ValueError, match=r"^shape: .*isolated: w$"):
        check_sparse_model(parse_shape("U=u; V=v; W=w; E=u-v"), 10, 0.5)
    with pytest.raises(ValueError, match="isolated: 2"):
        norm_params("iso", "pbiased", [10], trials=1, p=0.3)
    with pytest.raises(ValueError, match=r"p\*n\^2"):
        norm_params("Z", "pbiased", [10, 100], trials=1, p=0.001)
    with pytest.raises(ValueError, match=r"p\*n\^2"):
        bound_table("wigner", "pbiased", [6, 8], 2, 0, p=0.01)
    with pytest.raises(ValueError, match="isolated"):
        sparse_graph_operator(named_shape("iso"), sample_input("pbiased", 8, p=0.3, rng=0))


@pytest.mark.parametrize("argv, match", [
    (["norm", "--shape", "Z", "--n", "10", "--model", "pbiased", "--p", "1.5"], "--p: "),
    (["norm", "--shape", "Z", "--n", "10", "--model", "pbiased", "--p", "0.001"], "p*n^2"),
    (["norm", "--shape", "iso", "--n", "10", "--model", "pbiased", "--p", "0.3"], "isolated"),
    (["bound", "--shape", "Z", "--n", "6", "--model", "pbiased", "--p", "0"], "0 < p < 1"),
    (["info", "--shape", "iso", "--model", "pbiased", "--p", "0.3"], "isolated"),
    (["info", "--shape", "Z", "--model", "pbiased", "--p", "10/m"], "p: expected"),
    (["info", "--shape", "Z", "--p", "0.3"], "--p"),
])
def test_cli_sparse_errors_are_one_line(argv, match, capsys):
    assert main(["graphs", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert match in err and "Traceback" not in err and len(err.splitlines()) == 1


# ------------------------------------------------------------------ the sparse operator


def _dense_of(op):
    return op @ np.eye(op.shape[1]), op.H @ np.eye(op.shape[0])


@pytest.mark.parametrize("name", ["wigner", "path2", "cherry", "Z", "K22"])
@pytest.mark.parametrize("n, p", [(6, 0.3), (7, 0.5), (8, 0.1)])
def test_sparse_operator_equals_dense_entry_by_entry(name, n, p):
    shape = named_shape(name)
    x = sample_input("pbiased", n, p=p, rng=17 * n)
    op = sparse_graph_operator(shape, x)
    want = graph_matrix(shape, x)
    got, got_t = _dense_of(op)
    assert op.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9 * max(1.0, np.abs(want).max()))
    np.testing.assert_allclose(got_t, want.T, rtol=0, atol=1e-9 * max(1.0, np.abs(want).max()))


def _sparse_ready(s: Shape) -> bool:
    return bool(s.edges) and s.is_proper() and all(s.degree(v) for v in range(s.k))


def test_sparse_operator_on_enumerated_shapes():
    """Every proper 4-vertex shape with U, V of size <= 2 (overlaps included) at n = 6."""
    shapes = [s for s in enumerate_shapes(4, 2, 2, overlap=None) if _sparse_ready(s)]
    shapes += [s for s in enumerate_shapes(4, 1, 2, overlap=None) if _sparse_ready(s)]
    assert len(shapes) > 300
    for i, s in enumerate(shapes):
        x = sample_input("pbiased", 6, p=0.4, rng=i)
        got = sparse_graph_operator(s, x) @ np.eye(6 ** len(s.V))
        assert np.allclose(got, graph_matrix(s, x), atol=1e-9), s


def test_sparse_operator_from_adjacency_and_cost_follows_edges():
    x = sample_input("pbiased", 60, p=0.05, rng=3)
    adj = sp.csr_matrix(x.G)
    a = sparse_graph_operator(named_shape("path2"), adj, p=0.05)
    b = sparse_graph_operator(named_shape("path2"), x)
    v = np.random.default_rng(0).standard_normal(60)
    assert np.allclose(a @ v, b @ v)
    # stored nonzeros grow with the number of edges, not with n^2
    sparser = sparse_graph_operator(named_shape("path2"),
                                    sample_input("pbiased", 60, p=0.01, rng=3))
    assert sparser.nnz < b.nnz
    with pytest.raises(ValueError, match="p"):
        sparse_graph_operator(named_shape("path2"), adj)  # an adjacency needs p
    with pytest.raises(ValueError, match="pbiased"):
        sparse_graph_operator(named_shape("Z"), sample_input("rademacher", 6, rng=0))
    with pytest.raises(ValueError, match="0/1"):
        sparse_graph_operator(named_shape("Z"), 2 * x.G, p=0.05)


# ------------------------------------------------------------------ the sparse predictor


def test_sparse_exponent_by_hand():
    # p = c n^-a: separators weighted by |E(S)| a / 2; a = 0 gives kappa
    assert sparse_exponent(named_shape("Z"), 0.0).exponent == 1.0
    assert sparse_exponent(named_shape("Z"), 0.5).exponent == 1.25   # S = {b, c}, 1 edge
    assert sparse_exponent(named_shape("Z"), 1.0).exponent == 1.5
    assert sparse_exponent(named_shape("K22"), 1.0).exponent == 2.0  # S = all, 4 edges
    assert sparse_exponent(named_shape("path2"), 1.0).exponent == 1.0
    # consistent with sparse_norm_bound: log(bound) / log(n) -> kappa_a as n grows
    for name in ("Z", "K22", "cherry"):
        e = sparse_exponent(named_shape(name), 0.5).exponent
        n = 10**12
        b = sparse_norm_bound(named_shape(name), n, n ** -0.5)
        assert abs(np.log(b.value) / np.log(n) - e) < 1e-3


def test_edge_probability_forms():
    assert parse_edge_probability("10/n").at(1000) == pytest.approx(0.01)
    assert parse_edge_probability("n^-0.5").at(100) == pytest.approx(0.1)
    assert parse_edge_probability("n**(-1/2)").a == 0.5
    assert parse_edge_probability("2*n^-0.5").c == 2.0
    assert parse_edge_probability("1/sqrt(n)").a == 0.5
    assert parse_edge_probability("0.3").a == 0.0
    with pytest.raises(ValueError, match="p: expected"):
        parse_edge_probability("n^2")


def test_info_sparse_prediction(capsys):
    info = shape_info(named_shape("Z"), p="n^-0.5", n=1000)
    assert info.sparse.exponent == 1.25
    assert info.sparse_value == pytest.approx(sparse_norm_bound(named_shape("Z"), 1000,
                                                                1000 ** -0.5).value)
    assert main(["graphs", "info", "--shape", "U=a,b; V=c,d; E=a-c,c-b,b-d", "--model",
                 "pbiased", "--p", "10/n", "--n", "1000"]) == 0
    text = capsys.readouterr().out
    assert "sparse kappa   1.5" in text and "{b, c}" in text
    assert main(["graphs", "info", "--shape", "Z", "--model", "pbiased", "--p", "10/n",
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["sparse_exponent"] == 1.5 and doc["p_a"] == 1.0


# ------------------------------------------------------------------ recursive bound, p-biased


@pytest.mark.parametrize("name", ["wigner", "path2", "cherry", "Z", "K22"])
@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_pbiased_bound_dominates_exact_moments_over_all_inputs(name, p):
    """Exact expectations over all 2^N inputs (n = 4 and 5, N <= 10) weighted by p."""
    from sosrmt.graphs.efron_stein import level1_bound
    from sosrmt.graphs.efron_stein.graph import _graph_func
    from sosrmt.graphs.efron_stein.pbiased import pbiased_bound

    shape = named_shape(name)
    for n in (4, 5):
        qs = [1, 2, 3]
        exact = level1_bound(_graph_func(shape, n, "pbiased", p), n * (n - 1) // 2, q=qs,
                             exhaustive=True, model="pbiased", p=p)
        b = pbiased_bound(shape, n, p, q=qs)
        assert np.all(b.tree >= exact.moment * (1 - 1e-12))
        assert np.all(exact.moment >= exact.empirical_norm * (1 - 1e-12))
        assert np.all(b.flattened >= b.tree * (1 - 1e-12))
        assert np.all(b.closed >= b.flattened * (1 - 1e-12))


def test_pbiased_bound_at_half_is_the_rademacher_bound():
    from sosrmt.graphs.efron_stein import closed_form_bound, exact_bound
    from sosrmt.graphs.efron_stein.pbiased import pbiased_bound, weight_max

    z = named_shape("Z")
    b = pbiased_bound(z, 6, 0.5, q=[1, 2])
    assert np.allclose(b.flattened, exact_bound(z, 6, q=[1, 2]).flattened)
    assert np.allclose(b.closed, closed_form_bound(z, 6, q=[1, 2]).values)
    big = pbiased_bound(z, 10**6, 10 / 10**6, exact=False)
    assert big.flattened is None and big.closed_value > 0
    assert weight_max(0.1) == pytest.approx(weight_max(0.9)) == pytest.approx(1 / np.sqrt(0.2))


def test_bound_table_pbiased_fills_every_column(capsys):
    tab = bound_table("path2", "pbiased", [6, 8], 6, 1, p="n^-0.5", exact_max_n=8,
                      l1_max_n=6, l1_trials=2)
    for r in tab["rows"]:
        assert r["p"] == pytest.approx(r["n"] ** -0.5)
        for key in ("empirical", "empirical_q90", "moment", "predicted", "bound_exact",
                    "bound_tree", "bound_closed"):
            assert r[key] is not None and r[key] > 0, key
        assert r["bound_tree"] >= r["moment"] * (1 - 1e-9)
    assert tab["rows"][0]["l1"] is not None and tab["p"] == "n^-0.5"
    assert main(["graphs", "bound", "--shape", "path2", "--model", "pbiased", "--p", "10/n",
                 "--n", "12", "16", "--trials", "3", "--exact-max-n", "12", "--l1-max-n",
                 "0"]) == 0
    out = capsys.readouterr().out
    assert "sparse_pred" in out and "p=10/n" in out


def test_norm_with_p_expression_uses_the_sparse_exponent(tmp_path, capsys):
    from sosrmt.graphs.jobs import norm_job

    r = norm_job(shape="Z", model="pbiased", n=20, p="n^-0.5", rng=np.random.default_rng(0))
    assert r["p_n"] == pytest.approx(20 ** -0.5) and r["kappa"] == 1.25
    x = sample_input("pbiased", 20, p=20 ** -0.5, rng=np.random.default_rng(0))
    assert r["norm"] == pytest.approx(np.linalg.norm(graph_matrix(named_shape("Z"), x), 2),
                                      rel=1e-6)
    plot = tmp_path / "z.png"
    assert main(["graphs", "norm", "--shape", "Z", "--model", "pbiased", "--p", "10/n",
                 "--n", "20", "30", "--trials", "2", "--json", "--plot", str(plot)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["kappa"] == 1.5 and plot.exists()
