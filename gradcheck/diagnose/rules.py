"""The mistake catalog: rules that turn a reference formula into what a student with one
specific mistake would have computed.

Each rule is one family of mistakes (a missing 1/m, a wrong sum axis, …): it yields mutations
of the formula's syntax tree, each with its tag and words. Evaluating the mutants and comparing
them with the student's value names the mistake. The catalog is data about formulas, so it
works for every assignment written as formulas.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..findings import GC
from ..spec.formula import ACTIVATIONS
from .mutations import A_FORMS, Context, Mutation, expr, is_batch, is_inverse_batch, replace_walk, role, shown_a_form
from .slip_rules import (
    _extra_derivative,
    _max_mask_axis,
    _never_filled,
    _pad_every_axis,
    _precedence,
    _swapped_logs,
    _value_of_another,
    _windows,
    _wrong_operator,
)
from .term_rules import _class_indexing, _correct_class, _dropout, _extra_l2_term, _l2_layer, _l2_norm, _l2_term

Found = Iterator[tuple[Mutation, ast.expr]]  # a mutation and the mutated tree


@dataclass(frozen=True)
class Rule:
    """One family of mistakes. ``visit(tree, node, ctx)`` yields the mutations of ``tree`` at
    ``node`` (a rule with ``whole`` set is visited once, with the tree as the node).

    To add a mistake: write its rule below, put it in RULES where its mutations should be
    tried (earlier rules win ties between explanations that fit equally), give it a fixture
    under tests/corpus/ and make sure its tags are in findings.TAGS and on its ``page``."""

    name: str
    tags: tuple[str, ...]  # the tags its mutations carry
    page: str  # the explain page (a finding code) that tells a student about it
    visit: Callable[[ast.expr, ast.AST, Context], Found]
    whole: bool = False
    forward_only: bool = False  # only for forward formulas (an activation, a term)


# -- the 1/m --------------------------------------------------------------------------------------
def _missing_mean(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    m = ctx.batch
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and is_batch(node.right, m):
        yield (
            Mutation(
                "drop-mean", "missing-mean", f"the 1/{m} is missing", f"divide by {m}: the cost J is the mean of the per-example losses"
            ),
            replace_walk(tree, node, node.left),
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for keep, other in ((node.left, node.right), (node.right, node.left)):
            if is_inverse_batch(other, m):
                yield (
                    Mutation(
                        "drop-mean",
                        "missing-mean",
                        f"the 1/{m} is missing",
                        f"multiply by 1/{m}: the cost J is the mean of the per-example losses",
                    ),
                    replace_walk(tree, node, keep),
                )


def _extra_mean(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    m = ctx.batch
    yield (
        Mutation("add-mean", "extra-mean", f"an extra division by {m}", f"remove the extra 1/{m}"),
        ast.BinOp(copy.deepcopy(tree), ast.Div(), ast.Name(m, ast.Load())),
    )


# -- sign and transposes -------------------------------------------------------------------------------
def _sign_flip(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    yield (
        Mutation(
            "negate", "sign-flip", "the sign is flipped", "fix the sign: swap the order of the subtraction, or add or remove one minus sign"
        ),
        ast.UnaryOp(ast.USub(), copy.deepcopy(tree)),
    )


def _transposed_result(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    yield (
        Mutation(
            "transpose-result", "transpose", "the result is transposed", "compute the product in the other order (or transpose it back)"
        ),
        ast.Attribute(copy.deepcopy(tree), "T", ast.Load()),
    )


def _transposed_operand(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if isinstance(node, ast.Attribute) and node.attr == "T":
        shown = ast.unparse(node.value)
        yield (
            Mutation(f"drop-T:{shown}", "transpose", f"{shown} is used without its transpose", f"use {shown}.T"),
            replace_walk(tree, node, node.value),
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        for side in (node.left, node.right):
            if isinstance(side, ast.Name):
                yield (
                    Mutation(
                        f"add-T:{side.id}", "transpose", f"{side.id} is transposed where it should not be", f"use {side.id} without .T"
                    ),
                    replace_walk(tree, side, ast.Attribute(side, "T", ast.Load())),
                )


def _matmul_vs_elementwise(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        swapped = ast.BinOp(node.left, ast.Mult(), node.right)
        yield (
            Mutation(
                f"matmul-to-mult:{ast.unparse(node)}",
                "matmul-vs-elementwise",
                "an elementwise * where a matrix product is needed",
                "use np.dot(...) or @ for the matrix product",
            ),
            replace_walk(tree, node, swapped),
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        swapped = ast.BinOp(node.left, ast.MatMult(), node.right)
        yield (
            Mutation(
                f"mult-to-matmul:{ast.unparse(node)}",
                "matmul-vs-elementwise",
                "a matrix product where an elementwise * is needed",
                "use * (np.multiply) for the elementwise product",
            ),
            replace_walk(tree, node, swapped),
        )


# -- activation derivatives: g_prime(Z) in a formula ------------------------------------------------------
def _derivative(node: ast.AST, ctx: Context) -> tuple[str, str, str | None] | None:
    """(g, Z, A) for a node g_prime(Z) whose activation A = g(Z) is known, else A is None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.endswith("_prime")):
        return None
    z = ast.unparse(node.args[0]) if node.args else "Z"
    a = next((name for name, (act, pre) in ctx.activations.items() if pre == z), None)
    return node.func.id[: -len("_prime")], z, a


def _wrong_derivative(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if (found := _derivative(node, ctx)) is None:
        return
    g, z, a = found
    for other in ACTIVATIONS:
        if other != g:
            yield (
                Mutation(
                    f"deriv:{other}",
                    "wrong-activation-derivative",
                    f"{other}′ is used instead of {g}′",
                    f"use {g}′({z}) = {shown_a_form(g, a or z)}",
                    data=(g, z, a or ""),
                ),
                replace_walk(tree, node, expr(f"{other}_prime({z})")),
            )
            if a:
                yield (
                    Mutation(
                        f"deriv-A:{other}",
                        "wrong-activation-derivative",
                        f"{other}′ written with {a} ({shown_a_form(other, a)}) is used instead of {g}′",
                        f"use {g}′({z}) = {shown_a_form(g, a)}",
                        data=(g, z, a or ""),
                    ),
                    replace_walk(tree, node, expr(A_FORMS[other].format(a=a))),
                )


def _derivative_at_wrong_point(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if (found := _derivative(node, ctx)) is None:
        return
    g, z, a = found
    if a:
        yield (
            Mutation(
                "deriv-at-A",
                "derivative-at-wrong-point",
                f"{g}′ is evaluated at {a} instead of {z} ({g} applied twice)",
                f"evaluate the derivative at {z}: {g}′({z}) = {shown_a_form(g, a)}",
                data=(g, z, a or ""),
            ),
            replace_walk(tree, node, expr(f"{g}_prime({a})")),
        )
    yield (
        Mutation(
            "deriv-form-at-Z",
            "derivative-at-wrong-point",
            f"the formula {shown_a_form(g, z)} is applied to {z}; it holds for the activation {a or 'A'}, not for {z}",
            f"use {shown_a_form(g, a or 'A')} (or {g}′({z}))",
            data=(g, z, a or ""),
        ),
        replace_walk(tree, node, expr(A_FORMS[g].format(a=z))),
    )


def _derivative_operand(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if (found := _derivative(node, ctx)) is None:
        return
    g, z, a = found
    for other in ctx.arrays:
        if a and other != a and role(other) == role(a):
            yield (
                Mutation(
                    f"deriv-operand:{other}",
                    "wrong-operand",
                    f"the derivative {shown_a_form(g, other)} uses {other} where {a} belongs",
                    f"use {shown_a_form(g, a)}",
                    data=(g, z, a or ""),
                ),
                replace_walk(tree, node, expr(A_FORMS[g].format(a=other))),
            )


def _missing_derivative(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if (found := _derivative(node, ctx)) is None:
        return
    g, z, a = found
    yield (
        Mutation(
            "deriv-missing",
            "missing-activation-derivative",
            f"the factor {g}′({z}) is missing",
            f"multiply elementwise by {g}′({z}) = {shown_a_form(g, a or z)}",
            data=(g, z, a or ""),
        ),
        replace_walk(tree, node, ast.Constant(1.0)),
    )


# -- sums and means: keepdims and the axis -------------------------------------------------------------------
def _is_sum(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("sum", "mean")


def _missing_keepdims(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if _is_sum(node) and any(kw.arg == "keepdims" for kw in node.keywords):
        call = ast.Call(node.func, node.args, [k for k in node.keywords if k.arg != "keepdims"])
        yield (
            Mutation("drop-keepdims", "missing-keepdims", "keepdims=True is missing, so the result lost a dimension", "add keepdims=True"),
            replace_walk(tree, node, call),
        )


def _extra_keepdims(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if _is_sum(node) and any(kw.arg == "axis" for kw in node.keywords) and not any(kw.arg == "keepdims" for kw in node.keywords):
        call = ast.Call(node.func, node.args, [*node.keywords, ast.keyword("keepdims", ast.Constant(True))])
        yield (
            Mutation(
                "add-keepdims",
                "extra-keepdims",
                "keepdims=True keeps the summed axis as a dimension of size 1, where the result should not have it",
                "remove keepdims=True",
            ),
            replace_walk(tree, node, call),
        )


def _missing_reshape(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    """``reshape_like(dout @ w.T, x)`` without the reshape: the flat gradient left flat."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "reshape_like" and len(node.args) == 2:
        shown = ast.unparse(node.args[1])
        yield (
            Mutation(
                f"drop-reshape:{shown}",
                "missing-reshape",
                f"the result is not put back in the shape of {shown}: it keeps the flat shape of the product",
                f"reshape it: .reshape({shown}.shape)",
            ),
            replace_walk(tree, node, node.args[0]),
        )


def _softmax_axis(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "softmax"):
        return
    axis = next((kw.value for kw in node.keywords if kw.arg == "axis"), None)
    if isinstance(axis, ast.Constant) and axis.value in (0, 1):
        other = ast.keyword("axis", ast.Constant(1 - axis.value))
        call = ast.Call(node.func, node.args, [other if k.arg == "axis" else k for k in node.keywords])
        yield (
            Mutation(
                "softmax-axis",
                "wrong-sum-axis",
                f"softmax is normalized over axis={1 - axis.value} instead of axis={axis.value}: "
                + (
                    "each class's column sums to 1 across the examples, not each example's row across the classes"
                    if axis.value == 1
                    else "the wrong axis sums to 1"
                ),
                f"subtract the max and divide by the sum over axis={axis.value} with keepdims=True",
            ),
            replace_walk(tree, node, call),
        )


def _wrong_sum_axis(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    yield from _softmax_axis(tree, node, ctx)
    if not _is_sum(node):
        return
    kws = {kw.arg: kw for kw in node.keywords}
    if "axis" not in kws:
        for axis in (0, 1):
            call = ast.Call(node.func, node.args, [*node.keywords, ast.keyword("axis", ast.Constant(axis))])
            yield (
                Mutation(
                    f"add-axis:{axis}",
                    "wrong-sum-axis",
                    f"the sum runs over axis={axis} only instead of over every element",
                    "sum over every element (no axis)",
                ),
                replace_walk(tree, node, call),
            )
        return
    call = ast.Call(node.func, node.args, [k for k in node.keywords if k.arg != "axis"])
    yield (
        Mutation(
            "drop-axis",
            "wrong-sum-axis",
            "the sum has no axis, so it adds up every element",
            "sum over axis=1 (over the examples)",
            data=(ast.unparse(kws["axis"].value),),
        ),
        replace_walk(tree, node, call),
    )
    axis = kws["axis"].value
    if isinstance(axis, ast.Constant) and axis.value in (0, 1):
        other = ast.keyword("axis", ast.Constant(1 - axis.value))
        call = ast.Call(node.func, node.args, [other if k.arg == "axis" else k for k in node.keywords])
        yield (
            Mutation(
                "other-axis",
                "wrong-sum-axis",
                f"the sum is over axis={1 - axis.value} instead of axis={axis.value}",
                f"sum over axis={axis.value}",
            ),
            replace_walk(tree, node, call),
        )


# -- operands: another value in its place (A1 for A2, W1 for W2, X for A1, Z1 for A1) -------------------------
def _wrong_operand(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if isinstance(node, ast.Name) and node.id in ctx.arrays:
        for other in sorted(ctx.arrays, key=lambda o: role(o) != role(node.id)):
            if other != node.id and ctx.swappable(node.id, other):
                yield (
                    Mutation(f"operand:{node.id}->{other}", "wrong-operand", f"{other} is used where {node.id} belongs", f"use {node.id}"),
                    replace_walk(tree, node, ast.Name(other, ast.Load())),
                )


# -- forward formulas: the activation, a term ------------------------------------------------------------------
def _wrong_activation(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ACTIVATIONS):
        return
    for other in ACTIVATIONS:
        if other != node.func.id:
            yield (
                Mutation(
                    f"activation:{other}",
                    "wrong-activation",
                    f"{other} is used instead of {node.func.id}",
                    f"use {node.func.id}",
                    data=(node.func.id,),
                ),
                replace_walk(tree, node, ast.Call(ast.Name(other, ast.Load()), node.args, node.keywords)),
            )
    if node.args:
        shown = ast.unparse(node.args[0])
        yield (
            Mutation(
                "activation:none",
                "missing-activation",
                f"the activation {node.func.id} is missing ({shown} is used as it is)",
                f"apply {node.func.id}({shown})",
                data=(node.func.id,),
            ),
            replace_walk(tree, node, node.args[0]),
        )


def _missing_term(tree: ast.expr, node: ast.AST, ctx: Context) -> Found:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        dropped = ast.unparse(node.right)
        yield (
            Mutation(
                f"drop-term:{dropped}",
                "missing-term",
                f"the term {dropped} is missing",
                f"add {dropped}",
                data=("+" if isinstance(node.op, ast.Add) else "-",),
            ),
            replace_walk(tree, node, node.left),
        )


# The catalog, in the order its mutations are tried. Rules in one group visit each node of the
# formula in turn (so, at one node, a transposed operand comes before an elementwise product).
RULES: tuple[tuple[Rule, ...], ...] = (
    (Rule("missing-mean", ("missing-mean",), GC.SCALE_MISMATCH, _missing_mean),),
    (Rule("extra-mean", ("extra-mean",), GC.SCALE_MISMATCH, _extra_mean, whole=True),),
    (Rule("sign-flip", ("sign-flip",), GC.SCALE_MISMATCH, _sign_flip, whole=True),),
    (Rule("transposed-result", ("transpose",), GC.WRONG_SHAPE, _transposed_result, whole=True),),
    (
        Rule("transposed-operand", ("transpose",), GC.GRADIENT_MISMATCH, _transposed_operand),
        Rule("matmul-vs-elementwise", ("matmul-vs-elementwise",), GC.GRADIENT_MISMATCH, _matmul_vs_elementwise),
    ),
    (
        Rule("wrong-activation-derivative", ("wrong-activation-derivative",), GC.GRADIENT_MISMATCH, _wrong_derivative),
        Rule("derivative-at-wrong-point", ("derivative-at-wrong-point",), GC.GRADIENT_MISMATCH, _derivative_at_wrong_point),
        Rule("derivative-operand", ("wrong-operand",), GC.GRADIENT_MISMATCH, _derivative_operand),
        Rule("missing-activation-derivative", ("missing-activation-derivative",), GC.GRADIENT_MISMATCH, _missing_derivative),
        Rule("extra-activation-derivative", ("extra-activation-derivative",), GC.GRADIENT_MISMATCH, _extra_derivative),
    ),
    (
        Rule("missing-keepdims", ("missing-keepdims",), GC.WRONG_SHAPE, _missing_keepdims),
        Rule("extra-keepdims", ("extra-keepdims",), GC.WRONG_SHAPE, _extra_keepdims),
        Rule("missing-reshape", ("missing-reshape",), GC.WRONG_SHAPE, _missing_reshape),
        Rule("wrong-sum-axis", ("wrong-sum-axis",), GC.GRADIENT_MISMATCH, _wrong_sum_axis),
    ),
    (
        Rule("l2-term", ("missing-l2-term", "sign-flip", "l2-wrong-factor"), GC.COST_MISMATCH, _l2_term),
        Rule("l2-layer", ("l2-layer-missing",), GC.COST_MISMATCH, _l2_layer),
        Rule("l2-norm", ("l2-wrong-norm",), GC.COST_MISMATCH, _l2_norm),
        Rule("dropout", ("dropout-mask", "dropout-scale"), GC.GRADIENT_MISMATCH, _dropout),
        Rule("correct-class", ("correct-class",), GC.GRADIENT_MISMATCH, _correct_class),
        Rule("class-indexing", ("class-indexing",), GC.FORWARD_MISMATCH, _class_indexing),
        Rule("swapped-log-terms", ("swapped-log-terms",), GC.COST_MISMATCH, _swapped_logs),
    ),
    (Rule("extra-l2-term", ("extra-l2-term",), GC.GRADIENT_MISMATCH, _extra_l2_term, whole=True),),
    (Rule("wrong-operand", ("wrong-operand",), GC.GRADIENT_MISMATCH, _wrong_operand),),
    (Rule("missing-parentheses", ("missing-parentheses",), GC.GRADIENT_MISMATCH, _precedence),),
    (
        Rule("wrong-activation", ("wrong-activation", "missing-activation"), GC.FORWARD_MISMATCH, _wrong_activation, forward_only=True),
        Rule("missing-term", ("missing-term",), GC.FORWARD_MISMATCH, _missing_term, forward_only=True),
        Rule("wrong-operator", ("wrong-operator",), GC.FORWARD_MISMATCH, _wrong_operator, forward_only=True),
    ),
    (
        Rule("window-positions", ("stride-ignored", "padding"), GC.FORWARD_MISMATCH, _windows),
        Rule("pad-every-axis", ("padding",), GC.WRONG_SHAPE, _pad_every_axis),
        Rule("max-mask-axis", ("wrong-sum-axis",), GC.FORWARD_MISMATCH, _max_mask_axis),
    ),
    (
        Rule("value-of-another", ("wrong-index",), GC.WRONG_SHAPE, _value_of_another, whole=True),
        Rule("never-filled", ("not-computed",), GC.FORWARD_MISMATCH, _never_filled, whole=True),
    ),
)


def single(tree: ast.expr, ctx: Context) -> Found:
    """Every one-step mutation of ``tree``, rule group by rule group."""
    nodes = list(ast.walk(tree))
    for group in RULES:
        rules = [r for r in group if ctx.forward or not r.forward_only]
        for node in [tree] if all(r.whole for r in rules) else nodes:
            for rule in rules:
                yield from rule.visit(tree, node, ctx)


def pairs(tree: ast.expr, ctx: Context, limit: int = 4000) -> Iterator[tuple[tuple[Mutation, Mutation], ast.expr]]:
    """Two mutations applied one after the other (distinct keys), at most ``limit``."""
    count = 0
    for first, once in single(tree, ctx):
        for second, twice in single(once, ctx):
            if second.key == first.key or (first.tag == second.tag == "sign-flip"):
                continue
            yield (first, second), twice
            count += 1
            if count >= limit:
                return
