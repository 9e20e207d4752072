"""The JSON report: exactly the keys docs/reports.md documents, and strict JSON."""

from __future__ import annotations

import json
import re

import pytest

from gradcheck.findings import CODES, TAGS, Finding, Location
from gradcheck.grade import internal_error_report
from gradcheck.render import json_report
from gradcheck.report import SCHEMA_VERSION, CheckResult, Report

from ..conftest import ROOT
from .conftest import graded, graded_several

DOC = ROOT / "docs" / "reports.md"
REPORTS = [
    "planar/buggy/dw1_missing_mean.py",
    "planar/buggy/dz1_sigmoid_derivative.py",
    "planar/buggy/dz2_sign_flip.py",
    "planar/correct/np_dot.py",
    "explain/gc001_missing_colon.py",
    "explain/gc007_huge_print.py",
    "explain/gc105_dw1_nan_placeholder.py",
    "explain/gc304_cost_is_a_sum.py",
]
SEVERAL = "multi_assignment/buggy/rnn_backward_dWx_overwritten.py"  # two assignments in one report
NAN, INF = float("nan"), float("inf")


def documented(heading: str) -> set[str]:
    """The keys in the first column of the table under ``### heading`` in docs/reports.md."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^### {re.escape(heading)}\s*$(.*?)(?=^#|\Z)", text, flags=re.M | re.S)
    assert match, f"docs/reports.md has no '### {heading}' table"
    keys = set()
    for line in match.group(1).splitlines():
        cell = line.strip().strip("|").split("|")[0].strip() if line.startswith("|") else ""
        if cell.startswith("`"):
            keys.add(cell.strip("`"))
    assert keys, heading
    return keys


def strict_loads(text: str):
    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def odd_report() -> Report:
    finding = Finding("GC301", "dW1", "odd", location=Location("x.py", 3), tags=("transpose",),
                      stats={"mismatched": 1, "total": 2, "max_abs_error": NAN, "max_rel_error": INF, "ratio": -INF,
                             "worst": [[[0, 0], NAN, INF]], "error_map": [[NAN, INF]], "nested": {"a": [NAN, (INF, 1.0)]}})  # fmt: skip
    return Report(assignment="planar", title="odd", file="x.py", seed=0, passed=False, score=NAN, max_score=INF,
                  checks=[CheckResult("a:b", "f", "b", "fail", NAN, INF)], findings=[finding, Finding("GC303", "db1", "m", caused_by="dW1")],
                  seconds=NAN, limits={"timeout_s": INF, "memory_mb": 2048, "processes": 64, "output_kb": 256, "total_timeout_s": NAN})  # fmt: skip


def all_reports():
    yield from ((rel, graded(rel)) for rel in REPORTS)
    yield "internal-error", internal_error_report("planar", ROOT / "x.py", 0, "RuntimeError: boom")
    yield "odd", odd_report()
    yield SEVERAL, graded_several(SEVERAL)


@pytest.fixture(scope="module", params=[*REPORTS, "internal-error", "odd", SEVERAL])
def data(request):
    report = dict(all_reports())[request.param]
    text = json_report.render(report)
    assert text.endswith("}\n")
    return strict_loads(text)  # NaN, Infinity and -Infinity would raise here


def test_top_level_keys_are_exactly_the_documented_ones(data):
    assert set(data) == documented("Top-level keys")
    assert data["schema"] == f"gradcheck/report/v{SCHEMA_VERSION}"
    assert isinstance(data["passed"], bool)


def test_check_keys(data):
    keys = documented("Each check")
    for check in data["checks"]:
        assert set(check) == keys
        assert check["status"] in ("pass", "fail", "skip") or data["title"] == "odd"


def test_finding_keys_and_values(data):
    keys = documented("Each finding")
    assert {"code", "severity", "target", "tags", "message", "file", "line"} <= keys
    for f in data["findings"]:
        assert set(f) == keys
        assert f["code"] in CODES
        assert f["severity"] in ("error", "warning", "info")
        assert isinstance(f["tags"], list) and set(f["tags"]) <= set(TAGS)
        assert isinstance(f["message"], str) and f["message"]
        assert isinstance(f["target"], str)
        assert f["line"] is None or (isinstance(f["line"], int) and f["line"] >= 1 and isinstance(f["file"], str))
        assert "error_map" not in f["stats"], "the heat map's raw data stays out of the JSON"


def test_limit_keys(data):
    if data["limits"]:
        assert set(data["limits"]) == documented("limits")


def test_non_finite_numbers_become_null():
    data = strict_loads(json_report.render(odd_report()))
    assert data["score"] is None and data["max_score"] is None and data["seconds"] is None
    stats = data["findings"][0]["stats"]
    assert stats["max_abs_error"] is None and stats["max_rel_error"] is None and stats["ratio"] is None
    assert stats["worst"] == [[[0, 0], None, None]]
    assert stats["nested"] == {"a": [None, [None, 1.0]]}
    assert data["limits"]["timeout_s"] is None and data["limits"]["total_timeout_s"] is None


def test_severity_is_the_codes_default_unless_overridden():
    for rel in REPORTS:
        report = graded(rel)
        for f, d in zip(report.findings, json_report.report_dict(report)["findings"]):
            assert d["severity"] == (f.severity or CODES[f.code].severity)


def test_json_and_text_agree_on_the_verdict():
    for rel in REPORTS:
        report = graded(rel)
        data = strict_loads(json_report.render(report))
        assert data["passed"] is report.passed
        assert data["passed"] == (
            not [f for f in data["findings"] if f["severity"] == "error"] and all(c["status"] != "fail" for c in data["checks"])
        )


def test_documented_example_is_valid_and_current():
    """The JSON example in docs/reports.md parses and uses only documented keys."""
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    assert blocks
    example = strict_loads(blocks[0])
    assert set(example) == documented("Top-level keys")
    for f in example["findings"]:
        assert set(f) == documented("Each finding")


def test_assignments_and_whose_each_row_and_finding_is(data):
    """`assignments` always lists what was graded; its points add up to the report's; every check
    and finding names its assignment (null only for what is about the whole file, with several)."""
    parts = data["assignments"]
    assert parts and all(set(p) == {"assignment", "title", "passed", "score", "max_score", "picked"} for p in parts)
    names = [p["assignment"] for p in parts]
    assert data["assignment"] == "+".join(names)
    if data["score"] is not None and data["max_score"] is not None:
        assert sum(p["score"] for p in parts) == pytest.approx(data["score"])
        assert sum(p["max_score"] for p in parts) == pytest.approx(data["max_score"])
    assert data["passed"] is all(p["passed"] for p in parts)
    for item in data["checks"] + data["findings"]:
        assert item["assignment"] in names or (len(names) > 1 and item["assignment"] is None), item
    if len(names) > 1:
        assert all(c["assignment"] for c in data["checks"] if c["function"])
