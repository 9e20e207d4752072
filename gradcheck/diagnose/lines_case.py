"""The line of a wrong value's mistake in the judge's terms: lines_conv's rules, given what the
judge knows (the graded functions that pass their own checks, the value and its reference)."""

from __future__ import annotations

import ast

import numpy as np

from ..findings import Location
from ..spec import formula as fm
from ..spec.model import FunctionSpec
from . import lines_conv, locate
from .case import Case


def _passing(case: Case) -> set[str]:
    """The graded functions judged already with no error (every entry of each)."""
    judged = {r[0] for r, _ in case.findings} | {
        i for i, g in enumerate(case.spec.functions) if any(c.function == g.name for c in case.checks)
    }
    groups: dict[str, list[int]] = {}
    for i, g in enumerate(case.spec.functions):
        groups.setdefault(g.call, []).append(i)
    return {call for call, entries in groups.items() if all(i in judged and not case.has_error(i) for i in entries)}


def permuted(got, ref) -> bool:
    """Whether ``got`` holds ``ref``'s numbers in another order (or shape)."""
    try:
        a, b = np.sort(np.asarray(got, dtype=np.float64).ravel()), np.sort(np.asarray(ref, dtype=np.float64).ravel())
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-12))
    except (TypeError, ValueError):
        return False


def _statistics(case: Case, n: str, env: dict) -> list[np.ndarray]:
    """The reference's statistics (values the spec makes with a mean: sbn_mu, gn_var) that ``n``
    is made from, as the trial holds them."""
    spec, out = case.spec, []
    seen, frontier = {n}, [n]
    while frontier:
        formula = spec.formula_for(frontier.pop())
        for u in sorted(fm.names(formula.tree)) if formula is not None else ():
            if u in seen:
                continue
            seen.add(u)
            frontier.append(u)
            made = spec.formula_for(u)
            tree = made.tree if made is not None else None
            if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == "mean" and u in env:
                out.append(np.asarray(env[u], dtype=np.float64))
    return out


STAT_RTOL = 1e-3  # a normalization's eps moves a variance's sums by far less; a biased variance's M/(M-1) by far more


def _known(stats: list[np.ndarray], env: dict):
    """(size, Σ|v|, Σv²) -> whether those are the numbers of a reference statistic, or of its
    square root, its inverse square root or its inverse (a standard deviation, 1/std), with or
    without one of the trial's small constants added first (a normalization's eps)."""
    eps = [0.0] + sorted({float(v) for v in env.values() if isinstance(v, (float, np.floating)) and 0 < v < 1e-2})
    prints = []
    with np.errstate(all="ignore"):
        for s in stats:
            for v in (t for e in eps for t in (s + e, np.sqrt(s + e), 1 / np.sqrt(s + e), 1 / (s + e))):
                if np.all(np.isfinite(v)):
                    prints.append((v.size, float(np.abs(v).sum()), float((v * v).sum())))

    def known(sums: tuple[int, float, float]) -> bool:
        return any(p[0] == sums[0] and np.allclose(p[1:], sums[1:], rtol=STAT_RTOL, atol=0.0) for p in prints)

    return known


def _wrong_axis(case: Case, n: str, expl) -> int | None:
    """The axis the student reduced over, when the explanation is the other axis of a 2-d softmax
    or sum: the one the spec's formula (of the intermediate it names, else of ``n``) does not use."""
    combo = expl.mutations[0] if expl.mutations else ()
    for m in combo:
        within, _, key = m.key[3:].partition(":") if m.key.startswith("in:") else (n, "", m.key)
        formula = case.spec.formula_for(within) if key in ("softmax-axis", "other-axis") else None
        axes = {
            kw.value.value
            for call in (ast.walk(formula.tree) if formula is not None else ())
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in ("softmax", "sum")
            for kw in call.keywords
            if kw.arg == "axis" and isinstance(kw.value, ast.Constant) and kw.value.value in (0, 1)
        }
        if len(axes) == 1:
            return 1 - axes.pop()
    return None


def value_line(case: Case, f: FunctionSpec, n: str, where: Location | None, expl, tags: tuple[str, ...], got, ref) -> Location | None:
    """The line of a wrong value's mistake, followed back from ``where`` (lines_conv)."""
    trace = case.obs.traces.get(f.name)
    if where is None or trace is None or where.via is not None:
        return where
    source, line = case.obs.source, where.line
    trial = next((t for t in case.normal if t.index == trace.trial), None)
    trial_env = trial.env if trial is not None else {}
    stats = _statistics(case, n, trial_env) if "forward-mismatch" in tags and not expl.mutations and expl.scale is None else []
    found = (
        lines_conv.reduced_over_wrong_axis(source, f.call, line, _wrong_axis(case, n, expl), trace)
        or (lines_conv.unmatched_statistic(source, f.call, line, trace, _known(stats, trial_env)) if stats else None)
        or lines_conv.computed_before_store(source, f.call, line, tags, trace)
        or lines_conv.values_made(source, f.call, line, trace, _passing(case), permuted(got, ref))
    )
    return case.loc(locate.Span(found, found)) if found is not None and found in trace.lines else where
