"""Inverse edits for a gradient check's own mistakes. The spec names a symptom (the difference is
1/3, or 1, or the denominator's parentheses are missing) that several different lines produce, so
each repair the symptom allows is proposed where the student's function has its pattern, and the
verifier keeps the one that passes:

- ``(J_plus - J_minus) / epsilon``: divided by ``(2 * epsilon)``;
- ``J_minus - J_plus``: the central difference's operands swapped back;
- ``J_plus`` and ``J_minus`` computed at the same point: one call moved to the other point;
- ``thetaplus = parameters_values`` (one array, no copy): ``np.copy(parameters_values)``;
- ``thetaplus = parameters_values + epsilon`` (every entry moved): a copy, then entry i moved;
- ``a / norm(g) + norm(ga)``: the denominator parenthesized; the numerator alone, or sums of
  squares where norms belong: the relative difference of norms written out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..findings import Mistake
from .edits_class import Site
from .source import _call_name, _np
from .term_edits import Known

Edits = Iterator[list]


def _epsilons(func: ast.AST) -> set[str]:
    """The step's name: a parameter with a small float default (epsilon=1e-7)."""
    args = getattr(func, "args", None)
    if args is None:
        return set()
    named = args.args[len(args.args) - len(args.defaults) :]
    return {a.arg for a, d in zip(named, args.defaults) if isinstance(d, ast.Constant) and isinstance(d.value, float) and 0 < d.value < 1e-2}


def _is(node: ast.AST, names: set[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in names


def _divided_by_step(site: Site, eps: set[str]) -> Edits:
    for n in ast.walk(site.func):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) and _is(n.right, eps) and isinstance(n.left, ast.BinOp) and isinstance(n.left.op, ast.Sub):
            yield [(*site.src.span(n.right), f"(2 * {n.right.id})")]  # type: ignore[attr-defined]


def _swapped(site: Site, eps: set[str]) -> Edits:
    """The difference divided by the step (2 * epsilon or epsilon): its two operands swapped."""
    for n in ast.walk(site.func):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) and eps & {x.id for x in ast.walk(n.right) if isinstance(x, ast.Name)}:
            left = n.left
            if isinstance(left, ast.BinOp) and isinstance(left.op, ast.Sub):
                a, b = site.src.seg(left.left), site.src.seg(left.right)
                yield [(*site.src.span(left.left), b), (*site.src.span(left.right), a)]


def _points(site: Site, eps: set[str]) -> dict[str, str]:
    """Each perturbed name and its side: ``theta_plus = theta + epsilon`` is "+", ``thetaminus[i] = … - epsilon`` is "-"."""
    out: dict[str, str] = {}
    for n in ast.walk(site.func):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.value, ast.BinOp) and _is(n.value.right, eps):
            t = n.targets[0]
            while isinstance(t, ast.Subscript):
                t = t.value
            if isinstance(t, ast.Name) and isinstance(n.value.op, (ast.Add, ast.Sub)):
                out[t.id] = "+" if isinstance(n.value.op, ast.Add) else "-"
    return out


def _same_point(site: Site, eps: set[str]) -> Edits:
    """Two calls with the same text at one perturbed point: the first moved to the other point."""
    points = _points(site, eps)
    calls: dict[str, list[ast.Call]] = {}
    for n in ast.walk(site.func):
        if isinstance(n, ast.Call) and any(_is(a, set(points)) for a in ast.walk(n)):
            calls.setdefault(site.src.seg(n), []).append(n)
    for same in [c for c in calls.values() if len(c) == 2]:
        first = min(same, key=lambda c: (c.lineno, c.col_offset))
        for name in [x for x in ast.walk(first) if _is(x, set(points))]:
            other = [p for p, side in points.items() if side != points[name.id]]  # type: ignore[attr-defined]
            if other:
                yield [(*site.src.span(name), other[0])]


def _copies(site: Site, eps: set[str]) -> Edits:
    """``thetaplus = parameters_values`` then ``thetaplus[i] = …``: each such alias made a copy;
    ``thetaplus = parameters_values + epsilon`` in a loop over i: a copy with entry i moved."""
    points = _points(site, eps)
    np_ = _np(site.src.text)
    alias, moved = [], []
    loops = [n for n in ast.walk(site.func) if isinstance(n, ast.For) and isinstance(n.target, ast.Name)]
    for loop in loops:
        for n in ast.walk(loop):
            if not (isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)):
                continue
            name = n.targets[0].id
            if isinstance(n.value, ast.Name) and name in points:
                alias.append((*site.src.span(n.value), f"{np_}.copy({n.value.id})"))
            elif isinstance(n.value, ast.BinOp) and _is(n.value.right, eps) and isinstance(n.value.left, ast.Name) and name in points:
                i, sign = loop.target.id, "+" if isinstance(n.value.op, ast.Add) else "-"  # type: ignore[attr-defined]
                new = f"{np_}.copy({n.value.left.id}); {name}[{i}] = {name}[{i}] {sign} {n.value.right.id}"  # type: ignore[attr-defined]
                moved.append((*site.src.span(n.value), new))
    for edits in (alias, moved):
        if edits:
            yield edits


def _parenthesized(site: Site, eps: set[str]) -> Edits:
    """``numerator / norm(grad) + norm(gradapprox)``: the sum after the division parenthesized."""
    for n in ast.walk(site.stmt) if site.stmt is not None else ():
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add) and isinstance(n.left, ast.BinOp) and isinstance(n.left.op, ast.Div):
            a, b = site.src.span(n.left.right)[0], site.src.span(n.right)[1]
            yield [(a, a, "("), (b, b, ")")]


def _norms(site: Site, eps: set[str]) -> Edits:
    """Sums of squares where norms belong (``np.sum((g - ga) ** 2)`` is ``np.linalg.norm(g - ga)``),
    and a difference left as its numerator: divided by the sum of the two norms."""
    np_ = _np(site.src.text)
    squares = []
    for n in ast.walk(site.func):
        if isinstance(n, ast.Call) and _call_name(n) == "sum" and len(n.args) == 1 and not n.keywords:
            arg = n.args[0]
            if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Pow) and isinstance(arg.right, ast.Constant) and arg.right.value == 2:
                inner = arg.left
                text = site.src.seg(inner)
                squares.append((*site.src.span(n), f"{np_}.linalg.norm({text})"))
    if squares:
        yield squares
    norms = {}  # numerator = np.linalg.norm(grad - gradapprox)
    for n in ast.walk(site.func):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and _call_name(n.value) == "norm":
            arg = n.value.args[0] if n.value.args else None  # type: ignore[attr-defined]
            if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Sub):
                norm = site.src.seg(n.value.func)  # type: ignore[attr-defined]
                norms[n.targets[0].id] = f" / ({norm}({site.src.seg(arg.left)}) + {norm}({site.src.seg(arg.right)}))"
    for n in ast.walk(site.func):  # difference = numerator
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Name) and n.value.id in norms:
            end = site.src.span(n.value)[1]
            yield [(end, end, norms[n.value.id])]

BY_TAG = {
    "central-difference": (_divided_by_step, _swapped, _same_point, _copies),
    "missing-parentheses": (_parenthesized,),
    "difference-formula": (_norms,),
}


def _repair(site: Site, m: Mistake, k: Known) -> Edits:
    if site.func is None:
        return
    eps = _epsilons(site.func)
    for edit in BY_TAG.get(m.tag, ()):
        yield from edit(site, eps)


GC_KINDS = {"difference-repair": _repair}
TAGS = tuple(BY_TAG)  # the spec's gradient-check mistakes, by tag
