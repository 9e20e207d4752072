"""Following a wrong value back to the line that holds its mistake (traced, so a line that ran).

The locator (locate.py) names the line that last wrote a value. For the layers of the
convolutional assignments (and the CS231n losses) that line is often only where a mistake made
earlier shows: a window cut short at the edge was started at the wrong place, an index past
the end was decoded from a flat position with the wrong size, a float size was made by ``/``,
a padded array was handed back under the name of the unpadded one, a graded callee that passes
its own checks was handed an argument laid out wrongly. Each function here follows the inputs
of the statement the locator found (the names it reads, back to the lines that last wrote them
in the traced run) to the line whose expression holds the mistake, and returns the locator's
line when the evidence does not single one out.
"""

from __future__ import annotations

import ast
import re

from ..check import parsed
from . import locate

_REDUCTIONS = frozenset({"sum", "max", "min", "mean", "amax", "amin", "logsumexp", "nansum", "var", "std"})
_LIKE = frozenset({"zeros_like", "ones_like", "empty_like", "full_like"})
_REARRANGE = frozenset({"reshape", "transpose", "moveaxis", "swapaxes", "rollaxis"})


def _func(source: str, function: str) -> ast.AST | None:
    tree = locate.parse(source)
    return locate.function_node(tree, function) if tree is not None else None


def statement(func: ast.AST, line: int) -> ast.stmt | None:
    """The innermost simple statement spanning ``line``."""
    best = None
    for node in parsed.nodes(func):
        spans = isinstance(node, ast.stmt) and not hasattr(node, "body") and node.lineno <= line <= (node.end_lineno or node.lineno)
        if spans and (best is None or node.lineno >= best.lineno):
            best = node
    return best


def _read(node: ast.AST) -> set[str]:
    """The names a statement reads (its value, and the indices of its store targets)."""
    out: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            out.add(sub.id)
    return out


def _loop_indices(func: ast.AST) -> dict[str, int]:
    """Loop variable -> the line of its ``for``."""
    return {n.target.id: n.lineno for n in ast.walk(func) if isinstance(n, ast.For) and isinstance(n.target, ast.Name)}


def last_write(trace, name: str, before: int) -> int | None:
    """The traced line that last wrote ``name`` before ``before`` in source order (what a statement
    in a loop body reads was written above it), else its last write."""
    writes = [w for w in trace.names.get(name, ()) if w != before]
    earlier = [w for w in writes if w < before]
    return earlier[-1] if earlier else writes[-1] if writes else None


# -- value mismatches (roots.root_problem) ---------------------------------------------------------------
def _reduces_over(node: ast.AST, axis: int) -> bool:
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        name = call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id if isinstance(call.func, ast.Name) else ""
        given = next((kw.value for kw in call.keywords if kw.arg == "axis"), None)
        if name in _REDUCTIONS and isinstance(given, ast.Constant) and given.value == axis:
            return True
    return False


def reduced_over_wrong_axis(source: str, function: str, line: int, axis: int | None, trace) -> int | None:
    """A value normalized or summed over the wrong ``axis``, shown where it is last written: the
    nearest line among its inputs (followed back through the lines that wrote them) whose
    expression reduces over that axis."""
    func = _func(source, function) if axis is not None and trace is not None else None
    if func is None:
        return None
    seen, frontier = {line}, [line]
    while frontier:
        at = frontier.pop(0)
        node = statement(func, at)
        if node is None:
            continue
        if _reduces_over(node, axis):
            return at
        for name in sorted(_read(node)):
            w = last_write(trace, name, at)
            if w is not None and w not in seen and w in trace.lines:
                seen.add(w)
                frontier.append(w)
    return None


def computed_before_store(source: str, function: str, line: int, tags: tuple[str, ...], trace) -> int | None:
    """A term missing from a value whose last write stores a constant into some of its entries
    (``margins[np.arange(N), y] = 0``): a store of a constant has no terms, so the term is missing
    where the value was computed, the write of that local before it."""
    func = _func(source, function) if "missing-term" in tags and trace is not None else None
    node = statement(func, line) if func is not None else None
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Constant)):
        return None
    target = node.targets[0]
    if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)):
        return None
    writes = [w for w in trace.names.get(target.value.id, ()) if w < line]
    return writes[-1] if writes else None


def _statistic(node: ast.AST | None) -> str | None:
    """The local a statement computes as a statistic (``mu = x.mean(axis=0)``, ``std =
    np.sqrt(xg.var(axis=(2, 3)) + eps)``): a reduction along given axes."""
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
        return None
    for call in ast.walk(node.value):
        name = call.func.attr if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) else None
        name = call.func.id if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) else name
        if name in _REDUCTIONS and any(kw.arg == "axis" for kw in call.keywords):
            return node.targets[0].id
    return None


def unmatched_statistic(source: str, function: str, line: int, trace, known) -> int | None:
    """A value made from statistics (a normalization's mean and variance) that holds none of the
    reference's numbers: of the statistics the lines it was made from computed (followed back
    from ``line``), the first whose numbers are none of the reference's statistics (``known``:
    a local's (size, Σ|v|, Σv²) -> whether it is one), the line that computed it."""
    func = _func(source, function) if trace is not None and trace.sums else None
    if func is None:
        return None
    seen, frontier = {line}, [line]
    while frontier:
        node = statement(func, frontier.pop(0))
        for name in sorted(_read(node)) if node is not None else ():
            w = last_write(trace, name, node.lineno)
            if w is not None and w not in seen and w in trace.lines:
                seen.add(w)
                frontier.append(w)
    for at in sorted(seen):
        node = statement(func, at)
        name = _statistic(node)
        writes = trace.names.get(name, ()) if name else ()
        if name not in trace.sums or not writes or writes[-1] != at:
            continue
        sizes = [trace.sums[r][0] for r in _read(node) if r in trace.sums]
        if sizes and trace.sums[name][0] < max(sizes) and not known(trace.sums[name]):
            return at  # fewer numbers than it was computed from: a statistic, not ``xc = x - x.mean(axis=0)``
    return None


def _calls(node: ast.AST) -> list[ast.Call]:
    return [c for c in ast.walk(node) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)]


def _rearranged(node: ast.AST) -> str | None:
    """The local that the statement only lays out anew (``out = out.reshape(N, C, H, W)``,
    ``dx = np.moveaxis(d.reshape(…), -1, 1)``): the same values, in another order or shape."""
    if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.value, ast.Call):
        return None
    value: ast.AST | None = node.value
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in _REARRANGE:
        owner = value.func.value
        if isinstance(owner, ast.Name) and owner.id in ("np", "numpy"):
            value = value.args[0] if value.args else None
        else:
            value = owner
    return value.id if isinstance(value, ast.Name) else None


def values_made(source: str, function: str, line: int, trace, passing: set[str], permuted: bool) -> int | None:
    """Where a wrong value's numbers were made, when ``line`` only lays them out anew (``dx =
    dxg.reshape(N, C, H, W)``): a reshape keeps the numbers, so numbers other than the
    reference's were wrong before it, at the write of what it reshapes. ``permuted``: the value
    holds the reference's numbers in another order, so the layout is what is wrong, and the
    line is kept. Then, when that write is a call of a graded callee that passes its own checks,
    the line that made what it was handed (through_passing_callee)."""
    func = _func(source, function) if trace is not None else None
    node = statement(func, line) if func is not None else None
    name = _rearranged(node) if node is not None else None
    if name is not None and permuted:
        return None
    made = last_write(trace, name, line) if name is not None else line
    if made is None or made not in trace.lines:
        return None
    handed = through_passing_callee(func, made, trace, passing)
    return handed if handed is not None else made if made != line else None


def through_passing_callee(func: ast.AST, line: int, trace, passing: set[str]) -> int | None:
    """A value made by a graded callee that passes its own checks (``dx_flat, dgamma, dbeta =
    batchnorm_backward(dout_flat, cache)``): the callee is right, so the mistake came in with
    what it was handed. The line that wrote the one argument this function made itself (the
    others are its own inputs, passed on), when every argument is a local's name."""
    node = statement(func, line)
    calls = [c for c in _calls(node) if c.func.id in passing and c.func.id != func.name] if isinstance(node, ast.Assign) else []
    if len(calls) != 1 or calls[0].keywords or not all(isinstance(a, ast.Name) for a in calls[0].args):
        return None  # a constant or an expression handed over (activation="sigmoid") may hold the mistake itself
    made = set()
    for arg in calls[0].args:
        if isinstance(arg, ast.Name):
            w = last_write(trace, arg.id, node.lineno)
            if w is not None and w < node.lineno and w in trace.lines:
                made.add(w)
    return made.pop() if len(made) == 1 else None


# -- crashes (loading.run_failed): the line that made what the raising line could not take ---------------
def _int_value(expr: ast.AST | None, ints: dict[str, int]) -> int | None:
    """An index expression's value from the integer locals the call held when it raised."""
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    if isinstance(expr, ast.Name):
        return ints.get(expr.id)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)):
        left, right = _int_value(expr.left, ints), _int_value(expr.right, ints)
        if left is None or right is None:
            return None
        if isinstance(expr.op, ast.FloorDiv):
            return left // right if right else None
        return left + right if isinstance(expr.op, ast.Add) else left - right if isinstance(expr.op, ast.Sub) else left * right
    return None


def float_size(source: str, function: str, line: int, message: str, trace) -> int | None:
    """A float where numpy wants an integer (``np.zeros((N, F, Hp, Wp))`` with ``Hp = 1 + (H -
    HH) / S``): the first name the raising line reads that was not an integer when the call
    raised and was made by ``/`` (followed back through the names it was made from)."""
    func = _func(source, function) if trace is not None and "float" in message and "integer" in message else None
    node = statement(func, line) if func is not None else None
    if node is None:
        return None
    frontier, seen = [(line, node)], {line}
    while frontier:
        at, stmt = frontier.pop(0)
        for name in sorted(_read(stmt), key=lambda n: last_write(trace, n, at) or 0):
            w = last_write(trace, name, at)
            made = statement(func, w) if w is not None and w not in seen and name not in trace.ints else None
            if made is None or not isinstance(made, ast.Assign):
                continue
            seen.add(w)
            if any(isinstance(b, ast.BinOp) and isinstance(b.op, ast.Div) for b in ast.walk(made.value)):
                return w
            frontier.append((w, made))
    return None


def _innermost_loop(func: ast.AST, line: int) -> ast.For | None:
    loops = [n for n in ast.walk(func) if isinstance(n, ast.For) and n.lineno < line <= (n.end_lineno or n.lineno)]
    return max(loops, key=lambda n: n.lineno) if loops else None


def index_past_end(source: str, function: str, line: int, message: str, trace) -> int | None:
    """``index 4 is out of bounds for axis 2``: of the names in the index at that axis, the loop
    indices run over the ranges the loops give and the sizes are the inputs'; the one offset
    computed in the loop body (``r, q = k // pool_height, k % pool_height``) is where the
    position was decoded, the line that wrote it."""
    match = re.search(r"out of bounds for axis (\d+)", message)
    func = _func(source, function) if match and trace is not None else None
    node = statement(func, line) if func is not None else None
    loop = _innermost_loop(func, line) if node is not None else None
    if loop is None:
        return None
    axis = int(match.group(1))
    loops = _loop_indices(func)
    found = set()
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Subscript):
            continue
        index = sub.slice.elts if isinstance(sub.slice, ast.Tuple) else [sub.slice]
        if axis >= len(index) or any(isinstance(i, ast.Slice) for i in index[: axis + 1]):
            continue
        for name in _read(index[axis]) - set(loops):
            w = last_write(trace, name, line)
            if w is not None and loop.lineno < w < line:
                found.add(w)
    return found.pop() if len(found) == 1 else None


def _shapes(message: str) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """(the written window's shape, the value's) from numpy's broadcast error."""

    def parse(text: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", text))

    together = re.search(r"broadcast together with shapes (\([\d,\s]*\)) (\([\d,\s]*\))", message)
    if together:
        return parse(together.group(1)), parse(together.group(2))
    into = re.search(r"from shape (\([\d,\s]*\)) into shape (\([\d,\s]*\))", message)
    if into:  # x[window] = value
        return parse(into.group(2)), parse(into.group(1))
    output = re.search(r"output operand with shape (\([\d,\s]*\)) doesn't match the broadcast shape (\([\d,\s]*\))", message)
    return (parse(output.group(1)), parse(output.group(2))) if output else None  # x[window] += value


def window_cut_at_edge(source: str, function: str, line: int, message: str, trace) -> int | None:
    """A write into a window that the array's edge cut short (``da[vert_start:vert_end, …] += …``,
    its bounds 3 apart, only 2 of them inside): the window has its size and starts too far, so
    the line that computed its start from a loop index. A window of the wrong size is not this
    (its bounds are not as far apart as the value is long): then the raising line holds it."""
    shapes = _shapes(message)
    func = _func(source, function) if shapes and trace is not None else None
    node = statement(func, line) if func is not None else None
    target = (
        node.target
        if isinstance(node, ast.AugAssign)
        else node.targets[0]
        if isinstance(node, ast.Assign) and len(node.targets) == 1
        else None
    )
    if not isinstance(target, ast.Subscript):
        return None
    window, value = shapes
    index = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
    slices = [i for i in index if isinstance(i, ast.Slice)]
    if len(window) != len(value) or len(slices) != len(window):
        return None  # an index that drops an axis, or broadcasting: the axes cannot be matched to the slices
    loops = set(_loop_indices(func))
    found = set()
    for k, (got, want) in enumerate(zip(window, value)):
        if got >= want:
            continue
        cut = slices[k]
        lower, upper = _int_value(cut.lower, trace.ints), _int_value(cut.upper, trace.ints)
        if lower is None or upper is None or upper - lower != want:
            return None  # not a window of the right size: its size is what is wrong, on the raising line
        found |= _starts(func, cut.lower, line, loops, trace)
    return min(found) if found else None


def _starts(func: ast.AST, expr: ast.AST | None, line: int, loops: set[str], trace) -> set[int]:
    """The lines that computed ``expr``'s names from a loop index (followed back through the names
    they read)."""
    out: set[int] = set()
    frontier = sorted(_read(expr) - loops) if expr is not None else []
    seen: set[str] = set()
    while frontier:
        name = frontier.pop(0)
        seen.add(name)
        w = last_write(trace, name, line)
        made = statement(func, w) if w is not None else None
        if made is None:
            continue
        read = _read(made.value) if isinstance(made, ast.Assign) else set()
        if read & loops:
            out.add(w)
        else:
            frontier += sorted(read - seen - loops)
    return out


# -- shapes (case.span_for) ---------------------------------------------------------------------------------
def _shaped_like(node: ast.AST | None) -> bool:
    """``np.zeros_like(x_pad)``, ``np.zeros(x_pad.shape)``: an array given another's shape as it is."""
    value = node.value if isinstance(node, ast.Assign) else None
    if not isinstance(value, ast.Call) or not value.args:
        return False
    name = value.func.attr if isinstance(value.func, ast.Attribute) else value.func.id if isinstance(value.func, ast.Name) else ""
    first = value.args[0]
    return name in _LIKE or (name in ("zeros", "ones", "empty") and isinstance(first, ast.Attribute) and first.attr == "shape")


def returned_alias(source: str, function: str, path: tuple, trace) -> int | None:
    """A value of the wrong shape handed back under a local bound to another array (``dx =
    dx_pad``) that was made with the shape of a third (``dx_pad = np.zeros_like(x_pad)``): that
    array has the size it was made for, so the mistake is handing it on, the line that bound it."""
    func = _func(source, function) if trace is not None and trace.returned is not None else None
    node = statement(func, trace.returned) if func is not None else None
    if not isinstance(node, ast.Return) or node.value is None:
        return None
    expr: ast.AST = node.value
    for key in tuple(path)[1:]:
        if not (isinstance(expr, (ast.Tuple, ast.List)) and isinstance(key, int) and 0 <= key < len(expr.elts)):
            return None
        expr = expr.elts[key]
    bound = last_write(trace, expr.id, node.lineno) if isinstance(expr, ast.Name) else None
    alias = statement(func, bound) if bound is not None else None
    if not (isinstance(alias, ast.Assign) and isinstance(alias.value, ast.Name)):
        return None
    made = [a for a in locate.assignments(func, alias.value.id, before=bound) if a.lineno in trace.lines]
    return bound if made and all(_shaped_like(a) for a in made) else None


def crash_cause(source: str, function: str, line: int, error_type: str, message: str, traces: list) -> int | None:
    """The line that made what the raising ``line`` could not take, read from the traced run that
    raised there; None when no rule singles one out (the raising line is then the answer)."""
    rule = {"TypeError": float_size, "IndexError": index_past_end, "ValueError": window_cut_at_edge}.get(error_type)
    for trace in traces:
        if rule is None or not trace.raised or trace.raised[-1].line != line or trace.raised[-1].function != function:
            continue
        found = rule(source, function, line, message, trace)
        if found is not None and found in trace.lines:
            return found
    return None
