"""Every submission in the planar corpus gets the verdict, target and tags its manifest names."""

from __future__ import annotations

import pytest

from gradcheck.grade import grade

from .conftest import CORPUS, manifest, root_finding

CASES = manifest("planar")


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_planar_corpus(case, planar_spec):
    report = grade(planar_spec, CORPUS / "planar" / case["file"])
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
    assert report.score < report.max_score
