"""What a spec says about how results are shown, never how they are graded: the Gradescope
visibility of its tests (``visibility``, per function or for the whole spec), the finding
codes reported (``select`` / ``ignore``, the keys of ``[tool.gradcheck]``) and the reference
formulas as the course writes them (``references``). None of them changes a score or a verdict
(docs/spec-format.md)."""

from __future__ import annotations

import ast
import difflib
import re
from typing import Any

from ..findings import CODES
from .reader import Reader, shown_value

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")  # Gradescope's values
_CODE_RE = re.compile(r"GC\d{0,3}")


def read_visibility(r: Reader, parent: Any, key: str, what: str) -> str | None:
    """``parent[key]`` as one of Gradescope's visibilities, or None when it is not given."""
    if key not in parent:
        return None
    value = parent[key]
    if not isinstance(value, str) or value not in VISIBILITIES:
        raise r.fail(f"'{what}' must be one of {', '.join(VISIBILITIES)} (got {shown_value(value)})", parent, key)
    return value


def read_codes(r: Reader, root: Any, key: str) -> tuple[str, ...]:
    """``select:`` / ``ignore:``, a list of finding codes or prefixes (GC302, GC3), as in
    ``[tool.gradcheck]``; each is checked here so a typo fails at its line, not at grading."""
    if key not in root:
        return ()
    raw = root[key]
    if not isinstance(raw, list):
        raise r.fail(f"'{key}' must be a list of finding codes or prefixes such as [GC302, GC3] (got {shown_value(raw)})", root, key)
    out = []
    for i, item in enumerate(raw):
        code = item.strip().upper() if isinstance(item, str) else ""
        if not _CODE_RE.fullmatch(code) or not any(c.startswith(code) for c in CODES):
            close = difflib.get_close_matches(code or str(item), CODES, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else " (see docs/codes.md)"
            raise r.fail(f"'{key}[{i}]' must be a finding code or prefix such as GC302 or GC3 (got {shown_value(item)}){hint}", raw, i)
        out.append(code)
    return tuple(out)


def read_references(r: Reader, root: Any, known: Any) -> dict[str, str]:
    """``references:``, value name -> its formula as the course writes it, shown in reports and
    explain pages in place of the spec's own computation of it. A gradient check's difference
    is computed from the spec's bookkeeping (``planted_error / (planted_norm + grad_norm)``);
    the student wrote ``norm(grad - gradapprox) / (norm(grad) + norm(gradapprox))``. The text is
    a Python expression in the course's names; it is shown, never evaluated."""
    if "references" not in root:
        return {}
    raw = root["references"]
    if not isinstance(raw, dict):
        raise r.fail(
            f"'references' must be a mapping of value name: formula as the course writes it (got {shown_value(raw)})", root, "references"
        )
    out: dict[str, str] = {}
    for key, text in raw.items():
        if key not in known:
            close = difflib.get_close_matches(str(key), list(known), n=1)
            raise r.fail(
                f"'references' names '{key}', which the spec does not define" + (f"; did you mean '{close[0]}'?" if close else ""), raw, key
            )
        if not isinstance(text, str) or not text.strip():
            raise r.fail(f"'references.{key}' must be a formula (got {shown_value(text)})", raw, key)
        try:
            ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise r.fail(f"'references.{key}' is not a formula: {exc.msg}", raw, key) from None
        out[key] = " ".join(text.split())
    return out
