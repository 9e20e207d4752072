"""The Markdown report, for ``$GITHUB_STEP_SUMMARY`` (GitHub-flavoured Markdown).

A score line, a table of the checks, one section per error or warning (the student's line,
the reference formula, the fix), the cascades in one line, the notes as a list, and what the
submission printed. Everything the student controls (file names, printed output, messages
that quote their code or exceptions) is escaped or fenced, so it can neither inject HTML nor
break the table. ``append_step_summary`` appends it to ``$GITHUB_STEP_SUMMARY``. The document stays under ``LIMIT`` bytes (GitHub refuses a step summary
over 1 MiB): findings that do not fit are counted in a final line.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from ..findings import CODES, Finding
from ..report import Report
from . import common
from .common import clip, code_span, escape, escape_block, fenced, file_label, points, sanitize, source_lines

LIMIT = 1_000_000  # bytes; GitHub's step-summary cap is 1 MiB (1,048,576 bytes)
OUTPUT_LIMIT = 64 * 1024  # characters of printed output shown in the summary
_RESERVE = 512  # bytes kept for the "… N more findings omitted" line

STATUS = {"pass": "✅ pass", "fail": "❌ fail", "skip": "⏭ skip"}





def _cell(text: object) -> str:
    return escape(text) or " "


# --------------------------------------------------------------------------- document


def render(report: Report, *, max_bytes: int = LIMIT) -> str:
    """The Markdown summary, at most ``max_bytes`` bytes of UTF-8. Never raises."""
    try:
        if int(max_bytes) < 1024:  # no room for a report: the score line alone, if even that fits
            line = _score_line(report) + "\n"
            return line if _size(line) <= int(max_bytes) else ""
        return _render(report, int(max_bytes))
    except Exception as exc:  # noqa: BLE001 - a rendering bug must never hide the verdict
        return _minimal(report, f"gradcheck could not render the full summary ({type(exc).__name__}: {exc})")


def _minimal(report: Report, note: str) -> str:
    try:
        line = _score_line(report)
    except Exception:  # noqa: BLE001
        line = "**gradcheck** — the report could not be read"
    return f"{line}\n\n{escape(note)}\n"


def _score_line(report: Report) -> str:
    verdict = "✅ passed" if report.passed else "❌ failed"
    return f"**{escape(report.assignment)}** — {verdict} — score {points(report.score)} / {points(report.max_score)}"


def _size(text: str) -> int:
    return len(text.encode("utf-8", "replace"))


def _render(report: Report, max_bytes: int) -> str:
    head = _head(report)
    table_rows = _table_rows(report)
    tail = _tail(report)
    # The fixed parts must fit with room to spare: drop the printed output first, then table rows.
    if _size(head) + _size("".join(table_rows)) + _size(tail) + _RESERVE > max_bytes:
        tail = _tail(report, with_output=False)
    room = max_bytes // 2 - _size(head) - _size(tail)
    if _size("".join(table_rows)) > room:
        kept, used = table_rows[:2], _size("".join(table_rows[:2])) + 64
        for row in table_rows[2:]:
            if used + _size(row) > room:
                break
            kept.append(row)
            used += _size(row)
        table_rows = kept + [f"| … | {len(table_rows) - len(kept)} more checks | | |\n"]
    parts = [head, "".join(table_rows) + "\n" if report.checks else ""]
    budget = max_bytes - _size("".join(parts)) - _size(tail) - _RESERVE
    used = 0
    shown = 0
    total = 0
    stopped = False
    for count, make in _finding_blocks(report):
        total += count
        if stopped:
            continue
        block = make()
        size = _size(block)
        if used + size > budget:
            stopped = True
            continue
        parts.append(block)
        used += size
        shown += count
    if total > shown:
        n = total - shown
        parts.append(f"… {n} more finding{'s' if n != 1 else ''} omitted (see the JSON report)\n\n")
    parts.append(tail)
    doc = "".join(parts)
    if _size(doc) > max_bytes:  # cannot happen by construction; the last guard
        doc = doc.encode("utf-8")[: max_bytes - 64].decode("utf-8", "ignore") + "\n\n… (summary truncated)\n"
    return doc


def _head(report: Report) -> str:
    lines = [f"### gradcheck: {escape(report.title or report.assignment)}", "", _score_line(report), ""]
    if report.parts:  # a file graded on several assignments: each one's points
        lines += [f"- **{escape(p.assignment)}** ({escape(p.title)}) — {'✅ passed' if p.passed else '❌ failed'} — "
                  f"{points(p.score)} / {points(p.max_score)}" for p in report.parts] + [""]  # fmt: skip
    info = [f"file {escape(file_label(report.file))}", f"seed {escape(report.seed)}"]
    if report.trials:
        info.append(f"{len(report.trials)} trials")
    if report.version:
        info.append(f"gradcheck {escape(report.version)}")
    lines += [" · ".join(info), ""]
    errors = [f for f in report.findings if f.level == "error" and f.code != "GC303"]
    if errors:
        n = len(errors)
        lines += [f"{n} problem{'s' if n != 1 else ''} to fix, first: {escape(errors[0].code)} {escape(errors[0].target)}", ""]
    return "\n".join(lines) + "\n"


def _table_rows(report: Report) -> list[str]:
    rows = ["| function | target | status | points |\n", "|---|---|---|---|\n"]
    heads = {p.assignment: p for p in report.parts}
    for c in report.checks:
        part = heads.pop(c.assignment, None)
        if part is not None:
            rows.append(f"| **{_cell(part.assignment)}** | *{_cell(part.title)}* | {STATUS['pass' if part.passed else 'fail']} | "
                        f"**{points(part.score)} / {points(part.max_score)}** |\n")  # fmt: skip
        pts = f"{points(c.points)} / {points(c.max_points)}" if c.max_points else "—"
        rows.append(f"| {_cell(c.function or '—')} | {_cell(c.target)} | {STATUS.get(c.status, _cell(c.status))} | {pts} |\n")
    return rows


def _finding_blocks(report: Report):
    """(number of findings, a function returning their Markdown), in the order the summary shows them.

    Blocks are rendered only when they are shown, so a report with many findings stays cheap.
    """
    errors = [f for f in report.findings if f.level == "error" and f.code != "GC303"]
    warnings = [f for f in report.findings if f.level == "warning" and f.code != "GC303"]
    follows = [f for f in report.findings if f.code == "GC303"]
    notes = [f for f in report.findings if f.level == "info" and f.code != "GC303"]
    for f in errors + warnings:
        yield 1, functools.partial(_section, report, f)
    if follows:
        yield len(follows), functools.partial(_follows, follows)
    for i, f in enumerate(notes):
        yield 1, functools.partial(_note, f, first=i == 0, last=i == len(notes) - 1)


def _note(f: Finding, *, first: bool, last: bool) -> str:
    head = "**Notes**\n\n" if first else ""
    tail = "\n" if last else ""
    return f"{head}- {escape(f.code)} {escape(f.target)}: {escape(clip(f.message, 2000))}\n{tail}"


def _section(report: Report, f: Finding) -> str:
    icon = "❌" if f.level == "error" else "⚠️"
    name = CODES[f.code].name if f.code in CODES else ""
    out = [f"#### {icon} {escape(f.code)} {escape(name)} · {code_span(clip(f.target, 200))}", ""]
    if f.tags:
        out += ["tags: " + ", ".join(code_span(t) for t in f.tags), ""]
    out += [escape_block(clip(f.message, 8000)), ""]
    lines = source_lines(report, f)
    if lines:
        first, last = lines[0][0], lines[-1][0]
        where = f"line {first}" if first == last else f"lines {first}–{last}"
        if f.location is not None and f.location.cell is not None:
            where = f"{common.cell_label(f.location)}, {where}"
        out += [f"{escape(file_label(f.location.file if f.location else report.file))}, {where}:", ""]
        out += [fenced("\n".join(clip(text, 500) for _, text in lines), "python"), ""]
    elif f.location is not None:
        out += [f"{escape(file_label(f.location.file))}, {escape(common.place(f.location))}", ""]
    via = common.via_text(f.location)
    if via:
        out += [escape(via), ""]
    facts = []
    if f.formula:
        facts.append(f"**reference** {code_span(clip(f.formula, 1000))}")
    if f.chain:
        facts.append(f"**shapes** {code_span(clip(f.chain.split('   with ', 1)[-1], 1000))}")
    if f.caused_by:
        facts.append(f"**caused by** {code_span(clip(f.caused_by, 200))}")
    if f.hint:
        facts.append(f"**{common.hint_label(f, report)}** {escape(clip(f.hint, 2000))}")
    if facts:
        out += ["\\\n".join(facts), ""]
    if f.fix is not None:
        diff = common.fix_diff(f)
        out += [f"**fix** ({escape(common.fix_where(f))}), {escape(common.fix_verdict(f))}" + (":" if diff else ""), ""]
        out += [fenced("\n".join(clip(d, 500) for d in diff), "diff"), ""] if diff else []
    for d in f.details[:10]:
        out.append(f"- {escape(clip(d, 500))}")
    if f.details:
        out.append("")
    out += [f"<sub>{escape('gradcheck explain ' + f.code)}</sub>", "", ""]
    return "\n".join(out)


def _follows(findings: list[Finding]) -> str:
    by_cause: dict[str, list[str]] = {}
    for f in findings:
        by_cause.setdefault(f.caused_by or "?", []).append(f.target)
    parts = []
    for cause, targets in list(by_cause.items())[:20]:
        shown = ", ".join(escape(clip(t, 100)) for t in targets[:50])
        more = f" and {len(targets) - 50} more" if len(targets) > 50 else ""
        cause_text = escape(clip(cause, 100))
        parts.append(f"{shown}{more}: right given your {cause_text}, wrong only because {cause_text} is")
    if len(by_cause) > 20:
        parts.append(f"and {len(by_cause) - 20} more causes")
    return "**Follows from the above** (GC303): " + "; ".join(parts) + ".\n\n"


def _tail(report: Report, *, with_output: bool = True) -> str:
    out = []
    text = sanitize(report.output)
    if with_output and text.strip():
        lines = text.rstrip("\n").split("\n")
        shown = clip(text, OUTPUT_LIMIT)
        notes = []
        if len(shown) < len(text):
            notes.append("cut here; the JSON report has the rest")
        if report.output_truncated:
            notes.append("output beyond gradcheck's cap was dropped")
        out += [f"<details><summary>What your code printed ({len(lines)} line{'s' if len(lines) != 1 else ''})</summary>", ""]
        out += [fenced(shown, "text"), ""]
        if notes:
            out += [escape("(" + "; ".join(notes) + ")"), ""]
        out += ["</details>", ""]
    for rule in report.rules[:5]:
        out.append(f"<sub>rule: {escape(clip(rule, 500))}</sub>\\")
    if out and out[-1].endswith("\\"):
        out[-1] = out[-1][:-1]
    out.append("")
    return "\n".join(out) + "\n"


def summary_line(report: Report) -> str:
    """One line for logs and notices: "planar: failed — score 80 / 100"."""
    return f"{report.assignment}: {'passed' if report.passed else 'failed'} — score {points(report.score)} / {points(report.max_score)}"


__all__ = ["LIMIT", "code_span", "escape", "escape_block", "fenced", "render", "sanitize", "summary_line"]


def append_step_summary(report: Report, path: str | os.PathLike[str]) -> bool:
    """Append the Markdown report to the step-summary file at ``path``; False if it could not be written.

    The budget is GitHub's per-step limit minus what the step already wrote there.
    """
    target = Path(path)
    try:
        existing = target.stat().st_size if target.exists() else 0
    except OSError:
        existing = 0
    budget = LIMIT - existing
    if budget < 2048:
        text = f"\n{summary_line(report)} (no room left in the step summary for the full report)\n"
        if len(text.encode("utf-8")) > budget:
            return False
    else:
        text = render(report, max_bytes=budget - 16)
        text = ("\n" if existing else "") + text + ("" if text.endswith("\n") else "\n")
    try:
        with open(target, "a", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except OSError:
        return False
    return True
