"""scoring.py: points per row, and the score scaled to the spec's total."""

from __future__ import annotations

from gradcheck.diagnose import scoring
from gradcheck.report import CheckResult

from .observed import planar


def test_unnamed_functions_share_what_the_named_ones_leave():
    spec = planar()
    points = {f.name: scoring.function_points(spec, f) for f in spec.functions if not f.optional}
    assert points == {"forward_propagation": 30, "compute_cost": 10, "backward_propagation": 50}  # and 10 for the gradient check
    cost = next(g for g in spec.functions if g.name == "compute_cost")
    assert scoring.value_share(spec, cost, 1) == 5  # the cost, and no side effects


def test_a_table_worth_less_than_the_total_is_scaled_up():
    spec = planar()
    rows = [CheckResult("a", "f", "a", "pass", 10.0, 20.0), CheckResult("b", "f", "b", "fail", 0.0, 30.0)]
    score, top = scoring.score(spec, rows)
    assert top == spec.total_points and score == spec.total_points * 10 / 50
    assert rows[0].max_points == spec.total_points * 20 / 50


# -- points only for working code; one verdict (issue 16, item 3) ---------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from gradcheck.findings import CODES, Finding  # noqa: E402

from .observed import Submission, judge, observe  # noqa: E402


def _rows(checks, function):
    return {c.target: c for c in checks if c.function == function}


def test_side_effects_earn_nothing_while_the_values_are_wrong():
    checks, _ = judge(observe(Submission({"A2": lambda env: env["A2"] * 0 + 0.5})))
    scoring.score(planar(), checks)
    row = _rows(checks, "forward_propagation")["side effects"]
    assert row.status == "pass" and row.points == 0 and row.max_points > 0
    assert row.summary == scoring.NOT_EARNED_SIDE_EFFECTS
    cost = _rows(checks, "compute_cost")["side effects"]  # compute_cost is right: it keeps its share
    assert cost.points == cost.max_points > 0


def test_the_gradient_check_earns_nothing_while_a_function_it_runs_is_wrong():
    checks, _ = judge(observe(Submission({"J": lambda env: env["J"] + 1.0})))
    scoring.score(planar(), checks)
    row = next(c for c in checks if c.id == "gradient_check")
    assert row.status == "pass" and row.points == 0 and scoring.NOT_EARNED_GRADIENT_CHECK in row.summary


def test_a_right_submission_keeps_every_point():
    checks, findings = judge(observe())
    score, top = scoring.score(planar(), checks)
    assert scoring.verdict(checks, findings, score, top) == (True, 100)


def test_the_gradient_check_runs_the_cost_steps_and_the_backward_pass():
    assert scoring.gradient_check_functions(planar()) == {"forward_propagation", "compute_cost", "backward_propagation"}


def test_an_error_that_costs_nothing_voids_the_score():
    rows = [CheckResult("f:a", "f", "a", "pass", 10.0, 10.0)]
    found = [Finding("GC201", "a", "wrong")]
    assert scoring.verdict(rows, found, 10.0, 10.0) == (False, 0.0)


def test_a_failed_row_worth_nothing_does_not_fail_the_submission():
    rows = [CheckResult("f:a", "f", "a", "pass", 10.0, 10.0), CheckResult("f:dZ1", "f", "dZ1", "fail", 0.0, 0.0)]
    assert scoring.verdict(rows, [], 10.0, 10.0) == (True, 10.0)


_status = st.sampled_from(["pass", "fail", "skip"])
_row = st.builds(
    lambda i, status, top, earned: CheckResult(f"f{i % 3}:{i}", f"f{i % 3}", str(i), status, round(top * earned, 3), top),
    st.integers(0, 30),
    _status,
    st.sampled_from([0.0, 1.0, 2.5, 10.0]),
    st.sampled_from([0.0, 0.5, 1.0]),
)
_finding = st.builds(lambda code, sev: Finding(code, "x", "m", severity=sev), st.sampled_from(sorted(CODES)), st.sampled_from([None, "warning", "info", "error"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_row, max_size=12), st.lists(_finding, max_size=4), st.booleans())
def test_passed_and_the_score_never_contradict_each_other(rows, findings, with_gradient_check):
    if with_gradient_check:
        rows.append(CheckResult("gradient_check", "", "gradient check", "pass", 10.0, 10.0))
    spec = planar()
    score, top = scoring.score(spec, rows)
    passed, score = scoring.verdict(rows, findings, score, top)
    if top > 0:
        assert passed == (score >= top - scoring.EPS)  # FAILED at full marks, or PASSED below them: impossible
    if passed:
        assert not any(f.level == "error" for f in findings)
        assert not any(c.status == "fail" and c.max_points > 0 for c in rows)
    assert 0 <= score <= top + scoring.EPS
