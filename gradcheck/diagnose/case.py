"""What every part of the judge shares: the observations, the problems found so far (each with
its place in the report) and the small lookups they all need (spans, tolerances, formulas)."""

from __future__ import annotations

import ast
from dataclasses import replace

import numpy as np

from ..check.engine import CallResult, Observations, gradient_function
from ..check.templates import leaves
from ..check.trials import Trial
from ..findings import CODES, Finding, Location
from ..report import CheckResult
from ..sandbox.runner import Failure
from ..spec import formula as fm
from ..spec.model import FunctionSpec, Spec
from . import lines_conv, locate
from .explain_value import unnamed_constants
from .messages import finding
from .mutations import fold_constants
from .problems import Problem
from .scoring import function_points
from .shapes import chain_text

# Report order. A finding's rank is (group, place): the group is the loading step, one graded
# function (its index), the gradient check, or the closing notes; inside a function's group,
# function-level problems come first, then values in report order (Case.place), then what other
# sizes show, then intermediates that could not be found.
LOADING = -1
FIRST = 0  # a function-level problem (it raised, returned the wrong structure, changed its input)
PROBES = 800  # + the value's place: after every value of the function
MISSING_LOCALS = 900  # + the value's place: after the probes

Rank = tuple[int, int]


class Case:
    """One submission being judged."""

    def __init__(self, obs: Observations) -> None:
        self.obs = obs
        self.spec: Spec = obs.spec
        self.normal = [t for t in obs.trials if t.probe is None]
        self.findings: list[tuple[Rank, Finding]] = []
        self.checks: list[CheckResult] = []
        spec = self.spec
        self.formula_names = [f.name for f in spec.forward] + list(spec.gradient_names) + [f.name for f in spec.derived]
        self.free_values: dict[int, dict[str, np.ndarray]] = {}  # trial -> the student's own choices (masks)
        self.local_shapes: list[tuple[int, int, Problem]] = []  # (group, index in findings, problem): locals of another shape

    @property
    def gradient_check_group(self) -> int:
        return len(self.spec.functions)

    @property
    def notes_group(self) -> int:
        return len(self.spec.functions) + 1

    def emit(self, rank: Rank, problem: Problem) -> None:
        """Record a problem as the finding it becomes, in the student's names; an error about
        what is not graded becomes a warning that says so (scoring.graded)."""
        why = self.ungraded(rank[0])
        if why and problem.severity is None and CODES[problem.code].severity == "error":
            problem = replace(problem, severity="warning", ungraded=why)
        self.record(rank, finding(problem))

    def reword(self, index: int, problem: Problem) -> None:
        """Replace a recorded finding by what ``problem`` becomes (same place in the report)."""
        rank, _ = self.findings[index]
        self.findings.pop(index)
        self.record(rank, finding(problem))
        self.findings.insert(index, self.findings.pop())

    def ungraded(self, group: int) -> str | None:
        """Why the functions of a report group are not graded ("warn", "no-points"), or None."""
        functions = self.spec.functions
        if group == self.gradient_check_group:  # the gradient check is about the backward pass
            backward = gradient_function(self.spec)
            group = functions.index(backward) if backward in functions else -1
        if not 0 <= group < len(functions):
            return None
        f = functions[group]
        if f.graded == "warn":
            return "warn"
        return "no-points" if function_points(self.spec, f) <= 0 else None

    def record(self, rank: Rank, found: Finding) -> None:
        if self.spec.names:  # the student's names for spec-internal ones (dA2_drop is their dA2)
            shown = self.spec.shown_text
            found = replace(
                found,
                message=shown(found.message),
                hint=found.hint and shown(found.hint),
                formula=found.formula and shown(found.formula),
                chain=found.chain and shown(found.chain),
                caused_by=found.caused_by and shown(found.caused_by),
                details=tuple(shown(d) for d in found.details),
            )
        self.findings.append((rank, found))

    def has_error(self, group: int) -> bool:
        return any(r[0] == group and f.level == "error" for r, f in self.findings)

    # -- where --------------------------------------------------------------------------------------
    def loc(self, span: locate.Span | None) -> Location | None:
        return Location(str(self.obs.path), span.line, span.end_line) if span else None

    def function_loc(self, call: str) -> Location | None:
        return self.loc(locate.locate_function(self.obs.source, call))

    def line_of_failure(self, failure: Failure | None, function: str | None = None) -> Location | None:
        if failure is not None and failure.frames:
            line = failure.frames[-1][0]
            if isinstance(line, int):
                return Location(str(self.obs.path), line, line)
        if failure is not None and failure.line:
            return Location(str(self.obs.path), failure.line, failure.line)
        if function:
            return self.function_loc(function)
        return None

    def span_for(
        self, f: FunctionSpec, name: str, calls: list[CallResult], shape_axes: tuple[int, ...] | None = None
    ) -> locate.Span | None:
        """Where a returned value is made: its place in the return statement, else its assignment.
        ``shape_axes``: its shape is wrong along these axes (locate.traced_span)."""
        path = None
        for c in calls:
            if c.matched and name in c.matched.leaves:
                path = c.matched.leaves[name].path
                break
        trace = self.obs.traces.get(f.name)
        span = None
        returned = set(leaves(f.returns))
        if path and trace is not None and tuple(path) in trace.stores and self.stored_under_wrong_key(name, calls, returned):
            span = locate.Span(trace.stores[tuple(path)], trace.stores[tuple(path)])  # the value is right, its place is not
        if path and shape_axes is not None and trace is not None:  # another array returned than the one made for it
            span = span or locate.returned_instead(self.obs.source, f.call, tuple(path), self.spec.shown(name), trace)
            alias = lines_conv.returned_alias(self.obs.source, f.call, tuple(path), trace)
            span = span or (locate.Span(alias, alias) if alias is not None else None)
        span = span or (locate.traced_span(trace, self.obs.source, f.call, path=path, shape_axes=shape_axes) if path else None)
        if span is None and path:
            span = locate.locate_return(self.obs.source, f.call, path)
        if span is None:
            span = locate.locate_local(self.obs.source, f.call, self.spec.shown(name))
        return span or locate.locate_function(self.obs.source, f.call)

    def stored_under_wrong_key(self, name: str, calls: list[CallResult], returned: set[str]) -> bool:
        """Whether the value handed back as ``name`` is, in every call, the reference value of
        another name the function hands back (``returned``) and not its own (``grads["dA2"]``
        holding dA1): then the mistake is the key it was stored under, not the computation that
        made it. A hidden intermediate's value (dc_prev equal to the whole cell gradient, its
        forget gate left out) was computed one step short: that is the computation's line."""
        seen = False
        for c in calls:
            leaf = c.matched.leaves.get(name) if c.matched else None
            got = leaf.array if leaf is not None else None
            if got is None:
                continue
            env = c.trial.env
            if self._same(got, env.get(name)):
                return False
            if not any(k != name and self._same(got, v) for k, v in env.items() if k in self.formula_names and k in returned):
                return False
            seen = True
        return seen

    def _same(self, got: np.ndarray, ref) -> bool:
        if ref is None or np.shape(got) != np.shape(ref):
            return False
        try:
            return bool(np.allclose(got, ref, rtol=self.rtol(got), atol=0.0))
        except (TypeError, ValueError):
            return False

    def value_loc(
        self, f: FunctionSpec, name: str, calls: list[CallResult], local: bool, shape_axes: tuple[int, ...] | None = None
    ) -> Location | None:
        """A local's assignment, or where a returned value is made (``shape_axes``: see span_for)."""
        if local:
            shown = self.spec.shown(name)
            traced = locate.traced_span(self.obs.traces.get(f.name), self.obs.source, f.call, local=shown, shape_axes=shape_axes)
            return self.loc(traced or locate.locate_local(self.obs.source, f.call, shown))
        return self.loc(self.span_for(f, name, calls, shape_axes))

    def check_loc(self, f: FunctionSpec, check: str, path: tuple | None, read_back: bool = False) -> Location | None:
        """Where the call of a function's check (another mode, a big input) made the value at
        ``path`` of what it returned (``read_back``: of its arguments after the call), read from
        that call's trace; else the line it returned from; else the function."""
        trace = self.obs.traces.get(check)
        if trace is None:
            return self.function_loc(f.call)
        span = None
        if path:
            at = ("args", *tuple(path)[1:]) if read_back else tuple(path)
            span = locate.traced_span(trace, self.obs.source, f.call, path=at)
            if span is None and at in trace.stores:
                span = locate.Span(trace.stores[at], trace.stores[at])
        returned = trace.value(("return",))
        if span is None and returned is not None:
            span = locate.Span(returned[0], returned[0])  # nothing of it written by the call: where it returned
        return self.loc(span) if span else self.function_loc(f.call)

    # -- numbers and formulas -----------------------------------------------------------------------------
    def rtol(self, value: np.ndarray) -> float:
        dt = np.asarray(value).dtype
        return self.spec.tolerance.for_dtype(dt.name if dt.kind == "f" else "float64")

    def place(self, name: str) -> int:
        """Report order: forward values, then the cost, then gradients in backward order."""
        n_forward = len(self.spec.forward)
        if name == "J":
            return 1 + n_forward
        if name in self.formula_names:
            i = self.formula_names.index(name)
            return 1 + i if i < n_forward else 2 + i
        return 2 + len(self.formula_names)

    def formula_text(self, n: str) -> str | None:
        formula = self.spec.formula_for(n)
        if formula is None:
            return None
        shown = shown_constants(self.spec, formula.tree)
        if n in self.spec.references:  # the course's way of writing it, not the spec's computation
            return f"{self.spec.shown(n)} = {fm.pretty(self.spec.references[n])}"
        text = f"{self.spec.shown(n)} = {fm.pretty(formula.text if shown is formula.tree else shown)}"
        if n == "J" and "L" in fm.names(formula.tree):
            text += f",  where the per-example loss L = {fm.pretty(self.spec.loss.text)}"
        return text

    def chain(self, n: str, trial: Trial) -> str | None:
        formula = self.spec.formula_for(n)
        if formula is None:
            return None
        shown = shown_constants(self.spec, formula.tree)
        env = trial.env
        if n in self.spec.references:  # its operands are the course's names: the values they name, where one does
            shown = ast.parse(self.spec.references[n], mode="eval").body
            env = {n: trial.env.get(n), **reference_operands(self.spec, shown, trial.env)}
        if shown is not formula.tree:
            formula = replace(formula, text=ast.unparse(shown), tree=shown)
        return chain_text(n, formula, env, trial.dims)


def reference_operands(spec: Spec, tree: ast.expr, env: dict) -> dict:
    """The trial's value for each name of a ``references:`` formula that names exactly one value
    (by its own name, else by the student's name for a single spec value). A derived value is not
    one: gradient_checking's gradapprox is the 1-d check's, not gradient_check_n's vector."""
    out = {}
    derived = {d.name for d in spec.derived}
    for name in {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} - derived:
        if name in env and spec.shown(name) == name:
            out[name] = env[name]
            continue
        named = [k for k in env if k != name and spec.names.get(k) == name]
        if len(named) == 1:
            out[name] = env[named[0]]
    return out


def shown_constants(spec: Spec, tree: ast.expr) -> ast.expr:
    """``tree`` with each constant the student never names written as its number (CS231n's
    ``2 * l2_scale * reg * W`` is ``2 * reg * W`` under one L2 convention, ``reg * W`` under the other)."""
    return fold_constants(tree, unnamed_constants(spec))
