"""Every error finding of every buggy submission of every corpus points at a line that ran during
the failing call (the call is run again under a line trace in the child), and at the line its
manifest marks as the mistake where it marks one.

A corpus is a directory of tests/corpus/ whose name is a built-in assignment and whose
manifest lists ``buggy/`` files: a new assignment's corpus is included when it appears. A few
files of each corpus (the first ones, and every file whose line is marked) run by default; the
rest are a ``sweep`` (about two minutes: ``pytest -m sweep tests/diagnose/test_lines_executed.py``)."""

from __future__ import annotations

import pytest
import yaml

import gradcheck.grade as grade_module
from gradcheck.catalog import resolve
from gradcheck.spec.loader import load_spec

from ..conftest import CORPUS, assignment_corpora, case_spec, corpus_assignment

FAST_PER_CORPUS = 3  # the first buggy files of each corpus in the default run


def _cases():
    for name in assignment_corpora():
        buggy = [c for c in yaml.safe_load((CORPUS / name / "manifest.yaml").read_text(encoding="utf-8")) if c["file"].startswith("buggy/")]
        for i, case in enumerate(buggy):
            fast = i < FAST_PER_CORPUS or ("line" in case and "line_xfail" not in case)
            yield pytest.param(name, case, id=f"{name}/{case['file']}", marks=() if fast else pytest.mark.sweep)


@pytest.fixture(scope="module")
def specs():
    cache: dict = {}

    def get(name: str):
        if name not in cache:
            cache[name] = load_spec(resolve(corpus_assignment(name) or name))
        return cache[name]

    return get


def _graded(spec, path, monkeypatch):
    """The report and the observations it was judged from."""
    seen = {}
    observe = grade_module.observe

    def keep(*args, **kwargs):
        seen["obs"] = observe(*args, **kwargs)
        return seen["obs"]

    monkeypatch.setattr(grade_module, "observe", keep)
    report = grade_module.grade(spec, path)
    return report, seen.get("obs")


def _entries_of(spec, finding) -> list[str]:
    """The spec entries whose call the finding is about: its check's, or (a function-level
    finding: it raised, changed its input) every entry that calls that function."""
    entries = {f.name: f.call for f in spec.functions}
    if finding.check and finding.check.split(":", 1)[0] in entries:
        return [finding.check.split(":", 1)[0]]
    return [e for e, call in entries.items() if call == finding.target]


@pytest.mark.parametrize(("assignment", "case"), list(_cases()))
def test_error_lines_ran(assignment, case, specs, monkeypatch):
    spec = case_spec(specs(assignment), case)
    report, obs = _graded(spec, CORPUS / assignment / case["file"], monkeypatch)
    assert obs is not None
    assert report.findings  # a buggy file is never silent
    untraced = []
    for fnd in report.findings:
        if fnd.level != "error" or fnd.location is None or fnd.code.startswith("GC0"):
            continue  # GC0xx: loading (parse, import, a missing function), before any call
        names = _entries_of(spec, fnd)
        if not names:
            continue  # the gradient check or the loading step: no single call to trace
        if fnd.check in obs.traces:  # a check's own call (another mode, a big input): traced on its own
            traces = [obs.traces[fnd.check]]
        else:
            traces = [obs.traces[e] for e in names if e in obs.traces]
        if not traces:
            untraced.append((fnd.code, fnd.target))
            continue
        ran = set().union(*(t.ran for t in traces))
        assert fnd.location.line in ran, (fnd.code, fnd.target, fnd.location.line, sorted(ran))
    assert not untraced, untraced  # a function with an error finding looked wrong, so it was traced
    if "line" in case and not case.get("passed", False):
        root = next((f for f in report.findings if f.level == "error"), None)
        want = case["line"] if isinstance(case["line"], list) else [case["line"]]
        shown = root.location.line if root is not None and root.location is not None else None
        if "line_xfail" in case:  # a known wrong line, with its reason: it must still be wrong
            assert shown not in want, f"line_xfail no longer needed: {case['line_xfail']}"
        else:
            assert shown in want, (root.code if root else None, shown, want)
