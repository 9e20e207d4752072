"""Report formats for CI and graders: one entry point, the exit-code policy, shared helpers.

``render_format(report, fmt)`` returns the document for one of ``FORMATS`` as a string.
Renderers only read the report: they never decide pass or fail, and a rendering bug
degrades to a minimal valid document instead of raising.

Helpers used by several renderers (which findings explain a check, how a check is named,
numbers for JSON) live here too; the renderer modules are imported lazily, so importing
this module is cheap and free of cycles.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping

from ..findings import Finding
from ..report import CheckResult, Report

FORMATS: tuple[str, ...] = ("text", "json", "markdown", "junit", "gradescope", "classroom50", "classroom")

# The finding that means gradcheck itself failed (the submission was not fully graded).
INTERNAL_ERROR = "GC901"

# Findings that carry no check id but belong to a known check.
_CODE_TO_CHECK = {"GC304": "gradient_check"}


# --------------------------------------------------------------------------- entry points


def render_format(report: Report, fmt: str, *, env: Mapping[str, str] = os.environ) -> str:
    """The document for ``fmt`` (one of ``FORMATS``). Raises ValueError only for an unknown format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    try:
        if fmt == "text":
            return _render_text(report)
        if fmt == "json":
            from . import json_report

            return json_report.render(report)
        if fmt == "markdown":
            from . import markdown

            return markdown.render(report)
        if fmt == "junit":
            from . import junit

            return junit.render(report)
        if fmt == "gradescope":
            from . import gradescope

            return gradescope.render(report)
        from . import classroom

        if fmt == "classroom50":
            return classroom.render_classroom50(report, env=env)
        return classroom.render_classroom(report)
    except Exception as exc:  # noqa: BLE001 - each renderer already degrades; this is the last guard
        return minimal_document(report, fmt, exc)


def exit_code(report: Report, fmt: str, infrastructure_failure: bool = False, *, min_score: float | None = None) -> int:
    """The process exit code for a graded submission reported in ``fmt``.

    0 when the submission passes, 1 when it fails. ``classroom50`` is different: its runner
    treats any non-zero exit as an infrastructure error, so a failing grade exits 0 (the grade
    is in result.json) and only an infrastructure failure (``infrastructure_failure`` or a GC901
    finding in the report) exits 1. With ``min_score``, a score at or above it passes even when
    some check failed; an infrastructure failure never passes.
    """
    infra = bool(infrastructure_failure) or has_internal_error(report)
    if fmt == "classroom50":
        return 1 if infra else 0
    if infra:
        return 1
    if min_score is not None:
        try:
            return 0 if float(report.score) >= float(min_score) else 1
        except (TypeError, ValueError):
            return 1
    return 0 if report.passed else 1


def has_internal_error(report: Report) -> bool:
    """True when the report carries the GC901 internal-error finding."""
    try:
        return any(getattr(f, "code", None) == INTERNAL_ERROR for f in report.findings)
    except TypeError:
        return False


def parse_report_option(value: str) -> tuple[str, str]:
    """Split a ``--report FORMAT=FILE`` value; raises ValueError with a one-line reason."""
    fmt, sep, path = value.partition("=")
    fmt = fmt.strip()
    if not sep or not path:
        raise ValueError(f"--report {value!r}: expected FORMAT=FILE, e.g. gradescope=results.json")
    if fmt not in FORMATS:
        raise ValueError(f"--report {value!r}: unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return fmt, path


# --------------------------------------------------------------------------- shared helpers


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
    """Points for humans: 80, 2.5."""
    return f"{number(value):g}"


def source_lines(report: Report, f: Finding, limit: int = 20) -> list[tuple[int, str]]:
    """The student's lines for a finding's location, numbered (at most ``limit``)."""
    loc = f.location
    if loc is None or not report.source or not isinstance(loc.line, int) or loc.line < 1:
        return []
    lines = report.source.splitlines()
    end = loc.end_line if isinstance(loc.end_line, int) and loc.end_line >= loc.line else loc.line
    end = min(end, len(lines), loc.line + limit - 1)
    return [(n, lines[n - 1]) for n in range(loc.line, end + 1)]


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


# --------------------------------------------------------------------------- fallbacks


def _render_text(report: Report) -> str:
    from .console import capture
    from .text import render

    return capture(lambda console: render(report, console), width=100)


def _verdict(report: Report) -> tuple[str, bool, float, float]:
    try:
        name = str(report.assignment)
    except Exception:  # noqa: BLE001
        name = "unknown"
    score = float(number(getattr(report, "score", 0)))
    max_score = float(number(getattr(report, "max_score", 0)))
    return name, bool(getattr(report, "passed", False)), score, max_score


def minimal_document(report: Report, fmt: str, exc: BaseException | None = None) -> str:
    """The smallest valid document in ``fmt`` that still states the verdict."""
    name, passed, score, max_score = _verdict(report)
    why = f"{type(exc).__name__}: {exc}" if exc is not None else "rendering failed"
    note = f"gradcheck could not render the full {fmt} report ({why})"
    if fmt == "json":
        return (
            json.dumps({"assignment": name, "passed": passed, "score": number(score), "max_score": number(max_score), "render_error": note})
            + "\n"
        )
    if fmt == "markdown":
        from .markdown import escape

        return f"**{escape(name)}** — {'✅ passed' if passed else '❌ failed'} — score {points(score)} / {points(max_score)}\n\n{escape(note)}\n"
    if fmt == "junit":
        from .junit import minimal

        return minimal(report, note)
    if fmt == "gradescope":
        return json.dumps({"score": number(score), "output": note, "tests": []}) + "\n"
    if fmt == "classroom50":
        from .classroom import minimal_classroom50

        return minimal_classroom50(report, note)
    if fmt == "classroom":
        status = "pass" if passed else "fail"
        return json.dumps({"version": 1, "status": status, "max_score": number(max_score),
                           "tests": [{"name": "gradcheck", "status": status, "score": number(score), "message": note,
                                      "line_no": 0, "execution_time": 0, "test_code": "", "filename": "", "output": ""}]}) + "\n"  # fmt: skip
    return f"{'PASSED' if passed else 'FAILED'} — {name} — score {points(score)} / {points(max_score)}\n({note})\n"
