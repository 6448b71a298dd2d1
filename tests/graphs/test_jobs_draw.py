import numpy as np
import pytest

from sosrmt.graphs import NAMED_SHAPES, Shape, graph_matrix, named_shape, sample_input
from sosrmt.graphs.draw import draw_shape, shape_layout
from sosrmt.graphs.jobs import norm_job, predicted_exponent


def test_norm_job_matches_dense_and_is_reproducible():
    r1 = norm_job(shape="Z", model="rademacher", n=12, rng=np.random.default_rng(3))
    r2 = norm_job(shape="Z", model="rademacher", n=12, rng=np.random.default_rng(3))
    assert r1 == {**r2, "seconds": r1["seconds"]}
    x = sample_input("rademacher", 12, rng=np.random.default_rng(3))
    dense = np.linalg.norm(graph_matrix(named_shape("Z"), x), 2)
    assert r1["norm"] == pytest.approx(dense, rel=1e-10)
    assert r1["kappa"] == 1.0 and r1["ratio"] == pytest.approx(dense / 12)
    assert all(isinstance(v, int | float) for v in r1.values())


def test_norm_job_typed_pbiased_compact():
    r = norm_job(shape="wishart", model="gaussian", n=10, rng=np.random.default_rng(0))
    assert (r["dim_row"], r["dim_col"], r["kappa"]) == (10, 10, 1.0)
    r = norm_job(shape="U=a; V=b; E=a-b", model="pbiased", n=30, p=0.2,
                 rng=np.random.default_rng(0))
    assert r["kappa"] == 0.5 and r["norm"] > 0
    with pytest.raises(TypeError, match="shape"):
        norm_job(shape=named_shape("Z"), model="rademacher", n=10, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n >= 4"):
        norm_job(shape="Z", model="rademacher", n=3, rng=np.random.default_rng(0))


def test_predicted_exponent_typed():
    assert predicted_exponent(named_shape("iso"), 10) == 1.5
    assert predicted_exponent(named_shape("wishart"), 100) == pytest.approx(1.0)


@pytest.mark.parametrize("name", sorted(NAMED_SHAPES))
def test_draw_every_named_shape(name, tmp_path):
    out = tmp_path / f"{name}.png"
    fig = draw_shape(named_shape(name), out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_layout_sides():
    s = named_shape("cherry")
    pos = shape_layout(s)
    assert pos[0][0] < pos[1][0] and pos[1][0] == pos[2][0]
    multi = Shape(3, (0,), (1,), [(0, 1), (0, 1), (1, 2)], labels=[2, 1, 3])
    import matplotlib.pyplot as plt

    plt.close(draw_shape(multi))
    with pytest.raises(TypeError):
        draw_shape("Z")


def test_summarize_norms_matches_hand_aggregation():
    from sosrmt.graphs.jobs import norm_params, summarize_norms

    rows = [{"status": "ok", "n": n, "norm": v}
            for n, v in [(8, 9.0), (8, 11.0), (16, 20.0), (16, 22.0)]]
    s = summarize_norms(rows, shape="Z", model="rademacher", trials=2, seed=0)
    assert [r["n"] for r in s.rows] == [8, 16] and s.kappa == 1.0
    assert s.rows[0]["mean"] == pytest.approx(10.0) and s.rows[0]["stderr"] == pytest.approx(1.0)
    assert s.rows[1]["ratio"] == pytest.approx(21.0 / 16)
    assert s.slope == pytest.approx(np.polyfit(np.log([8, 8, 16, 16]),
                                               np.log([9.0, 11.0, 20.0, 22.0]), 1)[0])
    assert "E||M||" in s.text() and s.to_dict()["rows"] == s.rows
    with pytest.raises(ValueError, match="failed"):
        summarize_norms([{"status": "error", "error": "boom", "n": 8, "norm": None}],
                        shape="Z", model="rademacher", trials=1)
    with pytest.raises(ValueError, match="p"):
        norm_params("Z", "pbiased", [8], trials=1)


def test_draw_leaves_pyplot_and_backend_alone(tmp_path):
    import matplotlib
    import matplotlib.pyplot as plt

    backend, before = matplotlib.get_backend(), plt.get_fignums()
    fig = draw_shape(named_shape("Z"), tmp_path / "z.png")
    assert matplotlib.get_backend() == backend and plt.get_fignums() == before
    assert fig.axes and (tmp_path / "z.png").exists()


def _brute_symmetric(shape):
    import itertools
    from collections import Counter

    target = Counter(zip(shape.edges, shape.labels, strict=True))
    for perm in itertools.permutations(range(shape.k)):
        if any(perm[u] != v for u, v in zip(shape.U, shape.V, strict=True)):
            continue
        if any(perm[v] != u for u, v in zip(shape.U, shape.V, strict=True)):
            continue
        mapped = Counter((tuple(sorted(perm[v] for v in e)), lab)
                         for e, lab in zip(shape.edges, shape.labels, strict=True))
        if mapped == target and all(shape.types[v] == shape.types[perm[v]]
                                    for v in range(shape.k)):
            return True
    return False


def test_transpose_symmetry_equals_brute_force():
    from sosrmt.graphs import enumerate_shapes

    shapes = [s for s in enumerate_shapes(4, 1, 1)] + list(enumerate_shapes(4, 2, 2))[:150]
    shapes += [named_shape(n) for n in NAMED_SHAPES]
    for s in shapes:
        want = len(s.U) == len(s.V) and _brute_symmetric(s)
        assert s.is_transpose_symmetric() == want, s
