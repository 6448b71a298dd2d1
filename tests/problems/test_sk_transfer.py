"""PAP-to-SK transfer: exact identities of the reduction."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from sosrmt.problems import sk
from sosrmt.problems import sk_transfer as skt
from sosrmt.problems.planted_affine_planes import pap_measure


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def test_pap_inputs_are_scaled_top_eigenvectors():
    W = sk.sk_instance(10, seed=0)
    D, lam_p = skt.pap_inputs(W, 4, rng=1)
    np.testing.assert_allclose(D.T @ D, 10 * np.eye(4), atol=1e-10)
    evals = np.linalg.eigvalsh(W)
    assert lam_p == pytest.approx(evals[-4])
    # the columns of D span the top-4 eigenspace: D^T W D = N * O^T diag(top) O
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(D.T @ W @ D / 10)), evals[-4:],
                               rtol=1e-10)


def test_prior_transfer_gives_the_mean_top_eigenvalue():
    # trunc < 4: the PAP measure is the prior, E~[v v^T] = I/p (exact identity)
    W = sk.sk_instance(14, seed=2)
    res = skt.transfer(W, 5, 2, rng=3)
    assert res.value == pytest.approx(14 * np.linalg.eigvalsh(W)[-5:].mean(), rel=1e-10)
    assert res.vv_min_eigenvalue == pytest.approx(0.2)
    assert res.gap >= 0


@pytest.mark.parametrize("trunc", [4, 6, 8])
def test_gap_identity_and_sign(trunc):
    # gap = tr(D^T (W - lambda_p I) D  E~[v v^T]) / E~[1], which is >= 0 when E~[vv^T] >= 0
    W = sk.sk_instance(16, seed=trunc)
    res = skt.transfer(W, 5, trunc, rng=0)
    mu = res.measure
    vv = mu.gram(mu.basis(1))[1:, 1:] / mu.e1
    Q = res.D.T @ (W - res.lambda_p * np.eye(16)) @ res.D
    assert res.gap == pytest.approx(np.trace(Q @ vv), rel=1e-9, abs=1e-9)
    assert np.linalg.eigvalsh(Q)[0] > -1e-9
    if res.vv_min_eigenvalue >= 0:
        assert res.gap >= -1e-9
        assert res.value >= res.lambda_p * 16 - 1e-9


def test_edge_prediction_and_bad_input():
    assert skt.edge_prediction(10, 10) == pytest.approx(2 - (3 * np.pi / 2) ** (2 / 3))
    W = sk.sk_instance(6, seed=0)
    with pytest.raises(ValueError, match="p"):
        skt.pap_inputs(W, 7)
    with pytest.raises(ValueError, match="symmetric"):
        skt.transfer(np.triu(np.ones((4, 4))), 2)


# ---------------------------------------------------------------- at scale (shape form)
def _dense_sk_moments(D, trunc):
    """SK degree-4 moment matrix E~[x^S x^T] (x = Dv, no reduction of x_u^2) and the signed
    measure, by enumeration of the 2^p points."""
    mu = pap_measure(D, trunc)
    X = mu.prior.points @ D.T                                # x at every support point
    N = D.shape[0]
    iu, ju = np.triu_indices(N, 1)
    Phi = np.hstack([np.ones((X.shape[0], 1)), X, X[:, iu] * X[:, ju]])
    return mu, Phi.T @ (mu.weights[:, None] * Phi)


@pytest.mark.parametrize(("N", "p", "trunc"), [(14, 4, 6), (30, 5, 4), (30, 6, 7)])
def test_sk_operator_equals_dense_matrix(N, p, trunc):
    W = sk.sk_instance(N, seed=N + p)
    res = skt.transfer_at_scale(W, p, trunc, rng=1, sk_lanczos=False)
    mu, M = _dense_sk_moments(res.D, trunc)
    op = skt.sk_moment_operator(res.moments, res.D)
    assert op.shape == M.shape
    gen = np.random.default_rng(0)
    V = gen.standard_normal((M.shape[0], 3))
    for k in range(3):
        np.testing.assert_allclose(op.matvec(V[:, k]), M @ V[:, k],
                                   atol=1e-9 * np.abs(M).max())
    # value, constraint residuals and E~[vv^T] against the signed measure
    X = mu.prior.points @ res.D.T
    e1 = mu.e1
    assert res.row["e1"] == pytest.approx(e1, rel=1e-12)
    assert res.row["value"] == pytest.approx(mu.weights @ np.einsum("ri,ij,rj->r", X, W, X)
                                             / e1, rel=1e-10)
    assert res.row["residual"] == pytest.approx(
        np.max(np.abs(mu.weights @ (X**2 - 1.0))) / abs(e1), rel=1e-9)


def test_quadratic_residuals_and_sk_eigenvalue_against_dense():
    N, p, trunc = 16, 4, 6
    W = sk.sk_instance(N, seed=5)
    res = skt.transfer_at_scale(W, p, trunc, rng=2, residual_circles=N, tol=1e-10)
    mu, M = _dense_sk_moments(res.D, trunc)
    X = mu.prior.points @ res.D.T
    e1 = mu.e1
    worst = 0.0
    for u in range(N):
        R = np.einsum("r,ra,rb->ab", mu.weights * (X[:, u] ** 2 - 1.0), X, X)
        np.fill_diagonal(R, 0.0)
        worst = max(worst, np.abs(R).max())
    assert res.row["residual_quad"] == pytest.approx(worst / abs(e1), rel=1e-9)
    assert res.row["residual_quad_circles"] == N
    lam = np.linalg.eigvalsh(M)[0] / e1
    assert res.row["sk_mu_min"] == pytest.approx(lam, abs=1e-7 * np.abs(M).max() / abs(e1))
    # the PAP matrix decides the sign of the SK one (T is onto)
    if res.row["mu_min"] < -1e-9:
        assert lam < 0
    else:
        assert lam > -1e-9 * np.abs(M).max()


def test_prior_truncation_gives_the_mean_top_eigenvalue():
    W = sk.sk_instance(40, seed=3)
    res = skt.transfer_at_scale(W, 7, 2, rng=0, sk_lanczos=False)
    assert res.row["value"] == pytest.approx(40 * np.linalg.eigvalsh(W)[-7:].mean(), rel=1e-10)
    assert res.row["mu_min"] == pytest.approx(1.0)
    assert res.psd is True
    assert res.row["gap"] >= 0


def test_choose_p_and_resources():
    assert [skt.choose_p(N) for N in (200, 2000)] == [45, 233]
    assert skt.choose_p(1000, 0.0) == 100
    with pytest.raises(ValueError, match="eps"):
        skt.choose_p(100, 0.5)
    r = skt.transfer_resources(2000, 232)
    assert r["sk_dimension"] == 1 + 2000 + 2000 * 1999 // 2
    assert r["memory_bytes"] > skt.transfer_resources(2000, 232, sk_lanczos=False)[
        "memory_bytes"]


def test_transfer_at_scale_bad_input():
    W = sk.sk_instance(12, seed=0)
    with pytest.raises(ValueError, match="too small"):
        skt.transfer_at_scale(W, 12)
    with pytest.raises(ValueError, match="too small"):
        skt.transfer_scale_cell(rng=0, N=10, p=10)
    with pytest.raises(ValueError, match="trunc"):
        skt.transfer_at_scale(W, 4, 8)
    with pytest.raises(ValueError, match="symmetric"):
        skt.transfer_at_scale(np.triu(np.ones((12, 12))), 4)
    bad = W.copy()
    bad[0, 1] = bad[1, 0] = np.inf
    with pytest.raises(ValueError, match="finite"):
        skt.transfer_at_scale(bad, 4)
    # refused from the estimate, before the instance is drawn
    with pytest.raises(ValueError, match="GiB"):
        skt.transfer_scale_cell(rng=0, N=30000)


def test_scale_cell_fits_and_plot():
    rows = [dict(skt.transfer_scale_cell(rng=s, N=N, trunc=4, p=5, residual_circles=4), N=N)
            for N in (20, 30, 40) for s in (0,)]
    assert all(isinstance(r["psd"], bool) for r in rows)
    fits = skt.scaling_fits(rows)
    assert set(fits) == {"value_scaled", "mu_min", "residual", "residual_quad",
                         "residual_quad_op", "ml_mu_min"}
    assert fits["value_scaled"].n_points == 3
    rows[0]["psd"] = False                   # a non-PSD point is drawn as such
    fig = skt.plot_transfer_scaling(rows)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any("NOT PSD" in lab for lab in labels)


# ---------------------------------------------------------------- constraints imposed exactly
def _dense_multilinear(D, trunc):
    """M_ml[S, T] = E~[x^(S sym-diff T)] over sets, by enumeration of the 2^p points."""
    mu = pap_measure(D, trunc)
    X = mu.prior.points @ D.T
    N = D.shape[0]
    basis = [(), *((u,) for u in range(N)),
             *((int(a), int(b)) for a, b in zip(*np.triu_indices(N, 1), strict=True))]
    M = np.empty((len(basis), len(basis)))
    for i, S in enumerate(basis):
        for j, T in enumerate(basis):
            idx = sorted(set(S) ^ set(T))
            M[i, j] = mu.weights @ np.prod(X[:, idx], axis=1)
    return mu, M


@pytest.mark.parametrize(("N", "p", "trunc", "basis"),
                         [(9, 4, 6, "frame"), (10, 5, 4, "gaussian"), (8, 6, 7, "frame")])
def test_multilinear_operator_equals_dense_reduction(N, p, trunc, basis):
    W = sk.sk_instance(N, seed=N + p)
    res = skt.transfer_at_scale(W, p, trunc, rng=2, sk_lanczos=False, basis=basis)
    mu, M = _dense_multilinear(res.D, trunc)
    op = skt.multilinear_operator(res.moments, res.D)
    got = np.column_stack([op.matvec(col) for col in np.eye(M.shape[0])])
    np.testing.assert_allclose(got, M, atol=1e-9 * np.abs(M).max())
    out = skt.exact_constraint_point(res.moments, res.D, W, tol=1e-10)
    lam = np.linalg.eigvalsh(M)[0] / mu.e1
    assert out["ml_mu_min"] == pytest.approx(lam, abs=1e-6)
    # the mixture with the uniform measure is PSD and keeps the constraints exact
    t = out["mix_weight"]
    mixed = (1 - t) * M / mu.e1 + t * np.eye(M.shape[0])
    assert np.linalg.eigvalsh(mixed)[0] > -1e-8
    assert out["value_mixed"] == pytest.approx((1 - t) * res.row["value"], rel=1e-12)
    # the multilinear value is the transferred one (W has zero diagonal)
    assert out["value_ml"] == pytest.approx(res.row["value"], rel=1e-10)


def test_gaussian_basis_rows_and_span():
    W = sk.sk_instance(40, seed=3)
    res = skt.transfer_at_scale(W, 6, 4, rng=0, sk_lanczos=False, basis="gaussian")
    U = np.linalg.eigh(W)[1][:, -6:]
    np.testing.assert_allclose(U @ (U.T @ res.D), res.D, atol=1e-10)   # same span
    assert not np.allclose(res.D.T @ res.D, 40 * np.eye(6))           # not a frame
    row = res.as_dict()
    assert row["basis"] == "gaussian"
    if row["vv_min_eigenvalue"] >= 0:        # x in the top eigenspace: the floor holds
        assert row["gap"] >= -1e-9 * abs(row["value"])
    with pytest.raises(ValueError, match="basis"):
        skt.transfer_at_scale(W, 6, 4, basis="qr")


def test_constraint_square_witness_is_the_rayleigh_quotient():
    W = sk.sk_instance(12, seed=5)
    res = skt.transfer_at_scale(W, 5, 6, rng=1, sk_lanczos=False, residual_circles=12)
    mu = pap_measure(res.D, 6)
    X = mu.prior.points @ res.D.T
    g = X**2 - 1.0                                           # x_u^2 - 1 at every point
    ratio = (mu.weights @ g**2) / (mu.prior.probs @ g**2) / mu.e1
    assert res.row["residual_square_min"] == pytest.approx(ratio.min(), rel=1e-8)
    # operator norm of E~[(x_u^2 - 1) x x^T], the largest over u
    ops = [np.abs(np.linalg.eigvalsh((X.T * (mu.weights * g[:, u])) @ X)).max()
           for u in range(12)]
    assert res.row["residual_quad_op"] == pytest.approx(max(ops) / abs(mu.e1), rel=1e-8)
    assert res.row["psd"] is False or res.row["residual_square_min"] >= -1e-9


def test_signed_exact_constraint_point_matches_the_factored_one():
    # same instance and inputs: the enumerated route (any D) equals the factored one (D <= 7)
    W = sk.sk_instance(11, seed=4)
    dense = skt.signed_exact_constraint_point(W, 5, 6, rng=3)
    res = skt.transfer_at_scale(W, 5, 6, rng=3, sk_lanczos=False, residual_circles=11)
    fact = skt.exact_constraint_point(res.moments, res.D, W, tol=1e-10)
    assert dense["ml_mu_min"] == pytest.approx(fact["ml_mu_min"], abs=1e-6)
    assert dense["value_mixed_scaled"] == pytest.approx(fact["value_mixed_scaled"], rel=1e-6)
    for key in ("mu_min", "residual", "residual_quad_op", "value_scaled"):
        assert dense[key] == pytest.approx(res.row[key], rel=1e-6, abs=1e-9), key
    two_circles = skt.signed_exact_constraint_point(W, 5, 8, rng=3)
    assert two_circles["e1"] != pytest.approx(dense["e1"])       # D = 8 adds shapes
    with pytest.raises(ValueError, match="p"):
        skt.signed_exact_constraint_point(W, 17, 8)


def test_exact_constraint_bad_input():
    W = sk.sk_instance(12, seed=0)
    res = skt.transfer_at_scale(W, 4, 4, rng=0, sk_lanczos=False, residual_circles=2)
    with pytest.raises(ValueError, match="diagonal"):
        skt.exact_constraint_point(res.moments, res.D, W + np.eye(12))
    with pytest.raises(ValueError, match="rows"):
        skt.exact_constraint_point(res.moments, res.D[:10], W)
    with pytest.raises(ValueError, match="columns"):
        skt.multilinear_operator(res.moments, res.D[:, :3])
    with pytest.raises(ValueError, match="basis"):
        skt.pap_basis(np.eye(5)[:, :2], "qr")
