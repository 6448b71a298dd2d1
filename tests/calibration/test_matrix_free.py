"""Matrix-free degree-4 moment operator: equal to the dense shape-form matrix entry by entry
(n <= 30), Lanczos mu_min with its residual bound, non-convergence as a status."""

import numpy as np
import pytest

from sosrmt.calibration.matrix_free import (
    lanczos_min_eigenvalue,
    moment_operator,
    operator_basis,
)
from sosrmt.calibration.signed_measure import relative_min_eigenvalue
from sosrmt.poly import exponents
from sosrmt.problems import dense_subgraph as ds
from sosrmt.problems import planted_affine_planes as pap
from sosrmt.problems import tensor_pca as tp


def _dense_in_operator_order(sf):
    keys = sf.basis(2)
    sets = [tuple(np.flatnonzero(r)) for r in exponents(keys, sf.n, sf.ring)]
    pos = {s: i for i, s in enumerate(sets)}
    perm = [pos[s] for s in operator_basis(sf.n)]
    return sf.moment_matrix(4)[np.ix_(perm, perm)]


@pytest.mark.parametrize("make", [
    lambda: tp.tensor_pca_shape_form(tp.sample_null(30, 3, rng=1), 0.8, 2),
    lambda: tp.tensor_pca_shape_form(tp.sample_planted(9, 3, 2.0, rng=2)[0], 2.0, 3),
    lambda: pap.pap_shape_form(pap.sample_null(12, 7, rng=3), 8),
], ids=["tensor-n30", "tensor-planted", "pap"])
def test_operator_equals_dense_matrix_entry_by_entry(make):
    sf = make()
    op = moment_operator(sf)
    dense = _dense_in_operator_order(sf)
    full = op.matmat(np.eye(op.shape[0]))
    scale = np.abs(dense).max()
    np.testing.assert_allclose(full, dense, rtol=0, atol=1e-12 * scale)
    res = lanczos_min_eigenvalue(sf)
    want = relative_min_eigenvalue(sf.moment_matrix(4), sf.prior_moment_matrix(4),
                                   scale=sf.e1)
    assert res.status == "converged"
    # the residual bounds the distance to the spectrum; allow rounding on top of it
    assert abs(res.mu_min - want) <= res.residual + 1e-8 * max(1.0, abs(want))


def test_non_convergence_is_a_status_with_its_residual():
    sf = tp.tensor_pca_shape_form(tp.sample_null(12, 3, rng=0), 0.8, 2)
    res = lanczos_min_eigenvalue(sf, maxiter=1, tol=1e-14)
    assert res.status == "not_converged"
    assert np.isfinite(res.mu_min) and np.isfinite(res.residual) and res.residual > 1e-6
    good = lanczos_min_eigenvalue(sf)
    assert good.status == "converged" and good.mu_min <= res.mu_min + res.residual


def test_bad_input():
    G = ds.sample_null(6, rng=0)
    sf = ds.dense_subgraph_shape_form(G, 0.2, tau=4, rho=0.5)
    with pytest.raises(ValueError, match="hypercube"):
        moment_operator(sf)
    with pytest.raises(TypeError, match="ShapeForm"):
        moment_operator(np.eye(3))
    low = tp.tensor_pca_shape_form(tp.sample_null(5, 3, rng=0), 0.5, 2, degree=2)
    with pytest.raises(ValueError, match="degree 4"):
        moment_operator(low)


@pytest.mark.parametrize("n,trunc", [(9, 3), (20, 2)])
def test_structured_operator_never_forms_y3_y4_and_equals_dense(n, trunc):
    from sosrmt.calibration.matrix_free import structured_operator

    A = tp.sample_null(n, 3, rng=7)
    sm = tp.tensor_pca_structured(A, 0.6 * n ** 0.75, trunc)
    sf = tp.tensor_pca_shape_form(A, 0.6 * n ** 0.75, trunc)
    op = structured_operator(sm)
    full = op.matmat(np.eye(op.shape[0]))
    dense = _dense_in_operator_order(sf)
    np.testing.assert_allclose(full, dense, rtol=0, atol=1e-12 * np.abs(dense).max())
    rep = tp.matrix_free_report(A, 0.6 * n ** 0.75, trunc)
    ref = tp.shape_report(A, 0.6 * n ** 0.75, trunc)
    assert rep["lanczos_status"] == "converged"
    assert abs(rep["mu_min"] - ref.mu_min) <= rep["mu_min_residual"] + 1e-8 * abs(ref.mu_min)
    assert rep["objective_ratio"] == pytest.approx(ref.objective_ratio, rel=1e-9)
    assert rep["e1"] == pytest.approx(ref.e1, rel=1e-12)


def test_lowerbound_cell_matrix_free_form():
    a = tp.lowerbound_cell(rng=3, n=10, ratio=0.3, trunc=2, form="shape")
    b = tp.lowerbound_cell(rng=3, n=10, ratio=0.3, trunc=2, form="matrix-free")
    assert b["form_used"] == "matrix-free" and b["lanczos_status"] == "converged"
    assert abs(a["mu_min"] - b["mu_min"]) <= b["mu_min_residual"] + 1e-8
    assert a["planted_mu_min"] == pytest.approx(b["planted_mu_min"], rel=1e-6, abs=1e-8)
    with pytest.raises(ValueError, match="degree"):
        tp.lowerbound_cell(rng=3, n=10, ratio=0.3, trunc=2, form="matrix-free", degree=6)


def test_cli_matrix_free(capsys):
    import json

    from sosrmt.cli import main

    assert main(["lowerbound", "tensor-pca", "--n", "8", "--ratio", "0.3", "--trunc", "2",
                 "--form", "matrix-free", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert np.isfinite(row["mu_min"]) and row["mu_min_residual"] < 1e-6
    assert main(["lowerbound", "pap", "--form", "matrix-free", "--json"]) == 2
    assert "matrix-free" in capsys.readouterr().err


def test_time_estimate_refuses_up_front():
    A = tp.sample_null(12, 3, rng=0)
    rep = tp.matrix_free_report(A, 0.5, 2)
    assert rep["estimated_seconds"] > 0
    with pytest.raises(ValueError, match="estimated at"):
        tp.matrix_free_report(A, 0.5, 2, max_seconds=rep["estimated_seconds"] / 10)
