"""Indexed families in specs: one line for every layer of an L-layer network.

A key with ``{…}`` and a ``for`` range is expanded before the spec is read::

    depth: 3                                   # L
    dims:
      "n{l}": {min: 2, max: 6, for: "l = 1..L-1"}
    forward:
      "Z{l}": {formula: "W{l} @ A{l-1} + b{l}", for: "l = 1..L"}
    backward:
      "dZ{l}": {formula: "dA{l} * relu_prime(Z{l})", for: "l = L-1..1"}

Inside braces: the loop variable, ``L`` (the depth) and integer ``+``/``-``. Ranges run
up or down (``a..b``); templates use ``{for: "l = 1..L", item: …}`` in lists and
``{for: "l = 1..L", items: {…}}`` in mappings. Expansion keeps the source lines, so
errors still point at the spec's own line.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import SpecError
from .yamlsrc import LDict, LList, line_of, one_line, short_repr

BRACE = re.compile(r"\{([^{}]*)\}")
RANGE = re.compile(r"^\s*([a-z])\s*=\s*(.+?)\s*\.\.\s*(.+?)\s*$")
TERM = re.compile(r"^\s*(-?\d{1,6}|[A-Za-z])\s*((?:[+-]\s*\d{1,6}\s*)*)$")  # small numbers only
MAX_DEPTH = 50
SECTIONS_WITH_FAMILIES = ("dims", "values", "forward", "backward")


def _value(expr: str, env: dict[str, int], where: str, file: str, line: int | None) -> int:
    m = TERM.match(expr)
    if not m:
        raise SpecError(one_line(f"'{where}': cannot read the index expression {{{expr}}} (use l, L, numbers, + and -)"), file, line)
    head, rest = m.group(1), m.group(2)
    if head.lstrip("-").isdigit():
        total = int(head)
    elif head in env:
        total = env[head]
    else:
        raise SpecError(one_line(f"'{where}': unknown index '{head}' in {{{expr}}}"), file, line)
    for sign, num in re.findall(r"([+-])\s*(\d+)", rest):
        total += int(num) if sign == "+" else -int(num)
    return total


def substitute(text: str, env: dict[str, int], where: str, file: str, line: int | None) -> str:
    return BRACE.sub(lambda m: str(_value(m.group(1), env, where, file, line)), text)


def _range(spec: Any, env: dict[str, int], where: str, file: str, line: int | None) -> tuple[str, list[int]]:
    m = RANGE.match(spec) if isinstance(spec, str) else None
    if not m:
        raise SpecError(one_line(f"'{where}.for' must look like \"l = 1..L\" (got {short_repr(spec)})"), file, line)
    var = m.group(1)
    a = _value(m.group(2), env, where, file, line)
    b = _value(m.group(3), env, where, file, line)
    step = 1 if b >= a else -1
    if abs(b - a) + 1 > MAX_DEPTH:  # checked before the range is built
        raise SpecError(one_line(f"'{where}.for' has more than {MAX_DEPTH} values"), file, line)
    return var, list(range(a, b + step, step))


def _subst_tree(value: Any, env: dict[str, int], where: str, file: str, line: int | None) -> Any:
    if isinstance(value, str):
        return substitute(value, env, where, file, line)
    if isinstance(value, dict):
        out = LDict()
        out.line, out.lines = getattr(value, "line", line), {}
        for k, v in value.items():
            nk = substitute(k, env, where, file, line)
            out[nk] = _subst_tree(v, env, where, file, line_of(value, k))
            out.lines[nk] = line_of(value, k) or line
        return out
    if isinstance(value, list):
        out_l = LList()
        out_l.line, out_l.lines = getattr(value, "line", line), []
        for i, v in enumerate(value):
            out_l.append(_subst_tree(v, env, where, file, line_of(value, i)))
            out_l.lines.append(line_of(value, i) or line)
        return out_l
    return value


def _expand_section(section: Any, env: dict[str, int], name: str, file: str) -> Any:
    if not isinstance(section, dict):
        return section
    out = LDict()
    out.line, out.lines = getattr(section, "line", None), {}
    for key, value in section.items():
        line = line_of(section, key)
        if isinstance(value, dict) and "for" in value and "each" in value:
            # a block: several formulas per index, interleaved (Z1, A1, Z2, A2, …)
            var, values = _range(value["for"], env, f"{name}.{key}", file, line)
            each = value["each"]
            if not isinstance(each, dict):
                raise SpecError(one_line(f"'{name}.{key}.each' must be a mapping of name: formula"), file, line)
            for i in values:
                scope = {**env, var: i}
                for k, v in each.items():
                    nk = substitute(k, scope, f"{name}.{key}", file, line)
                    if nk in out:
                        raise SpecError(one_line(f"'{name}.{nk}' is defined twice by the block '{key}'"), file, line)
                    out[nk] = _subst_tree(v, scope, f"{name}.{key}", file, line_of(each, k) or line)
                    out.lines[nk] = line_of(each, k) or line
        elif isinstance(value, dict) and "for" in value:
            var, values = _range(value["for"], env, f"{name}.{key}", file, line)
            body = LDict({k: v for k, v in value.items() if k != "for"})
            body.line, body.lines = getattr(value, "line", line), {k: ln for k, ln in getattr(value, "lines", {}).items() if k != "for"}
            for i in values:
                scope = {**env, var: i}
                nk = substitute(key, scope, f"{name}.{key}", file, line)
                if nk in out:
                    raise SpecError(one_line(f"'{name}.{nk}' is defined twice by the family '{key}'"), file, line)
                item = _subst_tree(body, scope, f"{name}.{key}", file, line)
                if set(item) == {"formula"}:
                    item = item["formula"]  # a bare formula family: {formula, for}
                out[nk] = item
                out.lines[nk] = line
        else:
            nk = substitute(key, env, f"{name}.{key}", file, line) if "{" in key else key
            if nk in out:  # "n{L}" written out to a name a family already made
                raise SpecError(one_line(f"'{name}.{nk}' is defined twice ('{key}' and a family)"), file, line)
            out[nk] = _subst_tree(value, env, f"{name}.{key}", file, line) if "{" in str(value) else value
            out.lines[nk] = line
    return out


def _expand_template(value: Any, env: dict[str, int], where: str, file: str, line: int | None) -> Any:
    if isinstance(value, str):
        return substitute(value, env, where, file, line) if "{" in value else value
    if isinstance(value, list):
        out = LList()
        out.line, out.lines = getattr(value, "line", line), []
        for i, item in enumerate(value):
            ln = line_of(value, i) or line
            if isinstance(item, dict) and "for" in item and "item" in item:
                var, values = _range(item["for"], env, where, file, ln)
                for k in values:
                    out.append(_expand_template(item["item"], {**env, var: k}, where, file, ln))
                    out.lines.append(ln)
            else:
                out.append(_expand_template(item, env, where, file, ln))
                out.lines.append(ln)
        return out
    if isinstance(value, dict):
        if "for" in value and "items" in value:
            var, values = _range(value["for"], env, where, file, line)
            if not isinstance(value["items"], dict):
                raise SpecError(one_line(f"'{where}': 'items' of a {{for, items}} family must be a mapping"), file, line)
            merged = LDict()
            merged.line, merged.lines = line, {}
            for k in values:
                part = _expand_template(value["items"], {**env, var: k}, where, file, line)
                for key, sub in part.items():
                    merged[key] = sub
                    merged.lines[key] = line
            return merged
        out_d = LDict()
        out_d.line, out_d.lines = getattr(value, "line", line), {}
        for k, v in value.items():
            nk = substitute(k, env, where, file, line) if "{" in k else k
            out_d[nk] = _expand_template(v, env, where, file, line_of(value, k) or line)
            out_d.lines[nk] = line_of(value, k) or line
        return out_d
    return value


def expand(doc: Any, file: str, depth: int | None = None) -> Any:
    """The spec with every family written out for its ``depth`` (or ``depth``, when given:
    checking the network a student actually trains); other specs unchanged."""
    if not isinstance(doc, dict) or "depth" not in doc:
        if depth is not None:
            raise SpecError("this assignment has no 'depth', so its number of layers cannot be chosen", file)
        return doc
    depth = doc["depth"] if depth is None else depth
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise SpecError(one_line(f"'depth' must be a whole number from 1 to {MAX_DEPTH} (got {short_repr(depth)})"), file, line_of(doc, "depth"))
    env = {"L": depth}
    out = LDict()
    out.line, out.lines = getattr(doc, "line", None), dict(getattr(doc, "lines", {}))
    for key, value in doc.items():
        if key == "depth":
            continue
        if key in SECTIONS_WITH_FAMILIES:
            out[key] = _expand_section(value, env, key, file)
        elif key in ("parameters", "functions", "student_cost", "probes"):
            out[key] = _expand_template(value, env, key, file, line_of(doc, key))
        elif isinstance(value, str) and "{" in value:
            out[key] = substitute(value, env, key, file, line_of(doc, key))
        else:
            out[key] = value
    out.lines.pop("depth", None)
    return out
