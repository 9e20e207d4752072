"""The mistake catalog: transformations of a reference formula's syntax tree.

Each mutation turns the reference into what a student with one specific mistake
would have computed. Evaluating mutants and comparing them with the student's value
names the mistake. The catalog is data about formulas, so it works for every
assignment written as formulas.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..spec.formula import ACTIVATIONS


@dataclass(frozen=True)
class Mutation:
    key: str  # stable identity, for de-duplication across trials
    tag: str
    text: str  # what the student did, in words
    fix: str  # one sentence


@dataclass(frozen=True)
class Context:
    batch: str  # "m"
    activations: dict[str, tuple[str, str]]  # A1 -> ("tanh", "Z1"): A1 = tanh(Z1)
    arrays: tuple[str, ...]  # names of array values usable as operands
    forward: bool = False  # mutating a forward formula (tags become forward-mismatch)
    shapes: dict[str, tuple] | None = None  # name -> (shape, dtype kind), to keep operand swaps plausible

    def swappable(self, a: str, b: str) -> bool:
        """Could a student have typed b where a belongs? Same kind, and same shape or role."""
        if self.shapes is None or a not in self.shapes or b not in self.shapes:
            return True
        (sa, ka), (sb, kb) = self.shapes[a], self.shapes[b]
        if ka != kb or len(sa) != len(sb) or not sa:
            return False
        return sa == sb or _role(a) == _role(b) or {_role(a), _role(b)} == {"A", "X"}


# Each activation's derivative written with its output A (what students usually type).
A_FORMS = {"tanh": "1 - {a} ** 2", "sigmoid": "{a} * (1 - {a})", "relu": "float({a} > 0)"}
A_FORMS_SHOWN = {"tanh": "1 − {a}²", "sigmoid": "{a}·(1 − {a})", "relu": "({a} > 0)"}


def _expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _role(name: str) -> str:
    return re.sub(r"\d+$", "", name)


def _replace_walk(tree: ast.expr, target: ast.AST, new: ast.expr) -> ast.expr:
    # Deep-copy while swapping one node, matching by identity in the original.
    def clone(node):
        if node is target:
            return copy.deepcopy(new)
        if isinstance(node, ast.AST):
            fields = {}
            for name, value in ast.iter_fields(node):
                if isinstance(value, list):
                    fields[name] = [clone(v) for v in value]
                else:
                    fields[name] = clone(value)
            out = type(node)(**fields)
            return ast.copy_location(out, node) if hasattr(node, "lineno") else out
        return node

    return clone(tree)


def _is_batch(node: ast.AST, batch: str) -> bool:
    return isinstance(node, ast.Name) and node.id == batch


def _is_inverse_batch(node: ast.AST, batch: str) -> bool:
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and isinstance(node.left, ast.Constant)
        and node.left.value == 1
        and _is_batch(node.right, batch)
    )


def has_mean(tree: ast.expr, batch: str) -> bool:
    """Whether the formula divides by the batch size (a mean over examples)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and _is_batch(node.right, batch):
            return True
        if _is_inverse_batch(node, batch):
            return True
    return False


def single(tree: ast.expr, ctx: Context) -> Iterator[tuple[Mutation, ast.expr]]:
    """Every one-step mutation of ``tree``."""
    m = ctx.batch
    nodes = list(ast.walk(tree))
    # The 1/m: dropped, added, applied twice.
    for node in nodes:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and _is_batch(node.right, m):
            yield Mutation("drop-mean", "missing-mean", f"the 1/{m} is missing", f"divide by {m}: the cost J is the mean of the per-example losses"), _replace_walk(tree, node, node.left)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for keep, other in ((node.left, node.right), (node.right, node.left)):
                if _is_inverse_batch(other, m):
                    yield Mutation("drop-mean", "missing-mean", f"the 1/{m} is missing", f"multiply by 1/{m}: the cost J is the mean of the per-example losses"), _replace_walk(tree, node, keep)
    yield Mutation("add-mean", "extra-mean", f"an extra division by {m}", f"remove the extra 1/{m}"), ast.BinOp(copy.deepcopy(tree), ast.Div(), ast.Name(m, ast.Load()))
    yield Mutation("negate", "sign-flip", "the sign is flipped", "fix the sign: swap the order of the subtraction, or add or remove one minus sign"), ast.UnaryOp(ast.USub(), copy.deepcopy(tree))
    yield Mutation("transpose-result", "transpose", "the result is transposed", "compute the product in the other order (or transpose it back)"), ast.Attribute(copy.deepcopy(tree), "T", ast.Load())
    for node in nodes:
        if isinstance(node, ast.Attribute) and node.attr == "T":
            shown = ast.unparse(node.value)
            yield Mutation(f"drop-T:{shown}", "transpose", f"{shown} is used without its transpose", f"use {shown}.T"), _replace_walk(tree, node, node.value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            for side in (node.left, node.right):
                if isinstance(side, ast.Name):
                    yield Mutation(f"add-T:{side.id}", "transpose", f"{side.id} is transposed where it should not be", f"use {side.id} without .T"), _replace_walk(tree, side, ast.Attribute(side, "T", ast.Load()))
            swapped = ast.BinOp(node.left, ast.Mult(), node.right)
            yield Mutation(f"matmul-to-mult:{ast.unparse(node)}", "matmul-vs-elementwise", "an elementwise * where a matrix product is needed", "use np.dot(...) or @ for the matrix product"), _replace_walk(tree, node, swapped)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            swapped = ast.BinOp(node.left, ast.MatMult(), node.right)
            yield Mutation(f"mult-to-matmul:{ast.unparse(node)}", "matmul-vs-elementwise", "a matrix product where an elementwise * is needed", "use * (np.multiply) for the elementwise product"), _replace_walk(tree, node, swapped)
    # Activation derivatives.
    for node in nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.endswith("_prime"):
            g = node.func.id[: -len("_prime")]
            z = ast.unparse(node.args[0]) if node.args else "Z"
            a = next((name for name, (act, pre) in ctx.activations.items() if pre == z), None)
            for other in ACTIVATIONS:
                if other != g:
                    yield Mutation(f"deriv:{other}", "wrong-activation-derivative", f"{other}′ is used instead of {g}′", f"use {g}′({z}) = {_shown_a_form(g, a or z)}"), _replace_walk(tree, node, _expr(f"{other}_prime({z})"))
                    if a:
                        yield Mutation(f"deriv-A:{other}", "wrong-activation-derivative", f"{other}′ written with {a} ({_shown_a_form(other, a)}) is used instead of {g}′", f"use {g}′({z}) = {_shown_a_form(g, a)}"), _replace_walk(tree, node, _expr(A_FORMS[other].format(a=a)))
            if a:
                yield Mutation("deriv-at-A", "derivative-at-wrong-point", f"{g}′ is evaluated at {a} instead of {z} ({g} applied twice)", f"evaluate the derivative at {z}: {g}′({z}) = {_shown_a_form(g, a)}"), _replace_walk(tree, node, _expr(f"{g}_prime({a})"))
            yield Mutation("deriv-form-at-Z", "derivative-at-wrong-point", f"the formula {_shown_a_form(g, z)} is applied to {z}; it holds for the activation {a or 'A'}, not for {z}", f"use {_shown_a_form(g, a or 'A')} (or {g}′({z}))"), _replace_walk(tree, node, _expr(A_FORMS[g].format(a=z)))
            for other in ctx.arrays:
                if a and other != a and _role(other) == _role(a):
                    yield Mutation(f"deriv-operand:{other}", "wrong-operand", f"the derivative {_shown_a_form(g, other)} uses {other} where {a} belongs", f"use {_shown_a_form(g, a)}"), _replace_walk(tree, node, _expr(A_FORMS[g].format(a=other)))
            yield Mutation("deriv-missing", "missing-activation-derivative", f"the factor {g}′({z}) is missing", f"multiply elementwise by {g}′({z}) = {_shown_a_form(g, a or z)}"), _replace_walk(tree, node, ast.Constant(1.0))
    # Sums and means: the axis and keepdims.
    for node in nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("sum", "mean"):
            kws = {kw.arg: kw for kw in node.keywords}
            if "keepdims" in kws:
                call = ast.Call(node.func, node.args, [k for k in node.keywords if k.arg != "keepdims"])
                yield Mutation("drop-keepdims", "missing-keepdims", "keepdims=True is missing, so the result lost a dimension", "add keepdims=True"), _replace_walk(tree, node, call)
            if "axis" not in kws:
                for axis in (0, 1):
                    call = ast.Call(node.func, node.args, [*node.keywords, ast.keyword("axis", ast.Constant(axis))])
                    yield Mutation(f"add-axis:{axis}", "wrong-sum-axis", f"the sum runs over axis={axis} only instead of over every element", "sum over every element (no axis)"), _replace_walk(tree, node, call)
            if "axis" in kws:
                call = ast.Call(node.func, node.args, [k for k in node.keywords if k.arg != "axis"])
                yield Mutation("drop-axis", "wrong-sum-axis", "the sum has no axis, so it adds up every element", "sum over axis=1 (over the examples)"), _replace_walk(tree, node, call)
                axis = kws["axis"].value
                if isinstance(axis, ast.Constant) and axis.value in (0, 1):
                    other = ast.keyword("axis", ast.Constant(1 - axis.value))
                    call = ast.Call(node.func, node.args, [other if k.arg == "axis" else k for k in node.keywords])
                    yield Mutation("other-axis", "wrong-sum-axis", f"the sum is over axis={1 - axis.value} instead of axis={axis.value}", f"sum over axis={axis.value}"), _replace_walk(tree, node, call)
    # Wrong operand: another value in its place (A1 for A2, W1 for W2, X for A1, Z1 for A1).
    for node in nodes:
        if isinstance(node, ast.Name) and node.id in ctx.arrays:
            for other in sorted(ctx.arrays, key=lambda o: _role(o) != _role(node.id)):
                if other != node.id and ctx.swappable(node.id, other):
                    yield Mutation(f"operand:{node.id}->{other}", "wrong-operand", f"{other} is used where {node.id} belongs", f"use {node.id}"), _replace_walk(tree, node, ast.Name(other, ast.Load()))
    # Forward formulas: activations swapped, a term dropped.
    if ctx.forward:
        for node in nodes:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ACTIVATIONS:
                for other in ACTIVATIONS:
                    if other != node.func.id:
                        yield Mutation(f"activation:{other}", "forward-mismatch", f"{other} is used instead of {node.func.id}", f"use {node.func.id}"), _replace_walk(tree, node, ast.Call(ast.Name(other, ast.Load()), node.args, node.keywords))
                if node.args:
                    shown = ast.unparse(node.args[0])
                    yield Mutation("activation:none", "forward-mismatch", f"the activation {node.func.id} is missing ({shown} is used as it is)", f"apply {node.func.id}({shown})"), _replace_walk(tree, node, node.args[0])
            if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
                dropped = ast.unparse(node.right)
                yield Mutation(f"drop-term:{dropped}", "forward-mismatch", f"the term {dropped} is missing", f"add {dropped}"), _replace_walk(tree, node, node.left)


def _shown_a_form(g: str, a: str) -> str:
    return A_FORMS_SHOWN[g].format(a=a)


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
