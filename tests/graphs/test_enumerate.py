import itertools

import networkx as nx
import pytest

from sosrmt.graphs import Shape, count_shapes, enumerate_shapes


def test_spec_counts():
    # counts by Burnside's lemma, checked by hand
    assert [count_shapes(k, 1, 1) for k in (3, 4, 5)] == [8, 40, 240]
    assert count_shapes(4, 2, 2) == 64


def test_set_convention_counts_by_burnside():
    # swaps of U and of V act on the 6 pairs; Burnside: (64 + 3 * 16) / 4 = 28
    assert count_shapes(4, 2, 2, index="set") == 28
    assert count_shapes(4, 1, 1, index="set") == 40


def _iso(s: Shape, t: Shape) -> bool:
    def graph(x):
        g = nx.Graph()
        for v in range(x.k):
            role = ("U", x.U.index(v)) if v in x.U else ("", -1)
            role += ("V", x.V.index(v)) if v in x.V else ("", -1)
            g.add_node(v, role=role)
        g.add_edges_from(x.edges)
        return g
    return nx.is_isomorphic(graph(s), graph(t), node_match=lambda a, b: a["role"] == b["role"])


def test_representatives_pairwise_non_isomorphic_and_complete():
    shapes = list(enumerate_shapes(4, 1, 1, overlap=None))
    for s, t in itertools.combinations(shapes, 2):
        assert not _iso(s, t)
    # every labelled edge set is isomorphic to one representative
    pairs = list(itertools.combinations(range(4), 2))
    for r in range(len(pairs) + 1):
        for edges in itertools.combinations(pairs, r):
            s = Shape(4, (0,), (1,), edges)
            assert sum(_iso(s, t) for t in shapes) == 1


def test_filters():
    assert all(len(s.edges) <= 2 for s in enumerate_shapes(5, 1, 1, max_edges=2))
    conn = list(enumerate_shapes(4, 1, 1, connected=True))
    assert conn and all(nx.is_connected(s.adjacency_graph()) for s in conn)
    assert all(not s.W_iso for s in enumerate_shapes(4, 1, 1, no_isolated_middle=True))
    assert count_shapes(2, 1, 1, overlap=1) == 2


@pytest.mark.parametrize("args, kw, match", [
    ((8, 1, 1), {}, "k:"), ((3, 4, 1), {}, "a:"), ((3, 1, 1), {"overlap": 2}, "overlap"),
    ((3, 1, 1), {"index": "bag"}, "index"), ((3, 1, 1), {"max_edges": -1}, "max_edges"),
    ((3, 1, 1), {"max_label": 0}, "max_label"),
])
def test_bad_enumeration_args(args, kw, match):
    with pytest.raises(ValueError, match=match):
        list(enumerate_shapes(*args, **kw))


def test_labelled_enumeration_burnside():
    # k=3, U=(0), V=(1): pairs 01, 02, 12 with labels 0..2; swapping nothing (W={2}): 27
    assert count_shapes(3, 1, 1, max_label=2) == 27
    # k=4, W={2,3}: orbits under the swap; Burnside (3^6 + 3^4) / 2 = 405
    shapes = list(enumerate_shapes(4, 1, 1, max_label=2))
    assert len(shapes) == 405
    assert {lab for s in shapes for lab in s.labels} == {1, 2}
    assert count_shapes(4, 1, 1, max_label=1) == 40
