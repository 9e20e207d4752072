"""Inverse edits for an L-layer network's bookkeeping and helpers: a gradient stored under the
key of its neighbour (``grads["dA" + str(l + 1)]`` where ``str(l)`` belongs), and a sigmoid
derivative taken at Z inside the student's own helper, which has no A to name (the helper's
``dZ = dA * Z * (1 - Z)`` gets ``s = 1 / (1 + np.exp(-Z))`` on a line of its own).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from ..findings import Mistake
from .edits_class import Site
from .source import _call_name, _np
from .term_edits import Known

Edits = Iterator[list]


def _shifted(src, expr: ast.expr, by: int) -> str:
    """``expr + by`` written plainly: ``l + 1`` shifted by -1 is ``l``, ``l`` by -1 is ``l - 1``."""
    base, k = expr, 0
    plus_k = isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)) and isinstance(expr.right, ast.Constant)
    if plus_k and isinstance(expr.right.value, int):  # type: ignore[attr-defined]
        base, k = expr.left, expr.right.value if isinstance(expr.op, ast.Add) else -expr.right.value  # type: ignore[attr-defined]
    k += by
    text = src.seg(base)
    return text if k == 0 else f"{text} + {k}" if k > 0 else f"{text} - {-k}"


def _key_index(node: ast.AST) -> ast.expr | None:
    """The index part of a key written ``"dA" + str(l + 1)`` or ``f"dA{l + 1}"``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
        right = node.right
        if isinstance(right, ast.Call) and _call_name(right) == "str" and len(right.args) == 1:
            return right.args[0]
    if isinstance(node, ast.JoinedStr) and len(node.values) == 2 and isinstance(node.values[1], ast.FormattedValue):
        return node.values[1].value
    return None


def _index_shift(site: Site, m: Mistake, k: Known) -> Edits:
    """dA2 holds dA1's value: the key's index moved by the difference (on the finding's line)."""
    got, want = re.search(r"(\d+)$", site.target), re.search(r"(\d+)$", m.args[0]) if m.args else None
    if site.stmt is None or got is None or want is None or not isinstance(site.stmt, ast.Assign):
        return
    by = int(want.group(1)) - int(got.group(1))
    for t in site.stmt.targets:
        index = _key_index(t.slice) if isinstance(t, ast.Subscript) else None
        if index is not None and by:
            yield [(*site.src.span(index), _shifted(site.src, index, by))]


def _helper(site: Site) -> ast.FunctionDef | None:
    """The module-level function of the student's that the finding's line calls (sigmoid_backward)."""
    value = getattr(site.stmt, "value", None)
    name = _call_name(value) if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) else None
    found = [n for n in site.src.tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    return found[0] if found else None


def _helper_at_a(site: Site, m: Mistake, k: Known) -> Edits:
    """The derivative taken at Z in the called helper: its returned value's Z becomes the activation,
    computed on a new line before it (``s = 1 / (1 + np.exp(-Z))``, then ``dA * s * (1 - s)``)."""
    g = m.data[0] if m.data else ""
    helper = _helper(site)
    if helper is None or g not in ("sigmoid", "tanh"):
        return
    params = {a.arg for a in helper.args.args}
    returned = {n.id for r in ast.walk(helper) if isinstance(r, ast.Return) and r.value is not None for n in ast.walk(r.value) if isinstance(n, ast.Name)}
    known = {n.id for n in ast.walk(helper) if isinstance(n, ast.Name)} | params
    fresh = next(x for x in ("s", "a", "act") if x not in known)
    for stmt in [s for s in helper.body if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name) and s.targets[0].id in returned]:
        zs = [n for n in ast.walk(stmt.value) if isinstance(n, ast.Name) and n.id not in params]
        names = {n.id for n in zs}
        if len(names) != 1:
            continue
        z = zs[0].id
        np_ = _np(site.src.text)
        form = f"1 / (1 + {np_}.exp(-{z}))" if g == "sigmoid" else f"{np_}.tanh({z})"
        line = site.src.lines[stmt.lineno - 1]
        indent = line[: len(line) - len(line.lstrip())]
        at = site.src.starts[stmt.lineno - 1]
        yield [(at, at, f"{indent}{fresh} = {form}\n"), *[(*site.src.span(n), fresh) for n in zs]]


DEEP_KINDS = {"value-of": _index_shift, "deriv-form-at-Z": _helper_at_a}
