"""CLI habits of pytest, ruff and Typer: -h, --version, completion, 'did you mean', --select /
--ignore, [tool.gradcheck], validate NAME, plurals, the element cap."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from ..conftest import CORPUS, ROOT

BUGGY = CORPUS / "planar" / "buggy" / "dw1_missing_mean.py"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "gradcheck", *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_dash_h_everywhere_and_version_listed():
    top = run("-h")
    assert top.returncode == 0 and "--version" in top.stdout and "--install-completion" in top.stdout
    for cmd in ("check", "grade", "list", "validate", "explain", "merge"):
        assert run(cmd, "-h").returncode == 0
    assert run("--version").stdout.startswith("gradcheck ")


def test_shell_completion_script():
    proc = run("--show-completion", "bash")
    assert proc.returncode == 0 and "_GRADCHECK_COMPLETE" in proc.stdout


@pytest.mark.parametrize(("word", "command"), [("lst", "list"), ("grde", "grade"), ("valdate", "validate")])
def test_mistyped_command_gets_a_suggestion(word, command):
    proc = run(word)
    assert proc.returncode == 2
    assert f"no such file or command '{word}'; did you mean '{command}'?" in proc.stderr
    as_json = run(word, "--format", "json")
    assert as_json.returncode == 2 and "did you mean" in json.loads(as_json.stdout)["error"]["message"]


def test_a_missing_file_is_still_a_missing_file():
    proc = run("nothere.py")
    assert proc.returncode == 2 and "did you mean" not in proc.stderr


def test_validate_by_name_and_plurals():
    proc = run("validate", "planar")
    assert proc.returncode == 0, proc.stderr
    assert "5 functions" in proc.stdout
    from gradcheck.cli import plural

    assert plural(1, "function") == "1 function" and plural(2, "trial") == "2 trials"


def test_ignore_hides_but_never_gives_points():
    full = json.loads(run(BUGGY, "-a", "planar", "--format", "json").stdout)
    hidden = run(BUGGY, "-a", "planar", "--format", "json", "--ignore", "GC302")
    data = json.loads(hidden.stdout)
    assert hidden.returncode == 1  # still failing
    assert data["score"] == full["score"] and data["passed"] is False
    assert not any(f["code"] == "GC302" for f in data["findings"])
    assert any(f["code"] == "GC302" for f in full["findings"])
    assert any("not shown" in r for r in data["rules"])
    selected = json.loads(run(BUGGY, "-a", "planar", "--format", "json", "--select", "GC302").stdout)
    assert {f["code"] for f in selected["findings"]} == {"GC302"}
    bad = run(BUGGY, "--ignore", "GC3O2")
    assert bad.returncode == 2 and "not a finding code" in bad.stderr


def test_pyproject_settings_found_upward_and_cli_wins(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.gradcheck]\nseed = 7\nignore = ['GC302']\nformat = 'json'\n")
    (tmp_path / "hw").mkdir()
    shutil.copy(BUGGY, tmp_path / "hw" / "planar.py")
    data = json.loads(run(tmp_path / "hw" / "planar.py").stdout)
    assert data["seed"] == 7 and not any(f["code"] == "GC302" for f in data["findings"])
    data = json.loads(run(tmp_path / "hw" / "planar.py", "--seed", "3", "--ignore", "GC9").stdout)
    assert data["seed"] == 3 and any(f["code"] == "GC302" for f in data["findings"])
    # a course's CI run ignores the student's settings
    junit = run(tmp_path / "hw" / "planar.py", "-a", "planar", "--format", "junit")
    assert "<testsuites" in junit.stdout


def test_pyproject_errors_name_file_and_line(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.gradcheck]\nseed = 1\ntimout = 3\n")
    shutil.copy(BUGGY, tmp_path / "planar.py")
    proc = run(tmp_path / "planar.py")
    assert proc.returncode == 2 and "pyproject.toml:3: unknown key 'timout'" in proc.stderr and "did you mean 'timeout'" in proc.stderr


def test_element_cap_is_a_usage_error_naming_the_flag():
    deep = ROOT / "examples" / "deep" / "correct.py"
    args = (deep, "-a", "deep", "--sizes", "200,20,7,5,1", "--m", "2000", "--max-elements", "100000")
    proc = run(*args, "--format", "json")
    assert proc.returncode == 2
    message = json.loads(proc.stdout)["error"]["message"]
    assert "--max-elements 400000" in message and "400,000 elements" in message and "spec.yaml" not in message
    assert run(deep, "-a", "deep", "--sizes", "200,20,7,5,1", "--m", "2000", "--max-elements", "500000").returncode == 0
