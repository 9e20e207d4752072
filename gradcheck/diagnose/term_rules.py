"""Mistake rules for the named terms of a formula: the L2 penalty (in the cost and in each dW),
dropout's mask and its 1/keep_prob, and a classifier's correct class.

Each rule recognizes its term by structure and by what the spec says its names are (a
plain-number value times a weight, a mask the student draws, ``onehot(y, C)``), never by the
assignment's spelling, so it serves every assignment written that way. rules.py puts them in
the catalog.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator

from .mutations import Context, Mutation, expr, factors, fold_constants, has_mean, is_square_sum, names_in, replace_walk

Found = Iterator[tuple[Mutation, ast.expr]]


# -- L2 regularization -----------------------------------------------------------------------------
def l2_strength(term: ast.AST, ctx: Context) -> str | None:
    """The regularization strength of an L2 term (``lambd``), or None if ``term`` is not one:
    a product with a plain-number value and a weight or a sum of squared weights."""
    parts = factors(term)
    # The last plain number of the product: a convention's constant comes first (CS231n's
    # ``2 * l2_scale * reg * W``), the strength the student knows (reg) next to the weight.
    scalars = [p.id for p in parts if isinstance(p, ast.Name) and p.id in ctx.scalars and p.id not in ctx.masks]
    if not scalars:
        return None
    scalar = scalars[-1]
    weighted = any(isinstance(p, ast.Name) and p.id in ctx.params and p.id != scalar for p in parts)
    squared = any(is_square_sum(n) for p in parts for n in ast.walk(p))
    return scalar if weighted or squared else None


def _l2_term(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)):
        return
    lam = l2_strength(node.right, ctx)
    if lam is None:
        return
    what = "cost" if ctx.forward else "gradient"
    shown = ast.unparse(fold_constants(node.right, dict(ctx.constants)))
    yield (
        Mutation(
            "l2-drop",
            "missing-l2-term",
            f"the L2 regularization term is missing from the {what}, or it is 0 (with integers, 1//2 — or 1/2 in Python 2 — is 0)",
            f"add the L2 term {shown}, and write ½ as 0.5 or 1/2.0",
        ),
        replace_walk(tree, node, node.left),
    )
    yield (
        Mutation(
            "l2-subtract",
            "sign-flip",
            "the L2 term is subtracted instead of added",
            "add the L2 term: regularization makes the cost larger",
        ),
        replace_walk(tree, node, ast.BinOp(node.left, ast.Sub(), node.right)),
    )
    for factor, size in ((2.0, "twice"), (0.5, "half")):
        text, fix = _factor_words(lam, ctx, size, has_mean(node.right, ctx.batch))
        yield (
            Mutation(f"l2-factor:{factor}", "l2-wrong-factor", text, fix),
            replace_walk(tree, node.right, ast.BinOp(ast.Constant(factor), ast.Mult(), copy.deepcopy(node.right))),
        )


def _factor_words(lam: str, ctx: Context, size: str, mean: bool) -> tuple[str, str]:
    """What an L2 term twice or half its size is, and its fix: the course's λ/(2m) when the term
    is divided by the batch size, else CS231n's two conventions (λ·ΣW² with 2λ·W, ½λ·ΣW² with λ·W)."""
    what, m = ("cost" if ctx.forward else "gradient"), ctx.batch
    if not mean:
        return (
            f"the L2 {what} term is {size} its size",
            f"the gradient's L2 term is the derivative of the loss's: {lam}·ΣW² goes with 2·{lam}·W, and ½·{lam}·ΣW² with {lam}·W; "
            "use one of the two in both places",
        )
    if ctx.forward:
        which = f"{lam}/{m} instead of {lam}/(2{m})" if size == "twice" else f"{lam}/(4{m})"
        return f"the L2 {what} term is {size} its size ({which})", f"the cost's L2 term is ({lam}/(2{m}))·Σ‖W‖²"
    which = f"2{lam}/{m}" if size == "twice" else f"{lam}/(2{m}) instead of {lam}/{m}"
    return (
        f"the L2 {what} term is {size} its size ({which})",
        f"the derivative of ({lam}/(2{m}))·W² is ({lam}/{m})·W: the 2 of the square cancels the ½",
    )


def _extra_l2_term(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """An L2 term added to a gradient that has none (db: the biases are not regularized)."""
    if not ctx.wrt or ctx.forward or not ctx.l2 or ctx.wrt not in ctx.arrays:
        return
    if any(l2_strength(n.right, ctx) for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add)):
        return
    for lam in ctx.l2:
        for term, shown in (
            (f"{lam} / {ctx.batch} * {ctx.wrt}", f"({lam}/{ctx.batch})·{ctx.wrt}"),
            (f"2 * {lam} * {ctx.wrt}", f"2·{lam}·{ctx.wrt}"),
        ):
            yield (
                Mutation(
                    f"l2-extra:{term}",
                    "extra-l2-term",
                    f"an L2 term {shown} is added, but {ctx.wrt} is not regularized (the L2 penalty sums the weights W only)",
                    f"remove the L2 term from d{ctx.wrt}",
                ),
                ast.BinOp(copy.deepcopy(tree), ast.Add(), expr(term)),
            )


def _l2_layer(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """One weight's ΣW² left out of the L2 term's sum."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)):
        return
    for gone, kept in ((node.right, node.left), (node.left, node.right)):
        if is_square_sum(gone):
            w = ast.unparse(gone.args[0].args[0])
            yield (
                Mutation(
                    f"l2-layer:{w}",
                    "l2-layer-missing",
                    f"the L2 term leaves out {w}: Σ{w}² is missing",
                    f"add np.sum(np.square({w})) to the sum",
                ),
                replace_walk(tree, node, kept),
            )


class _EverySquareSum(ast.NodeTransformer):
    def __init__(self, square_of_sum: bool) -> None:
        self.square_of_sum = square_of_sum

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if not is_square_sum(node):
            return self.generic_visit(node)
        sum_w = ast.Call(ast.Name("sum", ast.Load()), [node.args[0].args[0]], [])
        return ast.Call(ast.Name("square", ast.Load()), [sum_w], []) if self.square_of_sum else sum_w


def _l2_norm(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """ΣW² written as (ΣW)² or as ΣW, for one weight or for all of them."""
    if not is_square_sum(node):
        return
    if node is next(n for n in ast.walk(tree) if is_square_sum(n)) and sum(is_square_sum(n) for n in ast.walk(tree)) > 1:
        for square_of_sum, text in (
            (True, "the square of the sum (ΣW)² is used instead of the sum of squares ΣW², for every W"),
            (False, "ΣW is used instead of ΣW²: the square is missing, for every W"),
        ):
            yield (
                Mutation(f"l2-all:{square_of_sum}", "l2-wrong-norm", text, "square first, then sum: np.sum(np.square(W)) for each W"),
                _EverySquareSum(square_of_sum).visit(copy.deepcopy(tree)),
            )
    w = node.args[0].args[0]
    shown = ast.unparse(w)
    sum_w = ast.Call(ast.Name("sum", ast.Load()), [w], [])
    yield (
        Mutation(
            f"l2-square-of-sum:{shown}",
            "l2-wrong-norm",
            f"the square of the sum (Σ{shown})² is used instead of the sum of squares Σ{shown}²",
            f"square first, then sum: np.sum(np.square({shown}))",
        ),
        replace_walk(tree, node, ast.Call(ast.Name("square", ast.Load()), [sum_w], [])),
    )
    yield (
        Mutation(
            f"l2-no-square:{shown}",
            "l2-wrong-norm",
            f"Σ{shown} is used instead of Σ{shown}²: the square is missing",
            f"use np.sum(np.square({shown}))",
        ),
        replace_walk(tree, node, sum_w),
    )


# -- dropout ---------------------------------------------------------------------------------------
def _dropout(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """The mask missing, the 1/keep_prob missing or multiplied, both missing."""
    if not ctx.masks:
        return
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for mask, other in ((node.right, node.left), (node.left, node.right)):
            if isinstance(mask, ast.Name) and mask.id in ctx.masks:
                yield (
                    Mutation(
                        f"drop-mask:{mask.id}",
                        "dropout-mask",
                        "the dropout mask is not applied" if mask.id == "mask" else f"the dropout mask {mask.id} is not applied",
                        f"multiply by the same mask ({mask.id}) as the forward pass",
                    ),
                    replace_walk(tree, node, other),
                )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.right, ast.Name) and node.right.id in ctx.scalars:
        masks = names_in(node.left) & set(ctx.masks)
        if not masks:
            return
        keep = node.right.id
        yield (
            Mutation(
                f"keep-times:{keep}",
                "dropout-scale",
                f"the value is multiplied by {keep} instead of divided by it",
                f"divide by {keep} (inverted dropout scales the kept units up, by 1/{keep})",
            ),
            replace_walk(tree, node, ast.BinOp(node.left, ast.Mult(), node.right)),
        )
        bare = node.left
        for mask in masks:
            bare = _without_factor(bare, mask)
        yield (
            Mutation(
                "dropout-none",
                "dropout-mask",
                f"neither the mask {', '.join(sorted(masks))} nor the division by {keep} is applied",
                f"multiply by the forward pass's mask, then divide by {keep}",
            ),
            replace_walk(tree, node, bare),
        )


def _without_factor(node: ast.expr, name: str) -> ast.expr:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        if isinstance(node.right, ast.Name) and node.right.id == name:
            return node.left
        if isinstance(node.left, ast.Name) and node.left.id == name:
            return node.right
        return ast.BinOp(_without_factor(node.left, name), ast.Mult(), node.right)
    return node


# -- classifiers: the correct class ----------------------------------------------------------------
def _is_onehot(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "onehot"


def _correct_class(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and any(_is_onehot(n) for n in ast.walk(node.right))):
        return
    if isinstance(node.left, ast.Constant) and _is_onehot(node.right):  # the factor (1 - onehot(y, C)) of the margins
        yield (
            Mutation(
                "margin-correct-class",
                "correct-class",
                "the margin is counted for the correct class too (each example adds max(0, s_y − s_y + 1) = 1)",
                "skip j == y[i] in the loop, or set margins[np.arange(N), y] = 0",
            ),
            replace_walk(tree, node, copy.deepcopy(node.left)),
        )
        return
    yield (
        Mutation(
            "drop-correct-class",
            "correct-class",
            "the correct class gets no gradient of its own: nothing is subtracted at each example's label y",
            "subtract at the correct class (dx[np.arange(N), y] -= …), as the loss's −s_y term demands",
        ),
        replace_walk(tree, node, node.left),
    )


def _class_indexing(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """``p[:, y]`` (every example against every label, N×N) where ``p[np.arange(N), y]`` belongs."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)):
        return
    for hot, other in ((node.left, node.right), (node.right, node.left)):
        if _is_onehot(hot) and not names_in(other) & set(ctx.masks):
            shown = ast.unparse(other)
            yield (
                Mutation(
                    "index-all-columns",
                    "class-indexing",
                    f"{shown}[:, y] is taken (an N×N array: every example against every label) instead of {shown}[np.arange(N), y]",
                    "index each row with its own label: x[np.arange(N), y]",
                ),
                replace_walk(tree, node, ast.BinOp(other, ast.MatMult(), ast.Attribute(hot, "T", ast.Load()))),
            )
