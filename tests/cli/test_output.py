"""Output that never crashes and reports that always arrive: any encoding, narrow widths,
no trailing spaces, report paths checked before any student code runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from ..conftest import CORPUS, ROOT

EXAMPLES = ROOT / "examples" / "planar"
HANGS = CORPUS / "hostile" / "infinite_loop_at_import.py"


def run(*args: str, encoding: str | None = None, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR", "GITHUB_ACTIONS", "PYTHONUTF8")}
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    proc = subprocess.run([sys.executable, "-m", "gradcheck", *args], capture_output=True, env=env, cwd=cwd, timeout=120)
    proc.stdout = proc.stdout.decode(encoding or "utf-8")  # strict: the bytes are valid in that encoding
    proc.stderr = proc.stderr.decode(encoding or "utf-8", "backslashreplace")
    return proc


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
@pytest.mark.parametrize("example, code", [("buggy.py", 1), ("correct.py", 0)])
def test_any_output_encoding_prints_the_report(encoding, example, code):
    proc = run(str(EXAMPLES / example), encoding=encoding)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr
    assert ("PASSED" if code == 0 else "FAILED") in proc.stdout.splitlines()[-1]
    if code:
        assert "GC302" in proc.stdout and "dW1 = np.dot(dZ1, X.T)" in proc.stdout
    if encoding == "ascii":
        assert "+ pass" in proc.stdout  # ASCII glyphs, not escapes, for the report's own marks


@pytest.mark.parametrize("fmt", ["json", "junit", "markdown", "gradescope", "classroom50", "classroom"])
def test_machine_formats_on_an_ascii_stdout(fmt):
    proc = run(str(EXAMPLES / "buggy.py"), "-a", "planar", "--format", fmt, encoding="ascii")
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    if fmt == "junit":
        ET.fromstring(proc.stdout.split("\n", 1)[1])
    elif fmt != "markdown":
        data = json.loads(proc.stdout)
        if fmt == "json":  # the escapes decode to the very characters
            assert "∂J/∂W1" in next(f["message"] for f in data["findings"] if f["code"] == "GC302")


def test_narrow_width_wraps_code_lines_instead_of_cutting_them():
    proc = run(str(EXAMPLES / "buggy.py"), "--width", "60", "--no-color")
    assert proc.returncode == 1
    text = "".join(proc.stdout.split())  # the code line, wrapped over two lines, joined back
    assert "db2=(1/m)*np.sum(dZ2,axis=1,keepdims=True)" in text.replace("│", "")
    assert not [line for line in proc.stdout.splitlines() if len(line) > 60]


def test_piped_output_has_no_trailing_spaces():
    for args in ((str(EXAMPLES / "buggy.py"),), (str(EXAMPLES / "correct.py"), "--width", "60")):
        proc = run(*args)
        assert proc.stdout.strip()
        assert [line for line in proc.stdout.splitlines() if line != line.rstrip()] == []


@pytest.mark.parametrize("flag", ["--output", "--report json", "--report gradescope", "--report junit"])
def test_a_report_path_that_cannot_be_written_is_a_usage_error_before_grading(tmp_path, flag):
    (tmp_path / "afile").write_text("x")
    for target in (tmp_path, tmp_path / "afile" / "r.json"):  # a directory; a folder that cannot exist
        option = ["--output", str(target)] if flag == "--output" else ["--report", f"{flag.split()[1]}={target}"]
        started = time.monotonic()
        proc = run(str(HANGS), "-a", "planar", "--timeout", "30", *option)
        assert time.monotonic() - started < 20  # the submission (it loops for ever) never ran
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.count("\n") == 1 and str(target) in proc.stderr, proc.stderr


def test_json_usage_errors_are_json_on_stdout(tmp_path):
    for args in (("nofile.py",), (str(EXAMPLES / "buggy.py"), "--seed", "abc"), (str(EXAMPLES / "buggy.py"), "--bogus"),
                 (str(EXAMPLES / "buggy.py"), "-o", str(tmp_path))):  # fmt: skip
        proc = run(*args, "--format", "json")
        assert proc.returncode == 2
        data = json.loads(proc.stdout)
        assert data["exit_code"] == 2 and data["error"]["kind"] == "usage" and data["error"]["message"]
        assert "schema" not in data


def test_a_report_file_replaces_what_was_there(tmp_path):
    """The results file is written fresh: whatever sat at the path (a forged grade) is gone whole."""
    target = tmp_path / "results.json"
    target.write_text('{"score": 100, "tests": [], "output": "forged"}' + " " * 100000)
    proc = run(str(EXAMPLES / "buggy.py"), "-a", "planar", "--report", f"gradescope={target}")
    assert proc.returncode == 1
    data = json.loads(target.read_text())
    assert data["score"] < 100 and "forged" not in target.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]  # no temporary file left


def test_a_file_name_with_undecodable_bytes_reports_in_every_format(tmp_path):
    name = os.fsdecode(b"caf\xe9_\xff.py")  # surrogates in the str
    (tmp_path / name).write_bytes((EXAMPLES / "buggy.py").read_bytes())
    for fmt in ("text", "json", "junit", "markdown", "gradescope", "classroom50", "classroom"):
        out = tmp_path / f"r.{fmt}"
        proc = subprocess.run([sys.executable, "-m", "gradcheck", name, "-a", "planar", "--format", fmt, "--report", f"{fmt}={out}"],
                              capture_output=True, cwd=tmp_path, timeout=120, env={**os.environ, "GITHUB_ACTIONS": ""})  # fmt: skip
        assert proc.returncode in (0, 1), proc.stderr
        assert b"Traceback" not in proc.stderr
        written = out.read_text(encoding="utf-8")  # strict UTF-8
        assert proc.stdout.decode("utf-8") == written or fmt in ("text", "classroom50")  # (widths; timestamps)
        # the name, visibly escaped (or replaced, or dropped where XML forbids it); the classroom formats name no file
        assert any(s in written for s in ("\\udcff", "\ufffd", 'value="caf_.py"')) or fmt in ("classroom", "classroom50")
