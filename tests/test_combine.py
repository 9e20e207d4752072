"""One report for several assignments (gradcheck/combine.py): points add up, the verdict follows
the one rule, each check and finding says whose it is, what is about the whole file shows once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gradcheck.combine import apart, merge
from gradcheck.findings import Finding, Location
from gradcheck.render import json_report
from gradcheck.report import CheckResult, Report

from .conftest import load_builtin


def _report(name: str, rows: list[tuple[str, str, float, float]], findings: list[Finding] = (), **kw) -> Report:
    checks = [CheckResult("load", "", "submission", "pass", summary="imported")]
    checks += [CheckResult(f"{fn}:{t}", fn, t, "pass" if p == m else "fail", p, m) for fn, t, p, m in rows]
    score = sum(p for *_, p, _ in rows)
    total = sum(m for *_, m in rows)
    return Report(assignment=name, title=name.upper(), file="layers.py", seed=0, passed=score == total and not findings,
                  score=score, max_score=total, checks=checks, findings=list(findings), trials=["trial 1 (N=2)"], **kw)  # fmt: skip


SKIPPED = Finding("GC011", "submission", "Left out 3 top-level statements.")
WRONG = Finding("GC301", "dWx", "dWx is wrong", tags=("not-accumulated",), location=Location("layers.py", 349), check="rnn_backward:dWx")


def test_points_add_up_and_each_assignment_keeps_its_own() -> None:
    conv = _report("cs231n", [("conv_forward_naive", "out", 60, 60), ("conv_backward_naive", "dx", 40, 40)], [SKIPPED],
                   picked="Graded as version 'a2_conv_layers'.")  # fmt: skip
    conv = replace(conv, passed=True)  # GC011 is information: it never fails a file
    rnn = _report("cs231n_rnn", [("rnn_forward", "h", 50, 50), ("rnn_backward", "dWx", 0, 50)], [SKIPPED, WRONG])
    rnn = replace(rnn, passed=False)
    both = merge([conv, rnn], "assignments 'cs231n' and 'cs231n_rnn' picked automatically")
    assert both.assignment == "cs231n+cs231n_rnn" and both.title == "CS231N + CS231N_RNN"
    assert (both.score, both.max_score, both.passed) == (150, 200, False)
    assert [(p.assignment, p.score, p.max_score, p.passed) for p in both.parts] == [("cs231n", 100, 100, True), ("cs231n_rnn", 50, 100, False)]
    assert both.picked.startswith("assignments 'cs231n' and 'cs231n_rnn' picked automatically cs231n: Graded as version")
    assert [c.id for c in both.checks].count("load") == 1 and len(both.checks) == 5
    assert both.findings.count(SKIPPED) == 1 and WRONG in both.findings
    assert both.assignment_of(WRONG) == "cs231n_rnn" and both.assignment_of(SKIPPED) is None
    assert both.trials == ["cs231n: trial 1 (N=2)", "cs231n_rnn: trial 1 (N=2)"]
    data = json_report.report_dict(both)
    assert [a["assignment"] for a in data["assignments"]] == ["cs231n", "cs231n_rnn"]
    assert {c["id"]: c["assignment"] for c in data["checks"]}["rnn_backward:dWx"] == "cs231n_rnn"
    assert {c["id"]: c["assignment"] for c in data["checks"]}["load"] is None


@pytest.mark.parametrize("scores", [(100, 100), (100, 99), (0, 100), (100, 0), (37.5, 62.5)])
def test_passed_and_the_score_never_disagree(scores) -> None:
    parts = []
    for i, s in enumerate(scores):
        r = _report(f"a{i}", [(f"f{i}", "out", s, 100)], [] if s == 100 else [replace(WRONG, check=f"f{i}:out", target="out")])
        parts.append(replace(r, passed=s == 100))
    both = merge(parts)
    assert both.passed is (both.score == both.max_score) is all(s == 100 for s in scores)
    assert both.score == sum(scores) and both.max_score == 200


def test_an_error_that_costs_no_points_still_fails_the_whole_and_voids_full_marks() -> None:
    """The one rule (scoring.verdict) decides over everything: full points with an error is no pass."""
    quiet = Finding("GC002", "submission", "importing the file printed a traceback")
    a = replace(_report("a", [("f", "out", 100, 100)]), passed=True)
    b = replace(_report("b", [("g", "out", 100, 100)], [quiet]), passed=False, score=0.0)
    both = merge([a, b])
    assert not both.passed and both.score < both.max_score


def test_a_function_two_pinned_assignments_both_grade_keeps_apart() -> None:
    a = _report("a", [("affine_forward", "out", 10, 10)])
    b = _report("b", [("affine_forward", "out", 0, 10)])
    ids = [c.id for c in merge([a, b]).checks]
    assert ids == ["load", "affine_forward:out", "b/affine_forward:out"]


def test_one_report_is_left_as_it_is() -> None:
    one = _report("planar", [("f", "out", 1, 1)])
    assert merge([one]) is one and one.assignments()[0].assignment == "planar"


def test_each_spec_is_told_the_functions_the_others_grade() -> None:
    conv, rnn = apart([load_builtin("cs231n"), load_builtin("cs231n_rnn")])
    assert "rnn_backward" in conv.graded_elsewhere and "layernorm_backward" not in conv.graded_elsewhere
    assert "conv_forward_naive" in rnn.graded_elsewhere and "rnn_backward" not in rnn.graded_elsewhere
    alone = load_builtin("cs231n")
    assert apart([alone])[0] is alone and not alone.graded_elsewhere


def test_fixes_say_whether_any_part_looked_for_them() -> None:
    a = replace(_report("a", [("f", "out", 1, 1)]), passed=True)  # passed: no fix looked for
    b = replace(_report("b", [("g", "out", 0, 1)], [WRONG]), passed=False, fixes="diff")
    assert merge([a, b]).fixes == "diff" and merge([a, replace(b, fixes="hint")]).fixes == "hint"
    assert merge([a, a]).fixes == "off"


def test_the_text_report_sends_each_finding_to_its_own_assignments_pages(tmp_path) -> None:
    from .render.conftest import text_of

    (tmp_path / "rnn").mkdir()
    (tmp_path / "rnn" / "dWx.md").write_text("# dWx\n", encoding="utf-8")
    conv = replace(_report("cs231n", [("conv_forward_naive", "out", 100, 100)]), passed=True, explain_dir=str(tmp_path))
    rnn = replace(_report("cs231n_rnn", [("rnn_backward", "dWx", 0, 100)], [WRONG]), passed=False, explain_dir=str(tmp_path / "rnn"))
    text = text_of(merge([conv, rnn]), width=120)
    assert "gradcheck explain dWx -a cs231n_rnn" in text and "cs231n_rnn · GC301" in text
    assert "FAILED  score 100 / 200  (cs231n 100/100 · cs231n_rnn 0/100)" in text
