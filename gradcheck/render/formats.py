"""Report formats for CI and graders: one entry point, the exit-code policy, the fallbacks.

``render_format(report, fmt)`` returns the document for one of ``FORMATS`` as a string,
through the plain ``RENDERERS`` table. Renderers only read the report: they never decide
pass or fail, and a rendering bug degrades to a minimal valid document instead of raising.
The helpers renderers share are in ``common.py`` (re-exported here); renderers never import
this module or each other.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping

from ..report import Report
from .common import (
    INTERNAL_ERROR,
    belongs,
    check_name,
    clip,
    escape,
    failure_note,
    file_label,
    findings_for_check,
    has_internal_error,
    is_problem,
    number,
    points,
    safe_document,
    source_lines,
    unattached_findings,
    verdict,
)
from .console import capture
from .text import render as render_text

__all__ = [
    "FORMATS", "INTERNAL_ERROR", "RENDERERS", "belongs", "check_name", "clip", "exit_code", "file_label", "findings_for_check",
    "has_internal_error", "is_problem", "minimal_document", "number", "parse_report_option", "points", "render_format", "safe_document",
    "source_lines", "unattached_findings", "usage_error_document",
]  # fmt: skip


def _text(report: Report, env: Mapping[str, str]) -> str:
    return capture(lambda console: render_text(report, console), width=100)


def _module(name: str):
    """A renderer's module, imported when its format is first asked for: a command line
    renders one or two formats (junit's XML library alone is ~4 ms of start-up)."""
    import importlib

    return importlib.import_module(f"{__package__}.{name}")


# Each format's renderer: (report, environment) -> the document.
RENDERERS: dict[str, Callable[[Report, Mapping[str, str]], str]] = {
    "text": _text,
    "json": lambda report, env: _module("json_report").render(report),
    "markdown": lambda report, env: _module("markdown").render(report),
    "junit": lambda report, env: _module("junit").render(report),
    "gradescope": lambda report, env: _module("gradescope").render(report),
    "classroom50": lambda report, env: _module("classroom").render_classroom50(report, env=env),
    "classroom": lambda report, env: _module("classroom").render_classroom(report),
}

FORMATS: tuple[str, ...] = tuple(RENDERERS)


# --------------------------------------------------------------------------- entry points


def render_format(report: Report, fmt: str, *, env: Mapping[str, str] = os.environ) -> str:
    """The document for ``fmt`` (one of ``FORMATS``). Raises ValueError only for an unknown format."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    try:
        return safe_document(RENDERERS[fmt](report, env), fmt)
    except Exception as exc:  # noqa: BLE001 - each renderer already degrades; this is the last guard
        return safe_document(minimal_document(report, fmt, exc), fmt)


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


def parse_report_option(value: str) -> tuple[str, str]:
    """Split a ``--report FORMAT=FILE`` value; raises ValueError with a one-line reason."""
    fmt, sep, path = value.partition("=")
    fmt = fmt.strip()
    if not sep or not path:
        raise ValueError(f"--report {value!r}: expected FORMAT=FILE, e.g. gradescope=results.json")
    if fmt not in FORMATS:
        raise ValueError(f"--report {value!r}: unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return fmt, path


def usage_error_document(message: str, encoding: str | None = "utf-8") -> str:
    """What stdout holds under --format json when the command line is wrong (exit 2): a JSON
    error object instead of a report (docs/reports.md)."""
    doc = json.dumps({"error": {"kind": "usage", "message": str(message)}, "exit_code": 2}, ensure_ascii=False) + "\n"
    return safe_document(doc, "json", encoding)


# --------------------------------------------------------------------------- fallbacks


def minimal_document(report: Report, fmt: str, exc: BaseException | None = None) -> str:
    """The smallest valid document in ``fmt`` that still states the verdict."""
    name, passed, score, max_score = verdict(report)
    note = failure_note(fmt, exc)
    if fmt == "json":
        return (
            json.dumps({"assignment": name, "passed": passed, "score": number(score), "max_score": number(max_score), "render_error": note})
            + "\n"
        )
    if fmt == "markdown":
        return f"**{escape(name)}** — {'✅ passed' if passed else '❌ failed'} — score {points(score)} / {points(max_score)}\n\n{escape(note)}\n"
    if fmt == "junit":
        return _module("junit").minimal(report, note)
    if fmt == "gradescope":
        return json.dumps({"score": number(score), "output": note, "tests": []}) + "\n"
    if fmt == "classroom50":
        return _module("classroom").minimal_classroom50(report, note)
    if fmt == "classroom":
        return _module("classroom").minimal_classroom(report, note)
    return f"{'PASSED' if passed else 'FAILED'} — {name} — score {points(score)} / {points(max_score)}\n({note})\n"
