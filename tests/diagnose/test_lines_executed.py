"""Every error finding of a buggy planar or deep submission points at a line that ran during the
failing call (the call is run again under a line trace in the child), and at the line its
manifest marks as the mistake where it marks one."""

from __future__ import annotations

import pytest
import yaml

import gradcheck.grade as grade_module
from gradcheck.catalog import resolve
from gradcheck.spec.loader import load_spec

from ..conftest import CORPUS

ASSIGNMENTS = ("planar", "deep")


def _cases():
    for name in ASSIGNMENTS:
        for case in yaml.safe_load((CORPUS / name / "manifest.yaml").read_text()):
            if case["file"].startswith("buggy/"):
                yield pytest.param(name, case, id=f"{name}/{case['file']}")


@pytest.fixture(scope="module")
def specs():
    return {name: load_spec(resolve(name)) for name in ASSIGNMENTS}


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


@pytest.mark.parametrize(("assignment", "case"), list(_cases()))
def test_error_lines_ran(assignment, case, specs, monkeypatch):
    spec = specs[assignment]
    report, obs = _graded(spec, CORPUS / assignment / case["file"], monkeypatch)
    assert obs is not None
    entries = {f.name: f.call for f in spec.functions}
    untraced = []
    for fnd in report.findings:
        if fnd.level != "error" or fnd.location is None or fnd.code.startswith("GC0"):
            continue  # GC0xx: loading (parse, import, a missing function), before any call
        if fnd.check and fnd.check.split(":", 1)[0] in entries:
            names = [fnd.check.split(":", 1)[0]]
        else:  # a function-level finding (it raised, changed its input): every entry of that function
            names = [e for e, call in entries.items() if call == fnd.target]
        traces = [obs.traces[e] for e in names if e in obs.traces]
        if not names:
            continue  # the gradient check or the loading step: no single call to trace
        if not traces:
            untraced.append((fnd.code, fnd.target))
            continue
        ran = set().union(*(t.ran for t in traces))
        assert fnd.location.line in ran, (fnd.code, fnd.target, fnd.location.line, sorted(ran))
    assert not untraced, untraced  # a function with an error finding looked wrong, so it was traced
    if "line" in case and "line_xfail" not in case and not case.get("passed", False):
        root = next((f for f in report.findings if f.level == "error"), None)
        want = case["line"] if isinstance(case["line"], list) else [case["line"]]
        assert root is not None and root.location is not None and root.location.line in want
    if not case.get("passed", False):
        assert report.findings  # a buggy file is never silent
