"""A library of named polynomial programs with known answers.

Every backend must pass all of them (as SumOfSquares.jl and cvxpy keep shared suites).
Each :class:`TestProblem` carries the relaxation value it must reach and, where
different, the true optimum that any certificate must bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sosrmt.poly import Polynomial, variables
from sosrmt.sos.domains import Boolean, Domain, Hypercube, Semialgebraic, Sphere

__all__ = ["TestProblem", "named_problem", "named_problems"]


@dataclass(frozen=True)
class TestProblem:
    """A named program: ``sense`` ``objective`` over ``domain`` at ``degree``.

    Attributes
    ----------
    relaxation_value : float or None
        The exact value of the relaxation (None when it is unbounded / not SoS).
    optimum : float
        The true optimum of the original problem.
    tol : float
        Absolute accuracy (relative to ``max(1, |optimum|)``) expected of the value.
    scs_options : tuple of (name, value)
        SCS settings this problem needs (first-order methods are slow on it).
    expect_status : str
        ``"optimal"``, or ``"no_certificate"`` when a correct backend must not return a
        certificate (any non-optimal status).
    optimizers : ndarray or None
        All global optimisers (one per row) where the problem states them; the relaxation
        is then of a degree whose optimal moment matrix is flat, so that
        :meth:`SosResult.solutions <sosrmt.sos.SosResult.solutions>` must return exactly
        these points.
    point_tol : float
        Accuracy expected of extracted continuous coordinates (finite ones are exact).
    sparsity : str
        ``"correlative"`` or ``"correlative+term"`` for the problems of the sparse suite
        (solved with ``solve(..., sparsity=...)``).
    group : tuple of tuple of int or None
        Generators of a symmetry group of the problem (solved with ``solve(..., group=)``).
    """

    __test__ = False  # not a pytest class

    name: str
    objective: Polynomial
    domain: Domain
    degree: int
    sense: str
    relaxation_value: float | None
    optimum: float
    expect_status: str = "optimal"
    note: str = ""
    tol: float = 2e-5
    scs_options: tuple[tuple[str, float], ...] = ()
    optimizers: np.ndarray | None = None
    point_tol: float = 1e-4
    sparsity: str = "none"
    group: tuple[tuple[int, ...], ...] | None = None


def _cut(n: int, edges: list[tuple[int, int]]) -> Polynomial:
    x = variables(n, "hypercube")
    return sum(((1 - x[i] * x[j]) * 0.5 for i, j in edges), Polynomial.constant(0, n, "hypercube"))


def _cuts_of_size(n: int, edges: list[tuple[int, int]], size: int) -> np.ndarray:
    pts = Hypercube(n).points()
    cut = sum((pts[:, i] != pts[:, j]).astype(int) for i, j in edges)
    return pts[cut == size]


def _c5(degree: int) -> TestProblem:
    edges = [(i, (i + 1) % 5) for i in range(5)]
    gw = 2.5 * (1 - np.cos(4 * np.pi / 5))
    if degree == 6:
        return TestProblem(
            "maxcut_c5_deg6",
            _cut(5, edges),
            Hypercube(5),
            6,
            "max",
            4.0,
            4.0,
            note="the ten maximum cuts (one uncut edge, two signs) are all recovered: the "
            "degree-6 moment matrix is flat (ranks 1, 6, 10, 10)",
            optimizers=_cuts_of_size(5, edges, 4),
        )
    return TestProblem(
        f"maxcut_c5_deg{degree}",
        _cut(5, edges),
        Hypercube(5),
        degree,
        "max",
        gw if degree == 2 else 4.0,
        4.0,
        note="degree 2 is the Goemans-Williamson value 5/2 (1 - cos 4pi/5); "
        "degree 4 implies the triangle inequalities, which cut out the "
        "cut polytope of the K5-minor-free C5 (Barahona), so it is exact",
    )


def _triangle(degree: int) -> TestProblem:
    edges = [(0, 1), (1, 2), (0, 2)]
    return TestProblem(
        f"maxcut_triangle_deg{degree}",
        _cut(3, edges),
        Hypercube(3),
        degree,
        "max",
        2.25 if degree == 2 else 2.0,
        2.0,
        optimizers=_cuts_of_size(3, edges, 2) if degree == 6 else None,
    )


def _univariate() -> TestProblem:
    x = variables(1)[0]
    p = x**4 - 3 * x**2 + x
    crit = np.roots([4, 0, -6, 1]).real
    opt = float(min(c**4 - 3 * c**2 + c for c in crit))
    return TestProblem(
        "univariate_quartic_min",
        p,
        Semialgebraic(1),
        4,
        "min",
        opt,
        opt,
        note="nonnegative univariate polynomials are SoS, so degree 4 is exact",
    )


def _motzkin_times() -> TestProblem:
    x, y = variables(2)
    motzkin = x**4 * y**2 + x**2 * y**4 - 3 * x**2 * y**2 + 1
    return TestProblem(
        "motzkin_times_x2_y2_1",
        motzkin * (x * x + y * y + 1),
        Semialgebraic(2),
        8,
        "min",
        0.0,
        0.0,
        note="(x^2+y^2+1) M is SoS (Motzkin's M is not), minimum 0 at |x|=|y|=1; "
        "ill-conditioned (the optimal Gram matrix is singular), so SCS is "
        "run at eps 1e-6 and the value checked to 1e-4",
        tol=1e-4,
        scs_options=(("eps", 1e-6), ("max_iters", 60000)),
    )


def _motzkin() -> TestProblem:
    x, y = variables(2)
    motzkin = x**4 * y**2 + x**2 * y**4 - 3 * x**2 * y**2 + 1
    return TestProblem(
        "motzkin_not_sos",
        motzkin,
        Semialgebraic(2),
        6,
        "min",
        None,
        0.0,
        expect_status="no_certificate",
        scs_options=(("max_iters", 4000),),
        note="M - gamma is SoS for no gamma, so no solver may return a "
        "certificate; first-order solvers may only run out of iterations "
        "(the infeasibility of the SoS side is weak)",
    )


def _sphere_quadratic() -> TestProblem:
    A = np.array([[2.0, 1.0, 0.0], [1.0, 0.0, -1.0], [0.0, -1.0, 1.0]])
    p = Polynomial.quadratic_form(A, ring="general")
    lam = float(np.linalg.eigvalsh(A)[-1])
    return TestProblem(
        "sphere_quadratic_max",
        p,
        Sphere(3),
        2,
        "max",
        lam,
        lam,
        note="max of x^T A x on the unit sphere is lambda_max(A)",
    )


def _sphere_quadratic_deg4() -> TestProblem:
    A = np.array([[2.0, 1.0, 0.0], [1.0, 0.0, -1.0], [0.0, -1.0, 1.0]])
    w, V = np.linalg.eigh(A)
    v = V[:, -1] * np.sign(V[np.argmax(np.abs(V[:, -1])), -1])
    return TestProblem(
        "sphere_quadratic_max_deg4",
        Polynomial.quadratic_form(A, ring="general"),
        Sphere(3),
        4,
        "max",
        float(w[-1]),
        float(w[-1]),
        note="the two optimisers are the unit eigenvectors +-v of lambda_max(A); the "
        "degree-4 moment matrix is flat (ranks 1, 2, 2)",
        optimizers=np.array([-v, v]),
    )


def _mixed_boolean_circle() -> TestProblem:
    # max sum_i w_i ((a_i . v)^2 - c) over w in {0,1}^3, v on the unit circle
    A = np.array([[1.0, 0.2], [0.3, 1.0], [-0.8, 0.7]])
    c = 0.9
    z = variables(5)
    w, v = z[:3], z[3:]
    obj = Polynomial.constant(0.0, 5)
    for i in range(3):
        lin = float(A[i, 0]) * v[0] + float(A[i, 1]) * v[1]
        obj = obj + w[i] * (lin * lin - c)
    # OPT = max over subsets S of lambda_max(sum_S a_i a_i^T) - c |S|: S = {2}, v = +-a_2/|a_2|
    u = A[2] / np.linalg.norm(A[2])
    opt = float(A[2] @ A[2] - c)
    return TestProblem(
        "mixed_boolean_circle_deg4",
        obj,
        Semialgebraic(5, equalities=[v[0] * v[0] + v[1] * v[1] - 1], bound=1.0, boolean=[0, 1, 2]),
        4,
        "max",
        opt,
        opt,
        note="w_j^2 = w_j reduced inside products with the circle variables; the optimum "
        "(brute force over the 8 subsets, lambda_max of each) is attained at w = (0,0,1), "
        "v = +-a_2/|a_2|; degree 4 reaches it on both backends and its moment matrix is "
        "flat (ranks 1, 2, 2)",
        optimizers=np.array([[0, 0, 1, *(-u)], [0, 0, 1, *u]]),
    )


def _mixed_signs_interval() -> TestProblem:
    # max x0 y + x1 y - y^2 over x in {-1,1}^2, y in [-1, 1]: for x0 = x1 = s the best y is s
    x0, x1, y = variables(3)
    return TestProblem(
        "mixed_signs_interval_deg4",
        x0 * y + x1 * y - y * y,
        Semialgebraic(3, inequalities=[1 - y * y], bound=1.0, signs=[0, 1]),
        4,
        "max",
        1.0,
        1.0,
        note="x_j^2 = 1 reduced inside products with y; optimisers +-(1, 1, 1); y sits on "
        "the boundary of 1 - y^2 >= 0, so its extracted value carries about the square "
        "root of the solver's tolerance",
        optimizers=np.array([[-1.0, -1.0, -1.0], [1.0, 1.0, 1.0]]),
        point_tol=1e-3,
    )


def _ladder_cut() -> TestProblem:
    # max-cut of the 2 x 6 ladder (bipartite: every edge is cut, OPT = 16 edges)
    edges = [(i, i + 1) for i in range(5)] + [(i + 6, i + 7) for i in range(5)]
    edges += [(i, i + 6) for i in range(6)]
    return TestProblem(
        "maxcut_ladder_sparse_deg4",
        _cut(12, edges),
        Hypercube(12),
        4,
        "max",
        16.0,
        16.0,
        note="correlative sparsity: the chordal extension of the ladder has cliques of size "
        "3 (blocks of 7 instead of 79); the graph is bipartite, so the sparse degree-4 "
        "relaxation is exact (it contains the degree-2 one, exact on bipartite graphs)",
        sparsity="correlative",
    )


def _odd_cycle_cut_sparse() -> TestProblem:
    edges = [(i, (i + 1) % 9) for i in range(9)]
    return TestProblem(
        "maxcut_c9_sparse_deg4",
        _cut(9, edges),
        Hypercube(9),
        4,
        "max",
        8.0,
        8.0,
        note="correlative sparsity on the 9-cycle: the chordal extension is a 2-sum of "
        "triangles, each degree-4 clique block is exact on its triangle, and the cut "
        "polytope of a 2-sum is the intersection of the parts' (Barahona 1983), so the "
        "value is the optimum 8",
        sparsity="correlative",
    )


def _ladder_cut_term() -> TestProblem:
    edges = [(i, i + 1) for i in range(5)] + [(i + 6, i + 7) for i in range(5)]
    edges += [(i, i + 6) for i in range(6)]
    return TestProblem(
        "maxcut_ladder_term_deg4",
        _cut(12, edges),
        Hypercube(12),
        4,
        "max",
        16.0,
        16.0,
        note="correlative + term sparsity (one support extension, block closure) on the "
        "bipartite ladder: OPT is the number of edges, 16; the relaxation is at least OPT, "
        "and at most 16 because each edge monomial shares a PSD block with 1, which "
        "forces its moment >= -1",
        sparsity="correlative+term",
    )


def _c7_dihedral() -> TestProblem:
    n = 7
    edges = [(i, (i + 1) % n) for i in range(n)]
    return TestProblem(
        "maxcut_c7_dihedral_deg4",
        _cut(n, edges),
        Hypercube(n),
        4,
        "max",
        6.0,
        6.0,
        note="block-diagonalised by the dihedral group of the 7-cycle (order 14): moment "
        "blocks of sizes <= 8 instead of 29; degree 4 is exact on cycles (Barahona)",
        group=(tuple((i + 1) % n for i in range(n)), tuple((n - i) % n for i in range(n))),
    )


def _box_constrained() -> TestProblem:
    x, y = variables(2)
    p = x + y
    # max x + y on the unit disc: sqrt 2 (degree 2 exact: convex quadratic constraint)
    disc = 1 - x * x - y * y
    return TestProblem(
        "disc_linear_max",
        p,
        Semialgebraic(2, inequalities=[disc], bound=1.0),
        2,
        "max",
        float(np.sqrt(2)),
        float(np.sqrt(2)),
    )


def _boolean_independent_set() -> TestProblem:
    # maximum independent set of C5 via max sum x_i - sum_{edges} x_i x_j on {0,1}^5: alpha = 2
    x = variables(5, "boolean")
    p = sum(x, Polynomial.constant(0, 5, "boolean"))
    for i in range(5):
        p = p - x[i] * x[(i + 1) % 5]
    return TestProblem(
        "boolean_c5_independent_deg4",
        p,
        Boolean(5),
        4,
        "max",
        None,
        2.0,
        note="relaxation value not asserted, only bounded below by alpha(C5)=2",
    )


_FACTORIES: dict[str, Callable[[], TestProblem]] = {
    "maxcut_triangle_deg2": lambda: _triangle(2),
    "maxcut_triangle_deg4": lambda: _triangle(4),
    "maxcut_c5_deg2": lambda: _c5(2),
    "maxcut_c5_deg4": lambda: _c5(4),
    "maxcut_c5_deg6": lambda: _c5(6),
    "maxcut_triangle_deg6": lambda: _triangle(6),
    "sphere_quadratic_max_deg4": _sphere_quadratic_deg4,
    "mixed_boolean_circle_deg4": _mixed_boolean_circle,
    "mixed_signs_interval_deg4": _mixed_signs_interval,
    "maxcut_ladder_sparse_deg4": _ladder_cut,
    "maxcut_c9_sparse_deg4": _odd_cycle_cut_sparse,
    "maxcut_ladder_term_deg4": _ladder_cut_term,
    "maxcut_c7_dihedral_deg4": _c7_dihedral,
    "univariate_quartic_min": _univariate,
    "motzkin_times_x2_y2_1": _motzkin_times,
    "motzkin_not_sos": _motzkin,
    "sphere_quadratic_max": _sphere_quadratic,
    "disc_linear_max": _box_constrained,
    "boolean_c5_independent_deg4": _boolean_independent_set,
}


def named_problems() -> list[str]:
    """Names of the library's problems."""
    return sorted(_FACTORIES)


def named_problem(name: str) -> TestProblem:
    """Build the named problem.

    Examples
    --------
    >>> named_problem("maxcut_triangle_deg2").relaxation_value
    2.25
    """
    if name not in _FACTORIES:
        raise ValueError(f"name: expected one of {named_problems()}, got {name!r}")
    return _FACTORIES[name]()
