"""The judge end to end on hand-made observations: a correct run, and the report order."""

from __future__ import annotations

from gradcheck.diagnose.case import MISSING_LOCALS, PROBES

from .observed import Submission, errors, judge, observe, planar


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


def test_a_local_of_another_layout_with_right_outputs_is_a_warning_that_explains_it():
    """Issue 16, item 3: dZ2 kept as its transpose inside, every returned gradient right."""
    checks, findings = judge(observe(Submission({"dZ2": lambda env: env["dZ2"].T})))
    assert errors(findings) == []
    (shape,) = [f for f in findings if f.target == "dZ2"]
    assert shape.level == "warning" and "difference of convention" in shape.message and "transpose" in shape.tags
    row = next(c for c in checks if c.target == "dZ2")
    assert row.status == "skip" and row.max_points == 0


def test_a_local_of_another_shape_stays_an_error_when_an_output_is_wrong():
    sub = Submission({"dZ2": lambda env: env["dZ2"].T, "dW1": lambda env: env["dW1"] * 2})
    _, findings = judge(observe(sub))
    assert [f for f in errors(findings) if f.target == "dZ2"]


def test_the_problems_of_a_function_marked_graded_warn_are_warnings():
    from dataclasses import replace

    spec = planar()
    warned = replace(spec, functions=tuple(replace(f, graded="warn") if f.name == "compute_cost" else f for f in spec.functions))
    obs = observe(Submission({"J": lambda env: env["J"] * 2}))
    obs.spec = warned
    checks, findings = judge(obs)
    cost = [f for f in findings if f.target == "cost"]
    assert cost and all(f.level == "warning" for f in cost) and any("graded: warn" in d for f in cost for d in f.details)
    assert all(c.max_points == 0 for c in checks if c.function == "compute_cost")
