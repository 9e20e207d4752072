"""The library entry point: the same checks, isolation and findings as the CLI."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .catalog import pick, resolve
from .check.engine import read_source
from .grade import DEFAULT_SEED, grade
from .report import Report
from .spec.loader import load_spec


def source_for_picking(path: Path) -> str:
    """The Python text whose function names choose the assignment (a notebook's code cells)."""
    if path.suffix.lower() == ".ipynb":
        from .errors import UsageError
        from .notebook import extract

        try:
            return extract(path).source
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return read_source(path)


def choose_spec(path: Path, assignment: str | None) -> tuple[Path, str | None]:
    """The spec to grade ``path`` with, and the sentence saying it was picked (or None)."""
    if assignment is not None:
        return resolve(assignment), None
    entry, picked = pick(source_for_picking(path))
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
    path = Path(path)
    spec_path, picked = choose_spec(path, assignment)
    spec = load_spec(spec_path)
    limits = spec.limits
    if timeout is not None:
        limits = replace(limits, timeout=timeout)
    if memory_mb is not None:
        limits = replace(limits, memory_mb=memory_mb)
    return grade(spec, path, seed=seed, limits=limits, picked=picked)
