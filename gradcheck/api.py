"""The library entry point: the same checks, isolation and findings as the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .catalog import pick_all, resolve
from .grade import DEFAULT_SEED, grade
from .report import Report
from .spec.loader import load_spec
from .submission import Submission


def assignment_names(assignment: str | Sequence[str] | None) -> list[str]:
    """The assignments asked for: each ``--assignment`` given, a value holding commas (that is no
    file) split at them ("cs231n,cs231n_rnn"), each once, in order."""
    if assignment is None:
        return []
    values = [assignment] if isinstance(assignment, str) else list(assignment)
    out: list[str] = []
    for value in values:
        split = [v.strip() for v in value.split(",") if v.strip()] if "," in value and not Path(value).exists() else [value]
        out += [v for v in split if v not in out]
    return out


def choose_specs(submission: Submission, assignment: str | Sequence[str] | None) -> tuple[list[Path], str | None]:
    """The specs to grade ``submission`` with (several when the file holds several assignments,
    ``catalog.several``, or several are pinned), and the sentence saying they were picked (or None)."""
    names = assignment_names(assignment)
    if names:
        return [resolve(n) for n in names], None
    entries, picked = pick_all(submission.defined, submission.source)
    return [e.path for e in entries], picked


def check_file(
    path: str | Path,
    assignment: str | Sequence[str] | None = None,
    *,
    seed: int = DEFAULT_SEED,
    timeout: float | None = None,
    memory_mb: int | None = None,
) -> Report:
    """Grade one submission; ``assignment`` is a built-in name or a spec path, or a list of them
    (default: picked; a file holding several assignments is graded on each, in one report)."""
    return check_submission(Submission.from_path(path), assignment, seed=seed, timeout=timeout, memory_mb=memory_mb)


def check_submission(
    submission: Submission,
    assignment: str | Sequence[str] | None = None,
    *,
    seed: int = DEFAULT_SEED,
    timeout: float | None = None,
    memory_mb: int | None = None,
) -> Report:
    """``check_file`` for a submission already read (a file, or a Jupyter session's input history)."""
    from . import combine

    paths, picked = choose_specs(submission, assignment)
    reports = []
    for spec in combine.apart([load_spec(p) for p in paths]):
        limits = spec.limits
        if timeout is not None:
            limits = replace(limits, timeout=timeout)
        if memory_mb is not None:
            limits = replace(limits, memory_mb=memory_mb)
        reports.append(grade(spec, submission, seed=seed, limits=limits, picked=picked if len(paths) == 1 else None))
    return combine.merge(reports, picked)
