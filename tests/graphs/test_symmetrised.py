"""The symmetrised p-biased route: every step checked over all inputs, and its exponents.

Expectations are computed exactly over all 2^(n(n-1)/2) p-biased inputs (n <= 6) or all
3^(n(n-1)/2) values of the symmetrised input (n = 4), never sampled.
"""

import itertools
import math

import numpy as np
import pytest
from scipy.stats import binom

from sosrmt._report import fit_loglog
from sosrmt.graphs import named_shape
from sosrmt.graphs.efron_stein import (
    binomial_log_moment,
    bound_table,
    closed_form_bound,
    exhaustive_moment,
    pbiased_bound,
    symmetrised_bound,
)
from sosrmt.graphs.efron_stein.exhaustive import _realisation_incidence
from sosrmt.graphs.efron_stein.graph import _es_shape
from sosrmt.graphs.separators import sparse_exponent

QS = np.array([1, 2, 3, 4])
TOL = 1 - 1e-12
SHAPES = ("wigner", "path2", "cherry", "Z", "K22")


def test_binomial_log_moment_matches_the_full_sum():
    for trials, prob, power in [(40, 0.1, 3.0), (40, 0.9, 7.5), (2000, 0.003, 21.0),
                                (5, 0.5, 1.0), (300, 0.2, 60.0)]:
        k = np.arange(trials + 1, dtype=float)
        ref = math.log(np.sum(binom.pmf(k, trials, prob) * k ** power))
        assert binomial_log_moment(trials, prob, power) == pytest.approx(ref, rel=1e-10)
    assert binomial_log_moment(0, 0.3, 2.0) == -math.inf
    assert binomial_log_moment(7, 1.0, 2.0) == pytest.approx(2 * math.log(7))


def _symmetrised_moment(name: str, n: int, p: float, qs: np.ndarray) -> np.ndarray:
    """|||M(chi - chi')|||_2q exactly: every input in {-a, 0, a}^N, a = 1/sqrt(p(1-p))."""
    shape = _es_shape(named_shape(name), "pbiased")
    var, inc, d1, d2 = _realisation_incidence(shape, n)
    num_vars = n * (n - 1) // 2
    rho, a = 2 * p * (1 - p), 1 / math.sqrt(p * (1 - p))
    vals = np.array(list(itertools.product((-a, 0.0, a), repeat=num_vars)))
    logp = np.sum(np.where(vals == 0, math.log1p(-rho), math.log(rho / 2)), axis=1)
    mats = np.asarray((inc.T @ np.prod(vals[:, var], axis=2).T).T).reshape(-1, d1, d2)
    gram = mats @ mats.transpose(0, 2, 1) if d1 <= d2 else mats.transpose(0, 2, 1) @ mats
    ev = np.clip(np.linalg.eigvalsh(gram), 0.0, None)
    out = []
    for q in qs:
        with np.errstate(divide="ignore"):
            terms = np.log(np.sum(ev ** q, axis=1)) + logp
        out.append(math.exp(float(np.logaddexp.reduce(terms)) / (2 * q)))
    return np.array(out)


@pytest.mark.parametrize("name", SHAPES)
def test_symmetrisation_step_holds_over_all_inputs(name):
    """Jensen with an independent copy: |||M(chi)|||_2q <= |||M(chi - chi')|||_2q."""
    for p in (0.1, 0.3, 0.8):
        exact = exhaustive_moment(named_shape(name), 4, p, QS)
        sym = _symmetrised_moment(name, 4, p, QS)
        assert np.all(exact <= sym * TOL), (name, p, exact, sym)


@pytest.mark.parametrize("name", ("wigner", "path2", "cherry", "Z", "K22"))
def test_exact_over_s_holds_and_closed_form_dominates_it(name):
    """Given the difference graph the Rademacher recursion bounds |||M(chi - chi')|||; the
    closed form bounds the exact average over s of the restricted matrices."""
    n = 4
    for p in (0.1, 0.3, 0.8):
        b = symmetrised_bound(named_shape(name), n, p, QS, exact=True)
        sym = _symmetrised_moment(name, n, p, QS)
        assert np.all(sym <= b.tree * TOL)
        assert np.all(b.tree <= b.flattened * (1 + 1e-12))
        assert np.all(b.flattened <= b.closed * TOL)


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("p", (0.1, 0.3, 0.5, 0.8))
def test_closed_form_holds_over_all_inputs(name, p):
    """The symmetrised closed form bounds the exact |||M|||_2q at n = 4, 5, 6, every q."""
    for n in (4, 5, 6):
        if p * n * n < 1:
            continue
        exact = exhaustive_moment(named_shape(name), n, p, QS)
        closed = symmetrised_bound(named_shape(name), n, p, QS).closed
        assert np.all(exact <= closed * TOL), (name, n, p)


@pytest.mark.parametrize("name", SHAPES)
def test_closed_form_has_the_sparse_exponent(name):
    """Fitted log-log slope on n = 10^2..10^4, less the log inflation of the dense closed
    form (its slope minus kappa), is within 0.2 of the separator-weighted exponent; the
    weight-bound route misses it by (2p)^(-t/2)."""
    shape = named_shape(name)
    ns = [100, 1000, 10000]
    logs = fit_loglog(ns, [closed_form_bound(shape, n).value for n in ns]).slope
    logs -= sparse_exponent(shape, 0.0).exponent
    for a, prob in ((0.5, lambda n: n ** -0.5), (1.0, lambda n: 10.0 / n)):
        bounds = [pbiased_bound(shape, n, prob(n), exact=False) for n in ns]
        sym = fit_loglog(ns, [b.sym_closed_value for b in bounds]).slope - logs
        wmax = fit_loglog(ns, [b.closed_value for b in bounds]).slope - logs
        pred = sparse_exponent(shape, a).exponent
        assert abs(sym - pred) <= 0.2, (name, a, sym, pred)
        # the weight-bound route has kappa + a t / 2: it misses the sparse exponent
        t = len(shape.edges)
        assert wmax == pytest.approx(sparse_exponent(shape, 0.0).exponent + a * t / 2,
                                     abs=0.05)
        assert sym < wmax - 0.2


def test_symmetrised_route_beats_the_others_at_scale_for_longer_shapes():
    for name in ("path2", "cherry", "Z", "K22"):
        b = pbiased_bound(named_shape(name), 10**4, 10 / 10**4, exact=False)
        assert b.sym_closed_value < b.conc_closed_value < b.closed_value * (1 + 1e-12)
        assert b.best_closed_value == b.sym_closed_value


def test_symmetrised_bad_input():
    with pytest.raises(ValueError, match=r"^p: "):
        symmetrised_bound(named_shape("Z"), 10, 1.5)
    with pytest.raises(ValueError, match=r"^p: "):
        symmetrised_bound(named_shape("Z"), 10, 0.001)
    with pytest.raises(ValueError, match=r"^n: "):
        symmetrised_bound(named_shape("wigner"), 8, 0.3, exact=True)
    with pytest.raises(ValueError, match=r"^shape: "):
        symmetrised_bound(named_shape("iso"), 10, 0.3)


def test_bound_table_has_the_symmetrised_column():
    tab = bound_table("path2", "pbiased", [12, 16], trials=2, rng=0, p="10/n", exact_max_n=0)
    for row in tab["rows"]:
        assert row["bound_sym_closed"] >= row["empirical"]
    assert tab["slopes"]["bound_sym_closed"] is not None


def test_info_prints_the_three_closed_forms():
    from sosrmt.graphs.info import shape_info

    info = shape_info(named_shape("Z"), p="10/n", n=10**4)
    es = info.es_closed
    assert set(es) == {"w_max", "concentrated", "symmetrised"}
    assert es["symmetrised"] < es["concentrated"] <= es["w_max"]
    assert "ES bounds" in info.text()
    assert info.to_dict()["es_closed_at_n"] == es
    assert shape_info(named_shape("Z"), p="10/n").es_closed is None  # no n, no bound
