"""A function's ``checks:`` judged: one row per check, and a finding for the first thing wrong.

Values of a check call (another mode) and arguments read back after it (running averages) are
compared with the reference; a dropout output is judged by the statistics of its mask
(check/stats.py), never by the particular draw.
"""

from __future__ import annotations

import numpy as np

from ..check.compare import compare
from ..check.extra import ExtraCall, dropout_inputs, leaf_array
from ..check.stats import ALPHA, DropoutStats, dropout_stats
from ..check.templates import Matched, leaves
from ..report import CheckResult
from ..spec.model import ExtraCheck, FunctionSpec
from . import loading
from . import problems as P
from .case import Case

CHECKS = 700  # rank of a check's finding inside its function's group: after the values, before the probes


def rows_not_run(case: Case, f: FunctionSpec, share: float, why: str) -> None:
    for c in f.checks:
        case.checks.append(CheckResult(f"{f.name}:{c.label}", f.name, c.label, "fail", 0.0, share, why))


def judge(case: Case, fi: int, f: FunctionSpec, share: float) -> None:
    for ci, c in enumerate(f.checks):
        calls = [v for (name, i, _), v in sorted(case.obs.extra.items(), key=lambda kv: kv[0][2]) if name == f.name and i == ci]
        problem = _first_problem(case, f, c, calls) if calls else None
        why = "not run" if not calls else _summary(problem)
        ok = bool(calls) and problem is None
        if problem is not None:
            case.emit((fi, CHECKS + ci), problem)
        row = CheckResult(
            f"{f.name}:{c.label}", f.name, c.label, "pass" if ok else "fail", share if ok else 0.0, share, "ok" if ok else why
        )
        case.checks.append(row)


def _summary(problem: P.Problem | None) -> str:
    if isinstance(problem, P.DropoutStatistic):
        return {"mask-values": "mask not 0/1", "kept-fraction": "wrong fraction kept", "scale": "wrong scale"}.get(
            problem.kind, "mask shared"
        )
    if isinstance(problem, P.CheckMismatch):
        return "could not be read" if problem.unreadable else "differs from the reference"
    return "raised" if problem is not None else "ok"


def _first_problem(case: Case, f: FunctionSpec, c: ExtraCheck, calls: list[ExtraCall]) -> P.Problem | None:
    check = f"{f.name}:{c.label}"
    for call in calls:
        if call.failure is not None:
            p = loading.run_failed(case, call.failure, f.call, f.call)
            return _with(p, check, c)
        for template, matched, read_back in ((c.returns, call.returned, False), (c.after, call.after, True)):
            if template is None or matched is None:
                continue
            p = _values(case, f, c, call, template, matched, read_back)
            if p is not None:
                return p
        if c.dropout is not None:
            p = _dropout(case, f, c, call)
            if p is not None:
                return p
    return None


def _with(p: P.Problem, check: str, c: ExtraCheck) -> P.Problem:
    from dataclasses import replace

    return replace(p, check=check)


def _tags(c: ExtraCheck, *more: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(("forward-mismatch", *more, *c.tags)))


def _values(case: Case, f: FunctionSpec, c: ExtraCheck, call: ExtraCall, template, matched: Matched, read_back: bool) -> P.Problem | None:
    check = f"{f.name}:{c.label}"

    def base(path: tuple | None) -> dict:  # where: the line of that call that made the value
        where = case.check_loc(f, check, path, read_back)
        return dict(function=f.call, label=c.label, read_back=read_back, where=where, check=check, tags=_tags(c))

    if matched.problems:
        first = matched.problems[0]
        return P.CheckMismatch(target=case.spec.shown(first.target), unreadable=first.message, **base(first.path))
    for name in dict.fromkeys(leaves(template)):
        leaf, expected = matched.leaves.get(name), np.asarray(call.trial.env[name], dtype=np.float64)
        got = leaf_array(leaf)
        shown = case.spec.shown(name)
        path = leaf.path if leaf is not None else None
        if got is None or got.shape != expected.shape:
            what = leaf.value.described if leaf is not None and leaf.present else "missing"
            return P.CheckMismatch(
                target=shown, unreadable=f"{shown} should be an array of shape {expected.shape}, but it is {what}", **base(path)
            )
        result = compare(got, expected, case.rtol(got))
        if not result.ok:
            counts = dict(mismatched=result.mismatched, total=result.total, max_rel=result.max_rel)
            return P.CheckMismatch(target=shown, formula=case.formula_text(name), **counts, **base(path))
    return None


def _dropout(case: Case, f: FunctionSpec, c: ExtraCheck, call: ExtraCall) -> P.Problem | None:
    d = c.dropout
    assert d is not None
    check = f"{f.name}:{c.label}"
    bound = call.bound
    output = bound.leaves.get(d.output) if bound is not None else None
    base = dict(function=f.call, where=case.check_loc(f, check, output.path if output is not None else None), check=check)
    if bound is None or bound.problems:
        message = bound.problems[0].message if bound is not None and bound.problems else "nothing came back"
        return P.CheckMismatch(target=f.call, label=c.label, unreadable=message, tags=_tags(c, "dropout-mask"), **base)
    out, x, keep = dropout_inputs(call, d)
    if not isinstance(out, np.ndarray) or x is None or np.broadcast_shapes(x.shape, out.shape) != out.shape:
        why = f"the dropout output has no shape to compare with {d.input_text}"
        return P.CheckMismatch(target=case.spec.shown(d.output), label=c.label, tags=_tags(c, "dropout-mask"), unreadable=why, **base)
    return statistic_problem(dropout_stats(out, x, keep, d.axes), c, base)


def statistic_problem(s: DropoutStats, c: ExtraCheck, base: dict) -> P.DropoutStatistic | None:
    """The first failed test, in the order in which one explains the next: a mask that is not
    0/1; a mask shared along an axis (then the units are not independent, and the binomial
    model of the next two tests does not hold); the fraction kept; the scale (E[out]/x)."""
    stats = {
        "units": s.n,
        "keep": s.keep,
        "kept": s.kept,
        "kept_tolerance": s.kept_tolerance,
        "scale": s.scale,
        "mean_ratio": s.mean_ratio,
        "mean_tolerance": s.mean_tolerance,
        "alpha": ALPHA,
    }
    numbers = {k: v for k, v in stats.items() if k not in ("units",)}
    fields = dict(units=s.n, low=s.low, high=s.high, target=base["function"], **numbers, **base)
    if not s.one_value:
        return P.DropoutStatistic(kind="mask-values", tags=_tags(c, "dropout-mask"), stats=stats, **fields)
    failing = [a for a in s.axes if not a.ok]
    if failing:  # the axis the mask is most plainly reused along (a (n1, 1) column makes both look odd)
        a = max(failing, key=lambda a: (a.agree - a.expected) / max(a.tolerance, 1e-300))
        more = {"axis": a.axis, "agree": a.agree, "agree_expected": a.expected, "agree_tolerance": a.tolerance}
        return P.DropoutStatistic(kind="shared-mask", tags=_tags(c, "shared-mask"), stats={**stats, **more}, **fields, **more)
    if not s.kept_ok:
        complement = abs(s.kept - (1 - s.keep)) <= s.kept_tolerance
        return P.DropoutStatistic(kind="kept-fraction", tags=_tags(c, "kept-fraction"), keeps_complement=complement, stats=stats, **fields)
    if not s.mean_ok:
        return P.DropoutStatistic(kind="scale", tags=_tags(c, "wrong-scale"), stats=stats, **fields)
    return None
