"""The student's text as a syntax tree with character offsets: which statement a finding points
at, the value it assigns, and the small syntax helpers the inverse edits (edits.py) share."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from ..spec import pyast

_MATMUL_CALLS = ("dot", "matmul")
_LOOSE = (ast.BinOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Lambda, ast.UnaryOp, ast.NamedExpr)


@dataclass(frozen=True)
class Where:
    """The statement a finding points at, in the text being edited."""

    line: int
    end_line: int


class Source:
    """A text with its syntax tree and a map from (line, byte column) to character offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Notebook magics (%matplotlib, !pip) do not parse: blank them for the tree only.
        parsable = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in text.split("\n"))
        self.tree = pyast.parse(parsable)
        self.lines = text.split("\n")
        self.starts = [0]
        for ln in self.lines:
            self.starts.append(self.starts[-1] + len(ln) + 1)

    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + len(self.lines[line - 1].encode("utf-8")[:col].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def seg(self, node: ast.AST) -> str:
        a, b = self.span(node)
        return self.text[a:b]

    def splice(self, edits: list[tuple[int, int, str]]) -> str:
        out = self.text
        for a, b, new in sorted(edits, key=lambda e: e[0], reverse=True):
            out = out[:a] + new + out[b:]
        return out


def statement(src: Source, line: int) -> ast.stmt | None:
    """The innermost simple statement starting on ``line`` (else the one covering it)."""
    best = None
    for node in ast.walk(src.tree):
        inside = isinstance(node, ast.stmt) and not hasattr(node, "body") and node.lineno <= line <= (node.end_lineno or node.lineno)
        if inside and (best is None or node.lineno >= best.lineno):
            best = node
    return best


def enclosing_function(src: Source, line: int) -> ast.AST | None:
    found = None
    for node in ast.walk(src.tree):
        inside = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line <= (node.end_lineno or node.lineno)
        if inside and (found is None or node.lineno > found.lineno):
            found = node
    return found


def assigned_line(src: Source, line: int, name: str) -> int | None:
    """The last line before ``line``, in its function, that assigns ``name`` (a hidden intermediate)."""
    func = enclosing_function(src, line)
    if func is None:
        return None
    lines = [n.lineno for n in ast.walk(func) if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and n.lineno <= line
             and any(isinstance(t, ast.Name) and t.id == name for t in _targets(n))]  # fmt: skip
    return max(lines) if lines else None


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return [e for t in node.targets for e in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t])]
    return [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []


def value_of(stmt: ast.stmt, target: str) -> ast.expr | None:
    value = getattr(stmt, "value", None)
    if isinstance(value, ast.Dict):  # grads = {"dW1": …, …}: the entry for the target
        for k, v in zip(value.keys, value.values):
            if isinstance(k, ast.Constant) and k.value == target:
                return v
        return None
    return value if isinstance(value, ast.expr) else None


# -- small syntax helpers -------------------------------------------------------------------------
def _wrap(src: Source, node: ast.AST) -> str:
    text = src.seg(node)
    return f"({text})" if isinstance(node, _LOOSE) else text


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        f = node.func
        return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
    return None


def _is_matmul(node: ast.AST) -> bool:
    return (isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)) or (
        _call_name(node) in _MATMUL_CALLS and len(getattr(node, "args", ())) == 2
    )


def _has(node: ast.AST, pred) -> bool:
    return any(pred(n) for n in ast.walk(node))


def _names(node: ast.AST, name: str) -> list[ast.Name]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == name]


def _parents(root: ast.AST) -> dict[int, ast.AST]:
    return {id(c): p for p in ast.walk(root) for c in ast.iter_child_nodes(p)}


def _np(text: str) -> str:
    found = re.search(r"^\s*import\s+numpy\s+as\s+(\w+)", text, flags=re.M)
    return found.group(1) if found else "np"


def _operator_between(src: Source, left: ast.AST, right: ast.AST, old: str, new: str) -> tuple[int, int, str] | None:
    a, b = src.span(left)[1], src.span(right)[0]
    k = src.text.find(old, a, b)
    return (k, k + len(old), new) if k >= 0 else None


def derivative_form(g: str, a: str, np_: str, text: str) -> str | None:
    """g′ written with the activation ``a``, in the student's style (np.power if they use it)."""
    if g == "tanh":
        return f"(1 - {np_}.power({a}, 2))" if f"{np_}.power(" in text else f"(1 - {a} ** 2)"
    if g == "sigmoid":
        return f"({a} * (1 - {a}))"
    if g == "relu":
        return f"({a} > 0)"
    return None


_NUMPY_FUNCTIONS = ("sum", "square", "exp", "log", "sqrt", "abs", "mean", "maximum", "minimum", "tanh", "where")


def _numpy_term(term: str, np_: str) -> str:
    """A spec term in numpy: sum(square(W1)) is np.sum(np.square(W1))."""
    return re.sub(rf"(?<![\w.])({'|'.join(_NUMPY_FUNCTIONS)})(?=\()", rf"{np_}.\1", term)
