"""The words of GC011 skipped-code (registered in messages.WRITERS): what of a notebook, or of a
``.py`` exported from one, was left out, and which of two definitions of a function was graded."""

from __future__ import annotations

from . import problems as P
from .wording import Words

MAX_LISTED = 5  # places named in the message; the rest are counted (all of them are in the details)


def gc011(p: P.Problem) -> Words:
    if isinstance(p, P.DefinedTwice):
        return _defined_twice(p)
    assert isinstance(p, P.SkippedCode)
    return _left_out(p)


def place_label(place: P.Place) -> str:
    """``line 12``, ``In [7], line 3``, ``cell 4, line 3`` (a cell saved without an execution count), ``In [7]``."""
    if place.cell is None:
        return f"line {place.line}"
    cell = f"In [{place.count}]" if place.count is not None else f"cell {place.cell}"
    return cell if place.line is None else f"{cell}, line {place.line}"


def _counted(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _left_out(p: P.SkippedCode) -> Words:
    groups: list[tuple[P.Place, list[str]]] = []  # statements sharing a line are named together
    for place, why in p.left_out:
        if groups and groups[-1][0] == place:
            groups[-1][1].append(why)
        else:
            groups.append((place, [why]))
    items = [f"{place_label(place)}: {', '.join(whys)}" for place, whys in groups]
    cells = sum(1 for place, _ in p.left_out if place.line is None)
    statements = len(p.left_out) - cells
    what = _and(([_counted(statements, "top-level statement")] if statements else []) + ([_counted(cells, "whole cell")] if cells else []))
    rest = len(p.left_out) - sum(len(whys) for _, whys in groups[:MAX_LISTED])
    listed = "; ".join(items[:MAX_LISTED]) + (f"; and {rest} more" if rest else "")
    numbered = any(place.cell is not None and place.count is None for place, _ in p.left_out)
    note = " (cells without a saved execution count are numbered from the top)" if numbered else ""
    message = (
        f"Left out {what} that a grader does not run (Jupyter magics, test calls, plots, dataset loading, training); "
        f"your functions were graded without them: {listed}{note}."
    )
    return Words(message, None, tuple(items) if len(groups) > 1 else ())


def _defined_twice(p: P.DefinedTwice) -> Words:
    order = sorted(p.cells, key=lambda c: c.count or 0) if p.by_count else p.cells  # in the order they ran
    cells = _and([place_label(P.Place(None, c.cell, c.count)) for c in order])
    graded = place_label(P.Place(None, p.graded.cell, p.graded.count))
    if p.by_count:
        why = "the one Jupyter ran last"
    else:
        why = "the last one in the notebook (no execution counts were saved, so cell order decides, as when the notebook runs from the top)"
    return Words(
        f"{p.function} is defined in {cells}; gradcheck graded {graded}, {why}.",
        f"keep one definition of {p.function} and delete the others, so that what you ran is what is graded",
    )
