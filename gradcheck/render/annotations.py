"""GitHub Actions: annotations and fencing off the student's output.

``annotations(report)`` returns workflow-command lines to print on stdout: one ``::error``
per error finding that has a source location (``::warning`` for warnings; notes get none),
at most ``MAX_PER_TYPE`` of each type because GitHub shows only 10 of each per step, and
a final ``::notice::`` that counts the rest. Escaping follows the runner's rules: in the
message ``%`` → ``%25``, CR → ``%0D``, LF → ``%0A``; in property values also ``:`` → ``%3A``
and ``,`` → ``%2C``. A student's text therefore cannot end a command or start a new one.

``wrap_student_output(text, token)`` surrounds what the submission printed with
``::stop-commands::TOKEN`` … ``::TOKEN::`` so the runner ignores any workflow command inside
it; use a fresh random token per run (``new_token()``).

The step summary is Markdown: ``markdown.append_step_summary``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from ..report import Report
from .common import cell_label, fix_diff, fix_verdict, via_text

MAX_PER_TYPE = 10  # GitHub shows at most 10 error and 10 warning annotations per step


def escape_data(text: object) -> str:
    """A workflow command's message (data)."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: object) -> str:
    """A workflow command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: object, **properties: object) -> str:
    """One workflow-command line: ``::name k=v,k=v::message`` (properties that are None are left out)."""
    props = ",".join(f"{k}={escape_property(v)}" for k, v in properties.items() if v is not None and v != "")
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotations(report: Report, *, env: Mapping[str, str] = os.environ) -> list[str]:
    """Annotation lines for the report's error and warning findings. Never raises."""
    try:
        return _annotations(report, env)
    except Exception as exc:  # noqa: BLE001 - a rendering bug must never break the CI step
        return [command("notice", f"gradcheck could not produce annotations ({type(exc).__name__}: {exc})", title="gradcheck")]


def _annotations(report: Report, env: Mapping[str, str]) -> list[str]:
    workspace = env.get("GITHUB_WORKSPACE")
    lines: list[str] = []
    left = {"error": 0, "warning": 0}
    shown = {"error": 0, "warning": 0}
    for f in report.findings:
        kind = f.level
        if kind not in ("error", "warning"):
            continue
        loc = f.location
        if loc is None or not isinstance(loc.line, int) or loc.line < 1:
            left[kind] += 1
            continue
        if shown[kind] >= MAX_PER_TYPE:
            left[kind] += 1
            continue
        shown[kind] += 1
        end = loc.end_line if isinstance(loc.end_line, int) and loc.end_line > loc.line else None
        message = f.message if not f.hint else f"{f.message}\nFix: {f.hint}"
        if loc.cell is not None:  # a notebook: the line is the cell's, as Jupyter numbers it
            message = f"{cell_label(loc)}, line {loc.line}: {message}"
        if via_text(loc):
            message += f"\n({via_text(loc)})"
        if f.fix is not None:
            message += "".join(f"\n{d}" for d in fix_diff(f)) + f"\n{fix_verdict(f)}"
        lines.append(command(kind, message, file=annotation_path(loc.file, workspace), line=loc.line, endLine=end,
                             title=f"{f.code} {f.target}"))  # fmt: skip
    if left["error"] or left["warning"]:
        parts = []
        for kind in ("error", "warning"):
            n = left[kind]
            if n:
                parts.append(f"{n} more {kind}{'s' if n != 1 else ''}")
        text = f"gradcheck: {' and '.join(parts)} not shown as annotations (no source line, or over GitHub's limit of {MAX_PER_TYPE} per type); see the step summary or the JSON report"
        lines.append(command("notice", text, title="gradcheck"))
    return lines


def annotation_path(path: str, workspace: str | None = None) -> str:
    """``path`` as GitHub expects it: relative to the workspace when inside it, with forward slashes."""
    p = str(path)
    if workspace:
        try:
            rel = Path(p).resolve().relative_to(Path(workspace).resolve())
            p = str(rel)
        except (ValueError, OSError):
            pass
    return p.replace("\\", "/")


def new_token() -> str:
    """A fresh, unguessable stop-commands token."""
    return secrets.token_hex(16)


def wrap_student_output(text: str, token: str | None = None) -> str:
    """``text`` between ``::stop-commands::TOKEN`` and ``::TOKEN::``, so its workflow commands are inert.

    A token that is empty or occurs in ``text`` is replaced by a fresh one (the student must not
    be able to end the fence).
    """
    text = str(text)
    if not token or token in text or not token.strip() or any(ch in token for ch in ":\r\n"):
        token = new_token()
        while token in text:  # pragma: no cover - 128 random bits
            token = new_token()
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"::stop-commands::{token}\n{body}::{token}::\n"
