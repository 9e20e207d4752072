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


def find_page(topic: str, assignment: str = "planar") -> Page:
    if re.fullmatch(r"(?i)gc\d{3}", topic):
        pages = code_pages()
        page = pages.get(topic.upper())
        if page is None:
            raise UsageError(f"unknown finding code '{topic}'; codes: {', '.join(pages)}")
        return page
    pages = quantity_pages(assignment)
    if not pages:
        raise UsageError(f"assignment '{assignment}' has no explain pages")
    aliases = {"J": "cost", "L": "cost"}
    page = pages.get(aliases.get(topic, topic))
    if page is None:
        raise UsageError(f"'{topic}' is neither a finding code nor a quantity of '{assignment}'; try one of: {', '.join(pages)}")
    return page
