"""`gradcheck FILE` on a file that holds several assignments: one report for all of them, auto-picked
for a student, pinned (-a repeated or comma-separated) for the CI formats (docs/reports.md,
"Several assignments in one report")."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest

from ..conftest import CORPUS
from .test_cli import run

BUGGY = CORPUS / "multi_assignment" / "buggy" / "rnn_backward_dWx_overwritten.py"


def test_a_student_gets_one_report_for_both_assignments():
    proc = run(str(BUGGY), "--no-color", "--width", "110")
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert "assignments 'cs231n' and 'cs231n_rnn' picked automatically" in out
    assert "FAILED  score 196 / 200  (cs231n 100/100 · cs231n_rnn 96/100)" in out
    rows = [line.split() for line in out.splitlines()]
    assert ["cs231n", "✓", "pass", "100/100"] in rows and ["cs231n_rnn", "✗", "fail", "96/100"] in rows
    assert "cs231n_rnn · GC301 gradient-mismatch · dWx" in out and "-a cs231n_rnn" not in out.split("GC301", 1)[0]
    assert "dWx += dWx_t" in out  # the verified fix of the one failing assignment


def test_pinned_in_ci_every_format_is_valid_and_says_each_assignments_points(tmp_path):
    gs, md, js = tmp_path / "results.json", tmp_path / "summary.md", tmp_path / "report.json"
    proc = run(str(BUGGY), "-a", "cs231n", "-a", "cs231n_rnn", "--format", "junit",
               "--report", f"gradescope={gs}", "--report", f"markdown={md}", "--output", str(js))  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    suite = ET.fromstring(proc.stdout).find("testsuite")
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["score"] == "196" and props["max_score"] == "200" and props["passed"] == "false"
    assert props["score.cs231n"] == "100/100" and props["score.cs231n_rnn"] == "96/100"
    cases = suite.findall("testcase")
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("classname") for c in failed] == ["cs231n_rnn.rnn_backward"]
    assert {c.get("classname").split(".")[0] for c in cases} >= {"cs231n", "cs231n_rnn"}

    results = json.loads(gs.read_text(encoding="utf-8"))
    assert results["score"] == 196 == pytest.approx(sum(t["score"] for t in results["tests"]), abs=1e-3)  # each test's points rounded
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(200, abs=1e-3)
    assert [a["score"] for a in results["extra_data"]["gradcheck"]["assignments"]] == [100, 96]
    assert "- **cs231n\\_rnn** — ❌ failed — 96 / 100" in results["output"]  # Markdown, escaped

    text = md.read_text(encoding="utf-8")
    assert "- **cs231n\\_rnn** (CS231n RNN and LSTM layers \\(assignment 3\\)) — ❌ failed — 96 / 100" in text
    assert "| **cs231n** |" in text

    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["schema"] == "gradcheck/report/v1.3" and data["picked"].startswith("cs231n: Graded as version")
    assert [(a["assignment"], a["score"], a["passed"]) for a in data["assignments"]] == [("cs231n", 100, True), ("cs231n_rnn", 96, False)]
    assert data["passed"] is False and data["score"] == 196


def test_the_action_form_pins_several_with_commas(tmp_path):
    out = tmp_path / "r.json"
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "o"), "GITHUB_STEP_SUMMARY": ""}
    proc = run(str(CORPUS / "multi_assignment" / "correct" / "layers_conv_and_rnn.py"), "--assignment", "cs231n,cs231n_rnn",
               "--report", f"json={out}", env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["assignment"] == "cs231n+cs231n_rnn" and data["score"] == data["max_score"] == 200
    assert "score=200" in (tmp_path / "o").read_text(encoding="utf-8")


def test_ci_formats_still_need_the_assignments_pinned_and_sizes_go_with_one():
    proc = run(str(BUGGY), "--format", "gradescope")
    assert proc.returncode == 2 and "must be pinned" in proc.stderr
    proc = run(str(BUGGY), "-a", "cs231n", "-a", "cs231n_rnn", "--dims", "N=3")
    assert proc.returncode == 2 and "one assignment at a time" in proc.stderr
    proc = run(str(BUGGY), "-a", "cs231n,nosuch")
    assert proc.returncode == 2 and "unknown assignment 'nosuch'" in proc.stderr
