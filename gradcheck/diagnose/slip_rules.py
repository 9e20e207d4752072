"""Mistake rules for slips in how a formula is written rather than in its mathematics: missing
parentheses, + for *, the two log terms of a cross-entropy swapped, and an activation's
derivative applied to a gradient that already includes it.

Like the other rules, each recognizes its place by structure (a product with a sum inside, a
sum of two terms that each take a log, ``A − Y`` where A = g(Z)), so it serves every
assignment written that way. rules.py puts them in the catalog.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Iterator

from .mutations import A_FORMS, Context, Mutation, expr, replace_walk, role, shown_a_form

Found = Iterator[tuple[Mutation, ast.expr]]


def _is_prime(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.endswith("_prime")


def _a_of(z: str, ctx: Context) -> str | None:
    return next((name for name, (_, pre) in ctx.activations.items() if pre == z), None)


# -- parentheses --------------------------------------------------------------------------------------
def _unbracketed(left: ast.expr, inner: ast.BinOp) -> ast.expr:
    """``left * (a - b)`` as Python reads ``left * a - b``: (left·a) − b."""
    return ast.BinOp(ast.BinOp(copy.deepcopy(left), ast.Mult(), copy.deepcopy(inner.left)), inner.op, copy.deepcopy(inner.right))


def _precedence(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """``x * (a − b)`` written without its parentheses: ``x * a − b`` is (x·a) − b. The factor
    may be written out in the formula, or be an activation's derivative whose usual A-form is a
    difference (tanh′ = 1 − A²: ``dA1 * 1 - A1**2``)."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)):
        return
    for left, right in ((node.left, node.right), (node.right, node.left)):
        inner, shown = right, None
        if _is_prime(right):
            g = right.func.id[: -len("_prime")]
            z = ast.unparse(right.args[0]) if right.args else "Z"
            a = _a_of(z, ctx)
            if g not in A_FORMS or a is None:
                continue
            inner, shown = expr(A_FORMS[g].format(a=a)), shown_a_form(g, a)
        if not (isinstance(inner, ast.BinOp) and isinstance(inner.op, (ast.Add, ast.Sub))):
            continue
        written = f"{ast.unparse(left)} * {ast.unparse(inner)}"
        shown = shown or ast.unparse(inner)
        yield (
            Mutation(
                f"precedence:{ast.unparse(inner)}",
                "missing-parentheses",
                f"the parentheses around {shown} are missing: {written} is computed as "
                f"({ast.unparse(left)} * {ast.unparse(inner.left)}) {'-' if isinstance(inner.op, ast.Sub) else '+'} "
                f"{ast.unparse(inner.right)}, because * binds before {'-' if isinstance(inner.op, ast.Sub) else '+'}",
                f"put the parentheses back: {ast.unparse(left)} * ({ast.unparse(inner)})",
            ),
            replace_walk(tree, node, _unbracketed(left, inner)),
        )


# -- operators ----------------------------------------------------------------------------------------
def _wrong_operator(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """+ where * belongs, or * where + belongs, in a forward formula (J = theta + x)."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult))):
        return
    new_op, old, new = (ast.Mult(), "+", "*") if isinstance(node.op, ast.Add) else (ast.Add(), "*", "+")
    swapped = ast.BinOp(node.left, new_op, node.right)
    yield (
        Mutation(
            f"operator:{ast.unparse(node)}",
            "wrong-operator",
            f"{new} is used where {old} belongs: {ast.unparse(swapped)} instead of {ast.unparse(node)}",
            f"write {ast.unparse(node)}",
        ),
        replace_walk(tree, node, swapped),
    )


# -- the cross-entropy's two log terms ---------------------------------------------------------------
def _logs(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "log"]


def _swapped_logs(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """``Y log(1 − A) + (1 − Y) log(A)``: each label paired with the other label's log."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))):
        return
    left, right = _logs(node.left), _logs(node.right)
    if len(left) != 1 or len(right) != 1 or not left[0].args or not right[0].args:
        return
    a, b = left[0].args[0], right[0].args[0]
    if ast.unparse(a) == ast.unparse(b):
        return
    log = ast.Name("log", ast.Load())
    swapped = ast.BinOp(
        replace_walk(node.left, left[0], ast.Call(log, [b], [])), node.op, replace_walk(node.right, right[0], ast.Call(log, [a], []))
    )
    yield (
        Mutation(
            "swap-logs",
            "swapped-log-terms",
            f"the two log terms are swapped: {ast.unparse(swapped)} instead of {ast.unparse(node)}, "
            f"so each label is paired with the other label's log",
            f"pair each label with its own log: {ast.unparse(node)}",
        ),
        replace_walk(tree, node, swapped),
    )


# -- an activation's derivative applied twice ----------------------------------------------------------
def _extra_derivative(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """``dZ = (A − Y) · g′(Z)``: the output layer's ``A − Y`` is already the derivative with respect
    to Z (the cross-entropy's derivative through sigmoid or softmax simplifies to it), so
    multiplying by g′(Z) applies the activation's slope a second time."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and isinstance(node.left, ast.Name)):
        return
    a = node.left.id
    if a not in ctx.activations:
        return
    g, z = ctx.activations[a]
    if g not in A_FORMS or any(_is_prime(n) for n in ast.walk(tree)):
        return
    shown = ast.unparse(node)
    yield (
        Mutation(
            f"extra-deriv:{g}",
            "extra-activation-derivative",
            f"{shown} is multiplied by {g}′({z}) = {shown_a_form(g, a)}, but {shown} is already the derivative with respect to {z}: "
            f"the cost's derivative through {g} simplifies to {shown}, so {g}′ is applied twice",
            f"use {shown} as it is, without the factor {shown_a_form(g, a)}",
            data=(g, z, a),
        ),
        replace_walk(tree, node, ast.BinOp(copy.deepcopy(node), ast.Mult(), expr(A_FORMS[g].format(a=a)))),
    )


# -- the right value under another name ------------------------------------------------------------
def _index_of(name: str) -> int | None:
    found = re.search(r"(\d+)$", name)
    return int(found.group(1)) if found else None


def _value_of_another(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """``grads["dA" + str(l + 1)] = dA_prev``: the value is another layer's (dA1 under dA2), right
    in itself and stored under the wrong index."""
    own = _index_of(ctx.name)
    if own is None:
        return
    for other in ctx.arrays:
        theirs = _index_of(other)
        if other == ctx.name or theirs is None or role(other) != role(ctx.name):
            continue
        off = " (the index is off by one)" if abs(theirs - own) == 1 else ""
        yield (
            Mutation(
                f"value-of:{other}",
                "wrong-index",
                f"{ctx.name} holds the value of {other}: the value is right, but it is stored under the wrong index{off}",
                f"store this value under {other}'s key, and check the index of every key the loop writes",
            ),
            ast.Name(other, ast.Load()),
        )


# -- an array never filled ---------------------------------------------------------------------
def _never_filled(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """Zeros everywhere: the array is created and never filled (a branch that did not run)."""
    yield (
        Mutation(
            "all-zeros",
            "not-computed",
            "every entry is 0: the value is never computed — an array created with np.zeros and never filled, "
            "or a branch that did not run (check its condition, such as the name of a mode)",
            "make sure the code that fills it runs for these arguments",
        ),
        ast.BinOp(ast.Constant(0.0), ast.Mult(), copy.deepcopy(tree)),
    )


# -- convolution and pooling windows: the stride, the padding -------------------------------------------
WINDOWED = {"conv2d": (3, 4), "maxpool2d": (2, None), "avgpool2d": (2, None)}  # the stride's and the pad's argument


def _call(node: ast.Call, at: int, value: ast.expr) -> ast.Call:
    return ast.Call(node.func, [value if i == at else a for i, a in enumerate(node.args)], node.keywords)


def _is_number(node: ast.expr, n: int) -> bool:
    return isinstance(node, ast.Constant) and node.value == n


def _windows(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """A forward conv or pool whose windows ignore the stride, or whose output size leaves out
    the padding: the right windows, walked over the wrong positions (``crop_like``)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in WINDOWED):
        return
    stride, pad = WINDOWED[node.func.id]
    crop = ast.Name("crop_like", ast.Load())
    if len(node.args) > stride and not _is_number(node.args[stride], 1):
        yield (
            Mutation(
                f"stride-one:{node.func.id}",
                "stride-ignored",
                "each window starts at (h, w) instead of (h * stride, w * stride): the stride is left out of vert_start and horiz_start",
                "start each window at vert_start = h * stride and horiz_start = w * stride, with vert_end = vert_start + f",
            ),
            replace_walk(tree, node, ast.Call(crop, [_call(node, stride, ast.Constant(1)), node], [])),
        )
    if pad is not None and len(node.args) > pad and not _is_number(node.args[pad], 0):
        yield (
            Mutation(
                f"size-without-pad:{node.func.id}",
                "padding",
                "the output size leaves out the padding: n_H = (n_H_prev - f) / stride + 1 instead of (n_H_prev - f + 2 * pad) / stride + 1",
                "n_H = int((n_H_prev - f + 2 * pad) / stride) + 1, and n_W likewise",
            ),
            replace_walk(tree, node, ast.Call(crop, [node, _call(node, pad, ast.Constant(0))], [])),
        )


def _pad_every_axis(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """``np.pad(X, pad)``: the examples and the channels padded too."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "pad4" and len(node.args) == 2:
        yield (
            Mutation(
                "pad-every-axis",
                "padding",
                "every axis is padded, the examples and the channels too, not only the height and the width: np.pad(X, pad) pads all four",
                "pad the two middle axes only: np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode='constant', constant_values=(0, 0))",
            ),
            replace_walk(tree, node, ast.Call(ast.Name("pad_every_axis", ast.Load()), node.args, [])),
        )


def _max_mask_axis(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """``x == np.max(x, axis=0)``: the maximum of each column (or row) instead of the window's."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "max_mask" and len(node.args) == 1):
        return
    for axis, each in ((0, "column"), (1, "row")):
        yield (
            Mutation(
                f"max-axis:{axis}",
                "wrong-sum-axis",
                f"the maximum is taken over axis={axis}, so the mask marks the largest entry of each {each}, not the largest of the whole window",
                "take the maximum over the whole window: mask = x == np.max(x), with no axis",
            ),
            replace_walk(tree, node, ast.Call(ast.Name("max_mask_along", ast.Load()), [node.args[0], ast.Constant(axis)], [])),
        )
