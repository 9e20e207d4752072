"""CI and grader formats: JUnit, Gradescope, Classroom 50, legacy GitHub Classroom, Markdown; the exit-code policy."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from gradcheck.api import check_file
from gradcheck.findings import Finding, Location
from gradcheck.render import classroom, gradescope, junit, markdown
from gradcheck.render.formats import FORMATS, exit_code, findings_for_check, parse_report_option, render_format
from gradcheck.report import CheckResult, Report

ROOT = Path(__file__).resolve().parents[2]
UTC_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
C50_KEYS = {"schema", "classroom", "assignment", "submission", "commit", "release", "review", "datetime", "score", "max-score", "tests"}


@pytest.fixture(scope="module")
def buggy() -> Report:
    return check_file(ROOT / "examples" / "planar" / "buggy.py")


@pytest.fixture(scope="module")
def correct() -> Report:
    return check_file(ROOT / "examples" / "planar" / "correct.py")


@pytest.fixture(params=["buggy", "correct"])
def example(request, buggy, correct) -> Report:
    return {"buggy": buggy, "correct": correct}[request.param]


def make_report(*, checks=None, findings=None, output="", source="", file="hw/student.py", passed=None, **kw) -> Report:
    checks = checks if checks is not None else [
        CheckResult("load", "", "submission", "pass", summary="imported"),
        CheckResult("f:dW", "f", "dW", "fail", 0.0, 10.0, "root"),
        CheckResult("f:db", "f", "db", "pass", 5.0, 5.0, "ok"),
        CheckResult("g:x", "g", "x", "skip", 0.0, 3.0, "needs f"),
    ]  # fmt: skip
    findings = findings if findings is not None else []
    score = sum(c.points for c in checks)
    if passed is None:
        passed = not any(f.level == "error" for f in findings) and all(c.status != "fail" for c in checks)
    return Report(assignment=kw.pop("assignment", "toy"), title=kw.pop("title", "Toy"), file=file, seed=3, passed=passed, score=score,
                  max_score=sum(c.max_points for c in checks), checks=checks, findings=findings, output=output, source=source,
                  version="0.1.0", **kw)  # fmt: skip


def md_html(text: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(text)


# --------------------------------------------------------------------------- entry point


def test_formats_and_render_format_every_format(example):
    assert FORMATS == ("text", "json", "markdown", "junit", "gradescope", "classroom50", "classroom")
    for fmt in FORMATS:
        text = render_format(example, fmt, env={})
        assert isinstance(text, str) and text.strip()
    assert json.loads(render_format(example, "json"))["passed"] is example.passed
    with pytest.raises(ValueError, match="unknown format"):
        render_format(example, "xml")


def test_parse_report_option():
    assert parse_report_option("gradescope=results.json") == ("gradescope", "results.json")
    assert parse_report_option("junit=out/a=b.xml") == ("junit", "out/a=b.xml")
    for bad in ("gradescope", "nope=x.json", "junit="):
        with pytest.raises(ValueError):
            parse_report_option(bad)


def test_findings_for_check_attach_by_id_target_function_and_code():
    checks = [CheckResult("f:dW", "f", "dW", "fail", 0, 1), CheckResult("gradient_check", "", "gradient check", "fail", 0, 1),
              CheckResult("g:side-effects", "g", "side effects", "fail", 0, 1)]  # fmt: skip
    by_id = Finding("GC302", "dW", "too large", check="f:dW")
    by_target = Finding("GC104", "dW", "shape")
    fd = Finding("GC304", "dW", "finite differences disagree")
    raised = Finding("GC101", "g", "g raised")
    note = Finding("GC008", "dW", "limits")
    report = make_report(checks=checks, findings=[by_id, by_target, fd, raised, note])
    assert findings_for_check(report, checks[0]) == [by_id, by_target]
    assert findings_for_check(report, checks[1]) == [fd]
    assert findings_for_check(report, checks[2]) == [raised]


# --------------------------------------------------------------------------- exit codes


def test_exit_code_policy(buggy, correct):
    internal = make_report(checks=[], findings=[Finding("GC901", "gradcheck", "boom")], passed=False)
    for fmt in FORMATS:
        if fmt == "classroom50":
            continue
        assert exit_code(correct, fmt, False) == 0
        assert exit_code(buggy, fmt, False) == 1
        assert exit_code(internal, fmt, False) == 1
    assert exit_code(buggy, "classroom50", False) == 0  # a failing grade is a normal result
    assert exit_code(correct, "classroom50", False) == 0
    assert exit_code(correct, "classroom50", True) == 1  # only an infrastructure failure exits non-zero
    assert exit_code(internal, "classroom50", False) == 1  # GC901 is an infrastructure failure
    assert exit_code(buggy, "junit", False, min_score=70) == 0
    assert exit_code(buggy, "junit", False, min_score=70.5) == 1
    assert exit_code(internal, "junit", False, min_score=0) == 1


# --------------------------------------------------------------------------- JUnit


def test_junit_counts_match_the_report(example):
    root = ET.fromstring(junit.render(example))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    failed = [c for c in example.checks if c.status == "fail"]
    assert suite.get("name") == "gradcheck.planar"
    assert len(cases) == len(example.checks) == int(suite.get("tests"))
    assert len(suite.findall("testcase/failure")) == len(failed) == int(suite.get("failures"))
    assert suite.get("errors") == "0" and suite.get("skipped") == "0"
    assert float(suite.get("time")) >= 0
    assert [c.get("name") for c in cases] == [c.target for c in example.checks]
    assert all(c.get("time") == "0" for c in cases)
    assert suite.find("system-out") is not None


def test_junit_failure_carries_the_findings(buggy):
    suite = ET.fromstring(junit.render(buggy)).find("testsuite")
    by_name = {(c.get("classname"), c.get("name")): c for c in suite.findall("testcase")}
    dw1 = by_name[("planar.backward_propagation", "dW1")].find("failure")
    assert dw1.get("type") == "GC302"
    assert dw1.get("message").startswith("dW1 is m times too large")
    assert "buggy.py:36: dW1 = np.dot(dZ1, X.T)" in dw1.text
    assert "fix: Divide by m" in dw1.text
    generic = by_name[("planar.gradient_check", "gradient check")].find("failure")
    assert generic.get("message") == "check failed: disagrees: dW1"


def test_junit_skipped_illegal_characters_and_internal_error():
    output = "ok\x00 \x1b[31mred\x1b[0m \ud800 \x07 done\n"
    f = Finding("GC104", "dW", "bad <shape> & \x0b\x1f value", check="f:dW", location=Location("hw/student.py", 2), hint="fix & go")
    report = make_report(findings=[f, Finding("GC901", "gradcheck", "gradcheck failed while grading: KeyError \x00")], output=output,
                         source="def f():\n    dW = 1\n")  # fmt: skip
    text = junit.render(report)
    suite = ET.fromstring(text.encode("utf-8")).find("testsuite")
    assert suite.get("tests") == "5" and suite.get("failures") == "1" and suite.get("errors") == "1" and suite.get("skipped") == "1"
    skipped = [c for c in suite.findall("testcase") if c.find("skipped") is not None]
    assert [c.get("name") for c in skipped] == ["x"]
    assert suite.find("testcase/failure").get("message") == "bad <shape> & value"
    assert suite.find("testcase/error").get("type") == "GC901"
    assert suite.find("system-out").text == "ok red   done\n"


# --------------------------------------------------------------------------- Gradescope


def test_gradescope_results_field_by_field(example):
    data = json.loads(gradescope.render(example))
    assert data["score"] == example.score
    assert data["output_format"] == "md" and isinstance(data["output"], str) and data["output"]
    assert data["visibility"] == "visible" and data["stdout_visibility"] in ("hidden", "visible", "after_due_date", "after_published")
    assert data["extra_data"]["gradcheck"]["max_score"] == example.max_score
    tests = data["tests"]
    assert len(tests) == len(example.checks)
    assert sum(t["score"] for t in tests) == example.score
    assert sum(t["max_score"] for t in tests) == example.max_score
    for t, c in zip(tests, example.checks):
        assert t["name"] == (f"{c.function}: {c.target}" if c.function else c.target)
        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float))
        assert t["max_score"] == c.max_points  # checks without points: 0
        assert t["status"] == ("passed" if c.status == "pass" else "failed")
        assert t["output_format"] == "md" and t["visibility"] == "visible" and isinstance(t["output"], str)


def test_gradescope_failed_test_output_has_message_line_and_fix(buggy):
    tests = {t["name"]: t for t in json.loads(gradescope.render(buggy))["tests"]}
    out = tests["backward_propagation: dW1"]["output"]
    assert "GC302" in out and "dW1 is m times too large" in out and "dW1 = np.dot(dZ1, X.T)" in out and "Divide by m" in out
    assert tests["backward_propagation: dW1"]["tags"] == ["GC302", "missing-mean"]
    assert tests["gradient check"]["output"].startswith("check failed")
    md_html(out)


# --------------------------------------------------------------------------- Classroom 50


def test_classroom50_result_field_by_field(example):
    env = {"CLASSROOM": "cs-principles", "ASSIGNMENT": "hello", "SUBMISSION_TAG": "submit/2026-06-01T14-32-05Z-a1b2c3d",
           "COMMIT_URL": "https://github.com/o/r/commit/sha", "RELEASE_URL": "https://github.com/o/r/releases/tag/submit%2Fx",
           "REVIEW_URL": "https://github.com/o/r/compare/a...b"}  # fmt: skip
    now = datetime(2026, 6, 1, 14, 32, 1, tzinfo=timezone.utc)
    data = json.loads(classroom.render_classroom50(example, env=env, now=now))
    assert set(data) == C50_KEYS
    assert data["schema"] == "classroom50/result/v1"
    assert (data["classroom"], data["assignment"], data["submission"]) == ("cs-principles", "hello", env["SUBMISSION_TAG"])
    assert (data["commit"], data["release"], data["review"]) == (env["COMMIT_URL"], env["RELEASE_URL"], env["REVIEW_URL"])
    assert data["datetime"] == "2026-06-01T14:32:01Z"
    assert type(data["score"]) is int and type(data["max-score"]) is int
    assert data["score"] == example.score and data["max-score"] == example.max_score
    assert 0 <= data["score"] <= data["max-score"]
    assert len(data["tests"]) == len(example.checks)
    assert sum(t["score"] for t in data["tests"]) == data["score"]
    assert sum(t["max-score"] for t in data["tests"]) == data["max-score"]
    for t, c in zip(data["tests"], example.checks):
        assert set(t) == {"test-name", "passed", "score", "max-score"}
        assert isinstance(t["test-name"], str) and t["test-name"]
        assert t["passed"] is (c.status == "pass")
        assert type(t["score"]) is int and type(t["max-score"]) is int and 0 <= t["score"] <= t["max-score"]


def test_classroom50_context_fallbacks_and_overrides(buggy):
    gh = {"GITHUB_REPOSITORY": "org/cs-hello-alice", "GITHUB_SHA": "abc123", "GITHUB_REF_NAME": "submit/1",
          "GITHUB_SERVER_URL": "https://ghe.example"}  # fmt: skip
    data = json.loads(classroom.render_classroom50(buggy, env=gh))
    assert data["classroom"] is None and data["assignment"] == "planar" and data["submission"] == "submit/1"
    assert data["commit"] == data["review"] == "https://ghe.example/org/cs-hello-alice/commit/abc123"
    assert data["release"] == "https://ghe.example/org/cs-hello-alice/releases/tag/submit%2F1"
    assert UTC_Z.fullmatch(data["datetime"])
    empty = json.loads(classroom.render_classroom50(buggy, env={}))
    assert [empty[k] for k in ("classroom", "submission", "commit", "release", "review")] == [None] * 5
    over = {**gh, "CLASSROOM": "a", "CLASSROOM50_CLASSROOM": "b", "CLASSROOM50_DATETIME": "2026-06-01T16:32:01+02:00"}
    data = json.loads(classroom.render_classroom50(buggy, env=over))
    assert data["classroom"] == "b" and data["datetime"] == "2026-06-01T14:32:01Z"


def test_classroom50_fractional_points_stay_integers_and_consistent():
    checks = [CheckResult("a", "f", "a", "pass", 2.5, 2.5), CheckResult("b", "f", "b", "fail", 0.0, 1.5),
              CheckResult("c", "f", "c", "pass", 1.4, 1.4)]  # fmt: skip
    data = json.loads(classroom.render_classroom50(make_report(checks=checks), env={}))
    assert all(type(t["score"]) is int and t["score"] <= t["max-score"] for t in data["tests"])
    assert data["score"] == sum(t["score"] for t in data["tests"]) <= data["max-score"] == sum(t["max-score"] for t in data["tests"])


# --------------------------------------------------------------------------- legacy GitHub Classroom


def test_legacy_classroom_result_field_by_field(example):
    data = json.loads(classroom.render_classroom(example))
    assert data["version"] == 1
    assert data["status"] == ("pass" if example.passed else "fail")
    assert data["max_score"] == example.max_score
    assert len(data["tests"]) == len(example.checks)
    assert sum(t["score"] for t in data["tests"]) == example.score
    for t, c in zip(data["tests"], example.checks):
        assert set(t) == {"name", "status", "score", "message", "line_no", "execution_time", "test_code", "filename", "output"}
        assert t["status"] == ("pass" if c.status == "pass" else "fail")
        assert isinstance(t["score"], (int, float)) and isinstance(t["line_no"], int) and isinstance(t["execution_time"], (int, float))
        assert all(isinstance(t[k], str) for k in ("name", "message", "test_code", "filename", "output"))
    payload = json.loads(base64.b64decode(classroom.reporter_payload(example)))
    assert payload == data


def test_legacy_classroom_failed_test_and_internal_error(buggy):
    tests = {t["name"]: t for t in json.loads(classroom.render_classroom(buggy))["tests"]}
    assert tests["backward_propagation: dW1"]["line_no"] == 36
    assert "Divide by m" in tests["backward_propagation: dW1"]["message"]
    internal = make_report(checks=[], findings=[Finding("GC901", "gradcheck", "gradcheck failed")], passed=False)
    data = json.loads(classroom.render_classroom(internal))
    assert data["status"] == "error" and data["tests"][0]["status"] == "error"


# --------------------------------------------------------------------------- Markdown


def test_markdown_renders_with_table_code_and_fix(buggy, correct):
    text = markdown.render(buggy)
    assert "**planar** — ❌ failed — score 70 / 100" in text
    assert "**planar** — ✅ passed — score 100 / 100" in markdown.render(correct)
    html = md_html(text)
    assert html.count("<tr>") == len(buggy.checks) + 1
    assert '<code class="language-python">    dW1 = np.dot(dZ1, X.T)\n</code>' in html
    assert "buggy.py, line 36:" in text
    assert "<strong>reference</strong> <code>dW1 = dZ1 · Xᵀ / m</code>" in html
    assert "<strong>fix</strong> Divide by m: dW1 is the gradient" in html
    assert html.count("<h4>") == len([f for f in buggy.findings if f.level in ("error", "warning")])
    md_html(markdown.render(correct))


def test_markdown_cascades_in_one_line_and_notes_as_list():
    checks = [CheckResult("b:dZ1", "b", "dZ1", "fail", 0, 0), CheckResult("b:dW1", "b", "dW1", "fail", 0, 5),
              CheckResult("b:db1", "b", "db1", "fail", 0, 5)]  # fmt: skip
    findings = [Finding("GC301", "dZ1", "dZ1 is wrong.", check="b:dZ1"),
                Finding("GC303", "dW1", "follows", check="b:dW1", caused_by="dZ1"),
                Finding("GC303", "db1", "follows", check="b:db1", caused_by="dZ1"),
                Finding("GC008", "submission", "limits"), Finding("GC402", "dW1", "kinks")]  # fmt: skip
    text = markdown.render(make_report(checks=checks, findings=findings))
    assert "**Follows from the above** (GC303): dW1, db1: right given your dZ1, wrong only because dZ1 is.\n" in text
    html = md_html(text)
    assert html.count("<h4>") == 1
    assert "<li>GC008 submission: limits</li>" in html and "<li>GC402 dW1: kinks</li>" in html


def test_markdown_escapes_student_controlled_text():
    evil = "a | b <img src=x onerror=alert(1)> `tick` ``` <script>alert(2)</script> [x](javascript:alert(3)) &amp; @all $x$"
    source = "def f():\n    dW = 1  # ``` </details> <script>\n"
    f = Finding("GC104", "dW|<b>", evil, check="f:dW", location=Location("evil|<b>`.py", 2), hint=evil, formula="dW = `x` | y")
    output = "```\n<script>alert(4)</script>\n</details>\n````\n| a | b |\n"
    report = make_report(findings=[f], output=output, source=source, file="dir/evil|<i>`x`.py")
    text = markdown.render(report)
    html = md_html(text)
    for bad in ("<script", "<img", "<i>", "<b>", 'href="javascript'):
        assert bad not in html
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    assert len(rows) == len(report.checks) + 1
    assert all(r.count("<td") == 4 or r.count("<th") == 4 for r in rows)
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in html  # the printed output, inside its code block
    assert "# ``` &lt;/details&gt; &lt;script&gt;" in html  # the student's line, inside its code block
    assert "a | b &lt;img src=x onerror=alert(1)&gt; `tick`" in html  # the message, as text
    assert html.count("<details>") == 1 and html.count("</details>") == 1


def test_markdown_stays_under_the_limit_with_50000_findings():
    checks = [CheckResult(f"f:t{i}", "f", f"t{i}", "fail", 0, 1) for i in range(200)]
    findings = [Finding("GC301", f"t{i % 200}", f"value {i} is wrong | <b>x</b> " + "y" * 40, check=f"f:t{i % 200}",
                        location=Location("s.py", 1), hint="fix it", formula="t = a · b") for i in range(50_000)]  # fmt: skip
    findings += [Finding("GC008", "submission", "limits")]
    report = make_report(checks=checks, findings=findings, output="x" * 300_000, source="t = a * b\n")
    text = markdown.render(report)
    size = len(text.encode("utf-8"))
    assert 500_000 < size <= markdown.LIMIT == 1_000_000
    m = re.search(r"… (\d+) more findings omitted \(see the JSON report\)\n", text)
    assert m is not None
    assert text.count("#### ") + int(m.group(1)) == 50_001  # every finding is shown or counted
    md_html(text)
    small = markdown.render(report, max_bytes=20_000)
    assert len(small.encode("utf-8")) <= 20_000 and "more findings omitted" in small


# --------------------------------------------------------------------------- never raising


class Broken(list):
    def __iter__(self):
        raise RuntimeError("broken checks")


@pytest.mark.parametrize("fmt", FORMATS)
def test_rendering_bug_degrades_to_a_minimal_valid_document(fmt):
    report = make_report()
    report.checks = Broken(report.checks)
    text = render_format(report, fmt, env={})
    assert text.strip()
    if fmt in ("json", "gradescope", "classroom50", "classroom"):
        data = json.loads(text)
        if fmt == "classroom50":
            assert set(data) == C50_KEYS and data["score"] == 5 and data["max-score"] == 18
        if fmt == "classroom":
            assert data["version"] == 1 and data["status"] == "fail"
    elif fmt == "junit":
        suite = ET.fromstring(text).find("testsuite")
        assert suite.get("failures") == "1"
    elif fmt == "markdown":
        assert "**toy** — ❌ failed — score 5 / 18" in text
        md_html(text)
