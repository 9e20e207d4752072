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
