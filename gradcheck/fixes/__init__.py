"""Verified fixes (issue 19): the smallest change to the student's own line that makes a finding
pass, shown only after the patched copy was graded again.

``edits.py`` builds candidate edits from the diagnosis' mistakes (pure text and syntax trees);
``verify.py`` grades patched copies and attaches a ``findings.Fix`` to each finding it verified;
``write_fixed`` writes the fully patched copy next to the file (``--fix``), never over it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..submission import Submission
from .verify import Outcome, patched_text, with_fixes

__all__ = ["Outcome", "fixed_path", "for_command", "mode_for", "warm", "withheld", "with_fixes", "write_fixed"]


@contextmanager
def warm(mode: str, write: bool) -> Iterator[object | None]:
    """The fork server the file is graded from, and then its re-grades: started before the grade,
    so a fix is verified by children forked warm (numpy imported once) instead of each one
    starting cold. None where fixes will not be looked for, or no fork server is available."""
    server = None
    if mode != "off" or write:
        from ..sandbox import zygote

        server = zygote.default()
    try:
        yield server
    finally:
        if server is not None:
            server.close()


def fixed_path(path: Path) -> Path:
    """student.py -> student.fixed.py; Planar.ipynb -> Planar.fixed.ipynb."""
    return path.with_name(f"{path.stem}.fixed{path.suffix}")


def write_fixed(submission: Submission, outcome: Outcome) -> Path | None:
    """Write the patched copy next to the file; None when nothing was verified."""
    if not outcome.patched:
        return None
    target = fixed_path(submission.path)
    target.write_text(patched_text(submission, outcome.patched), encoding="utf-8")
    return target


# Formats where a fix would hand the answer to a graded student: no fixes unless the spec asks.
NO_FIXES_IN = ("gradescope", "classroom", "classroom50", "junit")


def mode_for(fmt: str, spec_mode: str | None = None) -> str:
    """off | hint | diff: the spec's word wins; else on for people, off in the CI formats."""
    if spec_mode in ("off", "hint", "diff"):
        return spec_mode
    return "off" if fmt in NO_FIXES_IN else "diff"


def withheld(report):
    """``fixes: hint``: each verified fix keeps where it is and what it makes pass, never its code."""
    from dataclasses import replace

    return replace(report, findings=[replace(f, fix=replace(f.fix, before=None, after=None)) if f.fix is not None else f
                                     for f in report.findings])  # fmt: skip


def for_command(spec, submission: Submission, report, mode: str, write: bool, **options):
    """The report as ``mode`` shows it, and what ``--fix`` wrote, in words (or None).

    off: nothing is looked for (the words are the fix, not a hint); hint: fixes are verified, and
    a verified one shows its words and where, never the code; diff: the verified change itself.
    A spec that says off or hint also forbids ``--fix``: the patched file would be the code."""
    from dataclasses import replace

    locked = getattr(spec, "fixes", None) in ("off", "hint")
    if mode == "off" and (not write or locked):
        said = "--fix: the assignment turns fixes off; nothing was written" if write else None
        return replace(report, fixes="off"), said
    outcome = with_fixes(spec, submission, report, **options)
    fixed = replace(outcome.report if mode != "off" else report, fixes=mode)
    if mode == "hint":
        fixed = withheld(fixed)
    if not write:
        return fixed, None
    if locked:
        return fixed, "--fix: the assignment shows fixes as hints only; nothing was written"
    target = write_fixed(submission, outcome)
    if target is None:
        return fixed, f"--fix: no verified fix for {submission.path.name}; nothing was written"
    lines = [f"--fix: wrote {target} ({submission.path.name} is unchanged)"]
    for f in outcome.report.findings:
        if f.fix is not None:
            where = f"cell [{f.fix.cell}] line {f.fix.line}" if f.fix.cell is not None else f"line {f.fix.line}"
            lines.append(f"  {where}: {f.fix.before.strip()}  →  {f.fix.after.strip()}")
    new = outcome.new_report
    if new is not None:
        lines.append(f"  new score: {new.score:g}/{new.max_score:g}" + (" (passes)" if new.passed else ""))
    return fixed, "\n".join(lines)
