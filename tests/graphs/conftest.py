"""Shared oracles for the graph-matrix tests."""

from __future__ import annotations

import itertools

import numpy as np
import pytest


def brute_graph_matrix(shape, inputs) -> np.ndarray:
    """Spec (2.1) by enumerating every injective map sigma (per type); tiny n only."""
    sizes = {t: inputs.sizes[t] for t in set(shape.types)}
    by_type = {t: [v for v in range(shape.k) if shape.types[v] == t] for t in sizes}
    rows = [sizes[shape.types[u]] for u in shape.U]
    cols = [sizes[shape.types[v]] for v in shape.V]
    M = np.zeros((int(np.prod(rows)), int(np.prod(cols))))
    per_type = [list(itertools.permutations(range(sizes[t]), len(by_type[t]))) for t in sizes]
    for combo in itertools.product(*per_type):
        sigma = {}
        for t, images in zip(sizes, combo, strict=True):
            sigma.update(zip(by_type[t], images, strict=True))
        val = 1.0
        for e, lab in zip(shape.edges, shape.labels, strict=True):
            verts = sorted(e, key=lambda v: (shape.types[v], v))
            chi = inputs.character(lab, shape.edge_signature(e))
            val *= chi[tuple(sigma[v] for v in verts)]
        i = np.ravel_multi_index([sigma[u] for u in shape.U], rows) if rows else 0
        j = np.ravel_multi_index([sigma[v] for v in shape.V], cols) if cols else 0
        M[i, j] += val
    return M


@pytest.fixture
def brute():
    return brute_graph_matrix


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """Single-threaded BLAS: the test machine's 2 cores are shared (COMMON.md)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield
