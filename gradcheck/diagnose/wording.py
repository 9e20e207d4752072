"""Sentences for findings: the J-versus-L story, hints for exceptions, notes for the table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def exception_hint(error_type: str, msg: str) -> str | None:
    """A hint matched to an exception's type and message, when one fits."""
    if error_type == "AttributeError" and "numpy" in msg:
        for old, new in (("asscalar", "x.item()"), ("'float'", "float"), ("'int'", "int"), ("'bool'", "bool"), ("'object'", "object")):
            if old in msg:
                return f"that numpy API was removed; use {new} instead"
    if "not aligned" in msg or "mismatch in its core dimension" in msg:
        return "the shapes of a matrix product do not fit: write each operand's shape next to the line (with the assignment's names, such as (n_h, m)) and check which one needs a transpose"
    if "broadcast" in msg:
        return "two arrays of incompatible shapes meet in an elementwise operation; check each operand's shape"
    return None


def j_vs_l(name: str, wrt: str, per_example: bool, m: str) -> str:
    if per_example:
        return (
            f"{name} is dL/d{wrt}, the derivative of each example's own loss L⁽ⁱ⁾ — one column per example, no 1/{m}. "
            f"The 1/{m} enters only where the {m} examples are summed: in dW and db, which are derivatives of the cost J = (1/{m})·Σ L⁽ⁱ⁾."
        )
    return (
        f"{name} is ∂J/∂{wrt}, where the cost J = (1/{m})·Σᵢ L⁽ⁱ⁾ is the mean of the {m} per-example losses. "
        f"Each example contributes its own term to {name}; adding up the {m} terms and dividing by {m} gives {name}."
    )


def name_hint(name: str) -> str:
    if name == "sigmoid":
        return "define sigmoid(z) = 1 / (1 + np.exp(-z)) in your file, or import it"
    return f"define {name} inside the function or pass it in; graded functions cannot see notebook variables"


def sentence(text: str) -> str:
    """Capitalize prose, but never an identifier such as forward_propagation."""
    first = text.split(" ", 1)[0]
    if "_" in first or any(c.isdigit() for c in first):
        return text + "."
    return text[0].upper() + text[1:] + "."


def template_text(t: Any, shown: Callable[[str], str]) -> str:
    if isinstance(t, str):
        return shown(t)
    if isinstance(t, dict):
        return "{" + ", ".join(f'"{k}": {template_text(v, shown)}' for k, v in t.items()) + "}"
    return "(" + ", ".join(template_text(v, shown) for v in t) + ")"


def verdict_note(v: Any, shown: Callable[[str], str] = str) -> str:
    """The table's note for a failed value: wrong here, or which value it follows from (by the
    student's names for it: ``shown`` is the spec's)."""
    if v is None or v.status == "root":
        return "wrong here"
    if v.status == "consequence":
        return f"follows from {', '.join(sorted(shown(c) for c in v.causes))}"
    return v.status
