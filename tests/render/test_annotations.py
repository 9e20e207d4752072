"""GitHub Actions: annotation lines, their escaping and limits, stop-commands, the step summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gradcheck.api import check_file
from gradcheck.findings import Finding, Location
from gradcheck.render import markdown
from gradcheck.render.annotations import (
    MAX_PER_TYPE,
    annotations,
    escape_data,
    escape_property,
    new_token,
    wrap_student_output,
)
from gradcheck.render.markdown import append_step_summary
from gradcheck.report import CheckResult, Report

ROOT = Path(__file__).resolve().parents[2]


def make_report(findings, *, file="hw/student.py") -> Report:
    checks = [CheckResult("f:dW", "f", "dW", "fail", 0.0, 10.0)]
    return Report(assignment="toy", title="Toy", file=file, seed=0, passed=False, score=0.0, max_score=10.0, checks=checks,
                  findings=findings, source="a = 1\nb = 2\nc = 3\n", version="0.1.0")  # fmt: skip


def test_escaping_rules():
    assert escape_data("50% a:b, c\r\nd") == "50%25 a:b, c%0D%0Ad"
    assert escape_property("50% a:b, c\r\nd") == "50%25 a%3Ab%2C c%0D%0Ad"
    assert escape_data("%0A") == "%250A"  # % first, so an escaped sequence cannot be forged


def test_buggy_example_gives_one_error_annotation():
    report = check_file(ROOT / "examples" / "planar" / "buggy.py")
    lines = annotations(report, env={"GITHUB_WORKSPACE": str(ROOT)})
    assert len(lines) == 1
    assert lines[0].startswith(
        "::error file=examples/planar/buggy.py,line=36,title=GC302 dW1::dW1 is m times too large: the 1/m is missing."
    )
    assert lines[0].endswith("%0AFix: Divide by m: dW1 is the gradient of the cost J, the mean of the m per-example losses.")
    assert "\n" not in lines[0]
    assert annotations(check_file(ROOT / "examples" / "planar" / "correct.py"), env={}) == []  # GC008 is a note: no annotation


def test_message_and_properties_escaped_exactly():
    f = Finding("GC301", "d:W,1", "50% done: a, b\nnext\r", check="f:dW", location=Location("dir,1/a:b.py", 3), hint="use 100%")
    assert annotations(make_report([f]), env={}) == [
        "::error file=dir%2C1/a%3Ab.py,line=3,title=GC301 d%3AW%2C1::50%25 done: a, b%0Anext%0D%0AFix: use 100%25"
    ]


def test_warning_end_line_and_no_annotation_for_notes():
    findings = [Finding("GC401", "dW", "right by accident, at m=n_h", location=Location("hw/student.py", 2, end_line=3)),
                Finding("GC303", "dW", "follows", check="f:dW", caused_by="dZ", location=Location("hw/student.py", 1)),
                Finding("GC008", "submission", "limits")]  # fmt: skip
    assert annotations(make_report(findings), env={}) == [
        "::warning file=hw/student.py,line=2,endLine=3,title=GC401 dW::right by accident, at m=n_h"
    ]


def test_student_text_cannot_inject_a_command():
    f = Finding("GC101", "f", "raised: boom\n::error file=x.py,line=1::pwned\r\n::stop-commands::x", location=Location("hw/student.py", 1))
    (line,) = annotations(make_report([f]), env={})
    assert "\n" not in line and "\r" not in line
    assert line == "::error file=hw/student.py,line=1,title=GC101 f::raised: boom%0A::error file=x.py,line=1::pwned%0D%0A::stop-commands::x"


def test_at_most_ten_per_type_then_one_notice():
    errors = [Finding("GC301", f"t{i}", f"e{i}", location=Location("hw/student.py", 1)) for i in range(15)]
    unlocated = [Finding("GC003", "g", "missing"), Finding("GC901", "gradcheck", "boom")]
    warnings = [Finding("GC401", f"w{i}", f"w{i}", location=Location("hw/student.py", 2)) for i in range(12)]
    lines = annotations(make_report(errors + unlocated + warnings), env={})
    assert sum(x.startswith("::error ") for x in lines) == MAX_PER_TYPE == 10
    assert sum(x.startswith("::warning ") for x in lines) == 10
    assert lines[-1] == (
        "::notice title=gradcheck::gradcheck: 7 more errors and 2 more warnings not shown as annotations "
        "(no source line, or over GitHub's limit of 10 per type); see the step summary or the JSON report"
    )
    assert [x for x in lines if x.startswith("::notice")] == [lines[-1]]


def test_paths_relative_to_the_workspace(tmp_path):
    f = Finding("GC301", "dW", "wrong", location=Location(str(tmp_path / "sub" / "student.py"), 2))
    (line,) = annotations(make_report([f]), env={"GITHUB_WORKSPACE": str(tmp_path)})
    assert line.startswith("::error file=sub/student.py,line=2,")
    f = Finding("GC301", "dW", "wrong", location=Location("sub\\student.py", 2))
    assert annotations(make_report([f]), env={})[0].startswith("::error file=sub/student.py,line=2,")


def test_annotations_never_raise():
    report = make_report([])
    report.findings = None  # type: ignore[assignment]
    (line,) = annotations(report, env={})
    assert line.startswith("::notice title=gradcheck::gradcheck could not produce annotations")


# --------------------------------------------------------------------------- stop-commands


def test_wrap_student_output_exact():
    assert wrap_student_output("hi\n::error::pwned\n", "abc123") == "::stop-commands::abc123\nhi\n::error::pwned\n::abc123::\n"
    assert wrap_student_output("no newline", "tok") == "::stop-commands::tok\nno newline\n::tok::\n"
    assert wrap_student_output("", "tok") == "::stop-commands::tok\n::tok::\n"


def test_wrap_student_output_refuses_a_token_the_student_knows():
    text = "::guess::\nstill inside\n"
    wrapped = wrap_student_output(text, "guess")
    m = re.fullmatch(r"::stop-commands::([0-9a-f]{32})\n(.*)::\1::\n", wrapped, flags=re.S)
    assert m is not None and m.group(2) == text
    for bad in (None, "", "a:b", "x\ny"):
        assert re.fullmatch(r"::stop-commands::[0-9a-f]{32}\nt\n::[0-9a-f]{32}::\n", wrap_student_output("t", bad))


def test_new_token_is_fresh():
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50 and all(re.fullmatch(r"[0-9a-f]{32}", t) for t in tokens)


# --------------------------------------------------------------------------- step summary


def test_append_step_summary_appends(tmp_path):
    report = check_file(ROOT / "examples" / "planar" / "buggy.py")
    path = tmp_path / "summary.md"
    path.write_text("# earlier step output\n", encoding="utf-8")
    assert append_step_summary(report, path)
    assert append_step_summary(report, path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# earlier step output\n")
    assert text.count("**planar** — ❌ failed — score 70 / 100") == 2


@pytest.mark.parametrize("existing", [990_000, 999_000])
def test_append_step_summary_respects_what_the_step_already_wrote(tmp_path, existing):
    report = make_report([Finding("GC301", "dW", "wrong " * 1000, location=Location("hw/student.py", 1)) for _ in range(50)])
    path = tmp_path / "summary.md"
    path.write_bytes(b"x" * existing)
    append_step_summary(report, path)
    assert path.stat().st_size <= markdown.LIMIT


def test_append_step_summary_reports_failure(tmp_path):
    assert append_step_summary(make_report([]), tmp_path) is False  # a directory cannot be appended to
