import json

import networkx as nx
import pytest

from sosrmt.graphs import NAMED_SHAPES, Shape, named_shape, parse_shape


def test_named_shapes_structure():
    z = named_shape("Z")
    assert (z.k, z.U, z.V, z.W) == (4, (0, 1), (2, 3), ())
    assert named_shape("iso").W_iso == (2,)
    assert named_shape("nI").W_iso == (1,)
    assert named_shape("path2").W == (1,) and named_shape("path2").W_iso == ()
    assert named_shape("degdiag").U == named_shape("degdiag").V == (0,)
    assert named_shape("wishart").types == ("n", "n", "m")
    assert named_shape("tensor_hsss").max_arity == 3


@pytest.mark.parametrize("name", sorted(NAMED_SHAPES))
def test_json_roundtrip_and_transpose(name):
    s = named_shape(name)
    back = Shape.from_json(s.to_json())
    assert back == s and back.name == s.name
    assert json.loads(s.to_json())["k"] == s.k
    t = s.transpose()
    assert (t.U, t.V) == (s.V, s.U) and t.transpose() == s


def test_equality_ignores_edge_order_and_name():
    a = Shape(3, (0,), (2,), [(0, 1), (1, 2)], name="x")
    b = Shape(3, (0,), (2,), [(2, 1), (1, 0)])
    assert a == b and hash(a) == hash(b)
    assert a != Shape(3, (0,), (2,), [(0, 1), (1, 2)], labels=[1, 2])


def test_networkx_view():
    g = named_shape("cherry").to_networkx()
    assert g.number_of_edges() == 2
    assert g.nodes[0]["role"] == "U" and g.nodes[2]["v_pos"] == 1
    h = named_shape("tensor_hsss").to_networkx()
    assert h.number_of_edges() == 6 and nx.is_connected(h)
    assert named_shape("degdiag").to_networkx().nodes[0]["role"] == "UV"


def test_multi_edges_and_rademacher_reduction():
    s = Shape(3, (0,), (1,), [(0, 1), (0, 1), (1, 2)])
    assert not s.is_proper()
    assert s.reduce_rademacher() == Shape(3, (0,), (1,), [(1, 2)])
    with pytest.raises(ValueError, match="label 1"):
        Shape(2, (0,), (1,), [(0, 1)], labels=[2]).reduce_rademacher()


def test_parse_compact_json_and_name():
    assert parse_shape("Z") == named_shape("Z")
    assert parse_shape("k22") == named_shape("K22")
    assert parse_shape(named_shape("wishart").to_json()) == named_shape("wishart")
    assert parse_shape("U=u; V=v; W=w; E=u-v") == named_shape("iso")
    assert parse_shape("U=u;V=v;E=u-w,v-w;T=w:m") == named_shape("wishart")
    assert parse_shape("U=j,jj; V=k,kk; E=i-j-k, i-jj-kk").max_arity == 3
    assert parse_shape("U=a; V=b; E=a-b:3").labels == (3,)


@pytest.mark.parametrize("text, match", [
    ("U=a; V=b; E=a", "at least two"),
    ("U=a; X=b", "fields"),
    ("U=a; V=b; E=a-b:x", "label"),
    ("", "empty"),
    ("nonsense", "unknown shape"),
    ("U=a; U=b", "twice"),
    ("U=a!; V=b", "vertex name"),
    ("{bad json", "JSON"),
])
def test_parse_errors(text, match):
    with pytest.raises(ValueError, match=match):
        parse_shape(text)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(k=2, U=(0,), V=(1,), edges=[(0, 0)]), ValueError, "loop"),
    (dict(k=3, U=(0, 0), V=(1,)), ValueError, "U: expected distinct"),
    (dict(k=3, U=(0,), V=(1, 1)), ValueError, "V: expected distinct"),
    (dict(k=2, U=(0,), V=(1,), edges=[(0, 5)]), ValueError, "does not exist"),
    (dict(k=2, U=(0,), V=(3,)), ValueError, "does not exist"),
    (dict(k=0, U=(), V=()), ValueError, "k:"),
    (dict(k=2, U=(0,), V=(1,), edges=[(0, 1)], labels=[0]), ValueError, "labels"),
    (dict(k=2, U=(0,), V=(1,), edges=[(0, 1)], labels=[1, 1]), ValueError, "labels"),
    (dict(k=2, U=(0,), V=(1,), types=("n",)), ValueError, "types"),
    (dict(k=2, U=(0.5,), V=(1,)), TypeError, "U"),
    (dict(k=2, U="0", V=(1,)), TypeError, "U"),
    (dict(k=2, U=(0,), V=(1,), edges=[(0,)]), ValueError, "at least two"),
])
def test_bad_shapes(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Shape(**kwargs)


def test_bad_named_and_dict():
    with pytest.raises(TypeError):
        named_shape(3)
    with pytest.raises(ValueError, match="missing keys"):
        Shape.from_dict({"k": 2})
    with pytest.raises(TypeError):
        Shape.from_dict([1])


def test_transpose_symmetry():
    sym = {name for name, s in NAMED_SHAPES.items() if s.is_transpose_symmetric()}
    assert sym == {"wigner", "path2", "iso", "degdiag", "JminusI", "nI", "K22", "wishart",
                   "tensor_hsss"}
    assert not Shape(3, (0,), (1,), [(0, 2)]).is_transpose_symmetric()
