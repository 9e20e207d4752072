"""Every submission in the cs231n_conv corpus (CS231n assignment 2's layers.py with the naive
convolutional layers) gets the version, verdict, target and tags its manifest names."""

from __future__ import annotations

import pytest

from gradcheck.grade import grade

from .conftest import CORPUS, check_case, load_builtin, manifest, root_finding

CASES = manifest("cs231n_conv")
PARAMS = [pytest.param(c, id=c["file"], marks=pytest.mark.xfail(reason=c["xfail"], strict=True) if "xfail" in c else ()) for c in CASES]
LINE_PARAMS = [
    pytest.param(c, id=c["file"], marks=pytest.mark.xfail(reason=c["line_xfail"], strict=True) if "line_xfail" in c else ())
    for c in CASES
    if "line" in c
]


@pytest.fixture(scope="module")
def cs231n_spec():
    return load_builtin("cs231n")


@pytest.fixture(scope="module")
def reports(cs231n_spec):
    cache: dict = {}

    def get(case):
        if case["file"] not in cache:
            cache[case["file"]] = grade(cs231n_spec, CORPUS / "cs231n_conv" / case["file"])
        return cache[case["file"]]

    return get


@pytest.mark.parametrize("case", PARAMS)
def test_cs231n_conv_corpus(case, cs231n_spec, reports):
    report = reports(case)
    assert f"version '{case.get('version', 'a2_layers_conv')}'" in report.picked, report.picked
    root = check_case(report, case)
    if root is None:
        return
    if "code" in case:
        assert root.code == case["code"], (root.code, root.target, root.message)
    if "entry" not in case:
        return
    assert case["entry"] in {f.name for f in cs231n_spec.functions}, case["entry"]
    assert root.check and root.check.split(":", 1)[0] == case["entry"], (root.check, root.code, root.target)


@pytest.mark.parametrize("case", LINE_PARAMS)
def test_cs231n_conv_corpus_line(case, reports):
    """The root finding points at the line of the mistake (kept apart from the verdict test)."""
    root = root_finding(reports(case))
    assert root is not None and root.location is not None
    want = case["line"] if isinstance(case["line"], list) else [case["line"]]
    assert root.location.line in want, (root.code, root.target, root.location.line)


# The explain pages of the convolutional layers (assignments/cs231n/explain/) name an example
# fixture for each row of their "Common mistakes" table: the row must promise what the
# manifest (checked above against real grading) says that fixture gets.
PAGES = ("conv_backward_naive", "max_pool_backward_naive", "spatial_batchnorm_backward", "spatial_groupnorm_backward")


def _rows(body: str) -> list[tuple[str, str | None, str]]:
    rows = []
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[2].startswith("GC"):
            code, _, tag = cells[2].partition(",")
            rows.append((code.strip(), tag.strip().strip("`") or None, cells[3].strip("`")))
    return rows


@pytest.mark.parametrize("page", PAGES)
def test_explain_page_rows_match_the_corpus(page):
    from gradcheck.explain import find_page

    found = find_page(page)
    assert found.body.startswith(f"# {page} — ") and "## Common mistakes" in found.body
    rows = _rows(found.body)
    assert len(rows) >= 3
    by_file = {c["file"]: c for c in CASES}
    for code, tag, example in rows:
        case = by_file[f"buggy/{example}.py"]
        assert case["code"] == code, (example, case["code"], code)
        assert tag is None or tag in case["tags"], (example, tag, case["tags"])
