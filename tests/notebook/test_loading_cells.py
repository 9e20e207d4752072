"""Notebook cells: magic lines that continue Python, a function defined in two cells."""

from __future__ import annotations

from gradcheck.submission.notebook import _strip_magics, extract_cells

CORRECT = "def backward(x):\n    return x / 2\n"
BUGGY = "def backward(x):\n    return x\n"


def test_percent_continuation_is_not_a_magic():
    lines = ["import numpy as np", "%matplotlib inline", 's = ("%d points"', "     % (400,))", 'doc = """', "%d x", '"""']
    out, magic = _strip_magics(lines)
    assert magic is None
    assert out == ["import numpy as np", "# %matplotlib inline", 's = ("%d points"', "     % (400,))", 'doc = """', "%d x", '"""']


def test_backslash_continuation_is_not_a_magic():
    out, _ = _strip_magics(["%time", "x = 1 + \\", "  % 2", "!ls"])
    assert out == ["# %time", "x = 1 + \\", "  % 2", "# !ls"]


def test_defined_twice_the_cell_that_ran_last_wins():
    ex = extract_cells([(1, 0, CORRECT), (2, 1, BUGGY)], counts={1: 14, 2: 9})
    assert "    return x / 2" in ex.source and "    return x\n" not in ex.source
    cell = ex.cell(2)
    assert not cell.kept
    assert cell.dropped == ((1, "defines backward again: cell [1] also defines it and ran last (execution count [14], this cell [9])"),)
    assert ex.cell(1).kept


def test_defined_twice_without_counts_file_order():
    ex = extract_cells([(1, 0, CORRECT), (2, 1, BUGGY)], counts={1: 14})
    assert ex.cell(1).kept and ex.cell(2).kept  # the later definition replaces the earlier one at run time
