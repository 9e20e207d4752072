"""cascade.py and roots.py: a wrong value at its root, and the values that only follow from it."""

from __future__ import annotations

from gradcheck.findings import GC

from .observed import Submission, by_code, errors, judge, observe


def test_a_missing_mean_is_a_scale_mismatch_with_the_j_versus_l_story():
    f = by_code(judge(observe(Submission({"dW1": lambda env: env["dW1"] * env["m"]})))[1], GC.SCALE_MISMATCH)
    assert f.target == "dW1" and "missing-mean" in f.tags
    assert "∂J/∂W1" in f.message and f.hint.startswith("Divide by m")
    assert f.stats["mismatched"] == f.stats["total"]


def test_what_follows_from_a_wrong_dz1_is_not_blamed_on_its_own():
    sub = Submission({"dZ1": lambda env: -env["dZ1"], "dW1": lambda env: -env["dW1"], "db1": lambda env: -env["db1"]})
    _, findings = judge(observe(sub))
    root = [f for f in errors(findings) if f.code != GC.FOLLOWS_UPSTREAM]
    assert [f.target for f in root] == ["dZ1"] and "sign-flip" in root[0].tags
    follows = {f.target: f for f in findings if f.code == GC.FOLLOWS_UPSTREAM}
    assert set(follows) == {"dW1", "db1"} and follows["dW1"].caused_by == "dZ1"


def test_a_wrong_forward_value_names_the_mistake():
    f = by_code(judge(observe(Submission({"A1": lambda env: env["Z1"]})))[1], GC.FORWARD_MISMATCH)
    assert f.target == "A1" and "forward-mismatch" in f.tags and "tanh is missing" in f.message


def test_a_value_no_mistake_explains_gets_the_facts_only():
    f = by_code(judge(observe(Submission({"db2": lambda env: env["db2"] + 0.123})))[1], GC.GRADIENT_MISMATCH)
    assert "No mistake in gradcheck's catalog" in f.message and f.hint is None
