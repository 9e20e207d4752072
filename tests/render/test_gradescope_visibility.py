"""Gradescope visibility per check from the spec (issue 20, item 2): each test in results.json
carries its function's ``visibility``, else the spec's, else visible; ``test_visibility``
(``--visibility``) overrides every test; gradcheck's own failure is always visible."""

from __future__ import annotations

import json

import pytest

from gradcheck.api import check_file
from gradcheck.render import gradescope, json_report
from gradcheck.report import CheckResult, Report

from ..conftest import CORPUS
from ..spec.test_display_keys import planar_with

BUGGY = CORPUS / "planar" / "buggy" / "dw1_missing_mean.py"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Report:
    spec = planar_with(tmp_path_factory.mktemp("spec"), backward="    visibility: hidden\n",
                       gradient_check="  visibility: after_published\n", top="visibility: after_due_date\n")  # fmt: skip
    return check_file(BUGGY, str(spec))


def visibilities(doc: str) -> dict[str, str]:
    return {t["name"]: t["visibility"] for t in json.loads(doc)["tests"]}


def test_each_test_carries_the_visibility_of_its_function(report):
    shown = visibilities(gradescope.render(report))
    backward = {n: v for n, v in shown.items() if n.startswith("backward_propagation: ")}
    assert "backward_propagation: dW1" in backward and set(backward.values()) == {"hidden"}
    assert shown["gradient check"] == "after_published"
    rest = {n: v for n, v in shown.items() if n not in backward and n != "gradient check"}
    assert "compute_cost: cost" in rest and "submission" in rest and set(rest.values()) == {"after_due_date"}
    assert len(shown) == len(report.checks)


@pytest.mark.parametrize("forced", ["visible", "hidden", "after_due_date", "after_published"])
def test_the_command_lines_visibility_wins_over_the_spec(report, forced):
    assert set(visibilities(gradescope.render(report, test_visibility=forced)).values()) == {forced}


def test_the_visibility_is_not_part_of_the_json_report(report):
    assert "visibility" not in json.loads(json_report.render(report))


def test_without_spec_visibility_every_test_is_visible():
    checks = [CheckResult("load", "", "submission", "pass"), CheckResult("f:dW", "f", "dW", "fail", 0.0, 1.0),
              CheckResult("gradient_check", "", "gradient check", "pass", 1.0, 1.0)]  # fmt: skip
    plain = Report("a", "a", "s.py", 0, False, 1.0, 2.0, checks=checks)
    assert set(visibilities(gradescope.render(plain)).values()) == {"visible"}
    # a function named like the gradient check does not take the gradient check's visibility
    table = Report("a", "a", "s.py", 0, False, 1.0, 2.0, checks=checks, visibility={":gradient_check": "hidden", "f": "after_published"})
    assert visibilities(gradescope.render(table)) == {"submission": "visible", "f: dW": "after_published", "gradient check": "hidden"}
    clash = Report("a", "a", "s.py", 0, False, 1.0, 2.0, checks=[CheckResult("gradient_check:d", "gradient_check", "d", "pass")],
                   visibility={":gradient_check": "hidden"})  # fmt: skip
    assert visibilities(gradescope.render(clash)) == {"gradient_check: d": "visible"}


def test_gradchecks_own_failure_stays_visible(report):
    from dataclasses import replace

    from gradcheck.findings import Finding

    broken = replace(report, findings=[*report.findings, Finding("GC901", "gradcheck", "gradcheck failed")], visibility={"": "hidden"})
    shown = visibilities(gradescope.render(broken))
    assert shown.pop("gradcheck: grading") == "visible" and set(shown.values()) == {"hidden"}
