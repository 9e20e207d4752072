"""Inverse edits for the mistakes in a formula's named terms (the L2 penalty, dropout's mask and
1/keep_prob, a classifier's correct class), for a wrong operand written as an expression, and
for the spec author's own mistakes (a stride left out, a missing factor).

Like edits.py: pure functions of the student's text that return splices of it; they read what
the spec knows (``Known``: the batch's name, the regularization strengths, each value's formula,
all in the student's names) and never run anything.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..findings import Mistake
from ..spec import pyast
from .source import _LOOSE, Source, _call_name, _has, _names, _np, _numpy_term, _operator_between, _wrap, enclosing_function


def _nothing(name: str) -> str | None:
    return None


@dataclass(frozen=True)
class Known:
    """What the spec says besides the mistake, in the student's names."""

    batch: str
    l2: tuple[str, ...] = ()  # the regularization strengths (lambd, reg)
    define: Callable[[str], str | None] = field(default=_nothing, compare=False)  # a value's formula (relu(Z1) for A1_before_mask)


Edits = Iterator[list]


def _data_names(node: ast.AST) -> set[str]:
    """The names an expression reads, not the functions it calls (np of np.maximum is no operand)."""
    calls = {id(n) for c in ast.walk(node) if isinstance(c, ast.Call) for n in ast.walk(c.func)}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in calls}


def _mentions(node: ast.AST, names: tuple[str, ...] | set[str]) -> bool:
    return bool(_data_names(node) & set(names))


def _end(src: Source, node: ast.AST, text: str) -> list:
    b = src.span(node)[1]
    return [(b, b, text)]


def _append(src: Source, v: ast.expr, text: str) -> list:
    """``text`` (`` * D2``) after the whole value, the value parenthesized when it binds looser."""
    a, b = src.span(v)
    loose = isinstance(v, _LOOSE) and not (isinstance(v, ast.BinOp) and isinstance(v.op, (ast.Mult, ast.Div, ast.MatMult, ast.Pow)))
    return [(a, a, "("), (b, b, ")" + text)] if loose and text.lstrip()[:1] in "*/@" else [(b, b, text)]


# -- L2 regularization -----------------------------------------------------------------------------
def _l2_factor(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    """The L2 term is twice (2.0) or half (0.5) its size: a literal 2 goes (``2 * lambd``,
    ``lambd / (2 * m)``, ``lambd / 2``), else the strength is scaled where it is written."""
    if not _mentions(v, k.l2):
        return  # the term is computed on another line: edits.edit_once follows the names
    twice = (m.args or ("",))[0] == "2.0"
    for n in ast.walk(v):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
            for two, keep in ((n.left, n.right), (n.right, n.left)):
                if isinstance(two, ast.Constant) and two.value in (2, 2.0):
                    yield [(*_bare(src, n, keep), src.seg(keep))]
        elif (
            isinstance(n, ast.BinOp)
            and isinstance(n.op, ast.Div)
            and not twice
            and isinstance(n.right, ast.Constant)
            and n.right.value in (2, 2.0)
        ):
            yield [(*_bare(src, n, n.left), src.seg(n.left))]
    for n in [n for n in ast.walk(v) if isinstance(n, ast.Name) and n.id in k.l2][:1]:
        yield [(*src.span(n), f"({n.id} / 2)" if twice else f"(2 * {n.id})")]


def _bare(src: Source, node: ast.AST, keep: ast.AST) -> tuple[int, int]:
    """The span to replace by ``keep``: with its grouping parentheses when ``keep`` needs none."""
    a, b = src.span(node)
    before = src.text[: a - 1].rstrip()[-1:] if a else ""
    grouped = src.text[a - 1 : a] == "(" and src.text[b : b + 1] == ")" and not (before.isalnum() or before in ("_", ")", "]"))
    return (a - 1, b + 1) if grouped and not isinstance(keep, _LOOSE) else (a, b)


def _square_sums(v: ast.expr) -> list[ast.Call]:
    """Each sum of squares: np.sum(np.square(W)), np.sum(W ** 2), np.sum(W * W), (W ** 2).sum()."""

    def squared(n: ast.AST) -> bool:
        return (_call_name(n) in ("square", "power") or isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Pow, ast.Mult))) and bool(
            _data_names(n)
        )

    out = []
    for n in ast.walk(v):
        if _call_name(n) == "sum" and isinstance(n, ast.Call):
            arg = n.args[0] if n.args else getattr(n.func, "value", None)
            if arg is not None and squared(arg):
                out.append(n)
    return sorted(out, key=lambda n: (n.lineno, n.col_offset))


def _l2_layer(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    """One weight left out of the sum of squares: the last one copied with the missing weight."""
    if not m.args:
        return
    found = _square_sums(v)
    if found:
        last = found[-1]
        weights = [n for n in ast.walk(last) if isinstance(n, ast.Name) and n.id in _data_names(last)]
        if weights:
            text = src.seg(last)
            a = src.span(last)[0]
            spans = sorted((src.span(w)[0] - a, src.span(w)[1] - a) for w in weights)
            for x, y in reversed(spans):
                text = text[:x] + m.args[0] + text[y:]
            yield _end(src, last, f" + {text}")


def _l2_norm(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    """l2-all:True / l2-square-of-sum:W (ΣW squared): each square(sum(W)) becomes sum(square(W));
    l2-all:False / l2-no-square:W (ΣW): each sum(W) of a weight gets its square."""
    only = m.args[0] if m.kind != "l2-all" and m.args else None
    square_of_sum = m.args == ("True",) or m.kind == "l2-square-of-sum"
    edits = []
    for n in ast.walk(v):
        if square_of_sum and isinstance(n, ast.Call) and _call_name(n) in ("square",) and n.args and _call_name(n.args[0]) == "sum":
            inner = n.args[0]
            if isinstance(inner, ast.Call) and inner.args and (only is None or _data_names(inner) == {only}):
                edits.append((*src.span(n), f"{src.seg(inner.func)}({src.seg(n.func)}({src.seg(inner.args[0])}))"))
        elif square_of_sum and isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) and _call_name(n.left) == "sum":
            inner = n.left
            if isinstance(inner, ast.Call) and inner.args and (only is None or _data_names(inner) == {only}):
                edits.append((*src.span(n), f"{src.seg(inner.func)}({_wrap(src, inner.args[0])} ** 2)"))
        elif not square_of_sum and _call_name(n) == "sum" and _plain_arg(n) and (only is None or _data_names(n.args[0]) == {only}):  # type: ignore[attr-defined]
            edits.append((*src.span(n.args[0]), f"{_np(src.text)}.square({src.seg(n.args[0])})"))
    if edits:
        yield edits


def _plain_arg(n: ast.AST) -> bool:
    return isinstance(n, ast.Call) and bool(n.args) and isinstance(n.args[0], (ast.Name, ast.Subscript, ast.Attribute))


def _l2_drop(src: Source, v: ast.expr, m: Mistake, k: Known, target: str = "") -> Edits:
    """The L2 term missing, or 0: ``1 // 2`` made a float division; a computed but unused L2 term
    added; else the reference's own term, in numpy."""
    floor = [n for n in ast.walk(v) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.FloorDiv)]
    if floor:
        yield [_operator_between(src, n.left, n.right, "//", "/") for n in floor if _operator_between(src, n.left, n.right, "//", "/")]
        return
    func = enclosing_function(src, v.lineno)
    if func is not None:
        read = {n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for stmt in ast.walk(func):
            if isinstance(stmt, ast.Assign) and stmt.lineno < v.lineno and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                name = stmt.targets[0].id
                if name not in read and _mentions(stmt.value, k.l2):
                    yield _append(src, v, f" + {name}")
    if _uses_l2(src, v, k):
        return  # the term is there, computed elsewhere: that line is edited instead (edits.edit_once follows it)
    term = _reference_l2_term(k, target)
    if term:
        yield _append(src, v, f" + {_numpy_term(term, _np(src.text))}")


def _uses_l2(src: Source, v: ast.expr, k: Known) -> bool:
    if _mentions(v, k.l2):
        return True
    func = enclosing_function(src, v.lineno)
    names = _data_names(v)
    return func is not None and any(
        isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id in names for t in s.targets) and _mentions(s.value, k.l2)
        for s in ast.walk(func)
    )


def _reference_l2_term(k: Known, target: str) -> str | None:
    text = k.define(target) if target else None
    if not text:
        return None
    try:
        tree = pyast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and _mentions(node.right, k.l2):
            return ast.unparse(node.right)
    return None


def _l2_subtract(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    subs = [n for n in ast.walk(v) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub)]
    subs.sort(key=lambda n: not _mentions(n.right, k.l2))  # the one subtracting a lambd term first
    for n in subs:
        if (edit := _operator_between(src, n.left, n.right, "-", "+")) is not None:
            yield [edit]


def _l2_extra(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    """An L2 term where none belongs (db): the term goes."""
    for n in ast.walk(v):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add):
            for extra, keep in ((n.right, n.left), (n.left, n.right)):
                if _mentions(extra, k.l2) and not _mentions(keep, k.l2):
                    yield [(*src.span(n), src.seg(keep) if n is v else _wrap(src, keep))]


# -- dropout ---------------------------------------------------------------------------------------
def _keep_times(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    keep = (m.args or ("",))[0]
    for n in ast.walk(v):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
            if isinstance(n.right, ast.Name) and n.right.id == keep and (e := _operator_between(src, n.left, n.right, "*", "/")):
                yield [e]
            elif isinstance(n.left, ast.Name) and n.left.id == keep:
                yield [(*src.span(n), f"{_wrap(src, n.right)} / {keep}")]
        elif (
            isinstance(n, ast.Call)
            and _call_name(n) == "multiply"
            and n.args
            and isinstance(n.args[-1], ast.Name)
            and n.args[-1].id == keep
        ):
            b = src.span(n.func)[1]
            yield [(b - len("multiply"), b, "divide")]


def _scaled_by(v: ast.expr) -> list[ast.BinOp]:
    return [n for n in ast.walk(v) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) and isinstance(n.right, ast.Name)]


def _drop_mask(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    """The mask not applied: ``dA2 / keep_prob`` is ``dA2 * D2 / keep_prob``, ``dout`` is ``dout * mask``."""
    mask = (m.args or ("",))[0]
    if not mask:
        return
    for n in _scaled_by(v):
        yield (
            _end(src, n.left, f" * {mask}")
            if not isinstance(n.left, _LOOSE)
            else [(src.span(n.left)[0], src.span(n.left)[0], "("), *_end(src, n.left, f") * {mask}")]
        )
    yield _append(src, v, f" * {mask}")


def _dropout_none(src: Source, v: ast.expr, m: Mistake, k: Known, target: str = "") -> Edits:
    """Neither the mask nor the 1/keep_prob: the reference's trailing ``* D2 / keep_prob``, appended."""
    text = k.define(target) if target else None
    if not text:
        return
    try:
        tree = pyast.parse(text, mode="eval").body
    except SyntaxError:
        return
    suffix = ""
    while isinstance(tree, ast.BinOp) and isinstance(tree.op, (ast.Mult, ast.Div)) and isinstance(tree.right, ast.Name):
        suffix = f" {'*' if isinstance(tree.op, ast.Mult) else '/'} {tree.right.id}{suffix}"
        tree = tree.left
    if suffix:
        yield _append(src, v, suffix)


# -- a classifier's correct class ----------------------------------------------------------------
def _all_columns(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    """``p[:, y]`` takes every example against every label: ``p[np.arange(N), y]``."""
    for n in ast.walk(v):
        if isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Tuple) and len(n.slice.elts) == 2:
            rows = n.slice.elts[0]
            if isinstance(rows, ast.Slice) and rows.lower is None and rows.upper is None and rows.step is None:
                yield [(*src.span(rows), f"{_np(src.text)}.arange({_rows(src, v, k)})")]


def _rows(src: Source, v: ast.expr, k: Known) -> str:
    """The student's name for the number of examples (N = x.shape[0]), else the spec's."""
    func = enclosing_function(src, v.lineno)
    names = {t.id for s in ast.walk(func) if isinstance(s, ast.Assign) for t in s.targets if isinstance(t, ast.Name)} if func else set()
    args = {a.arg for a in ast.walk(func) if isinstance(a, ast.arg)} if func else set()
    return k.batch if k.batch in names | args else f"{_first_array(func)}.shape[0]"


def _first_array(func: ast.AST | None) -> str:
    args = [a.arg for a in getattr(getattr(func, "args", None), "args", [])]
    return args[0] if args else "x"


def _softmax_axis(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    """Softmax normalized over the wrong axis: every max and sum over that axis in the function, turned."""
    func = enclosing_function(src, v.lineno)
    if func is None:
        return
    by_axis: dict[int, list] = {}
    for n in ast.walk(func):
        if isinstance(n, ast.Call) and _call_name(n) in ("max", "amax", "sum", "logsumexp"):
            for kw in n.keywords:
                if kw.arg == "axis" and isinstance(kw.value, ast.Constant) and kw.value.value in (0, 1):
                    by_axis.setdefault(kw.value.value, []).append((*src.span(kw.value), str(1 - kw.value.value)))
    for axis in (0, 1):
        if by_axis.get(axis):
            yield by_axis[axis]


# -- a wrong operand written as an expression ------------------------------------------------------
def operand_expressions(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    """``np.maximum(0, Z1).T`` where ``A1.T`` belongs: the wrong operand has no name on the line, but
    the spec defines it (relu(Z1)); each largest part of the line that reads only its inputs is
    replaced by the right name (a transpose of it stays)."""
    if len(m.args) != 2 or _names(v, m.args[1]):
        return
    right, wrong = m.args
    definition = k.define(wrong)
    try:
        inputs = _data_names(pyast.parse(definition, mode="eval").body) if definition else set()
    except SyntaxError:
        inputs = set()
    if not inputs:
        return
    for n in _largest(v, lambda n: not isinstance(n, ast.Name) and bool(_data_names(n)) and _data_names(n) <= inputs):
        yield [(*src.span(n), right)]


def operand_definitions(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    """``np.dot(X, A.T)`` where dZ belongs, in a function that never names dZ (it is ``A - Y``
    there): the wrong name is replaced by the right one's formula, parenthesized."""
    if len(m.args) != 2 or not _names(v, m.args[1]):
        return
    right, wrong = m.args
    func = enclosing_function(src, v.lineno)
    known = (
        {n.id for n in ast.walk(func) if isinstance(n, ast.Name)} | {a.arg for a in ast.walk(func) if isinstance(a, ast.arg)}
        if func
        else set()
    )
    definition = k.define(right) if right not in known else None
    try:
        tree = pyast.parse(definition, mode="eval").body if definition else None
    except SyntaxError:
        return
    if tree is None or not _data_names(tree) <= known:
        return
    text = f"({definition})" if isinstance(tree, _LOOSE) else definition
    yield [(*src.span(n), text) for n in _names(v, wrong)]


def _largest(v: ast.expr, pred) -> list[ast.expr]:
    out: list[ast.expr] = []

    def visit(n: ast.AST) -> None:
        if isinstance(n, ast.expr) and pred(n) and not (isinstance(n, ast.Attribute) and n.attr == "T"):
            out.append(n)
            return
        for c in ast.iter_child_nodes(n):
            visit(c)

    visit(v)
    return out


# -- the spec author's mistakes --------------------------------------------------------------------
def _stride(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    """The stride left out of a window's start: each loop index that starts a slice (``vert_start = h``,
    ``a[h:h + f]``) is multiplied by the function's stride, all at once, then one axis at a time."""
    func = enclosing_function(src, v.lineno)
    stride = _stride_name(src, func, m)
    if func is None or stride is None:
        return
    loops = {
        n.target.id for n in ast.walk(func) if isinstance(n, ast.For) and isinstance(n.target, ast.Name) and _call_name(n.iter) == "range"
    }
    starts = _slice_names(func)
    sites: dict[str, list] = {}
    for n in ast.walk(func):
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id in starts for t in n.targets):
            names = [x for x in ast.walk(n.value) if isinstance(x, ast.Name) and x.id in loops]
        elif isinstance(n, ast.Slice):
            names = [x for b in (n.lower, n.upper) if b is not None for x in ast.walk(b) if isinstance(x, ast.Name) and x.id in loops]
        else:
            continue
        for x in names:
            if not _has(n, lambda y: isinstance(y, ast.Name) and y.id == stride):
                sites.setdefault(x.id, []).append((*src.span(x), f"{x.id} * {stride}"))
    if sites:
        yield [e for edits in sites.values() for e in edits]
        if len(sites) > 1:
            yield from sites.values()


def _slice_names(func: ast.AST) -> set[str]:
    """The names a slice bound reads (vert_start, vert_end), and what those are computed from."""
    out = {
        x.id
        for s in ast.walk(func)
        if isinstance(s, ast.Slice)
        for b in (s.lower, s.upper)
        if b is not None
        for x in ast.walk(b)
        if isinstance(x, ast.Name)
    }
    return out


def _stride_name(src: Source, func: ast.AST | None, m: Mistake) -> str | None:
    if func is None:
        return None
    names = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)} | {a.arg for a in ast.walk(func) if isinstance(a, ast.arg)}
    for want in (*m.data, "stride", "s"):
        if want in names:
            return want
    for n in ast.walk(func):  # hparameters["stride"] read in place
        if isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Constant) and n.slice.value == "stride":
            return src.seg(n)
    return None


def _accumulate(src: Source, v: ast.expr, m: Mistake, k: Known, target: str = "") -> Edits:
    """A sum over the loop assigned instead of accumulated (``dWax = dWaxt`` where ``+=`` belongs):
    each plain assignment of the target inside a loop of the function becomes ``+=``."""
    func = enclosing_function(src, v.lineno)
    if func is None or not target:
        return
    for loop in [n for n in ast.walk(func) if isinstance(n, (ast.For, ast.While))]:
        for n in ast.walk(loop):
            plain = isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and n.targets[0].id == target
            if plain and (edit := _operator_between(src, n.targets[0], n.value, "=", "+=")) is not None:  # type: ignore[attr-defined]
                yield [edit]


def _factor(src: Source, v: ast.expr, m: Mistake, k: Known) -> Edits:
    """The value is ``K`` times the right one (data: ``*``) or divided by it (``/``): the inverse, appended
    to the value or to the term of it that is scaled."""
    if not m.args:
        return
    op = "/" if (m.data or ("*",))[0] == "*" else "*"
    factor = m.args[0]
    shown = factor if re.fullmatch(r"[\w.]+", factor) else f"({factor})"
    yield _append(src, v, f" {op} {shown}")


TERM_EDITS = {
    "l2-factor": _l2_factor, "l2-layer": _l2_layer, "l2-all": _l2_norm, "l2-square-of-sum": _l2_norm, "l2-no-square": _l2_norm,
    "l2-drop": _l2_drop, "l2-subtract": _l2_subtract, "l2-extra": _l2_extra, "keep-times": _keep_times, "drop-mask": _drop_mask,
    "dropout-none": _dropout_none, "index-all-columns": _all_columns, "softmax-axis": _softmax_axis,
    "stride": _stride, "factor": _factor, "accumulate": _accumulate,
}  # fmt: skip
NEEDS_TARGET = ("l2-drop", "dropout-none", "accumulate")  # these read the target's own formula
