"""Sentences for findings: the J-versus-L story, hints for exceptions, notes for the table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Words:
    """What a writer (messages.WRITERS) gives a finding: its message, its fix and its extra lines."""

    message: str
    hint: str | None = None
    details: tuple[str, ...] = ()


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


# -- what a crashing call handed its callee (messages.gc101, diagnose/crash.py) --------------------------------
def structure_words(got, top: bool = True) -> str:
    """``a list of 3 tuples``, ``an array of shape (3, 4)``, ``a tuple of 2``, ``None``."""
    kind = got.type
    if kind == "NoneType":
        return "None"
    if kind in ("ndarray", "matrix"):
        return f"an array of shape {tuple(got.shape)}" if got.shape is not None and top else "an array"
    if kind in ("list", "tuple", "dict") and got.length is not None:
        inner = {structure_words(i, top=False) for i in got.items}
        of = ""
        if len(inner) == 1 and got.length > 0:
            one = inner.pop()
            plural = {"an array": "arrays", "None": "Nones"}.get(one, one.split(" of ")[0].split(" ", 1)[-1] + "s")
            of = f" {plural}" if top else ""
        return f"a {kind} of {got.length}{of}" if kind != "dict" else f"a dict of {got.length} entries"
    return f"a {kind}"


def _template_words(t, shown: dict[str, str]) -> str:
    if isinstance(t, str):
        return f'"{t[1:]}"' if t.startswith("=") else shown.get(t, t)
    if isinstance(t, dict):
        return "a dict"
    if len(t) == 1 and isinstance(t[0], dict) and "item" in t[0]:
        return f"[{_template_words(t[0]['item'], shown)}, …]"
    return "(" + ", ".join(_template_words(x, shown) for x in t) + ")"


def expected_words(t, shown: dict[str, str]) -> str:
    if isinstance(t, str):
        return "a string " + _template_words(t, shown) if t.startswith("=") else "an array"
    if isinstance(t, dict):
        return "a dict"
    if len(t) == 1 and isinstance(t[0], dict) and "item" in t[0]:
        return f"a list of {_template_words(t[0]['item'], shown)}"
    return f"a tuple of {len(t)}: {_template_words(t, shown)}"
