"""``sosrmt demo`` writes its summary, plots and stores, and resumes from its store."""

import json

from sosrmt.cli import main


def test_demo_outputs(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--jobs", "1", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    for name in ("results.sqlite", "sk_chain.png", "z_norm.png", "sweep-goe/goe_norm.png",
                 "sweep-goe/goe_edge.png"):
        assert (out / name).stat().st_size > 0
    assert payload["sk_chain"]["all_chains_hold"]
    assert payload["exact_certificate"]["verified"]
    assert payload["exact_certificate"]["exact_bound"] >= payload["exact_certificate"]["opt"]
    assert abs(payload["graphs"]["slope"] - payload["graphs"]["kappa"]) < 0.2
    # a second run finds every cell in the store
    assert main(["demo", "--out", str(out), "--jobs", "1", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["sk_chain"]["table"] == payload["sk_chain"]["table"]
