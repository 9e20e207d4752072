"""The terminal report (rich): a summary table, then one panel per problem."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..diagnose.messages import follows_summary
from ..findings import CODES, Finding
from ..report import Report
from .axis_views import axis_views
from .common import cell_label, fix_diff, fix_verdict, fix_where, follows_callee, hint_label, points
from .console import fits
from .heatmap import SHADES, heatmap, row_col_summary

STATUS = {"pass": ("✓ pass", "green"), "fail": ("✗ fail", "red"), "skip": ("- skip", "yellow")}
MAX_OUTPUT_LINES = 15

if TYPE_CHECKING:
    from rich.syntax import Syntax
FOOTER_ONLY = "GC008"  # limits unavailable here (e.g. RLIMIT_NPROC as root): said in one footer line


def render(report: Report, console: Console, verbose: bool = False) -> None:
    try:
        _render(report, console, verbose)
    except Exception as exc:  # a rendering bug must never hide the verdict
        console.print(f"(gradcheck could not draw the full report: {type(exc).__name__}: {exc})")
        console.print(f"{'PASSED' if report.passed else 'FAILED'} — score {points(report.score)}/{points(report.max_score)}")


def _render(report: Report, console: Console, verbose: bool) -> None:
    head = Text()
    head.append("gradcheck ", style="bold")
    head.append(f"{report.version} · ")
    head.append(report.assignment, style="bold cyan")
    head.append(f" — {report.title}")
    console.print(head)
    info = f"file {report.file} · seed {report.seed} · {len(report.trials)} trial{'' if len(report.trials) == 1 else 's'} · {report.seconds:.2f} s"
    console.print(Text(info, style="dim"))
    if report.picked:
        console.print(Text(report.picked, style="dim"))
    console.print()
    if report.checks:
        console.print(_table(report))
    errors = [f for f in report.findings if f.level == "error" and f.code != "GC303"]
    follows = [f for f in report.findings if f.code == "GC303"]
    warnings = [f for f in report.findings if f.level == "warning"]
    infos = [f for f in report.findings if f.level == "info" and f.code not in ("GC303", FOOTER_ONLY)]
    color = not console.no_color and console.color_system is not None
    canvas = (console.width - 4, not fits(SHADES, console.encoding))  # inside a panel; shade characters or ASCII
    for f in errors + warnings:
        try:
            console.print(_panel(f, report, verbose, color, canvas))
        except Exception as exc:  # one odd finding must not hide the others
            console.print(Text(f"{f.code} {f.target}: {f.message} (could not draw the details: {type(exc).__name__})"))
    if follows:
        console.print(_follows(follows, report))
    for f in infos:
        console.print(Text(f"  note {f.code} {f.target}: {f.message}", style="dim"))
    if report.output.strip():
        lines = report.output.rstrip("\n").splitlines()
        shown = [line if len(line) <= 300 else line[:300] + " …" for line in lines[:MAX_OUTPUT_LINES]]
        more = len(lines) - len(shown)
        body = Text("\n".join(shown))
        notes = []
        if more > 0:
            notes.append(f"{more} more line(s)")
        if any(len(line) > 300 for line in lines[:MAX_OUTPUT_LINES]):
            notes.append("long lines cut at 300 characters")
        if report.output_truncated:
            notes.append("output beyond the cap was dropped")
        if notes:
            body.append("\n… " + "; ".join(notes) + "; --format json has what was kept", style="dim")
        console.print(Panel(body, title="what your code printed", title_align="left", border_style="dim"))
    console.print()
    for rule in report.rules:
        console.print(Text(f"rule: {rule}", style="dim"))
    console.print(Text(f"isolation: {report.isolation}", style="dim"))
    for f in report.findings:  # a limit this machine does not enforce: one footer line, not a panel or note
        if f.code == FOOTER_ONLY:
            console.print(Text(f"note {f.code}: {f.message}", style="dim"), no_wrap=True, overflow="ellipsis", crop=True)
    verdict = Text()
    if report.passed:
        verdict.append("PASSED", style="bold green")
    else:
        verdict.append("FAILED", style="bold red")
    verdict.append(f"  score {points(report.score)} / {points(report.max_score)}{_per_assignment(report)}")
    n_err = len(errors)
    if n_err:
        verdict.append(f"  ·  {n_err} problem{'s' if n_err != 1 else ''} to fix")
        codes = sorted({f.code for f in errors})
        verdict.append(f"  ·  gradcheck explain {codes[0]}", style="dim")
    console.print(verdict)


def _table(report: Report) -> Table:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("function")
    table.add_column("target")
    table.add_column("status")
    table.add_column("points", justify="right")
    table.add_column("note", style="dim")
    heads = {p.assignment: p for p in report.parts}  # several assignments: a row opens each one's checks
    for c in report.checks:
        part = heads.pop(c.assignment, None)
        if part is not None:
            label, style = STATUS["pass" if part.passed else "fail"]
            table.add_row(Text(part.assignment, style="bold cyan"), "", Text(label, style=style),
                          Text(f"{points(part.score)}/{points(part.max_score)}", style="bold"), "")  # fmt: skip
        label, style = STATUS.get(c.status, (c.status, ""))
        pts = f"{points(c.points)}/{points(c.max_points)}" if c.max_points else ""
        table.add_row(c.function or "—", c.target, Text(label, style=style), pts, c.summary if c.status != "pass" else "")
    return table


def _per_assignment(report: Report) -> str:
    """"  (cs231n 100/100 · cs231n_rnn 86/100)" for a file graded on several assignments."""
    if not report.parts:
        return ""
    return "  (" + " · ".join(f"{p.assignment} {points(p.score)}/{points(p.max_score)}" for p in report.parts) + ")"


def _panel(f: Finding, report: Report, verbose: bool, color: bool = True, canvas: tuple[int, bool] = (76, False)) -> Panel:
    parts: list = []
    parts.append(Text(f.message))
    if f.location and f.location.cell is not None and f.location.cell in report.cells:
        parts.append(Text())
        parts.append(Text(f"{Path(f.location.file).name} · {cell_label(f.location)}, line {f.location.line}", style="bold"))
        parts.append(_code(report.cells[f.location.cell], f.location.line, f.location.end_line or f.location.line))
    elif f.location and report.source:
        parts.append(Text())
        parts.append(Text(f"{Path(f.location.file).name}:{f.location.line}", style="bold"))
        parts.append(_code(report.source, f.location.line, f.location.end_line or f.location.line))
    parts += _via(f, report)
    if f.formula or f.chain:
        parts.append(Text())
    if f.formula:
        parts.append(Text.assemble(("reference  ", "bold"), f.formula))
    if f.chain:
        parts.append(Text.assemble(("shapes     ", "bold"), f.chain.split("   with ", 1)[-1]))
    numbers = _numbers(f)
    if numbers is not None:
        parts.append(Text())
        parts.append(numbers)
    err = f.stats.get("error_map")
    if err is not None and f.code in ("GC301", "GC302", "GC201") and np.ndim(err) == 2 and np.size(err) > 1:
        arr = np.asarray(err, dtype=np.float64)
        parts.append(Text())
        parts.append(Text("where the error is:", style="bold"))
        parts.append(heatmap(arr, float(f.stats.get("expected_scale") or 0.0), color, ascii_only=canvas[1]))
        summary = row_col_summary(arr)
        if summary:
            parts.append(Text(summary))
    elif err is not None and f.code in ("GC301", "GC302", "GC201") and f.stats.get("axes"):
        parts += axis_views(err, f.stats["axes"], _tol(f.stats), canvas[0], color, canvas[1])
    for d in f.details:
        parts.append(Text(d, style="dim"))
    if f.hint:
        parts.append(Text())
        parts.append(Text.assemble((f"{hint_label(f, report)}  ", "bold green"), f.hint))
    if f.fix is not None:
        parts.append(Text())
        parts.append(Text.assemble(("fix  ", "bold green"), (fix_where(f), "bold")))
        for line in fix_diff(f):
            parts.append(Text(line, style="red" if line.startswith("-") else "green"))
        parts.append(Text(fix_verdict(f), style="green"))
    see = f"gradcheck explain {f.code}"
    owner = report.assignment_of(f) or report.assignment
    pages = next((p.explain_dir for p in report.parts if p.assignment == owner), report.explain_dir)  # the finding's own assignment's
    if pages and f.target and (Path(pages) / f"{f.target}.md").is_file():
        see += f"  ·  gradcheck explain {f.target}" + ("" if owner == "planar" else f" -a {owner}")
    parts.append(Text(see, style="dim"))
    style = "red" if f.level == "error" else "yellow" if f.level == "warning" else "blue"
    title = f"{f.code} {CODES[f.code].name} · {f.target}" + (f" · {', '.join(f.tags)}" if f.tags else "")
    if report.parts and report.assignment_of(f):  # several assignments: say whose finding it is
        title = f"{report.assignment_of(f)} · {title}"
    return Panel(Group(*parts), title=title, title_align="left", border_style=style)


def _via(f: Finding, report: Report) -> list:
    """The line inside the helper (or callee) the finding's line led to, shown under it."""
    loc = f.location
    via = loc.via if loc is not None else None
    if via is None or not isinstance(via.line, int) or via.line < 1:
        return []
    if via.cell is not None:
        source, label = report.cells.get(via.cell), f"{Path(via.file).name} · {cell_label(via)}, line {via.line}"
    else:
        source, label = report.source, f"{Path(via.file).name}:{via.line}"
    out: list = [Text(f"via {label}", style="bold")]
    if source and via.line <= len(source.splitlines()):
        out.append(_code(source, via.line, via.line, context=0))
    return out


def _code(source: str, line: int, end: int, context: int = 2) -> Syntax:
    from rich.syntax import Syntax  # here: pygments' import (~10 ms) only for a report that shows code

    lines = source.splitlines()
    first = max(1, line - context)
    last = min(len(lines), end + context)
    return Syntax(source, "python", line_numbers=True, line_range=(first, last), highlight_lines=set(range(line, end + 1)),
                  theme="ansi_dark", word_wrap=True, background_color="default")  # fmt: skip


def _numbers(f: Finding) -> Text | None:
    s = f.stats
    if "mismatched" not in s:
        return None
    t = Text()
    t.append("got vs expected  ", style="bold")
    t.append(f"{s.get('mismatched')} of {s.get('total', '?')} entries differ · max abs error {_num(s.get('max_abs_error'))}"
             f" · max error by the rule {_num(s.get('max_rel_error'))} (passes at ≤ {_num(s.get('rtol'))})")  # fmt: skip
    if s.get("ratio") is not None:
        t.append(f" · got / expected = {s['ratio']:.6g} everywhere")
    if s.get("trial"):
        t.append(f" · {s['trial']}", style="dim")
    worst = s.get("worst") or []
    if worst:
        t.append("\n")
        t.append(f"  {'index':<12}{'got':>14}{'expected':>14}\n", style="dim")
        for row in worst[:5]:
            try:
                idx, got, exp = row
                t.append(f"  {str(tuple(idx)):<12}{float(got):>14.6g}{float(exp):>14.6g}\n")
            except (TypeError, ValueError):
                continue
        if isinstance(s.get("mismatched"), int) and s["mismatched"] > len(worst[:5]):
            t.append(f"  … {s['mismatched'] - len(worst[:5])} more; --format json has the numbers", style="dim")
    return t


def _tol(stats: dict) -> float:
    """The error an entry may have and still pass, near enough: rtol times the largest expected entry."""
    try:
        return float(stats.get("rtol") or 0.0) * float(stats.get("expected_scale") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _num(value) -> str:
    try:
        return f"{float(value):.3g}"
    except (TypeError, ValueError):
        return "?"


def _follows(findings: list[Finding], report: Report) -> Panel:
    """The GC303 findings, one line per cause, in the words of diagnose/messages.py."""
    by_cause: dict[str, list[Finding]] = {}
    for f in findings:
        by_cause.setdefault(f.caused_by or "?", []).append(f)
    lines = [follows_summary(cause, [f.target for f in group], follows_callee(group, report)) for cause, group in by_cause.items()]
    return Panel(Text("\n".join(lines)), title="follows from the problems above", title_align="left", border_style="dim")
