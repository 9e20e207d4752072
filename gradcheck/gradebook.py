"""`gradcheck grade`'s gradebook: the assignment per file, a seed per student, feedback files,
and the class summary page. Grading itself is batch.py's."""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from . import batch
from .catalog import pick, resolve
from .errors import GradcheckError, UsageError
from .render import gradebook as pages
from .render import markdown
from .render.files import write_atomic
from .report import Report
from .spec.loader import load_spec
from .submission import Submission


@dataclass
class ClassResult:
    rows: list[batch.Row]
    notes: list[str] = field(default_factory=list)  # said in the summary (mixed assignments, files no assignment fits)
    assignments: list[str] = field(default_factory=list)


def plan(files: list[Path], assignment: str | None) -> tuple[dict[Path, list[Path]], list[str]]:
    """Files grouped by the spec they are graded with, and notes for the summary. Pinned: one
    group. Picked: each file's best-fitting built-in; a file that fits none is graded with the
    class's most common assignment (so it gets its GC001/GC003 like everyone else)."""
    if assignment:
        return {resolve(assignment): list(files)}, []
    chosen: dict[Path, Path | None] = {}
    for f in files:
        try:
            chosen[f] = pick(Submission.from_path(f).defined)[0].path
        except GradcheckError:
            chosen[f] = None
    counts = Counter(p for p in chosen.values() if p is not None)
    if not counts:
        raise UsageError("no file fits a built-in assignment: pin one with --assignment NAME or a spec.yaml")
    common = counts.most_common(1)[0][0]
    lost = [f for f, p in chosen.items() if p is None]
    groups: dict[Path, list[Path]] = {}
    for f in files:
        groups.setdefault(chosen[f] or common, []).append(f)
    notes = []
    if len(groups) > 1:
        listed = ", ".join(f"{p.parent.name} ({len(fs)})" for p, fs in groups.items())
        notes.append(f"this folder mixes assignments: {listed}; each file was graded with the one it fits (pin one with --assignment)")
    if lost:
        notes.append(f"{len(lost)} file{'' if len(lost) == 1 else 's'} fit no assignment and {'was' if len(lost) == 1 else 'were'} "
                     f"graded as '{common.parent.name}', the class's most common: {', '.join(str(f) for f in lost[:5])}")  # fmt: skip
    return groups, notes


def safe_name(student: str) -> str:
    """A file name for a student id (letters, digits, . _ - @ +)."""
    return re.sub(r"[^\w.@+-]", "_", student).strip(".") or "student"


def seed_note(student: str, seed: int, from_id: bool, path: Path) -> str:
    if from_id:
        return (f"Your seed is {seed}, derived from your id '{student}' (--seed-from-id). "
                f"Repeat this check with: gradcheck {path.name} --seed {seed}")  # fmt: skip
    return f"Seed {seed}. Repeat this check with: gradcheck {path.name} --seed {seed}"


def write_feedback(folder: Path, path: Path, student: str, report: Report, from_id: bool) -> None:
    """``folder/STUDENT.md`` and ``folder/STUDENT.html`` (self-contained: heat maps are inline SVG)."""
    note = seed_note(student, report.seed, from_id, path)
    name = safe_name(student)
    write_atomic(folder / f"{name}.md", f"# {report.assignment}: {student}\n\n{note}\n\n" + markdown.render(report))
    write_atomic(folder / f"{name}.html", pages.student_page(report, student, note))


def grade_class(target: str, files: list[Path], *, assignment: str | None, seed: int, seed_from_id: bool, timeout: float | None,
                jobs: int, feedback: Path | None = None, progress: Callable[[Path], None] | None = None,
                on_row: Callable[[batch.Row], None] | None = None) -> ClassResult:  # fmt: skip
    """Grade every file: one row per student, in ``files`` order."""
    groups, notes = plan(files, assignment)
    students = batch.student_ids(files, target)
    seeds = {f: batch.seed_for(students[f]) for f in files} if seed_from_id else {}
    if feedback is not None:
        feedback.mkdir(parents=True, exist_ok=True)

    def on_report(path: Path, student: str, report: Report) -> None:
        if feedback is not None:
            write_feedback(feedback, path, student, report, seed_from_id)

    by_file: dict[Path, batch.Row] = {}
    names = []
    for spec_path, group in groups.items():
        spec = load_spec(spec_path)
        names.append(spec.name)
        limits = replace(spec.limits, timeout=timeout) if timeout else spec.limits
        rows = batch.grade_all(spec, group, seed=seed, limits=limits, jobs=jobs, progress=progress, on_row=on_row,
                               seeds=seeds, students=students, on_report=on_report)  # fmt: skip
        by_file.update(zip(group, rows))
    return ClassResult([by_file[f] for f in files], notes, names)


def summary(result: ClassResult) -> dict:
    s = batch.summary(result.rows)
    s["notes"] = list(result.notes)
    s["assignments"] = list(result.assignments)
    return s


def summary_page(path: Path, result: ClassResult, feedback: Path | None) -> None:
    """The class summary as a self-contained HTML page (links to the feedback pages, when written)."""
    rows = []
    for r in result.rows:
        d = dict(r.__dict__)
        if feedback is not None:
            rel = Path(feedback.resolve().relative_to(path.resolve().parent)) if feedback.resolve().is_relative_to(path.resolve().parent) else feedback.resolve()
            d["feedback"] = (rel / f"{safe_name(r.student)}.html").as_posix()
        rows.append(d)
    title = "gradcheck: " + ", ".join(result.assignments)
    write_atomic(path, pages.class_page(summary(result), rows, title))


def run_with_progress(total: int, run: Callable[[Callable[[Path], None] | None], Any]) -> Any:
    """``run(progress)`` with a progress bar on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        return run(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:  # fmt: skip
        task = bar.add_task("grading", total=total)
        return run(lambda _: bar.advance(task))


def print_class(result: ClassResult, out: TextIO) -> None:
    """The per-student table, then the class summary and its notes; the summary also goes to the
    GitHub step summary ($GITHUB_STEP_SUMMARY) as Markdown with a bar chart."""
    from .render.class_summary import summary_text
    from .render.console import make_console

    s = summary(result)
    table = pages.student_table([r.__dict__ for r in result.rows])
    if os.environ.get("GITHUB_ACTIONS") == "true":  # file names are the students': no workflow command in them may run
        from .render.annotations import wrap_student_output
        from .render.console import capture

        out.write(wrap_student_output(capture(lambda console: console.print(table), width=120)))
    else:
        make_console(file=out).print(table)
    out.write(summary_text(s))
    for note in s["notes"]:
        out.write(f"note: {note}\n")
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        try:
            with open(target, "a", encoding="utf-8") as fh:
                fh.write(pages.class_markdown(s))
        except OSError as exc:
            sys.stderr.write(f"gradcheck: warning: GITHUB_STEP_SUMMARY {target}: {exc.strerror or exc}\n")
