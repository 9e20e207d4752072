"""Where a finding is, printed the same way by every format: a notebook cell as Jupyter shows it
(``In [N]``, else its position saying so) and the context line it led to (``via``)."""

from __future__ import annotations

from gradcheck.findings import Finding, Location
from gradcheck.render import common
from gradcheck.render.annotations import annotations
from gradcheck.render.json_report import report_dict
from gradcheck.render.markdown import render as markdown
from gradcheck.report import Report

from .conftest import text_of

SOURCE = "def helper(x):\n    return x * 2\n\n\ndef f(x):\n    y = helper(x)\n    return y\n"


def _report(location: Location, cells: dict[int, str] | None = None) -> Report:
    f = Finding("GC301", "y", "y is wrong.", location=location)
    return Report(assignment="planar", title="t", file=location.file, seed=0, passed=False, score=0.0, max_score=1.0,
                  findings=[f], source=SOURCE, cells=cells or {})  # fmt: skip


def test_cell_label_prefers_the_execution_count():
    assert common.cell_label(Location("nb.ipynb", 2, cell=4, execution_count=17)) == "In [17]"
    assert common.cell_label(Location("nb.ipynb", 2, cell=4)) == "cell 4 (no execution count)"
    assert common.place(Location("nb.ipynb", 2, cell=4, execution_count=0)) == "In [0], line 2"
    assert common.place(Location("f.py", 6)) == "line 6"


def test_via_is_shown_in_every_format():
    where = Location("f.py", 6, 6, via=Location("f.py", 2, 2))
    report = _report(where)
    text = text_of(report)
    assert "f.py:6" in text and "via f.py:2" in text and "return x * 2" in text
    assert "via line 2" in markdown(report)
    assert any("(via line 2)" in a for a in annotations(report, env={}))
    data = report_dict(report)["findings"][0]
    assert (data["line"], data["via"]) == (6, {"file": "f.py", "line": 2, "cell": None, "execution_count": None})


def test_via_in_another_cell_names_that_cell():
    cells = {3: "def helper(x):\n    return x * 2\n", 5: "def f(x):\n    y = helper(x)\n    return y\n"}
    where = Location("nb.ipynb", 2, 2, cell=5, execution_count=9, via=Location("nb.ipynb", 2, 2, cell=3))
    report = _report(where, cells)
    text = text_of(report)
    assert "nb.ipynb · In [9], line 2" in text and "via nb.ipynb · cell 3 (no execution count), line 2" in text
    shown = markdown(report)
    assert "via cell 3 \\(no execution count\\), line 2" in shown  # Markdown escapes the brackets
    assert "In [9], line 2:" in shown and "    y = helper(x)" in shown  # the cell's own line, not the built module's
    data = report_dict(report)["findings"][0]
    assert (data["cell"], data["execution_count"], data["via"]["cell"]) == (5, 9, 3)


def test_no_via_no_context_line():
    report = _report(Location("f.py", 6, 6))
    assert "via" not in text_of(report) and report_dict(report)["findings"][0]["via"] is None
