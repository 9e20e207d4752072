"""A small, safe formula language for reference computations.

Formulas are Python expressions over arrays (``W2.T @ dZ2 * tanh_prime(Z1)``), parsed
with :mod:`ast` and interpreted by walking the tree: no ``eval``, no builtins, no
attribute access except ``.T``, no imports. The tree is also what the diagnosis
mutates, so it is kept as a plain ``ast.expr``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import FormulaError

MAX_LENGTH = 2000
MAX_NODES = 400


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z, axis=0):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


# The vocabulary of formulas. Derivatives are named so the diagnosis can swap them.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh_prime": lambda z: 1.0 - np.tanh(z) ** 2,
    "sigmoid_prime": lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
    "relu_prime": lambda z: (z > 0).astype(np.float64),
    "softmax": _softmax,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "square": np.square,
    "sum": np.sum,
    "mean": np.mean,
    "max": np.max,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "where": np.where,
    "float": lambda x: np.asarray(x, dtype=np.float64),
    "zeros_like": np.zeros_like,
    "ones_like": np.ones_like,
}
ACTIVATIONS = ("tanh", "sigmoid", "relu")
KEYWORDS = frozenset({"axis", "keepdims"})

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.MatMult: lambda a, b: a @ b,
    ast.Pow: lambda a, b: np.float64(a) ** b,  # never Python's unbounded int power
}
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
}


def parse(text: str) -> ast.expr:
    """Parse and validate one formula; raise FormulaError naming the problem."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be a string (got {type(text).__name__})")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"formula syntax error at column {exc.offset or 0}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise FormulaError(f"formula cannot be parsed ({type(exc).__name__})") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError(f"formula has more than {MAX_NODES} parts")
    for node in nodes:
        _validate(node)
    return tree.body


def _validate(node: ast.AST) -> None:
    if isinstance(node, (ast.Expression, ast.Load, ast.keyword, ast.UAdd, ast.USub)):
        return
    if isinstance(node, (*_BINOPS, *_CMPOPS)):
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise FormulaError(f"operator {type(node.op).__name__} is not allowed in formulas")
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise FormulaError(f"operator {type(node.op).__name__} is not allowed in formulas")
        return
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1 or type(node.ops[0]) not in _CMPOPS:
            raise FormulaError("only single comparisons (>, >=, <, <=) are allowed in formulas")
        return
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or isinstance(value, bool):
            return
        if isinstance(value, (int, float)):
            if not math.isfinite(value) or abs(value) > 1e12:
                raise FormulaError(f"constant {value!r} is out of range")
            return
        raise FormulaError(f"constant {value!r} is not allowed; formulas use numbers only")
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise FormulaError(f"name {node.id!r} is not allowed (names may not start with '_')")
        return
    if isinstance(node, ast.Attribute):
        if node.attr != "T":
            raise FormulaError(f"attribute '.{node.attr}' is not allowed; only '.T' (transpose) is")
        return
    if isinstance(node, ast.Tuple):
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            shown = ast.unparse(node.func)
            raise FormulaError(f"unknown function {shown!r}; allowed: {', '.join(sorted(FUNCTIONS))}")
        for kw in node.keywords:
            if kw.arg not in KEYWORDS:
                raise FormulaError(f"keyword {kw.arg!r} is not allowed; allowed: axis, keepdims")
        return
    raise FormulaError(f"{type(node).__name__} is not allowed in formulas")


def names(tree: ast.AST) -> set[str]:
    """Value names a formula reads (function names excluded)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            out.add(node.id)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            out.discard(node.func.id)
    return out


def evaluate(tree: ast.AST, env: Mapping[str, Any]) -> Any:
    """Interpret a validated formula tree. Errors become FormulaError."""
    try:
        with np.errstate(all="ignore"):
            return _eval(tree, env)
    except FormulaError:
        raise
    except RecursionError:
        raise FormulaError("formula is nested too deeply") from None
    except Exception as exc:  # numpy shape errors and the like
        raise FormulaError(f"{type(exc).__name__}: {exc}") from None


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, env)
    if isinstance(node, ast.BinOp):
        return _BINOPS[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        right = _eval(node.comparators[0], env)
        return _CMPOPS[type(node.ops[0])](left, right).astype(np.float64)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in env:
            raise FormulaError(f"undefined name {node.id!r}")
        return env[node.id]
    if isinstance(node, ast.Attribute):
        return np.asarray(_eval(node.value, env)).T
    if isinstance(node, ast.Tuple):
        return tuple(_eval(e, env) for e in node.elts)
    if isinstance(node, ast.Call):
        func = FUNCTIONS[node.func.id]  # type: ignore[union-attr]
        args = [_eval(a, env) for a in node.args]
        kwargs = {kw.arg: _eval(kw.value, env) for kw in node.keywords}
        return func(*args, **kwargs)
    raise FormulaError(f"{type(node).__name__} is not allowed in formulas")


def unparse(tree: ast.AST) -> str:
    return ast.unparse(tree)


def pretty(tree_or_text: ast.AST | str) -> str:
    """Math-style rendering for students: ``W2ᵀ · dZ2 ∗ g′(Z1)``."""
    text = tree_or_text if isinstance(tree_or_text, str) else ast.unparse(tree_or_text)
    out = text.replace(".T", "ᵀ").replace(" @ ", " · ").replace(" * ", " ∗ ")
    for act in ACTIVATIONS:
        out = out.replace(f"{act}_prime(", f"{act}′(")
    return out
