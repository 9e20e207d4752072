"""Gradescope autograder ``results.json``.

Written to ``/autograder/results/results.json`` by ``run_autograder``. The top-level ``score``
is the report's score (Gradescope uses it instead of summing the tests); each check is one
test with its own ``score`` / ``max_score`` (checks without points have ``max_score`` 0) and a
``status``. Outputs are Markdown (``output_format: "md"``) with the student's text escaped or
fenced. Gradescope has no top-level ``max_score`` (the assignment's points are set in
Gradescope); the report's maximum is kept in ``extra_data``.
"""

from __future__ import annotations

import json

from ..findings import Finding
from ..report import CheckResult, Report
from .common import (
    INTERNAL_ERROR,
    check_name,
    clip,
    code_span,
    escape,
    escape_block,
    fenced,
    file_label,
    findings_for_check,
    number,
    points,
    sanitize,
    source_lines,
    unattached_findings,
)

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
OUTPUT_LIMIT = 16 * 1024  # characters of printed output shown in the top-level output


def render(report: Report, *, visibility: str = "visible", stdout_visibility: str = "hidden", test_visibility: str | None = None) -> str:
    """The results.json text. Never raises: on a rendering bug, a minimal document with the score."""
    try:
        return json.dumps(results(report, visibility=visibility, stdout_visibility=stdout_visibility, test_visibility=test_visibility),
                          indent=2, ensure_ascii=False, allow_nan=False) + "\n"  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - a rendering bug must never hide the score
        note = f"gradcheck could not render the full results ({type(exc).__name__}: {exc})"
        return json.dumps({"score": number(getattr(report, "score", 0)), "output": note, "tests": []}, ensure_ascii=False) + "\n"


def results(report: Report, *, visibility: str = "visible", stdout_visibility: str = "hidden", test_visibility: str | None = None) -> dict:
    """The results.json object. ``test_visibility`` (``--visibility``) is every test's
    ``visibility``; without it each test takes the spec's (``report.visibility``), else visible."""
    if visibility not in VISIBILITIES:
        visibility = "visible"
    if stdout_visibility not in VISIBILITIES:
        stdout_visibility = "hidden"
    tests = []
    for c in report.checks:
        found = findings_for_check(report, c)
        status = "passed" if c.status == "pass" else "failed"
        output = _test_output(report, c.status, c.summary, found)
        test = {
            "name": check_name(c),
            "score": number(c.points),
            "max_score": number(c.max_points),
            "status": status,
            "output": output,
            "output_format": "md",
            "visibility": test_visibility if test_visibility in VISIBILITIES else _spec_visibility(report, c),
        }
        tags = list(dict.fromkeys([f.code for f in found] + [t for f in found for t in f.tags]))
        if tags:
            test["tags"] = tags
        tests.append(test)
    internal = [f for f in report.findings if f.code == INTERNAL_ERROR]
    if internal:
        tests.append({"name": "gradcheck: grading", "score": 0, "max_score": 0, "status": "failed",
                      "output": "\n\n".join(_finding_md(report, f) for f in internal), "output_format": "md",
                      "visibility": "visible"})  # fmt: skip
    return {
        "score": number(report.score),
        "execution_time": int(round(float(number(report.seconds)))),
        "output": _summary(report),
        "output_format": "md",
        "test_output_format": "md",
        "visibility": visibility,
        "stdout_visibility": stdout_visibility,
        "extra_data": {
            "gradcheck": {
                "assignment": report.assignment,
                "passed": bool(report.passed),
                "score": number(report.score),
                "max_score": number(report.max_score),
                "seed": report.seed,
                "version": report.version,
                "assignments": [{"assignment": p.assignment, "passed": bool(p.passed), "score": number(p.score),
                                 "max_score": number(p.max_score)} for p in report.assignments()],
            },  # fmt: skip
        },
        "tests": tests,
    }


def _spec_visibility(report: Report, check: CheckResult) -> str:
    """The spec's visibility for ``check``: its function's, else the spec's default, else visible."""
    table = getattr(report, "visibility", None) or {}
    value = table.get(check.function or f":{check.id}") or table.get("")
    return value if value in VISIBILITIES else "visible"


def _summary(report: Report) -> str:
    verdict = "✅ passed" if report.passed else "❌ failed"
    lines = [f"**{escape(report.assignment)}** — {verdict} — score {points(report.score)} / {points(report.max_score)}", ""]
    if report.parts:  # several assignments: each one's points
        lines += [f"- **{escape(p.assignment)}** — {'✅ passed' if p.passed else '❌ failed'} — {points(p.score)} / {points(p.max_score)}"
                  for p in report.parts] + [""]  # fmt: skip
    errors = [f for f in report.findings if f.level == "error" and f.code != "GC303"]
    if errors:
        n = len(errors)
        lines.append(f"{n} problem{'s' if n != 1 else ''} to fix:")
        lines.append("")
        for f in errors[:20]:
            lines.append(f"- {escape(f.code)} {code_span(clip(f.target, 200))}: {escape(clip(f.message, 300))}")
        if n > 20:
            lines.append(f"- … and {n - 20} more")
        lines.append("")
    loose = [f for f in unattached_findings(report) if f.code != INTERNAL_ERROR]
    for f in loose[:20]:
        lines += [_finding_md(report, f), ""]
    text = sanitize(report.output)
    if text.strip():
        shown = clip(text, OUTPUT_LIMIT)
        lines += ["What your code printed:", "", fenced(shown, "text"), ""]
        if len(shown) < len(text) or report.output_truncated:
            lines += ["(the printed output was cut)", ""]
    lines.append(f"seed {escape(report.seed)} · gradcheck {escape(report.version)} · `gradcheck explain CODE` explains a finding")
    return "\n".join(lines)


def _test_output(report: Report, status: str, summary: str, found: list[Finding]) -> str:
    if found:
        return "\n\n".join(_finding_md(report, f) for f in found)
    if status == "fail":
        return escape("check failed" + (f": {summary}" if summary else ""))
    if status == "skip":
        return escape("not checked" + (f": {summary}" if summary else ""))
    return ""


def _finding_md(report: Report, f: Finding) -> str:
    out = [f"**{escape(f.code)}** {code_span(clip(f.target, 200))}: {escape_block(clip(f.message, 4000))}"]
    lines = source_lines(report, f, limit=10)
    if lines:
        name = file_label(f.location.file if f.location else report.file)
        first, last = lines[0][0], lines[-1][0]
        where = f"line {first}" if first == last else f"lines {first}–{last}"
        out += [f"{escape(name)}, {where}:", fenced("\n".join(clip(t, 500) for _, t in lines), "python")]
    if f.formula:
        out.append(f"**reference** {code_span(clip(f.formula, 1000))}")
    if f.hint:
        out.append(f"**fix** {escape(clip(f.hint, 2000))}")
    return "\n\n".join(out)
