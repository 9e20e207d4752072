"""A crash inside a graded function that passes its own checks: which argument of the caller's
call it could not take. The structure of what was passed comes from the child's traced re-run
(check/traces.RaisedFrame, already checked); what was expected is the spec's argument template."""

from __future__ import annotations

import ast
from typing import Any

from ..check.traces import Structure
from . import locate
from . import problems as P
from .case import Case

_NUMBERS = frozenset({"ndarray", "float", "int", "float64", "float32", "int64", "int32", "matrix"})


def fits(got: Structure, template: Any) -> bool:
    """Whether a value of this structure can be what the template names (structure only)."""
    if isinstance(template, str):
        if template.startswith("="):
            return got.type == "str"
        return got.type in _NUMBERS
    if isinstance(template, dict):
        return got.type == "dict"
    if isinstance(template, (list, tuple)):
        if len(template) == 1 and isinstance(template[0], dict) and "item" in template[0]:  # a list of one kind of item
            return got.type in ("list", "tuple") and all(fits(i, template[0]["item"]) for i in got.items)
        if got.type not in ("list", "tuple") or got.length != len(template):
            return False
        return all(fits(i, t) for i, t in zip(got.items, template))
    return True


def _call(source: str, function: str, line: int, callee: str) -> ast.Call | None:
    tree = locate.parse(source)
    func = locate.function_node(tree, function) if tree else None
    for node in ast.walk(func) if func else ():
        if isinstance(node, ast.Call) and node.lineno <= line <= (node.end_lineno or node.lineno):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(node.func, ast.Attribute) else None
            if name == callee:
                return node
    return None


def misfit(case: Case, function: str, line: int, callee: str) -> P.Misfit | None:
    """The first argument of ``callee(...)`` on ``line`` whose structure does not fit the spec's
    template for it; None when the trace has no frames or every argument fits."""
    spec = case.spec
    expected = next((f.args for f in spec.functions if f.call == callee), None)
    traces = [case.obs.traces[f.name] for f in spec.functions if f.call == function and f.name in case.obs.traces]
    call = _call(case.obs.source, function, line, callee)
    if expected is None or call is None:
        return None
    for trace in traces:
        frames = trace.raised
        inner = next((fr for i, fr in enumerate(frames) if fr.function == callee and i > 0 and frames[i - 1].line == line), None)
        if inner is None:
            continue
        params = [name for name, _ in inner.args]
        passed = {params[i]: arg for i, arg in enumerate(call.args) if i < len(params) and not isinstance(arg, ast.Starred)}
        passed.update({kw.arg: kw.value for kw in call.keywords if kw.arg})
        for i, (name, got) in enumerate(inner.args):
            if i < len(expected) and name in passed and not fits(got, expected[i]):
                shown = tuple((n, spec.shown(n)) for n in _names(expected[i]) if spec.shown(n) != n)
                return P.Misfit(ast.unparse(passed[name]), name, got, expected[i], shown)
        return None
    return None


def _names(template: Any) -> list[str]:
    if isinstance(template, str):
        return [template]
    items = template.values() if isinstance(template, dict) else template if isinstance(template, (list, tuple)) else ()
    return [n for t in items for n in _names(t)]
