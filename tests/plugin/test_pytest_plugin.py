"""The pytest plugin: same isolation and findings as the CLI, from inside a test suite."""

from __future__ import annotations

import pytest

from gradcheck.pytest_plugin import CheckedReport

from ..conftest import ROOT

EXAMPLES = ROOT / "examples" / "planar"


@pytest.fixture
def gc():
    from gradcheck.pytest_plugin import gradcheck

    return gradcheck.__wrapped__()


def test_correct_passes(gc):
    report = gc(EXAMPLES / "correct.py", "planar")
    assert isinstance(report, CheckedReport)
    report.assert_passed()
    report.assert_score_at_least(100)


def test_buggy_fails_with_the_explanation(gc):
    report = gc(EXAMPLES / "buggy.py", "planar")
    assert report.findings[0].code == "GC302"
    with pytest.raises(AssertionError) as err:
        report.assert_passed()
    assert "GC302" in str(err.value) and "dW1 = np.dot(dZ1, X.T)" in str(err.value)


def test_plugin_fixture_in_a_real_pytest_run(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "test_course.py").write_text(
        "def test_it(gradcheck):\n"
        f"    r = gradcheck(r\"{EXAMPLES / 'buggy.py'}\", \"planar\")\n"
        "    assert r.score < r.max_score\n"
        "    r.assert_passed()\n"
    )
    from importlib.metadata import entry_points

    installed = any(ep.name == "gradcheck" for ep in entry_points(group="pytest11"))
    load = [] if installed else ["-p", "gradcheck.pytest_plugin"]  # the entry point loads it when installed
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *load, "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # an uninstalled checkout, too
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed" in proc.stdout and "GC302" in proc.stdout
