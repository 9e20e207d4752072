"""The judge end to end on hand-made observations: a correct run, and the report order."""

from __future__ import annotations

from gradcheck.diagnose.case import MISSING_LOCALS, PROBES

from .observed import Submission, errors, judge, observe


def test_a_correct_submission_has_no_findings_and_every_point():
    checks, findings = judge(observe())
    assert findings == []
    assert all(c.status == "pass" for c in checks)
    assert sum(c.points for c in checks) == sum(c.max_points for c in checks) == 100


def test_findings_come_in_report_order_forward_before_backward():
    sub = Submission({"A1": lambda env: env["A1"] * 2, "dW2": lambda env: -env["dW2"]})
    _, findings = judge(observe(sub))
    targets = [f.target for f in errors(findings)]
    assert targets.index("A1") < targets.index("dW2")


def test_named_ranks_keep_probes_after_values_and_missing_locals_last():
    assert 0 < PROBES < MISSING_LOCALS
