"""Matrix-free degree-4 moment operators of dense subgraph (Boolean ring) and sparse PCA
(basis 1, x_a, x_a^2, x_a x_b): equal to the dense shape-form matrix entry by entry, and the
Lanczos report equal to the dense diagnostics."""

import numpy as np
import pytest

from sosrmt.calibration.boolean_operator import bernoulli_whitener
from sosrmt.calibration.matrix_free import operator_basis
from sosrmt.calibration.ternary_operator import ternary_moment_operator, ternary_whitener
from sosrmt.poly import exponents, monomial_basis
from sosrmt.problems import dense_subgraph as ds
from sosrmt.problems import sparse_pca as sp
from sosrmt.problems.dense_subgraph.matrix_free import (
    dense_subgraph_structured,
)
from sosrmt.problems.dense_subgraph.matrix_free import (
    estimate_matrix_free as ds_estimate,
)
from sosrmt.problems.dense_subgraph.matrix_free import (
    matrix_free_report as ds_report,
)
from sosrmt.problems.sparse_pca.matrix_free import (
    matrix_free_report as sp_report,
)
from sosrmt.problems.sparse_pca.matrix_free import (
    sparse_pca_structured,
)


def _full(op):
    return op.matmat(np.eye(op.shape[1]))


@pytest.mark.parametrize("n,planted", [(30, False), (9, True)])
def test_dense_subgraph_operator_equals_dense_matrix(n, planted):
    k = 6 if n == 30 else 3
    G = ds.sample_planted(n, k, 0.3, rng=4)[0] if planted else ds.sample_null(n, rng=4)
    sf = ds.dense_subgraph_shape_form(G, 0.3, tau=4, rho=k / n)
    keys = sf.basis(2)
    sets = [tuple(np.flatnonzero(r)) for r in exponents(keys, n, sf.ring)]
    pos = {s: i for i, s in enumerate(sets)}
    perm = [pos[s] for s in operator_basis(n)]
    dense = sf.moment_matrix(4)[np.ix_(perm, perm)]
    full = _full(dense_subgraph_structured(G, k, 0.3).operator())
    np.testing.assert_allclose(full, dense, rtol=0, atol=1e-12 * np.abs(dense).max())
    W = _full(bernoulli_whitener(n, k / n))
    lam0 = sf.prior_moment_matrix(4)[np.ix_(perm, perm)]
    np.testing.assert_allclose(W @ lam0 @ W.T, np.eye(len(perm)), atol=1e-9)


def test_dense_subgraph_report_equals_shape_report():
    G, _ = ds.sample_planted(12, 4, 0.35, rng=2)
    rep = ds_report(G, 4, 0.35)
    ref = ds.shape_report(G, 4, 0.35, tau=4)
    assert rep["lanczos_status"] == "converged"
    assert abs(rep["mu_min"] - ref.mu_min) <= rep["mu_min_residual"] + 1e-8
    assert rep["e1"] == pytest.approx(ref.e1, rel=1e-12)
    assert rep["residual"] == pytest.approx(ref.residual, rel=1e-9)
    assert rep["objective_ratio"] == pytest.approx(ref.objective_ratio, rel=1e-9)


def test_dense_subgraph_bad_input_and_estimate():
    G = ds.sample_null(8, rng=0)
    with pytest.raises(ValueError, match="tau = 4"):
        dense_subgraph_structured(G, 3, 0.2, tau=5)
    with pytest.raises(ValueError, match="Bernoulli"):
        ds_report(G, 3, 0.2, prior="exact")
    with pytest.raises(ValueError, match="estimated at"):
        ds_report(G, 3, 0.2, max_seconds=1e-9)
    seconds, nbytes = ds_estimate(300)
    assert 0 < seconds < 600 and nbytes < 8 * 2**30
    with pytest.raises(ValueError, match="GiB"):
        dense_subgraph_structured(ds.sample_null(2000, rng=0), 40, 0.1)


def _sparse_perm(d):
    keys = monomial_basis(d, 2, "general")
    exps = exponents(keys, d, "general").astype(int)
    pos = {tuple(e): i for i, e in enumerate(exps)}
    order = [np.zeros(d, int)]
    for a in range(d):
        e = np.zeros(d, int)
        e[a] = 1
        order.append(e)
    for a in range(d):
        e = np.zeros(d, int)
        e[a] = 2
        order.append(e)
    for a, b in zip(*np.triu_indices(d, 1), strict=True):
        e = np.zeros(d, int)
        e[a] = e[b] = 1
        order.append(e)
    return [pos[tuple(e)] for e in order]


@pytest.mark.parametrize("prior", ["exact", "bernoulli"])
def test_sparse_pca_operator_equals_dense_matrix(prior):
    m, d, k = 5, 9, 3
    V, _ = sp.sample_planted(m, d, k, 1.5, prior=prior, rng=5)
    sf = sp.sparse_pca_shape_form(V, k, 1.5, 4, prior=prior)
    perm = _sparse_perm(d)
    dense = sf.moment_matrix(4)[np.ix_(perm, perm)]
    mom = sparse_pca_structured(V, k, 1.5, 4, prior=prior)
    full = _full(ternary_moment_operator(mom))
    np.testing.assert_allclose(full, dense, rtol=0, atol=1e-12 * np.abs(dense).max())
    lam0 = sf.prior_moment_matrix(4)[np.ix_(perm, perm)]
    f1 = k / d
    f2 = (k / d) ** 2 if prior == "bernoulli" else k * (k - 1) / (d * (d - 1))
    W = _full(ternary_whitener(d, f1 / k, f1 / k**2, f2 / k**2))
    np.testing.assert_allclose(W @ lam0 @ W.T, np.eye(W.shape[0]), atol=1e-9)


def test_sparse_pca_report_equals_shape_report():
    V, _ = sp.sample_planted(6, 8, 3, 1.0, prior="exact", rng=1)
    rep = sp_report(V, 3, 1.0)
    ref = sp.shape_report(V, 3, 1.0)
    assert rep["lanczos_status"] == "converged"
    assert abs(rep["mu_min"] - ref.mu_min) <= rep["mu_min_residual"] + 1e-8
    assert rep["e1"] == pytest.approx(ref.e1, rel=1e-12)
    assert rep["residual"] == pytest.approx(ref.residuals["sphere"], abs=1e-9)
    assert rep["objective_ratio"] == pytest.approx(ref.objective_ratio, rel=1e-9)
    with pytest.raises(ValueError, match="k >= 2"):
        sp_report(V, 1, 1.0)


@pytest.mark.parametrize("mod,kw", [(ds, {"ratio": 0.2}), (sp, {"ratio": 0.3, "k": 3})],
                         ids=["dense-subgraph", "sparse-pca"])
def test_lowerbound_cell_matrix_free_equals_shape_cell(mod, kw):
    a = mod.lowerbound_cell(rng=5, n=10, form="shape", **kw)
    b = mod.lowerbound_cell(rng=5, n=10, form="matrix-free", **kw)
    assert b["form_used"] == "matrix-free" and b["lanczos_status"] == "converged"
    assert abs(a["mu_min"] - b["mu_min"]) <= b["mu_min_residual"] + 1e-8
    assert abs(a["planted_mu_min"] - b["planted_mu_min"]) <= b["planted_mu_min_residual"] + 1e-8
    assert a["e1"] == pytest.approx(b["e1"], rel=1e-10)
    assert a["objective_ratio"] == pytest.approx(b["objective_ratio"], rel=1e-8)


def test_cells_refuse_up_front_with_the_estimate():
    import time

    from sosrmt.problems import tensor_pca as tp

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"estimated at \d+ s and .* GiB"):
        tp.lowerbound_cell(rng=0, n=40, ratio=0.2, trunc=2, form="signed")
    with pytest.raises(ValueError, match="memory limit"):
        ds.lowerbound_cell(rng=0, n=300, ratio=0.1, form="shape")
    with pytest.raises(ValueError, match="max_seconds"):
        sp.lowerbound_cell(rng=0, n=300, ratio=0.5, k=None, form="matrix-free",
                           max_seconds=1.0)
    assert time.perf_counter() - t0 < 5          # refused before any work
    with pytest.raises(ValueError, match="Bernoulli"):
        ds.lowerbound_cell(rng=0, n=10, ratio=0.2, form="matrix-free", prior="exact")


def test_sparse_cell_default_k_for_matrix_free():
    row = sp.lowerbound_cell(rng=1, n=9, ratio=0.5, k=None, form="matrix-free")
    assert row["k_used"] == 3 and row["m"] == 5


def test_cli_matrix_free_for_every_problem(capsys):
    import json

    from sosrmt.cli import main

    for problem in ("dense-subgraph", "sparse-pca"):
        assert main(["lowerbound", problem, "--n", "9", "--ratio", "0.2", "--form",
                     "matrix-free", "--json"]) == 0
        row = json.loads(capsys.readouterr().out)["rows"][0]
        assert np.isfinite(row["mu_min"]) and row["mu_min_residual"] < 1e-6
        assert "planted_mu_min" in row and "objective_ratio" in row
    assert main(["lowerbound", "dense-subgraph", "--form", "matrix-free", "--trunc", "5"]) == 2
    assert "--trunc 4" in capsys.readouterr().err
    assert main(["lowerbound", "tensor-pca", "--n", "40", "--form", "signed"]) == 1
    assert "estimated at" in capsys.readouterr().out


def test_psd_boundary_and_prediction():
    from sosrmt.calibration.phase import anchored_prediction, psd_boundary

    est, lo, hi = psd_boundary([0.3, 0.1, 0.2], [-1.0, 1.0, 0.5])
    assert (lo, hi) == (0.2, 0.3) and lo < est < hi
    assert np.isnan(psd_boundary([0.1, 0.2], [1.0, 0.5])[0])
    assert np.isnan(psd_boundary([0.1, 0.2], [-1.0, -0.5])[0])
    pred = anchored_prediction("tensor-pca", [50, 300], 50, 0.2)
    assert pred[0] == pytest.approx(0.2) and pred[1] < pred[0]
