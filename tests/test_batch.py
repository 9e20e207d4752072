"""Batch grading: one row per submission, a hang or a crash never stops the others."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from .conftest import CORPUS


def _class(tmp_path):
    d = tmp_path / "class"
    d.mkdir()
    for name in ("correct/np_dot.py", "correct/np_mean.py", "buggy/dw1_missing_mean.py", "buggy/dz2_sign_flip.py"):
        shutil.copy(CORPUS / "planar" / name, d / name.replace("/", "_"))
    shutil.copy(CORPUS / "hostile" / "infinite_loop_in_backward.py", d / "hangs.py")
    shutil.copy(CORPUS / "hostile" / "os_exit_at_import.py", d / "crashes.py")
    (d / "notes.txt").write_text("not a submission")
    return d


def run(*args):
    return subprocess.run([sys.executable, "-m", "gradcheck", *args], capture_output=True, text=True, timeout=300)


def test_batch_directory_with_hang_and_crash(tmp_path):
    d = _class(tmp_path)
    out = tmp_path / "results.json"
    proc = run("grade", str(d), "--assignment", "planar", "--jobs", "2", "--timeout", "2", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    rows = {r["file"].rsplit("/", 1)[-1]: r for r in data["results"]}
    assert len(rows) == 6
    assert rows["correct_np_dot.py"]["passed"] and rows["correct_np_mean.py"]["passed"]
    assert not rows["hangs.py"]["passed"] and rows["hangs.py"]["findings"][0]["code"] == "GC004"
    assert not rows["crashes.py"]["passed"] and rows["crashes.py"]["findings"][0]["code"] == "GC006"
    s = data["summary"]
    assert s["submissions"] == 6 and s["passed"] == 2
    assert sum(b["count"] for b in s["histogram"]) == 6
    assert dict((k, n) for k, n in s["common_findings"])["GC302 dW1"] == 1
    assert "6 submissions · 2 passed" in proc.stdout


def test_shards_and_merge(tmp_path):
    d = _class(tmp_path)
    for i in (1, 2):
        proc = run("grade", str(d / "*.py"), "-a", "planar", "--shard", f"{i}/2", "--timeout", "2", "-o", str(tmp_path / f"s{i}.json"))
        assert proc.returncode == 0, proc.stderr
    shard_rows = [json.loads((tmp_path / f"s{i}.json").read_text())["results"] for i in (1, 2)]
    assert len(shard_rows[0]) + len(shard_rows[1]) == 6
    assert not {r["file"] for r in shard_rows[0]} & {r["file"] for r in shard_rows[1]}
    proc = run("merge", str(tmp_path / "s1.json"), str(tmp_path / "s2.json"), "-o", str(tmp_path / "all.csv"))
    assert proc.returncode == 0, proc.stderr
    lines = (tmp_path / "all.csv").read_text().splitlines()
    assert lines[0].startswith("file,passed,score") and len(lines) == 7


def test_bad_shard_and_empty_dir(tmp_path):
    proc = run("grade", str(tmp_path), "-a", "planar")
    assert proc.returncode == 2 and "no .py or .ipynb" in proc.stderr
    (tmp_path / "a.py").write_text("x = 1\n")
    proc = run("grade", str(tmp_path), "-a", "planar", "--shard", "3/2")
    assert proc.returncode == 2 and "shard" in proc.stderr
