"""A pytest plugin for courses whose grading is already a pytest suite.

    def test_backprop(gradcheck):
        report = gradcheck("submission.py", "planar")
        report.assert_passed()            # fails with the findings, as the CLI explains them

or assert on the report's data (``report.findings``, ``report.score``). The submission
runs isolated exactly as with the CLI. Loaded through the ``pytest11`` entry point; it
imports nothing heavy until used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


class CheckedReport:
    """A Report with pytest-friendly assertions."""

    def __init__(self, report: Any) -> None:
        self.report = report

    def __getattr__(self, name: str) -> Any:
        return getattr(self.report, name)

    def explanation(self, width: int = 100) -> str:
        from .render.console import capture
        from .render.text import render

        return capture(lambda console: render(self.report, console), width=width)

    def assert_passed(self) -> None:
        if not self.report.passed:
            raise AssertionError(f"gradcheck: {self.report.file} fails\n{self.explanation()}")

    def assert_score_at_least(self, minimum: float) -> None:
        if self.report.score < minimum:
            raise AssertionError(f"gradcheck: score {self.report.score:g} < {minimum:g}\n{self.explanation()}")


@pytest.fixture
def gradcheck():
    """Grade a file: ``gradcheck(path, assignment=None, seed=0, timeout=None)`` → report."""
    from .api import check_file

    def run(path: str | Path, assignment: str | None = None, **kwargs: Any) -> CheckedReport:
        return CheckedReport(check_file(path, assignment, **kwargs))

    return run
