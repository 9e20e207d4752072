"""The `gradcheck explain` pages: one per finding code, one per planar quantity.

Every code page's wrong-code example is real: its lines are in a fixture, and grading
that fixture produces the code (the rustc-style "the example really triggers it" test).
"""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys

import pytest
from rich.console import Console
from rich.markdown import Markdown

from gradcheck.errors import UsageError
from gradcheck.explain import PAGES, code_pages, find_page, quantity_pages
from gradcheck.findings import CODES
from gradcheck.grade import grade

from ..conftest import CORPUS, ROOT

CODE_SECTIONS = ("What it checks", "Why is this wrong?", "Example", "Fix", "See also")
PLACEHOLDERS = {"NAME", "CODE", "QUANTITY"}
QUANTITIES = ("dZ2", "dW2", "db2", "dZ1", "dW1", "db1", "A2", "cost", "overview")

PAGES_BY_CODE = code_pages()
QUANTITY_PAGES = quantity_pages("planar")
WITH_FIXTURE = sorted(c for c, p in PAGES_BY_CODE.items() if p.meta.get("fixture", "none") != "none")
WITHOUT_FIXTURE = sorted(c for c, p in PAGES_BY_CODE.items() if p.meta.get("fixture") == "none")
ALL_PAGES = [(f"code/{c}", p) for c, p in PAGES_BY_CODE.items()] + [(f"planar/{q}", p) for q, p in QUANTITY_PAGES.items()]


def sections(body: str) -> list[str]:
    return re.findall(r"^## (.+?)\s*$", body, flags=re.M)


def section(body: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", body, flags=re.M | re.S)
    assert match, f"no '## {title}' section"
    return match.group(1)


def example_lines(body: str) -> list[str]:
    block = re.search(r"```python\n(.*?)```", section(body, "Example"), flags=re.S)
    assert block, "the Example section has no ```python block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def render_markdown(body: str, width: int = 100) -> str:
    buf = io.StringIO()
    Console(file=buf, width=width, no_color=True, color_system=None, force_terminal=False).print(Markdown(body))
    return buf.getvalue()


def gradecheck_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gradcheck", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


# -- code pages ------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_has_a_page_that_matches_the_table(code):
    page = PAGES_BY_CODE.get(code)
    assert page is not None, f"{code} has no page in {PAGES}"
    assert page.meta.get("code") == code
    assert page.meta.get("name") == CODES[code].name
    assert page.body.startswith(f"# {code} {CODES[code].name}\n")


def test_no_page_without_a_code():
    assert set(PAGES_BY_CODE) <= set(CODES)


@pytest.mark.parametrize("code", sorted(PAGES_BY_CODE))
def test_code_page_has_every_section_in_order(code):
    found = sections(PAGES_BY_CODE[code].body)
    assert [s for s in found if s in CODE_SECTIONS] == list(CODE_SECTIONS), found
    for title in CODE_SECTIONS:
        assert section(PAGES_BY_CODE[code].body, title).strip(), f"'## {title}' is empty"


@pytest.mark.parametrize("code", sorted(PAGES_BY_CODE))
def test_fixture_field_is_a_corpus_file_or_none(code):
    fixture = PAGES_BY_CODE[code].meta.get("fixture")
    assert fixture, "front matter needs 'fixture: <path>' or 'fixture: none'"
    if fixture != "none":
        path = ROOT / fixture
        assert path.is_file(), fixture
        assert path.parent == CORPUS / "explain", "fixtures live in tests/corpus/explain"
        assert path.name.startswith(code.lower() + "_"), "a fixture's name starts with its code"


def test_every_explain_fixture_belongs_to_a_page():
    used = {(ROOT / p.meta["fixture"]).resolve() for p in PAGES_BY_CODE.values() if p.meta.get("fixture", "none") != "none"}
    orphans = sorted(p.name for p in (CORPUS / "explain").glob("*.py") if p.resolve() not in used)
    assert not orphans


@pytest.mark.parametrize("code", WITH_FIXTURE)
def test_example_lines_are_in_the_fixture(code):
    page = PAGES_BY_CODE[code]
    fixture_lines = {line.strip() for line in (ROOT / page.meta["fixture"]).read_text(encoding="utf-8").splitlines()}
    lines = example_lines(page.body)
    assert lines
    missing = [line for line in lines if line not in fixture_lines]
    assert not missing, f"lines of the {code} example not found verbatim in {page.meta['fixture']}"


@pytest.mark.parametrize("code", WITH_FIXTURE)
def test_fixture_triggers_its_code(code, planar_spec):
    page = PAGES_BY_CODE[code]
    spec = planar_spec
    if page.meta.get("assignment", "planar") != "planar":  # a code only another assignment can produce
        from gradcheck.catalog import resolve
        from gradcheck.spec.loader import load_spec

        spec = load_spec(resolve(page.meta["assignment"]))
    # A short limit only where the fixture needs one to end (a loop that never does); the
    # others keep the spec's, so a busy machine cannot turn a slow print into GC004.
    limits = dataclasses.replace(spec.limits, timeout=2.0) if code == "GC004" else spec.limits
    report = grade(spec, ROOT / page.meta["fixture"], limits=limits)
    codes = [f.code for f in report.findings]
    assert code in codes, f"grading {page.meta['fixture']} gave {codes}, not {code}"


@pytest.mark.parametrize("code", WITHOUT_FIXTURE)
def test_page_without_fixture_says_why(code):
    body = PAGES_BY_CODE[code].body
    match = re.search(r"\*\*No fixture:\*\*(.+?)(?:\n\n|\Z)", body, flags=re.S)
    assert match, "a page with 'fixture: none' explains why in a '**No fixture:**' paragraph"
    assert len(match.group(1).split()) >= 15, "say why in a sentence or two"
    assert "```python" in section(body, "Example"), "even without a fixture, show an illustration"


# -- quantity pages ----------------------------------------------------------------------


@pytest.mark.parametrize("quantity", QUANTITIES)
def test_quantity_page_exists_and_renders(quantity):
    page = find_page(quantity, "planar")
    assert page.meta.get("quantity") == quantity
    assert page.meta.get("formula") and page.meta.get("shape")
    assert page.body.startswith("# ")
    text = render_markdown(page.body)
    assert page.body.splitlines()[0][2:].split(" — ")[0] in text


@pytest.mark.parametrize("quantity", sorted(QUANTITY_PAGES))
def test_quantity_page_front_matter(quantity):
    page = QUANTITY_PAGES[quantity]
    assert page.meta.get("quantity") == quantity
    assert page.meta.get("formula") and page.meta.get("shape")
    if quantity != "overview":
        assert {"Common mistakes", "See also"} <= set(sections(page.body))


def test_every_value_the_report_names_has_a_page(planar_spec):
    """Panels say `gradcheck explain <target>` for every value with a formula."""
    names = [f.name for f in planar_spec.forward] + list(planar_spec.gradient_names) + ["J"]
    missing = []
    for name in names:
        try:
            find_page(planar_spec.shown(name), "planar")
        except UsageError:
            missing.append(planar_spec.shown(name))
    assert not missing


@pytest.mark.parametrize("alias", ["J", "L"])
def test_cost_aliases(alias):
    assert find_page(alias, "planar").meta["quantity"] == "cost"


# -- every page ----------------------------------------------------------------------------


@pytest.mark.parametrize("name,page", ALL_PAGES, ids=[n for n, _ in ALL_PAGES])
def test_page_renders_with_rich(name, page):
    for width in (100, 60):
        text = render_markdown(page.body, width)
        assert text.strip()
    assert "```" not in render_markdown(page.body), "an unbalanced code fence"


@pytest.mark.parametrize("name,page", ALL_PAGES, ids=[n for n, _ in ALL_PAGES])
def test_cross_references_resolve(name, page):
    for code in re.findall(r"\bGC\d{3}\b", page.body):
        assert code in CODES, f"{name} mentions unknown code {code}"
    for topic in re.findall(r"`gradcheck explain ([^`\s]+)`", page.body):
        if topic not in PLACEHOLDERS:
            find_page(topic, "planar")  # raises UsageError for a dead reference
    for target in re.findall(r"\]\(([^)\s]+\.md)\)", page.body):
        assert (page.path.parent / target).is_file(), f"{name} links to missing {target}"


# -- the command line ---------------------------------------------------------------------------


def test_cli_explain_code():
    proc = gradecheck_cli("explain", "GC302", "--no-color", "--width", "100")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = proc.stdout
    assert "GC302 scale-mismatch" in out
    for title in CODE_SECTIONS:
        assert title in out
    assert "dW1 = np.dot(dZ1, X.T) / m" in out
    assert "\x1b[" not in out, "--no-color output has no escape codes"
    assert max(len(line) for line in out.splitlines()) <= 100


def test_cli_explain_code_is_case_insensitive():
    proc = gradecheck_cli("explain", "gc302", "--no-color", "--width", "100")
    assert proc.returncode == 0 and "GC302 scale-mismatch" in proc.stdout


def test_cli_explain_quantity():
    proc = gradecheck_cli("explain", "dZ1", "--no-color", "--width", "100")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "dZ1" in proc.stdout and "The chain rule, step by step" in proc.stdout
    assert "np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))" in proc.stdout


@pytest.mark.parametrize("topic", ["GC999", "dZ9", "nonsense"])  # dZ3 is a quantity of deep and regularization
def test_cli_explain_unknown_topic(topic):
    proc = gradecheck_cli("explain", topic, "--no-color")
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("gradcheck: error: ") and topic in lines[0]
