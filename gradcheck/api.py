"""The library entry point: the same checks, isolation and findings as the CLI."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .catalog import pick, resolve
from .grade import DEFAULT_SEED, grade
from .report import Report
from .spec.loader import load_spec
from .submission import Submission


def choose_spec(submission: Submission, assignment: str | None) -> tuple[Path, str | None]:
    """The spec to grade ``submission`` with, and the sentence saying it was picked (or None)."""
    if assignment is not None:
        return resolve(assignment), None
    entry, picked = pick(submission.defined, submission.source)
    return entry.path, picked


def check_file(
    path: str | Path,
    assignment: str | None = None,
    *,
    seed: int = DEFAULT_SEED,
    timeout: float | None = None,
    memory_mb: int | None = None,
) -> Report:
    """Grade one submission; ``assignment`` is a built-in name or a spec path (default: picked)."""
    return check_submission(Submission.from_path(path), assignment, seed=seed, timeout=timeout, memory_mb=memory_mb)


def check_submission(
    submission: Submission,
    assignment: str | None = None,
    *,
    seed: int = DEFAULT_SEED,
    timeout: float | None = None,
    memory_mb: int | None = None,
) -> Report:
    """``check_file`` for a submission already read (a file, or a Jupyter session's input history)."""
    spec_path, picked = choose_spec(submission, assignment)
    spec = load_spec(spec_path)
    limits = spec.limits
    if timeout is not None:
        limits = replace(limits, timeout=timeout)
    if memory_mb is not None:
        limits = replace(limits, memory_mb=memory_mb)
    return grade(spec, submission, seed=seed, limits=limits, picked=picked)
