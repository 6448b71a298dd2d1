"""PAP-to-SK transfer: exact identities of the reduction."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from sosrmt.problems import sk
from sosrmt.problems import sk_transfer as skt


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
