"""Notebook locations as the student sees them: ``In [N]`` from the saved execution count, else
the cell's position among code cells, saying so. Every format prints the same place."""

from __future__ import annotations

import json

import pytest

from gradcheck.api import check_file
from gradcheck.render.annotations import annotations
from gradcheck.render.json_report import report_dict
from gradcheck.render.markdown import render as markdown
from gradcheck.submission.notebook import extract

from ..conftest import CORPUS, root_finding
from ..render.conftest import text_of

SOURCE = CORPUS / "notebooks" / "planar_dw1_missing_mean.ipynb"


def _saved(tmp_path, counts: bool):
    """The corpus notebook saved with execution counts (run out of order: code cell n ran as In [3n + 4]) or without."""
    nb = json.loads(SOURCE.read_text(encoding="utf-8"))
    n = 0
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            n += 1
            cell["execution_count"] = 3 * n + 4 if counts else None
    path = tmp_path / ("counted.ipynb" if counts else "uncounted.ipynb")
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("labels")
    return {counts: check_file(_saved(tmp, counts)) for counts in (True, False)}


def test_extract_keeps_the_saved_counts(tmp_path):
    ex = extract(_saved(tmp_path, True))
    assert ex.counts == {n: 3 * n + 4 for n in range(1, len(ex.cells) + 1)}
    assert extract(_saved(tmp_path, False)).counts == {}


def test_the_location_carries_the_execution_count(graded):
    where = root_finding(graded[True]).location
    assert where.cell == 10 and where.execution_count == 34  # `cell` keeps the position; the count is added
    assert root_finding(graded[False]).location.execution_count is None


def test_every_format_says_in_n(graded):
    report = graded[True]
    f = root_finding(report)
    line = f.location.line
    assert f"counted.ipynb · In [34], line {line}" in text_of(report)
    assert f"In [34], line {line}" in markdown(report)
    assert any(f"In [34], line {line}: " in a for a in annotations(report, env={}))
    data = report_dict(report)["findings"][report.findings.index(f)]
    assert (data["cell"], data["execution_count"], data["line"]) == (10, 34, line)
    assert "cell [10]" not in text_of(report)


def test_without_a_count_the_position_is_named_as_such(graded):
    report = graded[False]
    line = root_finding(report).location.line
    assert f"uncounted.ipynb · cell 10 (no execution count), line {line}" in text_of(report)
    assert f"cell 10 (no execution count), line {line}" in markdown(report)
    assert report_dict(report)["findings"][report.findings.index(root_finding(report))]["execution_count"] is None
