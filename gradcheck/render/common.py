"""Helpers every renderer shares: which findings explain a check, numbers and file names for
humans and JSON, the student's lines, and escaping for Markdown (Markdown and Gradescope).

Renderers import this module and never each other; ``formats.py`` maps each format to its
renderer.
"""

from __future__ import annotations

import math
import re

from ..findings import Finding, Location
from ..report import CheckResult, Report

# The finding that means gradcheck itself failed (the submission was not fully graded).
INTERNAL_ERROR = "GC901"

# Findings that carry no check id but belong to a known check.
_CODE_TO_CHECK = {"GC304": "gradient_check"}

# Characters with a meaning in CommonMark/GFM inline or block syntax, or in HTML.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|<>~&$@=:])")
_ORDERED = re.compile(r"(?m)^(\s*\d+)([.)])")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
# C0 controls but tab/newline, DEL, C1 controls, lone surrogates, bidi overrides and isolates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def has_internal_error(report: Report) -> bool:
    """True when the report carries the GC901 internal-error finding."""
    try:
        return any(getattr(f, "code", None) == INTERNAL_ERROR for f in report.findings)
    except TypeError:
        return False


def check_name(check: CheckResult) -> str:
    """The student-facing name of a check: "backward_propagation: dW1", or "gradient check"."""
    function = str(check.function or "")
    target = str(check.target or check.id or "check")
    return f"{function}: {target}" if function else target


def is_problem(f: Finding) -> bool:
    """Findings that explain a failed check: errors, warnings and the "follows upstream" cascades."""
    return f.level in ("error", "warning") or f.code == "GC303"


def belongs(f: Finding, check: CheckResult) -> bool:
    """Whether finding ``f`` explains ``check`` (see ``findings_for_check``)."""
    if f.check is not None:
        return f.check == check.id
    if f.code in _CODE_TO_CHECK:
        return _CODE_TO_CHECK[f.code] == check.id
    return f.target == check.target or bool(check.function and f.target == check.function)


def findings_for_check(report: Report, check: CheckResult) -> list[Finding]:
    """The findings that explain ``check``, in report order.

    A finding belongs to a check when its ``check`` equals the check's id; a finding without
    a check id belongs to the checks whose target (or function, for function-level findings
    such as a missing function or a raised exception) equals the finding's target. GC304
    (finite differences) findings without a check id belong to the gradient check only.
    Only errors, warnings and GC303 cascades are returned.
    """
    return [f for f in report.findings if is_problem(f) and belongs(f, check)]


def unattached_findings(report: Report) -> list[Finding]:
    """Error findings that explain no check in the report (for example GC901)."""
    return [f for f in report.findings if f.level == "error" and not any(belongs(f, c) for c in report.checks)]


def follows_callee(findings: list[Finding], report: Report) -> bool:
    """Whether GC303 findings sharing one ``caused_by`` follow from a function the caller
    relies on (its own error) rather than from values of their own function. A value's causes
    are values of the same function, each a row of the table (``function:value``); a callee is
    a function, never a value's name (tests/render/test_text.py checks every built-in spec)."""
    ids = {c.id for c in report.checks}
    for f in findings:
        entry = (f.check or "").partition(":")[0]
        causes = [c.strip() for c in (f.caused_by or "").split(",") if c.strip()]
        if not entry or not causes or any(f"{entry}:{c}" not in ids for c in causes):
            return True
    return False


def number(value: object) -> int | float:
    """A JSON-friendly number: an int when integral, non-finite values as 0."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    if not math.isfinite(x):
        return 0
    if x == int(x) and abs(x) < 2**53:
        return int(x)
    return round(x, 6)


def points(value: object) -> str:
    """Points for humans: 80, 2.5, 1.09 (for 1.0909…). Two decimals, rounded down, so that a
    score short of the maximum never reads as the maximum."""
    return f"{math.floor(number(value) * 100 + 1e-9) / 100:g}"


def source_lines(report: Report, f: Finding, limit: int = 20) -> list[tuple[int, str]]:
    """The student's lines for a finding's location, numbered (at most ``limit``)."""
    loc = f.location
    source = report.source
    if loc is not None and loc.cell is not None:  # a notebook: the line is the cell's
        source = report.cells.get(loc.cell, "")
    if loc is None or not source or not isinstance(loc.line, int) or loc.line < 1:
        return []
    lines = source.splitlines()
    end = loc.end_line if isinstance(loc.end_line, int) and loc.end_line >= loc.line else loc.line
    end = min(end, len(lines), loc.line + limit - 1)
    return [(n, lines[n - 1]) for n in range(loc.line, end + 1)]


def cell_label(loc: Location) -> str:
    """A notebook cell as the student finds it: ``In [7]`` from its saved execution count, else
    its position, saying so (``cell 4 (no execution count)``)."""
    return cell_name(loc.cell, loc.execution_count)


def cell_name(cell: int | None, count: int | None) -> str:
    """``cell_label`` from a cell's number and its saved execution count (None: none saved)."""
    if isinstance(count, int) and not isinstance(count, bool):
        return f"In [{count}]"
    return f"cell {cell} (no execution count)"


def place(loc: Location) -> str:
    """``In [7], line 3`` in a notebook, ``line 3`` in a file."""
    return f"{cell_label(loc)}, line {loc.line}" if loc.cell is not None else f"line {loc.line}"


def via_text(loc: Location | None) -> str | None:
    """The context line a location leads to (inside the helper it called), or None."""
    via = loc.via if loc is not None else None
    if via is None or not isinstance(via.line, int):
        return None
    same_cell = via.cell == loc.cell if loc is not None else True
    return f"via {place(via) if via.cell is not None and not same_cell else f'line {via.line}'}"


def file_label(path: str | None) -> str:
    """The file name shown to students (the last path component)."""
    if not path:
        return ""
    return re.split(r"[\\/]", str(path))[-1] or str(path)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marking the cut."""
    text = str(text)
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


# --------------------------------------------------------------------------- when rendering fails


def failure_note(fmt: str, exc: BaseException | None = None) -> str:
    """The sentence a minimal document carries when the full one could not be rendered."""
    why = f"{type(exc).__name__}: {exc}" if exc is not None else "rendering failed"
    return f"gradcheck could not render the full {fmt} report ({why})"


def verdict(report: Report) -> tuple[str, bool, float, float]:
    try:
        name = str(report.assignment)
    except Exception:  # noqa: BLE001
        name = "unknown"
    score = float(number(getattr(report, "score", 0)))
    max_score = float(number(getattr(report, "max_score", 0)))
    return name, bool(getattr(report, "passed", False)), score, max_score


# --------------------------------------------------------------------------- Markdown escaping


def sanitize(text: object) -> str:
    """Text without terminal escapes and control characters (newlines and tabs kept)."""
    s = str(text if text is not None else "")
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = _ANSI.sub("", s)
    return _CONTROL.sub("\ufffd", s)


def escape(text: object) -> str:
    """Inline text, one line: every Markdown/HTML-significant character backslash-escaped."""
    s = " ".join(sanitize(text).split("\n"))
    return _SPECIAL.sub(r"\\\1", s)


def escape_block(text: object) -> str:
    """Multi-line text as paragraphs: escaped, lines joined with hard breaks, no indentation."""
    paragraphs = re.split(r"\n\s*\n", sanitize(text).strip())
    out = []
    for para in paragraphs:
        lines = [_SPECIAL.sub(r"\\\1", line.strip()) for line in para.split("\n") if line.strip()]
        if lines:
            out.append(_ORDERED.sub(r"\1\\\2", "\\\n".join(lines)))
    return "\n\n".join(out)


def code_span(text: object) -> str:
    """``text`` as an inline code span whose delimiter no backtick run inside can close."""
    s = " ".join(sanitize(text).split("\n"))
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s.strip() else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def fenced(text: object, info: str = "") -> str:
    """``text`` as a fenced code block that nothing inside can close."""
    s = sanitize(text).rstrip("\n")
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{s}\n{fence}"


# --------------------------------------------------------------------------- documents that always encode

JSON_FORMATS = frozenset({"json", "gradescope", "classroom50", "classroom"})
_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_document(text: str, fmt: str, encoding: str | None = "utf-8") -> str:
    """A rendered document that ``encoding`` can always write, meaning unchanged.

    A lone surrogate (from a path with undecodable bytes, or any text a report carries)
    becomes the visible text ``\\udc80``, as replies.py writes it. Characters the encoding
    cannot hold become ``\\uXXXX`` escapes in JSON documents (where non-ASCII characters only
    occur inside strings, so the escape is the same string), character references in XML,
    and ASCII glyphs or backslash escapes in text and Markdown (console.encodable).
    """
    from .console import encodable, fits

    json_like = fmt in JSON_FORMATS
    text = _SURROGATE.sub(lambda m: ("\\\\" if json_like else "\\") + f"u{ord(m.group()):04x}", str(text))
    if fits(text, encoding):
        return text
    if json_like:
        return "".join(ch if fits(ch, encoding) else _json_escape(ch) for ch in text)
    if fmt == "junit":
        return text.encode("ascii", "xmlcharrefreplace").decode("ascii")
    return encodable(text, encoding)


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
# -- verified fixes (gradcheck/fixes/) ---------------------------------------------------------------
def fix_diff(f: Finding) -> list[str]:
    """The finding's verified fix as unified-diff lines (``-`` the line as it stands, ``+`` the change)."""
    if f.fix is None or f.fix.before is None or f.fix.after is None:  # fixes: hint withholds the code
        return []
    return [f"-{line}" for line in f.fix.before.split("\n")] + [f"+{line}" for line in f.fix.after.split("\n")]


def fix_where(f: Finding) -> str:
    fix = f.fix
    if fix is None:
        return ""
    name = file_label(fix.file)
    return f"{name} · cell [{fix.cell}], line {fix.line}" if fix.cell is not None else f"{name}:{fix.line}"


def fix_verdict(f: Finding) -> str:
    if f.fix is None:
        return ""
    return f"verified: with this change, {', '.join(f.fix.passes) or f.target} passes"


def hint_label(f: Finding, report: Report) -> str:
    """Words are a hint once fixes were looked for (only a verified diff is labelled fix, so a
    panel never shows two blocks called fix); with fixes off they are the fix."""
    return "hint" if report.fixes != "off" else "fix"
