"""The command line end to end: exit codes, stdout contents, the results file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ..conftest import CORPUS, ROOT

EXAMPLES = ROOT / "examples" / "planar"


def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gradcheck", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def test_correct_submission_exits_0():
    proc = run(str(EXAMPLES / "correct.py"), "--no-color")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASSED" in proc.stdout


def test_buggy_submission_exits_1_and_names_the_mistake():
    proc = run(str(EXAMPLES / "buggy.py"), "--no-color", "--width", "100")
    assert proc.returncode == 1
    assert "GC302" in proc.stdout and "dW1" in proc.stdout and "missing-mean" in proc.stdout
    assert "dW1 = np.dot(dZ1, X.T)" in proc.stdout  # the student's own line


def test_json_stdout_is_only_json_even_when_the_student_prints():
    proc = run(str(CORPUS / "hostile" / "fake_report_stdout.py"), "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)  # nothing else on stdout
    assert data["passed"] is False
    assert "All tests passed" in data["output"]  # captured, reported inside
    assert {"assignment", "passed", "score", "max_score", "checks", "findings"} <= set(data)
    for f in data["findings"]:
        assert set(f) >= {"code", "severity", "target", "tags", "message", "file", "line"}


def test_output_file_is_written(tmp_path):
    out = tmp_path / "sub" / "report.json"
    proc = run(str(EXAMPLES / "buggy.py"), "--output", str(out), "--format", "json")
    assert proc.returncode == 1
    assert json.loads(out.read_text()) == json.loads(proc.stdout)


def test_output_file_exists_when_the_child_crashes(tmp_path):
    out = tmp_path / "report.json"
    proc = run(str(CORPUS / "hostile" / "os_exit_at_import.py"), "--output", str(out))
    assert proc.returncode == 1
    data = json.loads(out.read_text())
    assert data["passed"] is False and data["findings"][0]["code"] == "GC006"


def test_seed_is_stated_and_reproducible():
    a = json.loads(run(str(EXAMPLES / "buggy.py"), "--format", "json", "--seed", "5").stdout)
    b = json.loads(run(str(EXAMPLES / "buggy.py"), "--format", "json", "--seed", "5").stdout)
    assert a["seed"] == 5
    assert a["trials"] == b["trials"] and a["score"] == b["score"]


def test_missing_file_is_a_usage_error():
    proc = run("no_such_file.py")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "no_such_file.py" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_assignment_is_a_usage_error():
    proc = run(str(EXAMPLES / "buggy.py"), "--assignment", "planr")
    assert proc.returncode == 2
    assert "did you mean 'planar'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_file_matching_no_assignment(tmp_path):
    f = tmp_path / "other.py"
    f.write_text("def train(x):\n    return x\n")
    proc = run(str(f))
    assert proc.returncode == 2
    assert "planar" in proc.stderr  # lists the closest assignment


def test_picked_assignment_is_said(tmp_path):
    proc = run(str(EXAMPLES / "correct.py"), "--no-color")
    assert "picked automatically" in proc.stdout


def test_list():
    proc = run("list")
    assert proc.returncode == 0
    assert "planar" in proc.stdout and "backward_propagation" in proc.stdout


def test_help_and_version():
    assert run("--help").returncode == 0
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("gradcheck ")


def test_help_does_not_import_numpy():
    code = "import sys; from gradcheck.cli import app; assert 'numpy' not in sys.modules, 'numpy imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_public_api():
    import gradcheck

    assert gradcheck.__all__ == sorted(gradcheck.__all__)
    for name in gradcheck.__all__:
        assert getattr(gradcheck, name) is not None
    report = gradcheck.check_file(EXAMPLES / "buggy.py")
    assert report.passed is False and report.findings[0].code == "GC302"


def test_results_file_exists_when_gradcheck_itself_fails(tmp_path, monkeypatch, capsys):
    """An internal error still writes a report with passed: false and the reason (GC901)."""
    import gradcheck.grade
    from gradcheck import cli

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug in the grader")

    monkeypatch.setattr(gradcheck.grade, "grade", broken)
    out = tmp_path / "report.json"
    try:
        cli.main([str(EXAMPLES / "correct.py"), "--output", str(out), "--format", "json"])
    except SystemExit as exc:
        assert exc.code == 1
    data = json.loads(out.read_text())
    assert data["passed"] is False
    assert data["findings"][0]["code"] == "GC901" and "simulated bug" in data["findings"][0]["message"]
    assert json.loads(capsys.readouterr().out) == data


def test_removed_numpy_api_gets_the_modern_replacement(tmp_path):
    src = (EXAMPLES / "correct.py").read_text().replace("return float(cost)", "return np.asscalar(cost)")
    if "np.asscalar" not in src:
        src = src.replace("    return cost\n", "    return np.asscalar(np.array(cost))\n")
    f = tmp_path / "old_numpy.py"
    f.write_text(src)
    data = json.loads(run(str(f), "--format", "json").stdout)
    gc101 = [x for x in data["findings"] if x["code"] == "GC101"]
    assert gc101 and "item()" in (gc101[0]["hint"] or ""), data["findings"]


def test_bad_finite_difference_option_is_a_usage_error():
    """--directions/--samples out of range: exit 2 with one line (it used to become a GC901 report, exit 1)."""
    for args in (("--directions", "0"), ("--samples", "-1")):
        proc = run(str(EXAMPLES / "correct.py"), *args, "--format", "json")
        assert proc.returncode == 2, proc.stdout
        assert proc.stderr.strip().count("\n") == 0 and args[0] in proc.stderr
        # --format json: the error is also a JSON object on stdout (docs/reports.md)
        assert json.loads(proc.stdout) == {"error": {"kind": "usage", "message": proc.stderr.strip().removeprefix("gradcheck: error: ")}, "exit_code": 2}
