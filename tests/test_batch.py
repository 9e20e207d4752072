"""Batch grading: one row per submission, a hang or a crash never stops the others."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import time

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


def test_surrogates_and_undecodable_file_names_never_lose_the_batch(tmp_path):
    """Text no encoding can hold (lone surrogates from the child, a file name that is not UTF-8)
    is one student's problem: every row is written, in CSV and in JSON."""
    d = _class(tmp_path)
    for name in ("surrogate_in_exception_message.py", "surrogate_dict_key.py", "surrogate_in_name_error.py"):
        shutil.copy(CORPUS / "hostile" / name, d / name)
    odd = os.fsencode(str(d)) + b"/caf\xe9_\xff.py"  # Latin-1 bytes: not UTF-8
    with open(odd, "wb") as fh:
        fh.write((CORPUS / "planar" / "buggy" / "dw1_missing_mean.py").read_bytes())
    for out in (tmp_path / "results.csv", tmp_path / "results.json"):
        proc = run("grade", str(d), "-a", "planar", "--timeout", "2", "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        text = out.read_text(encoding="utf-8")  # strict UTF-8: no surrogate reached the file
        rows = list(csv.DictReader(io.StringIO(text))) if out.suffix == ".csv" else json.loads(text)["results"]
        assert len(rows) == 10
        assert any("\\udc" in r["file"] or "\\x" in r["file"] for r in rows)  # the odd name, escaped
        assert not (tmp_path / (out.name + ".partial.jsonl")).exists()  # the journal goes once the file is whole


def test_a_killed_batch_keeps_the_rows_done(tmp_path):
    d = tmp_path / "class"
    d.mkdir()
    shutil.copy(CORPUS / "planar" / "correct" / "np_dot.py", d / "a_fast.py")
    shutil.copy(CORPUS / "planar" / "buggy" / "dw1_missing_mean.py", d / "b_fast.py")
    for i in range(3):
        shutil.copy(CORPUS / "hostile" / "infinite_loop_at_import.py", d / f"c_hangs{i}.py")
    out = tmp_path / "results.csv"
    journal = tmp_path / "results.csv.partial.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "gradcheck", "grade", str(d), "-a", "planar", "-j", "1", "--timeout", "30", "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not journal.exists() or journal.read_text().count("\n") < 2):
            time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait()
    assert not out.exists()
    rows = [json.loads(line) for line in journal.read_text().splitlines()]
    assert {r["file"].rsplit("/", 1)[-1] for r in rows} == {"a_fast.py", "b_fast.py"}
    merged = run("merge", str(journal), "-o", str(tmp_path / "recovered.csv"))
    assert merged.returncode == 0, merged.stderr
    assert len((tmp_path / "recovered.csv").read_text().splitlines()) == 3


def test_a_report_that_cannot_be_rendered_is_one_failed_row(tmp_path, monkeypatch, planar_spec):
    from gradcheck import batch

    files = [CORPUS / "planar" / "correct" / "np_dot.py", CORPUS / "planar" / "buggy" / "dw1_missing_mean.py"]
    real = batch.report_dict

    def breaks_on_buggy(report):
        if "dw1" in str(report.file):
            raise UnicodeEncodeError("utf-8", "\udc80", 0, 1, "surrogates not allowed")
        return real(report)

    monkeypatch.setattr(batch, "report_dict", breaks_on_buggy)
    seen = []
    limits = planar_spec.limits
    rows = batch.grade_all(planar_spec, files, seed=0, limits=limits, jobs=2, on_row=seen.append)
    assert [r.passed for r in rows] == [True, False]
    assert rows[1].findings[0]["code"] == "GC901" and "could not be rendered" in rows[1].findings[0]["message"]
    assert sorted(r.file for r in seen) == sorted(str(f) for f in files)


def test_output_that_cannot_be_written_stops_before_grading(tmp_path):
    d = _class(tmp_path)
    for target in (tmp_path, tmp_path / "results.csv" / "x.csv"):
        if target != tmp_path:
            (tmp_path / "results.csv").write_text("a file, not a folder")
        started = time.monotonic()
        proc = run("grade", str(d), "-a", "planar", "-o", str(target))
        assert proc.returncode == 2 and str(target) in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
        assert time.monotonic() - started < 20  # nothing was graded (the class has a 10 s hang)


def test_forked_workers_give_the_rows_threads_give_and_leave_no_files(tmp_path):
    """--jobs 2 on Linux grades in forked worker processes (workers.py), which end with os._exit:
    what they and their children made in the temporary folder is gone all the same."""
    d = tmp_path / "class"
    d.mkdir()
    for i, name in enumerate(("correct/np_dot.py", "buggy/dw1_missing_mean.py", "buggy/dz1_uses_a2.py")):
        shutil.copy(CORPUS / "planar" / name, d / f"s{i}.py")
    shutil.copy(CORPUS / "hostile" / "infinite_loop_at_import.py", d / "s3.py")
    results = {}
    for mode in ("processes", "threads"):
        tmp = tmp_path / f"tmp-{mode}"
        tmp.mkdir()
        env = {**os.environ, "TMPDIR": str(tmp), "GRADCHECK_WORKERS": mode}
        out = tmp_path / f"{mode}.json"
        proc = subprocess.run([sys.executable, "-m", "gradcheck", "grade", str(d), "-a", "planar", "-j", "2", "--timeout", "5", "-o", str(out)],
                              env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
        assert proc.returncode in (0, 1), proc.stderr
        results[mode] = [{k: v for k, v in row.items() if k != "seconds"} for row in json.loads(out.read_text())["results"]]
        assert list(tmp.iterdir()) == [], f"{mode} left {sorted(p.name for p in tmp.iterdir())}"
    assert results["processes"] == results["threads"]
    assert [r["passed"] for r in results["processes"]] == [True, False, False, False]


def test_a_class_folder_nested_too_deep_still_grades_the_rest(tmp_path):
    from gradcheck import batch
    from gradcheck.sandbox import trees

    d = tmp_path / "class"
    d.mkdir()
    shutil.copy(CORPUS / "planar" / "correct" / "np_dot.py", d / "a.py")
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(1500):  # Path.rglob recursed once per level: RecursionError, no rows at all
        os.mkdir("n", dir_fd=fd)
        deeper = os.open("n", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = deeper
    os.close(os.open("deep.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    os.close(fd)
    try:
        assert batch.collect(str(d)) == [d / "a.py"]
    finally:
        trees.remove(str(d / "n"))  # pytest's own clean-up of old temporary folders recurses too


def test_results_and_feedback_may_not_be_written_where_students_code_can_read_them(tmp_path):
    d = tmp_path / "class"
    d.mkdir()
    shutil.copy(CORPUS / "planar" / "correct" / "np_dot.py", d / "a.py")
    for flag, where in (("-o", d / "results.csv"), ("--feedback", d / "feedback"), ("--html", d / "class.html")):
        proc = run("grade", str(d), "-a", "planar", flag, str(where))
        assert proc.returncode == 2 and "a folder being graded" in proc.stderr, (flag, proc.stderr)
        assert not where.exists()
    ok = run("grade", str(d), "-a", "planar", "-o", str(tmp_path / "results.csv"))
    assert ok.returncode == 0, ok.stderr
