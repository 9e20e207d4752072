"""A planar notebook built with nbformat → extract → check_file → the finding points at the right cell and line."""

from __future__ import annotations

import pytest

from gradcheck.api import check_file
from gradcheck.submission.notebook import extract

from ..conftest import CORPUS, root_finding
from .planar_cells import cells, code_cell_number, functions

nbformat = pytest.importorskip("nbformat")


def write_notebook(path, cell_list) -> None:
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[v4.new_code_cell(src) if kind == "code" else v4.new_markdown_cell(src) for kind, src in cell_list])
    nbformat.validate(nb)
    nbformat.write(nb, str(path))


def test_planar_notebook_dw1_missing_mean(tmp_path):
    fns = functions(CORPUS / "planar" / "buggy" / "dw1_missing_mean.py")
    cell_list = cells(fns)
    notebook = tmp_path / "Planar_data_classification.ipynb"
    write_notebook(notebook, cell_list)

    ex = extract(notebook)
    number = {
        name: code_cell_number(cell_list, f"# GRADED FUNCTION: {name}")
        for name in ("forward_propagation", "compute_cost", "backward_propagation", "nn_model")
    }
    training = code_cell_number(cell_list, "# Build a model")
    plotting = code_cell_number(cell_list, "# Plot the decision boundary")
    magic = code_cell_number(cell_list, "%matplotlib inline")
    test = code_cell_number(cell_list, "parameters, cache, t_X, t_Y = backward_propagation_test_case()")
    sigmoid = code_cell_number(cell_list, "def sigmoid")
    assert [c.number for c in ex.cells if c.kept] == [1, sigmoid, *number.values()]
    info = {c.number: c for c in ex.cells}
    assert info[training].reason == "runs code only: assigns the result of a training call nn_model(...)"
    assert info[plotting].reason == "runs code only: plotting call plot_decision_boundary(...); plotting call plt.title(...)"
    assert info[magic].reason == "only IPython magics and comments"
    assert (6, "test call backward_propagation_test(...)") in info[test].dropped
    assert "try: from planar_utils import plot_decision_boundary, sigmoid, load_planar_dataset, load_extra_datasets" in ex.source
    assert "# (skipped) import matplotlib.pyplot as plt" in ex.source and "# %matplotlib inline" in ex.source

    module = tmp_path / "built.py"
    module.write_text(ex.source, encoding="utf-8")
    report = check_file(module, "planar")
    assert not report.passed
    finding = root_finding(report)
    assert (finding.code, finding.target) == ("GC302", "dW1")
    assert "missing-mean" in finding.tags

    cell, line = ex.origin(finding.location.line)
    assert cell == number["backward_propagation"]
    cell_source = dict(enumerate((src for kind, src in cell_list if kind == "code"), 1))[cell]
    assert cell_source.split("\n")[line - 1] == "    dW1 = np.dot(dZ1, X.T)"
    assert line == 2 + fns["backward_propagation"].split("\n").index("    dW1 = np.dot(dZ1, X.T)") + 1  # marker + blank line first

    moved = ex.relocate_report(report, file=str(notebook))
    where = root_finding(moved).location
    assert (where.file, where.cell, where.line, where.end_line) == (str(notebook), cell, line, line)
    assert all(f.location is None or f.location.cell is not None for f in moved.findings)
    assert moved.file == str(notebook) and report.file == str(module)


def test_planar_notebook_correct_with_course_sigmoid(tmp_path):
    fns = functions(CORPUS / "planar" / "correct" / "np_dot.py")
    del fns["sigmoid"]  # the notebook takes sigmoid from planar_utils; gradcheck supplies it
    notebook = tmp_path / "correct.ipynb"
    write_notebook(notebook, cells(fns))
    ex = extract(notebook)
    module = tmp_path / "built.py"
    module.write_text(ex.source, encoding="utf-8")
    report = check_file(module)
    assert report.passed, [(f.code, f.target, f.message) for f in report.findings]
    assert report.assignment == "planar" and report.score == report.max_score
