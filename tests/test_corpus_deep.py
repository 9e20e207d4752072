"""Every submission in the deep (C1W4, L-layer) corpus gets the verdict, target and tags its manifest names."""

from __future__ import annotations

import pytest

from gradcheck.grade import grade

from .conftest import CORPUS, check_case, manifest, root_finding

CASES = manifest("deep")
PARAMS = [pytest.param(c, id=c["file"], marks=pytest.mark.xfail(reason=c["xfail"], strict=True) if "xfail" in c else ()) for c in CASES]
LINE_CASES = [c for c in CASES if "line" in c]
LINE_PARAMS = [
    pytest.param(c, id=c["file"], marks=pytest.mark.xfail(reason=c["line_xfail"], strict=True) if "line_xfail" in c else ())
    for c in LINE_CASES
]


@pytest.fixture(scope="module")
def deep_spec():
    from gradcheck.catalog import resolve
    from gradcheck.spec.loader import load_spec

    return load_spec(resolve("deep"))


@pytest.fixture(scope="module")
def reports(deep_spec):
    cache: dict = {}

    def get(case):
        if case["file"] not in cache:
            cache[case["file"]] = grade(deep_spec, CORPUS / "deep" / case["file"])
        return cache[case["file"]]

    return get


def _function_of(spec, finding) -> str | None:
    """The graded function (its Python name) a finding belongs to."""
    calls = {f.name: f.call for f in spec.functions}
    if finding.check and finding.check.split(":", 1)[0] in calls:
        return calls[finding.check.split(":", 1)[0]]
    if finding.target in calls.values():
        return finding.target
    return None


def _belongs_to(spec, finding, entry: str) -> bool:
    """Whether a finding was produced by the spec entry ``entry`` (function-level findings carry
    the function's name as target and no check id, so they match every entry of that function)."""
    if finding.check:
        return finding.check.split(":", 1)[0] == entry
    call = next(f.call for f in spec.functions if f.name == entry)
    return finding.target == call


@pytest.mark.parametrize("case", PARAMS)
def test_deep_corpus(case, deep_spec, reports):
    report = reports(case)
    summary = [(f.code, f.target, f.tags, f.caused_by) for f in report.findings]
    root = check_case(report, case)
    if root is None:
        return
    cause = _function_of(deep_spec, root)
    for entry in case.get("also_consequence", []):
        assert entry in {f.name for f in deep_spec.functions}, entry
        mine = [f for f in report.findings if _belongs_to(deep_spec, f, entry)]
        assert not [f for f in mine if f.level == "error"], (entry, summary)
        assert [f for f in mine if f.code == "GC303" and f.caused_by == cause], (entry, cause, summary)
    for entry in case.get("also_error", []):  # a mistake of its own next to the callee's: never hidden
        assert entry in {f.name for f in deep_spec.functions}, entry
        mine = [f for f in report.findings if _belongs_to(deep_spec, f, entry)]
        assert [f for f in mine if f.level == "error"], (entry, summary)


@pytest.mark.parametrize("case", LINE_PARAMS)
def test_deep_corpus_line(case, reports):
    """The root finding points at the line of the mistake (kept apart from the verdict test)."""
    report = reports(case)
    root = root_finding(report)
    assert root is not None and root.location is not None
    want = case["line"] if isinstance(case["line"], list) else [case["line"]]
    assert root.location.line in want, (root.code, root.target, root.location.line)
    for text in case.get("message_includes", []):
        assert text in root.message, root.message
    if "via" in case:
        assert root.location.via is not None and root.location.via.line == case["via"], root.location
