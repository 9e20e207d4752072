"""Find the line of the student's code that produced a value (by reading, never running)."""

from __future__ import annotations

import ast
import difflib
import functools
from dataclasses import dataclass

from ..check import parsed
from ..spec import pyast


@dataclass(frozen=True)
class Span:
    line: int
    end_line: int


@functools.lru_cache(maxsize=8)
def parse(source: str) -> ast.Module | None:
    """The file's syntax tree (cached: every finding of a report reads the same source)."""
    try:
        return parsed.tree(source) or pyast.parse(source)  # the tree grading parsed, when it could
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def function_node(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    return _definitions(tree).get(name)


@functools.lru_cache(maxsize=8)
def _definitions(tree: ast.AST) -> dict[str, ast.FunctionDef]:
    """Every function defined in ``tree`` by name, walked once per tree (a report asks for the
    same few functions dozens of times); the last definition wins, as when the file runs."""
    found = {}
    for node in parsed.nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = node
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
    for node in parsed.nodes(func):
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
    name, inner = node.targets[0].id, node.value
    if not isinstance(inner, ast.Call):
        return None
    while isinstance(inner, ast.Call):  # np.squeeze(np.array(cost)): wrappings inside wrappings
        if isinstance(inner.func, ast.Attribute) and inner.func.attr in ("item", "squeeze") and not inner.args:
            inner = inner.func.value
        elif ast.unparse(inner.func) in _REWRAPS and len(inner.args) == 1:
            inner = inner.args[0]
        else:
            return None
    return name if isinstance(inner, ast.Name) and inner.id == name else None


def traced_span(
    trace, source: str, function: str, path: tuple | None = None, local: str | None = None, shape_axes: tuple[int, ...] | None = None
) -> Span | None:
    """Where the traced call wrote the value at ``path`` (or the local ``local``); a re-wrapping
    is skipped back to the write before it, a copy (``dA_prev[i] = da_prev_pad[pad:-pad]``) to
    the write of what it copied, an accumulator made again in a loop to where it was made again.
    ``shape_axes``: the axes whose length is wrong; in-place writes never change a shape, so the
    line is where the array was made (and the size it was given there). None when the trace
    does not know the value."""
    if trace is None:
        return None
    key = tuple(path) if path else ("locals", local) if local else None
    written = trace.value(key) if key else None
    if written is None:
        return None
    line, origin = written[0], trace.origins.get(key)
    tree = parse(source)
    func = function_node(tree, function) if tree else None
    if func is None:
        return Span(line, line)
    if shape_axes is not None:
        line = origin or line
        line = _size_line(func, line, shape_axes, trace) or line
        return Span(line, line)
    if origin is not None and origin in trace.reborn and _accumulates(func, line) and _allocates(func, origin):
        return Span(origin, origin)  # started again for every pass of a loop: only the last pass counts
    for _ in range(3):
        name = _copied(func, line)
        writes = [w for w in trace.names.get(name, ()) if w != line] if name else []
        if not writes:
            break
        line = writes[-1]
    name = rewraps(source, function, line)
    writes = trace.names.get(name, ()) if name else ()
    if name and line in writes:
        earlier = [w for w in writes[: writes.index(line)] if w != line]
        line = earlier[-1] if earlier else line
    return Span(line, line)


def returned_instead(source: str, function: str, path: tuple, shown: str, trace) -> Span | None:
    """The return statement, when it returns another local at ``path`` (``return dA_prev_pad``)
    while the function also wrote a local of the value's own name (``dA_prev``) that ran."""
    tree = parse(source)
    func = function_node(tree, function) if tree else None
    returned = trace.value(("return",))
    node = _statement_at(func, returned[0]) if func is not None and returned else None
    if not isinstance(node, ast.Return) or node.value is None or shown not in trace.names:
        return None
    expr: ast.AST = node.value
    for key in path[1:]:
        if not (isinstance(expr, (ast.Tuple, ast.List)) and isinstance(key, int) and 0 <= key < len(expr.elts)):
            return None
        expr = expr.elts[key]
    if isinstance(expr, ast.Name) and expr.id != shown and expr.id in trace.names:
        return Span(node.lineno, node.lineno)
    return None


def rescaled(source: str, function: str, line: int) -> str | None:
    """The name that the statement at ``line`` only scales by a size (``dx /= N``, ``dW *= 0.5``):
    a positive factor, so a sign that is wrong was wrong before it."""
    tree = parse(source)
    func = function_node(tree, function) if tree else None
    node = _statement_at(func, line) if func is not None else None
    if not (isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Div, ast.Mult)) and isinstance(node.target, ast.Name)):
        return None
    by = node.value
    positive = isinstance(by, ast.Name) or (isinstance(by, ast.Constant) and isinstance(by.value, (int, float)) and by.value > 0)
    return node.target.id if positive else None


def _accumulates(func: ast.AST, line: int) -> bool:
    """``db[..., c] += …``: the statement adds into what is there."""
    node = _statement_at(func, line)
    return isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Add, ast.Sub))


def _allocates(func: ast.AST, line: int) -> bool:
    """``db = np.zeros(…)``: the statement makes a new array (a call), not a view of another."""
    node = _statement_at(func, line)
    return isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)


def _copied(func: ast.AST, line: int) -> str | None:
    """The local that the statement at ``line`` only copies values from (``x[i] = y[a:b]``,
    ``x = y[:, 1:]``, ``x = np.copy(y)``, ``x = y.copy()``); None when it computes."""
    node = _statement_at(func, line)
    if not isinstance(node, ast.Assign) or len(node.targets) != 1:
        return None
    value = node.value
    if isinstance(value, ast.Call) and not value.keywords:
        if ast.unparse(value.func) in ("np.copy", "numpy.copy") and len(value.args) == 1:
            value = value.args[0]
        elif isinstance(value.func, ast.Attribute) and value.func.attr == "copy" and not value.args:
            value = value.func.value
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
        index = value.slice.elts if isinstance(value.slice, ast.Tuple) else [value.slice]
        if any(isinstance(i, ast.Slice) for i in index):  # array slicing, not a dict's entry
            return value.value.id
        return None
    target = node.targets[0]
    if isinstance(value, ast.Name) and isinstance(target, ast.Subscript):
        return value.id
    return _filled_with(value)


_ONES = frozenset({"np.ones", "np.ones_like", "numpy.ones", "numpy.ones_like"})


def _filled_with(value: ast.AST) -> str | None:
    """``np.ones(shape) * x``, ``x * np.ones_like(y)``, ``np.full(shape, x)``: an array of one
    local's value everywhere (what is wrong in it was computed where ``x`` was)."""
    if isinstance(value, ast.Call) and ast.unparse(value.func) in ("np.full", "numpy.full") and len(value.args) == 2:
        return value.args[1].id if isinstance(value.args[1], ast.Name) else None
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult):
        for ones, other in ((value.left, value.right), (value.right, value.left)):
            if isinstance(ones, ast.Call) and isinstance(other, ast.Name) and ast.unparse(ones.func) in _ONES:
                return other.id
    return None


def branch_not_taken(source: str, function: str, line: int, ran: frozenset[int], passed: list[str]) -> Span | None:
    """An array made at ``line`` and never written, because every write into it is in a branch
    that did not run: the test of the branch meant for the string the call passed (``elif mode ==
    "avg"`` for mode="average": the closest of the strings the tests compare with), if it ran."""
    tree = parse(source)
    func = function_node(tree, function) if tree else None
    made = _statement_at(func, line) if func is not None else None
    if not (isinstance(made, ast.Assign) and isinstance(made.value, ast.Call) and isinstance(made.targets[0], ast.Name)) or not passed:
        return None
    name = made.targets[0].id
    tests: dict[str, int] = {}  # the string a branch's test compares with -> the test's line
    for branch in ast.walk(func):
        if not isinstance(branch, ast.If) or branch.test.lineno not in ran:
            continue
        writes = [n for stmt in branch.body for n in ast.walk(stmt) if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store)]
        if not any(isinstance(w.value, ast.Name) and w.value.id == name and w.lineno not in ran for w in writes):
            continue
        test = branch.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
            for side in (test.left, test.comparators[0]):
                if isinstance(side, ast.Constant) and isinstance(side.value, str):
                    tests[side.value] = test.lineno
    if not tests or any(p in tests for p in passed):
        return None  # no such branch, or the branch for that string exists (and something else kept it from running)
    best = max(tests, key=lambda k: max(difflib.SequenceMatcher(None, k, p).ratio() for p in passed))
    if max(difflib.SequenceMatcher(None, best, p).ratio() for p in passed) < 0.5:
        return None
    return Span(tests[best], tests[best])


def window_without_stride(source: str, function: str, ran: frozenset[int]) -> Span | None:
    """The first line that ran and starts a window at a loop index with no stride: ``vert_start = h``,
    or a slice ``x[h:h + f]`` (where a stride-ignored mistake is made)."""
    tree = parse(source)
    func = function_node(tree, function) if tree else None
    if func is None:
        return None
    loops = {  # loop indices, unless the loop itself steps by the stride (range(0, n, stride))
        n.target.id
        for n in ast.walk(func)
        if isinstance(n, ast.For) and isinstance(n.target, ast.Name) and "stride" not in ast.unparse(n.iter).lower()
    }
    sliced = {n.id for sl in ast.walk(func) if isinstance(sl, ast.Slice) for n in ast.walk(sl) if isinstance(n, ast.Name)}

    def bare(expr: ast.AST | None) -> bool:  # mentions a loop index and nothing named like a stride
        names = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)} if expr is not None else set()
        return bool(names & loops) and not any("stride" in n.lower() for n in names)

    found = []
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in sliced and node.targets[0].id not in loops and bare(node.value):
                found.append(node.lineno)
        elif isinstance(node, ast.Slice) and bare(node.lower):
            found.append(node.lineno)
    found = [n for n in found if n in ran]
    return Span(min(found), min(found)) if found else None


_ALLOCATORS = frozenset({"zeros", "ones", "empty", "full", "randn", "rand", "standard_normal", "random"})


def _size_line(func: ast.AST, line: int, axes: tuple[int, ...], trace) -> int | None:
    """``Z = np.zeros((m, n_H, n_W, n_C))`` with axis 1 wrong: the line that last wrote n_H."""
    node = _statement_at(func, line)
    value = getattr(node, "value", None)
    if not isinstance(value, ast.Call) or not value.args or not isinstance(value.func, (ast.Attribute, ast.Name)):
        return None
    called = value.func.attr if isinstance(value.func, ast.Attribute) else value.func.id
    shape = value.args[0] if called in ("zeros", "ones", "empty", "full") else None
    dims = list(shape.elts) if isinstance(shape, (ast.Tuple, ast.List)) else list(value.args) if called in _ALLOCATORS else []
    for axis in axes:
        if axis < len(dims) and isinstance(dims[axis], ast.Name):
            writes = [w for w in trace.names.get(dims[axis].id, ()) if w < line]
            if writes:
                return writes[-1]
    return None


def helper_line(trace, path: tuple | None = None, local: str | None = None) -> int | None:
    """The line inside the helper the student called where the value was made, if it was."""
    if trace is None:
        return None
    written = trace.value(path) if path else trace.local(local) if local else None
    return written[1] if written else None
