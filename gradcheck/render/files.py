"""Report files: checked before grading, written fresh and whole after it, never read back.

A results file is only ever created by gradcheck once grading is over: a new file in the
same folder, moved over the path in one step. Whatever sat at the path before (written by
anyone, the submission included) is replaced whole, never read or appended to.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..report import Report
from .common import points


def unwritable(path: Path) -> str | None:
    """Why no report can be written at ``path`` (a directory; a folder where no file can be
    created: a probe file is made there and removed), or None when it can."""
    path = Path(path)
    if path.is_dir():
        return "is a directory"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return str(exc.strerror or exc)
    return None


def write_atomic(path: Path, text: str) -> None:
    """``text`` as the whole content of ``path`` (UTF-8), in one step. Raises OSError."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def step_outputs(report: Report, target: str) -> None:
    """score, max-score and passed appended to GitHub's ``$GITHUB_OUTPUT`` by the grader
    itself: the action never reads back a results file. Raises OSError."""
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(f"score={points(report.score)}\nmax-score={points(report.max_score)}\npassed={'true' if report.passed else 'false'}\n")
