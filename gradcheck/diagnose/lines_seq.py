"""The line of a mistake in code that builds a value over several lines (loops over time steps,
gradients gathered in dicts, arrays assembled slice by slice), read from the traced call.

The first guess (case.value_loc) is where the wrong object was made. That is the mistake's line
when the computation is wrong; it is not when the catalog's mistake says what is wrong is *how*
the object reached its name: assigned where it accumulates (``dWx = dWx_t`` in the loop), bound
to an intermediate one step short (``dprev_c = dc``), or handed to each step without what the
step after carried back (``rnn_cell_backward(da[:, :, t], caches[t])``). Each rule below looks
for that statement among the lines that ran and keeps the first guess when it finds none.
"""

from __future__ import annotations

import ast

from ..check.compare import close
from ..check.engine import CallResult
from ..check.templates import leaves
from ..findings import Location
from ..spec import formula as fm
from ..spec.model import FunctionSpec
from . import locate
from .case import Case
from .explain_value import Explanation

LAYOUT = frozenset({"reshape-not-transpose", "transpose", "shape"})  # the reshape itself is the mistake
_RESHAPES = frozenset({"np.reshape", "numpy.reshape"})
_LOOPS = (ast.For, ast.While)


def refine(case: Case, f: FunctionSpec, n: str, calls: list[CallResult], where: Location | None, tags, expl: Explanation):
    """``where``, or the statement that holds the named mistake in the value's assembly."""
    trace = case.obs.traces.get(f.name)
    tree = locate.parse(case.obs.source) if where is not None and trace is not None else None
    func = locate.function_node(tree, f.call) if tree is not None else None
    if func is None or where is None:
        return where
    name = case.spec.shown(n) if n in f.locals else bound_name(func, _path(n, calls), trace)
    line = None
    if name is not None and "not-accumulated" in tags:
        line = assigned_in_loop(func, name, trace)
    if line is None and "time-carry-missing" in tags:
        line = step_input(func, _operand_params(case, f, n, expl, func), trace.lines)
    if line is None and name is not None and _bare_intermediate(case, n, expl):
        line = alias_line(func, name, trace)
    if line is None and not set(tags) & LAYOUT:
        line = through_reshape(func, where.line, trace)
        line = None if line is not None and _graded_call(case, f, _stmt(func, line)) is not None else line
    if line is None and not expl.found:
        line = assembled_operand(case, f, n, calls, func, where.line) or shared_start(case, f, func, where.line, trace)
    return case.loc(locate.Span(line, line)) if line is not None and line != where.line else where


def _path(n: str, calls: list[CallResult]) -> tuple | None:
    for c in calls:
        if c.matched and n in c.matched.leaves:
            return tuple(c.matched.leaves[n].path)
    return None


def _stmt(func: ast.AST, line: int) -> ast.stmt | None:
    return locate._statement_at(func, line)


def _ran_writes(trace, name: str, before: int | None = None) -> list[int]:
    return [w for w in trace.names.get(name, ()) if before is None or w < before]


def bound_name(func: ast.AST, path: tuple | None, trace) -> str | None:
    """The student's local the call handed back at ``path`` (``dWx`` in ``return dx, dh0, dWx``;
    ``dWf`` in ``gradients = {"dWf": dWf, …}; return gradients``), followed from the return
    statement that ran; None when the value is not a plain local there."""
    returned = trace.returned
    node = _stmt(func, returned) if returned is not None else None
    if path is None or not isinstance(node, ast.Return) or node.value is None:
        return None
    expr: ast.AST = node.value
    use = node.lineno
    for key in path[1:]:
        for _ in range(4):  # a name holding the container: where it was last built before its use
            if not isinstance(expr, ast.Name):
                break
            writes = _ran_writes(trace, expr.id, before=use)
            made = _stmt(func, writes[-1]) if writes else None
            if not isinstance(made, ast.Assign) or len(made.targets) != 1:
                return None
            expr, use = made.value, made.lineno
        if isinstance(expr, (ast.Tuple, ast.List)) and isinstance(key, int) and 0 <= key < len(expr.elts):
            expr = expr.elts[key]
        elif isinstance(expr, ast.Dict) and isinstance(key, str):
            found = [v for k, v in zip(expr.keys, expr.values) if isinstance(k, ast.Constant) and k.value == key]
            if not found:
                return None
            expr = found[0]
        else:
            return None
    return expr.id if isinstance(expr, ast.Name) else None


def _in_loop(func: ast.AST, node: ast.AST) -> bool:
    loops = (loop for loop in ast.walk(func) if isinstance(loop, _LOOPS))
    return any(node is sub for loop in loops for stmt in loop.body for sub in ast.walk(stmt))


def _mentions(expr: ast.AST, name: str) -> bool:
    return any(isinstance(x, ast.Name) and x.id == name for x in ast.walk(expr))


def assigned_in_loop(func: ast.AST, name: str, trace) -> int | None:
    """The statement in a loop that last bound ``name`` with ``=`` to a value that does not
    read it (``dWx = dWx_t``, ``dWf = gradients["dWf"]``): a sum assigned where it accumulates."""
    writes = _ran_writes(trace, name)
    node = _stmt(func, writes[-1]) if writes else None
    if not isinstance(node, ast.Assign) or len(node.targets) != 1:
        return None
    target = node.targets[0]
    if not (isinstance(target, ast.Name) and target.id == name) or _mentions(node.value, name) or not _in_loop(func, node):
        return None
    return node.lineno


def _operand_params(case: Case, f: FunctionSpec, n: str, expl: Explanation, func: ast.AST) -> list[str]:
    """The student's parameters that the explaining mistake's formula reads (``da`` of
    ``rnn_bptt(da, …)``): by position, as the spec passes its values."""
    tree = _mistake_tree(case, n, expl)
    if tree is None or not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    used = fm.names(tree)
    params = [a.arg for a in func.args.args]
    return [params[i] for i, a in enumerate(f.args) if isinstance(a, str) and a in used and i < len(params)]


def _mistake_tree(case: Case, n: str, expl: Explanation) -> ast.expr | None:
    """The formula of the catalog mistake that explains ``n`` (``spec:i`` of n, ``spec:h:i`` of
    a hidden intermediate h), when one spec mistake alone does."""
    combo = expl.mutations[0] if expl.mutations else ()
    if len(combo) != 1 or not combo[0].key.startswith("spec:"):
        return None
    parts = combo[0].key.split(":")
    owner, index = (n, parts[1]) if len(parts) == 2 else (parts[1], parts[2])
    mistakes = case.spec.mistakes.get(owner, ())
    if not index.isdigit() or int(index) >= len(mistakes):
        return None
    return mistakes[int(index)].formula.tree


def _loop_vars(loop: ast.AST) -> set[str]:
    """A for loop's targets; a while loop's counters (names its test reads and its body writes)."""
    if isinstance(loop, ast.For):
        return {x.id for x in ast.walk(loop.target) if isinstance(x, ast.Name)}
    if isinstance(loop, ast.While):
        tested = {x.id for x in ast.walk(loop.test) if isinstance(x, ast.Name)}
        written = {t.id for s in ast.walk(loop) if isinstance(s, (ast.Assign, ast.AugAssign)) for t in locate._targets(s) if isinstance(t, ast.Name)}
        return tested & written
    return set()


def step_input(func: ast.AST, params: list[str], ran: frozenset[int]) -> int | None:
    """The first statement that ran in a loop over steps and reads a step of one of ``params``
    (``da[:, :, t]``, ``dh[:, t]``): where each step's incoming gradient is made, and where the
    gradient carried back from the step after belongs."""
    found = []
    for loop in ast.walk(func):
        counters = _loop_vars(loop) if isinstance(loop, _LOOPS) else set()
        if not counters:
            continue
        for stmt in (s for body in loop.body for s in ast.walk(body)):
            if not isinstance(stmt, ast.stmt) or hasattr(stmt, "body") or stmt.lineno not in ran:
                continue
            for sub in ast.walk(stmt):
                if (
                    isinstance(sub, ast.Subscript)
                    and isinstance(sub.ctx, ast.Load)
                    and isinstance(sub.value, ast.Name)
                    and sub.value.id in params
                    and {x.id for x in ast.walk(sub.slice) if isinstance(x, ast.Name)} & counters
                ):
                    found.append(stmt.lineno)
    return min(found) if found else None


def _bare_intermediate(case: Case, n: str, expl: Explanation) -> bool:
    """The explaining mistake says the value *is* another intermediate (``dprev_c = dc`` for
    dc * f): a step left out after that intermediate was made."""
    tree = _mistake_tree(case, n, expl)
    return isinstance(tree, ast.Name) and tree.id != n


def alias_line(func: ast.AST, name: str, trace) -> int | None:
    """The statement that last bound ``name`` to another local as it is (``dprev_c = dc``)."""
    writes = _ran_writes(trace, name)
    node = _stmt(func, writes[-1]) if writes else None
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
        return None
    aliased = node.targets[0].id == name and isinstance(node.value, ast.Name) and node.value.id != name
    return node.lineno if aliased else None


def through_reshape(func: ast.AST, line: int, trace) -> int | None:
    """``dx = dx_flat.reshape(N, T, V)`` only lays out what was computed before: the write of
    ``dx_flat`` before it that ran. (refine keeps the reshape when that write is a call of a
    graded function that passes its checks: then what it was given, or the layout, is wrong.)"""
    node = _stmt(func, line)
    value = node.value if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
    source = None
    if isinstance(value, ast.Call) and ast.unparse(value.func) in _RESHAPES and value.args:
        source = value.args[0]
    elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "reshape":
        source = value.func.value
    if not isinstance(source, ast.Name):
        return None
    writes = [w for w in _ran_writes(trace, source.id) if w != line]
    return writes[-1] if writes else None


def _reads(node: ast.AST | None) -> set[str]:
    value = getattr(node, "value", None)
    return {x.id for x in ast.walk(value) if isinstance(x, ast.Name) and isinstance(x.ctx, ast.Load)} if value is not None else set()


def assembly(func: ast.AST, name: str, writes: list[int]) -> list[int]:
    """The lines that filled ``name`` piece by piece after it was made (``concat = np.zeros(…)``,
    then ``concat[:n_x, :] = xt`` …), in the order they ran; empty when it was not built so."""
    made = _stmt(func, writes[0]) if writes else None
    if not (isinstance(made, ast.Assign) and isinstance(made.value, ast.Call)):
        return []
    pieces = []
    for line in writes[1:]:
        node = _stmt(func, line)
        targets = locate._targets(node) if node is not None else []
        if not targets or not all(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name for t in targets):
            return []
        pieces.append(line)
    return pieces


def assembled_operand(case: Case, f: FunctionSpec, n: str, calls: list[CallResult], func: ast.AST, line: int) -> int | None:
    """A value no mistake of the catalog explains, computed on ``line`` from a local assembled
    slice by slice: when every other value the function hands back that is computed straight
    from that local is wrong too (ft, it, cct and ot all read ``concat``), the lines computing
    them are not where they went wrong together; the assembly is. Its first piece."""
    trace = case.obs.traces[f.name]
    for name in sorted(_reads(_stmt(func, line))):
        pieces = assembly(func, name, [w for w in trace.names.get(name, ()) if w < line])
        if not pieces:
            continue
        others = []
        for m in leaves(f.returns):
            path = _path(m, calls) if m != n else None
            made = trace.value(path) if path else None
            if made is not None and made[0] != line and name in _reads(_stmt(func, made[0])):
                others.append(m)
        if others and all(_wrong(case, m, calls) for m in others):
            return pieces[0]
    return None


def _wrong(case: Case, m: str, calls: list[CallResult]) -> bool:
    """Whether the value handed back as ``m`` differs from its reference in some call (one that
    cannot be compared is no evidence either way)."""
    for c in calls:
        leaf = c.matched.leaves.get(m) if c.matched else None
        got = leaf.array if leaf is not None else None
        ref = c.trial.env.get(m)
        if got is not None and ref is not None and not close(got, ref, case.rtol(got), case.spec.atol.get(m, 0.0)):
            return True
    return False


def _graded_call(case: Case, f: FunctionSpec, node: ast.stmt | None) -> ast.Call | None:
    """The call on ``node`` of another graded function that passes its own checks, if one."""
    graded = {g.call: i for i, g in enumerate(case.spec.functions)}
    for sub in ast.walk(node) if node is not None else ():
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in graded and sub.func.id != f.call:
            return None if case.has_error(graded[sub.func.id]) else sub
    return None


def shared_start(case: Case, f: FunctionSpec, func: ast.AST, line: int, trace) -> int | None:
    """A value made in a loop by a graded callee that passes its own checks, so the mistake came
    in with its arguments: two of the states it is handed, carried from step to step, start as
    the same object (``a_next = a0`` and ``c_next = a0``). Two states cannot both start from one
    value; the later binding reused the first one's. That binding, which ran."""
    node = _stmt(func, line)
    call = _graded_call(case, f, node)
    loops = [lp for lp in ast.walk(func) if isinstance(lp, _LOOPS) and any(node is s for b in lp.body for s in ast.walk(b))]
    if call is None or not loops:
        return None
    inner = max(loops, key=lambda lp: lp.lineno)  # the innermost loop holding the call
    first, last = inner.lineno, inner.end_lineno or inner.lineno
    starts: dict[str, list[int]] = {}
    for arg in call.args:
        writes = _ran_writes(trace, arg.id, before=first) if isinstance(arg, ast.Name) else []
        made = _stmt(func, writes[-1]) if writes else None
        carried = isinstance(arg, ast.Name) and any(first < w <= last for w in trace.names.get(arg.id, ()))
        if carried and isinstance(made, ast.Assign) and len(made.targets) == 1 and isinstance(made.value, ast.Name):
            starts.setdefault(made.value.id, []).append(made.lineno)
    shared = [max(lines) for lines in starts.values() if len(set(lines)) > 1]
    return min(shared) if shared else None
