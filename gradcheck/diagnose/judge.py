"""Turn observations into checks and findings: what is wrong, where, and why."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..check import fd as fd_mod
from ..check.compare import Comparison, compare, same_memory
from ..check.engine import CallResult, Observations, gradient_function
from ..check.templates import MISSING, Leaf, leaves
from ..check.trials import Trial
from ..errors import FormulaError
from ..findings import Finding, Location
from ..report import CheckResult
from ..sandbox import wire
from ..sandbox.runner import Failure
from ..spec import formula as fm
from ..spec.model import FunctionSpec, Spec, student_refs
from . import locate
from .explain_value import Explanation, explain
from .mutations import has_mean
from .shapes import chain_text, symbolic
from .source_lines import assigned_at, called, exit_call, mutation_line, random_call, source_line
from .wording import arg_names, exception_hint, j_vs_l, name_hint, sentence, template_text, verdict_note


@dataclass
class Verdict:
    """One value of one function, over all trials."""

    name: str
    status: str = "ok"  # ok | root | consequence | invalid | unchecked
    causes: set[str] = field(default_factory=set)
    mismatch_trials: list[int] = field(default_factory=list)


class _Lazy:
    """A location found only when a finding needs it (reading the source costs time)."""

    def __init__(self, fn) -> None:
        self.fn = fn
        self.done = False
        self.value = None

    def get(self):
        if not self.done:
            self.value, self.done = self.fn(), True
        return self.value


class Judge:
    def __init__(self, obs: Observations) -> None:
        self.obs = obs
        self.spec: Spec = obs.spec
        self.normal = [t for t in obs.trials if t.probe is None]
        self.findings: list[tuple[tuple, Finding]] = []
        self.checks: list[CheckResult] = []
        self.formula_names = [f.name for f in self.spec.forward] + list(self.spec.gradient_names) + [f.name for f in self.spec.derived]
        self.free_values: dict[int, dict[str, np.ndarray]] = {}  # trial -> the student's own choices (masks)

    # -- helpers -----------------------------------------------------------------------
    def add(self, order: tuple, finding: Finding) -> None:
        if isinstance(finding.location, _Lazy):
            finding = replace(finding, location=finding.location.get())
        if self.spec.names:  # the student's names for spec-internal ones (dA2_drop is their dA2)
            shown = self.spec.shown_text
            finding = replace(finding, message=shown(finding.message), hint=finding.hint and shown(finding.hint),
                              formula=finding.formula and shown(finding.formula), chain=finding.chain and shown(finding.chain),
                              caused_by=finding.caused_by and shown(finding.caused_by), details=tuple(shown(d) for d in finding.details))  # fmt: skip
        self.findings.append((order, finding))

    def loc(self, span: locate.Span | None) -> Location | None:
        return Location(str(self.obs.path), span.line, span.end_line) if span else None

    def line_of_failure(self, failure: Failure | None, function: str | None = None) -> Location | None:
        if failure is not None and failure.frames:
            line = failure.frames[-1][0]
            if isinstance(line, int):
                return Location(str(self.obs.path), line, line)
        if failure is not None and failure.line:
            return Location(str(self.obs.path), failure.line, failure.line)
        if function:
            return self.loc(locate.locate_function(self.obs.source, function))
        return None

    def rtol(self, value: np.ndarray) -> float:
        dt = np.asarray(value).dtype
        return self.spec.tolerance.for_dtype(dt.name if dt.kind == "f" else "float64")

    # -- entry --------------------------------------------------------------------------
    def run(self) -> tuple[list[CheckResult], list[Finding]]:
        self.judge_calls()
        return self.finish()

    def judge_calls(self) -> None:
        """Everything but the finite-difference check (it may run while the child computes it)."""
        self._load_ok = self._load()
        for fi, f in enumerate(self.spec.functions):
            self._function(fi, f, self._load_ok)

    def finish(self) -> tuple[list[CheckResult], list[Finding]]:
        self._gradient_check(self._load_ok)
        self._extras()
        self._callee_cascade()
        ordered = [f for _, f in sorted(self.findings, key=lambda p: p[0])]
        return self.checks, ordered

    # -- loading ------------------------------------------------------------------------
    def _load(self) -> bool:
        obs = self.obs
        if obs.syntax_error is not None:
            line, col, msg = obs.syntax_error
            where = Location(str(obs.path), line, line) if line else None
            self.add((-1, 0), Finding("GC001", "submission", f"Python cannot read this file: {msg}" + (f" (line {line}, column {col})" if line else ""),
                                      tags=("syntax-error",), location=where, hint="correct that line (or the one above it: an unclosed bracket is reported a line late); nothing else was checked"))  # fmt: skip
            self.checks.append(CheckResult("load", "", "submission", "fail", summary="syntax error"))
            return False
        if obs.import_failure is not None:
            self._failure_finding((-1, 0), obs.import_failure, "submission", None, importing=True)
            self.checks.append(CheckResult("load", "", "submission", "fail", summary=f"import failed ({obs.import_failure.kind})"))
            return False
        self.checks.append(CheckResult("load", "", "submission", "pass", summary="imported"))
        reported: set[str] = set()
        for fi, f in enumerate(self.spec.functions):
            if f.name in obs.missing and f.call not in reported:
                reported.add(f.call)
                suggestion = obs.missing[f.name]
                msg = f"The assignment needs a function named {f.call}, but the file does not define it."
                hint = f"rename {suggestion} to {f.call}" if suggestion else f"define {f.call}({', '.join(arg_names(f))})"
                if suggestion:
                    msg = f"The file defines {suggestion} but not {f.call}; did you mean {f.call}?"
                span = locate.locate_function(obs.source, suggestion) if suggestion else None
                self.add((fi, 0), Finding("GC003", f.call, msg, tags=("missing-function",), location=self.loc(span), hint=hint))
        return True

    def _failure_finding(self, order: tuple, failure: Failure, target: str, function: str | None, importing: bool = False) -> None:
        where = self.line_of_failure(failure, function)
        if importing and failure.frames and isinstance(failure.frames[0][0], int):
            where = Location(str(self.obs.path), failure.frames[0][0], failure.frames[0][0])  # the top-level statement
        who = "importing the file" if importing else function
        during = "while importing the file" if importing else f"in {function}"
        kind = failure.kind
        text = f"{failure.type}: {failure.message}".strip(": ")
        if kind == "timeout":
            f = Finding("GC004", target, f"{who[0].upper() + who[1:] if importing else who} did not finish within the time limit ({failure.message.replace('no answer within ', '')}), so gradcheck stopped it.",
                        tags=("timeout",), location=where, hint="look for a loop that never ends, or work that does not depend on the inputs")  # fmt: skip
        elif kind == "memory":
            f = Finding("GC005", target, f"The memory limit was exceeded {during} ({text}).", tags=("memory",), location=where,
                        hint="an array far larger than the inputs was allocated; check the shapes you create")  # fmt: skip
        elif kind in ("died", "protocol"):
            exit_line = exit_call(self.obs.source, function) if function else None
            where = self.loc(exit_line) if exit_line else where
            detail = failure.message if kind == "protocol" else failure.message.replace("the process ", "")
            f = Finding("GC006", target, f"{'Importing the file' if importing else function} ended the whole Python process ({detail}) instead of returning a result.", tags=("runtime-error",), location=where,
                        hint="do not call os._exit, exit() or sys.exit() in graded code: return the values instead")  # fmt: skip
        elif kind == "exit":
            f = Finding("GC006", target, f"Your code called sys.exit() / raised SystemExit {during}; that is a failure, not a pass.",
                        tags=("runtime-error",), location=where, hint="remove the exit: return the values instead")  # fmt: skip
        elif kind == "name" and failure.name:
            f = Finding("GC009", target, f"Your code uses the name '{failure.name}' {during}, but the file never defines it (a notebook global or a helper from another cell?).",
                        tags=("runtime-error",), location=where, hint=name_hint(failure.name))  # fmt: skip
        else:
            hint = exception_hint(failure)
            if importing:
                hint = ("this ran while importing the file, in top-level code: remove leftover tests, training or plotting, "
                        "or put them under if __name__ == \"__main__\":")  # fmt: skip
            f = Finding("GC002" if importing else "GC101", target, f"{text} {during}.", tags=("runtime-error",), location=where, hint=hint)
        self.add(order, f)

    # -- one function -----------------------------------------------------------------------
    def _function(self, fi: int, f: FunctionSpec, load_ok: bool) -> None:
        if f.optional and self.obs.skipped.get(f.name, "").startswith("optional"):
            return  # not in this notebook: neither graded nor counted
        names = leaves(f.returns)
        uniq = list(dict.fromkeys(names))
        share = self._points(f) / (len(uniq) + 1)  # one share for "no side effects"
        calls = [self.obs.calls.get((f.name, t.index)) for t in self.normal]
        broken = not load_ok or f.name in self.obs.missing or any(c is None for c in calls)
        failing = next((c for c in calls if c is not None and c.failure is not None), None)
        if failing is not None:
            self._failure_finding((fi, 0), failing.failure, f.call, f.call)  # type: ignore[arg-type]
        if broken or failing is not None:
            why = "not run" if not load_ok else "missing" if f.name in self.obs.missing else "raised" if failing else "not run"
            for n in uniq:
                self.checks.append(CheckResult(f"{f.name}:{self.spec.shown(n)}", f.name, self.spec.shown(n), "fail", 0.0, share, why))
            self.checks.append(CheckResult(f"{f.name}:side-effects", f.name, "side effects", "fail", 0.0, share, why))
            return
        calls_ok: list[CallResult] = [c for c in calls if c is not None]
        if student_refs(f.args):  # fed the student's own cache: judge it given their choices in it
            calls_ok = [self._given_free(c, self.free_values.get(c.trial.index, {}), tuple(self.free_values.get(c.trial.index, {})))
                        if self.free_values.get(c.trial.index) else c for c in calls_ok]  # fmt: skip
        convention = next((c.convention for c in calls_ok if c.convention), None)
        if convention:
            self.add((fi, 0), Finding("GC010", f.call, f"Your {f.call} follows {convention}; gradcheck called it and read its result that way.",
                                      location=self.loc(locate.locate_function(self.obs.source, f.call))))  # fmt: skip
        bad_structure = self._structure(fi, f, calls_ok)
        values: list[dict[str, np.ndarray]] = [dict() for _ in calls_ok]
        invalid: dict[str, str] = {}
        for n in sorted(uniq, key=lambda n: n not in f.free):  # the student's own choices first
            if n in bad_structure:
                invalid[n] = "structure"
                continue
            reason = self._validate(fi, f, n, calls_ok, values)
            if reason:
                invalid[n] = reason
            if f.free and n == f.free[-1] and not any(m in invalid for m in f.free):
                calls_ok = [self._given_free(c, vals, f.free) for c, vals in zip(calls_ok, values)]
                for c, vals in zip(calls_ok, values):  # later calls fed this call's cache see the same choices
                    self.free_values.setdefault(c.trial.index, {}).update({m: vals[m] for m in f.free})
        for local in f.locals:
            reason = self._validate_local(fi, f, local, calls_ok, values)
            if reason:
                invalid[local] = reason
        for n in f.shape_only:  # random initial values: right type and shape is all there is to check
            for vals in values:
                vals.pop(n, None)
        verdicts = self._cascade(fi, f, calls_ok, values, invalid)
        shown_locals = [n for n in f.locals if n not in uniq and any(n in c.locals for c in calls_ok)]
        for n in sorted([*uniq, *shown_locals], key=self._pos):  # backward order: a cause before what follows from it
            v = verdicts.get(n)
            ok = n not in invalid and (v is None or v.status == "ok" or (v.status == "unchecked" and n in f.shape_only))
            summary = "ok" if ok else invalid.get(n) or verdict_note(v)
            points = 0.0 if n in shown_locals else share  # intermediates are shown, not scored
            self.checks.append(CheckResult(f"{f.name}:{self.spec.shown(n)}", f.name, self.spec.shown(n), "pass" if ok else "fail",
                                           points if ok else 0.0, points, summary))  # fmt: skip
        problems = [p for p in (self._mutation(fi, f, calls_ok), self._repeat(fi, f, calls_ok)) if p]
        self.checks.append(CheckResult(f"{f.name}:side-effects", f.name, "side effects", "fail" if problems else "pass",
                                       0.0 if problems else share, share, "; ".join(problems)))  # fmt: skip
        if not any(o[0] == fi and fnd.level == "error" for o, fnd in self.findings):
            self._probes(fi, f)

    def _given_free(self, call: CallResult, vals: dict[str, np.ndarray], free: tuple[str, ...]) -> CallResult:
        """The call judged against the reference recomputed from the student's own choices
        (their dropout masks): whatever masks they drew, A1 must be relu(Z1) * D1 / keep_prob."""
        from ..check.trials import evaluate_reference

        formulas = {f.name for f in self.spec.formulas}
        base = {k: v for k, v in call.trial.env.items() if k not in formulas}
        for n in free:
            base[n] = np.asarray(vals[n], dtype=np.float64)
        try:
            env = evaluate_reference(self.spec, base)
        except Exception:  # noqa: BLE001 - a choice the formulas cannot use: judge as given
            return call
        return replace(call, trial=replace(call.trial, env=env))

    def _callee_cascade(self) -> None:
        """A graded function that calls another graded function with an error inherits that
        error: report it once, where it is (linear_backward), not again in its callers."""
        functions = self.spec.functions
        calls = {f.call for f in functions}
        broken = {functions[o[0]].call for o, fnd in self.findings if 0 <= o[0] < len(functions) and fnd.level == "error"}
        if not broken:
            return
        callees = {c: called(self.obs.source, c) & (calls - {c}) for c in calls}

        def reaches(c: str, seen: frozenset = frozenset()) -> str | None:
            for g in sorted(callees.get(c, ())):
                if g in broken:
                    return g
                if g not in seen:
                    hit = reaches(g, seen | {c})
                    if hit:
                        return hit
            return None

        for i, (order, fnd) in enumerate(self.findings):
            if not (0 <= order[0] < len(functions)) or fnd.level != "error" or fnd.code in ("GC003", "GC001", "GC002"):
                continue
            caller = functions[order[0]].call
            cause = reaches(caller)
            for _ in range(len(calls)):  # follow the chain down to the deepest broken callee
                deeper = reaches(cause) if cause else None
                if not deeper or deeper in (cause, caller):
                    break
                cause = deeper
            if cause and cause != caller:
                text = (f"{caller} relies on {cause}, which is wrong (see above); this finding most likely follows from it: "
                        f"fix {cause} first, then check again. What gradcheck saw: {fnd.message}")  # fmt: skip
                self.findings[i] = (order, Finding("GC303", fnd.target, text, location=fnd.location, caused_by=cause,
                                                   formula=fnd.formula, check=fnd.check, stats=fnd.stats))  # fmt: skip

    def _points(self, f: FunctionSpec) -> float:
        spec = self.spec
        explicit = sum(g.points or 0.0 for g in spec.functions) + (spec.gradient_check_points or 0.0)
        unnamed = [g for g in spec.functions if g.points is None]
        if f.points is not None:
            return f.points
        return max(0.0, spec.total_points - explicit) / max(1, len(unnamed))

    def _structure(self, fi: int, f: FunctionSpec, calls: list[CallResult]) -> set[str]:
        bad: set[str] = set()
        seen: set[tuple] = set()
        for c in calls:
            for p in c.matched.problems if c.matched else []:
                key = (p.kind, p.target, p.path)
                bad.update(p.leaves)
                if key in seen:
                    continue
                seen.add(key)
                target = self.spec.shown(p.target)
                if p.kind == "missing-key":
                    span = locate.locate_return(self.obs.source, f.call, p.path[:-1], container=True)
                    span = span or locate.locate_return(self.obs.source, f.call, ("return",))
                    hint = f"use the key '{p.path[-1]}'" if p.suggestion else f"add '{p.path[-1]}' to the returned dict"
                    self.add((fi, self._pos(p.target)), Finding("GC103", target, sentence(p.message), tags=("missing-key",), location=self.loc(span), hint=hint, check=f"{f.name}:{target}"))
                else:
                    span = locate.locate_return(self.obs.source, f.call, ("return",))
                    self.add((fi, 0), Finding("GC102", target, sentence(p.message), tags=("wrong-type",), location=self.loc(span),
                                              hint=f"return {template_text(f.returns, self.spec.shown)}"))  # fmt: skip
        return bad

    def _pos(self, name: str) -> int:
        """Report order: forward values, then the cost, then gradients in backward order."""
        n_forward = len(self.spec.forward)
        if name == "J":
            return 1 + n_forward
        if name in self.formula_names:
            i = self.formula_names.index(name)
            return 1 + i if i < n_forward else 2 + i
        return 2 + len(self.formula_names)

    def _span_for(self, f: FunctionSpec, name: str, calls: list[CallResult]) -> locate.Span | None:
        path = None
        for c in calls:
            if c.matched and name in c.matched.leaves:
                path = c.matched.leaves[name].path
                break
        span = locate.locate_return(self.obs.source, f.call, path) if path else None
        if span is None:
            span = locate.locate_local(self.obs.source, f.call, self.spec.shown(name))
        return span or locate.locate_function(self.obs.source, f.call)

    def _validate(self, fi: int, f: FunctionSpec, n: str, calls: list[CallResult], values: list[dict]) -> str | None:
        """Type, dtype, shape and finiteness of one returned value, in every trial."""
        for k, c in enumerate(calls):
            leaf = c.matched.leaves.get(n) if c.matched else None
            problem = self._leaf_problem(f, n, leaf, c.trial, calls)
            if problem:
                return problem
            values[k][n] = leaf.array  # type: ignore[union-attr]
        return None

    def _validate_local(self, fi: int, f: FunctionSpec, n: str, calls: list[CallResult], values: list[dict]) -> str | None:
        if not all(n in c.locals for c in calls):
            g = self.spec.gradient(n)
            self.add((fi, 900 + self._pos(n)), Finding("GC305", n, f"{f.call} has no local variable named {n}, so gradcheck could not check that intermediate step on its own; the returned gradients are still checked.",
                                                      location=self.loc(locate.locate_function(self.obs.source, f.call)),
                                                      hint=f"name the intermediate {n} (it is {self.spec.shown(n)} = " + (fm.pretty(g.formula.text) if g else n) + ") to get step-by-step diagnosis"))  # fmt: skip
            return "not found"
        for k, c in enumerate(calls):
            problem = self._leaf_problem(f, n, c.locals[n], c.trial, calls, local=True)
            if problem:
                return problem
            values[k][n] = c.locals[n].array  # type: ignore[union-attr]
        return None

    def _leaf_problem(self, f: FunctionSpec, n: str, leaf: Leaf | None, trial: Trial, calls, local: bool = False) -> str | None:
        ref = np.asarray(trial.env[n])
        value = leaf.value if leaf else MISSING
        target = self.spec.shown(n)
        order = (self.spec.functions.index(f), self._pos(n))
        where = _Lazy(
            lambda: self.loc(locate.locate_local(self.obs.source, f.call, self.spec.shown(n)) if local else self._span_for(f, n, calls))
        )
        if ref.ndim == 0:
            if value.is_number:
                dtype_ok = value.kind != "int" and (value.kind not in ("scalar", "nd") or value.float_kind)
                if leaf is not None and leaf.array is not None and dtype_ok:
                    return self._finite(order, target, leaf.array, where, f)
            if value.is_array and leaf is not None and leaf.array is not None and leaf.array.size > 1 and leaf.array.dtype.kind == "f":
                self._shape_finding(order, f, n, leaf.array, trial, where, calls, local)  # many numbers for one
                return "wrong shape"
            fix = "float(np.squeeze(cost))" if n == "J" else f"a float for {target}"
            msg = f"{target} must be a single number (a float), but {f.call} returned {value.described}."
            if value.kind == "tuple" and not value.length:
                msg += " An empty tuple () is what `.shape` of a 0-d array gives, and `np.allclose(x, ())` is vacuously True — which is why a notebook test may have passed."
            self.add(order, Finding("GC102", target, msg, tags=("wrong-type",), location=where, hint=f"return {fix}", check=f"{f.name}:{target}"))
            return "wrong type"
        numeric_kinds = "fiub" if n in f.free else "f"  # a mask may be ints or booleans
        if not value.is_plain_array or value.dtype_kind not in numeric_kinds:
            why = ""
            if value.kind == "list":
                why = " A list is not an array: use np.array or keep the numpy result."
            elif value.is_array and value.is_matrix:
                why = " np.matrix changes what * means (matrix product); use plain arrays."
            elif value.is_array and value.dtype_kind in "iub":
                why = " An integer array truncates every gradient to whole numbers."
            elif value.is_array and value.dtype_kind == "c":
                why = " Gradients are real numbers; a complex dtype means something went wrong upstream."
            self.add(order, Finding("GC102", target, f"{target} must be a float numpy array of shape {tuple(ref.shape)}, but {f.call} returned {value.described}.{why}",
                                    tags=("wrong-type",), location=where, hint=f"return {target} as a float numpy array", check=f"{f.name}:{target}"))  # fmt: skip
            return "wrong type"
        got = leaf.array  # type: ignore[union-attr]
        if got is None:
            return "unreadable"
        if got.shape != ref.shape:
            self._shape_finding(order, f, n, got, trial, where, calls, local)
            return "wrong shape"
        return self._finite(order, target, got, where, f)

    def _finite(self, order, target, value: np.ndarray, where, f) -> str | None:
        arr = np.asarray(value, dtype=np.float64)
        if not np.all(np.isfinite(arr)):
            bad = int(np.sum(~np.isfinite(arr)))
            kinds = ", ".join(k for k, test in (("NaN", np.isnan), ("inf", np.isinf)) if np.any(test(arr)))
            self.add(order, Finding("GC105", target, f"{target} contains {kinds} in {bad} of {arr.size} entries.", tags=("not-finite",), location=where,
                                    hint="look for a division by zero, log(0), or an overflow in exp", check=f"{f.name}:{target}"))  # fmt: skip
            return "not finite"
        return None

    def _shape_finding(self, order, f: FunctionSpec, n: str, got: np.ndarray, trial: Trial, where, calls, local) -> None:
        target = self.spec.shown(n)
        ref = np.asarray(trial.env[n])
        like = ""
        g = self.spec.gradient(n)
        if g is not None:
            like = f" — a gradient has the shape of what it differentiates: {target} is shaped like {g.wrt}"
        exp_sym, got_sym = symbolic(ref.shape, trial.dims), symbolic(got.shape, trial.dims)
        tags = ["shape"]
        detail: list[str] = []
        expl = None
        if n in self.formula_names:
            cases = []
            for c in calls:
                arr = (c.locals[n].array if local and n in c.locals else c.matched.leaves[n].array if c.matched and n in c.matched.leaves else None)
                if arr is None:
                    cases = []
                    break
                cases.append((arr, c.trial.env, c.trial.dims[self.spec.batch], self.rtol(arr)))
            if cases:
                expl = explain(self.spec, n, cases, bool(g and g.per_example), g is None, try_pairs=True)
        text = f"{target} has shape {got_sym} but should have shape {exp_sym}{like}."
        hint = None
        got_shapes, ref_shapes = set(), set()
        for c in calls:
            leaf = c.locals.get(n) if local else (c.matched.leaves.get(n) if c.matched else None)
            if leaf is not None and leaf.array is not None:
                got_shapes.add(leaf.array.shape)
                ref_shapes.add(np.shape(c.trial.env[n]))
        if len(got_shapes) == 1 and len(ref_shapes) > 1:
            text += f" It stays {got.shape} in every trial while the sizes change: a size looks hard-coded."
            hint = "take every size from the arguments (n_h, X.shape[1], …) instead of writing numbers"
        if expl and expl.mutations:
            for tag in expl.tags():
                if tag not in tags:
                    tags.append(tag)
            first = expl.mutations[0]
            text += " Your value matches the reference with one change: " + "; ".join(m.text for m in first) + "."
            hint = "; ".join(m.fix for m in first)
            for other in expl.mutations[1:3]:
                detail.append("also consistent: " + "; ".join(m.text for m in other))
        elif got.shape == ref.shape[::-1] and ref.ndim == 2:
            tags.append("transpose")
            hint = "the result is transposed: swap the order of the matrix product or drop a .T"
        elif got.ndim == ref.ndim - 1 and ref.ndim == 2 and ref.shape[1] == 1 and got.shape == (ref.shape[0],):
            tags.append("missing-keepdims")
            hint = "add keepdims=True to the sum so the result stays a column"
        self.add(order, Finding("GC104", target, text, tags=tuple(tags), location=where, hint=hint, check=f"{f.name}:{target}",
                                formula=self._formula_text(n), chain=self._chain(n, trial), details=tuple(detail),
                                stats={"got_shape": list(got.shape), "expected_shape": list(ref.shape)}))  # fmt: skip

    def _formula_text(self, n: str) -> str | None:
        formula = self.spec.formula_for(n)
        if formula is None:
            return None
        text = f"{self.spec.shown(n)} = {fm.pretty(formula.text)}"
        if n == "J" and "L" in fm.names(formula.tree):
            text += f",  where the per-example loss L = {fm.pretty(self.spec.loss.text)}"
        return text

    def _chain(self, n: str, trial: Trial) -> str | None:
        formula = self.spec.formula_for(n)
        if formula is None:
            return None
        return chain_text(n, formula, trial.env, trial.dims)

    # -- root causes ------------------------------------------------------------------------
    def _cascade(self, fi: int, f: FunctionSpec, calls: list[CallResult], values: list[dict], invalid: dict[str, str]) -> dict[str, Verdict]:
        produced = [n for n in [*self.formula_names, "J"] if n in set(leaves(f.returns)) | set(f.locals)]
        verdicts: dict[str, Verdict] = {}
        for n in produced:
            v = Verdict(n)
            verdicts[n] = v
            formula = self.spec.formula_for(n)
            upstream = self._ancestors(n, produced) if formula else []
            if n in invalid:
                v.status = "invalid"
                continue
            if any(n not in vals for vals in values):
                v.status = "unchecked"
                continue
            statuses = []
            for k, c in enumerate(calls):
                got, ref = values[k][n], np.asarray(c.trial.env[n])
                rtol = self.rtol(got)
                if compare(got, ref, rtol, worst=0, atol=self.spec.atol.get(n, 0.0)).ok:
                    statuses.append("ok")
                    continue
                v.mismatch_trials.append(k)
                env = self._given_env(c.trial, values[k], upstream, upto=n)
                given = _eval(formula, env) if formula else None
                diffs = {u for u in upstream if u in values[k] and not compare(values[k][u], np.asarray(c.trial.env[u]), self.rtol(values[k][u]), 0).ok}
                if given is not None and given.shape == got.shape and diffs and compare(got, given, rtol, worst=0).ok:
                    statuses.append("consequence")
                    v.causes |= diffs
                else:
                    statuses.append("root")
            if all(s == "ok" for s in statuses):
                continue
            v.status = "root" if "root" in statuses else "consequence"
        # values downstream of an invalid (wrong-shape) value follow from it
        for n, v in verdicts.items():
            if v.status == "root":
                formula = self.spec.formula_for(n)
                ups = [u for u in self._ancestors(n, produced) if u in verdicts and verdicts[u].status == "invalid"] if formula else []
                if ups and not self._given_ok(calls, values, n, formula, produced):
                    v.status, v.causes = "consequence", set(ups)
        for v in verdicts.values():  # name the first wrong step, not an intermediate consequence
            v.causes = _roots(v.causes, verdicts)
        for n, v in verdicts.items():
            if v.status == "root":
                self._root_finding(fi, f, n, calls, values, produced)
            elif v.status == "consequence":
                causes = ", ".join(sorted(v.causes, key=self._pos))
                target = self.spec.shown(n)
                where = self.loc(
                    self._span_for(f, n, calls) if n not in f.locals else locate.locate_local(self.obs.source, f.call, self.spec.shown(n))
                )
                self.add((fi, self._pos(n)), Finding("GC303", target, f"{target} is wrong only because {causes} is wrong: given your {causes}, your {target} is computed correctly. Fix {causes} first.",
                                                     location=where, caused_by=causes, formula=self._formula_text(n), check=f"{f.name}:{target}"))  # fmt: skip
        return verdicts

    def _given_ok(self, calls, values, n, formula, produced) -> bool:
        for k, c in enumerate(calls):
            if n not in values[k]:
                return False
            env = self._given_env(c.trial, values[k], self._ancestors(n, produced), upto=n)
            given = _eval(formula, env)
            if given is None or given.shape != values[k][n].shape:
                return False
        return True

    def _given_env(self, trial: Trial, vals: dict[str, np.ndarray], upstream: list[str], upto: str | None = None) -> dict[str, Any]:
        """The reference env with the student's own values for ``upstream``; intermediates the
        student did not hand back (a dZ inside a loop) are recomputed from those values."""
        env = dict(trial.env)
        for u in upstream:
            if u in vals and np.shape(vals[u]) == np.shape(trial.env[u]):
                env[u] = np.asarray(vals[u], dtype=np.float64)
        if upto is None:
            return env
        for f in self._ordered_formulas():
            if f.name == upto:
                break
            if f.name in upstream:
                continue
            if fm.names(f.tree) & set(upstream):
                value = _eval(f, env)
                if value is not None and value.shape == np.shape(trial.env[f.name]):
                    env[f.name] = value
        return env

    def _ordered_formulas(self):
        return self.spec.formulas

    def _hidden(self, n: str, produced: list[str]) -> tuple[str, ...]:
        """Intermediates ``n`` depends on that the student did not hand back, nearest first."""
        out: list[str] = []
        frontier = [n]
        while frontier:
            formula = self.spec.formula_for(frontier.pop(0))
            if formula is None:
                continue
            derived = {f.name for f in self.spec.derived}  # made for this value: searched before gradients graded elsewhere
            for u in sorted(fm.names(formula.tree), key=lambda u: (u not in derived, u)):
                if u in out or u == n or u in produced or u in self.spec.parameters:
                    continue
                if self.spec.formula_for(u) is not None and u not in ("L", "J"):
                    out.append(u)
                    frontier.append(u)
        return tuple(out[:6])

    def _ancestors(self, n: str, produced: list[str]) -> list[str]:
        """Values the student produced that ``n`` depends on, through intermediates they did not."""
        out: list[str] = []
        seen: set[str] = set()
        stack = [n]
        while stack:
            formula = self.spec.formula_for(stack.pop())
            if formula is None:
                continue
            for u in sorted(fm.names(formula.tree)):
                if u in seen or u == n:
                    continue
                seen.add(u)
                if u in produced:
                    out.append(u)
                elif self.spec.formula_for(u) is not None and u not in self.spec.parameters:
                    stack.append(u)
        return out

    def _root_finding(self, fi: int, f: FunctionSpec, n: str, calls: list[CallResult], values: list[dict], produced: list[str]) -> None:
        formula = self.spec.formula_for(n)
        g = self.spec.gradient(n)
        upstream = self._ancestors(n, produced) if formula else []
        cases = []
        first_cmp = None
        first_k = None
        for k, c in enumerate(calls):
            got = values[k][n]
            env = self._given_env(c.trial, values[k], upstream, upto=n)
            ref = np.asarray(c.trial.env[n])
            cmp_ = compare(got, ref, self.rtol(got), atol=self.spec.atol.get(n, 0.0))
            if not cmp_.ok and first_cmp is None:
                first_cmp, first_k = cmp_, k
            if not cmp_.ok:
                cases.append((got, env, c.trial.dims[self.spec.batch], self.rtol(got)))
        expl = explain(self.spec, n, cases, bool(g and g.per_example), g is None, hidden=self._hidden(n, produced))
        expl.mutations = self._plausible_first(f, n, expl.mutations)
        target = self.spec.shown(n)
        trial = calls[first_k].trial  # type: ignore[index]
        where = self.loc(locate.locate_local(self.obs.source, f.call, self.spec.shown(n)) if n in f.locals else self._span_for(f, n, calls))
        code, tags, text, hint, details = self._describe(n, expl, first_cmp, trial)  # type: ignore[arg-type]
        note = self.spec.notes.get(n)  # the spec author's words on what this value going wrong means
        if note and hint is None:
            hint = note
        elif note:
            details.append(note)
        got = values[first_k][n]  # type: ignore[index]
        stats = {
            "mismatched": first_cmp.mismatched, "total": first_cmp.total,  # type: ignore[union-attr]
            "max_abs_error": first_cmp.max_abs, "max_rel_error": first_cmp.max_rel,  # type: ignore[union-attr]
            "worst": [list(w) for w in first_cmp.worst], "rtol": first_cmp.rtol, "trial": trial.label,  # type: ignore[union-attr]
            "ratio": expl.ratios[0] if expl.ratios else None,
            "error_map": (np.asarray(got, dtype=np.float64) - np.asarray(trial.env[n])).tolist() if np.ndim(got) == 2 and np.size(got) <= 4096 else None,
            "expected_scale": float(np.max(np.abs(trial.env[n]))) if np.size(trial.env[n]) else 0.0,
        }  # fmt: skip
        self.add((fi, self._pos(n)), Finding(code, target, text, tags=tuple(tags), location=where, hint=hint, formula=self._formula_text(n),
                                              chain=self._chain(n, trial), stats=stats, check=f"{f.name}:{target}", details=tuple(details)))  # fmt: skip

    def _plausible_first(self, f: FunctionSpec, n: str, combos: list) -> list:
        """Among explanations that fit equally, drop those claiming the student used a name the
        line never mentions while it does mention the right one (A3 for A2): they are false."""
        if len(combos) < 2:
            return combos
        used = locate.names_in(self.obs.source, f.call, self.spec.shown(n))

        def implausible(combo) -> bool:
            for m in combo:
                wrong = right = None
                if m.key.startswith("deriv-operand:"):
                    wrong, right = m.key.split(":", 1)[1], None
                elif m.key.startswith("operand:") and "->" in m.key:
                    right, wrong = m.key.split(":", 1)[1].split("->")
                if wrong and self.spec.shown(wrong) not in used and (right is None or self.spec.shown(right) in used):
                    return True
            return False

        plausible = [c for c in combos if not implausible(c)]
        return plausible or combos

    def _describe(self, n: str, expl: Explanation, cmp_, trial: Trial) -> tuple[str, list[str], str, str | None, list[str]]:
        target = self.spec.shown(n)
        g = self.spec.gradient(n)
        is_forward = n in {f.name for f in self.spec.forward}
        is_derived = n in {f.name for f in self.spec.derived}
        base_tag = ["forward-mismatch"] if is_forward else ["cost-mismatch"] if n == "J" else ["value-mismatch"] if is_derived else []
        code = "GC201" if is_forward else "GC202" if n == "J" else "GC203" if is_derived else "GC301"
        details: list[str] = []
        if expl.scale is not None:
            tags = base_tag + [t for t in expl.scale.tags if t not in base_tag]
            if code == "GC301":
                code = "GC302"
            text = f"{expl.scale.text}."
            formula = self.spec.formula_for(n)
            averaged = formula is not None and has_mean(formula.tree, self.spec.batch)
            about_m = self.spec.batch in expl.scale.factor_text.replace("/", " ").split() or expl.scale.factor_text.lstrip("−").endswith(self.spec.batch)
            if g is not None and set(expl.scale.tags) & {"missing-mean", "extra-mean", "wrong-scale"} and (averaged or g.per_example) and about_m:
                text += " " + j_vs_l(g.name, g.wrt, g.per_example, self.spec.batch)
            for combo in expl.mutations[:2]:
                details.append("matches: " + "; ".join(m.text for m in combo))
            return code, tags, text, expl.scale.fix[0].upper() + expl.scale.fix[1:] + ".", details
        if expl.mutations:
            tags = list(base_tag)
            for t in expl.tags():
                if t not in tags:
                    tags.append(t)
            first = expl.mutations[0]
            what = "; ".join(m.text for m in first)
            text = f"{target} is wrong: {what}."
            # Alternatives that name a different kind of mistake are worth showing; the same
            # mistake written two ways (relu′(Z1) and A1 > 0) is not.
            others = [o for o in expl.mutations[1:] if {m.tag for m in o} != {m.tag for m in first}]
            if others:
                text += " Another explanation fits equally well; see below."
                for other in others[:2]:
                    details.append("also fits: " + "; ".join(m.text for m in other))
            hint = "; ".join(m.fix for m in first)
            return code, tags, text, hint[0].upper() + hint[1:] + ".", details
        text = (f"{target} differs from the reference in {cmp_.mismatched} of {cmp_.total} entries (largest relative error {cmp_.max_rel:.3g}). "
                "No mistake in gradcheck's catalog reproduces your value, so here are the facts only.")  # fmt: skip
        return code, list(base_tag), text, None, details

    # -- other checks -------------------------------------------------------------------------------
    def _mutation(self, fi: int, f: FunctionSpec, calls: list[CallResult]) -> str | None:
        mutated = sorted({n for c in calls for n in c.mutated})
        if not mutated:
            return None
        names = ", ".join(mutated)
        self.add((fi, 0), Finding("GC107", f.call, f"{f.call} changed its input {names} in place. The caller's arrays change too: in a notebook, whatever variable you pass in again (a cache, dout, X) now holds different values.",
                                  tags=("inplace-mutation",), location=self.loc(mutation_line(self.obs.source, f.call, mutated)),
                                  hint="make a copy before modifying (x = x.copy()), or use operations that return new arrays (dZ = dA * mask)"))  # fmt: skip
        return f"modified its input {names}"

    def _repeat(self, fi: int, f: FunctionSpec, calls: list[CallResult]) -> str | None:
        again = self.obs.repeats.get(f.name)
        first = next((c for c in calls if c.trial.index == 0), None)
        if again is None or first is None or again.matched is None or first.matched is None:
            return None
        differs = []
        for n, leaf in first.matched.leaves.items():
            other = again.matched.leaves.get(n)
            a, b = leaf.array, other.array if other else None
            if a is not None and other is not None and other.digest is not None:  # sent as a fingerprint of its bytes
                if not other.same_kind(a) or wire.fingerprint(a) != other.digest:
                    differs.append(self.spec.shown(n))
            elif a is not None and b is not None and a.shape == b.shape and not same_memory(a, b) and not np.array_equal(a, b, equal_nan=True):
                differs.append(self.spec.shown(n))
        if differs:
            names = ", ".join(differs)
            self.add((fi, 0), Finding("GC106", differs[0], f"Calling {f.call} twice with the same inputs gave different {names}. A gradient must be a function of the inputs only.",
                                      tags=("nondeterministic",), location=self.loc(random_call(self.obs.source, f.call) or self._span_for(f, next(n for n in first.matched.leaves if self.spec.shown(n) == differs[0]), calls)),
                                      hint=f"{f.call} must not draw random numbers (a dropout mask belongs in the forward pass's cache) or keep state between calls"))  # fmt: skip
            return f"{names} changed between calls"
        return None

    def _probes(self, fi: int, f: FunctionSpec) -> None:
        for t in self.obs.trials:
            if t.probe is None or f.name not in t.probe.functions:
                continue
            c = self.obs.calls.get((f.name, t.index))
            if c is None:
                continue
            depth = t.probe.depth
            sizes = ", ".join(f"{k}={v}" for k, v in t.probe.dims.items())
            if depth is not None:  # another number of layers: a hard-coded layer count breaks here
                sizes = f"L = {depth} layers ({', '.join(f'{k}={v}' for k, v in t.dims.items())})"
                because = (f"It works only for the number of layers in this assignment's trials (L = {self.spec.depth}): look for a layer count "
                           "or a layer index written as a number instead of taken from len(parameters) // 2 or len(caches).")  # fmt: skip
            else:
                because = "It works here only because of the sizes, and would break in a network with more output units."
            if c.failure is not None:
                target, tags, span = f.name, [], None
                line = c.failure.frames[-1][0] if c.failure.frames else None
                if isinstance(line, int):
                    name = assigned_at(self.obs.source, f.call, line)
                    span = locate.Span(line, line)
                    if name in self.formula_names:
                        target = name
                        formula = self.spec.formula_for(name)
                        if "broadcast" in c.failure.message and formula is not None and "@" in formula.text and "*" in source_line(self.obs.source, line):
                            tags.append("matmul-vs-elementwise")
                msg = f"Your {f.call} passes at this assignment's sizes but fails with {sizes}: {c.failure.type}: {c.failure.message}. {because}"
                hint = "use a matrix product (np.dot or @) where the math has one" if "matmul-vs-elementwise" in tags else None
                self.add((fi, 800), Finding("GC401", self.spec.shown(target) if target != f.name else f.call, msg, tags=tuple(tags), location=self.loc(span), hint=hint, formula=self._formula_text(target) if target != f.name else None))
                continue
            if c.matched is None:
                continue
            if depth is not None and c.matched.problems:  # a key such as dW4 missing: the loop stops early
                problem = c.matched.problems[0]
                msg = f"Your {f.call} passes at this assignment's sizes but not with {sizes}: {problem.message.rstrip('.')}. {because}"
                self.add((fi, 800), Finding("GC401", f.call, msg, location=self.loc(locate.locate_function(self.obs.source, f.call))))
                continue
            spec_t = t.spec or self.spec
            names_t = {g.name for g in spec_t.backward} | {x.name for x in spec_t.forward}
            for n, leaf in c.matched.leaves.items():
                ref = np.asarray(t.env[n])
                arr = leaf.array
                if arr is None:
                    continue
                if arr.shape == ref.shape and compare(arr, ref, self.rtol(arr), 0, atol=self.spec.atol.get(n, 0.0)).ok:
                    continue
                grad = spec_t.gradient(n)
                expl = explain(spec_t, n, [(arr, t.env, t.dims[spec_t.batch], self.rtol(arr))], bool(grad and grad.per_example), False) if n in names_t else None
                tags = expl.tags() if expl else []
                what = "; ".join(m.text for m in expl.mutations[0]) if expl and expl.mutations else "a different value"
                shape_note = f" (shape {tuple(arr.shape)} instead of {tuple(ref.shape)})" if arr.shape != ref.shape else ""
                msg = f"Your {self.spec.shown(n)} is right at this assignment's sizes only by accident: with {sizes} it is wrong{shape_note} — {what}. {because}"
                hint = "; ".join(m.fix for m in expl.mutations[0]) if expl and expl.mutations else None
                self.add((fi, 800 + self._pos(n)), Finding("GC401", self.spec.shown(n), msg, tags=tuple(tags), location=self.loc(self._span_for(f, n, [c])), hint=hint, formula=self._formula_text(n)))
                break

    def _gradient_check(self, load_ok: bool) -> None:
        spec, obs = self.spec, self.obs
        if not spec.student_cost:
            return
        pts = spec.gradient_check_points or 0.0
        fd = obs.fd
        backward = gradient_function(spec)
        call = obs.calls.get((backward.name, 0)) if backward else None
        if fd is None or fd.failure is not None or call is None or call.matched is None or call.failure is not None:
            why = "not run" if fd is None else f"your forward/cost failed ({fd.failure.kind})" if fd.failure else "backward failed"
            if fd is not None and fd.failure is not None and fd.failure.kind == "not-finite":
                why = fd.failure.message
            self.checks.append(CheckResult("gradient_check", "", "gradient check", "fail", 0.0, pts, why))
            return
        bad_params, checked, kinks = [], 0, 0
        examples: dict[str, tuple[float, str]] = {}  # gradient -> (relative error, its worst sampled entry in words)
        grad_names = {g.wrt: g.name for g in spec.backward if not g.per_example}
        rtol = spec.tolerance.for_dtype(fd_mod.dtype_name(fd.itemsize), fd=True)
        analytic_all: dict[str, np.ndarray] = {}
        for p in spec.parameters if fd.joint is not None else ():
            leaf = call.matched.leaves.get(grad_names.get(p, ""))
            if leaf is None or leaf.array is None or leaf.array.dtype.kind != "f" or leaf.array.shape != np.shape(call.trial.env[p]):
                bad_params.append((grad_names.get(p, p), None, False))
            else:
                analytic_all[p] = np.asarray(leaf.array, dtype=np.float64)
        kinks += fd.kinked_directions
        if fd.joint is not None and not bad_params and not fd.joint[0]:
            self.checks.append(CheckResult("gradient_check", "", "gradient check", "skip", pts, pts, "every random direction crossed a kink; nothing to compare"))
            self.add((len(spec.functions), 1), Finding("GC402", "gradient check", f"All {fd.kinked_directions} random directions straddle a kink (relu, max); the finite-difference check was skipped."))
            return
        if fd.joint is not None and not bad_params:
            dirs, slopes = fd.joint
            predicted = np.array([sum(float(np.sum(d[p] * analytic_all[p])) for p in spec.parameters) for d in dirs])
            result = compare(predicted, slopes, rtol, atol=fd.noise)
            checked = len(dirs)
            if not result.ok:
                matches = {p: compare(analytic_all[p], np.asarray(call.trial.env[grad_names[p]]), self.rtol(analytic_all[p]), 0).ok for p in spec.parameters}
                located = _sampled(fd, analytic_all, rtol, grad_names)
                for p, (res, where) in located.items():  # the entries checked one by one name the gradient
                    bad_params.append((grad_names[p], res, matches[p]))
                    examples[grad_names[p]] = (res.max_rel, where)
                if not located:
                    bad_params.append((", ".join(grad_names[p] for p in spec.parameters), result, all(matches.values())))
        for p in spec.parameters if fd.joint is None else ():
            gname = grad_names.get(p)
            leaf = call.matched.leaves.get(gname) if gname else None
            if leaf is None or leaf.array is None or leaf.array.dtype.kind != "f" or leaf.array.shape != np.shape(call.trial.env[p]):
                bad_params.append((gname or p, None, False))
                continue
            analytic = np.asarray(leaf.array, dtype=np.float64)
            if p in fd.numeric:
                numeric = fd.numeric[p]
                mask = fd.kinks.get(p)
                result = compare(analytic, numeric, rtol, atol=fd.noise)
                if not result.ok and mask is not None and mask.any():
                    keep = ~mask
                    kinks += int(mask.sum())
                    result = compare(analytic[keep], numeric[keep], rtol, atol=fd.noise)
                checked += analytic.size
            else:
                dirs, slopes = fd.directional[p]
                predicted = dirs.reshape(len(dirs), -1) @ analytic.reshape(-1)
                result = compare(predicted, slopes, rtol, atol=fd.noise)
                checked += len(dirs)
            if not result.ok:
                matches_ref = compare(analytic, np.asarray(call.trial.env[gname]), self.rtol(leaf.array), 0).ok
                bad_params.append((gname, result, matches_ref))
        ok = not bad_params
        how = f"{checked} random directions through all parameters" if fd.joint is not None else f"{checked} finite differences"
        summary = f"{how} agree" if ok else "disagrees: " + ", ".join(b[0] for b in bad_params)
        example = max(examples.values(), default=None)  # the entry that disagrees most, in words
        if example is not None:
            summary += f" — {example[1]}"
        self.checks.append(CheckResult("gradient_check", "", "gradient check", "pass" if ok else "fail", pts if ok else 0.0, pts, summary))
        consistent = [(g, r) for g, r, matches_ref in bad_params if r is not None and matches_ref]
        if consistent:  # one finding: the cause is the forward pass or the cost, not each gradient
            names = ", ".join(g for g, _ in consistent)
            worst = max(r.max_rel for _, r in consistent)
            fns = " and ".join(dict.fromkeys(s.call for s in spec.student_cost))
            shown = max((examples[g] for g, _ in consistent if g in examples), default=None)
            where = f" Entry by entry: {shown[1]}." if shown else ""
            self.add((len(spec.functions), 0), Finding("GC304", "gradient check", f"Your {names} match{'es' if len(consistent) == 1 else ''} the reference, but not finite differences of the cost computed by your own {fns} "
                                                      f"(largest relative error {worst:.3g}).{where} Your forward pass or cost disagrees with your backward pass — see their findings.",
                                                      location=self.loc(locate.locate_function(obs.source, spec.student_cost[-1].call)),
                                                      hint="fix the forward pass or the cost; a notebook gradient check would fail for the same reason",
                                                      stats={"max_rel_error": worst, "gradients": [g for g, _ in consistent]}))  # fmt: skip
        if kinks:
            what = "random direction(s)" if fd.joint is not None else "finite-difference element(s)"
            self.add((len(spec.functions), 1), Finding("GC402", "gradient check", f"{kinks} {what} straddle a kink (relu, max) and were not compared."))

    def _extras(self) -> None:
        obs = self.obs
        n = len(self.spec.functions) + 1
        if obs.output_truncated:
            self.add((n, 0), Finding("GC007", "submission", "Your code printed more than the output limit; the rest of its output was dropped.", hint="remove debugging prints from graded functions"))
        if obs.unavailable:
            why = {"processes": "how many processes your code may start (gradcheck runs as root; starting processes is refused anyway)",
                   "memory": "memory (this platform does not enforce the cap)", "cpu": "CPU time", "file-size": "file sizes"}  # fmt: skip
            names = "; ".join(why.get(u, u) for u in obs.unavailable)
            self.add((n, 1), Finding("GC008", "submission", f"A limit cannot be enforced here: {names}. Your code is still graded, and every call still has its time limit."))


def _roots(causes: set[str], verdicts: dict[str, Verdict], depth: int = 0) -> set[str]:
    out: set[str] = set()
    for c in causes:
        v = verdicts.get(c)
        if v is not None and v.status == "consequence" and v.causes and depth < 20:
            out |= _roots(v.causes, verdicts, depth + 1)
        else:
            out.add(c)
    return out


def _eval(formula, env) -> np.ndarray | None:
    try:
        return np.asarray(fm.evaluate(formula.tree, env), dtype=np.float64)
    except (FormulaError, TypeError, ValueError):
        return None


def _sampled(fd, analytic: dict[str, np.ndarray], rtol: float, grad_names: dict[str, str]) -> dict[str, tuple[Comparison, str]]:
    """The parameters whose entries, checked one by one after a directional mismatch,
    disagree with finite differences: (the comparison, the worst entry in words)."""
    out = {}
    for p, (picks, slopes, kinked) in fd.sampled.items():
        keep = ~np.asarray(kinked, dtype=bool)
        if p not in analytic or not keep.any():
            continue
        got = analytic[p].reshape(-1)[picks[keep]]
        result = compare(got, slopes[keep], rtol, atol=fd.noise)
        if result.ok:
            continue
        (j,), mine, numeric = result.worst[0]
        index = ", ".join(str(int(i)) for i in np.unravel_index(int(picks[keep][j]), analytic[p].shape))
        out[p] = (result, f"at {grad_names.get(p, p)}[{index}] your backward pass gives {mine:.6g}, finite differences of your forward pass "
                          f"and cost give {numeric:.6g} ({result.mismatched} of {int(keep.sum())} entries checked one by one disagree)")  # fmt: skip
    return out
