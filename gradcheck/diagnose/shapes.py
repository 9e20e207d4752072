"""Shapes written with the assignment's dimension names: (n_h, m) rather than (4, 7)."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from ..spec import formula as fm
from ..spec.model import Formula


def symbolic(shape: tuple[int, ...], dims: dict[str, int]) -> str:
    by_size: dict[int, list[str]] = {}
    for name, size in dims.items():
        by_size.setdefault(size, []).append(name)
    parts = []
    for s in shape:
        names = by_size.get(s, [])
        ambiguous = not names or s == 1 or len(names) > 3  # more than three names for one size say nothing (conv's f, stride, n_W, …)
        parts.append(names[0] if len(names) == 1 and s != 1 else str(s) if ambiguous else "/".join(names))
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def chain_text(name: str, formula: Formula, env: dict[str, Any], dims: dict[str, int]) -> str:
    """``dZ1 = W2ᵀ · dZ2 ∗ tanh′(Z1)`` with each operand's shape and the result's."""
    parts: list[str] = []
    seen: set[str] = set()

    def visit(node: ast.AST) -> None:  # left to right, as the formula reads
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            key, value = node.value.id + "ᵀ", env.get(node.value.id)
            if key not in seen and isinstance(value, np.ndarray):
                seen.add(key)
                parts.append(f"{key} {symbolic(value.T.shape, dims)}")
            return
        if isinstance(node, ast.Name):
            value = env.get(node.id)
            if node.id not in seen and isinstance(value, np.ndarray):
                seen.add(node.id)
                parts.append(f"{node.id} {symbolic(value.shape, dims)}")
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(formula.tree)
    result = env.get(name)
    shown = {"J": "cost", "L": "loss"}.get(name, name)
    out = symbolic(np.shape(result), dims) if result is not None else "?"
    return f"{shown} = {fm.pretty(formula.text)}   with " + ", ".join(parts) + f"  →  {shown} {out}"
