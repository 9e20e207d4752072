"""A small, safe formula language for reference computations.

Formulas are Python expressions over arrays (``W2.T @ dZ2 * tanh_prime(Z1)``), parsed
with :mod:`ast` and interpreted by walking the tree: no ``eval``, no builtins, no
attribute access except ``.T``, no imports. The tree is also what the diagnosis
mutates, so it is kept as a plain ``ast.expr``.
"""

from __future__ import annotations

import ast
import difflib
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import FormulaError, UsageError
from . import formula_conv, formula_conv_slips, formula_cs231n_conv, formula_cs231n_rnn, formula_rnn, pyast
from .formula_rnn import sigmoid as _sigmoid

MAX_LENGTH = 2000
MAX_NODES = 400
MAX_ELEMENTS = 50_000_000  # largest array an operation may produce (400 MB of float64); --max-elements raises it


class ElementLimitError(UsageError):
    """A reference array larger than the cap: the sizes asked for, not the spec, are the problem
    (a usage error naming ``--max-elements``). Not a FormulaError, so no spec line is blamed."""

    def __init__(self, elements: int, limit: int) -> None:
        self.elements, self.limit = elements, limit
        super().__init__(
            f"these sizes need an array of {elements:,} elements ({elements * 8 / 1e6:,.0f} MB of float64), more than "
            f"the limit of {limit:,}: choose smaller sizes or raise the limit with --max-elements {elements} "
            "(see docs/instructors.md, 'Sizes and memory')"
        )


def set_max_elements(limit: int) -> None:
    """The element cap for this process (``--max-elements``)."""
    global MAX_ELEMENTS
    MAX_ELEMENTS = int(limit)


def _softmax(z, axis=0):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _flatten(x):
    """Each example (the first axis) as one row: CS231n's x.reshape(N, -1)."""
    x = np.asarray(x)
    if x.ndim == 0:
        raise FormulaError("flatten needs an array with a first (examples) axis")
    return x.reshape(x.shape[0], -1)


def _reshape_like(a, b):
    """``a`` in the shape of ``b`` (a flat gradient back in its input's shape)."""
    a, shape = np.asarray(a), np.shape(b)
    if a.size != int(np.prod(shape)):
        raise FormulaError(f"reshape_like cannot put {a.size} entries into shape {shape}")
    return a.reshape(shape)


def _onehot(y, k):
    k = int(k)
    if not 1 <= k <= 100_000:
        raise FormulaError(f"onehot: {k} classes is out of range")
    return (np.asarray(y)[..., None] == np.arange(k)).astype(np.float64)


# The vocabulary of formulas. Derivatives are named so the diagnosis can swap them.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh_prime": lambda z: 1.0 - np.tanh(z) ** 2,
    "sigmoid_prime": lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
    "relu_prime": lambda z: (np.asarray(z) > 0).astype(np.float64),
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
    "onehot": _onehot,
    "ones_like": np.ones_like,
    "flatten": _flatten,
    "reshape_like": _reshape_like,
}
FUNCTIONS.update(formula_conv.FUNCTIONS)  # conv and pooling over (m, n_H, n_W, n_C) arrays
FUNCTIONS.update(formula_rnn.FUNCTIONS)  # RNN and LSTM over (n, m, T_x) sequences
FUNCTIONS.update(formula_cs231n_rnn.FUNCTIONS)  # sequences (N, T, D), LSTM gates, word embeddings
FUNCTIONS.update(formula_cs231n_conv.FUNCTIONS)  # CS231n's conv, pooling and groups over (N, C, H, W)
FUNCTIONS.update(formula_conv_slips.FUNCTIONS)  # and as students get them wrong (for a spec's mistakes:)
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


# How forbidden constructs are named in messages (by ast class name).
_SYMBOLS = {"Mod": "%", "FloorDiv": "//", "LShift": "<<", "RShift": ">>", "BitOr": "|", "BitXor": "^", "BitAnd": "&",
            "Not": "not", "Invert": "~", "Eq": "==", "NotEq": "!=", "Lt": "<", "LtE": "<=", "Gt": ">", "GtE": ">=", "Is": "is", "IsNot": "is not", "In": "in", "NotIn": "not in"}  # fmt: skip
_CONSTRUCTS = {
    "Lambda": "a lambda", "Subscript": "indexing or slicing ([...])", "IfExp": "a conditional (... if ... else ...)",
    "BoolOp": "and/or", "List": "a list ([...])", "Dict": "a dict ({...})", "Set": "a set ({...})",
    "ListComp": "a comprehension", "SetComp": "a comprehension", "DictComp": "a comprehension", "GeneratorExp": "a generator",
    "NamedExpr": "an assignment (:=)", "Starred": "unpacking (*)", "JoinedStr": "an f-string", "Await": "await",
    "Yield": "yield", "YieldFrom": "yield", "Slice": "a slice", "Attribute": "a method or module function (x.f(...))",
    "Call": "the result of a call",
}  # fmt: skip


def _op(op: ast.AST) -> str:
    return f"'{_SYMBOLS[type(op).__name__]}'" if type(op).__name__ in _SYMBOLS else type(op).__name__


def parse(text: str) -> ast.expr:
    """Parse and validate one formula; raise FormulaError naming the problem."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be a string (got {type(text).__name__})")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise FormulaError("formula is empty")
    if "\x00" in text:
        raise FormulaError("formula cannot be parsed (it contains a NUL character)")
    try:
        tree = pyast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else " at the end of the formula" if exc.offset == 0 else ""
        raise FormulaError(f"formula syntax error{where}: {exc.msg}") from None
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
            raise FormulaError(f"operator {_op(node.op)} is not allowed in formulas; allowed: + - * / @ **")
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise FormulaError(f"operator {_op(node.op)} is not allowed in formulas")
        return
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1:
            raise FormulaError("chained comparisons (a < b < c) are not allowed in formulas; use one of >, >=, <, <=")
        if type(node.ops[0]) not in _CMPOPS:
            raise FormulaError(f"comparison {_op(node.ops[0])} is not allowed; formulas allow one of >, >=, <, <=")
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
        if not isinstance(node.func, ast.Name):
            raise FormulaError(f"only the formula functions can be called (not {_CONSTRUCTS.get(type(node.func).__name__, type(node.func).__name__)})")
        if node.func.id not in FUNCTIONS:
            close = difflib.get_close_matches(node.func.id, list(FUNCTIONS), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(sorted(FUNCTIONS))}"
            raise FormulaError(f"unknown function '{node.func.id}'; {hint}")
        for kw in node.keywords:
            if kw.arg not in KEYWORDS:
                raise FormulaError(f"keyword {kw.arg!r} is not allowed; allowed: axis, keepdims")
        return
    kind = type(node).__name__
    raise FormulaError(f"{_CONSTRUCTS.get(kind, kind)} is not allowed in formulas")


def names(tree: ast.AST) -> set[str]:
    """Value names a formula reads (function names excluded)."""
    cached = getattr(tree, "_gc_names", None)  # a validated tree is never changed: walk it once
    if cached is None:
        called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        cached = frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in called)
        try:
            tree._gc_names = cached  # type: ignore[attr-defined]
        except AttributeError:
            pass
    return set(cached)


def evaluate(tree: ast.AST, env: Mapping[str, Any]) -> Any:
    """Interpret a validated formula tree. Errors become FormulaError."""
    try:
        with np.errstate(all="ignore"):
            return _eval(tree, env)
    except (FormulaError, ElementLimitError):
        raise
    except RecursionError:
        raise FormulaError("formula is nested too deeply") from None
    except Exception as exc:  # numpy shape errors and the like
        raise FormulaError(f"{type(exc).__name__}: {exc}") from None


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, env)
    if isinstance(node, ast.BinOp):
        left, right = _array(_eval(node.left, env)), _array(_eval(node.right, env))
        _check_size(left, right, matmul=isinstance(node.op, ast.MatMult))
        return _BINOPS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        value = _array(_eval(node.operand, env))
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.Compare):
        left, right = _array(_eval(node.left, env)), _array(_eval(node.comparators[0], env))
        _check_size(left, right)
        return np.asarray(_CMPOPS[type(node.ops[0])](left, right)).astype(np.float64)
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
        if len(args) > 1:
            _check_size(*args)
        return func(*args, **kwargs)
    raise FormulaError(f"{type(node).__name__} is not allowed in formulas")


def _array(value: Any) -> Any:
    """Tuples take part in arithmetic as arrays (never as Python sequences: ``(1,) * 10**9``)."""
    return np.asarray(value) if isinstance(value, tuple) else value


def _check_size(*operands: Any, matmul: bool = False) -> None:
    """Refuse an operation whose result would have more than MAX_ELEMENTS elements, before computing it."""
    try:
        sizes = [int(np.size(x)) for x in operands]
        if math.prod(sizes) <= MAX_ELEMENTS:  # the product bounds any broadcast or matmul result
            return
        shapes = [np.shape(x) for x in operands]
        if matmul and all(len(s) >= 2 for s in shapes):
            a, b = shapes
            n = math.prod(np.broadcast_shapes(a[:-2], b[:-2])) * a[-2] * b[-1]
        elif matmul:
            n = max(sizes)
        else:
            n = math.prod(np.broadcast_shapes(*shapes))
    except (ValueError, TypeError):
        return  # shapes that do not fit: the operation itself reports it
    if n > MAX_ELEMENTS:
        raise ElementLimitError(n, MAX_ELEMENTS)


def unparse(tree: ast.AST) -> str:
    return ast.unparse(tree)


def pretty(tree_or_text: ast.AST | str) -> str:
    """Math-style rendering for students: ``W2ᵀ · dZ2 ∗ g′(Z1)``."""
    text = tree_or_text if isinstance(tree_or_text, str) else ast.unparse(tree_or_text)
    out = text.replace(".T", "ᵀ").replace(" @ ", " · ").replace(" * ", " ∗ ")
    for act in ACTIVATIONS:
        out = out.replace(f"{act}_prime(", f"{act}′(")
    return out
