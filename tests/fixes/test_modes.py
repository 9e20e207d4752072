"""``fixes: off | hint | diff`` (the spec's word, else the format's): what each one shows."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from rich.console import Console

from gradcheck.fixes import for_command, mode_for
from gradcheck.grade import grade
from gradcheck.render import text
from gradcheck.render.formats import render_format
from gradcheck.submission import Submission

from ..conftest import CORPUS

FILE = CORPUS / "planar" / "buggy" / "dw1_missing_mean.py"
LINE = FILE.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def graded(planar_spec):
    sub = Submission.from_path(FILE)
    return sub, grade(planar_spec, sub)


def shown(planar_spec, graded, mode: str, write: bool = False):
    sub, report = graded
    spec = replace(planar_spec, fixes=mode)
    return for_command(spec, sub, report, mode_for("json", spec.fixes), write)


def as_text(report) -> str:
    out = io.StringIO()
    text.render(report, Console(file=out, width=140, color_system=None))
    return out.getvalue()


def the_line(report) -> str:
    root = report.errors[0]
    return LINE[root.location.line - 1].strip()


def test_the_spec_wins_over_the_format():
    assert mode_for("gradescope", "diff") == "diff" and mode_for("text", "off") == "off"
    assert mode_for("gradescope") == "off" and mode_for("json") == "diff"


def test_diff_shows_the_verified_change(planar_spec, graded):
    report, _ = shown(planar_spec, graded, "diff")
    fix = json.loads(render_format(report, "json"))["findings"][0]["fix"]
    assert fix["verified"] and fix["before"].strip() == the_line(report) and fix["after"] != fix["before"]
    assert f"+{fix['after']}" in as_text(report) and "```diff" in render_format(report, "markdown")


def test_hint_shows_the_words_verified_but_not_the_code(planar_spec, graded):
    report, _ = shown(planar_spec, graded, "hint")
    doc = json.loads(render_format(report, "json"))
    assert doc["fixes"] == "hint"
    fix = doc["findings"][0]["fix"]
    assert fix["verified"] and fix["before"] is None and fix["after"] is None and fix["passes"] == ["dW1"]
    rendered = as_text(report) + render_format(report, "markdown")
    assert "verified: with this change, dW1 passes" in rendered
    after = shown(planar_spec, graded, "diff")[0].errors[0].fix.after
    assert after.strip() not in rendered and "```diff" not in rendered  # their line is quoted, the change is not


def test_off_shows_no_fix_and_no_hint_label(planar_spec, graded):
    report, _ = shown(planar_spec, graded, "off")
    doc = json.loads(render_format(report, "json"))
    assert doc["fixes"] == "off" and all(f["fix"] is None for f in doc["findings"])
    rendered = as_text(report) + render_format(report, "markdown")
    assert "verified" not in rendered and "hint" not in rendered.lower().replace("hints", "")


@pytest.mark.parametrize("mode", ["off", "hint"])
def test_a_spec_that_withholds_fixes_forbids_writing_the_fixed_file(planar_spec, graded, mode, tmp_path, monkeypatch):
    _, said = shown(planar_spec, graded, mode, write=True)
    assert said is not None and "nothing was written" in said
    assert not (FILE.parent / "dw1_missing_mean.fixed.py").exists()
