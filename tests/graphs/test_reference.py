"""Reference values of known limits (ordered convention; rademacher unless stated).

Intervals come from the known limits (semicircle, Bai–Yin, Fuss–Catalan) widened by the
finite-size deviations measured with an independent dense prototype.
"""

import math

import numpy as np
import pytest

from sosrmt.graphs import Shape, graph_matrix, graph_operator, named_shape, sample_input
from sosrmt.graphs.tensor import sample_tensor, tensor_network_matrix, tensor_network_operator
from sosrmt.linalg import spectral_norm


def _mean_norm(shape, model, n, trials, seed, **kw):
    vals = []
    rng = np.random.default_rng(seed)
    for _ in range(trials):
        x = sample_input(model, n, rng=rng, shape=shape, **kw)
        op = graph_operator(shape, x)
        vals.append(spectral_norm(op, rng=0, hermitian=shape.is_transpose_symmetric(),
                                  method="normal").value)
    return float(np.mean(vals))


def test_row1_wigner_rademacher():
    # ||G|| / sqrt(n) -> 2; tolerance [1.93, 2.02] at n = 400, mean of 3
    r = _mean_norm(named_shape("wigner"), "rademacher", 400, 3, 1) / 20
    assert 1.93 <= r <= 2.02


@pytest.mark.parametrize("label", [1, 2])
def test_row2_wigner_gaussian_hermite(label):
    # universality; tolerance [1.92, 2.03] at n = 400, mean of 3
    shape = Shape(2, (0,), (1,), [(0, 1)], labels=[label])
    r = _mean_norm(shape, "gaussian", 400, 3, 2) / 20
    assert 1.92 <= r <= 2.03


@pytest.mark.slow
def test_row3_wigner_pbiased():
    # np = 160 >> log n: ||M|| / sqrt(n) -> 2; tolerance [1.93, 2.05] at n = 1600, p = 0.1
    r = _mean_norm(named_shape("wigner"), "pbiased", 1600, 1, 3, p=0.1) / 40
    assert 1.93 <= r <= 2.05


def test_row4_path2():
    # G^2 - (n-1) I: ||M|| / n -> 3; tolerance [2.85, 3.02] at n = 800, mean of 2
    r = _mean_norm(named_shape("path2"), "rademacher", 800, 2, 4) / 800
    assert 2.85 <= r <= 3.02


def test_row5_cherry():
    # ||M|| / n ~ 1 + sqrt(2/n); tolerance [1.05, 1.14] at n = 200, one sample
    r = _mean_norm(named_shape("cherry"), "rademacher", 200, 1, 5) / 200
    assert 1.05 <= r <= 1.14


def test_row6_Z_edge():
    # CP20: ||Z|| / n -> 3 sqrt(3) / 2; tolerance [2.45, 2.85] at n = 100, mean of 2
    r = _mean_norm(named_shape("Z"), "rademacher", 100, 2, 6) / 100
    assert 2.45 <= r <= 2.85
    assert abs(3 * math.sqrt(3) / 2 - 2.598) < 1e-3


@pytest.mark.slow
def test_row6b_Z_moments():
    # Fuss–Catalan moments 1, 3, 12 of ZZ^T / n^2; tolerance +-5% at n = 40 (2 samples)
    n, ratios = 40, []
    for seed in range(2):
        Z = graph_matrix(named_shape("Z"), sample_input("rademacher", n, rng=seed))
        ev = np.linalg.eigvalsh(Z @ Z.T / n**2)
        m = [ev.sum() / n**2, (ev**2).sum() / n**2, (ev**3).sum() / n**2]
        ratios.append((m[1] / m[0] ** 2, m[2] / m[0] ** 3))
    r2, r3 = np.mean(ratios, axis=0)
    assert abs(r2 / 3 - 1) <= 0.05 and abs(r3 / 12 - 1) <= 0.05


def test_row7_iso_exact():
    x = sample_input("rademacher", 60, rng=7)
    op = graph_operator(named_shape("iso"), x)
    r = spectral_norm(op, rng=0, method="normal", hermitian=True, tol=1e-12)
    assert r.value == pytest.approx(58 * np.linalg.norm(x.G, 2), rel=1e-10)


def test_row8_degdiag():
    # ||diag(G 1)|| / sqrt(2 n ln n) -> 1 slowly; tolerance [0.75, 1.05], n = 1600, 3 samples
    n = 1600
    rng = np.random.default_rng(8)
    vals = []
    for _ in range(3):
        x = sample_input("rademacher", n, rng=rng)
        op = graph_operator(named_shape("degdiag"), x)
        d = op @ np.ones(n)  # diagonal operator: its diagonal is op applied to ones
        vals.append(np.abs(d).max())
        assert np.allclose(d, x.G.sum(1))
    assert 0.75 <= np.mean(vals) / math.sqrt(2 * n * math.log(n)) <= 1.05


@pytest.mark.parametrize("name", ["JminusI", "nI"])
def test_row9_exact_n_minus_1(name):
    x = sample_input("rademacher", 50, rng=0)
    r = spectral_norm(graph_operator(named_shape(name), x), method="normal", hermitian=True,
                      rng=0, tol=1e-12)
    assert r.value == pytest.approx(49.0, rel=1e-10)
    assert spectral_norm(graph_matrix(named_shape(name), x)).value == pytest.approx(49.0)


def test_row10_wishart():
    # Bai–Yin: ||X X^T - m I|| / (2 sqrt(nm) + n) -> 1; tolerance [0.93, 1.02], (400, 1600)
    n, m = 400, 1600
    w = named_shape("wishart")
    x = sample_input("rademacher", {"n": n, "m": m}, rng=10, shape=w)
    r = spectral_norm(graph_operator(w, x), method="normal", hermitian=True, rng=0)
    X = x.tensor(("m", "n")).T
    assert r.value == pytest.approx(np.linalg.norm(X @ X.T - m * np.eye(n), 2), rel=1e-8)
    assert 0.93 <= r.value / (2 * math.sqrt(n * m) + n) <= 1.02


def test_row11_tensor_network():
    # HSSS: norm / n^{3/2} = Theta(1); tolerance [1.8, 2.5] for 8 <= n <= 24 (Gaussian)
    rng = np.random.default_rng(11)
    for n in (8, 16, 24):
        T = sample_tensor(n, rng=rng)
        dense = np.linalg.norm(tensor_network_matrix(T), 2)
        r = spectral_norm(tensor_network_operator(T), method="normal", rng=0, tol=1e-10)
        assert r.value == pytest.approx(dense, rel=1e-8)
        assert 1.8 <= dense / n**1.5 <= 2.5
    # the injective (hypergraph-shape) part at n = 24 has the same scale (2.06-2.1 measured)
    shape = named_shape("tensor_hsss")
    r = _mean_norm(shape, "gaussian", 24, 1, 12) / 24**1.5
    assert 1.8 <= r <= 2.5
