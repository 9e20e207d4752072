"""Inverse edits that a classifier's gradient or an affine layer needs: the correct class's own line
(``dx[np.arange(N), y] -= 1``, ``margins[np.arange(N), y] = 0``) where the student wrote none,
a value negated over several lines, and a reshape back to the input's shape.

The correct class's line is the one edit that adds a line (the verified fix's ``after`` holds the
line it sits next to and the new one); every other edit keeps the line count.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from ..findings import Mistake
from .source import _LOOSE, Source, _np, _numpy_term, _operator_between
from .term_edits import Known, _rows

Edits = Iterator[list]


@dataclass(frozen=True)
class Site:
    """Where a finding points: its statement (if one starts there) and the function around it."""

    src: Source
    line: int
    target: str
    stmt: ast.stmt | None
    func: ast.AST | None

    @property
    def body(self) -> ast.AST | None:
        """What an edit may touch: the function, else the statement."""
        return self.func if self.func is not None else self.stmt


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _writes(func: ast.AST, target: str) -> list[ast.stmt]:
    """The function's statements that write ``target`` (``dx = …``, ``dx[…] += …``), in order."""
    out = []
    for n in ast.walk(func):
        if isinstance(n, ast.Assign) and any(_root(t) == target for t in n.targets) or isinstance(n, ast.AugAssign) and _root(n.target) == target:
            out.append(n)
    return sorted(out, key=lambda n: n.lineno)


def _insert(site: Site, text: str, after: ast.stmt | None = None) -> list:
    """``text`` as a line of its own, before the finding's statement (or after ``after``), indented alike."""
    anchor = after if after is not None else site.stmt
    if anchor is None:
        return []
    lines = site.src.lines
    indent = lines[anchor.lineno - 1][: len(lines[anchor.lineno - 1]) - len(lines[anchor.lineno - 1].lstrip())]
    if after is not None:
        at = site.src.starts[(after.end_lineno or after.lineno)]
        return [(at, at, f"{indent}{text}\n")]
    at = site.src.starts[anchor.lineno - 1]
    return [(at, at, f"{indent}{text}\n")]


def _unread(site: Site) -> list[str]:
    """Names the function computes and never reads (``num_pos``, computed for a line never written)."""
    func = site.func
    read = {n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return [
        n.targets[0].id
        for n in ast.walk(func)
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and n.targets[0].id not in read
    ]


def _correct_class_line(site: Site, m: Mistake, k: Known) -> Edits:
    """The gradient has no term at the correct class: ``dx[np.arange(N), y] -= term`` inserted
    before the finding's line (after it when that line creates the gradient); the term is a name
    the function computed and never read, else the spec's own, in numpy."""
    if site.func is None or site.stmt is None or len(m.args) != 2:
        return
    label, term = m.args
    writes = _writes(site.func, site.target)
    if not writes:
        return
    rows = f"{_np(site.src.text)}.arange({_rows(site.src, site.stmt, k)})"
    terms = [*_unread(site), _numpy_term(term, _np(site.src.text))] if term != "1" else ["1"]
    creates = isinstance(site.stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == site.target for t in site.stmt.targets)
    for t in terms[:3]:
        yield _insert(site, f"{site.target}[{rows}, {label}] -= {t}", after=site.stmt if creates else None)


def _margin_line(site: Site, m: Mistake, k: Known) -> Edits:
    """The correct class's margin counted: ``margins[np.arange(N), y] = 0`` after the line computing it."""
    if site.func is None or not m.args or not m.within:
        return
    label = m.args[0]
    made = [w for w in _writes(site.func, m.within) if isinstance(w, ast.Assign) and w.lineno <= site.line]
    if not made:
        return
    rows = f"{_np(site.src.text)}.arange({_rows(site.src, made[-1], k)})"  # type: ignore[arg-type]
    yield _insert(site, f"{m.within}[{rows}, {label}] = 0", after=made[-1])


def _negate_lines(site: Site, m: Mistake, k: Known) -> Edits:
    """A value built over several lines and negated (``dx = -probs`` then ``dx[…] += 1``): the
    first assignment negated back and each later ``+=``/``-=`` of it turned."""
    if site.func is None:
        return
    writes = _writes(site.func, site.target)
    first = writes[0] if writes else None
    turns = [w for w in writes[1:] if isinstance(w, ast.AugAssign) and isinstance(w.op, (ast.Add, ast.Sub))]
    if not isinstance(first, ast.Assign) or not turns:
        return
    v = first.value
    if isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.USub):
        edits = [(*site.src.span(v), site.src.seg(v.operand))]
    else:
        edits = [(*site.src.span(v), f"-({site.src.seg(v)})" if isinstance(v, _LOOSE) else f"-{site.src.seg(v)}")]
    for w in turns:
        old, new = ("+=", "-=") if isinstance(w.op, ast.Add) else ("-=", "+=")
        if (e := _operator_between(site.src, w.target, w.value, old, new)) is not None:
            edits.append(e)
    yield edits


def _reshape_back(site: Site, m: Mistake, k: Known) -> Edits:
    """A gradient left flat: the value reshaped to the input's shape (``.reshape(x.shape)``)."""
    value = getattr(site.stmt, "value", None)
    if value is None or not m.args:
        return
    a, b = site.src.span(value)
    text = f".reshape({m.args[0]}.shape)"
    yield [(a, a, "("), (b, b, ")" + text)] if isinstance(value, _LOOSE) else [(b, b, text)]


# -- the spec author's wrong formula, rewritten into the right one -------------------------------
def _align(wrong: ast.AST, theirs: ast.AST, found: dict[str, ast.AST]) -> bool:
    """``theirs`` has the shape of ``wrong``: operators alike, each name or call of ``wrong`` standing
    for one part of theirs (``sqrt(var + eps)`` for their ``std``), the same one each time."""
    if isinstance(wrong, (ast.Name, ast.Call)):
        key = ast.unparse(wrong)
        if key in found:
            return ast.dump(found[key]) == ast.dump(theirs)
        found[key] = theirs
        return True
    if isinstance(wrong, ast.Constant):
        return isinstance(theirs, ast.Constant) and theirs.value == wrong.value
    if isinstance(wrong, ast.BinOp) and isinstance(theirs, ast.BinOp) and type(wrong.op) is type(theirs.op):
        return _align(wrong.left, theirs.left, found) and _align(wrong.right, theirs.right, found)
    if isinstance(wrong, ast.UnaryOp) and isinstance(theirs, ast.UnaryOp) and type(wrong.op) is type(theirs.op):
        return _align(wrong.operand, theirs.operand, found)
    return False


def _rewrite(site: Site, m: Mistake, k: Known) -> Edits:
    """The line has the shape of the spec's wrong formula: the right formula written with the parts
    it matched (their ``std`` for ``sqrt(var + eps)``) and, for the other names, the function's
    own (``xhat`` for x_hat); nothing when a name has no counterpart there."""
    value = getattr(site.stmt, "value", None)
    if value is None or site.func is None or len(m.args) != 2:
        return
    try:
        wrong, right = (ast.parse(t, mode="eval").body for t in m.args)
    except SyntaxError:
        return
    found: dict[str, ast.AST] = {}
    if not _align(wrong, value, found):
        return
    names = {n.id for n in ast.walk(site.func) if isinstance(n, ast.Name)} | {a.arg for a in ast.walk(site.func) if isinstance(a, ast.arg)}

    def own(name: str) -> str | None:
        plain = [x for x in names if x.replace("_", "").lower() == name.replace("_", "").lower()]
        return name if name in names else plain[0] if plain else None

    def write(node: ast.AST) -> str | None:
        key = ast.unparse(node)
        if key in found:
            text = site.src.seg(found[key])
            return f"({text})" if isinstance(found[key], _LOOSE) else text
        if isinstance(node, ast.Name):
            return own(node.id)
        if isinstance(node, ast.BinOp):
            a, b = write(node.left), write(node.right)
            if a is None or b is None:
                return None
            tree = ast.BinOp(ast.Name("L"), node.op, ast.Name("R"))
            return ast.unparse(tree).replace("L", _group(node.left, node, a, False), 1).replace("R", _group(node.right, node, b, True), 1)
        return None if _has_names(node) else key

    text = write(right)
    if text:
        yield [(*site.src.span(value), text)]


def _has_names(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) for n in ast.walk(node))


def _group(child: ast.AST, parent: ast.BinOp, text: str, right: bool) -> str:
    """``text`` parenthesized where Python would read it otherwise under ``parent``."""
    order = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.MatMult: 2, ast.FloorDiv: 2, ast.Mod: 2, ast.Pow: 3}
    if not isinstance(child, ast.BinOp):
        return text
    mine, theirs = order.get(type(child.op), 0), order.get(type(parent.op), 0)
    return f"({text})" if mine < theirs or (right and mine == theirs) else text


CLASS_KINDS = {
    "correct-class-line": _correct_class_line, "margin-line": _margin_line, "negate": _negate_lines,
    "drop-reshape": _reshape_back, "spec-rewrite": _rewrite,
}  # fmt: skip
