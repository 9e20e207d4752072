"""Inverse edits for the windowed layers' mistakes (convolution, pooling, their masks and padding)
and for the spec author's mistakes that name a wrong operand or a padded return.

Unlike edits.py's, these edits start from the finding's line and its whole function: a loop's
``=`` where ``+=`` belongs, an output size or a stride written on other lines, a mode's name in a
branch that never ran. Pure functions of the student's text, as in edits.py; the verifier decides.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from ..findings import Mistake
from ..spec import pyast
from .edits_class import CLASS_KINDS, Site
from .edits_deep import DEEP_KINDS
from .edits_gc import GC_KINDS
from .source import Source, _call_name, _has, _operator_between, enclosing_function, statement
from .term_edits import Known, _stride

Edits = Iterator[list]


def _root(node: ast.AST) -> str | None:
    """The array a subscript writes into: dW of ``dW[:, :, :, c]``."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _hyper(src: Source, func: ast.AST | None, word: str) -> str | None:
    """The student's name for a hyperparameter: a name ``word``, else ``hparameters["word"]`` as read."""
    if func is None:
        return None
    if any(isinstance(n, ast.Name) and n.id == word for n in ast.walk(func)) or any(
        isinstance(a, ast.arg) and a.arg == word for a in ast.walk(func)
    ):
        return word
    read = [n for n in ast.walk(func) if isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Constant) and n.slice.value == word]
    for n in ast.walk(func):  # p = hparameters["pad"]
        if isinstance(n, ast.Assign) and any(n.value is r for r in read) and isinstance(n.targets[0], ast.Name):
            return n.targets[0].id
    return src.seg(read[0]) if read else None


def _reads(src: Source, node: ast.AST, name: str) -> bool:
    """``node`` reads ``name`` (a plain name, or a subscript as written)."""
    return any(isinstance(n, ast.Name) and n.id == name or isinstance(n, ast.Subscript) and src.seg(n) == name for n in ast.walk(node))


def _grouped(src: Source, node: ast.AST) -> tuple[int, int]:
    """The node's span with its grouping parentheses (``(x_hat * std)``, not a call's)."""
    a, b = src.span(node)
    before = src.text[: a - 1].rstrip()[-1:] if a else ""
    if src.text[a - 1 : a] == "(" and src.text[b : b + 1] == ")" and not (before.isalnum() or before in ("_", ")", "]")):
        return a - 1, b + 1
    return a, b


# -- a sum over the loop written with = ------------------------------------------------------------
def _accumulate_into(site: Site, m: Mistake, k: Known) -> Edits:
    """``dW[:, :, :, c] = a_slice * dZ`` in a loop: each such write of the target becomes ``+=``
    (the one on the finding's line first, then all of them)."""
    if site.func is None:
        return
    writes = []
    for loop in [n for n in ast.walk(site.func) if isinstance(n, (ast.For, ast.While))]:
        for n in ast.walk(loop):
            one = isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Subscript)
            if one and _root(n.targets[0]) == site.target and n not in writes:  # type: ignore[attr-defined]
                writes.append(n)
    edits = [e for n in writes if (e := _operator_between(site.src, n.targets[0], n.value, "=", "+="))]
    here = [e for n, e in zip(writes, edits) if n.lineno == site.line]
    if here:
        yield here
    if len(edits) > len(here):
        yield edits


# -- the stride, the padding, the output size ------------------------------------------------------
def _stride_one(site: Site, m: Mistake, k: Known) -> Edits:
    """A forward window that ignores the stride: term_edits' stride edit, on this function."""
    anchor = site.stmt if site.stmt is not None else site.func
    if anchor is not None:
        yield from _stride(site.src, anchor, Mistake("stride", m.tag), k)  # type: ignore[arg-type]


def _size_without_pad(site: Site, m: Mistake, k: Known) -> Edits:
    """``n_H = int((n_H_prev - f) / stride) + 1``: ``+ 2 * pad`` after each ``n_H_prev - f`` of the
    function's output sizes (the lines that divide by the stride and read no pad)."""
    src, func = site.src, site.func
    pad, stride = _hyper(src, func, "pad"), _hyper(src, func, "stride")
    if func is None or pad is None or stride is None:
        return
    edits = []
    for stmt in [n for n in ast.walk(func) if isinstance(n, ast.Assign)]:
        if _reads(src, stmt.value, pad) or not _reads(src, stmt.value, stride) or not _has(stmt.value, lambda n: isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Div, ast.FloorDiv))):
            continue
        subs = [n for n in ast.walk(stmt.value) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub)]
        edits += [(src.span(n)[1], src.span(n)[1], f" + 2 * {pad}") for n in subs[:1]]
    if edits:
        yield edits
        if len(edits) > 1:
            yield from ([e] for e in edits)


def _pad_axes(site: Site, m: Mistake, k: Known) -> Edits:
    """``np.pad(X, pad)`` pads every axis: the two middle axes (NHWC) or the last two (NCHW) only."""
    if site.body is None:
        return
    for call in [n for n in ast.walk(site.stmt or site.body) if isinstance(n, ast.Call) and _call_name(n) == "pad" and len(n.args) >= 2]:
        width = call.args[1]
        if isinstance(width, (ast.Tuple, ast.List)) and width.elts and isinstance(width.elts[0], (ast.Tuple, ast.List)):
            continue  # already one pair per axis
        p = site.src.seg(width)
        for axes in (((0, 0), (p, p), (p, p), (0, 0)), ((0, 0), (0, 0), (p, p), (p, p))):
            yield [(*site.src.span(width), "(" + ", ".join(f"({a}, {b})" for a, b in axes) + ")")]


def _max_axis(site: Site, m: Mistake, k: Known) -> Edits:
    """``x == np.max(x, axis=0)``: the window's maximum, the axis taken out."""
    for call in [n for n in ast.walk(site.stmt or ast.Pass()) if isinstance(n, ast.Call) and _call_name(n) in ("max", "amax")]:
        first = call.args[0] if call.args else None
        for extra in [*call.args[1:2], *[kw for kw in call.keywords if kw.arg == "axis"]]:
            a, b = site.src.span(extra)
            start = site.src.span(first)[1] if first is not None else a
            yield [(start, b, "")] if first is not None else [(a, b, "")]


# -- a wrong operator, a mode's name ---------------------------------------------------------------
def _skeleton(node: ast.AST) -> str:
    """The expression's shape with its names and operator left out: ``n_H + n_W`` is ``_ ? _``."""
    copy = pyast.parse(ast.unparse(node), mode="eval").body
    for n in ast.walk(copy):
        if isinstance(n, ast.Name):
            n.id = "_"
    if isinstance(copy, ast.BinOp):
        copy.op = ast.Add()
    return ast.dump(copy)


def _operator(site: Site, m: Mistake, k: Known) -> Edits:
    """``dz / (n_H + n_W)`` where the spec has ``n_C_prev * n_C``: the operator of the part shaped
    like the right expression turned into the right one (a part with the right names first)."""
    if not m.args or site.stmt is None:
        return
    try:
        right = pyast.parse(m.args[0], mode="eval").body
    except SyntaxError:
        return
    if not isinstance(right, ast.BinOp):
        return
    symbols = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Pow: "**", ast.MatMult: "@"}
    new = symbols.get(type(right.op))
    found = [n for n in ast.walk(site.stmt) if isinstance(n, ast.BinOp) and type(n.op) is not type(right.op) and _skeleton(n) == _skeleton(right)]
    found.sort(key=lambda n: ast.dump(n.left) != ast.dump(right.left))
    for n in found:
        old = symbols.get(type(n.op))
        if new and old and (edit := _operator_between(site.src, n.left, n.right, old, new)) is not None:
            yield [edit]


def _mode_name(site: Site, m: Mistake, k: Known) -> Edits:
    """Zeros from a branch that never ran: ``mode == "avg"`` where the assignment passes ``"average"``.
    Each string a parameter is compared with, that is not one the spec passes, becomes one of
    those the function does not test yet."""
    func = site.func
    if func is None or not m.args:
        return
    params = {a.arg for a in ast.walk(func) if isinstance(a, ast.arg)}
    tests = [
        (n, c)
        for n in ast.walk(func)
        if isinstance(n, ast.Compare) and len(n.comparators) == 1 and isinstance(n.left, ast.Name) and n.left.id in params
        for c in n.comparators
        if isinstance(c, ast.Constant) and isinstance(c.value, str)
    ]
    tested = {c.value for _, c in tests}
    for _, c in tests:
        if c.value in (*m.args, *m.data):
            continue  # a mode the spec passes too (``"max"``)
        a, b = site.src.span(c)
        quote = site.src.text[a]
        for literal in [x for x in m.args if x not in tested]:
            yield [(a, b, f"{quote}{literal}{quote}")]


# -- the spec author's wrong operand, a padded return ------------------------------------------
def _plain(name: str) -> str:
    return name.replace("_", "").lower()


def _derived(func: ast.AST, start: str) -> set[str]:
    """The names the function computes from ``start`` (A_prev -> A_prev_pad -> a_prev_pad -> a_slice),
    not its sizes (``m, n_H, n_W, n_C = A_prev.shape``)."""
    out = {start}
    assigns = [n for n in ast.walk(func) if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)]
    grew = True
    while grew:
        grew = False
        for n in assigns:
            reads = {x.id for x in ast.walk(n.value) if isinstance(x, ast.Name)}
            sizes = _has(n.value, lambda x: isinstance(x, ast.Attribute) and x.attr == "shape")
            if reads & out and not sizes and n.targets[0].id not in out:  # type: ignore[attr-defined]
                out.add(n.targets[0].id)  # type: ignore[attr-defined]
                grew = True
    return out


def _indexed_like(site: Site, right: str) -> str:
    """``W[:, :, :, c]``: the right operand indexed as the function indexes it, or its gradient (dW)."""
    for n in ast.walk(site.func) if site.func is not None else ():
        if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id in (right, "d" + right):
            return f"{right}[{site.src.seg(n.slice)}]"
    return right


def _spec_operand(site: Site, m: Mistake, k: Known) -> Edits:
    """The spec's wrong formula reads ``wrong`` where ``right`` belongs: each part of the line computed
    from ``wrong`` (a name derived from it, the expression itself) becomes ``right``; when the line
    names ``right`` in a product (``xhat * std`` for x - mu), the product becomes that operand."""
    if len(m.args) != 2 or site.stmt is None or site.func is None:
        return
    right, wrong = m.args
    value = getattr(site.stmt, "value", None)
    if value is None:
        return
    try:
        wrong_tree = pyast.parse(wrong, mode="eval").body
    except SyntaxError:
        return
    if isinstance(wrong_tree, ast.Name):
        derived = _derived(site.func, wrong) - {wrong}
        for n in [x for x in ast.walk(value) if isinstance(x, ast.Name) and x.id in derived][:2]:
            yield [(*site.src.span(n), _indexed_like(site, right))]
    for n in ast.walk(value):
        if ast.dump(n) == ast.dump(wrong_tree):
            yield [(*site.src.span(n), right)]
        elif n is not value and isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Mult, ast.Div)):
            for side in sorted((n.left, n.right), key=lambda x: not (isinstance(x, ast.Name) and _plain(x.id) == _plain(right))):
                if isinstance(side, ast.Name) and _plain(side.id) == _plain(right):
                    yield [(*_grouped(site.src, n), side.id)]


def _sizes(site: Site, batch: str) -> list[tuple[str, ...]]:
    """The 4-D shapes the function unpacks, the batch's first (``(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape``)."""
    found = []
    for n in ast.walk(site.func) if site.func is not None else ():
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Attribute) and n.value.attr == "shape":
            t = n.targets[0]
            if isinstance(t, (ast.Tuple, ast.List)) and len(t.elts) == 4 and all(isinstance(e, ast.Name) for e in t.elts):
                found.append(tuple(e.id for e in t.elts))  # type: ignore[attr-defined]
    return sorted(found, key=lambda names: names[0] != batch)


def _unpad(site: Site, m: Mistake, k: Known) -> Edits:
    """A gradient returned with its padding: the returned padded array (``X_pad = zero_pad(X, pad)``)
    cut back to ``X``'s size, on the height and width axes (NHWC first, then NCHW)."""
    if not isinstance(site.stmt, ast.Return) or site.stmt.value is None or site.func is None:
        return
    padded = {
        n.targets[0].id: n.value
        for n in ast.walk(site.func)
        if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name) and "pad" in (_call_name(n.value) or "") and len(getattr(n.value, "args", ())) == 2
    }
    for name in [x for x in ast.walk(site.stmt.value) if isinstance(x, ast.Name) and x.id in padded]:
        call = padded[name.id]
        p, x = site.src.seg(call.args[1]), site.src.seg(call.args[0])  # type: ignore[attr-defined]
        spans = [(f"{names[1]}", f"{names[2]}") for names in _sizes(site, k.batch)[:1]] + [(f"{x}.shape[1]", f"{x}.shape[2]")]
        for h, w in spans:
            yield [(*site.src.span(name), f"{name.id}[:, {p}:{p} + {h}, {p}:{p} + {w}, :]")]
        yield [(*site.src.span(name), f"{name.id}[:, :, {p}:{p} + {x}.shape[2], {p}:{p} + {x}.shape[3]]")]


# -- keepdims on a method sum, an unused mask, channels moved last -------------------------------
def _method_sums(site: Site) -> list[ast.Call]:
    """``(dout * x_hat).sum(axis=(0, 2, 3))``: sums written as a method, no positional argument."""
    value = getattr(site.stmt, "value", None)
    return [n for n in ast.walk(value) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("sum", "mean") and not n.args] if value else []


def _keepdims(site: Site, m: Mistake, k: Known) -> Edits:
    """A method sum's ``keepdims=True`` added (drop-keepdims) or taken out with its comma (add-keepdims)."""
    for call in _method_sums(site):
        kept = [kw for kw in call.keywords if kw.arg == "keepdims"]
        if m.kind == "drop-keepdims" and not kept:
            end = site.src.span(call)[1] - 1
            yield [(end, end, ", keepdims=True" if call.keywords else "keepdims=True")]
        elif m.kind == "add-keepdims" and kept:
            a, b = site.src.span(kept[0])
            before = [site.src.span(kw)[1] for kw in call.keywords if site.src.span(kw)[1] <= a]
            yield [(max(before) if before else a, b, "")]


def _unused_mask(site: Site, m: Mistake, k: Known) -> Edits:
    """The gradient sent to every entry of a window while the mask computed for it is never read:
    ``+= dout[n, c, i, j]`` becomes ``+= mask * dout[n, c, i, j]``."""
    value = getattr(site.stmt, "value", None)
    if site.func is None or value is None:
        return
    read = {n.id for n in ast.walk(site.func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    a, b = site.src.span(value)
    for n in ast.walk(site.func):
        unread = isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and n.targets[0].id not in read
        if unread and n.lineno < site.stmt.lineno and _has(n.value, lambda x: isinstance(x, ast.Compare)):  # type: ignore[union-attr]
            mask = n.targets[0].id  # type: ignore[attr-defined]
            loose = isinstance(value, ast.BinOp) and not isinstance(value.op, (ast.Mult, ast.Div))
            yield [(a, a, f"{mask} * ("), (b, b, ")")] if loose else [(a, a, f"{mask} * ")]


def _channels_last(site: Site, m: Mistake, k: Known) -> Edits:
    """``dout.reshape(-1, C)`` of an (N, C, H, W) array: the channels moved last first
    (``dout.transpose(0, 2, 3, 1).reshape(-1, C)``), and the rows reshaped back to (N, H, W, C) and
    moved to (N, C, H, W) (``.reshape(N, H, W, C).transpose(0, 3, 1, 2)``)."""
    if site.func is None:
        return
    shapes = _sizes(site, k.batch)
    if not shapes:
        return
    n_, c_, h_, w_ = shapes[0]
    flat, back = [], []
    for call in [x for x in ast.walk(site.func) if isinstance(x, ast.Call) and isinstance(x.func, ast.Attribute) and x.func.attr == "reshape"]:
        args = [a.id if isinstance(a, ast.Name) else site.src.seg(a) for a in call.args]
        dot = site.src.span(call.func.value)[1]
        if len(args) == 2 and args[1] == c_ and _call_name(call.func.value) != "transpose":
            flat.append((dot, dot, ".transpose(0, 2, 3, 1)"))
        elif args == [n_, c_, h_, w_]:
            back.append((*site.src.span(call), f"{site.src.seg(call.func.value)}.reshape({n_}, {h_}, {w_}, {c_}).transpose(0, 3, 1, 2)"))
    if flat:
        yield flat + back
        if back:
            yield flat


KINDS: dict[str, Callable[[Site, Mistake, Known], Edits]] = {
    "accumulate": _accumulate_into, "stride-one": _stride_one, "size-without-pad": _size_without_pad,
    "pad-every-axis": _pad_axes, "max-axis": _max_axis, "operator": _operator, "all-zeros": _mode_name,
    "spec-operand": _spec_operand, "unpad": _unpad, "drop-keepdims": _keepdims, "add-keepdims": _keepdims,
    "mask-unused": _unused_mask, "channels-last": _channels_last, **CLASS_KINDS, **GC_KINDS, **DEEP_KINDS,
}  # fmt: skip


def more_edits(src: Source, line: int, target: str, mistake: Mistake, known: Known) -> Edits:
    """The splices this module proposes for ``mistake`` at ``line`` (none for a kind it has no edit for)."""
    edit = KINDS.get(mistake.kind)
    if edit is None:
        return
    site = Site(src, line, target, statement(src, line), enclosing_function(src, line))
    yield from edit(site, mistake, known)


def more_texts(text: str, line: int, target: str, mistake: Mistake, known: Known) -> list[str]:
    """The patched texts of ``more_edits``, each parsing and with as many lines as ``text``."""
    try:
        src = Source(text)
        out = [src.splice(e) for e in more_edits(src, line, target, mistake, known) if e]
    except (SyntaxError, ValueError, RecursionError):
        return []
    return [new for new in dict.fromkeys(out) if new != text and _parses(new, text)]


def _parses(new: str, old: str) -> bool:
    try:
        Source(new)
    except (SyntaxError, ValueError, RecursionError):
        return False
    return new.count("\n") - old.count("\n") in (0, 1)  # edits_class's correct-class line adds one


__all__ = ["KINDS", "Site", "more_edits", "more_texts"]
