"""Points: what each row of the table of checks is worth, the score of the report, and the
verdict, which can never contradict the score (docs/scoring.md).

The rules, in one place:

- a row that fails earns nothing;
- a function's side-effects row (inputs left alone, the same answer twice) is worth its share
  only when every other row of that function passes: it can take points away, never give
  them on its own (a stub that returns None changes nothing, and earns nothing for it);
- the gradient-check row is worth its points only when every row of the functions it runs
  (the student's forward pass, cost and backward pass) passes: agreeing with a wrong forward
  pass is no achievement (and zero gradients of a constant cost are no agreement at all:
  fd_verdict fails that row);
- a function worth no points (``points: 0``, or ``graded: warn``) is checked and reported, as
  warnings: what is worth nothing cannot fail a submission;
- ``passed`` holds exactly when the score is the maximum and no error remains. An error that
  costs no row anything cannot be told apart from a wrong grade, so it voids the score.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..check.engine import gradient_function
from ..findings import Finding
from ..report import CheckResult
from ..spec.model import FunctionSpec, Spec

SIDE_EFFECTS = ":side-effects"
GRADIENT_CHECK = "gradient_check"
EPS = 1e-6  # scores are rounded to 4 places; rows to 6
NOT_EARNED_SIDE_EFFECTS = "no points until the values are right"
NOT_EARNED_GRADIENT_CHECK = "no points until the functions it runs are right"


def graded(spec: Spec, f: FunctionSpec) -> bool:
    """Whether a function's problems can fail the submission (else they are warnings)."""
    return f.graded != "warn" and function_points(spec, f) > 0


def function_points(spec: Spec, f: FunctionSpec) -> float:
    """A function's points: its own, or an equal part of what the named ones leave
    (``graded: warn``: none)."""
    if f.graded == "warn":
        return 0.0
    if f.points is not None:
        return f.points
    explicit = sum(g.points or 0.0 for g in spec.functions if g.graded != "warn") + (spec.gradient_check_points or 0.0)
    unnamed = [g for g in spec.functions if g.points is None and g.graded != "warn"]
    return max(0.0, spec.total_points - explicit) / max(1, len(unnamed))


def value_share(spec: Spec, f: FunctionSpec, values: int) -> float:
    """The points of each returned value; one more share is for "no side effects"."""
    return function_points(spec, f) / (values + 1)


def gradient_check_functions(spec: Spec) -> set[str]:
    """The entries whose rows the gradient check depends on: the student's cost steps and the backward pass."""
    calls = {s.call for s in spec.student_cost}
    names = {f.name for f in spec.functions if f.call in calls and f.function is None}
    backward = gradient_function(spec)
    if backward is not None:
        names.add(backward.name)
    return names


def settle(spec: Spec, checks: Sequence[CheckResult]) -> None:
    """Apply the earning rules to the rows (in place): failed rows earn nothing; the
    side-effects and gradient-check rows earn only alongside right values."""
    failing = {c.function for c in checks if c.status == "fail" and not c.id.endswith(SIDE_EFFECTS) and c.id != GRADIENT_CHECK}
    related = gradient_check_functions(spec) if any(c.id == GRADIENT_CHECK for c in checks) else set()
    for c in checks:
        if c.status == "fail":
            c.points = 0.0
        elif c.id.endswith(SIDE_EFFECTS) and c.function in failing and c.max_points > 0:
            c.points = 0.0
            c.summary = c.summary or NOT_EARNED_SIDE_EFFECTS
        elif c.id == GRADIENT_CHECK and related & failing and c.max_points > 0:
            c.points = 0.0
            c.summary = f"{c.summary}; {NOT_EARNED_GRADIENT_CHECK}" if c.summary else NOT_EARNED_GRADIENT_CHECK


def score(spec: Spec, checks: list[CheckResult]) -> tuple[float, float]:
    """(score, maximum). Optional functions present or absent: the rows are scaled (in place)
    so that the maximum is always the spec's total."""
    settle(spec, checks)
    possible = sum(c.max_points for c in checks)
    if possible > 0 and abs(possible - spec.total_points) > 1e-9:
        factor = spec.total_points / possible
        for c in checks:
            c.points, c.max_points = round(c.points * factor, 6), round(c.max_points * factor, 6)
    return round(sum(c.points for c in checks), 4), round(sum(c.max_points for c in checks), 4) or spec.total_points


def verdict(checks: Sequence[CheckResult], findings: Sequence[Finding], score: float, max_score: float) -> tuple[bool, float]:
    """(passed, score): passed exactly when the score is the maximum, no error finding remains
    and no row that carries points fails. An error that costs nothing voids the score, so that
    a FAILED report never shows full marks."""
    errors = any(f.level == "error" for f in findings)
    failed = any(c.status == "fail" and c.max_points > 0 for c in checks)
    if max_score <= 0:  # nothing to score (gradcheck itself failed): the findings alone decide
        return not errors and not failed, score
    full = score >= max_score - EPS
    if full and not errors and not failed:
        return True, score
    if full:
        return False, 0.0
    return False, score
