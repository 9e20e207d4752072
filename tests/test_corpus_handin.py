"""Issue 16: submissions in the forms students hand in (tests/corpus/handin/manifest.yaml).

A correct file passes with no error finding and full marks; a wrong one fails with an error
finding that names its target (by the finding's target or by the function its check belongs
to). Entries marked ``xfail`` are what today's engine gets wrong (strict: they fail as soon as
the engine gets them right, and the mark goes).
"""

from __future__ import annotations

import pytest

import gradcheck

from .conftest import CORPUS, manifest, params

HANDIN = CORPUS / "handin"


def _names(finding) -> set[str]:
    """What a finding names: its target, and the function of the check it belongs to."""
    names = {finding.target}
    if finding.check:
        names.add(finding.check.split(":", 1)[0])
    return names


def _summary(report) -> list[tuple]:
    return [(f.code, f.level, f.target, f.check, f.tags) for f in report.findings]


def _assert_pass(report, case) -> None:
    assert report.passed, _summary(report)
    assert not report.errors, _summary(report)
    assert report.score == report.max_score, (report.score, _summary(report))


def _assert_fail(report, case) -> None:
    summary = _summary(report)
    assert not report.passed, summary
    assert report.score < report.max_score, (report.score, summary)
    hits = [f for f in report.errors if case["target"] in _names(f)]
    assert hits, summary
    if "code" in case:
        hits = [f for f in hits if f.code == case["code"]]
        assert hits, summary
    wanted = set(case.get("tags", []))
    assert any(wanted <= set(f.tags) for f in hits), summary
    for text in case.get("message_excludes", []):
        assert all(text not in f.message for f in hits), [f.message for f in hits]
    if "score" in case:
        assert report.score == case["score"], (report.score, summary)


def test_manifest_is_complete():
    """Every entry names a file that exists, an assignment, a verdict and the bullet it covers."""
    cases = manifest("handin")
    assert len(cases) >= 40
    files = [c["file"] for c in cases]
    assert len(files) == len(set(files))
    for case in cases:
        assert (HANDIN / case["file"]).is_file(), case["file"]
        assert case["expect"] in ("pass", "fail"), case["file"]
        assert case["assignment"] and case["issue16"], case["file"]
        assert (case["expect"] == "fail") == ("target" in case), case["file"]


@pytest.mark.parametrize("case", params("handin"))
def test_handin(case):
    report = gradcheck.check_file(HANDIN / case["file"], case["assignment"])
    assert report.assignment == case["assignment"]
    if case["expect"] == "pass":
        _assert_pass(report, case)
    else:
        _assert_fail(report, case)
    if case["file"].startswith(("nbconvert/", "notebooks/")):
        _assert_skipped_code_listed(report)


def _assert_skipped_code_listed(report) -> None:
    """An export or notebook's top-level noise is one GC011 info finding (the verdict above is unchanged by it);
    a function defined in two cells is one more, naming both cells."""
    skipped = [f for f in report.findings if f.code == "GC011"]
    assert all(f.level == "info" for f in skipped), _summary(report)
    assert [f.target for f in skipped].count("submission") == 1, _summary(report)
    assert skipped[0].message.startswith("Left out "), skipped[0].message
    if "defined_twice" in report.file:
        twice = [f for f in skipped if f.target == "backward_propagation"]
        assert len(twice) == 1 and twice[0].message.startswith("backward_propagation is defined in In [9] and In [14]"), _summary(report)
