"""Every submission in the logistic corpus gets the verdict, target and tags its manifest names."""

from __future__ import annotations

import pytest

from gradcheck.grade import grade

from .conftest import CORPUS, manifest, root_finding

CASES = manifest("logistic")
PARAMS = [pytest.param(c, id=c["file"], marks=pytest.mark.xfail(reason=c["xfail"], strict=True) if "xfail" in c else ()) for c in CASES]


@pytest.fixture(scope="module")
def logistic_spec():
    from gradcheck.catalog import resolve
    from gradcheck.spec.loader import load_spec

    return load_spec(resolve("logistic"))


@pytest.mark.parametrize("case", PARAMS)
def test_logistic_corpus(case, logistic_spec):
    report = grade(logistic_spec, CORPUS / "logistic" / case["file"])
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
