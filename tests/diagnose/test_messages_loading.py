"""messages_loading.py: GC011's words, for code left out and for a function defined in two cells."""

from __future__ import annotations

from gradcheck.diagnose import messages
from gradcheck.diagnose import problems as P
from gradcheck.findings import GC


def _left(*items) -> P.SkippedCode:
    return P.SkippedCode(target="submission", left_out=tuple(items))


def test_a_py_export_lists_five_places_and_counts_the_rest():
    f = messages.finding(_left(
        (P.Place(8), "imports matplotlib.pyplot (a plotting module)"),
        (P.Place(10), "runs code: get_ipython(…).run_line_magic(...)"),
        (P.Place(12), "assigns the result of load_planar_dataset(...), which runs code"),
        (P.Place(14), "plotting call plt.scatter(...)"),
        (P.Place(23), "test call layer_sizes_test(...)"),
        (P.Place(23), "output call print(...)"),  # the same line: named with the one before
        (P.Place(24), "a loop at top level"),
        (P.Place(30), "a loop at top level"),
    ))  # fmt: skip
    assert f.code == GC.SKIPPED_CODE and f.level == "info" and f.tags == () and f.target == "submission"
    assert f.message == (
        "Left out 8 top-level statements that a grader does not run (Jupyter magics, test calls, plots, dataset loading, "
        "training); your functions were graded without them: line 8: imports matplotlib.pyplot (a plotting module); "
        "line 10: runs code: get_ipython(…).run_line_magic(...); line 12: assigns the result of load_planar_dataset(...), "
        "which runs code; line 14: plotting call plt.scatter(...); line 23: test call layer_sizes_test(...), output call "
        "print(...); and 2 more."
    )
    assert len(f.details) == 7 and f.details[-1] == "line 30: a loop at top level"  # every place, one line each


def test_one_statement_is_named_without_a_count():
    f = messages.finding(_left((P.Place(3), "a loop at top level")))
    assert f.message.startswith("Left out 1 top-level statement that ")
    assert f.message.endswith("without them: line 3: a loop at top level.") and f.details == ()


def test_notebook_places_are_cells_as_the_report_shows_them():
    f = messages.finding(_left(
        (P.Place(2, cell=1, count=3), "plotting call plt.plot(...)"),
        (P.Place(None, cell=4, count=7), "cell magic %%bash: the cell is not Python"),
    ))  # fmt: skip
    assert "Left out 1 top-level statement and 1 whole cell that" in f.message
    assert "In [3], line 2: plotting call plt.plot(...); In [7]: cell magic %%bash: the cell is not Python." in f.message
    unsaved = messages.finding(_left((P.Place(2, cell=1), "plotting call plt.plot(...)")))
    assert "cell 1, line 2: plotting call plt.plot(...) (cells without a saved execution count are numbered from the top)." in unsaved.message


def test_a_function_defined_in_two_cells_names_both_and_the_one_graded():
    cells = (P.Place(None, cell=7, count=14), P.Place(None, cell=9, count=9))
    f = messages.finding(P.DefinedTwice(target="forward_propagation", function="forward_propagation", cells=cells,
                                        graded=P.Place(3, cell=7, count=14), by_count=True))  # fmt: skip
    assert f.code == GC.SKIPPED_CODE and f.level == "info" and f.target == "forward_propagation"
    assert f.message == "forward_propagation is defined in In [9] and In [14]; gradcheck graded In [14], the one Jupyter ran last."
    assert "keep one definition of forward_propagation" in (f.hint or "")


def test_without_execution_counts_cell_order_decides_and_says_so():
    cells = (P.Place(None, cell=5), P.Place(None, cell=6), P.Place(None, cell=9))
    f = messages.finding(P.DefinedTwice(target="relu", function="relu", cells=cells, graded=P.Place(1, cell=9), by_count=False))
    assert f.message.startswith("relu is defined in cell 5, cell 6 and cell 9; gradcheck graded cell 9, the last one in the notebook")
    assert "no execution counts were saved" in f.message
