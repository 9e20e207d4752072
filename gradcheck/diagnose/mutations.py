"""Mutations of a reference formula: what one mistake is (its tag and its words), the context
the mistake rules (rules.py) read, and the syntax-tree helpers they share."""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass

from ..findings import Mistake
from ..spec import pyast


@dataclass(frozen=True)
class Mutation:
    key: str  # stable identity, for de-duplication across trials
    tag: str
    text: str  # what the student did, in words
    fix: str  # one sentence
    data: tuple[str, ...] = ()  # what the rule knew that the key does not say: (g, Z, A), an axis


def as_mistake(m: Mutation, shown=lambda n: n) -> Mistake:
    """The mutation as data for a fix: its key ("kind:arg", "operand:A2->A1", "in:dZ1:…") parsed."""
    within = None
    key = m.key
    if key.startswith("in:"):
        _, within, key = key.split(":", 2)
    kind, _, arg = key.partition(":")
    args = tuple(shown(a) for a in arg.split("->")) if kind in ("operand", "drop-T", "add-T", "deriv-operand") and arg else ((arg,) if arg else ())
    data = tuple(shown(d) if d and d[0].isalpha() and d not in ("tanh", "sigmoid", "relu") else d for d in m.data)
    return Mistake(kind, m.tag, args, data, shown(within) if within else None)


@dataclass(frozen=True)
class Context:
    batch: str  # "m"
    activations: dict[str, tuple[str, str]]  # A1 -> ("tanh", "Z1"): A1 = tanh(Z1)
    arrays: tuple[str, ...]  # names of array values usable as operands
    forward: bool = False  # mutating a forward formula (tags become forward-mismatch)
    shapes: dict[str, tuple] | None = None  # name -> (shape, dtype kind), to keep operand swaps plausible
    masks: tuple[str, ...] = ()  # dropout masks (the values a student draws: D1, D2, mask)
    scalars: tuple[str, ...] = ()  # plain-number values (lambd, reg, keep_prob), never a size
    params: tuple[str, ...] = ()  # the network's weights, which an L2 term penalizes
    l2: tuple[str, ...] = ()  # the regularization strengths some formula of the spec uses (lambd)
    wrt: str = ""  # the value a gradient differentiates (b3 for db3), "" for a forward value
    constants: tuple[tuple[str, float], ...] = ()  # numbers the student never names (CS231n's l2_scale), for words
    name: str = ""  # the value being explained (dA2), "" when unknown

    def swappable(self, a: str, b: str) -> bool:
        """Could a student have typed b where a belongs? Same kind, and same shape or role."""
        if self.shapes is None or a not in self.shapes or b not in self.shapes:
            return True
        (sa, ka), (sb, kb) = self.shapes[a], self.shapes[b]
        if ka != kb or len(sa) != len(sb) or not sa:
            return False
        return sa == sb or role(a) == role(b) or {role(a), role(b)} == {"A", "X"}


# Each activation's derivative written with its output A (what students usually type).
A_FORMS = {"tanh": "1 - {a} ** 2", "sigmoid": "{a} * (1 - {a})", "relu": "float({a} > 0)"}
A_FORMS_SHOWN = {"tanh": "1 − {a}²", "sigmoid": "{a}·(1 − {a})", "relu": "({a} > 0)"}


def expr(text: str) -> ast.expr:
    return pyast.parse(text, mode="eval").body


def role(name: str) -> str:
    return re.sub(r"\d+$", "", name)


def replace_walk(tree: ast.expr, target: ast.AST, new: ast.expr) -> ast.expr:
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


def is_batch(node: ast.AST, batch: str) -> bool:
    return isinstance(node, ast.Name) and node.id == batch


def is_inverse_batch(node: ast.AST, batch: str) -> bool:
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and isinstance(node.left, ast.Constant)
        and node.left.value == 1
        and is_batch(node.right, batch)
    )


def has_mean(tree: ast.expr, batch: str) -> bool:
    """Whether the formula divides by the batch size (a mean over examples)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and is_batch(node.right, batch):
            return True
        if is_inverse_batch(node, batch):
            return True
    return False


def shown_a_form(g: str, a: str) -> str:
    return A_FORMS_SHOWN[g].format(a=a)


def factors(node: ast.AST) -> list[ast.AST]:
    """The operands of a chain of * and / (``lambd / m * W3`` -> lambd, m, W3)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
        return factors(node.left) + factors(node.right)
    return [node]


def is_square_sum(node: ast.AST) -> bool:
    """``sum(square(W))``: one weight's squared norm."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "sum"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Call)
        and isinstance(node.args[0].func, ast.Name)
        and node.args[0].func.id == "square"
    )


def names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def fold_constants(tree: ast.expr, constants: dict[str, float]) -> ast.expr:
    """``tree`` with each named constant written as its number and the products that become
    plain numbers worked out (``2 * l2_scale * reg * W`` is ``2 * reg * W`` when l2_scale = 1,
    ``reg * W`` when it is 0.5); ``tree`` itself when it names none of them."""
    if not constants or not names_in(tree) & set(constants):
        return tree

    class _Fold(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return ast.Constant(constants[node.id]) if node.id in constants else node

        def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
            self.generic_visit(node)
            if not isinstance(node.op, ast.Mult):
                return node
            left, right = (n.value if isinstance(n, ast.Constant) and isinstance(n.value, int | float) else None for n in (node.left, node.right))
            if left is not None and right is not None:
                product = left * right
                return ast.Constant(int(product) if float(product).is_integer() else product)
            if left == 1:
                return node.right
            if right == 1:
                return node.left
            return node

    return _Fold().visit(copy.deepcopy(tree))
