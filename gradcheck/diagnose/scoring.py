"""Points: what each row of the table of checks is worth, and the score of the report."""

from __future__ import annotations

from ..report import CheckResult
from ..spec.model import FunctionSpec, Spec


def function_points(spec: Spec, f: FunctionSpec) -> float:
    """A function's points: its own, or an equal part of what the named ones leave."""
    if f.points is not None:
        return f.points
    explicit = sum(g.points or 0.0 for g in spec.functions) + (spec.gradient_check_points or 0.0)
    unnamed = [g for g in spec.functions if g.points is None]
    return max(0.0, spec.total_points - explicit) / max(1, len(unnamed))


def value_share(spec: Spec, f: FunctionSpec, values: int) -> float:
    """The points of each returned value; one more share is for "no side effects"."""
    return function_points(spec, f) / (values + 1)


def score(spec: Spec, checks: list[CheckResult]) -> tuple[float, float]:
    """(score, maximum). Optional functions present or absent: the rows are scaled (in place)
    so that the maximum is always the spec's total."""
    possible = sum(c.max_points for c in checks)
    if possible > 0 and abs(possible - spec.total_points) > 1e-9:
        factor = spec.total_points / possible
        for c in checks:
            c.points, c.max_points = round(c.points * factor, 6), round(c.max_points * factor, 6)
    return round(sum(c.points for c in checks), 4), round(sum(c.max_points for c in checks), 4) or spec.total_points
