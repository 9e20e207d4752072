"""The gradebook's pages: inline SVG pictures, escaping, the step summary, student ids."""

from __future__ import annotations

import json

import numpy as np

from gradcheck.batch import seed_for, student_ids
from gradcheck.render.gradebook import class_markdown, class_page, heatmap_svg

SUMMARY = {"submissions": 2, "passed": 1, "mean_score": 50.0, "max_score": 100.0,
           "histogram": [{"from": 10 * k, "to": 10 * (k + 1), "count": int(k in (0, 9))} for k in range(10)],
           "common_findings": [("GC302 dW1", 1)], "common_tags": [], "notes": ["this folder mixes assignments"]}  # fmt: skip


def test_heatmap_svg_marks_the_wrong_row():
    err = np.zeros((4, 3))
    err[2] = 1.0
    svg = heatmap_svg(err, scale=2.0)
    assert svg.count("<rect") == 13  # 12 cells and the frame
    assert "rgb(255,0,0)" in svg and "4 × 3" in svg and "50%" in svg
    assert heatmap_svg(np.zeros(3)) == "" and heatmap_svg("x") == ""


def test_class_page_escapes_what_students_control():
    rows = [{"student": "<script>x</script>", "assignment": "planar", "passed": False, "score": 0, "max_score": 100,
             "findings": [{"code": "GC302", "target": "dW1", "severity": "error"}], "feedback": "fb/a.html"}]  # fmt: skip
    page = class_page(SUMMARY, rows)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count("<svg") == 2 and "GC302 dW1" in page and "mixes assignments" in page


def test_step_summary_has_a_chart_and_the_common_mistakes():
    md = class_markdown(SUMMARY)
    assert "```mermaid" in md and "bar [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]" in md and "| `GC302 dW1` | 1 |" in md


def test_student_ids_from_folders_files_and_gradescope_metadata(tmp_path):
    subs = tmp_path / "subs"
    for rel in ("alice/planar.py", "bob_planar.py", "sub_1/planar.py", "dup/a.py", "dup/b.py"):
        (subs / rel).parent.mkdir(parents=True, exist_ok=True)
        (subs / rel).write_text("")
    (subs / "sub_1" / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "c@x.edu", "name": "C"}, {"sid": "42"}]}))
    files = sorted(subs.rglob("*.py"))
    ids = {p.relative_to(subs).as_posix(): i for p, i in student_ids(files, str(subs)).items()}
    assert ids == {"alice/planar.py": "alice", "bob_planar.py": "bob_planar", "sub_1/planar.py": "c@x.edu+42",
                   "dup/a.py": "dup/a", "dup/b.py": "dup/b"}  # fmt: skip


def test_seed_from_id_is_stable():
    assert seed_for("alice") == seed_for("alice") == int("2bd806", 16)
    assert seed_for("alice") != seed_for("bob") and 0 <= seed_for("bob") < 2**24


def test_the_terminal_table_keeps_a_students_file_name_on_one_line_and_its_commands_inert(monkeypatch):
    import io

    from gradcheck.batch import Row
    from gradcheck.gradebook import ClassResult, print_class

    rows = [Row("b\n::error::forged.py", False, 70.0, 100.0, [], 0.1, "b\n::error::forged", "planar", 0, [])]
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    for actions in (False, True):
        monkeypatch.setenv("GITHUB_ACTIONS", "true" if actions else "false")
        out = io.StringIO()
        print_class(ClassResult(rows, [], ["planar"]), out)
        lines = out.getvalue().splitlines()
        assert not any(line.startswith("::error::") for line in lines), lines
        assert any("b ::error::forged" in line for line in lines)  # one line, whatever the name holds
        fenced = lines[0].startswith("::stop-commands::")
        assert fenced == actions, lines[:2]
