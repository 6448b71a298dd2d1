"""Immutable certificates, checked coordinate bounds, key widths, complex input."""

import numpy as np
import pytest

from sosrmt.poly import MAX_GENERAL_DEGREE, Polynomial, as_real_array, monomial_basis, variables
from sosrmt.sos import Hypercube, MomentRelaxation, Semialgebraic, SosCertificate, Sphere, solve


def _sk(n, seed):
    G = np.random.default_rng(seed).standard_normal((n, n))
    W = (G + G.T) / np.sqrt(2)
    np.fill_diagonal(W, 0)
    return W


def test_certificate_cannot_be_tampered_with():
    W = _sk(6, 3)
    X = Hypercube(6).points()
    opt = float(np.max(np.einsum("ki,ij,kj->k", X, W, X)))
    res = solve(Polynomial.quadratic_form(W), Hypercube(6), 2)
    cert = res.certificate
    before = cert.rigorous_bound()
    assert before >= opt
    with pytest.raises(AttributeError, match="immutable"):
        cert.gram = [np.eye(Q.shape[0]) * 1e6 for Q in cert.gram]
    with pytest.raises(AttributeError, match="immutable"):
        cert.lam = 0.0
    with pytest.raises(AttributeError, match="immutable"):
        cert.z = np.zeros_like(cert.z)
    with pytest.raises(ValueError, match="read-only"):
        cert.gram[0][0, 0] = 1e6
    with pytest.raises(ValueError, match="read-only"):
        cert.z[0] = -1e6
    with pytest.raises(ValueError):
        cert.z.flags.writeable = True  # views immutable bytes: cannot be made writeable
    assert cert.rigorous_bound() == before
    # the one source is z: a certificate built from an edited copy is judged on its own
    z = np.array(cert.z)
    z[res.relaxation.blocks[0].rows.start] -= 1.0  # claims a bound lower by 1
    forged = SosCertificate(res.relaxation, z)
    assert forged.bound == pytest.approx(cert.bound - 1.0)
    assert forged.rigorous_bound() >= opt  # the rigorous bound pays for the broken PSD-ness
    with pytest.raises(ValueError, match="dual entries"):
        SosCertificate(res.relaxation, z[:-1])


def test_semialgebraic_bound_is_checked_against_the_constraints():
    x, y = variables(2)
    sphere = Semialgebraic(2, equalities=[x * x + y * y - 1], bound=1.0)
    assert sphere.assumed_bound == ()
    cubes = Semialgebraic(2, equalities=[x**3 - x * 0.5, y * y - y], bound=1.0)
    assert cubes.assumed_bound == ()
    ball = Semialgebraic(2, inequalities=[4 - x * x - y * y], bound=2.0)
    assert ball.assumed_bound == ()
    wrong = Semialgebraic(2, inequalities=[4 - x * x - y * y], bound=1.0)
    assert wrong.assumed_bound == (0, 1)
    # a true bound that the recognised patterns cannot derive is also reported as assumed
    assert Semialgebraic(1, inequalities=[1 - variables(1)[0] ** 4], bound=1.0).assumed_bound == (
        0,
    )


def test_result_of_an_unverified_bound_is_marked_conditional():
    x, y = variables(2)
    obj = x * x + y * y  # true maximum 4 on the disc of radius 2
    good = solve(obj, Semialgebraic(2, inequalities=[4 - x * x - y * y], bound=2.0), 2)
    assert good.bound_status == "rigorous"
    assert good.bound >= 4.0 - 1e-9
    bad = solve(obj, Semialgebraic(2, inequalities=[4 - x * x - y * y], bound=1.0), 2)
    assert bad.bound_status == "conditional on |x_i| <= 1"
    assert bad.summary()["bound_status"] == bad.bound_status
    assert "conditional" in repr(bad)
    assert bad.certificate.summary()["coordinate_bound_assumed"] is True
    assert solve(obj, Sphere(2, radius=2.0), 2).bound_status == "rigorous"


def test_general_ring_keys_do_not_alias():
    keys = monomial_basis(2, MAX_GENERAL_DEGREE, "general")
    assert (
        len(set(keys.tolist()))
        == keys.size
        == (MAX_GENERAL_DEGREE + 1) * (MAX_GENERAL_DEGREE + 2) // 2
    )
    with pytest.raises(ValueError, match="degree"):
        monomial_basis(2, 256, "general")
    x = variables(1)[0]
    with pytest.raises(ValueError, match="degree"):
        MomentRelaxation(x * x, Semialgebraic(1), 256)


def test_complex_input_is_refused():
    with pytest.raises(TypeError, match="W: expected real"):
        Polynomial.quadratic_form([[0, 1j], [1j, 0]])
    with pytest.raises(TypeError, match="coefs"):
        Polynomial([1], [1 + 0j], 1)
    with pytest.raises(TypeError, match="value"):
        Polynomial.constant(1j, 2)
    with pytest.raises(TypeError, match="terms"):
        Polynomial.from_terms([((1,), 2j)], 1)
    with pytest.raises(TypeError, match="points"):
        variables(1)[0].evaluate(np.array([[1j]]))
    with pytest.raises(TypeError, match="square"):
        Hypercube(2, square=1j)
    with pytest.raises(TypeError, match="radius"):
        Sphere(2, radius=1 + 0j)
    with pytest.raises(TypeError, match="bound"):
        Semialgebraic(2, bound=1j)
    with pytest.raises(TypeError, match="p: expected real"):
        as_real_array(np.array([1.0, 2j], dtype=object), "p")
