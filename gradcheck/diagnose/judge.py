"""Turn observations into checks and findings: what is wrong, where, and why.

The judge walks one submission's observations in the order a student should read about them:
loading (loading.py), then each graded function — what it returned (values.py), which wrong
values are root causes (cascade.py, roots.py), its side effects (side_effects.py), other sizes
(probes.py) — then the gradient check (fd_verdict.py) and the closing notes. Each part records
problem records (problems.py); messages.py gives them their words.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..check.engine import CallResult, Observations
from ..check.templates import leaves, parse_student_ref
from ..report import CheckResult
from ..spec.model import FunctionSpec, student_refs
from . import extra_checks, loading, side_effects, values
from .cascade import Verdict, callee_cascade, cascade
from .case import FIRST, LOADING, Case
from .fd_verdict import gradient_check
from .messages import side_effects_note
from .probes import probes
from .scoring import value_share
from .wording import verdict_note


def _nd_args(f: FunctionSpec, call: CallResult) -> tuple[str, ...]:
    """The arguments (by the spec's names) given to ``call`` as arrays of more than two dimensions."""
    return tuple(a for a in f.args if isinstance(a, str) and np.ndim(call.trial.env.get(a)) > 2)


class Judge:
    def __init__(self, obs: Observations) -> None:
        self.case = Case(obs)
        self._load_ok = False

    def judge_calls(self) -> None:
        """Everything but the finite-difference check (it may run while the child computes it)."""
        self._load_ok = loading.load(self.case)
        if self._load_ok:
            side_effects.import_left_running(self.case, (LOADING, FIRST))
        for fi, f in enumerate(self.case.spec.functions):
            self._function(fi, f)

    def finish(self) -> tuple[list[CheckResult], list]:
        """The table of checks and the findings, in report order."""
        case = self.case
        gradient_check(case)
        loading.notes(case)
        callee_cascade(case)
        return case.checks, [f for _, f in sorted(case.findings, key=lambda p: p[0])]

    # -- one function -----------------------------------------------------------------------
    def _function(self, fi: int, f: FunctionSpec) -> None:
        case = self.case
        if f.optional and case.obs.skipped.get(f.name, "").startswith("optional"):
            return  # not in this notebook: neither graded nor counted
        uniq = list(dict.fromkeys(leaves(f.returns)))
        share = value_share(case.spec, f, len(uniq) + len(f.checks))  # one row per extra check too
        calls_ok = self._calls(fi, f, uniq, share)
        if calls_ok is None:
            return
        convention = next((c.convention for c in calls_ok if c.convention), None)
        if convention:
            loading.older_api(case, (fi, FIRST), f.call, convention)
        calls_ok, vals, invalid = self._validate(fi, f, uniq, calls_ok)
        verdicts = cascade(case, fi, f, calls_ok, vals, invalid)
        self._rows(f, uniq, calls_ok, verdicts, invalid, share)
        self._local_layouts(fi, f)
        mutated = side_effects.mutated(case, fi, f, calls_ok)
        changed = side_effects.changed_on_repeat(case, fi, f, calls_ok)
        threads = side_effects.left_running(case, fi, f, calls_ok)
        bad = bool(mutated or changed or threads)
        case.checks.append(
            CheckResult(
                f"{f.name}:side-effects",
                f.name,
                "side effects",
                "fail" if bad else "pass",
                0.0 if bad else share,
                share,
                side_effects_note(mutated, changed, threads),
            )
        )
        extra_checks.judge(case, fi, f, share)
        if not case.has_error(fi):
            probes(case, fi, f)

    def _calls(self, fi: int, f: FunctionSpec, uniq: list[str], share: float) -> list[CallResult] | None:
        """The function's calls in the normal trials; None (its rows failed) when one is missing or raised."""
        case = self.case
        calls = [case.obs.calls.get((f.name, t.index)) for t in case.normal]
        missing = f.name in case.obs.missing
        failing = next((c for c in calls if c is not None and c.failure is not None), None)
        # Never called when what it is fed comes from a call of the student's that raised: that
        # call's finding is the one to fix, and this function's rows say why they were not run.
        upstream = _failed_upstream(case, f, failing) if failing is not None else None
        if failing is not None and failing.failure is not None and upstream is None:
            case.emit((fi, FIRST), loading.run_failed(case, failing.failure, f.call, f.call, _nd_args(f, failing)))
        if not self._load_ok or missing or failing is not None or any(c is None for c in calls):
            why = "not run" if not self._load_ok else "missing" if missing else f"not run: {upstream} raised" if upstream else "raised" if failing else "not run"
            for n in uniq:
                case.checks.append(CheckResult(f"{f.name}:{case.spec.shown(n)}", f.name, case.spec.shown(n), "fail", 0.0, share, why))
            case.checks.append(CheckResult(f"{f.name}:side-effects", f.name, "side effects", "fail", 0.0, share, why))
            extra_checks.rows_not_run(case, f, share, why)
            return None
        calls_ok = [c for c in calls if c is not None]
        if student_refs(f.args):  # fed the student's own cache: judge it given their choices in it
            chosen = case.free_values
            calls_ok = [
                self._given_free(c, chosen[c.trial.index], tuple(chosen[c.trial.index])) if chosen.get(c.trial.index) else c
                for c in calls_ok
            ]
        return calls_ok

    def _validate(
        self, fi: int, f: FunctionSpec, uniq: list[str], calls: list[CallResult]
    ) -> tuple[list[CallResult], list[dict], dict[str, str]]:
        """Each value's arrays per trial, and why the others cannot be compared."""
        case = self.case
        bad_structure = values.structure(case, fi, f, calls)
        vals: list[dict[str, np.ndarray]] = [dict() for _ in calls]
        invalid: dict[str, str] = {}
        for n in sorted(uniq, key=lambda n: n not in f.free):  # the student's own choices first
            if n in bad_structure:
                invalid[n] = "structure"
                continue
            reason = values.validate(case, f, n, calls, vals)
            if reason:
                invalid[n] = reason
            if f.free and n == f.free[-1] and not any(m in invalid for m in f.free):
                calls = [self._given_free(c, v, f.free) for c, v in zip(calls, vals)]
                for c, v in zip(calls, vals):  # later calls fed this call's cache see the same choices
                    case.free_values.setdefault(c.trial.index, {}).update({m: v[m] for m in f.free})
        for local in f.locals:
            reason = values.validate_local(case, fi, f, local, calls, vals)
            if reason:
                invalid[local] = reason
        for n in f.shape_only:  # random initial values: right type and shape is all there is to check
            for v in vals:
                v.pop(n, None)
        return calls, vals, invalid

    def _rows(
        self, f: FunctionSpec, uniq: list[str], calls: list[CallResult], verdicts: dict[str, Verdict], invalid: dict[str, str], share: float
    ) -> None:
        """One row per value (intermediates shown, not scored), in backward order: a cause before what follows from it."""
        case = self.case
        shown_locals = [n for n in f.locals if n not in uniq and any(n in c.locals for c in calls)]
        for n in sorted([*uniq, *shown_locals], key=case.place):
            v = verdicts.get(n)
            ok = n not in invalid and (v is None or v.status == "ok" or (v.status == "unchecked" and n in f.shape_only))
            summary = "ok" if ok else invalid.get(n) or verdict_note(v, case.spec.shown)
            points = 0.0 if n in shown_locals else share
            shown = case.spec.shown(n)
            case.checks.append(
                CheckResult(f"{f.name}:{shown}", f.name, shown, "pass" if ok else "fail", points if ok else 0.0, points, summary)
            )

    def _local_layouts(self, fi: int, f: FunctionSpec) -> None:
        """A local of another shape (A as (m, 1)) in a function whose graded values are all right
        is the student's convention, used consistently: a warning that explains it, not an error."""
        case = self.case
        scored = [c for c in case.checks if c.function == f.name and c.max_points > 0 and not c.id.endswith(":side-effects")]
        if not scored or any(c.status == "fail" for c in scored):
            return
        for group, index, problem in case.local_shapes:
            if group == fi and problem.severity is None:
                case.reword(index, replace(problem, consistent=True, severity="warning"))
                for c in case.checks:
                    if c.function == f.name and c.target == problem.target and c.max_points == 0 and c.status == "fail":
                        c.status, c.summary = "skip", "another layout (see the warning)"

    def _given_free(self, call: CallResult, vals: dict[str, np.ndarray], free: tuple[str, ...]) -> CallResult:
        """The call judged against the reference recomputed from the student's own choices
        (their dropout masks): whatever masks they drew, A1 must be relu(Z1) * D1 / keep_prob."""
        from ..check.trials import evaluate_reference

        spec = self.case.spec
        formulas = {f.name for f in spec.formulas}
        base = {k: v for k, v in call.trial.env.items() if k not in formulas}
        for n in free:
            base[n] = np.asarray(vals[n], dtype=np.float64)
        try:
            env = evaluate_reference(spec, base)
        except Exception:  # noqa: BLE001 - a choice the formulas cannot use: judge as given
            return call
        return replace(call, trial=replace(call.trial, env=env))


def _failed_upstream(case: Case, f: FunctionSpec, failing: CallResult) -> str | None:
    """The student function whose own result ``f`` is fed (its cache, ``@fn.1``) when that call
    raised in the same trial: the grader's own record, never the child's account of it."""
    for ref in student_refs(f.args):
        name = parse_student_ref(ref)[0]
        own = case.obs.calls.get((name, failing.trial.index))
        if name != f.name and own is not None and own.failure is not None:
            return next((g.call for g in case.spec.functions if g.name == name), name)
    return None
