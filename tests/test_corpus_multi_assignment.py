"""Files that hold the layers of several CS231n assignments are graded on each (tests/corpus/multi_assignment)."""

from __future__ import annotations

import pytest

from gradcheck.api import check_file
from gradcheck.render import json_report

from .conftest import CORPUS, check_case, manifest, root_finding

CASES = manifest("multi_assignment")


@pytest.fixture(scope="module")
def reports():
    cache: dict = {}

    def get(case):
        if case["file"] not in cache:
            cache[case["file"]] = check_file(CORPUS / "multi_assignment" / case["file"])
        return cache[case["file"]]

    return get


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_each_assignment_graded_with_its_verdict(case, reports):
    report = reports(case)
    check_case(report, case)
    want = case["assignments"]
    assert {p.assignment: p.passed for p in report.assignments()} == want
    assert report.assignment == "+".join(want)
    parts = report.assignments()
    assert report.score == pytest.approx(sum(p.score for p in parts))
    assert report.max_score == pytest.approx(sum(p.max_score for p in parts)) == 100 * len(want)
    assert report.passed is all(want.values()) is (report.score == report.max_score)


@pytest.mark.parametrize("case", [c for c in CASES if len(c["assignments"]) > 1], ids=lambda c: c["file"])
def test_every_function_of_each_assignment_is_graded(case, reports):
    """Every check of each assignment's spec is in the one report, tagged with its assignment."""
    report = reports(case)
    for part in report.parts:
        rows = [c for c in report.checks if c.assignment == part.assignment]
        assert rows and {c.function for c in rows} == set(part.functions)
        assert sum(c.points for c in rows) == pytest.approx(part.score)
    assert [c.id for c in report.checks].count("load") == 1
    assert len({c.id for c in report.checks}) == len(report.checks)
    assert not [f for f in report.findings if f.code == "GC003"], "another assignment's function taken for a missing one"


@pytest.mark.parametrize("case", [c for c in CASES if "owner" in c], ids=lambda c: c["file"])
def test_root_finding_belongs_to_its_assignment(case, reports):
    report = reports(case)
    root = root_finding(report)
    assert root.code == case["code"]
    assert root.check.split(":", 1)[0] == case["entry"]
    assert root.location is not None and root.location.line == case["line"]
    assert report.assignment_of(root) == case["owner"]
    data = json_report.report_dict(report)
    first = next(f for f in data["findings"] if f["severity"] == "error")
    assert first["assignment"] == case["owner"]
    others = [p for p in data["assignments"] if p["assignment"] != case["owner"]]
    assert others and all(p["passed"] and p["score"] == p["max_score"] for p in others)
