"""Typed reads of a spec's YAML values, each failing with a SpecError that names the file and line."""

from __future__ import annotations

import difflib
import re
from typing import Any

from ..errors import FormulaError, SpecError
from . import formula as fm
from .yamlsrc import LDict, line_of, one_line

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class Reader:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, problem: str, container: Any = None, key: Any = None) -> SpecError:
        return SpecError(one_line(problem), self.file, line_of(container, key) if container is not None else None)

    def mapping(self, value: Any, what: str, parent: Any, key: Any, keys: dict[str, bool]) -> LDict:
        if not isinstance(value, dict):
            raise self.fail(f"'{what}' must be a mapping (got {shown_value(value)})", parent, key)
        for k in value:
            if k not in keys:
                close = close_name(k, keys)
                hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(sorted(keys))}"
                raise self.fail(f"unknown key '{k}' in '{what}'{hint}", value, k)
        for k, required in keys.items():
            if required and k not in value:
                raise self.fail(f"'{what}' is missing the required key '{k}'", parent, key)
        return value  # type: ignore[return-value]

    def name(self, value: Any, what: str, parent: Any, key: Any) -> str:
        if not isinstance(value, str) or not NAME_RE.match(value):
            raise self.fail(f"'{what}' must be a name like W1 or dZ2 (got {shown_value(value)})", parent, key)
        return value

    def text(self, value: Any, what: str, parent: Any, key: Any) -> str:
        if not isinstance(value, str):
            raise self.fail(f"'{what}' must be a string (got {shown_value(value)})", parent, key)
        return value

    def number(self, value: Any, what: str, parent: Any, key: Any, low: float = 0.0, high: float = 1e9) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise self.fail(f"'{what}' must be a number from {low:g} to {high:g} (got {shown_value(value)})", parent, key)
        return float(value)

    def integer(self, value: Any, what: str, parent: Any, key: Any, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(f"'{what}' must be a whole number from {low} to {high} (got {shown_value(value)})", parent, key)
        return value

    def formula(self, value: Any, what: str, parent: Any, key: Any) -> fm.ast.expr:
        if not isinstance(value, str):
            raise self.fail(f"'{what}' must be a formula string (got {shown_value(value)})", parent, key)
        try:
            return fm.parse(value)
        except FormulaError as exc:
            raise self.fail(f"in formula for '{what}': {exc}", parent, key) from None


def close_name(word: str, candidates: Any) -> list[str]:
    """The likeliest intended name for a misspelled ``word`` (a case slip first, then a near miss), if any."""
    candidates = [c for c in candidates if isinstance(c, str)]
    same = [c for c in candidates if c.lower() == word.lower()]
    return same[:1] or difflib.get_close_matches(word, candidates, n=1)


def shown_value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return type(value).__name__.replace("LDict", "a mapping").replace("LList", "a list")
    try:
        text = repr(value)
    except ValueError:  # an int with more digits than Python will print
        return "a very large number"
    return text if len(text) <= 40 else text[:37] + "..."
