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
