"""`gradcheck explain`: pages for finding codes and for an assignment's quantities."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

PAGES = Path(__file__).resolve().parent / "pages"


@dataclass(frozen=True)
class Page:
    meta: dict[str, str]
    body: str
    path: Path
    note: str = ""  # which assignment a quantity page is for, when none was asked for


def parse_page(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    if text.startswith("---\n"):
        head, _, text = text[4:].partition("\n---\n")
        for line in head.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip()] = value.strip().strip('"')
    return Page(meta, text.lstrip("\n"), path)


def code_pages() -> dict[str, Page]:
    return {p.stem: parse_page(p) for p in sorted(PAGES.glob("GC*.md"))}


def quantity_pages(assignment: str) -> dict[str, Page]:
    from ..catalog import assignments_dir

    folder = assignments_dir() / assignment / "explain"
    return {p.stem: parse_page(p) for p in sorted(folder.glob("*.md"))} if folder.is_dir() else {}


def find_page(topic: str, assignment: str | None = None) -> Page:
    """The page for a finding code, a tag, or a quantity of ``assignment``. With no assignment,
    a quantity is shown for the first built-in that has it, and ``note`` names the others."""
    from ..findings import TAGS
    from .generated import TAGS_FILE, tag_page_body

    if re.fullmatch(r"(?i)gc\d{3}", topic):
        pages = code_pages()
        page = pages.get(topic.upper())
        if page is None:
            raise UsageError(f"unknown finding code '{topic}'; codes: {', '.join(pages)}")
        return page
    if topic in TAGS and (body := tag_page_body(topic)) is not None:
        return Page({"tag": topic}, body, TAGS_FILE)
    if assignment is not None:
        page = quantity_page(topic, assignment)
        if page is None:
            raise UsageError(
                f"'{topic}' is neither a finding code, a tag nor a quantity of '{assignment}'; try one of: {', '.join(quantities(assignment))}"
            )
        return page
    having = [a for a in _builtin_names() if quantity_page(topic, a) is not None]
    if not having:
        raise UsageError(
            f"'{topic}' is neither a finding code, a tag nor a quantity of a built-in assignment; name one with -a, or give your file"
        )
    page = quantity_page(topic, having[0])
    assert page is not None
    note = f"Shown for the '{having[0]}' assignment."
    if len(having) > 1:
        note += f" {topic} is also a quantity of: {', '.join(having[1:])}. Use -a NAME, or give your file: gradcheck explain {topic} yourfile.py"
    return Page(page.meta, page.body, page.path, note)


def _builtin_names() -> list[str]:
    from ..catalog import builtins

    names = [e.name for e in builtins()]
    return sorted(names, key=lambda n: n != "planar")  # the course's first network, with hand-written pages, first


def _spec(assignment: str):
    from ..catalog import resolve
    from ..spec.loader import load_spec

    return load_spec(resolve(assignment))


ALIASES = {"J": "cost", "L": "cost"}


def quantity_page(topic: str, assignment: str) -> Page | None:
    """A hand-written page when the assignment has one, else one written from its spec."""
    from .generated import quantity_body

    pages = quantity_pages(assignment)
    page = pages.get(ALIASES.get(topic, topic))
    if page is not None:
        return page
    spec = _spec(assignment)
    body = quantity_body(spec, topic)
    return (
        Page({"quantity": topic, "assignment": assignment}, body, spec.source_path if hasattr(spec, "source_path") else PAGES)
        if body
        else None
    )


def quantities(assignment: str) -> list[str]:
    """The topics of ``assignment``: its hand-written pages and every value a student can name
    (the spec's bookkeeping, such as ``grad_norm`` or ``lstm_states``, has no page)."""
    from .generated import _all_names, nameable

    spec = _spec(assignment)
    shown = dict.fromkeys([*quantity_pages(assignment), *(spec.shown(n) for n in _all_names(spec) if nameable(spec, n))])
    return list(shown)


def assignment_of(path: Path) -> str:
    """The built-in assignment a student's file matches (by the functions it defines)."""
    from ..catalog import pick
    from ..submission import Submission

    return pick(Submission.from_path(path).defined)[0].name


def page_for(topic: str, assignment: str | None, file: Path | None) -> Page:
    """``gradcheck explain TOPIC [FILE] [-a NAME]``: with a file and no assignment, the page of the
    assignment the file matches, saying so."""
    if assignment is None and file is not None:
        name = assignment_of(file)
        page = find_page(topic, name)
        return (
            page
            if page.meta.get("code") or page.meta.get("tag")
            else Page(page.meta, page.body, page.path, f"Shown for the '{name}' assignment, which {file.name} matches.")
        )
    return find_page(topic, assignment)
