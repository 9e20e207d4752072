from __future__ import annotations

import dataclasses
import functools

from gradcheck.catalog import resolve
from gradcheck.grade import grade
from gradcheck.render.console import capture
from gradcheck.render.text import render
from gradcheck.spec.loader import load_spec

from ..conftest import CORPUS


@functools.cache
def graded(relpath: str):
    """The report for a corpus file (graded once per session; timeout 2 s)."""
    spec = load_spec(resolve("planar"))
    return grade(spec, CORPUS / relpath, limits=dataclasses.replace(spec.limits, timeout=2.0))


@functools.cache
def graded_several(relpath: str):
    """The report for a corpus file that holds several assignments, each picked (once per session)."""
    from gradcheck.api import check_file

    return check_file(CORPUS / relpath)


def text_of(report, width: int = 100, verbose: bool = False) -> str:
    return capture(lambda console: render(report, console, verbose=verbose), width=width)


def unboxed(text: str) -> list[str]:
    """The report's lines with panel borders removed and trailing space stripped."""
    out = []
    for line in text.splitlines():
        line = line.rstrip()
        if line.startswith("│") and line.endswith("│"):
            line = line[1:-1].strip()
        out.append(line.rstrip())
    return out
