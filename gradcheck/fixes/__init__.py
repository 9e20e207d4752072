"""Verified fixes (issue 19): the smallest change to the student's own line that makes a finding
pass, shown only after the patched copy was graded again.

``edits.py`` builds candidate edits from the diagnosis' mistakes (pure text and syntax trees);
``verify.py`` grades patched copies and attaches a ``findings.Fix`` to each finding it verified;
``write_fixed`` writes the fully patched copy next to the file (``--fix``), never over it.
"""

from __future__ import annotations

from pathlib import Path

from ..submission import Submission
from .verify import Outcome, patched_text, with_fixes

__all__ = ["Outcome", "fixed_path", "with_fixes", "write_fixed"]


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
