r"""Anti-concentration certificates: the canonical integer program, its SoS relaxation, a
polynomial-approximation certificate, and exact ground truth.

A point set :math:`X \subset \mathbb R^d` in isotropic position is
:math:`\delta`-anti-concentrated if for every unit :math:`v` the fraction of points with
:math:`|\langle x_i, v\rangle| \le \delta` is :math:`O(\delta)` (Bakshi, Kothari, Rajendran,
Tulsiani, Vijayaraghavan, arXiv 2405.15084). The integer program, its relaxations, the
sources of each formula and what is proved, reconstructed or measured are on the theory
page ``docs/theory/anticoncentration.rst``.

Modules: :mod:`~.samplers` (isotropic samplers, whitening, input checks), :mod:`~.exact`
(OPT), :mod:`~.population` (population slab masses), :mod:`~.relaxation` (the program and
its "2+2" and full SoS relaxations), :mod:`~.engine_relaxation` (the "2+2" relaxation
through the SoS engine, with a pseudo-expectation and a certificate), :mod:`~.polynomial`
(polynomial-approximation certificate), :mod:`~.comparison` (table and plot),
:mod:`~.problem` (the problem contract of :mod:`sosrmt.problems.protocol`). Every public
name is importable from here.

Examples
--------
>>> X = whiten(sample_gaussian(200, 2, rng=0))
>>> gt = opt_exact(X, 0.2)
>>> cert = poly_certificate(X, 0.2, degree=6)
>>> bool(cert.bound >= gt.value)
True
"""

from sosrmt.problems.anticoncentration.comparison import compare, plot_compare
from sosrmt.problems.anticoncentration.engine_relaxation import ip_relaxation_engine
from sosrmt.problems.anticoncentration.exact import (
    SlabOptimum,
    opt_exact,
    slab_count,
    slab_fraction,
)
from sosrmt.problems.anticoncentration.polynomial import (
    PolyCertificate,
    poly_certificate,
    verify_slab_polynomial,
)
from sosrmt.problems.anticoncentration.population import (
    cube_slab_mass,
    cube_slab_mass_worst,
    gaussian_slab_mass,
    l2_ball_density_at_zero,
    lp_ball_slab_mass,
    population_opt,
    rademacher_slab_mass,
)
from sosrmt.problems.anticoncentration.problem import (
    baselines,
    brute_force,
    sample_null,
    sos_value,
)
from sosrmt.problems.anticoncentration.relaxation import (
    IPRelaxationResult,
    ip_relaxation,
    program,
)
from sosrmt.problems.anticoncentration.samplers import (
    DISTRIBUTIONS,
    affine_transform,
    check_isotropic,
    isotropy_error,
    lp_ball_second_moment,
    parse_distribution,
    prepare_points,
    sample_cube,
    sample_gaussian,
    sample_lp_ball,
    sample_points,
    sample_rademacher,
    whiten,
)

__all__ = [
    "DISTRIBUTIONS",
    "IPRelaxationResult",
    "PolyCertificate",
    "SlabOptimum",
    "affine_transform",
    "baselines",
    "brute_force",
    "check_isotropic",
    "compare",
    "cube_slab_mass",
    "cube_slab_mass_worst",
    "gaussian_slab_mass",
    "ip_relaxation",
    "ip_relaxation_engine",
    "isotropy_error",
    "l2_ball_density_at_zero",
    "lp_ball_second_moment",
    "lp_ball_slab_mass",
    "opt_exact",
    "parse_distribution",
    "plot_compare",
    "poly_certificate",
    "population_opt",
    "prepare_points",
    "program",
    "rademacher_slab_mass",
    "sample_cube",
    "sample_gaussian",
    "sample_lp_ball",
    "sample_null",
    "sample_points",
    "sample_rademacher",
    "slab_count",
    "slab_fraction",
    "sos_value",
    "verify_slab_polynomial",
    "whiten",
]
