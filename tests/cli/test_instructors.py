"""The instructors' walkthrough (docs/instructors.md), run as written on 30 generated submissions,
and its HTML pages looked at in a real headless browser (skipped where none is installed)."""

from __future__ import annotations

import csv
import json
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from ..conftest import CORPUS, ROOT

CORRECT = ["np_dot.py", "np_mean.py"]
BUGGY = ["dw1_missing_mean.py", "dz2_sign_flip.py", "cost_missing_minus.py"]


def _class(tmp_path):
    """30 students: correct and buggy corpus files, one folder each."""
    subs = tmp_path / "submissions"
    names = [("correct", n) for n in CORRECT] + [("buggy", n) for n in BUGGY]
    for i in range(30):
        kind, name = names[i % len(names)]
        (subs / f"student{i + 1:02d}").mkdir(parents=True)
        shutil.copy(CORPUS / "planar" / kind / name, subs / f"student{i + 1:02d}" / "planar.py")
    return subs


def _commands():
    text = (ROOT / "docs" / "instructors.md").read_text(encoding="utf-8")
    block = re.search(r"## Walkthrough.*?```bash\n(.*?)```", text, re.S).group(1)
    return [shlex.split(line) for line in block.splitlines() if line.startswith("gradcheck ")]


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("class")
    _class(tmp)
    procs = [subprocess.run([sys.executable, "-m", "gradcheck", *args[1:]], cwd=tmp, capture_output=True, text=True, timeout=600)
             for args in _commands()]  # fmt: skip
    return tmp, procs


def test_the_walkthrough_runs_as_written(walkthrough):
    tmp, procs = walkthrough
    assert len(procs) == 3
    assert procs[0].returncode == 0, procs[0].stderr
    rows = list(csv.DictReader((tmp / "gradebook.csv").open(encoding="utf-8")))
    assert len(rows) == 30 and {r["student"] for r in rows} == {f"student{i:02d}" for i in range(1, 31)}
    by_id = {r["student"]: r for r in rows}
    assert by_id["student01"]["passed"] == "True" and by_id["student01"]["backward_propagation: dW1"] == "10.0"
    assert by_id["student03"]["first_error_code"] == "GC302" and by_id["student03"]["first_error_target"] == "dW1"
    assert by_id["student03"]["backward_propagation: dW1"] == "0.0"
    assert sum(r["passed"] == "True" for r in rows) == 12
    assert len(list((tmp / "feedback").glob("*.html"))) == 30 and len(list((tmp / "feedback").glob("*.md"))) == 30
    page = (tmp / "feedback" / "student03.html").read_text(encoding="utf-8")
    assert "<svg" in page and "GC302" in page and "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    summary = (tmp / "summary.html").read_text(encoding="utf-8")
    assert "30 submissions · 12 passed" in summary and "GC302 dW1" in summary and "feedback/student03.html" in summary
    assert "student03" in procs[0].stdout and "30 submissions · 12 passed" in procs[0].stdout


def test_seed_from_id_is_stated_and_reproducible(walkthrough):
    tmp, procs = walkthrough
    assert procs[1].returncode == 0, procs[1].stderr
    rows = {r["student"]: r for r in json.loads((tmp / "gradebook.json").read_text())["results"]}
    seeds = {r["seed"] for r in rows.values()}
    assert len(seeds) == 30  # each student their own variant
    from gradcheck.batch import seed_for

    row = rows["student04"]
    assert row["seed"] == seed_for("student04")
    again = subprocess.run([sys.executable, "-m", "gradcheck", row["file"], "-a", "planar", "--seed", str(row["seed"]), "--format", "json"],
                           cwd=tmp, capture_output=True, text=True, timeout=300)  # fmt: skip
    report = json.loads(again.stdout)
    assert report["seed"] == row["seed"] and report["score"] == row["score"]


def test_gradescope_visibility(walkthrough):
    _, procs = walkthrough
    doc = json.loads(procs[2].stdout)
    assert doc["tests"] and {t["visibility"] for t in doc["tests"]} == {"after_due_date"}


def _browser():
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(_browser() is None, reason="no headless browser installed")
@pytest.mark.parametrize("page", ["summary.html", "feedback/student03.html"])
def test_pages_render_in_a_real_browser(walkthrough, page, tmp_path):
    tmp, _ = walkthrough
    shot = tmp_path / "shot.png"
    subprocess.run([_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1000,1400", f"--screenshot={shot}",
                    (tmp / page).as_uri()], capture_output=True, timeout=120)  # fmt: skip
    assert shot.is_file() and shot.stat().st_size > 5000
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(set(_pixels(data))) > 20  # not blank: a white page has a handful of byte values


def _pixels(png: bytes) -> bytes:
    """The PNG's decompressed scanlines (IDAT chunks), without Pillow."""
    import struct
    import zlib

    pos, idat = 8, b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += png[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return zlib.decompress(idat)
