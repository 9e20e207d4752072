"""Find the line of the student's code that produced a value (by reading, never running)."""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from .. import pyast


@dataclass(frozen=True)
class Span:
    line: int
    end_line: int


@functools.lru_cache(maxsize=8)
def parse(source: str) -> ast.Module | None:
    """The file's syntax tree (cached: every finding of a report reads the same source)."""
    try:
        return pyast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def function_node(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    found = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            found = node  # the last definition wins, as when the file runs
    return found


def _span(node: ast.AST) -> Span:
    return Span(node.lineno, getattr(node, "end_lineno", None) or node.lineno)


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        out: list[ast.expr] = []
        for t in node.targets:
            out += list(t.elts) if isinstance(t, (ast.Tuple, ast.List)) else [t]
        return out
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    if isinstance(node, ast.NamedExpr):
        return [node.target]
    return []


def assignments(func: ast.AST, name: str, before: int | None = None) -> list[ast.AST]:
    """Statements in ``func`` that assign the plain name ``name``, in source order."""
    out = []
    for node in ast.walk(func):
        for t in _targets(node):
            if isinstance(t, ast.Name) and t.id == name and (before is None or node.lineno <= before):
                out.append(node)
    return sorted(out, key=lambda n: n.lineno)


def _key_assignments(func: ast.AST, var: str, key: str) -> list[ast.AST]:
    out = []
    for node in ast.walk(func):
        for t in _targets(node):
            if (
                isinstance(t, ast.Subscript)
                and isinstance(t.value, ast.Name)
                and t.value.id == var
                and isinstance(t.slice, ast.Constant)
                and t.slice.value == key
            ):
                out.append(node)
    return sorted(out, key=lambda n: n.lineno)


def locate_local(source: str, function: str, name: str) -> Span | None:
    tree = parse(source)
    func = function_node(tree, function) if tree else None
    if func is None:
        return None
    found = assignments(func, name)
    return _span(found[-1]) if found else None


def locate_function(source: str, function: str) -> Span | None:
    tree = parse(source)
    func = function_node(tree, function) if tree else None
    return Span(func.lineno, func.lineno) if func else None


def names_in(source: str, function: str, target: str | None = None) -> set[str]:
    """The identifiers of the statement assigning ``target`` in the function (of the whole
    function when there is none); empty when it cannot be parsed."""
    tree = parse(source)
    func = function_node(tree, function) if tree else None
    if func is None:
        return set()
    found = assignments(func, target) if target else []
    node = found[-1] if found else func
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def locate_return(source: str, function: str, path: tuple, container: bool = False) -> Span | None:
    """Follow ``path`` (("return", 1, "A1") …) from the function's last return statement.

    ``container``: stop at the statement that builds the value (the dict literal), rather
    than following a name inside it."""
    tree = parse(source)
    func = function_node(tree, function) if tree else None
    if func is None:
        return None
    returns = [n for n in ast.walk(func) if isinstance(n, ast.Return) and n.value is not None]
    if not returns:
        return None
    ret = max(returns, key=lambda n: n.lineno)
    expr: ast.AST | None = ret.value
    line_of_use: ast.AST = ret
    for key in path[1:]:
        assert expr is not None  # each step either continues or returns below
        expr, line_of_use = _step(func, expr, key, line_of_use)
        if expr is None:
            return _span(line_of_use) if line_of_use is not ret else None
    assert expr is not None  # a return with a value, or a step that found one
    if container and isinstance(expr, ast.Name):
        found = assignments(func, expr.id, before=line_of_use.lineno)
        return _span(found[-1]) if found else _span(line_of_use)
    return _resolve(func, expr, line_of_use)


def _conversion_of(node: ast.AST, name: str) -> bool:
    """``cost = np.squeeze(cost)``, ``cost = float(cost)``: a re-wrapping, not the computation."""
    value = getattr(node, "value", None)
    if not isinstance(value, ast.Call) or not value.args:
        return False
    names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)} - {"np", "numpy", "float", "squeeze", "array", "asarray", "item"}
    return names == {name}


def _resolve(func: ast.AST, expr: ast.AST, use: ast.AST) -> Span:
    """A plain name resolves to its last assignment before the use (skipping re-wrappings)."""
    if isinstance(expr, ast.Name):
        found = assignments(func, expr.id, before=use.lineno)
        while len(found) > 1 and _conversion_of(found[-1], expr.id):
            found.pop()
        if found:
            return _span(found[-1])
    if isinstance(expr, ast.Call) and len(expr.args) == 1 and isinstance(expr.args[0], (ast.Name, ast.Call)):
        # return float(np.squeeze(cost)): the value was computed where cost was
        inner = expr.args[0]
        while isinstance(inner, ast.Call) and len(inner.args) == 1:
            inner = inner.args[0]
        if isinstance(inner, ast.Name) and assignments(func, inner.id, before=use.lineno):
            return _resolve(func, inner, use)
    if isinstance(expr, ast.AST) and hasattr(expr, "lineno"):
        return _span(use) if not isinstance(expr, ast.expr) else Span(expr.lineno, getattr(expr, "end_lineno", expr.lineno))
    return _span(use)


def _step(func: ast.AST, expr: ast.AST, key, use: ast.AST) -> tuple[ast.AST | None, ast.AST]:
    if isinstance(expr, ast.Name):
        # grads["dW1"] = … after grads was made
        if isinstance(key, str):
            keyed = _key_assignments(func, expr.id, key)
            if keyed:
                node = keyed[-1]
                return getattr(node, "value", None), node  # an assignment: grads["dW1"] = …
        found = assignments(func, expr.id, before=use.lineno)
        if not found:
            return None, use
        node = found[-1]
        value = getattr(node, "value", None)
        if value is None:
            return None, node
        return _step(func, value, key, node)
    if isinstance(expr, (ast.Tuple, ast.List)) and isinstance(key, int):
        if 0 <= key < len(expr.elts):
            return expr.elts[key], use
        return None, use
    if isinstance(expr, ast.Dict) and isinstance(key, str):
        for k, v in zip(expr.keys, expr.values):
            if isinstance(k, ast.Constant) and k.value == key:
                return v, use
        return None, use
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "dict" and isinstance(key, str):
        for kw in expr.keywords:
            if kw.arg == key:
                return kw.value, use
    return None, use


def source_lines(source: str, span: Span, context: int = 2) -> tuple[int, list[str]]:
    """The span with ``context`` lines around it: (first line number, lines)."""
    lines = source.splitlines()
    first = max(1, span.line - context)
    last = min(len(lines), span.end_line + context)
    return first, lines[first - 1 : last]


# -- from execution (check/traces.py): the line that ran and wrote the value --------------------------
_REWRAPS = frozenset({"np.squeeze", "numpy.squeeze", "float", "np.float64", "np.asarray", "np.array", "np.asscalar", "squeeze"})


def _statement_at(func: ast.AST, line: int) -> ast.stmt | None:
    best = None
    for node in ast.walk(func):
        if isinstance(node, ast.stmt) and node.lineno == line and not hasattr(node, "body"):
            best = node
    return best


def rewraps(source: str, function: str, line: int) -> str | None:
    """The name that the statement at ``line`` only re-wraps (``cost = np.squeeze(cost)``,
    ``cost = float(cost)``, ``cost = cost.item()``): the value was computed before it."""
    tree = parse(source)
    func = function_node(tree, function) if tree else None
    node = _statement_at(func, line) if func else None
    if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        return None
    name, value = node.targets[0].id, node.value
    if not isinstance(value, ast.Call):
        return None
    if isinstance(value.func, ast.Attribute) and value.func.attr in ("item", "squeeze") and not value.args:
        inner = value.func.value
    elif ast.unparse(value.func) in _REWRAPS and len(value.args) == 1:
        inner = value.args[0]
    else:
        return None
    return name if isinstance(inner, ast.Name) and inner.id == name else None


def traced_span(trace, source: str, function: str, path: tuple | None = None, local: str | None = None) -> Span | None:
    """Where the traced call wrote the value at ``path`` (or the local ``local``); a re-wrapping
    is skipped back to the write before it. None when the trace does not know the value."""
    if trace is None:
        return None
    written = trace.value(path) if path else trace.local(local) if local else None
    if written is None:
        return None
    line = written[0]
    name = rewraps(source, function, line)
    writes = trace.names.get(name, ()) if name else ()
    if name and line in writes:
        earlier = [w for w in writes[: writes.index(line)] if w != line]
        line = earlier[-1] if earlier else line
    return Span(line, line)


def helper_line(trace, path: tuple | None = None, local: str | None = None) -> int | None:
    """The line inside the helper the student called where the value was made, if it was."""
    if trace is None:
        return None
    written = trace.value(path) if path else trace.local(local) if local else None
    return written[1] if written else None
