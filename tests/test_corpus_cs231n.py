"""Every submission in the cs231n corpus gets the verdict, target and tags its manifest names."""

from __future__ import annotations

import pytest

from gradcheck.grade import grade

from .conftest import CORPUS, manifest, root_finding

CASES = manifest("cs231n")
PARAMS = [pytest.param(c, id=c["file"], marks=pytest.mark.xfail(reason=c["xfail"], strict=True) if "xfail" in c else ()) for c in CASES]


@pytest.fixture(scope="module")
def cs231n_spec():
    from gradcheck.catalog import resolve
    from gradcheck.spec.loader import load_spec

    return load_spec(resolve("cs231n"))


@pytest.mark.parametrize("case", PARAMS)
def test_cs231n_corpus(case, cs231n_spec):
    report = grade(cs231n_spec, CORPUS / "cs231n" / case["file"])
    summary = [(f.code, f.target, f.tags) for f in report.findings]
    assert report.passed is case["passed"], summary
    if case["passed"]:
        assert not report.errors
        if "warning" in case:
            warnings = [f for f in report.findings if f.code == case["warning"]]
            assert warnings, summary
            assert warnings[0].target == case["target"], summary
        else:
            assert not [f for f in report.findings if f.level == "warning"], summary
        assert report.score == report.max_score
        return
    root = root_finding(report)
    assert root is not None
    assert root.target == case["target"], summary
    assert set(case.get("tags", [])) <= set(root.tags), summary
    assert not set(case.get("forbid_tags", [])) & set(root.tags), summary
    for text in case.get("message_excludes", []):
        assert text not in root.message, root.message
    assert report.score < report.max_score
