"""Root causes: which wrong values are wrong on their own, and which only follow from an earlier
wrong one (GC303) — within a function (given your dZ1, your dW1 is right) and across functions
(a caller of a broken linear_backward)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..check.compare import compare
from ..check.engine import CallResult
from ..check.templates import leaves
from ..check.trials import Trial
from ..errors import FormulaError
from ..findings import GC
from ..spec import formula as fm
from ..spec.model import FunctionSpec
from . import problems as P
from .case import Case
from .messages import finding, follows_note, upstream_evidence
from .roots import root_problem
from .source_lines import called
from .wording import verdict_note


@dataclass
class Verdict:
    """One value of one function, over all trials."""

    name: str
    status: str = "ok"  # ok | root | consequence | invalid | unchecked
    causes: set[str] = field(default_factory=set)
    mismatch_trials: list[int] = field(default_factory=list)


def evaluate(formula, env) -> np.ndarray | None:
    try:
        return np.asarray(fm.evaluate(formula.tree, env), dtype=np.float64)
    except (FormulaError, TypeError, ValueError):
        return None


def ancestors(case: Case, n: str, produced: list[str]) -> list[str]:
    """Values the student produced that ``n`` depends on, through intermediates they did not."""
    spec = case.spec
    out: list[str] = []
    seen: set[str] = set()
    stack = [n]
    while stack:
        formula = spec.formula_for(stack.pop())
        if formula is None:
            continue
        for u in sorted(fm.names(formula.tree)):
            if u in seen or u == n:
                continue
            seen.add(u)
            if u in produced:
                out.append(u)
            elif spec.formula_for(u) is not None and u not in spec.parameters:
                stack.append(u)
    return out


def given_env(case: Case, trial: Trial, vals: dict[str, np.ndarray], upstream: list[str], upto: str | None = None) -> dict[str, Any]:
    """The reference env with the student's own values for ``upstream``; intermediates the
    student did not hand back (a dZ inside a loop) are recomputed from those values."""
    env = dict(trial.env)
    for u in upstream:
        if u in vals and np.shape(vals[u]) == np.shape(trial.env[u]):
            env[u] = np.asarray(vals[u], dtype=np.float64)
    if upto is None:
        return env
    for f in case.spec.formulas:
        if f.name == upto:
            break
        if f.name in upstream:
            continue
        if fm.names(f.tree) & set(upstream):
            value = evaluate(f, env)
            if value is not None and value.shape == np.shape(trial.env[f.name]):
                env[f.name] = value
    return env


def _status(case: Case, n: str, v: Verdict, calls: list[CallResult], values: list[dict], upstream: list[str]) -> None:
    """Compare one value in every trial; wrong, is it what the formula gives from the student's own inputs?"""
    formula = case.spec.formula_for(n)
    statuses = []
    for k, c in enumerate(calls):
        got, ref = values[k][n], np.asarray(c.trial.env[n])
        rtol = case.rtol(got)
        if compare(got, ref, rtol, worst=0, atol=case.spec.atol.get(n, 0.0)).ok:
            statuses.append("ok")
            continue
        v.mismatch_trials.append(k)
        env = given_env(case, c.trial, values[k], upstream, upto=n)
        given = evaluate(formula, env) if formula else None
        diffs = {
            u for u in upstream if u in values[k] and not compare(values[k][u], np.asarray(c.trial.env[u]), case.rtol(values[k][u]), 0).ok
        }
        if given is not None and given.shape == got.shape and diffs and compare(got, given, rtol, worst=0).ok:
            statuses.append("consequence")
            v.causes |= diffs
        else:
            statuses.append("root")
    if not all(s == "ok" for s in statuses):
        v.status = "root" if "root" in statuses else "consequence"


def _given_ok(case: Case, calls: list[CallResult], values: list[dict], n: str, formula, produced: list[str]) -> bool:
    for k, c in enumerate(calls):
        if n not in values[k]:
            return False
        env = given_env(case, c.trial, values[k], ancestors(case, n, produced), upto=n)
        given = evaluate(formula, env)
        if given is None or given.shape != values[k][n].shape:
            return False
    return True


def roots_of(causes: set[str], verdicts: dict[str, Verdict], depth: int = 0) -> set[str]:
    out: set[str] = set()
    for c in causes:
        v = verdicts.get(c)
        if v is not None and v.status == "consequence" and v.causes and depth < 20:
            out |= roots_of(v.causes, verdicts, depth + 1)
        else:
            out.add(c)
    return out


def cascade(
    case: Case, fi: int, f: FunctionSpec, calls: list[CallResult], values: list[dict], invalid: dict[str, str]
) -> dict[str, Verdict]:
    """Each value's verdict; root causes and their consequences recorded."""
    spec = case.spec
    produced = [n for n in [*case.formula_names, "J"] if n in set(leaves(f.returns)) | set(f.locals)]
    verdicts: dict[str, Verdict] = {}
    for n in produced:
        v = verdicts[n] = Verdict(n)
        upstream = ancestors(case, n, produced) if spec.formula_for(n) else []
        if n in invalid:
            v.status = "invalid"
        elif any(n not in vals for vals in values):
            v.status = "unchecked"
        else:
            _status(case, n, v, calls, values, upstream)
    # values downstream of an invalid (wrong-shape) value follow from it
    for n, v in verdicts.items():
        if v.status == "root":
            formula = spec.formula_for(n)
            ups = [u for u in ancestors(case, n, produced) if u in verdicts and verdicts[u].status == "invalid"] if formula else []
            if ups and not _given_ok(case, calls, values, n, formula, produced):
                v.status, v.causes = "consequence", set(ups)
    for v in verdicts.values():  # name the first wrong step, not an intermediate consequence
        v.causes = roots_of(v.causes, verdicts)
    for n, v in verdicts.items():
        if v.status == "root":
            upstream = ancestors(case, n, produced) if spec.formula_for(n) else []
            envs = [given_env(case, c.trial, values[k], upstream, upto=n) for k, c in enumerate(calls)]
            case.emit((fi, case.place(n)), root_problem(case, f, n, calls, values, produced, envs))
        elif v.status == "consequence":
            causes = ", ".join(sorted(v.causes, key=case.place))
            target = spec.shown(n)
            case.emit(
                (fi, case.place(n)),
                P.FollowsUpstream(
                    target=target,
                    where=case.value_loc(f, n, calls, n in f.locals),
                    caused_by=causes,
                    formula=case.formula_text(n),
                    check=f"{f.name}:{target}",
                    causes=causes,
                ),
            )
    return verdicts


LOADING_CODES = (GC.MISSING_FUNCTION, GC.SYNTAX_ERROR, GC.IMPORT_FAILED)  # not inherited from a callee


def family(name: str) -> str:
    """A layer's value as a family: db2 -> db (the callee's db is every layer's db)."""
    return name.rstrip("0123456789") or name


def wrong_families(case: Case, group: int, call: str) -> tuple[str, ...] | None:
    """The families of the values the callee gets wrong by its own checks; None when its error
    is about the whole function (it raised, returned the wrong structure): then anything may follow."""
    out: list[str] = []
    for rank, fnd in case.findings:
        if rank[0] != group or fnd.level != "error":
            continue
        if not fnd.check or fnd.target == call:
            return None
        if family(fnd.target) not in out:
            out.append(family(fnd.target))
    return tuple(out)


def depends_on(case: Case, shown: str, families: tuple[str, ...], own: tuple[str, ...] = ()) -> bool:
    """Whether the value ``shown`` is, or is computed through, a value of one of ``families``.
    ``own``: the caller's values, looked at first when two functions' values share a name (dx)."""
    spec = case.spec
    start = next((n for n in (*own, *case.formula_names) if spec.shown(n) == shown), shown)
    seen, stack = {start}, [start]
    while stack:
        n = stack.pop()
        if family(spec.shown(n)) in families or family(n) in families:
            return True
        formula = spec.formula_for(n)
        for u in sorted(fm.names(formula.tree)) if formula is not None else ():
            if u not in seen and u not in spec.parameters:
                seen.add(u)
                stack.append(u)
    return False


def raised_outside(case: Case, entry: str, cause: str, reaches) -> bool:
    """The caller raised, and its traceback never entered ``cause`` or a function reaching it."""
    for (name, _), c in sorted(case.obs.calls.items(), key=lambda kv: kv[0][1]):
        if name == entry and c.failure is not None and c.failure.frames:
            names = {fr[1] for fr in c.failure.frames if isinstance(fr, (list, tuple)) and len(fr) > 1}
            caller = next(f.call for f in case.spec.functions if f.name == entry)
            return cause not in names and not any(reaches(g) == cause for g in names - {caller})
    return False


def callee_cascade(case: Case) -> None:
    """A graded function that calls another graded function with an error may inherit that
    error: report it once, where it is (linear_backward), and not again in its callers — but
    only where the evidence says so. A caller's value that does not depend on what the callee
    gets wrong, or a crash raised before the callee was called, stays an error of its own."""
    functions = case.spec.functions
    calls = {f.call for f in functions}
    broken = {functions[r[0]].call for r, fnd in case.findings if 0 <= r[0] < len(functions) and fnd.level == "error"}
    if not broken:
        return
    callees = {c: called(case.obs.source, c) & (calls - {c}) for c in calls}

    def reaches(c: str, seen: frozenset = frozenset()) -> str | None:
        for g in sorted(callees.get(c, ())):
            if g in broken:
                return g
            if g not in seen:
                hit = reaches(g, seen | {c})
                if hit:
                    return hit
        return None

    def below(caller: str) -> list[str]:
        """The broken graded functions ``caller`` reaches, the deepest first."""
        out: list[str] = []
        stack, seen = [caller], {caller}
        while stack:
            for g in sorted(callees.get(stack.pop(), ())):
                if g not in seen:
                    seen.add(g)
                    stack.append(g)
                    if g in broken:
                        out.append(g)
        return sorted(out, key=lambda g: (len(below_plain(g) & broken), g))

    def below_plain(c: str, seen: frozenset = frozenset()) -> set[str]:
        out: set[str] = set()
        for g in callees.get(c, ()):
            if g not in seen:
                out |= {g} | below_plain(g, seen | {c})
        return out

    for i, (rank, fnd) in enumerate(case.findings):
        if not (0 <= rank[0] < len(functions)) or fnd.level != "error" or fnd.code in LOADING_CODES:
            continue
        caller = functions[rank[0]].call
        candidates = below(caller)
        if not candidates:
            continue
        cause, wrong, kept = None, None, None
        for c in candidates:  # the deepest callee whose error this finding can come from
            w = _union(wrong_families(case, g, c) for g, f in enumerate(functions) if f.call == c)
            if fnd.target == caller and raised_outside(case, functions[rank[0]].name, c, reaches):
                kept = kept or upstream_evidence(c, w or (), False, True)
            elif w is not None and fnd.check and not depends_on(case, fnd.target, w, tuple(leaves(functions[rank[0]].returns))):
                kept = kept or upstream_evidence(c, w, False)
            else:
                cause, wrong = c, w
                break
        if cause is None:
            case.findings[i] = (rank, replace(fnd, details=(*fnd.details, kept)) if kept else fnd)
            continue
        problem = P.CalleeBroken(
            target=fnd.target,
            where=fnd.location,
            caused_by=cause,
            formula=fnd.formula,
            check=fnd.check,
            stats=fnd.stats,
            caller=caller,
            cause=cause,
            seen=fnd.message,
        )
        found = finding(problem)  # already in the student's names
        if wrong:
            found = replace(found, details=(*found.details, upstream_evidence(cause, wrong, True)))
        case.findings[i] = (rank, found)
    _table_follows(case)


def _table_follows(case: Case) -> None:
    """A row the table calls "wrong here" whose every finding now follows from a callee's
    error (GC303) says so: the table and the findings never contradict each other."""
    here = verdict_note(None)
    for row in case.checks:
        mine = [f for _, f in case.findings if f.check == row.id and (f.level != "info" or f.code == GC.FOLLOWS_UPSTREAM)]
        causes = [f.caused_by for f in mine if f.code == GC.FOLLOWS_UPSTREAM and f.caused_by]
        if row.summary == here and mine and len(causes) == len(mine):
            row.summary = follows_note(", ".join(dict.fromkeys(causes)))


def _union(parts) -> tuple[str, ...] | None:
    out: list[str] = []
    for p in parts:
        if p is None:
            return None
        out += [x for x in p if x not in out]
    return tuple(out)
