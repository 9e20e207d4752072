"""Candidate fixes as edits of the student's own text: the inverse of a catalog mistake, spliced
into their line so that their names, their ``np.dot`` or ``@`` and their spacing survive.

Pure functions of text: nothing here runs anything. Each candidate is the whole patched text;
``verify.py`` decides, by grading it, whether it is shown.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from ..findings import Mistake
from .edits_conv import KINDS as MORE_KINDS
from .edits_conv import more_texts
from .edits_seq import EXTRA_EDITS, SEQ_EDITS
from .source import (
    _LOOSE,
    Source,
    _call_name,
    _has,
    _is_matmul,
    _names,
    _np,
    _numpy_term,
    _operator_between,
    _parents,
    _targets,
    _wrap,
    assigned_line,
    derivative_form,
    enclosing_function,
    statement,
    value_of,
)  # fmt: skip
from .term_edits import NEEDS_TARGET, TERM_EDITS, Known, operand_definitions, operand_expressions

TERM_EDITS = {**TERM_EDITS, **SEQ_EDITS}  # with the sequence models' (edits_seq.py)
NEEDS_TARGET = (*NEEDS_TARGET, *SEQ_EDITS)
_SUMS = ("sum", "mean")
_PER_MISTAKE = 4  # candidates per mistake: each costs a re-grade if the first guess fails


# -- the inverse edit of each mistake kind ------------------------------------------------------------
def _drop_mean(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    yield from _drop_mean_whole(src, v, batch)
    if isinstance(v, ast.BinOp) and isinstance(v.op, (ast.Add, ast.Sub)):  # one term lacks its 1/m: 1/m * dZ @ A.T + lambd * W
        for term in (v.left, v.right):
            if not _has(term, lambda n: isinstance(n, ast.Name) and n.id == batch):
                yield from _drop_mean_whole(src, term, batch)


def _drop_mean_whole(src: Source, v: ast.expr, batch: str) -> Iterator[list]:
    a, b = src.span(v)
    tight = isinstance(v, ast.UnaryOp) or (isinstance(v, ast.BinOp) and isinstance(v.op, (ast.Mult, ast.Div, ast.MatMult, ast.Pow)))
    if isinstance(v, _LOOSE) and not tight:
        yield [(a, a, "("), (b, b, f") / {batch}")]
        return
    yield [(b, b, f" / {batch}")]


def _add_mean(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    for node in ast.walk(v):
        if not isinstance(node, ast.BinOp):
            continue
        if isinstance(node.op, ast.Div) and isinstance(node.right, ast.Name) and node.right.id == batch:
            yield [(*src.span(node), _wrap(src, node.left) if node is not v else src.seg(node.left))]
        if isinstance(node.op, ast.Mult):
            for keep, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(other, ast.BinOp) and isinstance(other.op, ast.Div) and isinstance(other.right, ast.Name) and other.right.id == batch:
                    yield [(*src.span(node), src.seg(keep) if node is v else _wrap(src, keep))]
    for node in ast.walk(v):  # the mean written as one: np.mean(dout, axis=0), dout.mean(axis=0)
        if isinstance(node, ast.Call) and _call_name(node) == "mean":
            b = src.span(node.func)[1]
            yield [(b - len("mean"), b, "sum")]


def _negate(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    if isinstance(v, ast.BinOp) and isinstance(v.op, ast.Sub):
        yield [(*src.span(v), f"{src.seg(v.right)} - {_wrap(src, v.left) if isinstance(v.left, ast.BinOp) and isinstance(v.left.op, (ast.Add, ast.Sub)) else src.seg(v.left)}")]
    for node in ast.walk(v):
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            yield [(*src.span(node), src.seg(node.operand) if node is v else _wrap(src, node.operand))]
    yield [(*src.span(v), f"-{_wrap(src, v)}")]


def _toggle_t(src: Source, node: ast.AST) -> str:
    if isinstance(node, ast.Attribute) and node.attr == "T":
        return src.seg(node.value)
    return (f"({src.seg(node)})" if not isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)) else src.seg(node)) + ".T"


def _transpose_result(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    # Last: the whole value transposed back, for a line whose other operands are transposed too (A1.T).
    whole = [(src.span(v)[0], src.span(v)[0], "("), (src.span(v)[1], src.span(v)[1], ").T")]
    for node in ast.walk(v):
        if not _is_matmul(node):
            continue
        if isinstance(node, ast.BinOp):
            yield [(*src.span(node), f"{_toggle_t(src, node.right)} @ {_toggle_t(src, node.left)}")]
        else:
            x, y = node.args  # type: ignore[attr-defined]
            yield [(*src.span(x), _toggle_t(src, y)), (*src.span(y), _toggle_t(src, x))]
        end = src.span(node)[1]
        yield [(end, end, ".T")] if isinstance(node, ast.Call) else [(src.span(node)[0], src.span(node)[0], "("), (end, end, ").T")]
        break
    if node is not v:
        yield whole


def _drop_t(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    parents = _parents(v)
    for n in _names(v, m.args[0]) if m.args else []:
        p = parents.get(id(n))
        if not (isinstance(p, ast.Attribute) and p.attr == "T"):
            end = src.span(n)[1]
            yield [(end, end, ".T")]


def _add_t(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    for node in ast.walk(v):
        if isinstance(node, ast.Attribute) and node.attr == "T" and isinstance(node.value, ast.Name) and m.args and node.value.id == m.args[0]:
            yield [(*src.span(node), node.value.id)]


def _to_matmul(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    np_ = _np(src.text)
    dot_style = f"{np_}.dot(" in src.text or "@" not in src.text
    for node in ast.walk(v):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and not isinstance(node.left, ast.Constant) and not isinstance(node.right, ast.Constant):
            if dot_style:
                yield [(*src.span(node), f"{np_}.dot({src.seg(node.left)}, {src.seg(node.right)})")]
            elif (edit := _operator_between(src, node.left, node.right, "*", "@")) is not None:
                yield [edit]
        if _call_name(node) == "multiply" and isinstance(node, ast.Call):
            yield [(*src.span(node.func), src.seg(node.func).replace("multiply", "dot"))]


def _to_elementwise(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    for node in ast.walk(v):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            if (edit := _operator_between(src, node.left, node.right, "@", "*")) is not None:
                yield [edit]
        elif _is_matmul(node) and isinstance(node, ast.Call):
            yield [(*src.span(node.func), src.seg(node.func).rsplit(".", 1)[0] + ".multiply" if "." in src.seg(node.func) else "np.multiply")]


def _factors(v: ast.expr, g: str, z: str, a: str) -> list[ast.expr]:
    """The derivative factor of a product: the side without the matrix product, or the side naming A or Z."""
    out = []
    for node in ast.walk(v):
        sides = (node.left, node.right) if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) else (
            tuple(node.args) if _call_name(node) == "multiply" and len(getattr(node, "args", ())) == 2 else ())  # fmt: skip
        if len(sides) != 2:
            continue
        plain = [s for s in sides if not _has(s, _is_matmul)]
        if len(plain) == 1:
            out.append(plain[0])
        else:
            out += [s for s in sides if _has(s, lambda n: isinstance(n, ast.Name) and n.id in (z, a) or (_call_name(n) or "").endswith("prime"))]
    return out


def _chain_factor(src: Source, v: ast.expr) -> tuple[int, int] | None:
    """``dot(W2.T, dZ2) * A1 * (1 - A1)``: the span of everything after the matrix product."""
    operands: list[ast.expr] = []
    node: ast.expr = v
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        operands.insert(0, node.right)
        node = node.left
    operands.insert(0, node)
    if len(operands) < 3 or not _has(operands[0], _is_matmul) or any(_has(o, _is_matmul) for o in operands[1:]):
        return None
    return _grouped(src, operands[1])[0], _grouped(src, operands[-1])[1]


def _grouped(src: Source, node: ast.AST) -> tuple[int, int]:
    """The node's span with its grouping parentheses ((1 - A1), not a call's)."""
    a, b = src.span(node)
    while src.text[a - 1 : a] == "(" and src.text[b : b + 1] == ")":
        before = src.text[: a - 1].rstrip()[-1:]
        if before.isalnum() or before in ("_", ")", "]", "."):
            break
        a, b = a - 1, b + 1
    return a, b


def _replace_factor(src: Source, span: tuple[int, int], form: str) -> list:
    a, b = span
    if src.text[a - 1 : a] == "(" and src.text[b : b + 1] == ")" and form.startswith("("):
        form = form[1:-1]  # the student's own parentheses stay
    return [(a, b, form)]


_ACTIVATIONS = ("tanh", "sigmoid", "relu")


def _selector(src: Source, v: ast.expr, wrong: str, right: str) -> Iterator[list]:
    """The student picked the activation by name: ``relu_backward(dA, cache)`` or ``sigmoid(Z)``
    for the right helper, ``activation="relu"`` for the right branch. The name is swapped, nothing else."""
    if wrong not in _ACTIVATIONS or right not in _ACTIVATIONS or wrong == right:
        return
    word = re.compile(rf"(?<![A-Za-z]){wrong}(?![A-Za-z])")
    for node in ast.walk(v):
        if isinstance(node, ast.Call) and (name := _call_name(node)) and word.search(name):
            a, b = src.span(node.func)
            yield [(b - len(name), b, word.sub(right, name))]
        elif isinstance(node, ast.Constant) and node.value == wrong:
            a, b = src.span(node)
            yield [(a + 1, b - 1, right)] if src.text[a] in "'\"" and src.text[b - 1] == src.text[a] else []


def _derivative(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    g, z, a = (m.data + ("", "", ""))[:3]
    form = derivative_form(g, a, _np(src.text), src.text) if a else None
    if m.kind == "deriv" and m.args:
        yield from _selector(src, v, m.args[0], g)
    if m.kind == "deriv-missing":
        if form:
            end = src.span(v)[1]
            start = src.span(v)[0]
            yield [(start, start, "("), (end, end, f") * {form}")] if isinstance(v, ast.BinOp) and isinstance(v.op, (ast.Add, ast.Sub)) else [(end, end, f" * {form}")]
        return
    renames = {"deriv-operand": (m.args[0] if m.args else "", a), "deriv-form-at-Z": (z, a), "deriv-at-A": (a, z)}.get(m.kind)
    chain = _chain_factor(src, v)
    if form and chain and m.kind in ("deriv", "deriv-A"):
        yield _replace_factor(src, chain, form)
    for factor in _factors(v, g, z, a):
        if renames and renames[0] and renames[1]:
            names = _names(factor, renames[0])
            if names:
                yield [(*src.span(n), renames[1]) for n in names]
        if form:
            yield _replace_factor(src, src.span(factor), form)


def _sum_calls(v: ast.expr) -> list[ast.Call]:
    return [n for n in ast.walk(v) if isinstance(n, ast.Call) and _call_name(n) in _SUMS and n.args]


def _axis(call: ast.Call) -> tuple[ast.AST | None, ast.expr | None]:
    """(the node to remove, the axis value) of a sum: a keyword or the second positional argument."""
    for kw in call.keywords:
        if kw.arg == "axis":
            return kw, kw.value
    return (call.args[1], call.args[1]) if len(call.args) > 1 else (None, None)


def _keepdims(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    for call in _sum_calls(v):
        if not any(kw.arg == "keepdims" for kw in call.keywords):
            end = src.span(call)[1] - 1  # the closing parenthesis
            yield [(end, end, ", keepdims=True")]


def _no_keepdims(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    """``keepdims=True`` taken out of a sum, with the comma before it."""
    for call in _sum_calls(v):
        for kw in call.keywords:
            if kw.arg == "keepdims":
                a, b = src.span(kw)
                before = [src.span(n)[1] for n in (*call.args, *call.keywords) if src.span(n)[1] <= a]
                yield [(max(before) if before else a, b, "")]


def _sum_axis(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    for call in _sum_calls(v):
        node, axis = _axis(call)
        if m.kind == "drop-axis" and node is None:
            end = src.span(call.args[0])[1]
            yield [(end, end, f", axis={m.data[0] if m.data else 1}")]
        elif m.kind == "add-axis" and node is not None:
            yield [(src.span(call.args[0])[1], src.span(node)[1], "")]
        elif m.kind == "other-axis" and isinstance(axis, ast.Constant) and axis.value in (0, 1):
            yield [(*src.span(axis), str(1 - axis.value))]


def _operand(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    if len(m.args) != 2:
        return
    right, wrong = m.args
    names = _names(v, wrong)
    for n in names:
        yield [(*src.span(n), right)]
    if len(names) > 1:
        yield [(*src.span(n), right) for n in names]


def activation_form(g: str, arg: str, np_: str, text: str) -> str | None:
    if g == "tanh":
        return f"{np_}.tanh({arg})"
    if g == "sigmoid":
        return f"sigmoid({arg})" if re.search(r"^\s*def\s+sigmoid\b", text, flags=re.M) else f"1 / (1 + {np_}.exp(-{arg}))"
    if g == "relu":
        return f"relu({arg})" if re.search(r"^\s*def\s+relu\b", text, flags=re.M) else f"{np_}.maximum(0, {arg})"
    return None


def _activation(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    g = m.data[0] if m.data else ""
    np_ = _np(src.text)
    if m.args and m.args != ("none",):
        yield from _selector(src, v, m.args[0], g)
    if m.args == ("none",):
        form = activation_form(g, src.seg(v), np_, src.text)
    elif isinstance(v, ast.Call) and len(v.args) == 1:
        form = activation_form(g, src.seg(v.args[0]), np_, src.text)
    else:
        return
    if form:
        yield [(*src.span(v), form)]


def _add_term(src: Source, v: ast.expr, m: Mistake, batch: str) -> Iterator[list]:
    if not m.args:
        return
    term = f" {m.data[0] if m.data else '+'} {_numpy_term(m.args[0], _np(src.text))}"
    end = src.span(v)[1]
    yield [(end, end, term)]
    for node in ast.walk(v):  # np.maximum(0, x - correct): the term belongs inside the call
        if isinstance(node, ast.Call):
            for arg in node.args:  # sigmoid(np.dot(w.T, X)): the activation's one argument
                if (isinstance(arg, ast.BinOp) and isinstance(arg.op, (ast.Add, ast.Sub))) or len(node.args) == 1:
                    end = src.span(arg)[1]
                    yield [(end, end, term)]


EDITS = {
    "drop-mean": _drop_mean, "add-mean": _add_mean, "negate": _negate, "transpose-result": _transpose_result,
    "drop-T": _drop_t, "add-T": _add_t, "matmul-to-mult": _to_matmul, "mult-to-matmul": _to_elementwise,
    "deriv": _derivative, "deriv-A": _derivative, "deriv-at-A": _derivative, "deriv-form-at-Z": _derivative,
    "deriv-operand": _derivative, "deriv-missing": _derivative, "drop-keepdims": _keepdims,
    "add-keepdims": _no_keepdims,
    "add-axis": _sum_axis, "drop-axis": _sum_axis, "other-axis": _sum_axis, "operand": _operand,
    "activation": _activation, "drop-term": _add_term,
}  # fmt: skip

# A finding explained by its scale alone (no catalog mutation) still names the mistake by its tag.
BY_TAG = {"missing-mean": "drop-mean", "extra-mean": "add-mean", "sign-flip": "negate", "missing-keepdims": "drop-keepdims"}


def fixable(mistake: Mistake) -> bool:
    return mistake.kind in EDITS or mistake.kind in TERM_EDITS or mistake.kind in MORE_KINDS


def _local(src: Source, line: int, mistake: Mistake) -> Mistake:
    """The spec's names as this function has them: b2 is ``b`` inside linear_forward(A, W, b)."""
    func = enclosing_function(src, line)
    if func is None:
        return mistake
    known = {a.arg for a in ast.walk(func) if isinstance(a, ast.arg)} | {n.id for n in ast.walk(func) if isinstance(n, ast.Name)}

    def name(n: str) -> str:
        if not n or n in known or not re.fullmatch(r"[A-Za-z_]+\d+", n):
            return n
        plain = re.sub(r"\d+$", "", n)
        return plain if plain in known else n

    return Mistake(mistake.kind, mistake.tag, tuple(name(a) for a in mistake.args), tuple(name(d) for d in mistake.data), mistake.within)


def edit_once(text: str, line: int, target: str, mistake: Mistake, batch: str | Known, follow: bool = True) -> list[str]:
    """The texts with this one mistake undone on the statement at ``line`` (best guess first).
    ``batch``: the batch size's name, or all the spec says (``Known``)."""
    known = batch if isinstance(batch, Known) else Known(batch)
    mine = more_texts(text, line, target, mistake, known) if follow else []  # edits_conv's first
    return list(dict.fromkeys(mine + _edit_once(text, line, target, mistake, known, follow)))[:_PER_MISTAKE]


def _edit_once(text: str, line: int, target: str, mistake: Mistake, known: Known, follow: bool) -> list[str]:
    try:
        src = Source(text)
    except (SyntaxError, ValueError, RecursionError):
        return []
    stmt = _retarget(src, statement(src, line), target)
    value = value_of(stmt, target) if stmt is not None else None
    if mistake.kind not in EDITS and mistake.kind not in TERM_EDITS:
        return []
    if value is None or stmt is None:
        return _later(src, line, target, mistake, known) if follow else []
    mistake = _local(src, line, mistake)
    out = _edited(src, stmt, value, target, mistake, known)
    if not out and follow:  # return float(cost): the mistake is where cost was computed
        for name in dict.fromkeys(n.id for n in ast.walk(value) if isinstance(n, ast.Name)):
            where = assigned_line(src, stmt.lineno - 1, name) if stmt.lineno > 1 else None
            if where:
                out += [new for new in edit_once(text, where, name, mistake, known, follow=False) if new not in out]
    if not out and follow:
        out = _later(src, line, target, mistake, known)
    return out[:_PER_MISTAKE]


def _later(src: Source, line: int, target: str, mistake: Mistake, known: Known) -> list[str]:
    """The finding points where the value starts (``grads = {}``, the function's first line: a call
    too slow to trace): the mistake is undone on each later statement of the function that it fits."""
    func = enclosing_function(src, line)
    if func is None:
        return []
    kinds = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return)
    out: list[str] = []
    for later in sorted({n.lineno for n in ast.walk(func) if isinstance(n, kinds) and n.lineno > line}):
        out += [new for new in edit_once(src.text, later, target, mistake, known, follow=False) if new not in out]
        if len(out) >= _PER_MISTAKE:
            break
    return out


def _retarget(src: Source, stmt: ast.stmt | None, target: str) -> ast.stmt | None:
    """``Z1 = W1 @ X + b1`` computed the value that ``A1 = Z1`` only names: the line assigning the target."""
    names = {t.id for t in _targets(stmt) if isinstance(t, ast.Name)} if stmt is not None else set()
    func = enclosing_function(src, stmt.lineno) if stmt is not None and names and target not in names else None
    if func is None:
        return stmt
    lines = sorted(n.lineno for n in ast.walk(func) if isinstance(n, (ast.Assign, ast.AnnAssign))
                   and any(isinstance(x, ast.Name) and x.id == target for x in _targets(n)))  # fmt: skip
    if not lines:
        return stmt
    after = [k for k in lines if k >= stmt.lineno]
    return statement(src, after[0] if after else lines[-1])  # the next assignment, else the last before


def _proposed(src: Source, value: ast.expr, target: str, mistake: Mistake, known: Known) -> Iterator[list]:
    if mistake.kind in TERM_EDITS:
        extra = {"target": target} if mistake.kind in NEEDS_TARGET else {}
        yield from TERM_EDITS[mistake.kind](src, value, mistake, known, **extra)
        return
    if mistake.kind == "operand":  # first: a right name the function never has would only raise
        yield from operand_definitions(src, value, mistake, known)
    yield from EDITS[mistake.kind](src, value, mistake, known.batch)
    if mistake.kind in EXTRA_EDITS:  # more candidates for the same kind (edits_seq.py)
        yield from EXTRA_EDITS[mistake.kind](src, value, mistake, known)
    if mistake.kind == "operand":
        yield from operand_expressions(src, value, mistake, known)


def _edited(src: Source, stmt: ast.stmt, value: ast.expr, target: str, mistake: Mistake, known: Known) -> list[str]:
    out: list[str] = []
    for edits in [*_proposed(src, value, target, mistake, known), *_returned(src, stmt, target, mistake, known.batch)]:
        if not edits:
            continue
        new = src.splice(edits)
        if new != src.text and new not in out and _parses(new, src):
            out.append(new)
        if len(out) >= _PER_MISTAKE:
            break
    return out


def _returned(src: Source, stmt: ast.stmt, target: str, mistake: Mistake, batch: str) -> list[list]:
    """``dx[np.arange(N), y] -= 1`` finishes dx in place: a missing 1/N goes where dx is returned."""
    targets = getattr(stmt, "targets", None) or [getattr(stmt, "target", None)]
    if mistake.kind != "drop-mean" or not any(isinstance(t, ast.Subscript) for t in targets):
        return []
    func = enclosing_function(src, stmt.lineno)
    returns = [n for n in ast.walk(func) if isinstance(n, ast.Return) and n.value is not None] if func is not None else []
    out = []
    for ret in returns:
        for name in _names(ret.value, target):  # type: ignore[arg-type]
            end = src.span(name)[1]
            out.append([(end, end, f" / {batch}")])
    return out


def _parses(text: str, old: Source) -> bool:
    try:
        Source(text)
    except (SyntaxError, ValueError, RecursionError):
        return False
    return text.count("\n") == old.text.count("\n")  # an edit never adds lines: line numbers stay


def candidates(text: str, line: int, target: str, combo: tuple[Mistake, ...], batch: str | Known, limit: int = 6) -> list[tuple[str, int]]:
    """Patched texts undoing every mistake of ``combo``, each with the line it changed."""
    results: list[tuple[str, int]] = [(text, line)]
    for mistake in combo:
        step: list[tuple[str, int]] = []
        for current, _ in results:
            where, name = line, target
            if mistake.within:  # dZ3 is dZ inside linear_activation_backward
                name = _local(Source(current), line, Mistake("", "", (mistake.within,))).args[0]
                found = assigned_line(Source(current), line, name)  # the line itself, when it assigns the value
                where, name = (found, name) if found else (line, target)  # not assigned here: the call on the line computes it
            step += [(new, where) for new in edit_once(current, where, name, mistake, batch)]
        results = step[:limit]
    return [r for r in results if r[0] != text]
