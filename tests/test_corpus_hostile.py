"""Hostile and broken submissions: a failed grade, a well-formed report, the right finding,
no stray processes and no files outside temporary directories."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

import gradcheck
from gradcheck.grade import grade
from gradcheck.render import json_report
from gradcheck.render.formats import FORMATS, render_format
from gradcheck.sandbox import isolation, runner

from .conftest import CORPUS, manifest

CASES = manifest("hostile")
PACKAGE = Path(gradcheck.__file__).resolve().parent


def _paths(case) -> list[Path]:
    return [Path(p.replace("{gradcheck_package}", str(PACKAGE))) for p in case.get("must_not_create", [])]


def _processes_in(folder: Path) -> list[str]:
    """Live processes whose working directory is inside ``folder`` (Linux only)."""
    out = []
    if not sys.platform.startswith("linux"):
        return out
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if cwd.startswith(str(folder)) and state != "Z" and int(pid) != os.getpid():
            out.append(pid)
    return out


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_hostile(case, planar_spec, tmp_path, monkeypatch):
    if case.get("slow"):
        pytest.importorskip("resource")  # the CPU backstop; the per-call timeout works everywhere
    isolation.child_dir()  # the child's private files, made once per grader process: not this case's scratch
    work, scratch = tmp_path / "work", tmp_path / "scratch"
    work.mkdir()
    scratch.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # the child's scratch dirs go here
    for p in _paths(case):
        if p.exists():
            p.unlink()
    limits = replace(planar_spec.limits, timeout=2.0, total_timeout=30.0)
    started = time.monotonic()
    report = grade(planar_spec, CORPUS / "hostile" / case["file"], limits=limits)
    seconds = time.monotonic() - started
    if case.get("max_seconds"):
        assert seconds < case["max_seconds"], f"grading took {seconds:.1f} s"
    data = json.loads(json_report.render(report))  # always a well-formed report
    for fmt in FORMATS:  # every format can be written as UTF-8, whatever text came from the child
        render_format(report, fmt, env={}).encode("utf-8")
    codes = [f["code"] for f in data["findings"]]
    assert data["passed"] is case["passed"], codes
    wanted = set(case["codes"])
    hits = [f for f in data["findings"] if f["code"] in wanted]
    assert hits, (codes, [f["message"][:120] for f in data["findings"]])
    if case.get("tags"):
        assert any(set(case["tags"]) <= set(f["tags"]) for f in hits), [(f["code"], f["tags"]) for f in hits]
    if not case["passed"]:
        assert data["score"] < data["max_score"]
    for p in _paths(case):
        assert not p.exists(), f"{p} was created"
    assert list(work.iterdir()) == [], "the submission wrote into the grader's working directory"
    assert list(scratch.iterdir()) == [], "a scratch directory was left behind"
    runner.reap_all()  # killed when grading ends; the kernel's teardown is awaited on a helper thread
    assert _processes_in(tmp_path) == [], "a process outlived its grading"
