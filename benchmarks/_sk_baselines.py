"""Baselines a user would otherwise write: the straightforward cvxpy model of degree-4 SK.

Shared by the SK benchmarks (imported by path, not part of the package).
"""

from __future__ import annotations

import itertools
import time

import cvxpy as cp
import numpy as np


def naive_moment_model(W: np.ndarray) -> tuple[cp.Problem, cp.Variable]:
    """Degree-4 moment relaxation of max x^T W x on {-1,1}^n, written the obvious way.

    One PSD variable X indexed by the subsets of size <= 2; X[S,T] depends only on the
    symmetric difference S ^ T, imposed by equality constraints chaining all entries of a
    class to its first entry; X[S,S] = 1; objective sum_{i != j} W_ij X[{i},{j}].
    """
    n = W.shape[0]
    basis = [frozenset()] + [frozenset([i]) for i in range(n)] + [
        frozenset(c) for c in itertools.combinations(range(n), 2)]
    N = len(basis)
    X = cp.Variable((N, N), PSD=True)
    classes: dict[frozenset, list[tuple[int, int]]] = {}
    for a in range(N):
        for b in range(a, N):
            classes.setdefault(basis[a] ^ basis[b], []).append((a, b))
    cons = [X[0, 0] == 1]
    for entries in classes.values():
        a0, b0 = entries[0]
        cons += [X[a, b] == X[a0, b0] for a, b in entries[1:]]
    index = {s: k for k, s in enumerate(basis)}
    obj = sum(W[i, j] * X[index[frozenset([i])], index[frozenset([j])]]
              for i in range(n) for j in range(n) if i != j)
    return cp.Problem(cp.Maximize(obj), cons), X


def naive_build_seconds(W: np.ndarray) -> float:
    """Seconds to build the naive model and compile it to SCS's data."""
    t0 = time.perf_counter()
    prob, _ = naive_moment_model(W)
    prob.get_problem_data(cp.SCS)
    return time.perf_counter() - t0


def naive_solve(W: np.ndarray, eps: float = 1e-7) -> tuple[float, float, int]:
    """(value, seconds end to end, SCS iterations) of the naive model solved by SCS."""
    t0 = time.perf_counter()
    prob, _ = naive_moment_model(W)
    prob.solve(solver=cp.SCS, eps=eps, max_iters=200000)
    stats = prob.solver_stats
    return float(prob.value), time.perf_counter() - t0, int(stats.num_iters or 0)
