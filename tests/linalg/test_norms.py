import numpy as np
import pytest
from scipy.sparse.linalg import aslinearoperator

from sosrmt.linalg import NormResult, spectral_norm


def test_dense_exact_and_residual():
    A = np.array([[3.0, 0.0], [4.0, 0.0]])
    r = spectral_norm(A)
    assert isinstance(r, NormResult) and r.method == "dense" and r.matvecs == 0
    assert r.value == pytest.approx(5.0, abs=1e-14) and r.residual < 1e-13
    assert r.relative_residual < 1e-13


def test_svds_matches_dense_on_random_rectangular():
    A = np.random.default_rng(0).standard_normal((120, 80))
    exact = np.linalg.norm(A, 2)
    r = spectral_norm(aslinearoperator(A), method="svds", rng=1, tol=1e-10)
    assert r.method == "svds" and r.matvecs > 0
    assert r.value == pytest.approx(exact, rel=1e-9) and r.relative_residual < 1e-6
    r2 = spectral_norm(aslinearoperator(A), method="svds", rng=1, tol=1e-10)
    assert r2.value == r.value and r2.matvecs == r.matvecs  # reproducible with rng


@pytest.mark.parametrize("shape", [(120, 80), (80, 120)])
def test_normal_path_matches_dense(shape):
    A = np.random.default_rng(0).standard_normal(shape)
    r = spectral_norm(aslinearoperator(A), method="normal", rng=1, tol=1e-10)
    assert r.method == "normal" and r.matvecs > 0
    assert r.value == pytest.approx(np.linalg.norm(A, 2), rel=1e-9)
    assert r.relative_residual < 1e-4
    assert r.u.shape == (shape[0],) and r.v.shape == (shape[1],)


def test_hermitian_path():
    B = np.random.default_rng(3).standard_normal((60, 60))
    A = B + B.T
    A[0, 0] = -40.0  # largest |eigenvalue| is negative
    r = spectral_norm(aslinearoperator(A), method="normal", hermitian=True, rng=0, tol=1e-10)
    assert r.method == "hermitian"
    assert r.value == pytest.approx(np.linalg.norm(A, 2), rel=1e-9) and r.residual < 1e-3
    with pytest.raises(ValueError, match="square"):
        spectral_norm(aslinearoperator(np.ones((5, 4))), method="normal", hermitian=True)


def test_operator_dense_path_forms_matrix():
    A = np.random.default_rng(2).standard_normal((30, 7))
    r = spectral_norm(aslinearoperator(A))
    assert r.method == "dense" and r.value == pytest.approx(np.linalg.norm(A, 2), rel=1e-12)
    assert spectral_norm(aslinearoperator(A.T)).value == pytest.approx(r.value, rel=1e-12)


def test_zero_matrix():
    r = spectral_norm(np.zeros((3, 3)))
    assert r.value == 0 and r.relative_residual == 0


@pytest.mark.parametrize("A, kw, exc, match", [
    (np.ones((2, 2)), {"method": "power"}, ValueError, "method"),
    (np.ones((2, 2)), {"tol": -1}, ValueError, "tol"),
    (np.ones(3), {}, ValueError, "2-dimensional"),
    (np.array([[np.nan]]), {}, ValueError, "NaN"),
    (np.ones((0, 3)), {}, ValueError, "non-empty"),
    (np.ones((2, 2)), {"method": "svds"}, ValueError, "dense"),
    (np.ones((2, 2)), {"method": "normal"}, ValueError, "dense"),
    ("A", {}, TypeError, "numeric"),
])
def test_bad_input(A, kw, exc, match):
    with pytest.raises(exc, match=match):
        spectral_norm(A, **kw)
