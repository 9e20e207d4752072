"""Mistakes turned into edit kinds with what only the spec knows (edits_conv.py undoes them): the
literal arguments a function is called with (a mode's name), the operand a spec author's wrong
formula puts in place of the right one, a gradient returned with its padding.
"""

from __future__ import annotations

import ast

from ..findings import Mistake
from ..spec import pyast
from .edits_gc import TAGS as GC_TAGS


def _literals(spec, fn) -> tuple[str, ...]:
    """The string arguments the spec passes to the student's function (``"=average"`` is ``"average"``),
    this check's first, then those of the other checks of the same function (``"=max"``)."""
    own = getattr(fn, "function", None) or getattr(fn, "name", None)
    same = [g for g in spec.functions if (getattr(g, "function", None) or g.name) == own and g is not fn]
    args = [a for g in [fn, *same] for a in (getattr(g, "args", None) or [])]
    return tuple(dict.fromkeys(a[1:] for a in args if isinstance(a, str) and a.startswith("=")))


def operand_swap(right: ast.expr, wrong: ast.expr) -> tuple[str, str] | None:
    """(the right operand, the wrong one) where two formulas differ in one place: the first
    argument or operand of the same position that differs, a name or a small expression.
    ``conv2d_backward_x(dZ, W, …)`` and ``conv2d_backward_x_input(dZ, A_prev, …)`` give (W, A_prev)."""
    if ast.dump(right) == ast.dump(wrong):
        return None
    if isinstance(right, ast.Name):
        return right.id, ast.unparse(wrong)
    pairs: list[tuple[ast.AST, ast.AST]] = []
    if isinstance(right, ast.Call) and isinstance(wrong, ast.Call):
        pairs = list(zip(right.args, wrong.args))
    elif isinstance(right, ast.BinOp) and isinstance(wrong, ast.BinOp) and type(right.op) is type(wrong.op):
        pairs = [(right.left, wrong.left), (right.right, wrong.right)]
    for r, w in pairs:
        if ast.dump(r) != ast.dump(w):
            return operand_swap(r, w) if isinstance(r, (ast.Name, ast.Call, ast.BinOp)) else None  # type: ignore[arg-type]
    return None


# A spec author's mistake named by its tag alone, and the edit kind that undoes it.
SPEC_TAGS = {"padding": "unpad", "pool-mask": "mask-unused", "reshape-not-transpose": "channels-last"}


def _onehot(node: ast.AST) -> ast.Call | None:
    found = [n for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "onehot" and n.args]
    return found[0] if found else None


class _Plain(ast.NodeTransformer):
    """A spec term as an index of rows takes it: ``float(m > 0)`` is ``m > 0``, no keepdims."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "float" and len(node.args) == 1:
            return node.args[0]
        node.keywords = [kw for kw in node.keywords if kw.arg != "keepdims"]
        return node


def correct_class(formula, m: Mistake) -> Mistake | None:
    """drop-correct-class: (the label, the term subtracted at it) from ``p - onehot(y, C) * t``;
    margin-correct-class: (the label,) of the margins' ``(1 - onehot(y, C))``."""
    for node in ast.walk(formula.tree):
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub)) or (hot := _onehot(node.right)) is None:
            continue
        label = ast.unparse(hot.args[0])
        if m.kind == "margin-correct-class":
            return Mistake("margin-line", m.tag, (label,), (), m.within) if isinstance(node.left, ast.Constant) else None
        right = node.right
        if right is hot:
            return Mistake("correct-class-line", m.tag, (label, "1"))
        if isinstance(right, ast.BinOp) and isinstance(right.op, ast.Mult) and hot in (right.left, right.right):
            other = right.right if right.left is hot else right.left
            return Mistake("correct-class-line", m.tag, (label, ast.unparse(_Plain().visit(pyast.parse(ast.unparse(other), mode="eval").body))))
    return None


BY_KIND = ("all-zeros", "drop-correct-class", "margin-correct-class")  # translated with the spec's help


def translate_more(spec, fn, name: str | None, m: Mistake, wrong=None) -> Mistake | None:
    """The edit kind of a mistake this module knows (None: leave it to known.translated).
    ``wrong``: the spec author's mistake (its formula), for a ``spec`` mistake."""
    if m.kind == "all-zeros":
        found = _literals(spec, fn) if fn is not None else ()
        return Mistake("all-zeros", m.tag, found[:1], found[1:]) if found else None
    if m.kind in ("drop-correct-class", "margin-correct-class"):
        formula = spec.formula_for(name) if name else None
        return correct_class(formula, m) if formula is not None else None
    if m.kind != "spec" or wrong is None:
        return None
    if m.tag in SPEC_TAGS:
        return Mistake(SPEC_TAGS[m.tag], m.tag)
    if m.tag in GC_TAGS:  # a gradient check's symptom: edits_gc proposes each repair it allows
        return Mistake("difference-repair", m.tag)
    if m.tag == "wrong-operand":
        reference = spec.formula_for(name) if name else None
        swap = operand_swap(reference.tree, wrong.formula.tree) if reference is not None else None
        return Mistake("spec-operand", m.tag, swap) if swap else None
    return None


def rewrite(spec, name: str | None, m: Mistake, wrong, shown) -> Mistake:
    """Any other spec mistake: the wrong formula and the right one (``shown``: in the student's
    names), for edits_class's rewrite of a line shaped like the wrong one."""
    reference = spec.formula_for(name) if name else None
    if reference is None or m.kind != "spec":
        return m
    return Mistake("spec-rewrite", m.tag, (shown(ast.unparse(wrong.formula.tree)), shown(ast.unparse(reference.tree))))
