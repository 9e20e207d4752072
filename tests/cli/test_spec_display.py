"""The spec's display keys on the command line (issue 20, items 2 and 3): ``--visibility`` wins
over the spec's ``visibility``; ``select`` / ``ignore`` come from the command line, else a
student's ``[tool.gradcheck]`` (never read in the CI formats), else the spec."""

from __future__ import annotations

import json
import shutil

import pytest

from ..spec.test_display_keys import planar_with
from .test_conventions import BUGGY, run


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    return planar_with(tmp_path_factory.mktemp("spec"), backward="    visibility: hidden\n", top="ignore: [GC302]\n")


def codes(path) -> set[str]:
    return {f["code"] for f in json.loads(path.read_text(encoding="utf-8"))["findings"]}


def test_gradescope_tests_take_the_specs_visibility_and_the_flag_wins(spec, tmp_path):
    proc = run(BUGGY, "-a", spec, "--format", "gradescope", "-o", tmp_path / "report.json")
    assert proc.returncode == 1, proc.stderr
    shown = {t["name"]: t["visibility"] for t in json.loads(proc.stdout)["tests"]}
    assert shown["backward_propagation: dW1"] == "hidden" and shown["compute_cost: cost"] == "visible"
    # the spec's ignore applies in a CI format: GC302 is not reported, and the score is unchanged
    assert "GC302" not in codes(tmp_path / "report.json")
    forced = run(BUGGY, "-a", spec, "--report", f"gradescope={tmp_path / 'results.json'}", "--visibility", "after_due_date",
                 "--ignore", "GC9", "-o", tmp_path / "again.json")  # fmt: skip
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert forced.returncode == 1 and {t["visibility"] for t in doc["tests"]} == {"after_due_date"}
    assert "GC302" in codes(tmp_path / "again.json")  # the command line's --ignore replaces the spec's
    assert json.loads((tmp_path / "again.json").read_text())["score"] == json.loads((tmp_path / "report.json").read_text())["score"]


def test_a_students_pyproject_wins_over_the_spec_but_not_in_ci(spec, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.gradcheck]\nignore = []\n", encoding="utf-8")
    shutil.copy(BUGGY, tmp_path / "planar.py")
    own = run(tmp_path / "planar.py", "-a", spec, "--format", "json")
    assert own.returncode == 1 and "GC302" in {f["code"] for f in json.loads(own.stdout)["findings"]}
    ci = run(tmp_path / "planar.py", "-a", spec, "--format", "junit", "-o", tmp_path / "ci.json")
    assert ci.returncode == 1 and "GC302" not in codes(tmp_path / "ci.json")
