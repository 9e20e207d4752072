"""How well a file's function names fit an assignment: pure functions of names, standard library only
(the catalog uses them to pick an assignment, and the grader to pick a version and to offer renames)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Set


def rank(defined: Set[str], functions: Iterable[tuple[str, tuple[str, ...], bool]]) -> tuple[int, float]:
    """How well a file fits a version: (how many of its functions the file defines, by name or
    alias; the share of its required functions the file defines). ``functions``: (the name the
    student writes, its aliases, optional) once per student function."""
    hits = required = found = 0
    for call, aliases, optional in functions:
        there = call in defined or any(a in defined for a in aliases)
        hits += there
        if not optional:
            required += 1
            found += there
    return hits, (found / required if required else 1.0)


def rename_candidate(name: str, aliases: Iterable[str], defined: Iterable[str], wanted: Set[str] = frozenset(),
                     arities: Mapping[str, tuple[int, int]] | None = None, nargs: Iterable[int] = ()) -> str | None:  # fmt: skip
    """The function of the file that is probably ``name`` under another name ("did you mean"), or None.

    An alias the spec lists comes first; then the same name in other letter case; then a close
    spelling (difflib, cutoff 0.7). Never, except as a listed alias, a name in ``wanted`` (a function the file must define
    itself: ``dropout_backward`` is no rename of ``dropout_forward``), and, when ``arities``
    gives the candidate's (fewest, most) positional arguments, only one that can be called
    with one of the argument counts in ``nargs``."""
    counts = tuple(nargs)

    def fits(candidate: str) -> bool:
        if candidate in wanted or candidate == name:
            return False
        if arities is None or not counts or candidate not in arities:
            return True
        low, high = arities[candidate]
        return any(low <= n <= high for n in counts)

    defined = list(defined)
    for alias in aliases:  # the spec's own word comes first
        if alias in defined and alias != name:
            return alias
    names = [d for d in defined if fits(d)]
    lowered = {d.lower(): d for d in names}
    if name.lower() in lowered:
        return lowered[name.lower()]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.7)
    return close[0] if close else None


__all__ = ["rank", "rename_candidate"]
