"""The gradebook's pages: a self-contained HTML feedback page per student (heat maps as inline
SVG), the class summary page (score histogram, most common mistakes), its Markdown for the
GitHub step summary, and the per-student table for the terminal.

Pages use no network and no script: every picture is inline SVG, every style inline CSS.
Everything the student controls is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
from rich.table import Table
from rich.text import Text

from ..findings import Finding
from ..report import Report
from .common import check_name, clip, findings_for_check, points, sanitize, source_lines, unattached_findings

STYLE = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}"
         ".pass{color:#1a7f37}.fail{color:#cf222e}pre{background:#f6f8fa;padding:.5rem;overflow-x:auto}"
         "h3 code{font-size:1em}.dim{color:#666}")  # fmt: skip
HEAT_CODES = ("GC301", "GC302", "GC201")
MAX_CELLS = 40  # heat map cells per side (larger maps are pooled, largest |error| per block)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")  # fmt: skip


# --------------------------------------------------------------------------- pictures


def heatmap_svg(err: Any, scale: float = 0.0, cell: int | None = None) -> str:
    """|got − expected| of a 2-D gradient as an SVG grid (red: too large, blue: too small)."""
    try:
        arr = np.asarray(err, dtype=np.float64)
    except (TypeError, ValueError):
        return ""
    if arr.ndim != 2 or arr.size == 0:
        return ""
    arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
    rows, cols = min(arr.shape[0], MAX_CELLS), min(arr.shape[1], MAX_CELLS)
    r_edges = np.linspace(0, arr.shape[0], rows + 1).astype(int)
    c_edges = np.linspace(0, arr.shape[1], cols + 1).astype(int)
    top = float(np.max(np.abs(arr))) or 1.0
    cell = cell or max(8, min(24, 320 // max(rows, cols)))
    rects = []
    for i in range(rows):
        for j in range(cols):
            block = arr[r_edges[i] : r_edges[i + 1], c_edges[j] : c_edges[j + 1]]
            v = float(block.flat[int(np.argmax(np.abs(block)))]) if block.size else 0.0
            level = abs(v) / top
            color = f"rgb(255,{int(255 * (1 - level))},{int(255 * (1 - level))})" if v > 0 else f"rgb({int(255 * (1 - level))},{int(255 * (1 - level))},255)"
            rects.append(f'<rect x="{j * cell}" y="{i * cell}" width="{cell}" height="{cell}" fill="{color}"/>')
    w, h = cols * cell, rows * cell
    label = f"{arr.shape[0]} × {arr.shape[1]}; darker = larger |got − expected| (max {top:.3g}"
    label += f", {top / scale:.0%} of the largest expected entry)" if scale else ")"
    return (f'<figure><svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
            f'aria-label="heat map of the error">{"".join(rects)}<rect width="{w}" height="{h}" fill="none" stroke="#999"/></svg>'
            f'<figcaption class="dim">{_e(label)} · red: got too large · blue: got too small</figcaption></figure>')  # fmt: skip


def bars_svg(labels: Sequence[str], counts: Sequence[int], *, width: int = 640, bar: int = 22, title: str = "") -> str:
    """A horizontal bar chart as SVG (the class histogram, the common mistakes)."""
    peak = max(counts, default=0) or 1
    left, right = 250, 40
    out = []
    for i, (label, n) in enumerate(zip(labels, counts)):
        y = i * (bar + 4)
        length = int((width - left - right) * n / peak)
        out.append(f'<text x="{left - 6}" y="{y + bar - 6}" text-anchor="end" font-size="13">{_e(clip(label, 34))}</text>'
                   f'<rect x="{left}" y="{y}" width="{length}" height="{bar}" fill="#4c72b0"/>'
                   f'<text x="{left + length + 4}" y="{y + bar - 6}" font-size="13">{n}</text>')  # fmt: skip
    h = len(labels) * (bar + 4) or bar
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" viewBox="0 0 {width} {h}" role="img" '
            f'aria-label="{_e(title)}">{"".join(out)}</svg>')


# --------------------------------------------------------------------------- a student's page


def student_page(report: Report, student: str, note: str = "") -> str:
    """The student's feedback page: verdict, the checks, each problem with its line, fix and heat map."""
    verdict = '<span class="pass">passed</span>' if report.passed else '<span class="fail">failed</span>'
    body = [f"<h1>{_e(report.assignment)}: {_e(student)}</h1>",
            f"<p><strong>{verdict}</strong> — score {_e(points(report.score))} / {_e(points(report.max_score))}</p>"]  # fmt: skip
    if note:
        body.append(f'<p class="dim">{_e(note)}</p>')
    body.append("<table><tr><th>check</th><th>status</th><th>points</th></tr>")
    for c in report.checks:
        cls = "pass" if c.status == "pass" else "fail" if c.status == "fail" else "dim"
        body.append(f'<tr><td><code>{_e(check_name(c))}</code></td><td class="{cls}">{_e(c.status)}</td>'
                    f"<td>{_e(points(c.points))}/{_e(points(c.max_points))}</td></tr>")  # fmt: skip
    body.append("</table>")
    shown: set[int] = set()
    for c in report.checks:
        for f in findings_for_check(report, c):
            if id(f) not in shown and f.level != "info":
                shown.add(id(f))
                body.append(_finding_html(report, f))
    for f in unattached_findings(report):
        if id(f) not in shown and f.level != "info":
            body.append(_finding_html(report, f))
    body.append(f'<p class="dim">seed {_e(report.seed)} · gradcheck {_e(report.version)} · '
                "<code>gradcheck explain CODE</code> explains a finding</p>")  # fmt: skip
    return _page(f"{report.assignment}: {student}", body)


def _finding_html(report: Report, f: Finding) -> str:
    out = [f"<h3><code>{_e(f.code)}</code> <code>{_e(clip(f.target, 200))}</code></h3>", f"<p>{_e(clip(f.message, 4000))}</p>"]
    lines = source_lines(report, f, limit=10)
    if lines:
        out.append(f'<p class="dim">line {lines[0][0]}</p><pre>{_e(chr(10).join(clip(t, 500) for _, t in lines))}</pre>')
    if f.formula:
        out.append(f"<p><strong>reference</strong> <code>{_e(clip(f.formula, 1000))}</code></p>")
    if f.hint:
        out.append(f"<p><strong>fix</strong> {_e(clip(f.hint, 2000))}</p>")
    err = f.stats.get("error_map")
    if err is not None and f.code in HEAT_CODES and np.ndim(err) == 2 and np.size(err) > 1:
        out.append("<p><strong>where the error is:</strong></p>" + heatmap_svg(err, float(f.stats.get("expected_scale") or 0.0)))
    return "<section>" + "".join(out) + "</section>"


# --------------------------------------------------------------------------- the class


def class_page(summary: dict[str, Any], rows: Sequence[dict[str, Any]], title: str = "gradcheck: class summary") -> str:
    """The class summary page: counts, the score histogram, the most common mistakes, every student."""
    hist = summary["histogram"]
    body = [f"<h1>{_e(title)}</h1>", f"<p>{_e(headline(summary))}</p>"]
    for note in summary.get("notes", []):
        body.append(f"<p><strong>note:</strong> {_e(note)}</p>")
    body += ["<h2>Scores</h2>", bars_svg([f"{b['from']}–{b['to']} %" for b in hist], [b["count"] for b in hist], title="score histogram")]
    common = summary.get("common_findings", [])
    if common:
        body += ["<h2>Most common mistakes (students)</h2>",
                 bars_svg([key for key, _ in common], [n for _, n in common], title="most common mistakes")]  # fmt: skip
    body.append("<h2>Students</h2><table><tr><th>student</th><th>assignment</th><th>score</th><th>first error</th><th>feedback</th></tr>")
    for r in rows:
        first = first_error(r)
        link = f'<a href="{_e(r["feedback"])}">page</a>' if r.get("feedback") else ""
        cls = "pass" if r["passed"] else "fail"
        body.append(f'<tr><td>{_e(r["student"])}</td><td>{_e(r["assignment"])}</td><td class="{cls}">{_e(points(r["score"]))} / '
                    f'{_e(points(r["max_score"]))}</td><td><code>{_e(first)}</code></td><td>{link}</td></tr>')  # fmt: skip
    body.append("</table>")
    return _page(title, body)


def headline(s: dict[str, Any]) -> str:
    n = s["submissions"]
    return f"{n} submission{'' if n == 1 else 's'} · {s['passed']} passed · mean score {points(s['mean_score'])} / {points(s['max_score'])}"


def first_error(row: dict[str, Any]) -> str:
    errors = [f for f in row["findings"] if f["severity"] == "error"]
    return f"{errors[0]['code']} {errors[0]['target']}" if errors else ""


def class_markdown(summary: dict[str, Any]) -> str:
    """The class summary for $GITHUB_STEP_SUMMARY: a bar chart (Mermaid, drawn by GitHub) and the
    same figures as text, with the most common mistakes as a table."""
    hist = summary["histogram"]
    labels = ", ".join(f'"{b["from"]}"' for b in hist)
    counts = ", ".join(str(b["count"]) for b in hist)
    peak = max((b["count"] for b in hist), default=0) or 1
    lines = [f"### gradcheck: {headline(summary)}", "", "```mermaid", "xychart-beta", '    title "Scores (% of the maximum)"',
             f"    x-axis [{labels}]", f'    y-axis "students" 0 --> {peak}', f"    bar [{counts}]", "```", "",
             "| score | students |", "|---|---|"]  # fmt: skip
    lines += [f"| {b['from']}–{b['to']} % | {'█' * b['count']} {b['count']} |" for b in hist]
    for note in summary.get("notes", []):
        lines += ["", f"**note:** {note}"]
    common = summary.get("common_findings", [])
    if common:
        lines += ["", "| most common mistakes | students |", "|---|---|"]
        lines += [f"| `{key}` | {n} |" for key, n in common]
    return "\n".join(lines) + "\n"


def _one_line(text: object) -> str:
    """A cell's text on one line, without control characters (a file name may hold a newline)."""
    return " ".join(sanitize(text).split("\n"))


def student_table(rows: Sequence[dict[str, Any]]) -> Table:
    """One line per student for the terminal."""
    table = Table(box=None, pad_edge=False)
    for name, justify in (("student", "left"), ("assignment", "left"), ("score", "right"), ("", "left"), ("first error", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        mark = Text("✓ pass", style="green") if r["passed"] else Text("✗ fail", style="red")
        table.add_row(Text(_one_line(r["student"])), Text(_one_line(r["assignment"])), f"{points(r['score'])}/{points(r['max_score'])}", mark,
                      Text(_one_line(first_error(r))))  # fmt: skip
    return table
