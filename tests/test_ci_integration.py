"""The reusable action and the example CI set-ups: valid YAML, real inputs, working scripts."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys

import pytest
import yaml

from .conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
INPUTS = set(ACTION["inputs"])


def _refs(text: str, kind: str) -> set[str]:
    return set(re.findall(r"\$\{\{\s*" + kind + r"\.([A-Za-z0-9_-]+)", text))


def test_action_references_only_its_inputs():
    text = (ROOT / "action.yml").read_text()
    assert _refs(text, "inputs") <= INPUTS
    assert ACTION["runs"]["using"] == "composite"
    step_ids = {s.get("id") for s in ACTION["runs"]["steps"]}
    for out in ACTION["outputs"].values():
        step = re.search(r"steps\.([A-Za-z0-9_-]+)\.outputs", out["value"]).group(1)
        assert step in step_ids
    for step in ACTION["runs"]["steps"]:
        if "run" in step:
            script = re.search(r'\$ACTION_PATH/(scripts/[\w.-]+)', step["run"]).group(1)
            assert (ROOT / script).is_file()


@pytest.mark.parametrize("path", sorted((ROOT / "examples" / "ci").glob("*.yml")), ids=lambda p: p.name)
def test_example_workflows_parse_and_use_real_inputs(path):
    wf = yaml.safe_load(path.read_text())
    assert "jobs" in wf
    for job in wf["jobs"].values():
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("gradcheck/gradcheck"):
                assert set(step.get("with", {})) <= INPUTS, set(step["with"]) - INPUTS


def _shim(tmp_path):
    """A `gradcheck` command that runs this checkout with this interpreter."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "gradcheck"
    shim.write_text(f'#!/usr/bin/env bash\nexec "{sys.executable}" -m gradcheck "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    return {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}


@pytest.mark.skipif(os.name == "nt", reason="the composite action's scripts are bash")
@pytest.mark.parametrize("example, code", [("buggy.py", 1), ("correct.py", 0)])
def test_action_run_script_locally(tmp_path, example, code):
    env = _shim(tmp_path)
    out = tmp_path / "github_output"
    report = tmp_path / "junit.xml"
    env.update(GRADCHECK_FILE=str(ROOT / "examples" / "planar" / example), GRADCHECK_ASSIGNMENT="planar",
               GRADCHECK_FORMAT="junit", GRADCHECK_REPORT_FILE=str(report), GITHUB_OUTPUT=str(out),
               ACTION_PATH=str(ROOT), GRADCHECK_MIN_SCORE="")  # fmt: skip
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "action-run.sh")], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == code, proc.stdout + proc.stderr
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert outputs["max-score"] == "100"
    assert outputs["passed"] == ("true" if code == 0 else "false")
    assert float(outputs["score"]) < 100 if code else float(outputs["score"]) == 100
    assert report.read_text().startswith("<?xml")


@pytest.mark.skipif(os.name == "nt", reason="bash script")
def test_classroom50_script_exits_0_on_a_failing_grade(tmp_path):
    env = _shim(tmp_path)
    (tmp_path / "backprop.py").write_text((ROOT / "examples" / "planar" / "buggy.py").read_text())
    proc = subprocess.run(["bash", str(ROOT / "examples" / "ci" / "classroom50.sh")], cwd=tmp_path,
                          env={**env, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["schema"] == "classroom50/result/v1" and result["score"] < result["max-score"]


def test_action_requires_the_assignment():
    assert ACTION["inputs"]["assignment"]["required"] is True and "default" not in ACTION["inputs"]["assignment"]


@pytest.mark.skipif(os.name == "nt", reason="bash script")
def test_action_run_script_refuses_an_unpinned_assignment(tmp_path):
    env = _shim(tmp_path)
    env.update(GRADCHECK_FILE=str(ROOT / "examples" / "planar" / "buggy.py"), GRADCHECK_ASSIGNMENT="", GRADCHECK_FORMAT="junit",
               GRADCHECK_REPORT_FILE=str(tmp_path / "junit.xml"), GITHUB_OUTPUT=str(tmp_path / "out"), ACTION_PATH=str(ROOT))  # fmt: skip
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "action-run.sh")], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "assignment" in proc.stderr
    assert not (tmp_path / "junit.xml").exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [("--format", "junit"), ("--format", "gradescope"), ("--format", "classroom50"), ("--format", "classroom"),
                                  ("--report", "gradescope=r.json"), ("--report", "classroom50=result.json"), ()])  # fmt: skip
def test_ci_formats_require_a_pinned_assignment(tmp_path, args):
    """A submission must not choose how it is graded: CI formats (and GitHub Actions) refuse auto-pick."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GITHUB_ACTIONS": "true" if not args else ""}
    buggy = str(ROOT / "examples/planar/buggy.py")
    proc = subprocess.run([sys.executable, "-m", "gradcheck", buggy, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout
    assert proc.stderr.count("\n") == 1 and "--assignment" in proc.stderr and "pinned" in proc.stderr
    assert not (tmp_path / "r.json").exists() and not (tmp_path / "result.json").exists()
    pinned = subprocess.run([sys.executable, "-m", "gradcheck", buggy, *args, "--assignment", "planar"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert pinned.returncode in (0, 1), pinned.stderr  # classroom50 exits 0 on a failing grade


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_student_formats_still_pick_the_assignment(fmt):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GITHUB_ACTIONS": ""}
    proc = subprocess.run([sys.executable, "-m", "gradcheck", str(ROOT / "examples/planar/correct.py"), "--format", fmt], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0 and "planar" in proc.stdout
    assert "picked automatically" in proc.stdout or fmt == "markdown"  # (Markdown does not say how it was chosen)


def test_github_actions_end_to_end(tmp_path):
    summary, outputs = tmp_path / "summary.md", tmp_path / "github_output"
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "gradcheck", str(ROOT / "examples/planar/buggy.py"), "-a", "planar", "--width", "100"],
                          env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 1
    assert dict(line.split("=", 1) for line in outputs.read_text().splitlines()) == {"score": "70", "max-score": "100", "passed": "false"}
    lines = proc.stdout.splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert lines[0].startswith("::stop-commands::") and len(token) >= 16
    assert f"::{token}::" in lines  # commands resume after the report
    errors = [line for line in lines if line.startswith("::error ")]
    assert errors and "file=" in errors[0] and "line=36" in errors[0] and "title=GC302 dW1" in errors[0]
    assert lines.index(f"::{token}::") < lines.index(errors[0])
    text = summary.read_text()
    assert "planar" in text and "GC302" in text
