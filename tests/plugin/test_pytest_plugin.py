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


def test_plugin_fixture_in_a_real_pytest_run(pytester):
    pytester.makepyfile(
        f"""
        def test_it(gradcheck):
            r = gradcheck(r"{EXAMPLES / 'buggy.py'}", "planar")
            assert r.score < r.max_score
            r.assert_passed()
        """
    )
    result = pytester.runpytest("-p", "gradcheck.pytest_plugin", "-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*GC302*"])
