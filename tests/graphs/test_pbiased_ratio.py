"""The p-biased bound / empirical ratio table (library and ``sosrmt graphs bound --p`` list)."""

import json

import numpy as np
import pytest

from sosrmt.cli import main
from sosrmt.graphs import named_shape
from sosrmt.graphs.efron_stein import (
    bound_table,
    format_ratio_table,
    pbiased_bound,
    ratio_table,
)


def test_ratio_table_rows_and_ratios():
    tab = ratio_table("wigner", [12, 16], ["1/2", "n^-0.5", "10/n"], trials=3, rng=0,
                      exact_max_n=12)
    assert [(r["p_text"], r["n"]) for r in tab["rows"]] == [
        (p, n) for p in ("1/2", "n^-0.5", "10/n") for n in (12, 16)]
    assert [r["p"] for r in tab["rows"]] == pytest.approx(
        [0.5, 0.5, 12 ** -0.5, 16 ** -0.5, 10 / 12, 10 / 16])
    for r in tab["rows"]:
        assert r["ratio_closed"] == pytest.approx(r["bound_closed"] / r["empirical"])
        # a bound on E||M||: above the empirical mean by far more than its standard error
        assert r["bound_closed"] > r["empirical"] + 3 * r["empirical_se"]
        if r["n"] <= 12:
            assert r["ratio_exact"] == pytest.approx(r["bound_exact"] / r["empirical"])
            assert r["ratio_tree"] == pytest.approx(r["bound_tree"] / r["empirical"])
        else:  # above exact_max_n only the closed form
            assert r["bound_exact"] is None and r["ratio_exact"] is None
    # each p's bounds are those of pbiased_bound at that p
    r = tab["rows"][2]
    direct = pbiased_bound(named_shape("wigner"), 12, 12 ** -0.5)
    assert r["bound_exact"] == pytest.approx(direct.value)
    assert r["bound_closed"] == pytest.approx(direct.closed_value)
    text = format_ratio_table(tab)
    assert "exact/E" in text and "10/n" in text and "n^-0.5" in text


def test_ratio_table_matches_bound_table_for_one_p():
    a = ratio_table("path2", [12], [0.3], trials=2, rng=5)
    b = bound_table("path2", "pbiased", [12], 2, 5, p=0.3, l1_max_n=0)
    assert a["rows"][0]["empirical"] == b["rows"][0]["empirical"]
    assert a["rows"][0]["bound_exact"] == b["rows"][0]["bound_exact"]


@pytest.mark.parametrize("ps, match", [([], "ps"), ("0.3", "ps"), (["1/0"], "p"),
                                       (["3/2"], "p"), (["10/n"], "p")])
def test_ratio_table_bad_input(ps, match):
    with pytest.raises(ValueError, match=match):
        ratio_table("wigner", [6], ps, trials=2)


def test_cli_bound_several_p(capsys):
    argv = ["graphs", "bound", "--shape", "wigner", "--model", "pbiased", "--p", "1/2",
            "n^-0.5", "10/n", "--n", "12", "--trials", "2", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ps"] == ["1/2", "n^-0.5", "10/n"]
    assert all(np.isfinite(r["ratio_exact"]) and r["ratio_exact"] > 1 for r in out["rows"])
    assert main(argv[:-1]) == 0
    assert "closed/E" in capsys.readouterr().out


@pytest.mark.parametrize("extra, match", [(["--model", "rademacher"], "--model pbiased"),
                                          (["--model", "pbiased", "--plot", "x.png"], "--plot")])
def test_cli_bound_several_p_errors(extra, match, capsys):
    argv = ["graphs", "bound", "--shape", "wigner", "--p", "0.5", "0.3", "--n", "12", *extra]
    assert main(argv) == 2
    assert match in capsys.readouterr().err


def test_bound_table_accepts_constant_fraction():
    a = bound_table("wigner", "pbiased", [8], 2, 3, p="1/2", l1_max_n=0)
    b = bound_table("wigner", "pbiased", [8], 2, 3, p=0.5, l1_max_n=0)
    assert a["rows"][0]["p"] == 0.5
    assert a["rows"][0]["bound_exact"] == b["rows"][0]["bound_exact"]
    assert a["rows"][0]["empirical"] == b["rows"][0]["empirical"]
