"""Inverse edits for the sequence models' mistakes (``seq_known.py`` names them): the gradient
carried back from step t + 1 not added to the upstream one, the upstream added only at the last
step, an indexed ``+=`` where repeated words must add up, the mask left out, and the cell's
formula mistakes (a gate's name, a missing factor or term, a derivative, the order of a stack).

Like term_edits.py: pure functions of the student's text that return splices of it; each edit
works on the loop and the names the student wrote, never on a fixture's text. Every edit keeps
the number of lines (a line may end with ``; name = ...`` where a carry is never kept).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from ..findings import Mistake
from .source import _LOOSE, Source, _call_name, _names, _np, _operator_between, _parents, _wrap, derivative_form, enclosing_function
from .term_edits import Known

Edits = Iterator[list]
_TIGHT = (ast.Mult, ast.Div, ast.MatMult, ast.Pow, ast.FloorDiv, ast.Mod)


def _numpy(src: Source, form: str) -> str:
    """A form written with ``np.`` in the student's alias for numpy."""
    return re.sub(r"(?<![\w.])np\.", f"{_np(src.text)}.", form)


def _function(src: Source, v: ast.expr) -> ast.FunctionDef | None:
    func = enclosing_function(src, v.lineno)
    return func if isinstance(func, ast.FunctionDef) else None


def _append(src: Source, v: ast.expr, text: str) -> list:
    a, b = src.span(v)
    loose = isinstance(v, _LOOSE) and not (isinstance(v, ast.BinOp) and isinstance(v.op, _TIGHT))
    return [(a, a, "("), (b, b, ")" + text)] if loose and text.lstrip()[:1] in "*/@" else [(b, b, text)]


def _grouped_in(parent: ast.AST | None, node: ast.AST) -> bool:
    """Whether a sum put where ``node`` is needs parentheses."""
    if isinstance(parent, ast.BinOp):
        return isinstance(parent.op, _TIGHT) or (isinstance(parent.op, ast.Sub) and parent.right is node)
    return isinstance(parent, (ast.UnaryOp, ast.Attribute, ast.Subscript))


def _plus(src: Source, parents: dict, node: ast.AST, first: str, second: str) -> list:
    """``node`` replaced by ``first + second``, parenthesized where its place binds tighter."""
    text = f"{first} + {second}"
    return [(*src.span(node), f"({text})" if _grouped_in(parents.get(id(node)), node) else text)]


# -- the loop over time ----------------------------------------------------------------------------
def _loops(func: ast.AST) -> list[ast.For | ast.While]:
    return [n for n in ast.walk(func) if isinstance(n, (ast.For, ast.While))]


def _loop_vars(loop: ast.For | ast.While) -> set[str]:
    if isinstance(loop, ast.For):
        return {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    return {n.target.id for n in ast.walk(loop) if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)}


def _in_body(loop: ast.For | ast.While) -> list[ast.AST]:
    return [n for s in loop.body for n in ast.walk(s)]


def _stored(nodes: list[ast.AST]) -> set[str]:
    return {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _loaded(nodes: list[ast.AST]) -> list[ast.Name]:
    return sorted((n for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)), key=lambda n: (n.lineno, n.col_offset))


def _accumulated(nodes: list[ast.AST]) -> set[str]:
    return {n.target.id for n in nodes if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)}


def _params(func: ast.FunctionDef) -> list[str]:
    return [a.arg for a in func.args.args]


def _upstream_reads(func: ast.FunctionDef, loop: ast.For | ast.While) -> list[ast.Subscript]:
    """``da[:, :, t]``: a parameter read at the loop's step (the first parameter's reads first)."""
    params, steps = _params(func), _loop_vars(loop)
    found = [n for n in _in_body(loop) if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Load) and isinstance(n.value, ast.Name)
             and n.value.id in params and any(isinstance(x, ast.Name) and x.id in steps for x in ast.walk(n.slice))]  # fmt: skip
    return sorted(found, key=lambda n: (params.index(n.value.id), n.lineno, n.col_offset))  # type: ignore[attr-defined]


def _carry(src: Source, v: ast.expr, m: Mistake, k: Known, target: str = "") -> Edits:
    """time-carry-missing: the step's upstream ``da[:, :, t]`` gets the gradient the loop keeps
    from the step after (a name the loop assigns and never reads), or, where the loop keeps none,
    the names it started at zeros are kept from the step's result at the end of its call's line."""
    func = _function(src, v)
    if func is None:
        return
    parents = _parents(func)
    for loop in _loops(func):
        body = _in_body(loop)
        reads = _upstream_reads(func, loop)
        read = {n.id for n in _loaded(body)} | _accumulated(body)  # dW += dWt reads dW
        kept = sorted(_stored(body) - read - _loop_vars(loop))
        for up in reads[:1]:
            for name in kept:
                yield _plus(src, parents, up, src.seg(up), name)
            yield from _kept_from_result(src, func, loop, up, parents)


def _kept_from_result(src: Source, func: ast.FunctionDef, loop: ast.For | ast.While, up: ast.Subscript, parents: dict) -> Edits:
    """``gradients = lstm_cell_backward(da[:, :, t], dc_prevt, caches[t])`` with da_prevt and dc_prevt
    started before the loop and never updated in it: both kept from ``gradients`` by the keys the
    function reads it with (``gradients["da_prev"]`` after the loop) or its callee returns."""
    stmt = next((s for s in ast.walk(loop) if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)
                 and any(n is up for n in ast.walk(s.value))), None)  # fmt: skip
    if stmt is None or not isinstance(stmt.value, ast.Call):
        return
    result = stmt.targets[0].id  # type: ignore[attr-defined]
    body = _in_body(loop)
    started = [s.targets[0].id for s in func.body if isinstance(s, ast.Assign) and s.lineno < loop.lineno
               and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)]  # fmt: skip
    passed = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
    seen = {n.id for n in body if isinstance(n, ast.Name)}
    stale = [n for n in started if n not in _stored(body) and (n in passed or n not in seen)]  # dc_prevt passed on, da_prevt unused
    keys = _result_keys(src, func, result, stmt.value)
    pairs = [(n, key) for n in stale for key in keys if n.startswith(key) and len(n) - len(key) <= 2]
    unread = [n for n, _ in pairs if n not in {x.id for x in _loaded(body)}]
    if not pairs or not unread:
        return
    names, values = ", ".join(n for n, _ in pairs), ", ".join(f'{result}["{key}"]' for _, key in pairs)
    end = src.span(stmt)[1]
    yield [*_plus(src, parents, up, src.seg(up), unread[0]), (end, end, f"; {names} = {values}")]


def _result_keys(src: Source, func: ast.FunctionDef, result: str, call: ast.Call) -> list[str]:
    keys = [n.slice.value for n in ast.walk(func) if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id == result
            and isinstance(n.slice, ast.Constant) and isinstance(n.slice.value, str)]  # fmt: skip
    callee = _call_name(call)
    for d in (n for n in ast.walk(src.tree) if isinstance(n, ast.FunctionDef) and n.name == callee):
        keys += [key.value for dct in ast.walk(d) if isinstance(dct, ast.Dict) for key in dct.keys
                 if isinstance(key, ast.Constant) and isinstance(key.value, str)]  # fmt: skip
    return sorted(set(keys), key=len, reverse=True)  # da_prev before da


def _upstream(src: Source, v: ast.expr, m: Mistake, k: Known, target: str = "") -> Edits:
    """upstream-not-added: the loop starts its carry at the last step's upstream
    (``dprev_h = dh[:, T - 1, :]``) and passes the carry alone; the carry starts at zeros of that
    shape and each step passes ``dh[:, t, :] + dprev_h``."""
    func = _function(src, v)
    if func is None:
        return
    parents = _parents(func)
    params = _params(func)
    np_ = _np(src.text)
    for loop in _loops(func):
        body, steps = _in_body(loop), sorted(_loop_vars(loop))
        stepped = {n.value.id for n in _upstream_reads(func, loop)}  # type: ignore[attr-defined]
        for start in (s for s in func.body if isinstance(s, ast.Assign) and s.lineno < loop.lineno and len(s.targets) == 1):
            carry, value = start.targets[0], start.value
            if not (isinstance(carry, ast.Name) and isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name)
                    and value.value.id in params and value.value.id not in stepped and carry.id in _stored(body)) or not steps:  # fmt: skip
                continue
            first = next((n for n in _loaded(body) if n.id == carry.id), None)
            step = _at_step(src, value, steps[0])
            if first is not None and step is not None:
                yield [(*src.span(value), f"{np_}.zeros_like({src.seg(value)})"), *_plus(src, parents, first, step, carry.id)]


def _at_step(src: Source, read: ast.Subscript, step: str) -> str | None:
    """``dh[:, T - 1, :]`` read at the loop's step: ``dh[:, t, :]`` (the one index that is not a slice)."""
    elts = read.slice.elts if isinstance(read.slice, ast.Tuple) else [read.slice]
    fixed = [e for e in elts if not isinstance(e, ast.Slice)]
    if len(fixed) != 1:
        return None
    a = src.span(read)[0]
    x, y = (p - a for p in src.span(fixed[0]))
    text = src.seg(read)
    return text[:x] + step + text[y:]


# -- repeated indices --------------------------------------------------------------------------------
def _add_at(src: Source, v: ast.expr, m: Mistake, k: Known, target: str = "") -> Edits:
    """repeated-index: ``dW[x] += dout`` keeps one of a repeated word's gradients: ``np.add.at(dW, x, dout)``;
    in a loop over the words, ``dW[x[n, t]] = dout[n, t]`` keeps the last: ``+=``."""
    func = _function(src, v)
    if func is None:
        return
    np_ = _np(src.text)
    looped = {id(n) for loop in _loops(func) for n in _in_body(loop)}
    for n in ast.walk(func):
        if isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Add) and isinstance(n.target, ast.Subscript) and id(n) not in looped:
            into, at = n.target.value, n.target.slice
            if isinstance(into, ast.Name) and not isinstance(at, (ast.Slice, ast.Tuple)):
                yield [(*src.span(n), f"{np_}.add.at({into.id}, {src.seg(at)}, {src.seg(n.value)})")]
        elif isinstance(n, ast.Assign) and id(n) in looped and len(n.targets) == 1 and _indexed_by_data(n.targets[0]):
            edit = _operator_between(src, n.targets[0], n.value, "=", "+=")
            if edit is not None:
                yield [edit]


def _indexed_by_data(node: ast.AST) -> bool:
    """``dW[x[n, t]]``: a row chosen by what an array holds, not by a loop index."""
    return isinstance(node, ast.Subscript) and any(isinstance(x, ast.Subscript) for x in ast.walk(node.slice))


# -- the mask of a sequence loss ---------------------------------------------------------------------
def _mask(src: Source, v: ast.expr, m: Mistake, k: Known, target: str = "") -> Edits:
    """mask-ignored: each sum's argument multiplied by the mask as the function has it (a reshaped
    ``mask_flat`` first), else the reference's factor (``np.expand_dims(mask, axis=2)``) appended."""
    func = _function(src, v)
    if func is None or not m.args or m.args[0] not in _params(func):
        return
    mask = m.args[0]
    derived = [s.targets[0].id for s in ast.walk(func) if isinstance(s, ast.Assign) and len(s.targets) == 1
               and isinstance(s.targets[0], ast.Name) and _names(s.value, mask) and s.targets[0].id != mask]  # fmt: skip
    for call in (n for n in ast.walk(v) if isinstance(n, ast.Call) and _call_name(n) == "sum" and n.args):
        for name in [*derived, mask]:
            yield [(*src.span(call.args[0]), f"{name} * {_wrap(src, call.args[0])}")]
    if m.data:
        yield _append(src, v, f" * {_numpy(src, m.data[0])}")


# -- the cell's formulas -----------------------------------------------------------------------------
def _times(src: Source, v: ast.expr, m: Mistake, k: Known, target: str = "") -> Edits:
    """A factor left out (dprev_c = dc where dc * f belongs): appended to the value."""
    if m.args:
        factor = _numpy(src, m.args[0])
        shown = factor if re.fullmatch(r"[\w.]+", factor) else f"({factor})"
        yield _append(src, v, f" * {shown}")


def _add_term(src: Source, v: ast.expr, m: Mistake, k: Known, target: str = "") -> Edits:
    """A term left out (dc without dnext_c): put before the value (data ``left``) or after it."""
    if m.args:
        term = _numpy(src, m.args[0])
        a, b = src.span(v)
        yield [(a, a, f"{term} + ")] if (m.data or ("",))[0] == "left" else [(b, b, f" + {term}")]


def _drop_factor(src: Source, v: ast.expr, m: Mistake, k: Known, target: str = "") -> Edits:
    """An extra factor in a product (``/ (N * T)`` where ``/ N`` belongs): the factor goes."""
    extra = (m.args or ("",))[0]
    for n in ast.walk(v):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
            for drop, keep in ((n.right, n.left), (n.left, n.right)):
                if isinstance(drop, ast.Name) and drop.id == extra:
                    a, b = src.span(n)
                    grouped = src.text[a - 1 : a] == "(" and src.text[b : b + 1] == ")" and not isinstance(keep, _LOOSE)
                    yield [((a - 1, b + 1) if grouped else (a, b)) + (src.seg(keep),)]


def _swap_in(src: Source, v: ast.expr, m: Mistake, k: Known, target: str = "") -> Edits:
    """A name where another value belongs (args: the wrong name, the right one, its form): renamed
    where the function has the right name, else replaced by the right value's form."""
    if len(m.args) != 3:
        return
    wrong, right, form = m.args
    func = _function(src, v)
    known = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)} | set(_params(func)) if func is not None else set()
    names = _names(v, wrong)
    if right and right in known and names:
        yield [(*src.span(n), right) for n in names]
        yield from ([(*src.span(n), right)] for n in names if len(names) > 1)
    if form and form != right and names:
        parents = _parents(v)
        text = _numpy(src, form)
        inner = text[1:-1] if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]) else text
        for n in names:
            p = parents.get(id(n))
            in_product = isinstance(p, ast.BinOp) and isinstance(p.op, ast.Mult) and _is_product(inner)
            yield [(*src.span(n), inner if in_product or not _loose_text(inner) else f"({inner})")]


def _is_product(text: str) -> bool:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return False
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _loose_text(text: str) -> bool:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return True
    return isinstance(node, _LOOSE)


def _permute(src: Source, v: ast.expr, m: Mistake, k: Known, target: str = "") -> Edits:
    """A stack in the wrong order (``np.hstack((di, df, dg, do))``): its parts put back in the reference's."""
    order = [int(x) for x in m.data if x.isdigit()]
    for call in (n for n in ast.walk(v) if isinstance(n, ast.Call)):
        parts = call.args[0].elts if len(call.args) >= 1 and isinstance(call.args[0], (ast.Tuple, ast.List)) else call.args
        if len(parts) == len(order) > 1:
            texts = [src.seg(p) for p in parts]
            yield [(*src.span(p), texts[order[i]]) for i, p in enumerate(parts)]


# -- more candidates for the catalog's own kinds ------------------------------------------------------
def _product(v: ast.expr) -> list[ast.expr]:
    """The operands of a chain of ``*``: ``dc * i * g * (1 - g)`` is [dc, i, g, 1 - g]."""
    out: list[ast.expr] = []
    while isinstance(v, ast.BinOp) and isinstance(v.op, ast.Mult):
        out.insert(0, v.right)
        v = v.left
    return [v, *out]


def _with_parens(src: Source, node: ast.AST) -> tuple[int, int]:
    a, b = src.span(node)
    if src.text[a - 1 : a] == "(" and src.text[b : b + 1] == ")" and not src.text[: a - 1].rstrip()[-1:].isalnum():
        return a - 1, b + 1
    return a, b


def _spread_derivative(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    """``dc * i * g * (1 - g)``: the wrong derivative written over adjacent factors that read the
    activation (g and 1 - g), replaced together by the right one's form (``1 - g ** 2``)."""
    g, _, a = (m.data + ("", "", ""))[:3]
    form = derivative_form(g, a, _np(src.text), src.text) if a else None
    operands = _product(v)
    reading = [i for i, o in enumerate(operands) if _names(o, a)]
    if form and len(reading) >= 2 and reading == list(range(reading[0], reading[-1] + 1)):
        yield [(_with_parens(src, operands[reading[0]])[0], _with_parens(src, operands[reading[-1]])[1], form)]


EXTRA_EDITS = {"deriv-A": _spread_derivative, "deriv": _spread_derivative}

SEQ_EDITS = {
    "carry": _carry, "upstream": _upstream, "add-at": _add_at, "mask": _mask, "times": _times, "plus": _add_term,
    "drop-factor": _drop_factor, "swap-in": _swap_in, "permute": _permute,
}  # fmt: skip
